import Foundation

/// Limits how fast one relay is used: messages per minute and per day (as Microsoft 365 and Google Workspace
/// impose), and a cool-down after the relay says "slow down" (421, 450, 451, 452, 454).
///
/// A pure state machine over explicit times, so it is tested without waiting.
public struct RateLimit: Sendable {
    private var minute: TokenBucket?
    private var day: TokenBucket?
    /// No new message starts before this moment.
    public private(set) var pausedUntil: Date?
    private var consecutiveThrottles = 0

    public init(perMinute: Int?, perDay: Int?, now: Date) {
        minute = perMinute.map { TokenBucket(capacity: Double($0), window: 60, now: now) }
        day = perDay.map { TokenBucket(capacity: Double($0), window: 86_400, now: now) }
    }

    /// Takes a slot if one is free now; otherwise returns the moment to ask again.
    public mutating func acquire(now: Date) -> Date? {
        if let pausedUntil, pausedUntil > now { return pausedUntil }
        var waits: [Date] = []
        if let wait = minute?.wait(now: now) { waits.append(wait) }
        if let wait = day?.wait(now: now) { waits.append(wait) }
        if let latest = waits.max() { return latest }
        minute?.take(now: now)
        day?.take(now: now)
        return nil
    }

    /// The relay asked us to slow down: pause 2 s, doubling with each throttle in a row, at most 10 minutes.
    public mutating func throttled(now: Date, retryAfter: Duration? = nil) {
        consecutiveThrottles += 1
        let backoff = min(600.0, 2.0 * pow(2.0, Double(consecutiveThrottles - 1)))
        let requested = retryAfter.map { Double($0.components.seconds) } ?? 0
        pausedUntil = now.addingTimeInterval(max(backoff, requested))
    }

    /// A message went through: the relay is healthy again.
    public mutating func succeeded() {
        consecutiveThrottles = 0
    }
}

/// A bucket of `capacity` tokens refilled evenly over `window` seconds.
struct TokenBucket: Sendable {
    let capacity: Double
    let perSecond: Double
    var tokens: Double
    var updated: Date

    init(capacity: Double, window: TimeInterval, now: Date) {
        self.capacity = max(1, capacity)
        self.perSecond = max(1, capacity) / window
        self.tokens = max(1, capacity)
        self.updated = now
    }

    mutating func refill(now: Date) {
        let elapsed = max(0, now.timeIntervalSince(updated))
        tokens = min(capacity, tokens + elapsed * perSecond)
        updated = max(updated, now)
    }

    /// When a token will be available, or nil if one is available now.
    mutating func wait(now: Date) -> Date? {
        refill(now: now)
        guard tokens < 1 else { return nil }
        return now.addingTimeInterval((1 - tokens) / perSecond)
    }

    mutating func take(now: Date) {
        refill(now: now)
        tokens -= 1
    }
}
