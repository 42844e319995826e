import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

@Suite struct ScheduleLoaderTests {
    let school = School(name: "Riverside", defaultLocale: "en", timeZone: TimeZone(identifier: "Europe/London")!)

    @Test func goodSchedule() throws {
        let fixture = Fixture()
        let path = fixture.write("events.yaml", """
            events:
              - id: sports-day-2026
                kind: announcement
                title:
                  en: Sports Day
                  ar: اليوم الرياضي
                start: 2026-06-12T09:30
                end: 2026-06-12 15:00
                location: School playing fields
                audience: everyone
                template: announcement
                notify:
                  send_at: [2026-05-29T16:00]
                  reminders: ["-7d", "-1d at 18:00"]
                rsvp:
                  - id: attending
                  - id: slot-1600
                    label: { en: "16:00–16:10", ar: "١٦:٠٠–١٦:١٠" }
                  - maybe
                data:
                  bring: [water bottle, sun hat]
                  count: 3
                  ratio: 1.5
                  outdoor: true
                  note: "007"
                  when: 2026-06-12
                  nothing:
              - id: meeting
                kind: meeting
                title: Parents' evening
                start: 2026-03-29T01:30
                audience:
                  grades: [5, "6"]
                  classes: 3A
                  students: [S014]
                  families: F022, F023
                template: meeting
              - id: fallback
                kind: alert
                title: {fr: Fermeture, en-GB: Closure}
                start: 2026-10-25T01:30
                end: 2026-10-25T02:00+00:00
                time_zone: Europe/London
                audience: all
                template: alert
              - id: offsets
                kind: newsletter
                title: News
                start: 2026-06-12T09:30+02:00
                end: 2026-06-12T08:00Z
                audience: Whole-School
                template: newsletter
                priority: URGENT
              - id: allday
                kind: progress-letter
                title: Reports
                start: 2026-06-12
                time_zone: America/New_York
                audience: {families: [F1]}
                template: progress
            """)
        let (events, diagnostics) = ScheduleLoader.load(path: path, school: school)
        #expect(events.map(\.id) == ["sports-day-2026", "meeting", "fallback", "offsets", "allday"])
        // The only remark: 01:30 on 29 March 2026 does not exist in London.
        #expect(diagnostics.codes == ["schedule.nonexistent-time"], "\(diagnostics.listing)")
        #expect(diagnostics.has("schedule.nonexistent-time", line: 31, field: "events[1].start"))
        #expect(diagnostics.first?.severity == .warning)

        let sports = events[0]
        #expect(sports.kind == .announcement)
        #expect(sports.start == utc("2026-06-12T08:30:00Z"))
        #expect(sports.end == utc("2026-06-12T14:00:00Z"))
        #expect(!sports.allDay)
        #expect(sports.timeZone.identifier == "Europe/London")
        #expect(sports.title.base == "Sports Day")
        #expect(sports.title.translations[LanguageTag("ar")] == "اليوم الرياضي")
        #expect(sports.location?.base == "School playing fields")
        #expect(sports.audience == .everyone)
        #expect(sports.template == "announcement")
        #expect(sports.priority == .normal)
        #expect(sports.plan.sendAt == [utc("2026-05-29T15:00:00Z")])
        #expect(sports.plan.reminders == [Reminder(days: -7), Reminder(days: -1, at: TimeOfDay(hour: 18, minute: 0))])
        #expect(sports.rsvp.map(\.id) == ["attending", "slot-1600", "maybe"])
        #expect(sports.rsvp[0].label == nil)
        #expect(sports.rsvp[1].label?.base == "16:00–16:10")
        #expect(sports.rsvp[1].label?.translations[LanguageTag("ar")] == "١٦:٠٠–١٦:١٠")
        #expect(sports.data["bring"] == .list([.string("water bottle"), .string("sun hat")]))
        #expect(sports.data["count"] == .int(3))
        #expect(sports.data["ratio"] == .double(1.5))
        #expect(sports.data["outdoor"] == .bool(true))
        #expect(sports.data["note"] == .string("007"))
        #expect(sports.data["when"] == .string("2026-06-12"))
        #expect(sports.data["nothing"] == .null)
        #expect(sports.origin?.line == 2)
        #expect(sports.origin?.file == path)

        let meeting = events[1]
        #expect(meeting.start == utc("2026-03-29T01:30:00Z"))  // moved forward to 02:30 BST
        #expect(meeting.audience.grades == ["5", "6"])
        #expect(meeting.audience.classes == ["3A"])
        #expect(meeting.audience.students == ["S014"])
        #expect(meeting.audience.families == ["F022", "F023"])
        #expect(!meeting.audience.wholeSchool)
        #expect(meeting.plan.isEmpty)

        let fallback = events[2]
        #expect(fallback.start == utc("2026-10-25T00:30:00Z"))  // the first 01:30, still in summer time
        #expect(fallback.end == utc("2026-10-25T02:00:00Z"))
        #expect(fallback.priority == .urgent)
        #expect(fallback.title.base == "Fermeture")
        #expect(fallback.title.translations[LanguageTag("en-GB")] == "Closure")
        #expect(fallback.audience == .everyone)

        let offsets = events[3]
        #expect(offsets.start == utc("2026-06-12T07:30:00Z"))
        #expect(offsets.end == utc("2026-06-12T08:00:00Z"))
        #expect(offsets.priority == .urgent)
        #expect(offsets.audience.wholeSchool)

        let allDay = events[4]
        #expect(allDay.kind == .progressLetter)
        #expect(allDay.allDay)
        #expect(allDay.start == utc("2026-06-12T04:00:00Z"))
        #expect(allDay.timeZone.identifier == "America/New_York")
        #expect(allDay.audience.families == ["F1"])
    }

