import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

let london = TimeZone(identifier: "Europe/London")!
let inputsTestsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let calendarFixtures = inputsTestsFolder.appendingPathComponent("Fixtures/calendars").path

/// Reads calendar text written with LF line ends (turned into CRLF, as exporters write).
func readCalendar(_ text: String, window: DateInterval = DateInterval(start: utc("2026-11-01T00:00:00Z"), end: utc("2028-11-01T00:00:00Z")), crlf: Bool = true)
    -> ([CalendarOccurrence], [Diagnostic])
{
    let body = crlf ? text.replacingOccurrences(of: "\n", with: "\r\n") : text
    return CalendarReader.read(Array(body.utf8), file: "test.ics", name: "test", window: window, fallbackZone: london)
}

@Suite struct ContentLineTests {
    @Test func unfoldsLinesAlsoInsideACharacter() throws {
        // "é" is C3 A9: the fold falls between its two bytes, as some exporters do.
        var bytes = Array("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART:20261201T100000Z\r\nSUMMARY:Caf".utf8)
        bytes += [0xC3, 0x0D, 0x0A, 0x20, 0xA9] + Array(" au lait\r\n\tet cr\u{E8}me\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".utf8)
        let (occurrences, diagnostics) = CalendarReader.read(bytes, file: "fold.ics", name: "c", window: DateInterval(start: utc("2026-11-01T00:00:00Z"), duration: 86_400 * 365), fallbackZone: london)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        #expect(occurrences.map(\.summary) == ["Café au laitet crème"])
    }

    @Test func escapedTextQuotedParametersAndLists() throws {
        let line = try ContentLineReader.parse(#"ATTENDEE;CN="Smith, Jane; PTA";ROLE=REQ-PARTICIPANT;DELEGATED-FROM="mailto:a@x.example","mailto:b@x.example":mailto:jane@x.example"#, line: 7).get()
        #expect(line.name == "ATTENDEE")
        #expect(line.parameter("cn") == "Smith, Jane; PTA")
        #expect(line.parameters["DELEGATED-FROM"] == ["mailto:a@x.example", "mailto:b@x.example"])
        #expect(line.value == "mailto:jane@x.example")
        #expect(line.line == 7)
        #expect(CalendarText.unescape(#"Bring water\, a hat\; and \\ sun cream\nThanks"#) == "Bring water, a hat; and \\ sun cream\nThanks")
        #expect(CalendarText.list(#"Sports Day,Year 5\, 6 ,  ,Clubs"#) == ["Sports Day", "Year 5, 6", "Clubs"])
    }

    @Test func byteOrderMarkAndLFLineEnds() throws {
        let text = "\u{FEFF}BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART;VALUE=DATE:20261225\nSUMMARY:Noël – 圣诞节\nEND:VEVENT\nEND:VCALENDAR\n"
        let (occurrences, diagnostics) = readCalendar(text, crlf: false)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        let occurrence = try #require(occurrences.first)
        #expect(occurrence.summary == "Noël – 圣诞节")
        #expect(occurrence.allDay)
        #expect(occurrence.start == utc("2026-12-25T00:00:00Z"))
    }

    @Test func utf16IsRefused() {
        let (occurrences, diagnostics) = CalendarReader.read([0xFF, 0xFE, 0x42, 0x00], file: "u.ics", name: "c", window: DateInterval(start: Date(), duration: 1), fallbackZone: london)
        #expect(occurrences.isEmpty)
        #expect(diagnostics.has("calendar.encoding", line: 1))
    }
}

@Suite struct CalendarProblemTests {
    /// Each broken event is reported at its line; the good ones around it are still read.
    @Test func malformedEventsAreReportedAndTheRestIsUsed() throws {
        let text = """
            BEGIN:VCALENDAR
            VERSION:2.0
            BEGIN:VEVENT
            UID:good-1
            DTSTART:20261201T100000Z
            SUMMARY:First good event with a long description that was
            folded without the leading space
            END:VEVENT
            BEGIN:VEVENT
            UID:bad-rule
            DTSTART:20261202T100000Z
            RRULE:FREQ=WEEKLY;BYDAY=XX
            SUMMARY:Bad rule
            END:VEVENT
            BEGIN:VEVENT
            UID:bad-zone
            DTSTART;TZID=Mars/Olympus_Mons:20261203T100000
            SUMMARY:Unknown zone
            END:VEVENT
            BEGIN:VEVENT
            UID:no-start
            SUMMARY:No start
            END:VEVENT
            BEGIN:VEVENT
            UID:hourly
            DTSTART:20261204T100000Z
            RRULE:FREQ=HOURLY;COUNT=3
            END:VEVENT
            BEGIN:VEVENT
            UID:bad-date
            DTSTART:20261332T100000Z
            END:VEVENT
            BEGIN:VEVENT
            UID:good-2
            DTSTART;TZID=Europe/Paris:20261205T100000
            RRULE:FREQ=DAILY;COUNT=2
            SUMMARY:Second good event
            END:VEVENT
            END:VCALENDAR
            """
        let (occurrences, diagnostics) = readCalendar(text)
        #expect(diagnostics.has("calendar.syntax", line: 7), "\(diagnostics.listing)")
        #expect(diagnostics.has("calendar.invalid-rrule", line: 12, field: "RRULE"))
        #expect(diagnostics.has("calendar.unknown-time-zone", line: 17, field: "DTSTART"))
        #expect(diagnostics.has("calendar.missing-property", line: 20, field: "DTSTART"))
        #expect(diagnostics.has("calendar.unsupported-rrule", line: 27))
        #expect(diagnostics.has("calendar.invalid-date", line: 31))
        #expect(diagnostics.count == 6, "\(diagnostics.listing)")
        #expect(occurrences.map(\.uid) == ["good-1", "good-2", "good-2"])
        #expect(occurrences[1].start == utc("2026-12-05T09:00:00Z"))
        #expect(diagnostics.allSatisfy { $0.location?.file == "test.ics" })
    }

