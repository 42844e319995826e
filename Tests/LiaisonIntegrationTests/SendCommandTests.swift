import Foundation
import LiaisonModel
import LiaisonStore
import LiaisonTestSupport
import Testing

@Suite(.serialized) struct SendCommandTests {
    /// A refused address fails and is listed; fixing it in the roster and running `liaison retry` delivers it.
    @Test func failedAddressIsFixedAndRetried() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try SchoolFixture(
            guardians: 20, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot,
            email: { $0 == 3 ? "reject.parent@example.net" : "parent\($0)@example.net" })
        defer { school.remove() }

        let first = try runLiaison(["send", "open-day", "--config", school.config])
        #expect(first.status == 2, "a failed delivery makes send exit 2: \(first.output)")
        #expect(first.output.contains("19 sent"))
        #expect(first.output.contains("550 5.1.1"))

        let failed = try runLiaison(["outbox", "--state", "failed", "--format", "csv", "--config", school.config])
        #expect(failed.status == 0)
        let lines = failed.output.split(separator: "\n")
        #expect(lines.first?.hasPrefix("event,occurrence,guardian,channel,address") == true)
        #expect(lines.count == 2)
        #expect(lines.last?.contains("reject.parent@example.net") == true)

        // Sending again queues nothing new.
        let again = try runLiaison(["send", "open-day", "--config", school.config])
        #expect(again.output.contains("Queued 0 new deliveries (20 already in the outbox)"))

        try school.edit("roster/guardians.csv", replacing: "reject.parent@example.net", with: "fixed.parent@example.net")
        let retried = try runLiaison(["retry", "--event", "open-day", "--config", school.config])
        #expect(retried.status == 0, "\(retried.output)")
        #expect(retried.output.contains("1 with a corrected address"))
        #expect(retried.output.contains("sent 1"))

        let json = try runLiaison(["outbox", "--guardian", "G00003", "--format", "json", "--attempts", "--config", school.config])
        let rows = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        #expect(rows?.first?["state"] as? String == "sent")
        let history = rows?.first?["history"] as? [[String: Any]]
        #expect(history?.map { $0["outcome"] as? String } == ["failed", "sent"])
        // The office's list: everyone reached, nobody acknowledged yet; then one family answers by phone.
        let before = try runLiaison(["status", "open-day", "--config", school.config])
        #expect(before.output.contains("20 guardians; 20 reached, 0 acknowledged"), "\(before.output)")
        let ack = try runLiaison(["ack", "open-day", "--guardian", "G00005", "--config", school.config])
        #expect(ack.status == 0, "\(ack.output)")
        let after = try runLiaison(["status", "open-day", "--format", "json", "--config", school.config])
        let statusRows = try JSONSerialization.jsonObject(with: Data(after.output.utf8)) as? [[String: Any]]
        #expect(statusRows?.count == 20)
        #expect(statusRows?.filter { $0["acknowledged"] as? Bool == true }.map { $0["guardian"] as? String } == ["G00005"])
        let table = try runLiaison(["status", "open-day", "--config", school.config])
        #expect(table.output.contains("1 acknowledged"))
        #expect(!table.output.contains("Family 00005"))
        #expect(table.output.contains("Family 00006"))

