import Foundation
import LiaisonInputs
import LiaisonModel
import Testing
@testable import LiaisonCheck

func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

/// The demo school's alternative configuration: events from calendar.ics, mapped by calendar_rules.
@Suite struct CalendarCheckTests {
    @Test func sisConfigurationChecksWithoutErrors() throws {
        let (snapshot, report) = SchoolLoader.load(configPath: path("examples/demo-school/liaison-sis.yaml"), now: referenceNow)
        let errors = report.diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map(\.description).joined(separator: "\n"))")
        let school = try #require(snapshot)
        // Every calendar event maps to a plan.
        #expect(report.calendar.count == 9)
        #expect(report.calendar.allSatisfy { $0.rule != nil && $0.problem == nil }, "\(report.calendar)")
        #expect(!report.diagnostics.contains { $0.code == "calendar.unmatched-event" })
        let text = report.text(timeZone: school.school.timeZone)
        #expect(text.contains("Calendar events"))
        #expect(text.contains("rule 1 (category \"Sports Day\"): announcement, template announcement, whole school, reminders -21d at 16:00, -7d, -1d at 18:00"))
        #expect(text.contains("from categories: grades 5"))
        // No catalog message lacks its arguments: the rules provide what events.yaml provided.
        #expect(!report.diagnostics.contains { $0.code == "catalog.unknown-argument" }, "\(report.diagnostics.filter { $0.code == "catalog.unknown-argument" }.prefix(3))")
        #expect(report.passed)
    }

    /// Each event of events.yaml has a calendar occurrence at the same time, of the same kind, reaching the same
    /// guardians about the same children.
    @Test func calendarEventsMatchTheHandWrittenSchedule() throws {
        let (yamlSchool, _) = SchoolLoader.load(configPath: path("examples/demo-school/liaison.yaml"), now: referenceNow)
        let (calendarSchool, _) = SchoolLoader.load(configPath: path("examples/demo-school/liaison-sis.yaml"), now: referenceNow)
        let yaml = try #require(yamlSchool), calendar = try #require(calendarSchool)
        let fromCalendar = calendar.events.filter { $0.origin?.file.hasSuffix("calendar.ics") == true }
        // A survey, a meeting families book and a permission slip are the school's own sendings, not events of its calendar.
        for event in yaml.events where event.survey == nil && event.slotRules == nil && event.consent == nil {
            let twin = try #require(fromCalendar.first { $0.start == event.start && $0.kind == event.kind }, "no calendar event for \(event.id)")
            #expect(twin.end == event.end, "\(event.id)")
            #expect(twin.allDay == event.allDay, "\(event.id)")
            #expect(twin.template == event.template, "\(event.id)")
            #expect(twin.priority == event.priority, "\(event.id)")
            func reached(_ event: Event, _ roster: Roster) -> Set<String> {
                Set(event.audience.recipients(in: roster).map { "\($0.guardian.id):\($0.students.map(\.id).sorted())" })
            }
            #expect(reached(twin, calendar.roster) == reached(event, yaml.roster), "\(event.id)")
        }
        // The weekly newsletter: every Friday of term after the first issue, less the holidays, one moved to Thursday.
        let weekly = fromCalendar.filter { $0.kind == .newsletter }
        #expect(weekly.count == 28)
        #expect(weekly.contains { $0.title.base == "Riverside Weekly (last issue of the term)" && $0.id.hasSuffix("-20261218") })
        // Issues are numbered along the series: 27 November is issue 12, the holidays take no number.
        #expect(weekly.first?.data["issue"] == .int(12))
        #expect(weekly.first { $0.start == utc("2027-01-08T00:00:00Z") }?.data["issue"] == .int(16))
        #expect(weekly.last?.data["issue"] == .int(39))
        #expect(Set(fromCalendar.map(\.id)).count == fromCalendar.count)
    }

    /// Calendar events no rule matches are listed, not sent.
    @Test func unmatchedEventsAreListed() throws {
        let folder = NSTemporaryDirectory() + "liaison-calendar-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let demo = path("examples/demo-school")
        let config = try String(contentsOfFile: demo + "/liaison-sis.yaml", encoding: .utf8)
            .replacingOccurrences(of: "file: calendar.ics", with: "file: extra.ics")
            .replacingOccurrences(of: "progress: progress.csv", with: "")
            .replacingOccurrences(of: "oneroster: oneroster", with: "oneroster: " + demo + "/oneroster")
            .replacingOccurrences(of: "languages: oneroster/", with: "languages: " + demo + "/oneroster/")
            .replacingOccurrences(of: "../../templates", with: demo + "/../../templates")
            .replacingOccurrences(of: "../../locales", with: demo + "/../../locales")
        try config.write(toFile: folder + "/liaison.yaml", atomically: true, encoding: .utf8)
        try """
            BEGIN:VCALENDAR\r
            BEGIN:VEVENT\r
            UID:inset\r
            DTSTART;VALUE=DATE:20270104\r
            SUMMARY:INSET day (staff only)\r
            END:VEVENT\r
            BEGIN:VEVENT\r
            UID:sports\r
            DTSTART;TZID=Europe/London:20270611T093000\r
            SUMMARY:Sports Day\r
            CATEGORIES:Sports Day\r
            END:VEVENT\r
            BEGIN:VEVENT\r
            UID:concert-nobody\r
            DTSTART;TZID=Europe/London:20270301T180000\r
            SUMMARY:Spring concert\r
            CATEGORIES:Concert,Year 9\r
            END:VEVENT\r
            END:VCALENDAR\r

            """.write(toFile: folder + "/extra.ics", atomically: true, encoding: .utf8)
        let (snapshot, report) = SchoolLoader.load(configPath: folder + "/liaison.yaml", now: referenceNow)
        let school = try #require(snapshot)
        #expect(school.events.map(\.title.base) == ["Sports Day"])
        let unmatched = try #require(report.diagnostics.first { $0.code == "calendar.unmatched-event" })
        #expect(unmatched.location?.line == 2 && unmatched.message.contains("INSET day"))
        let nobody = try #require(report.diagnostics.first { $0.code == "calendar.no-audience" })
        #expect(nobody.location?.line == 13 && nobody.message.contains("Year 9"))
        #expect(report.text().contains("no rule matches: not sent"))
        #expect(report.passed)
    }
}
