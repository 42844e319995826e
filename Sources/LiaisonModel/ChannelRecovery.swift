import Foundation

/// Notices when a channel that was failing temporarily works again, so what it deferred meanwhile can go at once
/// instead of waiting out each delivery's backoff (Postfix reactivates a destination's deferred mail the same way).
/// A pure state machine over the outcomes it is told of.
public struct ChannelRecovery: Sendable, Hashable {
    /// Per channel, when its current run of temporary failures began (no success since).
    private var failingSince: [ChannelKind: Date] = [:]

    public init() {}

    /// What one attempt says about its channel.
    public enum Signal: Sendable, Hashable {
        /// The relay or gateway could not be used at all.
        case unavailable
        /// The relay or gateway took the message.
        case worked
        /// Anything about the message rather than the channel (a refused address, a full mailbox): neither starts
        /// nor ends an outage.
        case other
    }

    /// Records one attempt on `channel`, started at `at`. Returns the start of the outage just ended when this is the
    /// first success after the channel was unavailable: deliveries deferred since then may be tried again now.
    public mutating func record(_ signal: Signal, on channel: ChannelKind, at: Date) -> Date? {
        switch signal {
        case .unavailable:
            if failingSince[channel] == nil { failingSince[channel] = at }
            return nil
        case .worked:
            return failingSince.removeValue(forKey: channel)
        case .other:
            return nil
        }
    }

    /// Whether `channel` has failed temporarily with no success since.
    public func isFailing(_ channel: ChannelKind) -> Bool { failingSince[channel] != nil }
    /// Since when every attempt on `channel` has failed; nil while it works.
    public func failingSince(_ channel: ChannelKind) -> Date? { failingSince[channel] }
}