    @Test func everyScheduleProblemHasItsLineAndKeyPath() throws {
        let fixture = Fixture()
        let path = fixture.write("events.yaml", """
            events:
              - id: a
                kind: party
                title: A
                start: 2026-02-30T10:00
                audience: everyone
                template: t
                colour: red
              - id: a
                kind: meeting
                title: B
                start: 2026-06-12T10:00
                end: 2026-06-12T09:00
                audience: everyone
                template: t
              - kind: meeting
                title: {en: C, "english!": D}
                start: 2026-06-12T10:00
                time_zone: Mars/Olympus
                audience: nobody
                template: t
                priority: high
                notify:
                  reminders: ["-1x", "-1d"]
                rsvp:
                  - id: yes
                  - label: No id
                  - yes
              - id: d
                kind: meeting
                title: D
                start: 2026-06-12T10:00
                audience: {grade: [5]}
              - id: ok
                kind: survey
                title: OK
                start: 2026-06-12
                audience: everyone
                template: survey
              - just a string
            """)
        let (events, d) = ScheduleLoader.load(path: path, school: school)
        let expected: [(String, Int, String)] = [
            ("schedule.invalid-kind", 3, "events[0].kind"),
            ("schedule.invalid-date", 5, "events[0].start"),
            ("schedule.unknown-key", 8, "events[0].colour"),
            ("schedule.duplicate-id", 9, "events[1].id"),
            ("schedule.end-before-start", 13, "events[1].end"),
            ("schedule.missing-key", 16, "events[2].id"),
            ("schedule.invalid-locale", 17, "events[2].title.english!"),
            ("schedule.invalid-time-zone", 19, "events[2].time_zone"),
            ("schedule.invalid-audience", 20, "events[2].audience"),
            ("schedule.invalid-priority", 22, "events[2].priority"),
            ("schedule.invalid-reminder", 24, "events[2].notify.reminders[0]"),
            ("schedule.invalid-rsvp", 27, "events[2].rsvp[1]"),
            ("schedule.invalid-rsvp", 28, "events[2].rsvp[2]"),
            ("schedule.invalid-audience", 33, "events[3].audience.grade"),
            ("schedule.missing-key", 29, "events[3].template"),
            ("schedule.invalid-value", 40, "events[5]"),
        ]
        for (code, line, field) in expected {
            #expect(d.has(code, line: line, field: field), "missing \(code) \(line) [\(field)]\n\(d.listing)")
        }
        #expect(d.count == expected.count, "\(d.listing)")
        #expect(d.first("schedule.duplicate-id")?.message.contains("line 2") == true)
        #expect(d.first("schedule.invalid-audience")?.message.contains("everyone") == true)
        #expect(d.first { $0.location?.field == "events[3].audience.grade" }?.message.contains("grades") == true)
        #expect(d.first("schedule.unknown-key")?.severity == .warning)
        #expect(events.map(\.id) == ["ok"])
    }

