import Foundation

/// One moment an event's plan asks for a message: an absolute send time or a reminder before the start.
public struct ScheduledSend: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Source: Hashable, Sendable {
        case sendAt
        case reminder(Reminder)
    }

    public var eventID: String
    public var at: Date
    public var source: Source

    /// The occurrence id used in delivery keys: stable for the same event and moment, so a restart or reload
    /// never queues the same message twice, and a moved event gets new occurrences.
    public var occurrence: String {
        "\(eventID)@\(Self.stamp(at))"
    }

    public static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    public var description: String {
        switch source {
        case .sendAt: "\(eventID) at \(Self.stamp(at))"
        case .reminder(let reminder): "\(eventID) reminder \(reminder) at \(Self.stamp(at))"
        }
    }

    public static func < (lhs: ScheduledSend, rhs: ScheduledSend) -> Bool {
        (lhs.at, lhs.eventID) < (rhs.at, rhs.eventID)
    }
}

/// Why a planned send will not go out.
public struct SkippedSend: Hashable, Sendable, CustomStringConvertible {
    public var send: ScheduledSend
    public var reason: String

    public var description: String { "\(send): \(reason)" }
}

/// Computes what an event's notification plan asks for, in the event's time zone (correct across daylight-saving
/// changes), and decides after downtime what is still worth sending.
public enum SendSchedule {
    /// Every planned send of an event, in time order (duplicates at the same moment merged).
    public static func sends(for event: Event) -> [ScheduledSend] {
        var result: [ScheduledSend] = event.plan.sendAt.map { ScheduledSend(eventID: event.id, at: $0, source: .sendAt) }
        for reminder in event.plan.reminders {
            if let at = reminder.fireDate(forEventStart: event.start, in: event.timeZone) {
                result.append(ScheduledSend(eventID: event.id, at: at, source: .reminder(reminder)))
            }
        }
        var seen = Set<Date>()
        return result.sorted().filter { seen.insert($0.at).inserted }
    }

    /// Until when a message about the event is worth sending: its start, except for an alert, whose start is when
    /// something happened to a child: its messages stay relevant for a day.
    public static func cutoff(for event: Event) -> Date {
        event.kind == .alert ? event.start.addingTimeInterval(86_400) : event.start
    }

    /// The sends due by `now`, and those that are due but no longer relevant: anything after the cutoff (the
    /// event's start), and a reminder that a later due send of the same event supersedes (after downtime only the
    /// latest reminder goes, not all of them at once).
    public static func due(_ sends: [ScheduledSend], event: Event, now: Date) -> (due: [ScheduledSend], skipped: [SkippedSend]) {
        let reached = sends.filter { $0.at <= now }
        guard !reached.isEmpty else { return ([], []) }
        if now >= cutoff(for: event) {
            let reason = event.kind == .alert ? "the alert is more than a day old" : "the event started before this could be sent"
            return ([], reached.map { SkippedSend(send: $0, reason: reason) })
        }
        let latest = reached.max()!
        var skipped: [SkippedSend] = []
        for send in reached where send != latest {
            skipped.append(SkippedSend(send: send, reason: "superseded by the later send at \(ScheduledSend.stamp(latest.at))"))
        }
        return ([latest], skipped)
    }
}
