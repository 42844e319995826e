import Foundation

/// Rate limits with back-off, per client address and per link, as a state machine: the caller asks ``admit(address:link:at:)``
/// before handling a request and tells ``record(_:address:link:at:)`` how it went; time comes in as an argument, so
/// tests drive it with instants of their own.
///
/// - Every request admitted takes one token from its address's bucket (``RateLimits/perAddress``).
/// - A failure (an unknown or expired link, a wrong bearer token) adds one to the address's failure count, which
///   halves every ``RateLimits/failureHalfLife``. Once the count passes ``RateLimits/freeFailures``, each failure
///   shuts the address out for 1 s, 2 s, 4 s … (one doubling per failure over) up to ``RateLimits/maxPenalty``.
///   Successes do not wipe the count: only time does.
/// - A request that found its link takes a token from that link's bucket (``RateLimits/perLink``), wherever it came
///   from; a link is known by its string's hash alone, and only links that worked are remembered, so guesses fill
///   nothing.
/// - Both tables hold at most ``RateLimits/maxClients`` entries (see ``RecentTable``).
///
/// ```swift
/// var throttle = Throttle<ContinuousClock.Instant>(limits: RateLimits())
/// if case .refuse(_, let wait) = throttle.admit(address: client, link: token, at: .now) { return tooMany(wait) }
/// throttle.record(.failure, address: client, link: token, at: .now)
/// ```
public struct Throttle<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// How a request went, as far as the limits care.
    public enum Outcome: Sendable, Hashable {
        /// The link or the token was good.
        case success
        /// An unknown or expired link, or a wrong bearer token: a guess.
        case failure
        /// Neither (a malformed form, the server not ready): counts as a request only.
        case neutral
    }

    /// Why a request was refused.
    public enum Refusal: String, Sendable, Hashable {
        /// The address is serving a back-off penalty for its failures.
        case penalty
        /// The address spent its request allowance.
        case address
        /// The link spent its allowance.
        case link
    }

    public enum Decision: Sendable, Hashable {
        case admit
        /// Refused; the client may try again after `retryAfter`.
        case refuse(Refusal, retryAfter: Duration)
    }

    struct AddressState: Sendable {
        var bucket: TokenBucket<Instant>
        /// Failures, decayed to `failuresAt`.
        var failures: Double = 0
        var failuresAt: Instant
        var penaltyUntil: Instant?

        init(_ limits: RateLimits, at now: Instant) {
            bucket = TokenBucket(limits.perAddress, at: now)
            failuresAt = now
        }
    }

    public let limits: RateLimits
    private var addresses: RecentTable<IPAddress?, AddressState>
    private var links: RecentTable<Int, TokenBucket<Instant>>

    public init(limits: RateLimits) {
        self.limits = limits
        addresses = RecentTable(capacity: limits.maxClients)
        links = RecentTable(capacity: limits.maxClients)
    }

    /// Addresses and links remembered (for tests and the curious).
    public var remembered: (addresses: Int, links: Int) { (addresses.count, links.count) }

    /// The key an address is limited under: an IPv4 address itself, an IPv6 address's /64 (one subscriber's
    /// network: a client picks any address in it at will); nil (no address known) is one key too.
    public static func key(_ address: IPAddress?) -> IPAddress? {
        address.map { $0.isIPv4 ? $0 : $0.prefix(64) }
    }

    /// Whether a request from `address` for `link` (the token in `/a/{token}`, `/u/{token}`, if any) may go ahead;
    /// admitting takes a token from the address's bucket.
    public mutating func admit(address: IPAddress?, link: String?, at now: Instant) -> Decision {
        let key = Self.key(address)
        var state = addresses.value(for: key) ?? AddressState(limits, at: now)
        defer { store(state, for: key, at: now) }
        if let until = state.penaltyUntil, now < until {
            return .refuse(.penalty, retryAfter: now.duration(to: until))
        }
        state.bucket.refill(limits.perAddress, at: now)
        let wait = state.bucket.wait(limits.perAddress)
        if wait > .zero { return .refuse(.address, retryAfter: wait) }
        if let link, var bucket = links.value(for: link.hashValue) {
            bucket.refill(limits.perLink, at: now)
            links.set(link.hashValue, bucket)
            let wait = bucket.wait(limits.perLink)
            if wait > .zero { return .refuse(.link, retryAfter: wait) }
        }
        state.bucket.take()
        return .admit
    }

    /// Records how an admitted request went: a failure counts against its address (and may start a penalty); a
    /// success spends one of its link's allowance. Returns the penalty a failure started, if it started one.
    @discardableResult
    public mutating func record(_ outcome: Outcome, address: IPAddress?, link: String?, at now: Instant) -> Duration? {
        switch outcome {
        case .failure:
            let key = Self.key(address)
            var state = addresses.value(for: key) ?? AddressState(limits, at: now)
            state.failures = decayed(state, at: now) + 1
            state.failuresAt = now
            let over = Int((state.failures - Double(limits.freeFailures)).rounded())
            let started = over >= 1 ? penalty(over) : nil
            if let started { state.penaltyUntil = now.advanced(by: started) }
            store(state, for: key, at: now)
            return started
        case .success:
            guard let link else { return nil }
            var bucket = links.value(for: link.hashValue) ?? TokenBucket(limits.perLink, at: now)
            bucket.refill(limits.perLink, at: now)
            bucket.take()
            links.set(link.hashValue, bucket)
            return nil
        case .neutral:
            return nil
        }
    }

    /// The wait for the `over`-th failure past the free ones: 1 s, doubling, at most ``RateLimits/maxPenalty``.
    func penalty(_ over: Int) -> Duration {
        let seconds = pow(2, Double(min(max(over, 1), 40) - 1))
        return seconds >= limits.maxPenalty.inSeconds ? limits.maxPenalty : .seconds(seconds)
    }

    private func decayed(_ state: AddressState, at now: Instant) -> Double {
        let elapsed = max(0, state.failuresAt.duration(to: now).inSeconds)
        return state.failures * pow(0.5, elapsed / max(limits.failureHalfLife.inSeconds, 1))
    }

    private mutating func store(_ state: AddressState, for key: IPAddress?, at now: Instant) {
        let limits = limits
        addresses.set(key, state) { old in
            // A guesser cannot flush its penalty by flooding the table with new addresses.
            (old.penaltyUntil.map { now < $0 } ?? false) || old.failures > Double(limits.freeFailures)
        }
    }
}
