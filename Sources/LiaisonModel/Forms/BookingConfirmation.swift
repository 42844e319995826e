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
        /// Grows with every change of the booking (seconds since 1970 of the change), so a calendar takes the newest.
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
    /// the entry a phone already has instead of adding a second.
    public static func calendarUID(eventID: String, group: String, familyID: String) -> String {
        "\(eventID)-\(group)-\(familyID)@liaison"
    }
}

extension SignUpPlan {
    /// The household's booked times in `bookings` (of one event), in time order, as its calendar shows them.
    public func times(of familyID: String, in bookings: [SlotBooking]) -> [BookingConfirmation.Time] {
        bookings.filter { $0.familyID == familyID }.compactMap { booking -> BookingConfirmation.Time? in
            guard let slot = slot(booking.slotID) else { return nil }
            return BookingConfirmation.Time(
                group: booking.group, start: slot.start, end: slot.end, host: slot.host, interpreter: booking.interpreter.flatMap { LanguageTag($0) },
                sequence: Int(booking.bookedAt.timeIntervalSince1970.rounded(.down)))
        }
        .sorted { ($0.start, $0.group) < ($1.start, $1.group) }
    }

    /// What to tell `familyID` after a change on its page took its bookings from `before` to `after` (each the
    /// event's bookings, or only the household's), or nil when nothing it booked changed (a second click, a slot
    /// taken meanwhile).
    public func confirmation(familyID: String, before: [SlotBooking], after: [SlotBooking], at now: Date) -> BookingConfirmation? {
        func state(_ bookings: [SlotBooking]) -> [String: SlotBooking] {
            Dictionary(bookings.filter { $0.familyID == familyID }.map { ($0.group, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let old = state(before)
        let new = state(after)
        let changed = Set(old.keys).union(new.keys).contains { group in
            old[group]?.slotID != new[group]?.slotID || old[group]?.interpreter != new[group]?.interpreter
        }
        guard changed else { return nil }
        let stamp = Int(now.timeIntervalSince1970.rounded(.down))
        let released = times(of: familyID, in: Array(old.values.filter { new[$0.group] == nil })).map { time -> BookingConfirmation.Time in
            var time = time
            time.sequence = max(stamp, time.sequence + 1)
            return time
        }
        return BookingConfirmation(familyID: familyID, times: times(of: familyID, in: Array(new.values)), released: released, changeUntil: bookUntil, changedAt: now)
    }
}

extension Event {
    /// The event as the confirmation of a household's booking sees it: written with the `booking` template, asking
    /// nothing (no answers, slots or reminders of its own), so no narrowing or invitation applies to it.
    public func confirming(_ booking: BookingConfirmation) -> Event {
        var event = self
        event.template = BookingConfirmation.template
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
