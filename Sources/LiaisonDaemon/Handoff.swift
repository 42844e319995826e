import Foundation
import LiaisonModel

/// Urgent deliveries claimed in the transaction that queued them, waiting for the urgent lane of their channel, which
/// sends them before it claims anything else: an alert goes out without being read back from the outbox, and an
/// alert's email never waits behind its SMS to a slow gateway.
///
/// Once the dispatcher has stopped the handoff is closed, and queuers fall back to queuing without claiming.
final class Handoff: Sendable {
    private struct State {
        var batches: [ChannelKind: [[Delivery]]] = [:]
        var open = true
    }
    private let state = Locked(State())

    /// Whether the dispatcher still takes batches.
    var isOpen: Bool { state.withLock { $0.open } }

    /// Whether nothing waits for `channel`'s lane.
    func isEmpty(_ channel: ChannelKind) -> Bool { state.withLock { $0.batches[channel]?.isEmpty ?? true } }

    /// Adds a claimed batch for the lanes of its channels; false when the dispatcher has stopped (the caller's rows
    /// stay `sending` until their lease runs out, and are then recovered, so nothing is lost).
    func offer(_ batch: [Delivery]) -> Bool {
        let byChannel = Dictionary(grouping: batch, by: \.key.channel)
        return state.withLock { state in
            guard state.open else { return false }
            for (channel, deliveries) in byChannel { state.batches[channel, default: []].append(deliveries) }
            return true
        }
    }

    /// The oldest waiting batch for `channel`.
    func take(_ channel: ChannelKind) -> [Delivery]? {
        state.withLock { state in
            guard var waiting = state.batches[channel], !waiting.isEmpty else { return nil }
            let batch = waiting.removeFirst()
            state.batches[channel] = waiting
            return batch
        }
    }

    /// Takes no more batches; returns those still waiting, which the dispatcher must finish.
    func close() -> [[Delivery]] {
        state.withLock { state in
            state.open = false
            defer { state.batches = [:] }
            return state.batches.keys.sorted().flatMap { state.batches[$0]! }
        }
    }
}
