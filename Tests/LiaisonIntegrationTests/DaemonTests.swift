import Foundation
import LiaisonTestSupport
import Testing

/// `liaison serve` as a real process against aiosmtpd, with its clock started on a chosen day.
@Suite(.serialized) struct DaemonTests {
    /// A school for the daemon: `SchoolFixture`'s roster and relay, a schedule, a second guardian for S00000, an
    /// escalation policy in seconds and one member of staff on call.
    static func school(guardians: Int, smtpPort: Int, events: String) throws -> SchoolFixture {
        let school = try SchoolFixture(guardians: guardians, smtpPort: smtpPort, repositoryRoot: LocalServer.repositoryRoot)
        try events.write(to: school.folder.appendingPathComponent("events.yaml"), atomically: true, encoding: .utf8)
        try append(school, "roster/families.csv", "")
        try append(school, "roster/guardians.csv", "G90000,F00000,Second,Parent,second.parent@example.net,ar\n")
        try append(school, "roster/guardianships.csv", "G90000,S00000,father,no\n")
        try append(school, "liaison.yaml", """

            daemon:
              watch_interval: 1s
              shutdown_timeout: 20s
            alerts:
              escalation:
                - after: 0s
                  notify: primary
                - after: 3s
                  notify: guardians
                - after: 6s
                  notify: staff
              repeat_every: 3s
              max_repeats: 2
              on_call:
                - name: Office Duty
                  email: duty@load.example

            """)
        return school
    }

    /// Rewrites the roster's guardians (four and S00000's second) so that G00000 and G00001 have quiet hours 09:00–12:00.
    static func giveQuietHours(_ school: SchoolFixture) throws {
        var guardians = "guardian_id,family_id,given_name,family_name,email,language,quiet_hours\n"
        for index in 0..<4 {
            guardians += "G0000\(index),F0000\(index),Parent,0000\(index),parent0000\(index)@example.net,en,\(index < 2 ? "09:00-12:00" : "")\n"
        }
        guardians += "G90000,F00000,Second,Parent,second.parent@example.net,ar,\n"
        try guardians.write(to: school.folder.appendingPathComponent("roster/guardians.csv"), atomically: true, encoding: .utf8)
    }

