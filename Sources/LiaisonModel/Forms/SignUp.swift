import Foundation

/// A meeting families book a time for (`slots:` of a meeting): a set of slots per class of the audience (or one set
/// for the event), booked first come, first served up to each slot's capacity, changeable until `bookUntil`.
public struct SignUpPlan: Hashable, Sendable {
    public var slots: [MeetingSlot]
    /// Bookings may be made, changed or cancelled until then (default: the meeting's start).
    public var bookUntil: Date
    /// Offer an interpreter request (ticked beforehand for a guardian who reads another language than the school's).
    public var interpreter: Bool

    public init(slots: [MeetingSlot], bookUntil: Date, interpreter: Bool = true) {
        self.slots = slots
        self.bookUntil = bookUntil
        self.interpreter = interpreter
    }

    /// The slots of one group (a class, or `"all"` for one set for the event), in time order.
    public func slots(of group: String) -> [MeetingSlot] { slots.filter { $0.group == group } }

    public func slot(_ id: String) -> MeetingSlot? { slots.first { $0.id == id } }

    /// The groups that have slots.
    public var groups: [String] { Array(Set(slots.map(\.group))).sorted() }

    /// The groups a household books in: its children's classes that have slots (every household: `"all"`).
    public func groups(for students: [Student]) -> [String] {
        let mine = Set(students.map(\.className))
        return groups.filter { $0 == MeetingSlot.wholeEvent || mine.contains($0) }
    }
}

/// One bookable time.
public struct MeetingSlot: Hashable, Sendable, Identifiable {
    /// The group of a plan with one set of slots for the whole event.
    public static let wholeEvent = "all"

    /// `5A-1540` (group and local start time): stable while the plan keeps the time.
    public var id: String
    public var group: String
    public var start: Date
    public var end: Date
    public var capacity: Int
    /// Who the families meet (the class's teachers from the staff file), when known.
    public var host: String?

    public init(id: String, group: String, start: Date, end: Date, capacity: Int, host: String? = nil) {
        self.id = id
        self.group = group
        self.start = start
        self.end = end
        self.capacity = capacity
        self.host = host
    }
}

/// How the schedule asks for slots; ``make(event:groups:hosts:)`` turns it into a plan.
public struct SlotRules: Hashable, Sendable {
    public var minutes: Int
    public var capacity: Int
    /// One set of slots per class of the audience (else one set for the event).
    public var perClass: Bool
    /// Times of day without meetings, as minutes from midnight (start, end).
    public var breaks: [ClosedRange<Int>]
    public var bookUntil: Date?
    public var interpreter: Bool

    public init(minutes: Int, capacity: Int = 1, perClass: Bool = true, breaks: [ClosedRange<Int>] = [], bookUntil: Date? = nil, interpreter: Bool = true) {
        self.minutes = minutes
        self.capacity = capacity
        self.perClass = perClass
        self.breaks = breaks
        self.bookUntil = bookUntil
        self.interpreter = interpreter
    }

    /// The plan over the event's time (start to end, in its zone): slots of `minutes` that do not overlap a break,
    /// for each of `groups` (the audience's classes) when per class; `hosts` names each class's teachers.
    public func make(start: Date, end: Date, timeZone: TimeZone, groups: [String], hosts: [String: String]) -> SignUpPlan {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var slots: [MeetingSlot] = []
        let names = perClass ? groups.sorted() : [MeetingSlot.wholeEvent]
        let length = TimeInterval(max(1, minutes) * 60)
        for group in names {
            var at = start
            while at.addingTimeInterval(length) <= end {
                let parts = calendar.dateComponents([.hour, .minute], from: at)
                let from = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
                let to = from + minutes
                // Overlaps a break: [from, to) meets [break.lower, break.upper).
                let inBreak = breaks.contains { from < $0.upperBound && to > $0.lowerBound }
                if !inBreak {
                    let id = "\(group)-" + String(format: "%02d%02d", from / 60, from % 60)
                    slots.append(MeetingSlot(
                        id: id, group: group, start: at, end: at.addingTimeInterval(length), capacity: max(1, capacity),
                        host: perClass ? hosts[group] : nil))
                }
                at = at.addingTimeInterval(length)
            }
        }
        return SignUpPlan(slots: slots, bookUntil: bookUntil ?? start, interpreter: interpreter)
    }
}

extension Event {
    /// The event with its ``signUp`` plan made from its ``slotRules``: the classes its audience reaches, hosted by
    /// their teachers in `staff`.
    public func withSignUp(roster: Roster, staff: [DeskStaff]) -> Event {
        guard let rules = slotRules else { return self }
        var event = self
        let classes = Set(audience.recipients(in: roster).flatMap(\.students).map(\.className))
        var hosts: [String: String] = [:]
        for className in classes {
            let teachers = staff.filter { $0.role == .teacher && $0.classes.contains(className) }.map(\.name).sorted()
            if !teachers.isEmpty { hosts[className] = teachers.joined(separator: ", ") }
        }
        event.signUp = rules.make(start: start, end: end ?? start, timeZone: timeZone, groups: classes.sorted(), hosts: hosts)
        return event
    }
}

