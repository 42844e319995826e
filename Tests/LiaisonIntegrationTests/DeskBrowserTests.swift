import Foundation
import LiaisonModel
import LiaisonStore
import LiaisonTestSupport
import Testing

/// The office desk of the demo school, served by a real `liaison serve` and driven in a real headless Chromium by
/// Selenium (desk_browser.py), every page audited by axe-core: a lockout, an alert raised and stopped with "reached
/// by phone", forged posts from another origin and another site, a teacher kept to their classes, the nurse in
/// Arabic with a TOTP code. Accounts are made with `liaison staff add`; what the desk did is then read back from the
/// store (the acknowledgement, the alert's state, the audit log), not from the pages.
@Suite struct DeskBrowserTests {
    @Test func officeDeskScenario() async throws {
        let demo = try DemoSchoolCopy(prefix: "liaison-desk")
        defer { demo.remove() }
        let config = demo.config.path
        // Email through a real SMTP server on this machine (the other channels stay files).
        let smtp = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { smtp.stop() }
        try (try String(contentsOfFile: config, encoding: .utf8) + """

            channels:
              email:
                from: office@riverside.example
                relays:
                  - name: local
                    url: smtp://127.0.0.1:\(smtp.port)/liaison.test
                    tls: none

            """).write(toFile: config, atomically: true, encoding: .utf8)
        let password = "correct horse battery"
        let passwordFile = demo.folder.appendingPathComponent("password.txt")
        try (password + "\n").write(to: passwordFile, atomically: true, encoding: .utf8)
        var totpKey = ""
        for (id, totp) in [("clarke", false), ("nowak", false), ("okafor", false), ("haddad", true)] {
            let added = try runLiaison(["staff", "add", id, "--config", config, "--password-file", passwordFile.path, "--by", "test"] + (totp ? ["--totp"] : []))
            #expect(added.status == 0, "\(added.output)")
            if totp {
                totpKey = try #require(added.output.split(separator: "\n").first { $0.contains("key:") }?.split(separator: " ").last.map(String.init))
            }
        }
        let listed = try runLiaison(["staff", "list", "--config", config, "--format", "csv"])
        #expect(listed.output.contains("haddad,Layla Haddad,nurse,,active,yes,"), "\(listed.output)")
        #expect(listed.output.contains("patel,Ravi Patel,office,,none,no,"), "\(listed.output)")

        // A family of a 3A child has booked a time at Year 3's meetings, with a Somali interpreter (the teacher's calendar).
        func csv(_ file: String) throws -> [[String]] {
            try String(contentsOf: demo.folder.appendingPathComponent("roster/\(file)"), encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
        let child = try #require(try csv("students.csv").first { $0.count > 4 && $0[4] == "3A" })
        let parent = try #require(try csv("guardianships.csv").first { $0.count > 1 && $0[1] == child[0] }?[0])
        let family = try #require(try csv("guardians.csv").first { $0[0] == parent }?[1])
        let forms = try SQLiteFormStore(path: demo.folder.appendingPathComponent(".liaison/liaison.sqlite").path)
        _ = try await forms.book(
            MeetingSlot(id: "3A-1540", group: "3A", start: Date(), end: Date(), capacity: 1), eventID: "year3-meetings-2026", familyID: family,
            guardianID: parent, interpreter: "so", bookUntil: .distantFuture, now: Date())

        let daemon = try DaemonProcess(config: config, clockStart: "2026-12-06T10:00:00Z")
        defer { daemon.stop() }
        // The newsletter to everyone, sent by hand beside the daemon: the teacher's Not reached list has families.
        let sent = try runLiaison(["send", "newsletter-2026-11-27", "--config", config, "--force"])
        #expect(sent.status == 0, "\(sent.output)")

        // The forged posts (and the teacher of 3A and 3B) aim at a guardian of a class 1A child.
        let target = ["event": "newsletter-2026-11-27", "guardian": "G003"]
        let plan: [String: Any] = [
            "base": "http://127.0.0.1:\(daemon.port)", "password": password, "totp_key": totpKey, "student_query": "Amelia Smith",
            "event_title": "Riverside Weekly", "family_query": "Amelia",
            "form_events": [["year4-museum-trip", "Permission slip"], ["year3-meetings-2026", "Bookings"]],
            "token": daemon.token, "live_student": "S014", "live_name": "Yusuf Haddad",
            "forgery": target,
        ]
        let planFile = demo.folder.appendingPathComponent("desk-plan.json")
        try JSONSerialization.data(withJSONObject: plan).write(to: planFile)
        let script = LocalServer.repositoryRoot.appendingPathComponent("Tests/LiaisonIntegrationTests/desk_browser.py").path
        let run = try runProgram("python3", [script, planFile.path])
        let lines = run.output.split(separator: "\n").map(String.init)
        func check(_ name: String) -> String {
            lines.first { $0.hasPrefix("check \(name): ") }.map { String($0.dropFirst("check \(name): ".count)) } ?? "(missing)"
        }
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(lines.last?.hasPrefix("32 pages audited, 0 violations") == true, "\(run.output)\(run.errors)")

        #expect(check("form section year4-museum-trip") == "1", "the permission slip's section on its message page")
        #expect(check("form section year3-meetings-2026") == "1", "the meeting's bookings on its message page")
        #expect(check("signed-out path") == "/desk/login")
        #expect(check("after five wrong passwords").contains("This account is locked"), "\(check("after five wrong passwords"))")
        #expect(check("locked, right password").contains("This account is locked"))
        #expect(check("alert page").hasPrefix("/desk/alerts/alert-"))
        #expect(check("alert status before") == "Waiting for a guardian to answer")
        #expect(check("alert status after").hasPrefix("Answered by "), "\(check("alert status after"))")
        #expect(check("alert status after").hasSuffix("by phone"))
        #expect(check("today alerts after") == "No alert is in progress.")
        #expect(check("live toggle") == "Pause live updates")
        #expect(check("live alerts").contains("Yusuf Haddad"), "\(check("live alerts"))")
        #expect(check("live without reload") == "True")
        #expect(check("forged post, same site") == "Request refused – Office desk")
        #expect(check("forged post, cross site") == "Sign in – Office desk")
        #expect(check("signed out") == "/desk/login")
        #expect(check("teacher nav") == "Today | Messages | My meetings | Compose | Not reached | Families")
        #expect(check("my meetings").contains("\(child[1]) \(child[2])") && check("my meetings").contains("Somali"), "\(check("my meetings"))")
        // Never cached (it names children); one booked time, the child and the interpreter asked for.
        #expect(check("feed").hasPrefix("200 ") && check("feed").contains("no-store"), "\(check("feed"))")
        #expect(check("feed").hasSuffix(" 1 \(child[1]) \(child[2]) (interpreter: Somali) (3A)"), "\(check("feed"))")
        #expect(check("old feed") == "404")
        #expect(check("teacher event classes") == "any | 3A | 3B", "\(check("teacher event classes"))")
        #expect(check("event title").hasPrefix("Riverside Weekly"), "\(check("event title"))")
        #expect(check("event chart") == "Delivered and answered over time")
        #expect(Int(check("event rows for 3A")) ?? 0 > 0, "\(check("event rows for 3A"))")
        #expect(check("family card") == "Family: Smith – Office desk", "\(check("family card"))")
        #expect(check("health sections").hasPrefix("Outbox | Channels | "), "\(check("health sections"))")
        #expect(check("teacher alerts") == "Not available to you – Office desk")
        #expect(check("teacher composes to another class") == "You can write only to your classes and their students.")
        #expect(check("admin nav") == "Today | Messages | My meetings | Compose | Alerts | Not reached | Families | Health | Staff")
        #expect(check("staff account made").hasPrefix("The new password for Ravi Patel, shown only now"), "\(check("staff account made"))")
        #expect(check("staff new password").count == 15)

        // The reminder to 3A: previewed per language (Arabic right to left), then delivered by the SMTP server to
        // every 3A guardian who reads email, once.
        #expect(check("compose preview status").contains("deliveries by channel: Email"), "\(check("compose preview status"))")
        #expect(check("compose preview subjects").contains("Reminder: Swimming kit on Tuesday"), "\(check("compose preview subjects"))")
        #expect(check("compose preview directions").contains("ar:rtl"), "\(check("compose preview directions"))")
        // Staff wrote in English only and the demo's translator has no pair for these languages: marked, never silent.
        #expect(check("compose preview untranslated").contains("Not in this language, so marked as another language: the title, the message."))
        #expect(check("composed page").hasPrefix("/desk/events/compose-"), "\(check("composed page"))")
        let expected = try Self.emailReaders(ofClass: "3A", in: demo.folder)
        #expect(expected.count >= 5, "\(expected)")
        let deadline = Date().addingTimeInterval(30)
        var delivered: [String] = []
        while Date() < deadline {
            // The composed message's Message-IDs carry its id (compose-…); the newsletter sent earlier's do not.
            delivered = smtp.logLines().filter { ($0["message_id"] as? String ?? "").contains("compose") }.compactMap { ($0["to"] as? [String])?.first }
            if Set(delivered).isSuperset(of: expected) { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(Set(delivered) == expected, "missing \(expected.subtracting(delivered)), extra \(Set(delivered).subtracting(expected))")
        #expect(delivered.count == Set(delivered).count, "a guardian got the message twice: \(delivered)")
        let teacherClasses = check("not reached classes (teacher)")
        #expect(!teacherClasses.isEmpty && teacherClasses.split(separator: "|").allSatisfy { $0.contains("3A") || $0.contains("3B") }, "\(teacherClasses)")
        #expect(check("teacher records a call for another class") == "Not available to you – Office desk")
        #expect(check("nurse without code").hasPrefix("The sign-in name, the password or the code is not right."))
        #expect(check("nurse page").hasSuffix("lang=ar dir=rtl"), "\(check("nurse page"))")
        #expect(check("nurse nav") == "اليوم | التنبيهات | لم يتم الوصول إليهم | الأسر")

        // What the store says: the alert stopped by clarke's call, the forged posts recorded nothing.
        let state = demo.folder.appendingPathComponent(".liaison/liaison.sqlite").path
        let journal = try SQLiteDaemonJournal(path: state)
        let alert = try #require(try await journal.alerts(limit: 10).first { $0.studentID == "S002" })
        #expect(alert.status == .acknowledged)
        #expect(alert.acknowledgedVia == "phone:staff:clarke")
        #expect(alert.raisedBy == "staff:clarke")
        let ledger = try SQLiteAckLedger(path: state)
        #expect(try await ledger.acknowledgement(eventID: target["event"]!, guardianID: target["guardian"]!) == nil)
        let audit = try await SQLiteAuditLog(path: state).entries(since: nil, limit: 1000)
        let actions = Set(audit.map { "\($0.actor) \($0.action.rawValue)" })
        for expected in [
            "test staff.added", "staff:nowak staff.locked-out", "staff:clarke staff.signed-in", "staff:clarke alert.raised",
            "staff:clarke alert.acknowledged", "staff:clarke staff.signed-out", "staff:clarke staff.added", "staff:clarke family.viewed", "staff:haddad family.viewed", "staff:okafor staff.signed-in", "staff:haddad staff.signed-in",
        ] {
            #expect(actions.contains(expected), "audit log lacks \(expected): \(actions.sorted())")
        }
    }

    /// The email addresses of the guardians of a class whose first channel is email (what a normal message uses), read
    /// from the roster files directly.
    static func emailReaders(ofClass className: String, in folder: URL) throws -> Set<String> {
        func rows(_ name: String) throws -> [[String: String]] {
            let lines = try String(contentsOf: folder.appendingPathComponent("roster/\(name)"), encoding: .utf8).split(separator: "\n")
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return lines.dropFirst().map { line in
                Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
            }
        }
        let students = Set(try rows("students.csv").filter { $0["class"] == className }.compactMap { $0["student_id"] })
        let guardianIDs = Set(try rows("guardianships.csv").filter { students.contains($0["student_id"] ?? "") }.compactMap { $0["guardian_id"] })
        return Set(try rows("guardians.csv").filter { guardian in
            guard guardianIDs.contains(guardian["guardian_id"] ?? ""), let email = guardian["email"], !email.isEmpty else { return false }
            let channels = guardian["channels"] ?? ""
            return channels.isEmpty || channels.hasPrefix("email")
        }.compactMap { $0["email"] })
    }
}
