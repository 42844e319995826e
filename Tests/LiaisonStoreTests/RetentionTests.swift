import Foundation
import GRDB
import LiaisonModel
import Testing
@testable import LiaisonStore

/// Retention and erasure in the stores (issue 15, deliverable 6): what goes, what stays, and that the append-only
/// guards still hold outside them.
@Suite struct RetentionTests {
    let day: TimeInterval = 86_400

    /// Queues `deliveries`, claims them at t0 and records `state` for each, finished at `finishedAt`.
    func settle(_ store: SQLiteOutboxStore, _ deliveries: [Delivery], _ state: DeliveryState, finishedAt: Date) async throws {
        _ = try await store.enqueue(deliveries)
        let claimed = try await store.claim(limit: 100, channels: nil, now: t0).filter { claimed in deliveries.contains { $0.key == claimed.key } }
        try await store.complete(claimed.map { result($0, state, finishedAt: finishedAt) })
    }

    @Test func lettersLoseTheirTextThenTheirRecords() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let store = try SQLiteOutboxStore(path: folder.storePath)
        // Long letters, so they are written against a shared base that holds the first one's text whole.
        let long = String(repeating: "The school trip leaves at nine; bring a packed lunch.\n", count: 40)
        let old = (1...3).map { makeDelivery(key("trip", "G\($0)"), text: "Dear G\($0),\n" + long) }
        let recent = makeDelivery(key("fair", "G1"), text: "Dear G1,\n" + long)
        let waiting = makeDelivery(key("trip", "G9"), notBefore: at(365 * day), text: "Dear G9,\n" + long)
        try await settle(store, old, .sent, finishedAt: at(1))
        try await settle(store, [recent], .sent, finishedAt: at(20 * day))
        _ = try await store.enqueue([waiting])

