import Foundation
import LiaisonDelivery
import LiaisonInputs
import LiaisonModel

/// The channels built from the current configuration. A reload that changes the `channels:` section builds new
/// ones; the old ones stay open until the daemon stops, since a batch in flight may still be using them.
final class ChannelHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var current: ChannelSet
    private var settings: DeliverySettings
    private var retired: [ChannelSet] = []

    init(_ set: ChannelSet, settings: DeliverySettings) {
        current = set
        self.settings = settings
    }

    var channels: [ChannelKind: any Channel] { lock.withLock { current.channels } }
    var kinds: Set<ChannelKind> { Set(channels.keys) }
    var summary: [String] { lock.withLock { current.summary } }

    /// Builds new channels when `settings` differ from those in use; returns true when it did.
    func update(settings new: DeliverySettings, school: School) throws -> Bool {
        guard lock.withLock({ new != settings }) else { return false }
        let built = try ChannelSet.make(settings: new, school: school)
        lock.withLock {
            retired.append(current)
            current = built
            settings = new
        }
        return true
    }

    func shutdown() async {
        let all = lock.withLock { retired + [current] }
        for set in all { await set.shutdown() }
    }
}
