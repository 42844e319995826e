import Foundation
import LiaisonModel
import LiaisonStore

/// Keeps this process's claims on the outbox alive: every row claimed (by a queuer claiming what it queues, or by a
/// dispatcher) is held on a ``LeaseBook`` until its result is recorded, and ``run(recovering:)`` renews the leases of
/// what is held, and takes back rows of other processes (or of this one) whose lease ran out.
///
/// Leases run on real time (`realClock`), not on the schedule's clock, which a demo or a test may shift.
public final class LeaseKeeper: Sendable {
    public let store: any OutboxStore
    private let book: Locked<LeaseBook>
    private let realClock: @Sendable () -> Date

    public init(store: any OutboxStore, duration: Duration, owner: String = LeaseBook.makeOwner(), realClock: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.book = Locked(LeaseBook(owner: owner, duration: duration))
        self.realClock = realClock
    }

    public var owner: String { book.withLock { $0.owner } }
    public var duration: Duration { book.withLock { $0.duration } }

    /// The lease to claim under now.
    public func lease() -> ClaimLease {
        let now = realClock()
        return book.withLock { $0.lease(now: now) }
    }

    /// Rows just claimed for this process: their leases are renewed until they are released.
    public func hold(_ deliveries: [Delivery]) {
        let now = realClock()
        book.withLock { $0.claimed(deliveries, now: now) }
    }

    /// Rows whose results are recorded, or that this process will not finish (their leases then run out).
    public func release(_ deliveries: some Sequence<Delivery>) {
        book.withLock { book in
            for delivery in deliveries { book.settled(token: delivery.claim?.token) }
        }
    }

    /// Rows counted by claim token, released together (what a sender still held when it stopped).
    public func release(counts: [Int64: Int]) {
        book.withLock { book in
            for (token, count) in counts {
                for _ in 0..<max(count, 0) { book.settled(token: token) }
            }
        }
    }

    /// Whether this process still holds `claim` now (see ``LeaseBook/holds(_:at:)``).
    public func holds(_ claim: DeliveryClaim) -> Bool {
        let now = realClock()
        return book.withLock { $0.holds(claim, at: now) }
    }

    /// Claim tokens with rows in flight.
    public var heldTokens: [Int64] { book.withLock { $0.tokens } }

    /// Renews what is due now; returns the rows renewed.
    @discardableResult
    public func renewDue() async throws -> Int {
        let now = realClock()
        guard let (owner, due) = book.withLock({ book in book.renewal(now: now).map { (book.owner, $0) } }) else { return 0 }
        let renewed = try await store.renew(owner: owner, tokens: due.tokens, until: due.until)
        book.withLock { $0.renewed(at: now) }
        return renewed
    }

    /// Takes back every row whose lease ran out, and every row of a process on this host that is gone (a `send`
    /// killed a moment ago need not be waited for); returns how many.
    public func recoverExpired() async throws -> Int {
        let me = owner
        let gone = try await store.claimOwners().filter { $0 != me && Self.isGone($0) }
        return try await store.recoverExpired(leaseNow: realClock(), gone: gone)
    }

    /// Whether the process an owner name stands for (``LeaseBook/makeOwner()``) is known to have ended: it ran on this
    /// host and no process has its id. A reused id only means waiting for the lease to run out.
    static func isGone(_ owner: String) -> Bool {
        let parts = owner.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, String(parts[0]) == ProcessInfo.processInfo.hostName, let pid = Int32(parts[1]), pid > 0,
            pid != getpid()
        else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }

    /// Renews leases until cancelled; with `recovering`, also takes back expired rows every `renewalInterval`,
    /// calling `recovered` with each non-zero count. Failures are reported through `failed` and tried again.
    public func run(recovering: Bool, recovered: @Sendable (Int) -> Void = { _ in }, failed: @Sendable (any Error) -> Void = { _ in }) async {
        let interval = book.withLock { $0.renewalInterval }
        let tick = min(interval, .seconds(1))
        var lastRecovery = Date.distantPast
        while !Task.isCancelled {
            do {
                try await renewDue()
            } catch {
                failed(error)
            }
            // Apart from renewing: a renewal that keeps failing must not stop this process taking back other rows.
            let now = realClock()
            if recovering, now.timeIntervalSince(lastRecovery) >= interval.seconds {
                lastRecovery = now
                do {
                    let count = try await recoverExpired()
                    if count > 0 { recovered(count) }
                } catch {
                    failed(error)
                }
            }
            try? await Task.sleep(for: tick)
        }
    }
}
