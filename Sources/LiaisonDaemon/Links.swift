import Foundation
import LiaisonDelivery
import LiaisonModel
import LiaisonStore

/// Makes the links messages carry: a fresh acknowledgement token per (occurrence, guardian), stored hashed in the
/// ledger, and signed unsubscribe links for newsletters.
struct Links: Sendable {
    let ledger: any AckLedger
    let signer: LinkSigner

    /// Acknowledgement URLs by guardian id, issued in one transaction.
    func ackURLs(base: String, eventID: String, occurrence: String, guardians: [String], now: Date) async throws -> [String: String] {
        guard !guardians.isEmpty else { return [:] }
        let tokens = try await ledger.issueTokens(eventID: eventID, occurrence: occurrence, guardianIDs: guardians, now: now)
        return tokens.mapValues { "\(base)/a/\($0)" }
    }

    func unsubscribeURL(base: String, guardian: Guardian) -> String {
        "\(base)/u/\(signer.token(purpose: "unsubscribe", subject: guardian.id))"
    }

    /// The school's public base URL without a trailing slash.
    static func base(_ school: School) -> String {
        var base = school.baseURL?.absoluteString ?? "http://127.0.0.1:8080"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}

/// Plans and queues one occurrence for a list of recipients: ack links for those not queued yet, render, enqueue.
/// Large audiences go in chunks, each durable and handed to the dispatcher before the next is rendered, so the first
/// families are being reached while the last are still being written.
struct OccurrenceQueuer: Sendable {
    let store: any OutboxStore
    let links: Links
    /// Rung after each chunk is queued.
    let dispatch: Wakeup
    /// Where urgent chunks go, claimed as they are queued, so the dispatcher sends them without reading them back.
    var handoff: Handoff?
    var chunkSize = 250

    struct Outcome {
        var queued: [DeliveryKey] = []
        var deliveries: [Delivery] = []
        var problems: [PlanProblem] = []
    }

    /// Queues `event` for `recipients` as `occurrence`. Recipients who already have a row for it keep it (a restart
    /// or a second call queues nothing twice). With `withAckLinks` false the messages carry no link (staff notices).
    func queue(
        _ event: Event, occurrence: String, recipients: [Recipient], sendAt: Date, now: Date, planner: OutboxPlanner,
        school: School, withAckLinks: Bool = true
    ) async throws -> Outcome {
        let existing = Set(try await store.deliveries(matching: DeliveryQuery(occurrence: occurrence)).map(\.key.guardianID))
        let fresh = recipients.filter { !existing.contains($0.guardian.id) }
        guard !fresh.isEmpty else { return Outcome() }
        let base = Links.base(school)
        let links = self.links
        var outcome = Outcome()
        // A small first chunk, so the first families are being reached within milliseconds; then larger ones.
        var start = 0
        while start < fresh.count {
            let size = start == 0 ? min(chunkSize, 50) : chunkSize
            let chunk = Array(fresh[start..<min(start + size, fresh.count)])
            start += chunk.count
            let ackURLs = withAckLinks
                ? try await links.ackURLs(base: base, eventID: event.id, occurrence: occurrence, guardians: chunk.map(\.guardian.id), now: now)
                : [:]
            let (deliveries, problems) = await planner.plan(
                event, recipients: chunk, occurrence: occurrence, sendAt: sendAt, now: now, ackURL: { ackURLs[$0.id] },
                unsubscribeURL: { links.unsubscribeURL(base: base, guardian: $0) })
            if event.priority == .urgent, let handoff, handoff.isOpen {
                let (inserted, claimed) = try await store.enqueueAndClaim(deliveries, now: now)
                outcome.queued += inserted
                _ = handoff.offer(claimed)
            } else {
                outcome.queued += try await store.enqueue(deliveries)
            }
            outcome.deliveries += deliveries
            outcome.problems += problems
            dispatch.ring()
        }
        return outcome
    }
}
