import Foundation
import LiaisonModel

/// Urgent deliveries claimed in the transaction that queued them, waiting for the dispatcher, which sends them before
/// it claims anything else: an alert goes out without being read back from the outbox.
///
/// Once the dispatcher has stopped the handoff is closed, and queuers fall back to queuing without claiming.
final class Handoff: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [[Delivery]] = []
    private var open = true

    /// Whether the dispatcher still takes batches.
    var isOpen: Bool { lock.withLock { open } }
    var isEmpty: Bool { lock.withLock { batches.isEmpty } }

    /// Adds a claimed batch for the dispatcher; false when it has stopped (the caller's rows stay `sending` and are
    /// recovered at the next start, so nothing is lost).
    func offer(_ batch: [Delivery]) -> Bool {
        lock.withLock {
            guard open else { return false }
            if !batch.isEmpty { batches.append(batch) }
            return true
        }
    }

    /// The oldest waiting batch.
    func take() -> [Delivery]? {
        lock.withLock { batches.isEmpty ? nil : batches.removeFirst() }
    }

    /// Takes no more batches; returns those still waiting, which the dispatcher must finish.
    func close() -> [[Delivery]] {
        lock.withLock {
            open = false
            defer { batches = [] }
            return batches
        }
    }
}
