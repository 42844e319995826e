import Foundation
import LiaisonCheck
import LiaisonModel
import LiaisonPlan
import LiaisonServer
import LiaisonStore
import Testing
@testable import LiaisonDaemon
@testable import LiaisonDelivery

/// `liaison family export|erase` and retention over real stores on one file and the file channel's letters
/// (issue 15, deliverable 6).
@Suite struct FamilyRecordsTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-family-\(UUID().uuidString)")
    var path: String { folder.appendingPathComponent("state/liaison.sqlite").path }
    var mail: String { folder.appendingPathComponent("state/outbox-files").path }

    func records() throws -> FamilyRecords {
        FamilyRecords(
            outbox: try SQLiteOutboxStore(path: path), ledger: try SQLiteAckLedger(path: path), journal: try SQLiteDaemonJournal(path: path),
            audit: try SQLiteAuditLog(path: path), files: FileRetention(folders: [mail, folder.appendingPathComponent("state/dry-run").path]))
    }

    /// The Winter Concert queued for its whole audience and written by the file channel, links drawn as sent.
    func sendConcert(_ records: FamilyRecords) async throws -> (school: SchoolSnapshot, sentAt: Date) {
        let school = DaemonFixture.school
        let event = try #require(school.event("winter-concert-2026"))
        let planner = Planner(renderer: school.renderer, roster: school.roster, progress: school.progressByStudent, available: [.email, .sms])
        let queuer = Queuer(outbox: records.outbox, links: Links(ledger: records.ledger, school: school.school))
        let now = event.start.addingTimeInterval(-7 * 86_400)
        _ = try await queuer.queue(Queuer.Request(
            occurrence: .forSendByHand(event, now: now), event: event, recipients: event.audience.recipients(in: school.roster),
            school: school.school, planner: planner, renderAt: now, now: now))
        let composer = MailComposer(from: MailAddress("office@school.example", name: "School"), messageIDDomain: "liaison.school.example")
        let files = try FileChannel(folder: mail, composer: composer)
        let dispatcher = Dispatcher(
            store: records.outbox, channels: [.email: files, .sms: files],
            policy: RetryPolicy(maxAttempts: 3, baseDelay: .seconds(60), maxDelay: .seconds(600), deadline: .seconds(86_400 * 30)),
            clock: { now }, links: records.ledger)
        _ = try await dispatcher.drain()
        return (school, now)
    }

    /// The acknowledgement token in the letter the file channel wrote for `guardian`.
    func token(for guardian: String) throws -> String {
        let new = URL(fileURLWithPath: mail).appendingPathComponent("new")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: new.path).first { $0.contains("_\(guardian)_email") })
        let letter = try String(contentsOf: new.appendingPathComponent(name), encoding: .utf8)
        let match = try #require(letter.firstMatch(of: /\/a\/([A-Za-z0-9_-]{22})/))
        return String(match.1)
    }

    func letterFiles(_ guardian: String) -> [String] {
        let new = URL(fileURLWithPath: mail).appendingPathComponent("new").path
        let webhooks = URL(fileURLWithPath: mail).appendingPathComponent("webhooks/sms").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: new)) ?? []).filter { $0.contains("_\(guardian)_") }
            + ((try? FileManager.default.contentsOfDirectory(atPath: webhooks)) ?? []).filter { $0.contains("_\(guardian)_") }
    }

    @Test func exportThenEraseOneFamily() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let records = try records()
        let school = try await sendConcert(records).school
        let roster = school.roster
        #expect(!letterFiles("G001").isEmpty && !letterFiles("G002").isEmpty && !letterFiles("G003").isEmpty)
        // Sarah answers through her link; the nurse raised an alert about Oliver (S001), closed since.
        let sarahsToken = try token(for: "G001")
        let davidsToken = try token(for: "G002")
        let link = try #require(try await records.ledger.link(forToken: sarahsToken))
        _ = try await records.ledger.acknowledge(
            eventID: link.eventID, guardianID: "G001", answer: "attending", via: "page", occurrence: link.occurrence, at: Date(), changeUntil: nil)
        try await records.journal.open(Alert(
            id: "alert-1", studentID: "S001", kind: .sickness, note: "Temperature 39.2", raisedAt: Date(), raisedBy: "nurse", status: .acknowledged))

        // The export: the family's contacts, letters (links shown as placeholders, never tokens), answers, alerts.
        let members = FamilyRecords.Members(familyID: "F001", roster: roster)
        #expect(members.guardianIDs == ["G001", "G002"] && members.studentIDs == ["S001", "S002"])
        let export = try await records.export(members, roster: roster, school: school.school, now: Date())
        let json = String(decoding: try export.json(), as: UTF8.self)
        #expect(json.contains("sarah.smith@example.net") && json.contains("\"family_name\" : \"Smith\""))
        #expect(export.letters.count == (try await records.outbox.deliveries(matching: DeliveryQuery(guardianID: "G001"))).count
            + (try await records.outbox.deliveries(matching: DeliveryQuery(guardianID: "G002"))).count)
        #expect(export.letters.allSatisfy { $0.state == "sent" && !$0.text.isEmpty && !$0.text.contains(LinkPlaceholder.ack) && !$0.textRemoved })
        // Where a link's token was, an ellipsis: no word of any language in the family's letter.
        #expect(export.letters.contains { $0.text.contains("/a/…") })
        #expect(!json.contains(sarahsToken) && !json.contains(davidsToken))
        #expect(export.answers.map { $0.answer } == ["attending"])
        #expect(export.alerts.map { $0.note } == ["Temperature 39.2"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: try export.json()) as? [String: Any])
        #expect(Set(parsed.keys).isSuperset(of: ["guardians", "students", "letters", "answers", "opt_outs", "alerts", "exported_at"]))

        // Erasing Sarah alone: her rows, files and link go; Oliver's alert stays (David is his guardian too).
        let sarah = FamilyRecords.Members(familyID: "F001", guardianIDs: ["G001"], studentIDs: ["S001", "S002"])
        let first = try await records.erase(sarah, roster: roster, actor: "Office test", now: Date())
        #expect(first.letters > 0 && first.files == first.letters && first.answersAndLinks >= 3)
        #expect(first.alerts == 0 && first.sharedAlertsKept == 1)
        #expect(letterFiles("G001").isEmpty && !letterFiles("G002").isEmpty)
        #expect(try await records.ledger.link(forToken: sarahsToken) == nil)
        #expect(try await records.ledger.link(forToken: davidsToken) != nil)
        #expect(try await records.journal.alert("alert-1") != nil)

        // The whole family: everything goes; the next family keeps all of theirs.
        let othersBefore = try await records.outbox.deliveries(matching: DeliveryQuery(guardianID: "G003")).count
        let second = try await records.erase(members, roster: roster, actor: "Office test", now: Date())
        #expect(second.alerts == 1 && second.sharedAlertsKept == 0)
        #expect(letterFiles("G002").isEmpty && !letterFiles("G003").isEmpty)
        #expect(try await records.ledger.link(forToken: davidsToken) == nil)
        #expect(try await records.outbox.deliveries(matching: DeliveryQuery(guardianID: "G002")).isEmpty)
        #expect(try await records.outbox.deliveries(matching: DeliveryQuery(guardianID: "G003")).count == othersBefore)
        let after = try await records.export(members, roster: roster, school: school.school, now: Date())
        #expect(after.letters.isEmpty && after.answers.isEmpty && after.alerts.isEmpty)

        // The audit log says who erased which family, by digest, and nothing personal.
        let audit = try await records.audit.entries(since: nil, limit: 100)
        #expect(audit.map(\.action) == [.familyErased, .familyErased])
        #expect(audit.allSatisfy { $0.actor == "Office test" && $0.subject == SQLiteAuditLog.familySubject("F001") })
        let logged = audit.map { "\($0.subject) \($0.detail)" }.joined(separator: "\n")
        for personal in ["F001", "G001", "G002", "Smith", "sarah", "Oliver", "S001", "Temperature"] {
            #expect(!logged.contains(personal), "the audit log holds \(personal)")
        }
    }

    @Test func retentionRemovesOldTextNotesAndFiles() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let records = try records()
        let sentAt = try await sendConcert(records).sentAt
        try await records.journal.open(Alert(
            id: "alert-1", studentID: "S001", kind: .sickness, note: "Temperature 39.2", raisedAt: sentAt, raisedBy: "nurse", status: .acknowledged))
        let sent = try await records.outbox.deliveries(matching: DeliveryQuery(states: [.sent, .failed, .cancelled])).count
        #expect(sent > 0)

        // Today nothing is old enough.
        let policy = RetentionPolicy.standard
        #expect(try await records.applyRetention(policy, actor: "daemon", now: sentAt).isEmpty)
        #expect(try await records.audit.entries(since: nil, limit: 10).isEmpty)

        // Thirty-one days on: letters' text, the note and the files go; who was sent what stays.
        let later = sentAt.addingTimeInterval(31 * 86_400)
        for (guardian, age) in [("G001", 31.0), ("G003", 31), ("G002", 1)] {
            for file in letterFiles(guardian) {
                let url = URL(fileURLWithPath: mail).appendingPathComponent(file.hasSuffix(".eml") ? "new" : "webhooks/sms").appendingPathComponent(file)
                try FileManager.default.setAttributes([.modificationDate: later.addingTimeInterval(-age * 86_400)], ofItemAtPath: url.path)
            }
        }
        let sweep = try await records.applyRetention(policy, actor: "daemon", now: later)
        #expect(sweep.bodies == sent && sweep.alertNotes == 1 && sweep.deliveryRecords == 0 && sweep.files > 0)
        #expect(letterFiles("G001").isEmpty && letterFiles("G003").isEmpty && !letterFiles("G002").isEmpty)
        #expect(try await records.journal.alert("alert-1")?.note == "")
        let kept = try await records.outbox.deliveries(matching: DeliveryQuery(states: [.sent])).filter { !$0.message.text.isEmpty }.count
        #expect(kept == 0)
        let roster = DaemonFixture.school.roster
        let old = try await records.export(
            FamilyRecords.Members(familyID: "F001", roster: roster), roster: roster, school: DaemonFixture.school.school, now: later)
        #expect(!old.letters.isEmpty && old.letters.allSatisfy { $0.textRemoved && $0.text.isEmpty })
        let audit = try await records.audit.entries(since: nil, limit: 10)
        #expect(audit.map(\.action) == [.retentionApplied] && audit.first?.actor == "daemon")
    }
}

