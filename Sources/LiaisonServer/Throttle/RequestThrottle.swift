import Foundation
import LiaisonModel

/// The server's one ``Throttle``, behind the one lock, with the clock it reads and the proxies it trusts.
public final class RequestThrottle: Sendable {
    public let trustedProxies: TrustedProxies
    private let state: Locked<Throttle<ContinuousClock.Instant>>
    private let clock: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - limits: the limits (`server.rate_limits`).
    ///   - trustedProxies: the proxies whose `X-Forwarded-For` names the client (`server.trusted_proxies`).
    ///   - clock: monotonic time; tests pass one they move themselves.
    public init(
        limits: RateLimits = RateLimits(), trustedProxies: TrustedProxies = TrustedProxies(),
        clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.trustedProxies = trustedProxies
        state = Locked(Throttle(limits: limits))
        self.clock = clock
    }

    func admit(address: IPAddress?, link: String?) -> Throttle<ContinuousClock.Instant>.Decision {
        let now = clock()
        return state.withLock { $0.admit(address: address, link: link, at: now) }
    }

    func record(_ outcome: Throttle<ContinuousClock.Instant>.Outcome, address: IPAddress?, link: String?) -> Duration? {
        let now = clock()
        return state.withLock { $0.record(outcome, address: address, link: link, at: now) }
    }
}
