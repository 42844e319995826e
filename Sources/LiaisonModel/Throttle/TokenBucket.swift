/// A token bucket: full at `burst`, refilled continuously at the rate, one token per request.
public struct TokenBucket<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public private(set) var tokens: Double
    private var updated: Instant

    /// A full bucket.
    public init(_ settings: RateLimits.Bucket, at now: Instant) {
        tokens = Double(settings.burst)
        updated = now
    }

    /// Adds what the time since the last update refilled.
    public mutating func refill(_ settings: RateLimits.Bucket, at now: Instant) {
        let elapsed = max(0, updated.duration(to: now).inSeconds)
        tokens = min(Double(settings.burst), tokens + elapsed * settings.rate.perSecond)
        if now > updated { updated = now }
    }

    /// How long until a request may be taken (zero when one may be now).
    public func wait(_ settings: RateLimits.Bucket) -> Duration {
        tokens >= 1 ? .zero : .seconds((1 - tokens) / settings.rate.perSecond)
    }

    public mutating func take() {
        tokens -= 1
    }
}