/// The daemon's administrative actions reach the audit log with who did them: alerts raised through the API, and
/// scheduled sends.
@Suite struct DaemonAuditTests {
    @Test func alertsAndScheduledSendsAreAudited() async throws {
        let fixture = try DaemonFixture()
        let audit = try SQLiteAuditLog.inMemory()
        let raisedAt = ISO8601DateFormatter().date(from: "2026-11-24T10:00:00Z")!
        let clock = DaemonClock(startingAt: raisedAt)
        let admin = DaemonAdmin(
            state: fixture.state, journal: fixture.journal, store: fixture.outbox, ledger: fixture.ledger, desk: fixture.desk(at: raisedAt),
            clock: clock, audit: audit)
        let receipt = try await admin.raiseAlert(AlertRequest(student: "S002", kind: "accident", note: "Grazed knee", raisedBy: "Office\nDesk"))

        var scheduler = fixture.scheduler()
        scheduler.audit = audit
        let concert = try #require(DaemonFixture.school.event("winter-concert-2026"))
        let send = try #require(SendSchedule.sends(for: concert).first)
        _ = try await scheduler.pass(now: send.at.addingTimeInterval(1), reconcile: true)

        let entries = try await audit.entries(since: nil, limit: 10)
        let alert = try #require(entries.first { $0.action == .alertRaised })
        #expect(alert.subject == receipt.id && alert.actor == "api (Office Desk)")
        #expect(alert.detail.contains("kind=accident") && !alert.detail.contains("Grazed"))
        let scheduled = try #require(entries.first { $0.action == .scheduledSend })
        #expect(scheduled.actor == "schedule" && scheduled.subject == send.occurrence && scheduled.detail.contains("deliveries="))
        #expect(try await audit.verify() == (nil, entries.count))
    }
}
