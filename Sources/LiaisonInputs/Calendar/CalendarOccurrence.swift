import Foundation
import LiaisonModel

/// One occurrence of a calendar event inside the expansion window: what the rules turn into an `Event`.
public struct CalendarOccurrence: Sendable, Hashable {
    /// Stable id: the calendar's name, a hash of the UID and the original start, so an occurrence moved by a
    /// RECURRENCE-ID override keeps its identity (`school-3fa9c2d1e0-20270611T083000Z`).
    public var id: String
    public var calendar: String
    public var uid: String
    /// The start the recurrence gave it (RECURRENCE-ID), before any override moved it.
    public var originalStart: Date
    public var start: Date
    public var end: Date?
    public var allDay: Bool
    /// The zone the start was written in (the calendar's for dates and floating times).
    public var zone: CalendarZone
    public var summary: String
    /// LANGUAGE of SUMMARY, when given.
    public var summaryLanguage: String?
    public var details: String?
    public var location: String?
    public var categories: [String]
    public var url: String?
    /// True when the event repeats (RRULE or RDATE).
    public var recurring: Bool
    /// 1-based place in its series, counted from DTSTART (excluded and cancelled occurrences take no number).
    public var number = 1
    /// Where the VEVENT (or the override that changed this occurrence) begins.
    public var origin: SourceLocation
}

/// A VEVENT read from the file, before expansion.
struct CalendarEntry {
    var uid: String
    var start: CalendarTime
    var end: CalendarTime?
    /// Wall-clock length (DURATION or DTEND − DTSTART).
    var length: Int?
    var rules: [RecurrenceRule] = []
    var dates: [CalendarTime] = []
    var exceptions: [CalendarTime] = []
    var recurrenceID: CalendarTime?
    var cancelled = false
    var summary = ""
    var summaryLanguage: String?
    var details: String?
    var location: String?
    var categories: [String] = []
    var url: String?
    var line: Int
}
