import Foundation

/// Who holds a claim on outbox rows, and until when: the planning stage and the senders pass it to the outbox, which
/// stamps it on every row it moves to `sending`.
///
/// A row is taken back as a crash leftover only once its lease has run out, so a row held by a live process (which
/// renews its leases while it sends) is never sent twice; the fencing token the outbox returns with a claim must come
/// back with the result, so a sender whose lease was taken over cannot overwrite the newer attempt's outcome.
public struct ClaimLease: Sendable, Hashable {
    /// The claiming process: host, process id and a random part (unique across restarts and machines).
    public var owner: String
    /// The lease runs out at this moment (real time, whatever clock the schedule runs on).
    public var expires: Date

    public init(owner: String, expires: Date) {
        self.owner = owner
        self.expires = expires
    }
}

/// What the planning stage writes to: the outbox, seen only as far as queuing goes.
///
/// The one ``Queuer`` of LiaisonPlan writes every send through this seam; LiaisonStore's outboxes implement it.
public protocol OutboxWriter: Sendable {
    /// The (guardian, channel) pairs that already have a row for `occurrence`, in any state: read without the
    /// messages, so a queuer can skip them before rendering anything.
    func queuedKeys(occurrence: String) async throws -> Set<DeliveryKey>
    /// Inserts the deliveries whose key is new, as `queued`; keys already present are left exactly as they are.
    /// Returns the keys inserted. Durable when it returns.
    func enqueue(_ deliveries: [Delivery]) async throws -> [DeliveryKey]
    /// Like `enqueue`, but the new deliveries already due at `now` are claimed for `lease` in the same transaction and
    /// returned as stored (state `sending`, attempt 1, with their claim), to be sent without being read back.
    func enqueueAndClaim(_ deliveries: [Delivery], now: Date, lease: ClaimLease) async throws -> (inserted: [DeliveryKey], claimed: [Delivery])
    /// Replaces what a delivery not yet sent (queued or retry) will send; false, changing nothing, for any other state.
    func revise(_ delivery: Delivery, now: Date) async throws -> Bool
}
