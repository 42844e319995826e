import Foundation

/// How long the links in a message keep working: a link in an old letter should not answer for a family forever.
/// An event's links work until `afterEvent` past its end (or start); an alert's for `alert` after it was raised.
public struct LinkLifetime: Sendable, Hashable {
    public var afterEvent: Duration
    public var alert: Duration

    public init(afterEvent: Duration = .seconds(30 * 86_400), alert: Duration = .seconds(86_400)) {
        self.afterEvent = afterEvent
        self.alert = alert
    }

    /// When links about `event` stop working.
    public func expiry(of event: Event) -> Date {
        let (from, lifetime) = event.kind == .alert ? (event.start, alert) : (event.end ?? event.start, afterEvent)
        return from.addingTimeInterval(Double(lifetime.components.seconds))
    }

    public func isExpired(_ event: Event, at now: Date) -> Bool { now >= expiry(of: event) }
}
