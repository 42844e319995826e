import Foundation

/// What a household is told after it booked, moved or cancelled a meeting time on its page: every time it has booked
/// now (the letter lists them and attaches them as a calendar file) and those this change gave up (the calendar file
/// marks them cancelled, so a phone's calendar drops them).
public struct BookingConfirmation: Hashable, Sendable {
    /// One booked (or given up) time, as the household's calendar should show it.
    public struct Time: Hashable, Sendable {
        public var group: String
        public var start: Date
        public var end: Date
        public var host: String?
        /// The language an interpreter was asked for.
        public var interpreter: LanguageTag?
        /// Grows with every change of the household's bookings (its revision), so a calendar keeps the newest.
        public var sequence: Int

        public init(group: String, start: Date, end: Date, host: String? = nil, interpreter: LanguageTag? = nil, sequence: Int) {
            self.group = group
            self.start = start
            self.end = end
            self.host = host
            self.interpreter = interpreter
            self.sequence = sequence
        }
    }

    public var familyID: String
    /// The household's times now, in time order (empty once it cancelled everything).
    public var times: [Time]
    /// The times this change gave up (a cancellation), in time order.
    public var released: [Time]
    /// Until when the household can still change or cancel.
    public var changeUntil: Date
    public var changedAt: Date

    public init(familyID: String, times: [Time], released: [Time], changeUntil: Date, changedAt: Date) {
        self.familyID = familyID
        self.times = times
        self.released = released
        self.changeUntil = changeUntil
        self.changedAt = changedAt
    }

    /// What sets the occurrence id of a confirmation apart (`<event>#booking-<household>-<time>`).
    public static let occurrenceMarker = "#booking-"

    /// The template its letter is written with.
    public static let template = "booking"

    /// The calendar entry of a household's booking in a group: one per (event, group, household), so a move updates
    /// the entry a phone already has instead of adding a second; the school's host keeps it apart from another
    /// school's (RFC 5545 asks a UID to be globally unique).
    public static func calendarUID(eventID: String, group: String, familyID: String, school: School) -> String {
        "\(eventID)/\(group)/\(familyID)@\(school.calendarDomain)"
    }
}

/// A household whose bookings changed since its last confirmation was queued (kept by the form store).
public struct BookingChange: Hashable, Sendable {
    public var eventID: String
    public var familyID: String
    /// The changes counted so far; the confirmation of this one is keyed by it.
    public var revision: Int
    public var changedAt: Date
    /// The household's bookings the last confirmation described (none before the first).
    public var confirmed: [SlotBooking]

    public init(eventID: String, familyID: String, revision: Int, changedAt: Date, confirmed: [SlotBooking]) {
        self.eventID = eventID
        self.familyID = familyID
        self.revision = revision
        self.changedAt = changedAt
        self.confirmed = confirmed
    }
}

extension SignUpPlan {
    /// The household's booked times in `bookings` (of one event), in time order, as its calendar shows them at
    /// `revision` (the household's count of changes: the entries' sequence).
    public func times(of familyID: String, in bookings: [SlotBooking], revision: Int) -> [BookingConfirmation.Time] {
        bookings.filter { $0.familyID == familyID }.compactMap { booking -> BookingConfirmation.Time? in
            guard let slot = slot(booking.slotID) else { return nil }
            return BookingConfirmation.Time(
                group: booking.group, start: slot.start, end: slot.end, host: slot.host, interpreter: booking.interpreter.flatMap { LanguageTag($0) },
                sequence: revision)
        }
        .sorted { ($0.start, $0.group) < ($1.start, $1.group) }
    }

    /// The longest confirmation `recipient`'s household could get (every class it books, at its first time, with an
    /// interpreter in the guardian's language), for `check` to render and size before any family books; nil when
    /// the household books nothing.
    public func exampleConfirmation(for recipient: Recipient, at now: Date) -> BookingConfirmation? {
        let times = groups(for: recipient.students).compactMap { group in
            slots(of: group).first.map {
                BookingConfirmation.Time(group: group, start: $0.start, end: $0.end, host: $0.host, interpreter: recipient.guardian.language, sequence: 1)
            }
        }
        guard !times.isEmpty else { return nil }
        return BookingConfirmation(familyID: recipient.guardian.familyID, times: times, released: [], changeUntil: bookUntil, changedAt: now)
    }

    /// What to tell `familyID` once its bookings went from `before` (what its last confirmation described) to
    /// `after` (each the event's bookings, or only the household's), at `revision`; nil when, all told, nothing it
    /// booked changed (a time booked and cancelled again before the letter went).
    public func confirmation(familyID: String, before: [SlotBooking], after: [SlotBooking], revision: Int, at changedAt: Date) -> BookingConfirmation? {
        func state(_ bookings: [SlotBooking]) -> [String: SlotBooking] {
            Dictionary(bookings.filter { $0.familyID == familyID }.map { ($0.group, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let old = state(before)
        let new = state(after)
        let changed = Set(old.keys).union(new.keys).contains { group in
            old[group]?.slotID != new[group]?.slotID || old[group]?.interpreter != new[group]?.interpreter
        }
        guard changed else { return nil }
        return BookingConfirmation(
            familyID: familyID, times: times(of: familyID, in: Array(new.values), revision: revision),
            released: times(of: familyID, in: Array(old.values.filter { new[$0.group] == nil }), revision: revision),
            changeUntil: bookUntil, changedAt: changedAt)
    }
}

extension Event {
    /// The event as the confirmation of a household's booking sees it: written with the `booking` template, asking
    /// nothing (no answers, slots or reminders of its own), so no narrowing or invitation applies to it.
    public func confirming(_ booking: BookingConfirmation) -> Event {
        var event = self
        event.template = BookingConfirmation.template
        // A plain letter whatever the meeting was: never an alert's channels and hours, never a newsletter's opt-out.
        event.priority = .normal
        event.kind = .meeting
        event.rsvp = []
        event.plan = NotificationPlan()
        event.survey = nil
        event.slotRules = nil
        event.signUp = nil
        event.discussion = nil
        event.consent = nil
        event.data["signup"] = nil
        event.booking = booking
        return event
    }
}
