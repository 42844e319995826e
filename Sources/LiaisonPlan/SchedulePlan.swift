import Foundation
import LiaisonModel

/// What the scheduler does at a moment: a pure function of the schedule, what its journal has recorded and the time,
/// so the decisions are tested without a daemon, a clock or a database (the daemon's `Scheduler` carries them out).
public enum SchedulePlan {
    /// One thing to do.
    public enum Action: Sendable, Hashable {
        /// Queue this planned send (its occurrence is not in the journal yet).
        case queue(Event, ScheduledSend)
        /// Record this planned send as skipped, with the reason (superseded after downtime, the event started).
        case skip(Event, ScheduledSend, reason: String)
    }

    /// The actions due at `now` for `events`, given the occurrences already `recorded` (queued, skipped or withdrawn),
    /// and when the next planned send is due (nil: nothing planned any more).
    public static func pass(events: [Event], recorded: Set<String>, now: Date) -> (actions: [Action], next: Date?) {
        var actions: [Action] = []
        var next: Date?
        for event in events where !event.isCancelled {
            let sends = SendSchedule.sends(for: event)
            if let upcoming = sends.first(where: { $0.at > now }), upcoming.at < SendSchedule.cutoff(for: event) {
                next = min(next ?? upcoming.at, upcoming.at)
            }
            let (due, skipped) = SendSchedule.due(sends, event: event, now: now)
            for skip in skipped where !recorded.contains(skip.send.occurrence) {
                actions.append(.skip(event, skip.send, reason: skip.reason))
            }
            for send in due where !recorded.contains(send.occurrence) {
                actions.append(.queue(event, send))
            }
        }
        return (actions, next)
    }

    /// Why what is still queued for `occurrence` must be withdrawn now that the schedule reads `event` (nil: the event
    /// is gone), or nil when it stays. Only what the schedule planned depends on its send times; a send by hand or a
    /// resend stays while its event does.
    public static func withdrawal(of occurrence: String, event: Event?) -> String? {
        guard let event else { return "the event is no longer in the schedule" }
        if event.isCancelled { return "the event was cancelled" }
        if Occurrence.kind(of: occurrence) == .scheduled, !SendSchedule.sends(for: event).contains(where: { $0.occurrence == occurrence }) {
            return "the event's send times changed"
        }
        return nil
    }
}
