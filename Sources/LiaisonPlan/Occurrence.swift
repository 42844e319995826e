import Foundation
import LiaisonModel

/// One planned sending of an event: the unit every send is planned, keyed and recorded by. Its ``id`` is the
/// `occurrence` of every delivery key it makes, so whichever caller queues it (the scheduler, `liaison send`, a
/// reload, the alert desk), a guardian gets it once on each channel.
///
/// | kind | id |
/// |---|---|
/// | a planned send or reminder | `winter-concert@2026-12-02T16:00:00Z` |
/// | a send by hand of an event the schedule never sends | `open-day` |
/// | a deliberate resend | `winter-concert@2026-12-02T16:00:00Z#resend-1` |
/// | a round of an alert's escalation | `alert-S014-20261202T101500Z#step-1` |
/// | the confirmation of a household's bookings | `year3-meetings#booking-F007-r3` |
public struct Occurrence: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A `send_at` or reminder of the event's plan.
        case scheduled
        /// An event with no planned sends, sent by hand.
        case manual
        /// A deliberate second sending of `of` (an occurrence id), numbered from 1.
        case resend(of: String, number: Int)
        /// A round of an alert's escalation (`step-1`, `repeat-2`, `answered`).
        case alertRound(String)
        /// The confirmation of a household's meeting booking after a change on its page (one per change).
        case bookingConfirmation(familyID: String)
    }

    public var id: String
    public var eventID: String
    public var kind: Kind
    /// When it is due: the planned time (a resend or a send by hand: when it was asked for).
    public var dueAt: Date

    public init(id: String, eventID: String, kind: Kind, dueAt: Date) {
        self.id = id
        self.eventID = eventID
        self.kind = kind
        self.dueAt = dueAt
    }

    /// The occurrence of a planned send (the id the scheduler has always used).
    public static func scheduled(_ send: ScheduledSend) -> Occurrence {
        Occurrence(id: send.occurrence, eventID: send.eventID, kind: .scheduled, dueAt: send.at)
    }

    /// The occurrence of one round of an alert.
    public static func alertRound(_ alert: Alert, round: String, at: Date) -> Occurrence {
        Occurrence(id: alert.occurrence(round: round), eventID: alert.id, kind: .alertRound(round), dueAt: at)
    }

    /// The confirmation of a household's bookings of an event at its `revision` (the store's count of its changes):
    /// one per revision, so a confirmation queued again (after a crash, by a second process) is the same one.
    public static func bookingConfirmation(eventID: String, familyID: String, revision: Int, at: Date) -> Occurrence {
        Occurrence(
            id: "\(eventID)\(BookingConfirmation.occurrenceMarker)\(familyID)-r\(revision)", eventID: eventID, kind: .bookingConfirmation(familyID: familyID), dueAt: at)
    }

    /// The revision a booking confirmation's id ends with (`…#booking-F007-r3` → 3); nil for other ids.
    public static func bookingRevision(of id: String) -> Int? {
        guard id.contains(BookingConfirmation.occurrenceMarker), let dash = id.range(of: "-r", options: .backwards) else { return nil }
        return Int(id[dash.upperBound...])
    }

    /// A resend of `original`, numbered `number` (the caller counts those recorded before).
    public static func resend(of original: Occurrence, number: Int, at: Date) -> Occurrence {
        Occurrence(id: "\(original.id)#resend-\(number)", eventID: original.eventID, kind: .resend(of: original.id, number: number), dueAt: at)
    }

    /// What a send by hand of `event` at `now` sends: the send the schedule has due now (the latest one reached),
    /// else the next one (sent early: the schedule then finds it done), else, for an event the schedule never sends,
    /// the event itself. A send by hand followed by the scheduled one therefore reaches nobody twice.
    public static func forSendByHand(_ event: Event, now: Date) -> Occurrence {
        let sends = SendSchedule.sends(for: event)
        if let latest = sends.last(where: { $0.at <= now }) { return .scheduled(latest) }
        if let next = sends.first { return .scheduled(next) }
        return Occurrence(id: event.id, eventID: event.id, kind: .manual, dueAt: now)
    }

    /// Reads what kind of occurrence an id is (from a journal entry or a delivery key). A planned send is told by its
    /// `@` and a time the event's plan still has; anything else with `@` is a send time the plan no longer has.
    public static func kind(of id: String) -> Kind {
        if let range = id.range(of: "#resend-", options: .backwards), let number = Int(id[range.upperBound...]) {
            return .resend(of: String(id[..<range.lowerBound]), number: number)
        }
        if let range = id.range(of: BookingConfirmation.occurrenceMarker) {
            // The household's id, then its revision (`-r3`).
            let rest = id[range.upperBound...]
            let family = rest.lastIndex(of: "-").map { String(rest[..<$0]) } ?? String(rest)
            return .bookingConfirmation(familyID: family)
        }
        if let hash = id.lastIndex(of: "#") { return .alertRound(String(id[id.index(after: hash)...])) }
        return id.contains("@") ? .scheduled : .manual
    }

    /// Whether the schedule planned it (and may withdraw it when the plan's times change).
    public var isScheduled: Bool { kind == .scheduled }

    public var description: String { id }
}
