import Foundation
import LiaisonDelivery
import LiaisonInputs
import LiaisonModel

/// The channels built from the current configuration. A reload that changes the `channels:` section builds new
/// ones; the old ones stay open until the daemon stops, since a batch in flight may still be using them.
final class ChannelHolder: Sendable {
    private struct State {
        var current: ChannelSet
        var settings: DeliverySettings
        var retired: [ChannelSet] = []
    }
    private let state: Locked<State>

    init(_ set: ChannelSet, settings: DeliverySettings) {
        state = Locked(State(current: set, settings: settings))
    }

    var channels: [ChannelKind: any Channel] { state.withLock { $0.current.channels } }
    var kinds: Set<ChannelKind> { Set(channels.keys) }
    var summary: [String] { state.withLock { $0.current.summary } }

    /// Builds new channels when `settings` differ from those in use; returns true when it did.
    func update(settings new: DeliverySettings, school: School) throws -> Bool {
        guard state.withLock({ new != $0.settings }) else { return false }
        let built = try ChannelSet.make(settings: new, school: school)
        state.withLock { state in
            state.retired.append(state.current)
            state.current = built
            state.settings = new
        }
        return true
    }

    func shutdown() async {
        let all = state.withLock { $0.retired + [$0.current] }
        for set in all { await set.shutdown() }
    }
}
