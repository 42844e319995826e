import Foundation
import LiaisonDelivery
import LiaisonModel
import LiaisonPlan

/// How the daemon's callers (scheduler, reload, alert desk) use the one ``Queuer``: urgent rows are claimed as they are
/// queued and handed straight to the dispatcher's urgent lane; the dispatcher is woken after every chunk.
struct DaemonQueuing: Sendable {
    let queuer: Queuer
    let leases: LeaseKeeper
    let handoff: Handoff
    /// Rung after each chunk is queued.
    let dispatch: Wakeup
    /// Urgent queuing holds it; normal queuing pauses between chunks while it is held.
    let gate: UrgentGate

    var outbox: any OutboxWriter { queuer.outbox }

    func queue(_ request: Queuer.Request) async throws -> Queuer.Outcome {
        let urgent = request.event.priority == .urgent
        let claim = urgent && handoff.isOpen
        let leases = leases
        let handoff = handoff
        let dispatch = dispatch
        let gate = gate
        let lease: (@Sendable () -> ClaimLease)? = claim ? { @Sendable in leases.lease() } : nil
        @Sendable func queue() async throws -> Queuer.Outcome {
            try await queuer.queue(request, claim: lease) { (chunk: Queuer.Chunk) -> Bool in
                if !chunk.claimed.isEmpty {
                    leases.hold(chunk.claimed)
                    // Refused once the dispatcher has stopped: released, the rows' lease runs out and the next recovery
                    // (this daemon's next start, or another process) sends them.
                    if !handoff.offer(chunk.claimed) { leases.release(chunk.claimed) }
                }
                dispatch.ring()
                // A newsletter being rendered waits while an alert is queued or sent.
                if !urgent { await gate.waitUntilClear() }
                return true
            }
        }
        return urgent ? try await gate.urgent(queue) : try await queue()
    }

    func revise(_ request: Queuer.Request) async throws -> Int {
        try await queuer.revise(request)
    }
}
