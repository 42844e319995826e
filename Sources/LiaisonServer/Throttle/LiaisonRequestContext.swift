import Hummingbird
import LiaisonModel

/// The request context of Liaison's routes: Hummingbird's core storage plus the address of the socket's peer, which
/// the rate limits key on (``ThrottleMiddleware`` resolves `X-Forwarded-For` from trusted proxies on top of it).
public struct LiaisonRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connected peer's IP address; nil when there is none (a Unix socket, a test without a socket).
    public let peer: IPAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        peer = source.channel.remoteAddress?.ipAddress.flatMap { IPAddress($0) }
    }
}