    @Test func unclosedComponentsAndStrayEnds() {
        let text = """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            UID:a
            DTSTART:20261201T100000Z
            END:VTODO
            END:VEVENT
            BEGIN:VEVENT
            UID:b
            DTSTART:20261202T100000Z
            END:VCALENDAR
            """
        let (occurrences, diagnostics) = readCalendar(text)
        #expect(diagnostics.has("calendar.syntax", line: 5))
        #expect(diagnostics.has("calendar.syntax", line: 7))
        #expect(Set(occurrences.map(\.uid)) == ["a", "b"])
    }

    @Test func notACalendar() {
        let (_, diagnostics) = readCalendar("hello: world\n")
        #expect(diagnostics.has("calendar.syntax", line: 1))
    }
}

@Suite struct RecurrenceTests {
    @Test func rulePartsAreValidated() throws {
        let rule = try RecurrenceRule.parse("FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE,-1FR;BYMONTHDAY=-1;BYSETPOS=1;WKST=SU;UNTIL=20271231T235959Z", untilZone: .floating)
        #expect(rule.frequency == .monthly && rule.interval == 2 && rule.weekStart == 6)
        #expect(rule.byDay == [.init(ordinal: 2, weekday: 2), .init(ordinal: -1, weekday: 4)])
        #expect(rule.until?.form == .utc)
        for bad in ["BYDAY=MO", "FREQ=FORTNIGHTLY", "FREQ=DAILY;COUNT=0", "FREQ=WEEKLY;BYDAY=1MO", "FREQ=MONTHLY;BYMONTHDAY=32",
                    "FREQ=DAILY;COUNT=3;UNTIL=20270101", "FREQ=DAILY;FOO=1", "FREQ=DAILY;UNTIL=tomorrow", "FREQ=YEARLY;BYMONTH=13"] {
            #expect(throws: RecurrenceRule.Problem.self, "\(bad)") { try RecurrenceRule.parse(bad, untilZone: .floating) }
        }
    }