/// A household's booking of one slot.
public struct SlotBooking: Hashable, Sendable, Codable {
    public var eventID: String
    public var group: String
    public var slotID: String
    public var familyID: String
    public var guardianID: String
    /// The language an interpreter is asked for, if one is.
    public var interpreter: String?
    public var bookedAt: Date

    public init(eventID: String, group: String, slotID: String, familyID: String, guardianID: String, interpreter: String?, bookedAt: Date) {
        self.eventID = eventID
        self.group = group
        self.slotID = slotID
        self.familyID = familyID
        self.guardianID = guardianID
        self.interpreter = interpreter
        self.bookedAt = bookedAt
    }
}

/// What a booking request came to.
public enum BookingOutcome: Hashable, Sendable {
    case booked
    /// The household's booking moved from `from` to the slot asked for.
    case moved(from: String)
    /// The household had this slot already (its interpreter request updated).
    case unchanged
    /// The slot has no place left: nothing changed.
    case full
    /// Past the booking deadline: nothing changed.
    case closed
    case unknownSlot
}

extension SignUpPlan {
    /// The households of `recipients` (the event's audience) with a group still to book, each with those groups.
    public func unbooked(_ recipients: [Recipient], bookings: [SlotBooking]) -> [String: [String]] {
        let booked = Set(bookings.map { "\($0.familyID)\u{1F}\($0.group)" })
        var students: [String: [Student]] = [:]
        for recipient in recipients { students[recipient.guardian.familyID, default: []] += recipient.students }
        var result: [String: [String]] = [:]
        for (family, children) in students {
            let missing = groups(for: children).filter { !booked.contains("\(family)\u{1F}\($0)") }
            if !missing.isEmpty { result[family] = missing }
        }
        return result
    }
}

/// One time of a meeting families book, with who booked it (`liaison signup status`, the desk).
public struct SlotRow: Hashable, Sendable, Encodable {
    public var slot: String
    public var group: String
    public var start: Date
    public var end: Date
    public var host: String?
    public var capacity: Int
    /// The children concerned of each household booked (given and family name), and its interpreter request.
    public var booked: [BookedFamily]

    public struct BookedFamily: Hashable, Sendable, Encodable {
        public var family: String
        public var children: [String]
        /// Each child's class, in the order of `children` (for staff who see only some classes).
        public var classes: [String]
        public var interpreter: String?
    }
}

/// A household with a class still to book: the list to phone.
public struct UnbookedFamily: Hashable, Sendable, Encodable {
    public var family: String
    public var name: String
    public var groups: [String]
    public var languages: [String]
    public var contacts: [String]
}

extension SignUpPlan {
    /// The slots with their bookings, and the households of `event`'s audience still to book, from `roster`;
    /// `invited` narrows the audience to the households invited (a discussion's sample; nil: everyone).
    public func status(of event: Event, roster: Roster, bookings: [SlotBooking], invited: Set<String>? = nil) -> (slots: [SlotRow], unbooked: [UnbookedFamily]) {
        var recipients = event.audience.recipients(in: roster)
        if let invited { recipients.removeAll { !invited.contains($0.guardian.familyID) } }
        var children: [String: [Student]] = [:]
        for recipient in recipients { children[recipient.guardian.familyID, default: []] += recipient.students }
        let bySlot = Dictionary(grouping: bookings, by: \.slotID)
        let rows = slots.map { slot in
            SlotRow(
                slot: slot.id, group: slot.group, start: slot.start, end: slot.end, host: slot.host, capacity: slot.capacity,
                booked: (bySlot[slot.id] ?? []).map { booking in
                    let concerned = Set(children[booking.familyID] ?? []).filter { slot.group == MeetingSlot.wholeEvent || $0.className == slot.group }
                        .sorted { $0.id < $1.id }
                    return SlotRow.BookedFamily(
                        family: booking.familyID, children: concerned.map(\.displayName), classes: concerned.map(\.className),
                        interpreter: booking.interpreter)
                })
        }
        let missing = unbooked(recipients, bookings: bookings)
        let families = missing.keys.sorted().map { family in
            let guardians = roster.guardians(inFamily: family)
            return UnbookedFamily(
                family: family, name: roster.family(family)?.name ?? family, groups: missing[family] ?? [],
                languages: Array(Set(guardians.map(\.language.rawValue))).sorted(),
                contacts: guardians.flatMap { [$0.phone, $0.email].compactMap { $0 } })
        }
        return (rows, families)
    }
}