        // Thirty-one days on: the old letters' text goes, the recent one and the one still waiting keep theirs.
        let (bodies, records) = try await store.applyRetention(bodiesBefore: at(day), recordsBefore: at(-400 * day), now: at(31 * day))
        #expect(bodies == 3 && records == 0)
        for delivery in old {
            let stored = try #require(try await store.delivery(delivery.key))
            #expect(stored.message.text.isEmpty && stored.message.subject.isEmpty && stored.message.html == nil)
            #expect(stored.state == .sent && stored.address == delivery.address && stored.message.language == "en-GB")
        }
        #expect(try await store.delivery(recent.key)?.message.text == recent.message.text)
        #expect(try await store.delivery(waiting.key)?.message.text == waiting.message.text)
        // No text of the purged letters is left anywhere in the file (bases included).
        let leftovers = try await store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM messages UNION ALL SELECT body FROM message_bases")
        }
        #expect(!leftovers.contains { $0.contains("Dear G2") || $0.contains("Dear G3") })
        // A second pass finds nothing more; a purged letter is never queued again.
        #expect(try await store.applyRetention(bodiesBefore: at(day), recordsBefore: at(-400 * day), now: at(32 * day)) == (0, 0))
        #expect(try await store.requeue(matching: DeliveryQuery(states: [.sent, .failed]), now: at(32 * day)) == 0)

        // Past the records' period the rows go with their attempts; the waiting letter stays.
        let (_, gone) = try await store.applyRetention(bodiesBefore: at(day), recordsBefore: at(2 * day), now: at(401 * day))
        #expect(gone == 3)
        #expect(try await store.delivery(old[0].key) == nil)
        #expect(try await store.attempts(for: old[0].key).isEmpty)
        #expect(try await store.delivery(waiting.key)?.state == .queued)
        #expect(try await store.delivery(recent.key) != nil)
    }

    @Test func erasingGuardiansRemovesEveryRowTheyHave() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let store = try SQLiteOutboxStore(path: folder.storePath)
        try await settle(store, [makeDelivery(key("trip", "G1")), makeDelivery(key("trip", "G2"))], .sent, finishedAt: at(1))
        _ = try await store.enqueue([makeDelivery(key("fair", "G1", .sms)), makeDelivery(key("fair", "G3"))])
        let keys = try await store.erase(guardianIDs: ["G1", "G2"])
        #expect(Set(keys) == [key("trip", "G1"), key("trip", "G2"), key("fair", "G1", .sms)])
        let left = try await store.deliveries(matching: DeliveryQuery())
        #expect(left.map(\.key) == [key("fair", "G3")])
        #expect(try await store.attempts(for: key("trip", "G1")).isEmpty)
    }

    @Test func answersGoByAgeOrErasureAndTheHistoryStaysAppendOnlyOtherwise() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let ledger = try SQLiteAckLedger(path: folder.storePath)
        _ = try await ledger.issueToken(eventID: "trip", occurrence: "trip", guardianID: "G1", now: at(0))
        let recentToken = try await ledger.issueToken(eventID: "fair", occurrence: "fair", guardianID: "G2", now: at(300 * day))
        _ = try await ledger.acknowledge(eventID: "trip", guardianID: "G1", answer: "read", via: "page", occurrence: "trip", at: at(10), changeUntil: nil)
        _ = try await ledger.acknowledge(eventID: "fair", guardianID: "G2", answer: "read", via: "page", occurrence: "fair", at: at(300 * day), changeUntil: nil)
        _ = try await ledger.optOut(guardianID: "G1", category: .newsletters, via: "link", at: at(20))

        // Outside retention and erasure, the history refuses deletes and updates as before.
        await #expect(throws: (any Error).self) { try await ledger.rawExecute("DELETE FROM ack_history") }
        await #expect(throws: (any Error).self) { try await ledger.rawExecute("UPDATE ack_history SET answer = 'x'") }

        let removed = try await ledger.applyRetention(before: at(200 * day))
        #expect(removed == 3)  // G1's answer, its history row and its link
        #expect(try await ledger.history(eventID: "trip", guardianID: "G1").isEmpty)
        #expect(try await ledger.acknowledgement(eventID: "fair", guardianID: "G2") != nil)
        #expect(try await ledger.link(forToken: recentToken) != nil)
        // Opt-outs stay: forgetting one would send the newsletters again.
        #expect(try await ledger.optOuts(guardianID: "G1").count == 1)

        #expect(try await ledger.erase(guardianIDs: ["G1", "G2"]) == 4)  // G2's answer, history, link; G1's opt-out
        #expect(try await ledger.link(forToken: recentToken) == nil)
        #expect(try await ledger.answers(guardianIDs: ["G1", "G2"]).isEmpty)
        #expect(try await ledger.optOuts(guardianID: "G1").isEmpty)
        // The release ends with the erasure: the next answer's history row is guarded again.
        _ = try await ledger.acknowledge(eventID: "fair", guardianID: "G3", answer: "read", via: "page", occurrence: "fair", at: at(301 * day), changeUntil: nil)
        await #expect(throws: (any Error).self) { try await ledger.rawExecute("DELETE FROM ack_history") }
        #expect(try await ledger.history(eventID: "fair", guardianID: "G3").count == 1)
    }

    /// Messages written on the desk are kept while the letters' text is, and one planned weeks ahead reloads.
    @Test func compositionsGoWithTheLettersText() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let journal = try SQLiteDaemonJournal(path: folder.storePath)
        let sent = Composition(
            id: "compose-1", kind: .closure, title: "Closed", body: "Amelia's class is closed", audience: Audience(classes: ["3A"]),
            sendAt: at(0), date: at(day), allDay: true, composedBy: "staff:clarke", composedAt: at(0))
        var later = sent
        later.id = "compose-2"
        later.sendAt = at(60 * day)
        #expect(try await journal.save(sent))
        #expect(try await !journal.save(sent))
        #expect(try await journal.save(later))
        // Composed long ago but due after `since`: still loaded (a restart must not lose it).
        #expect(try await journal.compositions(since: at(30 * day)).map(\.id) == ["compose-2"])
        #expect(try await journal.purgeCompositions(sentBefore: at(30 * day)) == 1)
        #expect(try await journal.compositions(since: .distantPast).map(\.id) == ["compose-2"])
        var cancelled = later
        cancelled.status = .cancelled
        try await journal.update(cancelled)
        #expect(try await journal.compositions(since: .distantPast).first?.status == .cancelled)
    }

    @Test func alertNotesGoFirstThenClosedAlerts() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let journal = try SQLiteDaemonJournal(path: folder.storePath)
        var closed = Alert(id: "a1", studentID: "S1", kind: .sickness, note: "Temperature 39.2", raisedAt: at(0), raisedBy: "nurse", status: .acknowledged)
        closed.noteTranslations = ["so": "Heerkulka 39.2"]
        var open = Alert(id: "a2", studentID: "S2", kind: .accident, note: "Grazed knee", raisedAt: at(0), raisedBy: "office")
        open.noteTranslations = ["ar": "خدش في الركبة", "zh-Hans": "膝盖擦伤"]
        try await journal.open(closed)
        try await journal.open(open)
        _ = try await journal.recordRound(AlertRound(alertID: "a1", round: "step-1", ranAt: at(5), recipients: ["G1"]))

        #expect(try await journal.applyRetention(notesBefore: at(day), recordsBefore: at(-day)) == (1, 0))
        #expect(try await journal.alert("a1")?.note == "")
        #expect(try await journal.alert("a1")?.noteTranslations == [:])  // the versions go with the note
        #expect(try await journal.alert("a2")?.note == "Grazed knee")  // still open: the nurse may need it
        #expect(try await journal.alert("a2")?.noteTranslations == ["ar": "خدش في الركبة", "zh-Hans": "膝盖擦伤"])
        #expect(try await journal.applyRetention(notesBefore: at(day), recordsBefore: at(day)) == (0, 1))
        #expect(try await journal.alert("a1") == nil)
        #expect(try await journal.rounds(alertID: "a1").isEmpty)

        #expect(try await journal.alerts(studentIDs: ["S2"]).map(\.id) == ["a2"])
        #expect(try await journal.erase(studentIDs: ["S2"]) == 1)
        #expect(try await journal.alert("a2") == nil)
    }

    @Test func theAuditLogIsAppendOnlyAndChained() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let log = try SQLiteAuditLog(path: folder.storePath)
        // The last as a newer version would write it: read back with its own word, its chain intact.
        let newer = AuditEntry.Action(rawValue: "form.closed")
        for (index, action) in [AuditEntry.Action.alertRaised, .send, .familyErased, newer].enumerated() {
            try await log.append(AuditEntry(at: at(Double(index)), actor: "office", action: action, subject: "s\(index)", detail: "n=\(index)"))
        }
        #expect(try await log.entries(since: at(1), limit: 10).map(\.action) == [.send, .familyErased, newer])
        #expect(try await log.verify() == (nil, 4))
        try await log.writer.write { db in
            #expect(throws: DatabaseError.self) { try db.execute(sql: "DELETE FROM audit_log WHERE id = 2") }
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE audit_log SET actor = 'someone else'") }
        }
        // Behind Liaison's back (the triggers dropped): the chain shows where the log was changed.
        try await log.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_delete")
            try db.execute(sql: "DELETE FROM audit_log WHERE id = 2")
        }
        #expect(try await log.verify() == (3, 1))  // row 3 no longer follows row 1
        #expect(SQLiteAuditLog.familySubject("F001") == SQLiteAuditLog.familySubject("F001"))
        #expect(!SQLiteAuditLog.familySubject("F001").contains("F001"))
    }
}