    @Test func movedOccurrenceKeepsItsIdentity() throws {
        let text = """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            UID:club
            DTSTART;TZID=Europe/London:20261202T160000
            DTEND;TZID=Europe/London:20261202T170000
            RRULE:FREQ=WEEKLY;COUNT=4
            SUMMARY:Club
            END:VEVENT
            BEGIN:VEVENT
            UID:club
            RECURRENCE-ID;TZID=Europe/London:20261209T160000
            DTSTART;TZID=Europe/London:20261210T180000
            DTEND;TZID=Europe/London:20261210T190000
            SUMMARY:Club (moved)
            END:VEVENT
            BEGIN:VEVENT
            UID:club
            RECURRENCE-ID;TZID=Europe/London:20261216T160000
            STATUS:CANCELLED
            DTSTART;TZID=Europe/London:20261216T160000
            END:VEVENT
            END:VCALENDAR
            """
        let (occurrences, diagnostics) = readCalendar(text)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        #expect(occurrences.map(\.summary) == ["Club", "Club (moved)", "Club"])
        let moved = occurrences[1]
        #expect(moved.start == utc("2026-12-10T18:00:00Z"))
        #expect(moved.originalStart == utc("2026-12-09T16:00:00Z"))
        #expect(moved.id.hasPrefix("test-") && moved.id.hasSuffix("-20261209T160000Z"))
        // The id does not change when the move changes.
        let (again, _) = readCalendar(text.replacingOccurrences(of: "20261210T180000", with: "20261211T080000"))
        #expect(again.map(\.id) == occurrences.map(\.id))
        #expect(Set(occurrences.map(\.id)).count == 3)
    }

    @Test func expansionIsBoundedByTheWindow() {
        let text = """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            UID:forever
            DTSTART:19900105T120000Z
            RRULE:FREQ=DAILY
            END:VEVENT
            END:VCALENDAR
            """
        let window = DateInterval(start: utc("2026-12-01T00:00:00Z"), end: utc("2027-12-01T00:00:00Z"))
        let (occurrences, _) = readCalendar(text, window: window)
        #expect(occurrences.count == 365)
        #expect(occurrences.first?.start == utc("2026-12-01T12:00:00Z"))
    }

    @Test func zonesFromVTimezoneDefinitionsMatchTheIANAZones() throws {
        // A TZID Liaison cannot map: the offsets come from the VTIMEZONE block alone.
        let text = """
            BEGIN:VCALENDAR
            BEGIN:VTIMEZONE
            TZID:Customized Time Zone 3
            BEGIN:STANDARD
            DTSTART:16010405T030000
            RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4
            TZOFFSETFROM:+1100
            TZOFFSETTO:+1000
            END:STANDARD
            BEGIN:DAYLIGHT
            DTSTART:16011004T020000
            RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=10
            TZOFFSETFROM:+1000
            TZOFFSETTO:+1100
            END:DAYLIGHT
            END:VTIMEZONE
            BEGIN:VEVENT
            UID:weekly
            DTSTART;TZID="Customized Time Zone 3":20261201T083000
            RRULE:FREQ=WEEKLY;COUNT=60
            END:VEVENT
            END:VCALENDAR
            """
        let (occurrences, diagnostics) = readCalendar(text)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        #expect(occurrences.count == 60)
        let sydney = CalendarZone.system(TimeZone(identifier: "Australia/Sydney")!)
        for occurrence in occurrences {
            #expect(sydney.wall(at: occurrence.start).second == 8 * 3_600 + 30 * 60, "\(occurrence.start)")
        }
    }

    @Test func windowsZoneNamesAreKnown() {
        for (windows, iana) in WindowsZones.iana {
            #expect(TimeZone(identifier: iana) != nil, "\(windows) → \(iana)")
        }
        #expect(WindowsZones.zone(named: "GMT Standard Time")?.identifier == "Europe/London")
        #expect(WindowsZones.zone(named: "w. europe standard time")?.identifier == "Europe/Berlin")
        #expect(WindowsZones.zone(named: "Eastern Standard Time")?.identifier == "America/New_York")
        #expect(WindowsZones.zone(named: "AUS Eastern Standard Time")?.identifier == "Australia/Sydney")
    }
}