        let accepted = server.logLines().flatMap { ($0["to"] as? [String]) ?? [] }
        #expect(accepted.count == 20)
        #expect(accepted.contains("fixed.parent@example.net"))
    }

    /// An event that has started is refused unless forced; forced, it goes with a warning.
    @Test func anEventThatHasStartedIsRefusedUnlessForced() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try SchoolFixture(guardians: 3, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot)
        defer { school.remove() }
        try school.edit("events.yaml", replacing: "start: 2030-06-12T09:30", with: "start: 2020-06-12T09:30")
        try school.edit("events.yaml", replacing: "end: 2030-06-12T12:00", with: "end: 2020-06-12T12:00")
        let refused = try runLiaison(["send", "open-day", "--config", school.config])
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("started at 2020-06-12T08:30:00Z: nothing is sent. Use --force"), "\(refused.output)")
        #expect(server.logLines().isEmpty)
        let forced = try runLiaison(["send", "open-day", "--force", "--config", school.config])
        #expect(forced.status == 0, "\(forced.output)")
        #expect(forced.output.contains("warning: open-day started"))
        #expect(server.logLines().count == 3)
    }

    /// The reported failures: `send` exited 0 when the relay was down and nothing went out, and its progress line
    /// stayed at "1/N" in a log. Now: exit 3 (waiting to be retried, left to the daemon) with what is left said; the
    /// log gets the final count; and a relay back in time within the run's retry window gets everything.
    @Test func aRelayThatIsDownLeavesWorkForTheDaemonAndSaysSo() throws {
        let probe = try LocalServer(script: "smtp_server.py", arguments: [])
        let port = probe.port
        probe.stop()
        let school = try SchoolFixture(guardians: 12, smtpPort: port, repositoryRoot: LocalServer.repositoryRoot)
        defer { school.remove() }
        let down = try runLiaison(["send", "open-day", "--retry-within", "0", "--config", school.config])
        #expect(down.status == 3, "\(down.output)")
        #expect(down.output.contains("12 delivery(ies) are waiting to be retried"), "\(down.output)")
        #expect(down.output.contains("12/12"), "the log shows the final progress: \(down.output)")
        #expect(down.output.contains("liaison serve sends them"))

        // `liaison retry` after the relay is back sends them: nothing was lost, nothing goes twice.
        let back = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--port", "\(port)"])
        defer { back.stop() }
        let retried = try runLiaison(["retry", "--event", "open-day", "--config", school.config])
        #expect(retried.status == 0, "\(retried.output)")
        let ids = back.logLines().compactMap { $0["message_id"] as? String }
        #expect(ids.count == 12 && Set(ids).count == 12)
    }

    /// The reported failure: `send` never retried a 451 within its run. Now a temporary refusal is tried again when it
    /// comes due within the run's retry window, and the run ends with everything sent.
    @Test func aTemporaryRefusalIsRetriedWithinTheRun() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try SchoolFixture(
            guardians: 5, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot,
            email: { $0 == 2 ? "tempfail.parent@example.net" : "parent\($0)@example.net" })
        defer { school.remove() }
        try school.edit("liaison.yaml", replacing: "store:\n", with: "retry:\n  base_delay: 1s\nstore:\n")
        let run = try runLiaison(["send", "open-day", "--config", school.config])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("1 to retry at"), "\(run.output)")
        #expect(run.output.contains("5 deliveries: 5 sent"), "\(run.output)")
        let accepted = server.logLines().flatMap { ($0["to"] as? [String]) ?? [] }
        #expect(accepted.sorted() == (["tempfail.parent@example.net"] + [0, 1, 3, 4].map { "parent\($0)@example.net" }).sorted())
    }

    /// The reported failure: SIGTERM during `send` left hundreds of rows `sending`. Now it stops queuing, finishes
    /// and records what is in flight, exits 3, and the next run sends the rest: every family once.
    @Test func sigtermFinishesWhatIsInFlightAndTheNextRunTheRest() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "0.02"])
        defer { server.stop() }
        let school = try SchoolFixture(guardians: 1500, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot)
        defer { school.remove() }
        let (first, output) = try startLiaison(["send", "open-day", "--config", school.config])
        let reader = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
        let deadline = Date().addingTimeInterval(60)
        while server.logLines().count < 100, first.isRunning, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(first.isRunning)
        kill(first.processIdentifier, SIGTERM)
        first.waitUntilExit()
        let text = String(decoding: await reader.value, as: UTF8.self)
        #expect(first.terminationStatus == 3, "\(text)")
        #expect(text.contains("Interrupted"), "\(text)")
        let store = try SQLiteOutboxStore(path: school.folder.appendingPathComponent("state/outbox.sqlite").path)
        let counts = try await store.counts(eventID: "open-day")
        #expect(counts[.sending] == 0, "nothing is left in flight: \(counts)")
        let sentFirst = counts[.sent] ?? 0
        #expect(sentFirst > 0 && sentFirst < 1500)
        #expect(server.logLines().count == sentFirst)

        let second = try runLiaison(["send", "open-day", "--config", school.config])
        #expect(second.status == 0, "\(second.output)")
        let ids = server.logLines().compactMap { $0["message_id"] as? String }
        #expect(ids.count == 1500 && Set(ids).count == 1500, "\(ids.count) accepted, \(Set(ids).count) distinct")
    }

    /// Rows an earlier Liaison queued under the bare event id (before sends by hand took the scheduler's key): send
    /// refuses to reach those families again unless asked to resend.
    @Test func rowsUnderTheOldKeyAreNotSentAgainByAccident() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try SchoolFixture(guardians: 3, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot, sendAt: "2030-06-05T10:00")
        defer { school.remove() }
        let store = try SQLiteOutboxStore(path: school.folder.appendingPathComponent("state/outbox.sqlite").path)
        let old = Delivery(
            key: DeliveryKey(occurrence: "open-day", guardianID: "G00000", channel: .email), eventID: "open-day",
            address: "parent00000@example.net", recipientName: "Parent", state: .queued, notBefore: Date(), createdAt: Date(),
            message: OutboundMessage(subject: "Open Day", text: "Hello", language: "en"))
        _ = try await store.enqueue([old])
        _ = try await store.cancel(matching: DeliveryQuery(occurrence: "open-day"), reason: "sent by the old version", now: Date())
        let refused = try runLiaison(["send", "open-day", "--config", school.config])
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("sent by an earlier version of Liaison under the key open-day"), "\(refused.output)")
        #expect(server.logLines().isEmpty)
        let resent = try runLiaison(["send", "open-day", "--resend", "--config", school.config])
        #expect(resent.status == 0, "\(resent.output)")
        #expect(server.logLines().count == 3)
    }
}