    /// The outbox as `liaison outbox --format json` lists it.
    static func outbox(_ school: SchoolFixture, event: String? = nil) throws -> [[String: Any]] {
        let json = try runLiaison(["outbox", "--format", "json", "--config", school.config] + (event.map { ["--event", $0] } ?? []))
        return try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]] ?? []
    }

    static func append(_ school: SchoolFixture, _ file: String, _ text: String) throws {
        let url = school.folder.appendingPathComponent(file)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
    }

    /// Recipients accepted by the SMTP server, one entry per message and recipient.
    static func accepted(_ server: LocalServer) -> [String] {
        server.logLines().flatMap { ($0["to"] as? [String]) ?? [] }
    }

    static let scheduleEvents = """
        events:
          - id: open-day
            kind: announcement
            title: Open Day
            start: 2030-06-12T09:30
            audience: everyone
            template: announcement
            notify:
              send_at: [2030-06-05T10:00]
          - id: sports-day
            kind: announcement
            title: Sports Day
            start: 2030-06-06T13:00
            audience: everyone
            template: announcement
            notify:
              send_at: [2030-06-01T16:00]
              reminders: ["-1d at 09:00"]
          - id: science-fair
            kind: announcement
            title: Science Fair
            start: 2030-06-04T15:00
            audience: everyone
            template: announcement
            notify:
              send_at: [2030-06-03T16:00]

        """

    /// The clock starts at 09:59:57 London time on 5 June 2030: the sports-day reminder (09:00) is overdue and goes at
    /// once, its earlier announcement is superseded, the science fair is over, and the open-day announcement goes at
    /// 10:00, three seconds later. A restart queues nothing again; API acknowledgements show in the status.
    @Test func scheduledSendsGoAtTheirTimeOnceAcrossRestarts() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try Self.school(guardians: 6, smtpPort: server.port, events: Self.scheduleEvents)
        defer { school.remove() }
        let everyone = 7  // six guardians and S00000's second guardian

        let daemon = try DaemonProcess(config: school.config, clockStart: "2030-06-05T08:59:57Z")
        let started = Date()
        #expect(waitUntil(20) { Self.accepted(server).count >= everyone }, "\(daemon.output)")
        #expect(Date().timeIntervalSince(started) < 2.5, "the overdue reminder goes at once")
        #expect(waitUntil(20) { Self.accepted(server).count >= 2 * everyone }, "\(daemon.output)")
        #expect(Date().timeIntervalSince(started) >= 2.0, "the open-day announcement waits for 10:00")

        let queued = daemon.logs("queued a scheduled send").compactMap { $0["occurrence"] as? String }.sorted()
        #expect(queued == ["open-day@2030-06-05T09:00:00Z", "sports-day@2030-06-05T08:00:00Z"])
        let skipped = daemon.logs("skipped a planned send").map { "\($0["occurrence"] ?? ""): \($0["reason"] ?? "")" }.sorted()
        #expect(skipped.count == 2)
        #expect(skipped.first?.hasPrefix("science-fair@2030-06-03T15:00:00Z: the event started") == true, "\(skipped)")
        #expect(skipped.last?.hasPrefix("sports-day@2030-06-01T15:00:00Z: superseded") == true, "\(skipped)")

        // A gateway reports an SMS reply; an unauthenticated caller is refused.
        #expect(try daemon.request("POST", "/v1/acks", json: ["event": "open-day", "guardian": "G00001", "answer": "read"], bearer: false).status == 401)
        let ack = try daemon.request("POST", "/v1/acks", json: ["event": "open-day", "guardian": "G00001", "answer": "read", "via": "sms"])
        #expect(ack.status == 200, "\(ack.body)")
        let status = try daemon.request("GET", "/v1/events/open-day/status")
        let rows = status.json?["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == everyone)
        #expect(rows.filter { $0["acknowledged"] as? Bool == true }.map { $0["guardian"] as? String } == ["G00001"])
        #expect(rows.allSatisfy { ($0["delivered"] as? [String]) == ["email"] }, "\(status.body)")
        let events = try daemon.request("GET", "/v1/events").json?["events"] as? [[String: Any]] ?? []
        #expect(events.map { $0["id"] as? String } == ["science-fair", "sports-day", "open-day"])

        #expect(daemon.stop() == 0, "SIGTERM ends the daemon with 0: \(daemon.output)")
        #expect(daemon.logs("liaison stopped").count == 1)

        // The same moment again after a restart: nothing is queued twice.
        let again = try DaemonProcess(config: school.config, clockStart: "2030-06-05T09:00:01Z")
        Thread.sleep(forTimeInterval: 2)
        #expect(again.logs("queued a scheduled send").isEmpty, "\(again.output)")
        #expect(again.stop() == 0)
        let accepted = Self.accepted(server)
        #expect(accepted.count == 2 * everyone, "\(accepted)")
        #expect(Set(accepted).count == everyone)
    }

    /// `server.metrics_listen`: Prometheus scrapes a second address without a token; the main one still wants it.
    @Test func metricsHaveAnAddressOfTheirOwn() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try Self.school(guardians: 2, smtpPort: server.port, events: "events: []\n")
        defer { school.remove() }
        try Self.append(school, "liaison.yaml", "server:\n  metrics_listen: 127.0.0.1:0\n")
        let daemon = try DaemonProcess(config: school.config)
        defer { daemon.stop() }
        let serving = try #require(daemon.waitForLog("metrics are served without a token", timeout: 10), "\(daemon.output)")
        let port = try #require((serving["listen"] as? String)?.split(separator: ":").last.flatMap { Int($0) })
        #expect(port != daemon.port)
        let scraped = try daemon.request("GET", "/metrics", bearer: false, port: port)
        #expect(scraped.status == 200)
        #expect(scraped.body.contains("liaison_outbox_deliveries{state="), "\(scraped.body)")
        #expect(try daemon.request("GET", "/v1/events", port: port).status == 404, "only metrics there")
        #expect(try daemon.request("GET", "/metrics", bearer: false).status == 401)
        #expect(try daemon.request("GET", "/metrics").status == 200)
    }

    /// An alert goes to the primary guardian at once, widens after 3 s (opening the page does not count as an
    /// answer), and stops at the first POST; the staff on call are told who answered.
    @Test func alertEscalatesUntilAcknowledgedThroughThePage() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--maildir", "$DIR/mail"])
        defer { server.stop() }
        let school = try Self.school(guardians: 3, smtpPort: server.port, events: "events: []\n")
        defer { school.remove() }
        let daemon = try DaemonProcess(config: school.config)
        defer { daemon.stop() }

        #expect(try daemon.request("POST", "/v1/alerts", json: ["student": "S00000", "kind": "sickness"], bearer: false).status == 401)
        #expect(try daemon.request("POST", "/v1/alerts", json: ["student": "S99999", "kind": "sickness"]).status == 404)
        #expect(try daemon.request("POST", "/v1/alerts", json: ["student": "S00000", "kind": "flood"]).status == 400)
        let raised = try daemon.request(
            "POST", "/v1/alerts", json: ["student": "S00000", "kind": "sickness", "note": "Temperature of 38.5 °C after lunch."])
        #expect(raised.status == 201, "\(raised.body)")
        let id = try #require(raised.json?["id"] as? String)
        #expect(raised.json?["notified"] as? [String] == ["G00000"])

        #expect(waitUntil(10) { Self.accepted(server).contains("parent00000@example.net") })
        let link = try #require(try Self.ackLink(in: server, to: "parent00000@example.net"), "no link in the alert")
        let path = String(link[link.range(of: "/a/")!.lowerBound...])
        let page = try daemon.request("GET", path, bearer: false)
        #expect(page.status == 200)
        #expect(page.body.contains("<form") && page.body.contains("method=\"post\""), "\(page.body)")

        // Opening the page answered nothing: the second round reaches every guardian.
        #expect(daemon.waitForLog("alert escalation round", skipping: 1, timeout: 10)?["round"] as? String == "step-2")
        #expect(waitUntil(10) { Self.accepted(server).contains("second.parent@example.net") })

        let answered = try daemon.request("POST", path, form: "answer=read", bearer: false)
        #expect(answered.status == 200)
        let stopped = try #require(daemon.waitForLog("alert acknowledged", timeout: 10), "\(daemon.output)")
        #expect(stopped["by"] as? String == "G00000")
        #expect(waitUntil(10) { Self.accepted(server).contains("duty@load.example") })
        Thread.sleep(forTimeInterval: 4)  // past the staff step at 6 s and the first repeat at 9 s
        let report = try daemon.request("GET", "/v1/alerts/\(id)").json
        let alert = report?["alert"] as? [String: Any]
        #expect(alert?["status"] as? String == "acknowledged")
        #expect(alert?["acknowledgedBy"] as? String == "G00000")
        let rounds = (report?["rounds"] as? [[String: Any]])?.compactMap { $0["round"] as? String }
        #expect(rounds == ["step-1", "step-2", "answered"], "\(report ?? [:])")
        #expect(try daemon.request("GET", "/metrics", bearer: false).status == 401, "metrics want the token on the main address")
        let metrics = try daemon.request("GET", "/metrics").body
        #expect(metrics.contains("liaison_messages_total{"), "\(metrics)")
        #expect(metrics.contains("state=\"sent\""))
        #expect(metrics.contains("liaison_acknowledgement_latency_seconds_count 1"), "\(metrics)")
        #expect(metrics.contains("liaison_outbox_deliveries{state=\"sent\"}"))
        // The one message to staff is the notice that the alert was answered.
        let staffSubjects = try Self.subjects(in: server, to: "duty@load.example")
        #expect(staffSubjects.count == 1)
        #expect(staffSubjects.first?.hasPrefix("Answered: sickness alert for Child 00000") == true, "\(staffSubjects)")
    }

    /// A reload that fails `check` keeps the last good schedule in service; a good one (on a file change or SIGHUP)
    /// replaces it.
    @Test func brokenReloadKeepsServingTheLastGoodState() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try Self.school(guardians: 2, smtpPort: server.port, events: Self.scheduleEvents)
        defer { school.remove() }
        let daemon = try DaemonProcess(config: school.config, clockStart: "2030-05-01T08:00:00Z")
        defer { daemon.stop() }

        let events = school.folder.appendingPathComponent("events.yaml")
        try "events:\n  - id: broken\n    kind: announcement\n    start: not-a-date\n".write(to: events, atomically: true, encoding: .utf8)
        let refused = try #require(daemon.waitForLog("reload refused", timeout: 15), "\(daemon.output)")
        #expect((refused["msg"] as? String)?.contains("events.yaml:") == true, "the error names the file and line: \(refused)")
        #expect(daemon.waitForLog("still serving the last good configuration", timeout: 5) != nil)
        #expect(try daemon.request("GET", "/readyz", bearer: false).status == 200)
        let listed = try daemon.request("GET", "/v1/events").json?["events"] as? [[String: Any]] ?? []
        #expect(listed.count == 3)

        try Self.scheduleEvents.replacingOccurrences(of: "Science Fair", with: "Science Week")
            .write(to: events, atomically: true, encoding: .utf8)
        #expect(daemon.waitForLog("reloaded", timeout: 15)?["generation"] as? String == "2", "\(daemon.output)")
        let titles = (try daemon.request("GET", "/v1/events").json?["events"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
        #expect(titles.contains("Science Week"))

        daemon.signal(SIGHUP)
        #expect(daemon.waitForLog("reloaded", skipping: 1, timeout: 15)?["reason"] as? String == "SIGHUP")
        #expect(Self.accepted(server).isEmpty, "nothing is due on 1 May")
    }

    /// SIGTERM in the middle of sending 300 messages: the batch in flight is finished and recorded, nothing is left
    /// `sending`, the exit status is 0, and a restart sends the rest: every message once.
    @Test func sigtermDrainsAndARestartFinishesTheRest() throws {
        // A relay that takes 200 ms per message (8 connections: about 40 a second). The daemon queues a first chunk of
        // 50 and claims the rest only when those 50 are done (about 1.4 s), so a SIGTERM sent once the whole send is
        // queued and sending has begun lands while most messages are still unclaimed, however long rendering took.
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "0.2"])
        defer { server.stop() }
        let school = try Self.school(guardians: 299, smtpPort: server.port, events: Self.scheduleEvents)
        defer { school.remove() }
        let daemon = try DaemonProcess(config: school.config, clockStart: "2030-06-05T08:30:00Z")
        #expect(daemon.waitForLog("queued a scheduled send", timeout: 30) != nil, "\(daemon.output)")
        _ = waitUntil(10) { Self.accepted(server).count >= 1 }
        #expect(daemon.stop() == 0, "\(daemon.output)")
        #expect(daemon.logs("dispatcher stopped: nothing in flight").count == 1)
        let sending = try runLiaison(["outbox", "--state", "sending", "--format", "csv", "--config", school.config])
        #expect(sending.output.split(separator: "\n").count == 1, "only the header: \(sending.output)")
        let first = Self.accepted(server).count
        #expect(first < 300, "stopped before the end (\(first) sent): \(daemon.output)")

        let again = try DaemonProcess(config: school.config, clockStart: "2030-06-05T08:30:05Z")
        #expect(waitUntil(60) { Self.accepted(server).count >= 300 }, "\(again.output)")
        #expect(again.stop() == 0)
        let accepted = Self.accepted(server)
        #expect(accepted.count == 300)
        #expect(Set(accepted).count == 300)
    }

    /// Two guardians' quiet hours (09:00–12:00) hold their copies in the outbox; a new title in the schedule rewrites
    /// them, and cancelling the event withdraws them, while everyone else already has theirs.
    @Test func quietHoursHoldMessagesThatScheduleChangesRewriteOrWithdraw() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let concert = """
            events:
              - id: concert
                kind: announcement
                title: Spring Concert
                start: 2030-06-12T14:00
                audience: everyone
                template: announcement
                notify:
                  send_at: [2030-06-05T10:00]

            """
        let school = try Self.school(guardians: 4, smtpPort: server.port, events: concert)
        defer { school.remove() }
        try Self.giveQuietHours(school)

        let daemon = try DaemonProcess(config: school.config, clockStart: "2030-06-05T08:59:58Z")
        defer { daemon.stop() }
        #expect(daemon.waitForLog("queued a scheduled send", timeout: 20) != nil, "\(daemon.output)")
        #expect(waitUntil(20) { Self.accepted(server).count >= 3 })
        func held() throws -> [[String: Any]] {
            try Self.outbox(school, event: "concert").filter { $0["state"] as? String != "sent" }
        }
        let waiting = try held()
        #expect(waiting.compactMap { $0["guardian"] as? String }.sorted() == ["G00000", "G00001"])
        #expect(waiting.allSatisfy { $0["state"] as? String == "queued" && $0["not_before"] as? String == "2030-06-05T11:00:00Z" }, "\(waiting)")

        let events = school.folder.appendingPathComponent("events.yaml")
        try concert.replacingOccurrences(of: "Spring Concert", with: "Summer Concert").write(to: events, atomically: true, encoding: .utf8)
        let updated = try #require(daemon.waitForLog("updated queued messages", timeout: 15), "\(daemon.output)")
        #expect(updated["revised"] as? String == "2")
        #expect(try held().allSatisfy { ($0["subject"] as? String)?.contains("Summer Concert") == true })

        try (concert.replacingOccurrences(of: "Spring Concert", with: "Summer Concert") + "    status: cancelled\n")
            .write(to: events, atomically: true, encoding: .utf8)
        let withdrawn = try #require(daemon.waitForLog("withdrew queued messages", timeout: 15), "\(daemon.output)")
        #expect(withdrawn["cancelled"] as? String == "2")
        #expect(try held().allSatisfy { $0["state"] as? String == "cancelled" })
        #expect(Self.accepted(server).count == 3, "the three without quiet hours got the first version only")
    }

    /// The schedule from an iCalendar file: a weekly club whose next meeting gets a reminder the day before at 10:00.
    /// Two guardians' quiet hours hold theirs; the calendar then cancels that one occurrence (RECURRENCE-ID with
    /// STATUS:CANCELLED), and the daemon withdraws what is still queued for it, and nothing else.
    @Test func aCancelledCalendarOccurrenceWithdrawsItsQueuedMessages() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try Self.school(guardians: 4, smtpPort: server.port, events: "events: []\n")
        defer { school.remove() }
        try Self.giveQuietHours(school)
        let config = try String(contentsOfFile: school.config, encoding: .utf8)
            .replacingOccurrences(of: "schedule: events.yaml\n", with: "") + """
            calendars:
              - name: clubs
                file: clubs.ics
            calendar_rules:
              - match: { category: Club }
                kind: announcement
                template: announcement
                audience: everyone
                notify:
                  reminders: ["-1d at 10:00"]

            """
        try config.write(toFile: school.config, atomically: true, encoding: .utf8)
        let calendar = { (cancelled: Bool) -> String in
            var text = """
                BEGIN:VCALENDAR\r
                VERSION:2.0\r
                PRODID:-//Liaison tests//EN\r
                BEGIN:VEVENT\r
                UID:chess-club@school.example\r
                DTSTAMP:20300501T080000Z\r
                DTSTART;TZID=Europe/London:20300606T153000\r
                DTEND;TZID=Europe/London:20300606T163000\r
                RRULE:FREQ=WEEKLY;COUNT=6\r
                SUMMARY:Chess club\r
                CATEGORIES:Club\r
                END:VEVENT\r

                """
            if cancelled {
                text += """
                    BEGIN:VEVENT\r
                    UID:chess-club@school.example\r
                    RECURRENCE-ID;TZID=Europe/London:20300606T153000\r
                    DTSTAMP:20300605T090000Z\r
                    DTSTART;TZID=Europe/London:20300606T153000\r
                    SUMMARY:Chess club\r
                    CATEGORIES:Club\r
                    STATUS:CANCELLED\r
                    END:VEVENT\r

                    """
            }
            return text + "END:VCALENDAR\r\n"
        }
        let ics = school.folder.appendingPathComponent("clubs.ics")
        try calendar(false).write(to: ics, atomically: true, encoding: .utf8)

        let daemon = try DaemonProcess(config: school.config, clockStart: "2030-06-05T08:59:58Z")
        defer { daemon.stop() }
        let queued = try #require(daemon.waitForLog("queued a scheduled send", timeout: 20), "\(daemon.output)")
        let occurrence = try #require(queued["occurrence"] as? String)
        #expect(occurrence.hasSuffix("@2030-06-05T09:00:00Z"), "\(occurrence)")
        #expect(waitUntil(20) { Self.accepted(server).count >= 3 })

        try calendar(true).write(to: ics, atomically: true, encoding: .utf8)
        let withdrawn = try #require(daemon.waitForLog("withdrew queued messages", timeout: 15), "\(daemon.output)")
        #expect(withdrawn["occurrence"] as? String == occurrence)
        #expect(withdrawn["cancelled"] as? String == "2")
        let states = try Self.outbox(school).compactMap { $0["state"] as? String }
        #expect(states.sorted() == ["cancelled", "cancelled", "sent", "sent", "sent"], "\(states)")
        #expect(Self.accepted(server).count == 3)
    }

    // MARK: - Reading what the server received

    static func messages(in server: LocalServer, to address: String) throws -> [String] {
        let script = """
            import email, mailbox, sys
            from email import policy
            box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
            for key in sorted(box.keys()):
                message = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
                if sys.argv[2] in str(message['To']):
                    body = message.get_body(('plain',))
                    print(str(message['Subject']) + '\\x1f' + (body.get_content() if body else '') + '\\x1e', end='')
            """
        let result = try runProgram("python3", ["-c", script, server.file("mail").path, address])
        return result.output.split(separator: "\u{1E}").map(String.init)
    }

    static func subjects(in server: LocalServer, to address: String) throws -> [String] {
        try messages(in: server, to: address).map { String($0.split(separator: "\u{1F}", omittingEmptySubsequences: false)[0]) }
    }

    static func ackLink(in server: LocalServer, to address: String) throws -> String? {
        for message in try messages(in: server, to: address) {
            guard let start = message.range(of: "https://liaison.load.example/a/") else { continue }
            return String(message[start.lowerBound...].prefix { !$0.isWhitespace && $0 != ">" && $0 != ")" })
        }
        return nil
    }
}