    @Test func yamlSyntaxAndShapeErrors() {
        let fixture = Fixture()
        let broken = fixture.write("broken.yaml", "events:\n  - id: a\n    title: \"open\n")
        let (events, d) = ScheduleLoader.load(path: broken, school: school)
        #expect(events.isEmpty)
        #expect(d.codes == ["schedule.yaml-syntax"])
        #expect(d[0].location?.line != nil)

        let noEvents = fixture.write("none.yaml", "event:\n  - id: a\n")
        let (_, d2) = ScheduleLoader.load(path: noEvents, school: school)
        #expect(Set(d2.codes) == ["schedule.unknown-key", "schedule.missing-key"])
        #expect(d2.first("schedule.unknown-key")?.message.contains("events") == true)

        let empty = fixture.write("empty.yaml", "events:\n")
        let (events3, d3) = ScheduleLoader.load(path: empty, school: school)
        #expect(events3.isEmpty && d3.isEmpty)

        let missing = ScheduleLoader.load(path: fixture.path("absent.yaml"), school: school)
        #expect(missing.1.codes == ["config.missing-file"])
    }

    /// An id is part of every delivery key: `@` would read as a send time, `#` as a resend or an alert's round.
    @Test func idsWithKeyCharactersAreRefusedWithTheirLine() {
        let fixture = Fixture()
        var yaml = "events:\n"
        for id in ["parents@hall", "y7#trip", "a/b", "two words", "fine-id_2"] {
            yaml += "  - id: \"\(id)\"\n    kind: announcement\n    title: T\n    start: 2030-06-12T09:30\n    audience: everyone\n    template: announcement\n"
        }
        let (events, d) = ScheduleLoader.load(path: fixture.write("ids.yaml", yaml), school: school)
        #expect(events.map(\.id) == ["fine-id_2"])
        #expect(d.codes == Array(repeating: "schedule.invalid-id", count: 4))
        #expect(d.map { $0.location?.line } == [2, 8, 14, 20])
        #expect(d[0].message.contains("\"@\""))
        #expect(d[3].message.contains("a space"))
    }

    @Test func timestampsAreReadAsWrittenNotAsYAMLDates() throws {
        let fixture = Fixture()
        // `!!timestamp` and unquoted ISO dates would be Dates to a YAML decoder, in UTC.
        let path = fixture.write("events.yaml", """
            events:
              - {id: x, kind: meeting, title: X, start: !!timestamp 2026-01-15 18:00, end: "2026-01-15T19:00", audience: [everyone], template: m}
              - {id: y, kind: meeting, title: Y, start: 2026-01-15T18:00, audience: {classes: [1A, 1B]}, template: m}
            """)
        let (events, d) = ScheduleLoader.load(path: path, school: School(name: "S", defaultLocale: "fr", timeZone: TimeZone(identifier: "Europe/Paris")!))
        #expect(d.has("schedule.invalid-audience", line: 2, field: "events[0].audience"))
        let y = try #require(events.first)
        #expect(y.start == utc("2026-01-15T17:00:00Z"))
    }
}

@Suite struct ScheduleDateTests {
    let london = TimeZone(identifier: "Europe/London")!
    let newYork = TimeZone(identifier: "America/New_York")!

    @Test(arguments: [
        ("2026-06-12T09:30", "2026-06-12T08:30:00Z"),
        ("2026-06-12 09:30", "2026-06-12T08:30:00Z"),
        ("2026-06-12t09:30", "2026-06-12T08:30:00Z"),
        ("  2026-06-12T09:30:15 ", "2026-06-12T08:30:15Z"),
        ("2026-06-12T09:30Z", "2026-06-12T09:30:00Z"),
        ("2026-06-12T09:30+01:00", "2026-06-12T08:30:00Z"),
        ("2026-06-12T09:30:00+0100", "2026-06-12T08:30:00Z"),
        ("2026-06-12T09:30+01", "2026-06-12T08:30:00Z"),
        ("2026-06-12 09:30 -05:00", "2026-06-12T14:30:00Z"),
        ("2026-06-12T09:30+05:45", "2026-06-12T03:45:00Z"),
        ("2026-1-5T9:30", "2026-01-05T09:30:00Z"),
        ("2028-02-29T12:00", "2028-02-29T12:00:00Z"),
    ])
    func parses(_ text: String, _ expected: String) throws {
        let parsed = try #require(ScheduleDate.parse(text, in: london), "\(text)")
        #expect(parsed.date == utc(expected))
        #expect(!parsed.allDay)
        #expect(parsed.shiftedFrom == nil)
    }

