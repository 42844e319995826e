import Foundation

/// The claims one process holds on outbox rows, and when their leases must be renewed: a pure state machine over the
/// times it is given; the caller does the I/O (claims, renewals) and reports back.
///
/// A claim's token stays on the book while any row claimed under it is still in flight. A token is dropped once all
/// its rows are settled (their results recorded) or abandoned (the results could not be recorded): its rows then
/// keep their lease until it runs out, and the next recovery takes them back. Rows of a live process therefore stay
/// with it, and rows it cannot finish are not held forever.
public struct LeaseBook: Sendable, Hashable {
    /// The process, as stamped on its claims.
    public let owner: String
    /// How long a claim or a renewal holds.
    public let duration: Duration
    /// Rows in flight per claim token.
    private var inFlight: [Int64: Int] = [:]
    /// When the leases on the book were last renewed (or first taken).
    private var renewedAt: Date?

    public init(owner: String, duration: Duration) {
        self.owner = owner
        self.duration = duration
    }

    /// The lease to claim under at `now`.
    public func lease(now: Date) -> ClaimLease {
        ClaimLease(owner: owner, expires: now.addingTimeInterval(duration.seconds))
    }

    /// Tokens whose rows are still in flight, in ascending order.
    public var tokens: [Int64] { inFlight.keys.sorted() }

    /// Rows claimed (with their claim tokens) are now in flight.
    public mutating func claimed(_ deliveries: [Delivery], now: Date) {
        for delivery in deliveries {
            guard let token = delivery.claim?.token else { continue }
            inFlight[token, default: 0] += 1
        }
        if renewedAt == nil, !inFlight.isEmpty { renewedAt = now }
    }

    /// A row's result was recorded, or it will never be: either way it is no longer this process's to renew.
    public mutating func settled(token: Int64?) {
        guard let token, let count = inFlight[token] else { return }
        if count <= 1 { inFlight[token] = nil } else { inFlight[token] = count - 1 }
    }

    /// Renewals are due a third of the way into a lease, so two may fail before it runs out.
    public var renewalInterval: Duration { duration / 3 }

    /// What to renew at `now`, if anything: the tokens in flight, until a full lease from now. Mark it done with
    /// ``renewed(at:)`` once the outbox has it.
    public func renewal(now: Date) -> (tokens: [Int64], until: Date)? {
        guard !inFlight.isEmpty else { return nil }
        if let renewedAt, now.timeIntervalSince(renewedAt) < renewalInterval.seconds { return nil }
        return (tokens, now.addingTimeInterval(duration.seconds))
    }

    public mutating func renewed(at now: Date) {
        renewedAt = now
    }

    /// Whether this process still holds `claim` at `now`: it is on the book and its lease, as claimed or as last
    /// renewed, has not run out. A sender checks before sending: a claim that ran out (the process was paused, or
    /// could not renew) may already be another process's.
    public func holds(_ claim: DeliveryClaim, at now: Date) -> Bool {
        guard claim.owner == owner, inFlight[claim.token] != nil else { return false }
        let renewedUntil = renewedAt.map { $0.addingTimeInterval(duration.seconds) } ?? claim.expires
        return now < max(claim.expires, renewedUntil)
    }

    /// A name for this process on claims: host, process id and a random part, unique across restarts.
    public static func makeOwner() -> String {
        let host = ProcessInfo.processInfo.hostName
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host)/\(ProcessInfo.processInfo.processIdentifier)/\(random)"
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
