import Foundation
import LiaisonModel
import LiaisonStore
import LiaisonTestSupport
import Testing

/// The families' pages of the demo school, served by a real `liaison serve`, audited by axe-core (WCAG 2.1 A and
/// AA) in a real headless Chromium driven by Selenium (page_accessibility.py): every state a family can reach (the
/// question, thanks, read, an answer that is not a choice, answers closed, an alert with its note, a link that is
/// not valid, newsletters stopped), in left-to-right and right-to-left languages.
@Suite struct PageAccessibilityTests {
    @Test func everyPageStateHasNoAxeViolations() async throws {
        let demo = try DemoSchoolCopy(prefix: "liaison-axe")
        defer { demo.remove() }
        let (folder, configURL) = (demo.folder, demo.config)
        // An RSVP whose answers have closed (the demo's are all ahead on the day the test runs as).
        let past = """

              - id: assembly-rehearsal-2026
                kind: meeting
                title: Class 3A assembly rehearsal
                start: 2026-12-01T09:00
                audience:
                  classes: [3A]
                template: meeting
                rsvp:
                  - id: attending
                  - id: not-attending

            """
        let events = folder.appendingPathComponent("events.yaml")
        try (try String(contentsOf: events, encoding: .utf8) + past).write(to: events, atomically: true, encoding: .utf8)

        // A fixed day: the meetings and the concert still ahead, the newsletter's answers closed.
        let daemon = try DaemonProcess(config: configURL.path, clockStart: "2026-12-06T10:00:00Z")
        defer { daemon.stop() }

        // The first guardian of each language on the demo roster.
        let roster = try String(contentsOf: folder.appendingPathComponent("roster/guardians.csv"), encoding: .utf8)
        let rows = roster.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let languageColumn = try #require(rows.first?.firstIndex(of: "language"))
        func guardian(_ language: String) throws -> String {
            try #require(rows.dropFirst().first { $0.count > languageColumn && $0[languageColumn] == language }?.first, "no \(language) guardian")
        }

        // A guardian of a Year 3 child (for the meeting families book), not reading English.
        func csv(_ file: String) throws -> [[String]] {
            try String(contentsOf: folder.appendingPathComponent("roster/\(file)"), encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
        let year3 = Set(try csv("students.csv").filter { $0.count > 4 && ["3A", "3B"].contains($0[4]) }.map { $0[0] })
        let year3Guardians = Set(try csv("guardianships.csv").filter { $0.count > 1 && year3.contains($0[1]) }.map { $0[0] })
        let booker = try #require(rows.dropFirst().first { year3Guardians.contains($0[0]) && $0.count > languageColumn && !$0[languageColumn].hasPrefix("en") })
        let bookerLanguage = booker[languageColumn]
        let bookerChild = try #require(try csv("guardianships.csv").first { $0[0] == booker[0] && year3.contains($0[1]) }?[1])
        let bookerClass = try #require(try csv("students.csv").first { $0[0] == bookerChild }?[4])
        // A guardian of a Year 4 child reading Arabic or Persian (the museum visit's permission slip, right to left).
        let year4 = Set(try csv("students.csv").filter { $0.count > 4 && ["4A", "4B"].contains($0[4]) }.map { $0[0] })
        let year4Guardians = Set(try csv("guardianships.csv").filter { $0.count > 1 && year4.contains($0[1]) }.map { $0[0] })
        let signer = try #require(rows.dropFirst().first { year4Guardians.contains($0[0]) && $0.count > languageColumn && ["ar", "fa"].contains($0[languageColumn]) })

        // An alert raised as the office raises one, with a note.
        let raised = try daemon.request(
            "POST", "/v1/alerts", json: ["student": "S036", "kind": "sickness", "note": "She has a temperature of 38.4 °C and is resting in the medical room."])
        #expect(raised.status == 201, "\(raised.body)")
        let alertID = try #require(raised.json?["id"] as? String)

        // Links drawn as a send draws them, into the daemon's own store (two processes on one state).
        let ledger = try SQLiteAckLedger(path: folder.appendingPathComponent(".liaison/liaison.sqlite").path)
        let pages: [(name: String, request: LinkTokenRequest, then: [[String: Any]])] = [
            ("meeting (ar), answered", .init(kind: .ack(eventID: "parent-meetings-year5-2027"), occurrence: "axe", guardianID: try guardian("ar")), [["click": 0]]),
            ("meeting (fa), answered after 17:00", .init(kind: .ack(eventID: "parent-meetings-year5-2027"), occurrence: "axe", guardianID: try guardian("fa")), [["click": 1]]),
            ("meeting (so), then an answer that is not a choice", .init(kind: .ack(eventID: "parent-meetings-year5-2027"), occurrence: "axe", guardianID: try guardian("so")), [["click": 0, "value": "not-a-choice"]]),
            ("meeting (en), answered then changed", .init(kind: .ack(eventID: "parent-meetings-year5-2027"), occurrence: "axe", guardianID: try guardian("en")), [["click": 2], ["follow": 0], ["click": 0]]),
            ("meeting (uk), answers closed", .init(kind: .ack(eventID: "assembly-rehearsal-2026"), occurrence: "axe", guardianID: try guardian("uk")), []),
            ("concert (zh-Hans), read", .init(kind: .ack(eventID: "winter-concert-2026"), occurrence: "axe", guardianID: try guardian("zh-Hans")), [["click": 0]]),
            ("newsletter (vi), read late", .init(kind: .ack(eventID: "newsletter-2026-11-27"), occurrence: "axe", guardianID: try guardian("vi")), [["click": 0]]),
            ("sickness alert with the office's note (es)", .init(kind: .ack(eventID: alertID), occurrence: "axe", guardianID: try guardian("es")), [["click": 0]]),
            ("newsletters stopped (ar)", .init(kind: .unsubscribe(.newsletters), occurrence: "axe", guardianID: try guardian("ar")), [["click": 0]]),
            // The survey's form: sent with a required answer missing (the list of problems), saved for later, sent.
            ("survey form (ar), sent incomplete, saved, sent", .init(kind: .ack(eventID: "autumn-survey-2026"), occurrence: "axe", guardianID: try guardian("ar")),
             [["click": 0], ["check": ["q-welcome-3", "q-contact-1"], "click": 1], ["check": ["q-informed-4"], "click": 0]]),
            // The meeting families book: a time booked, then the page with the booking and the calendar link.
            ("meeting booking, booked", .init(kind: .ack(eventID: "year3-meetings-2026"), occurrence: "axe", guardianID: booker[0]),
             [["check": ["s-\(bookerClass)-2"], "click": bookerClass == "3A" ? 0 : (try csv("guardianships.csv").contains { $0[0] == booker[0] && year3.contains($0[1]) && $0[1] != bookerChild } ? 1 : 0)]]),
            ("survey form (zh-Hant), sent", .init(kind: .ack(eventID: "autumn-survey-2026"), occurrence: "axe", guardianID: try guardian("zh-Hant")),
             [["check": ["q-welcome-4", "q-informed-2", "q-recommend-9"], "click": 0]]),
            // The permission slip: sent without a name (the problem listed first), then signed.
            ("permission slip, sent unsigned, signed", .init(kind: .ack(eventID: "year4-museum-trip"), occurrence: "axe", guardianID: signer[0]),
             [["check": ["child-0-given"], "click": 0], ["fill": ["name": "\(signer[2]) \(signer[3])"], "click": 0]]),
        ]
        let tokens = try await ledger.issueTokens(pages.map(\.request), now: Date())
        let base = "http://127.0.0.1:\(daemon.port)"
        var plan: [[String: Any]] = zip(pages, tokens).map { page, token in
            let path = if case .unsubscribe = page.request.kind { "/u/" } else { "/a/" }
            return ["name": page.name, "url": base + path + token, "then": page.then]
        }
        plan.append(["name": "a link that is not valid", "url": base + "/a/AAAAAAAAAAAAAAAAAAAAAA", "then": [[String: Any]]()])
        // Last (it shuts this address out): forged links until the rate limit answers, read by an Arabic browser.
        plan.append([
            "name": "too many requests (ar)", "url": base + "/a/forged-link-for-the-limit", "repeat": 12,
            "accept_language": "ar-EG,ar;q=0.9,en;q=0.5", "then": [[String: Any]](),
        ])

        let planFile = folder.appendingPathComponent("axe-plan.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: planFile)
        let script = LocalServer.repositoryRoot.appendingPathComponent("Tests/LiaisonIntegrationTests/page_accessibility.py").path
        let audit = try runProgram("python3", [script, planFile.path])
        #expect(audit.status == 0, "\(audit.output)\(audit.errors)")
        let lines = audit.output.split(separator: "\n").map(String.init)
        let summary = lines.last ?? ""
        // Ten links and their follow-ups, the invalid link and the rate limit's page.
        #expect(summary.hasPrefix("32 pages audited, 0 violations"), "\(audit.output)\(audit.errors)")
        // Each page in its reader's language and direction (so the audit saw the state it was meant to).
        func page(_ name: String) -> String { lines.first { $0.hasPrefix("ok   \(name):") } ?? "" }
        for (name, lang, dir) in [
            ("meeting (ar), answered then 1", "ar", "rtl"), ("meeting (fa), answered after 17:00", "fa", "rtl"),
            ("meeting (so), then an answer that is not a choice then 1", "so", "ltr"), ("meeting (uk), answers closed", "uk", "ltr"),
            ("concert (zh-Hans), read then 1", "zh-Hans", "ltr"), ("sickness alert with the office's note (es)", "es", "ltr"),
            ("newsletters stopped (ar) then 1", "ar", "rtl"), ("too many requests (ar)", "ar", "rtl"),
            ("survey form (ar), sent incomplete, saved, sent then 1", "ar", "rtl"), ("survey form (zh-Hant), sent then 1", "zh-Hant", "ltr"),
            ("permission slip, sent unsigned, signed then 2", signer[languageColumn], "rtl"),
        ] {
            #expect(page(name).contains("lang=\(lang) dir=\(dir)"), "\(name): \(page(name))")
        }
        #expect(page("meeting (en), answered then changed then 1").contains("'Thank you: Year 5 parent–teacher meetings'"))
        // The survey's pages: the problems listed first, then saved, then sent (titles in the reader's language).
        #expect(page("survey form (zh-Hant), sent then 1").contains("秋季家長問卷"), "\(page("survey form (zh-Hant), sent then 1"))")
        // The signed slip is kept with the name typed.
        let slips = try await SQLiteFormStore(path: folder.appendingPathComponent(".liaison/liaison.sqlite").path).consents(eventID: "year4-museum-trip")
        #expect(slips.map(\.typedName) == ["\(signer[2]) \(signer[3])"] && slips.first?.decision == .given, "\(slips)")
        #expect(page("meeting booking, booked then 1").contains("lang=\(bookerLanguage.split(separator: "-").first!)"), "\(page("meeting booking, booked then 1"))")

        // The booking is confirmed by email in the family's language, with the time as a calendar file: read by
        // Python's email package and icalendar from what the daemon's file channel wrote.
        let judge = LocalServer.repositoryRoot.appendingPathComponent("Tests/LiaisonIntegrationTests/survey_judge.py").path
        let files = folder.appendingPathComponent(".liaison/outbox-files").path
        var confirmations: [[String: Any]] = []
        #expect(waitUntil(30) {
            let found = (try? runProgram("python3", [judge, "calendar", files, "year3-meetings-2026_booking-"]))?.output ?? ""
            confirmations = found.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            return !confirmations.isEmpty
        }, "no booking confirmation was written")
        let family = try #require(rows.first { $0.first == booker[0] }?[1])
        let confirmation = try #require(confirmations.first)
        #expect(confirmation["language"] as? String == bookerLanguage)
        #expect(confirmation["type"] as? String == "multipart/mixed")
        let entries = confirmation["events"] as? [[String: Any]] ?? []
        #expect(entries.count == 1, "\(confirmation)")
        #expect((entries.first?["uid"] as? String)?.hasPrefix("year3-meetings-2026/\(bookerClass)/\(family)@") == true, "\(entries)")
        #expect(entries.first?["status"] as? String == "CONFIRMED" && entries.first?["filename"] as? String == "meetings.ics")
        #expect((entries.first?["start"] as? String)?.hasPrefix("2026-12-10T") == true, "\(entries)")
        #expect((confirmation["text"] as? String)?.contains("/a/") == true, "the letter links to the booking page")
    }
}
