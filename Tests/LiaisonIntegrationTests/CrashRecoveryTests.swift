import Foundation
import LiaisonModel
import LiaisonStore
import LiaisonTestSupport
import Testing

@Suite(.serialized) struct CrashRecoveryTests {
    /// Kills `liaison send` with SIGKILL in the middle of 2,000 messages, runs it again, and counts at the server.
    @Test func killedSenderResumesWithoutLosingMessages() async throws {
        // A relay that takes 20 ms per message (8 connections: at most ~400 messages/s), so that the kill lands in the
        // middle of the run however fast the sender and however loaded the machine. It offers PIPELINING, as real
        // relays do: each session then has a message's data and the next message's commands out at once.
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "0.02", "--pipelining"])
        defer { server.stop() }
        let school = try SchoolFixture(guardians: 2000, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot)
        defer { school.remove() }

        let (first, firstOutput) = try startLiaison(["send", "open-day", "--config", school.config])
        // Drain the output so the process never blocks on a full pipe.
        let reader = Task.detached { firstOutput.fileHandleForReading.readDataToEndOfFile() }
        let deadline = Date().addingTimeInterval(120)
        while server.logLines().count < 600, first.isRunning, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let stillRunning = first.isRunning
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let firstText = String(decoding: await reader.value, as: UTF8.self)
        #expect(stillRunning, "the sender finished before it could be killed: \(firstText)")
        let deliveredBeforeKill = server.logLines().count

        let store = try SQLiteOutboxStore(path: school.folder.appendingPathComponent("state/outbox.sqlite").path)
        let counts = try await store.counts(eventID: "open-day")
        let inFlight = counts[.sending] ?? 0
        let recordedSent = counts[.sent] ?? 0

        let (second, secondOutput) = try startLiaison(["send", "open-day", "--config", school.config])
        let secondText = secondOutput.fileHandleForReading.readDataToEndOfFile()
        second.waitUntilExit()
        #expect(second.terminationStatus == 0, "\(String(decoding: secondText, as: UTF8.self))")

        let log = server.logLines()
        let ids = log.compactMap { $0["message_id"] as? String }
        let distinct = Set(ids)
        let duplicates = ids.count - distinct.count
        print("crash test: \(deliveredBeforeKill) accepted before SIGKILL, \(recordedSent) recorded sent, \(inFlight) in flight; after restart \(ids.count) accepted, \(distinct.count) distinct, \(duplicates) duplicate(s)")
        #expect(log.contains { $0["pipelined"] as? Bool == true }, "the sessions pipelined")
        #expect(distinct.count == 2000)
        #expect(duplicates <= inFlight)
        let final = try await store.counts(eventID: "open-day")
        #expect(final[.sent] == 2000)
    }
}
