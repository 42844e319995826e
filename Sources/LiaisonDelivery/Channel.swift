import LiaisonModel

/// What a channel made of one delivery.
public enum ChannelOutcome: Sendable, Hashable {
    /// Accepted by the relay or gateway; `reply` is its answer (e.g. `250 2.0.0 Ok: queued as 4Bx…`).
    case sent(reply: String)
    /// A temporary problem (4xx, 429, timeouts, network errors); `after` is the server's Retry-After if it gave one.
    case retry(reply: String, after: Duration?)
    /// A permanent refusal for this address (5xx for SMTP, other 4xx for webhooks).
    case failed(reply: String)
    /// The relay or gateway itself could not be used (unreachable, refusing sessions, TLS or authentication
    /// problems, 502–504): retried like `.retry`, and the first success after it makes what the channel deferred
    /// meanwhile due at once.
    case unavailable(reply: String)
}

/// A way of delivering messages: SMTP relays, webhook gateways, a folder of files.
///
/// - Important: `send` never throws: every problem is an outcome the outbox records. It may be called
///   concurrently; a channel limits its own concurrency and rate.
public protocol Channel: Sendable {
    /// The relay or gateway name recorded with each attempt.
    var name: String { get }
    /// The channel kinds this channel carries.
    var kinds: Set<ChannelKind> { get }
    func send(_ delivery: Delivery) async -> ChannelOutcome
    /// Lets in-flight sends finish and releases connections.
    func shutdown() async
}

extension ChannelOutcome {
    /// What the outcome says about the channel itself.
    public var signal: ChannelRecovery.Signal {
        switch self {
        case .sent: .worked
        case .unavailable: .unavailable
        case .retry, .failed: .other
        }
    }
}
