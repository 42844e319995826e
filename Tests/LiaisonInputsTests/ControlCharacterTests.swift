import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

/// A name with a line break or NUL (an SIS export, a parent editing their own name) once passed `check` and then made
/// every email to that guardian fail at send time, sickness alerts included. It is now cleaned at input, with a
/// warning at file:line that does not repeat the value.
@Suite struct ControlCharacterTests {
    @Test func theCleanerTurnsBreaksIntoSpacesAndDropsOtherControls() {
        #expect(Whitespace.controlsRemoved("Layla") == nil)
        #expect(Whitespace.controlsRemoved("Nguyễn Thị 明") == nil)
        #expect(Whitespace.controlsRemoved("Layla\r\nHaddad") == "Layla Haddad")
        #expect(Whitespace.controlsRemoved("Lay\u{0}la\u{1B}[31m") == "Layla[31m")
        #expect(Whitespace.controlsRemoved("A\u{2028}B\u{85}C\u{9F}D\tE") == "A B CD E")
        #expect(Whitespace.controlsRemoved("\nBcc: x@example.net") == "Bcc: x@example.net")
        // Bidi controls are not control characters: they are isolated where text is written out.
        #expect(Whitespace.controlsRemoved("\u{202E}abc") == nil)
    }

    @Test func rosterNamesWithBreaksAndNULAreCleanedWithAWarningAtTheField() throws {
        let fixture = Fixture()
        let files = RosterFiles(
            families: fixture.write("f.csv", "family_id,family_name\nF1,\"Had\ndad\"\n"),
            guardians: fixture.write("g.csv", "guardian_id,family_id,given_name,family_name,email,language\nG1,F1,\"Layla\r\nBcc: x@example.net\",Had\u{0}dad,l@example.net,ar\n"),
            students: fixture.write("s.csv", "student_id,given_name,family_name,grade,class\nS1,Yu\u{7}suf,Haddad,3,3A\n"),
            guardianships: fixture.write("l.csv", "guardian_id,student_id\nG1,S1\n"))
        let (roster, diagnostics) = RosterLoader.load(files)
        let layla = try #require(roster.guardian("G1"))
        #expect(layla.givenName == "Layla Bcc: x@example.net")
        #expect(layla.familyName == "Haddad")
        #expect(roster.students.first?.givenName == "Yusuf")
        #expect(roster.families.first?.name == "Had dad")
        let warnings = diagnostics.filter { $0.code == "roster.control-character" }
        #expect(warnings.count == 4)
        #expect(warnings.allSatisfy { $0.severity == .warning && $0.location?.line != nil && $0.location?.field != nil })
        #expect(warnings.allSatisfy { !$0.message.contains("Layla") && !$0.message.contains("Bcc") })
    }

    @Test func eventTitlesAreOneLine() throws {
        let fixture = Fixture()
        let path = fixture.write("events.yaml", """
            events:
              - id: trip
                kind: announcement
                title: "Trip\\nto the zoo\\u0000"
                start: 2027-06-12T09:00
                audience: everyone
                template: announcement
              - id: fair
                kind: announcement
                title: {en: "Fair", ar: "معرض\\r\\nالمدرسة"}
                start: 2027-06-13T09:00
                audience: everyone
                template: announcement
            """)
        let school = School(name: "Riverside", defaultLocale: "en", timeZone: TimeZone(identifier: "Europe/London")!)
        let (events, diagnostics) = ScheduleLoader.load(path: path, school: school)
        #expect(events.first?.title.base == "Trip to the zoo")
        #expect(events.last?.title.translations["ar"] == "معرض المدرسة")
        #expect(diagnostics.filter { $0.code == "schedule.control-character" }.map(\.location?.line) == [4, 10])
    }
}

/// A U+202E in a name once reversed the rest of a subject line and an SMS after it: direction controls are kept
/// inside an isolate (FSI … PDI), which closes any override they open.
@Suite struct BidiIsolationTests {
    @Test func valuesWithDirectionControlsAreIsolatedAndOthersUntouched() {
        #expect(BidiIsolation.contained("Layla") == nil)
        #expect(BidiIsolation.contained("ليلى حداد") == nil)
        #expect(BidiIsolation.contained("\u{202E}gnp.exe") == "\u{2068}\u{202E}gnp.exe\u{2069}")
        #expect(BidiIsolation.contained("a\u{2067}b") == "\u{2068}a\u{2067}b\u{2069}")
    }

    @Test func rosterNamesTitlesAndCalendarSummariesAreIsolatedAtInput() throws {
        let fixture = Fixture()
        let files = RosterFiles(
            families: fixture.write("f.csv", "family_id\nF1\n"),
            guardians: fixture.write("g.csv", "guardian_id,family_id,given_name,email,language\nG1,F1,\u{202E}alyaL,l@example.net,ar\n"),
            students: fixture.write("s.csv", "student_id,given_name,grade,class\nS1,Yusuf,3,3A\n"),
            guardianships: fixture.write("l.csv", "guardian_id,student_id\nG1,S1\n"))
        let (roster, _) = RosterLoader.load(files)
        #expect(roster.guardian("G1")?.givenName == "\u{2068}\u{202E}alyaL\u{2069}")

        let path = fixture.write("events.yaml", """
            events:
              - id: trip
                kind: announcement
                title: "Trip \\u202Eoz eht ot"
                start: 2027-06-12T09:00
                audience: everyone
                template: announcement
            """)
        let school = School(name: "Riverside", defaultLocale: "en", timeZone: TimeZone(identifier: "Europe/London")!)
        let (events, _) = ScheduleLoader.load(path: path, school: school)
        #expect(events.first?.title.base == "\u{2068}Trip \u{202E}oz eht ot\u{2069}")

        let (occurrences, _) = readCalendar("""
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            UID:x
            DTSTART:20270101T090000Z
            SUMMARY:Fair\u{202E}\\nday
            END:VEVENT
            END:VCALENDAR
            """)
        #expect(occurrences.first?.summary == "\u{2068}Fair\u{202E} day\u{2069}")
    }
}

/// `javascript:` and `data:` links in newsletter data once passed `check`.
@Suite struct UnsafeURLTests {
    @Test func scriptAndDataURLsInEventDataAreErrors() throws {
        let fixture = Fixture()
        let path = fixture.write("events.yaml", """
            events:
              - id: news
                kind: newsletter
                title: News
                start: 2027-06-12T09:00
                audience: everyone
                template: newsletter
                data:
                  items:
                    - title: Fair
                      link: " JavaScript:alert(1)"
                    - title: Photo
                      link: "data:text/html;base64,PHNjcmlwdD4="
                    - title: Trip
                      link: "java\tscript:x"
                    - title: Fine
                      link: https://riverside.example/fair
            """)
        let school = School(name: "Riverside", defaultLocale: "en", timeZone: TimeZone(identifier: "Europe/London")!)
        let (_, diagnostics) = ScheduleLoader.load(path: path, school: school)
        let unsafe = diagnostics.filter { $0.code == "schedule.unsafe-url" }
        #expect(unsafe.map(\.location?.field) == [
            "events[0].data.items[1].link", "events[0].data.items[2].link", "events[0].data.items[3].link",
        ])
        #expect(unsafe.allSatisfy { $0.severity == .error })
    }
}
