import Foundation
import LiaisonModel

/// A household's meeting times as an iCalendar file: the same file whether the family downloads it from its page or
/// gets it attached to a booking confirmation, so a phone that imported one updates the entry from the other (one
/// UID per class booked, a sequence that grows with each change, times given up marked cancelled).
public struct FamilyBookingCalendar {
    /// The meeting's title in the family's language, without direction marks.
    public var title: String
    public var location: String?
    public var school: School
    /// "With {host}" in the family's language.
    public var hostLine: (String) -> String
    /// "You asked for an interpreter ({language})" in the family's language.
    public var interpreterLine: (LanguageTag) -> String

    public init(
        title: String, location: String?, school: School, hostLine: @escaping (String) -> String,
        interpreterLine: @escaping (LanguageTag) -> String
    ) {
        self.title = title
        self.location = location
        self.school = school
        self.hostLine = hostLine
        self.interpreterLine = interpreterLine
    }

    public func items(eventID: String, familyID: String, times: [BookingConfirmation.Time], released: [BookingConfirmation.Time] = []) -> [ICalendarWriter.Item] {
        func item(_ time: BookingConfirmation.Time, cancelled: Bool) -> ICalendarWriter.Item {
            let description = [time.host.map(hostLine), time.interpreter.map(interpreterLine), school.name].compactMap { $0 }.joined(separator: "\n")
            return ICalendarWriter.Item(
                uid: BookingConfirmation.calendarUID(eventID: eventID, group: time.group, familyID: familyID, school: school), start: time.start, end: time.end,
                summary: title + (time.group == MeetingSlot.wholeEvent ? "" : " (\(time.group))"), location: location,
                description: description, sequence: time.sequence, cancelled: cancelled)
        }
        return times.map { item($0, cancelled: false) } + released.map { item($0, cancelled: true) }
    }

    public func document(eventID: String, familyID: String, times: [BookingConfirmation.Time], released: [BookingConfirmation.Time] = [], stamp: Date) -> String {
        ICalendarWriter(productName: school.name, organizer: school.contact.email.map { (school.name, $0) })
            .document(items(eventID: eventID, familyID: familyID, times: times, released: released), stamp: stamp, name: school.name)
    }
}