    @Test func fractionalSeconds() throws {
        let parsed = try #require(ScheduleDate.parse("2026-06-12T09:30:00.250Z", in: london))
        #expect(abs(parsed.date.timeIntervalSince(utc("2026-06-12T09:30:00Z")) - 0.25) < 0.0001)
    }

    @Test(arguments: [
        "", "12/06/2026", "2026-13-01", "2026-02-29", "2026-06-31", "2026-06-12T25:00", "2026-06-12T09:60", "2026-06-12T09",
        "2026-06-12T09:30+15:00", "2026-06-12T09:30Zjunk", "20260612", "26-06-12", "2026-06-12T09:30:61", "tomorrow",
        "2026-06-12T0930", "02026-06-12",
    ])
    func rejects(_ text: String) {
        #expect(ScheduleDate.parse(text, in: london) == nil, "\(text)")
    }

    @Test func plainDateIsAllDayFromLocalMidnight() throws {
        let parsed = try #require(ScheduleDate.parse("2026-01-05", in: newYork))
        #expect(parsed.allDay)
        #expect(parsed.date == utc("2026-01-05T05:00:00Z"))
    }

    @Test func springForwardGapMovesForward() throws {
        let parsed = try #require(ScheduleDate.parse("2026-03-08T02:30", in: newYork))
        #expect(parsed.date == utc("2026-03-08T07:30:00Z"))  // 03:30 EDT
        #expect(parsed.shiftedFrom == "02:30")
        #expect(parsed.shiftedTo == "03:30")
        // Just before and after the gap are unaffected.
        #expect(ScheduleDate.parse("2026-03-08T01:59", in: newYork)?.date == utc("2026-03-08T06:59:00Z"))
        #expect(ScheduleDate.parse("2026-03-08T03:00", in: newYork)?.date == utc("2026-03-08T07:00:00Z"))
    }

    @Test func fallBackTakesTheFirstOccurrence() throws {
        #expect(ScheduleDate.parse("2026-11-01T01:30", in: newYork)?.date == utc("2026-11-01T05:30:00Z"))
        #expect(ScheduleDate.parse("2026-11-01T02:30", in: newYork)?.date == utc("2026-11-01T07:30:00Z"))
        #expect(ScheduleDate.parse("2026-11-01T00:30", in: newYork)?.date == utc("2026-11-01T04:30:00Z"))
    }

    @Test func offsetsIgnoreTheZone() {
        #expect(ScheduleDate.parse("2026-03-08T02:30-05:00", in: newYork)?.date == utc("2026-03-08T07:30:00Z"))
        #expect(ScheduleDate.parse("2026-03-08T02:30-05:00", in: newYork)?.shiftedFrom == nil)
    }
}

/// Free data may carry versions per language, written as a title is.
@Suite struct LocalizedDataTests {
    @Test func languageMapsInDataAreStaffText() throws {
        let school = School(name: "Riverside", defaultLocale: "en-GB", timeZone: TimeZone(identifier: "Europe/London")!)
        let fixture = Fixture()
        let path = fixture.write("events.yaml", """
            events:
              - id: trip
                kind: announcement
                title: Trip
                start: 2026-06-12T09:30
                audience: everyone
                template: announcement
                data:
                  note:
                    en: Bring a packed lunch
                    so: Keen qado
                  items:
                    - { en: Water bottle, ar: زجاجة ماء }
                    - Sun hat
                  schedule: { start: "09:30", end: "15:00" }
                  codes: { so: x, ar: y }
            """)
        let (events, diagnostics) = ScheduleLoader.load(path: path, school: school)
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        let data = try #require(events.first?.data)
        #expect(data["note"] == .text(LocalizedText("Bring a packed lunch", translations: ["en": "Bring a packed lunch", "so": "Keen qado"])))
        #expect(data["items"] == .list([.text(LocalizedText("Water bottle", translations: ["en": "Water bottle", "ar": "زجاجة ماء"])), .string("Sun hat")]))
        // Maps without the school's language stay maps.
        #expect(data["schedule"] == .map(["start": .string("09:30"), "end": .string("15:00")]))
        #expect(data["codes"] == .map(["so": .string("x"), "ar": .string("y")]))
    }
}
