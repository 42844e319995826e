import Foundation
import LiaisonModel

/// Failed deliveries queued again, each with the address the roster gives now (the office may have fixed it), and
/// retries waiting out their back-off made due at once: what `liaison retry` and the desk's Health page both do.
public enum FailedRetry {
    public struct Outcome: Sendable, Hashable {
        public var requeued: Int
        public var expedited: Int
        /// Deliveries whose address changed to the roster's.
        public var corrected: Int

        public var auditDetail: String { "requeued=\(requeued) expedited=\(expedited) addresses_corrected=\(corrected)" }
    }

    public static func run(store: any OutboxStore, roster: Roster, eventID: String?, guardianID: String?, now: Date) async throws -> Outcome {
        let query = DeliveryQuery(states: [.failed], eventID: eventID, guardianID: guardianID)
        var corrected = 0
        for delivery in try await store.deliveries(matching: query) {
            guard let current = roster.guardian(delivery.key.guardianID)?.address(for: delivery.key.channel) else { continue }
            if current != delivery.address {
                try await store.updateAddress(delivery.key, to: current)
                corrected += 1
            }
        }
        let requeued = try await store.requeue(matching: query, now: now)
        let expedited = try await store.expediteRetries(matching: DeliveryQuery(eventID: eventID, guardianID: guardianID), since: nil, now: now)
        return Outcome(requeued: requeued, expedited: expedited, corrected: corrected)
    }
}
