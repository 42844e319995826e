import Foundation
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
}
