import Foundation
import LiaisonCheck
import LiaisonModel
import LiaisonPlan
import LiaisonServer
import LiaisonStore
import Logging
import Testing
@testable import LiaisonDaemon
@testable import LiaisonDelivery

/// The daemon's scheduler and alert desk, over in-memory stores and explicit times: no process, no clock, no network.
struct DaemonFixture {
    let outbox: SQLiteOutboxStore
    let ledger: SQLiteAckLedger
    let journal: SQLiteDaemonJournal
    let state: SchoolState
    let queuing: DaemonQueuing
    let handoff = Handoff()

    static let school: SchoolSnapshot = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/demo-school/liaison.yaml").path
        let (snapshot, report) = SchoolLoader.load(configPath: path, now: ISO8601DateFormatter().date(from: "2026-11-23T09:00:00Z")!)
        precondition(report.passed, report.text())
        return snapshot!
    }()

    init(school: SchoolSnapshot = Self.school, forms: SQLiteFormStore? = nil) throws {
        outbox = try SQLiteOutboxStore.inMemory()
        ledger = try SQLiteAckLedger.inMemory()
        journal = try SQLiteDaemonJournal.inMemory()
        state = SchoolState(LoadedSchool(snapshot: school, generation: 1, loadedAt: Date()), ledger: ledger)
        var queuer = Queuer(outbox: outbox, links: Links(ledger: ledger, school: Self.school.school))
        queuer.surveys = forms.map { Invitations(registry: $0) }
        queuing = DaemonQueuing(
            queuer: queuer,
            leases: LeaseKeeper(store: outbox, duration: .seconds(60)), handoff: handoff, dispatch: Wakeup(), gate: UrgentGate())
    }

    /// A scheduler as the daemon builds one (a restart is a new one over the same stores).
    func scheduler() -> Scheduler {
        Scheduler(
            state: state, journal: journal, queuing: queuing, store: outbox, channels: { [.email, .sms, .voice] },
            logger: Logger(label: "test"))
    }

    func desk(at now: Date) -> AlertDesk {
        AlertDesk(
            state: state, journal: journal, queuing: queuing, store: outbox, ledger: ledger, channels: { [.email, .sms, .voice] },
            clock: DaemonClock(startingAt: now), logger: Logger(label: "test"))
    }
}

@Suite struct SchedulerTests {
    let concert = DaemonFixture.school.event("winter-concert-2026")!
    var sends: [ScheduledSend] { SendSchedule.sends(for: concert) }

    /// A send by hand first, then the scheduler when the send comes due, then a restart: every guardian once.
    @Test func aSendByHandThenTheScheduleThenARestartQueueEachGuardianOnce() async throws {
        let fixture = try DaemonFixture()
        let early = sends[0].at.addingTimeInterval(-86_400)
        // `liaison send`, a day early: through the same queuer, under the scheduler's key.
        let byHand = try await fixture.queuing.queuer.queue(Queuer.Request(
            occurrence: .forSendByHand(concert, now: early), event: concert,
            recipients: concert.audience.recipients(in: DaemonFixture.school.roster), school: DaemonFixture.school.school,
            planner: fixture.state.school.planner(channels: [.email, .sms, .voice]), now: early))
        #expect(byHand.queued.count > 10)

        let next = try await fixture.scheduler().pass(now: sends[0].at.addingTimeInterval(-60), reconcile: true)
        #expect(next == sends[0].at)
        _ = try await fixture.scheduler().pass(now: sends[0].at.addingTimeInterval(1), reconcile: false)
        let rows = try await fixture.outbox.deliveries(matching: DeliveryQuery(eventID: concert.id))
        #expect(rows.count == byHand.queued.count)
        #expect(Set(rows.map(\.key.occurrence)) == [sends[0].occurrence])
        #expect(try await fixture.journal.scheduleEntries(eventID: concert.id).map(\.outcome) == [.queued])

        // A restart: a new scheduler over the same stores, reconciling first.
        _ = try await fixture.scheduler().pass(now: sends[0].at.addingTimeInterval(120), reconcile: true)
        #expect(try await fixture.outbox.deliveries(matching: DeliveryQuery(eventID: concert.id)).count == byHand.queued.count)
    }

    /// Down over both of the concert's sends: the reminder goes, the announcement is recorded as superseded.
    @Test func afterDowntimeOnlyTheLatestSendGoes() async throws {
        let fixture = try DaemonFixture()
        _ = try await fixture.scheduler().pass(now: sends[1].at.addingTimeInterval(300), reconcile: true)
        let rows = try await fixture.outbox.deliveries(matching: DeliveryQuery(eventID: concert.id))
        #expect(!rows.isEmpty && Set(rows.map(\.key.occurrence)) == [sends[1].occurrence])
        let entries = try await fixture.journal.scheduleEntries(eventID: concert.id)
        #expect(entries.map(\.outcome) == [.skipped, .queued])
    }
}

@Suite struct AlertDeskTests {
    /// The reported failure: rounds missed during downtime were all sent together on restart (the nurse got two
    /// alerts 0.1 s apart). Now they collapse into the current round, once.
    @Test func roundsMissedWhileStoppedCollapseIntoOne() async throws {
        let fixture = try DaemonFixture()
        let raisedAt = ISO8601DateFormatter().date(from: "2026-12-02T16:00:00Z")!
        let student = "S002"
        let receipt = try await fixture.desk(at: raisedAt).raise(AlertRequest(student: student, kind: "accident", note: "A test"))
        let alert = try #require(try await fixture.journal.alert(receipt.id))
        #expect(try await fixture.journal.rounds(alertID: alert.id).map(\.round) == ["step-1"])
        // The daemon was down from 16:00:30 to 16:03:10: steps 2 (1 min) and 3 (2 min) and the first repeat (4 min,
        // not yet) — steps 2 and 3 go as one round.
        let later = raisedAt.addingTimeInterval(190)
        _ = try await fixture.desk(at: later).escalate(alert, now: later)
        let rounds = try await fixture.journal.rounds(alertID: alert.id)
        #expect(rounds.map(\.round).sorted() == ["step-1", "step-2", "step-3"])
        #expect(rounds.first { $0.round == "step-2" }?.recipients == [])
        let occurrences = Set(try await fixture.outbox.deliveries(matching: DeliveryQuery(eventID: alert.id)).map(\.key.occurrence))
        #expect(occurrences == [alert.occurrence(round: "step-1"), alert.occurrence(round: "step-3")])
        // The current round reached every guardian and the staff on call.
        let reached = Set(rounds.first { $0.round == "step-3" }?.recipients ?? [])
        let guardians = Set(DaemonFixture.school.roster.guardians(of: student).map(\.id))
        #expect(guardians.isSubset(of: reached))
        #expect(reached.contains { $0.hasPrefix("staff:") })
    }
}

@Suite struct AlertNoteTranslationTests {
    /// The office may give the note in the family's language: they read it as written, nothing marked as another
    /// language; the journal keeps the versions.
    @Test func aNoteGivenInTheFamilysLanguageReachesThemAsWritten() async throws {
        let fixture = try DaemonFixture()
        let raisedAt = ISO8601DateFormatter().date(from: "2026-12-02T16:00:00Z")!
        let english = "Lucía has a temperature and is resting in the medical room."
        let spanish = "Lucía tiene fiebre y está descansando en la enfermería."
        let receipt = try await fixture.desk(at: raisedAt).raise(
            AlertRequest(student: "S036", kind: "sickness", note: english, noteTranslations: ["es": spanish]))
        let alert = try #require(try await fixture.journal.alert(receipt.id))
        #expect(alert.noteText == LocalizedText(english, translations: ["es": spanish]))
        let email = try #require(try await fixture.outbox.deliveries(matching: DeliveryQuery(eventID: receipt.id)).first {
            $0.key.guardianID == "G048" && $0.key.channel == .email
        })
        #expect(email.message.text.contains(spanish))
        #expect(!email.message.text.contains(english))
        #expect(email.message.html?.contains("lang=\"en") != true, "nothing in the letter is another language's")

        await #expect(throws: AdminRequestError.self) {
            try await fixture.desk(at: raisedAt).raise(AlertRequest(student: "S036", kind: "sickness", note: "x", noteTranslations: ["not a tag": "y"]))
        }
        await #expect(throws: AdminRequestError.self) {
            try await fixture.desk(at: raisedAt).raise(AlertRequest(student: "S036", kind: "sickness", noteTranslations: ["es": spanish]))
        }
        // Two keys for one language: refused, not one of them silently kept.
        await #expect(throws: AdminRequestError.self) {
            try await fixture.desk(at: raisedAt).raise(
                AlertRequest(student: "S036", kind: "sickness", note: english, noteTranslations: ["es": spanish, "ES": "otra"]))
        }
        // Liaison's own mark characters in a note cannot open, close or forge a language run.
        let forged = try await fixture.desk(at: raisedAt.addingTimeInterval(5)).raise(AlertRequest(
            student: "S036", kind: "sickness", note: "Fever \u{E012}\u{E010}so\u{E011}x", noteTranslations: ["es": "Fiebre\u{E012}"]))
        let stored = try #require(try await fixture.journal.alert(forged.id))
        #expect(stored.note == "Fever sox" && stored.noteTranslations["es"] == "Fiebre")
    }
}

@Suite struct AlertReceiptTests {
    /// Reported: POST /v1/alerts answered 201 listing a guardian as notified when nothing could be queued for them.
    /// The receipt now lists what was queued per guardian and channel, and who cannot be reached and why.
    @Test func aGuardianNothingCouldBeQueuedForIsListedAsUnreachableNotNotified() async throws {
        let student = "S002"
        var snapshot = DaemonFixture.school
        let roster = snapshot.roster
        let guardians = roster.guardians(of: student).map(\.id)
        let silent = try #require(guardians.first)
        snapshot.roster = Roster(
            families: roster.families,
            guardians: roster.guardians.map { guardian in
                guard guardian.id == silent else { return guardian }
                var unreachable = guardian
                unreachable.email = nil
                unreachable.phone = nil
                return unreachable
            },
            students: roster.students, guardianships: roster.guardianships)
        let fixture = try DaemonFixture(school: snapshot)
        let raisedAt = ISO8601DateFormatter().date(from: "2026-12-02T16:00:00Z")!
        let receipt = try await fixture.desk(at: raisedAt).raise(AlertRequest(student: student, kind: "sickness", note: "Fever"))
        #expect(!receipt.notified.contains(silent))
        #expect(receipt.unreachable.map(\.guardian) == [silent])
        #expect(receipt.unreachable.first?.reason.contains("address") == true)
        #expect(receipt.deliveries == receipt.queued.count)
        #expect(Set(receipt.queued.map(\.guardian)) == Set(receipt.notified))
        let rows = try await fixture.outbox.deliveries(matching: DeliveryQuery(eventID: receipt.id))
        #expect(Set(rows.filter { !$0.key.guardianID.hasPrefix("staff:") }.map { "\($0.key.guardianID)/\($0.key.channel.rawValue)" })
            == Set(receipt.queued.map { "\($0.guardian)/\($0.channel)" }))
    }
}

@Suite struct PartialSendTests {
    /// Reviewed failure: `liaison send --only G` recorded the occurrence in the journal, so the scheduler skipped it
    /// for everyone else. The queuer and the scheduler now meet only in the outbox: a partial send records nothing,
    /// and the scheduled send reaches the rest (and not G again).
    @Test func aSendToOneGuardianLeavesTheScheduledSendToTheRest() async throws {
        let fixture = try DaemonFixture()
        let concert = DaemonFixture.school.event("winter-concert-2026")!
        let send = SendSchedule.sends(for: concert)[0]
        let audience = concert.audience.recipients(in: DaemonFixture.school.roster)
        let one = try #require(audience.first)
        let early = send.at.addingTimeInterval(-3600)
        let byHand = try await fixture.queuing.queuer.queue(Queuer.Request(
            occurrence: .forSendByHand(concert, now: early), event: concert, recipients: [one],
            school: DaemonFixture.school.school, planner: fixture.state.school.planner(channels: [.email, .sms, .voice]), now: early))
        #expect(byHand.queued.count >= 1)
        _ = try await fixture.scheduler().pass(now: send.at.addingTimeInterval(1), reconcile: true)
        let rows = try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: send.occurrence))
        let perGuardian = Dictionary(grouping: rows, by: \.key.guardianID)
        #expect(perGuardian.count >= audience.count - 2)
        #expect(perGuardian[one.guardian.id]?.count == byHand.queued.count)
    }
}

@Suite struct UrgentGateTests {
    /// Normal work waits while urgent work runs and resumes when it ends; urgent work that outlasts the longest pause
    /// does not hold normal work back for good.
    @Test func normalWorkWaitsForUrgentWorkButIsNeverStarved() async throws {
        let gate = UrgentGate(longestPause: .seconds(30))
        let release = Locked(false)
        #expect(gate.isClear)
        async let urgent: Void = gate.urgent {
            while !release.value { try? await Task.sleep(for: .milliseconds(5)) }
        }
        while gate.isClear { try await Task.sleep(for: .milliseconds(1)) }
        async let waiting: Bool = {
            await gate.waitUntilClear()
            return release.value
        }()
        try await Task.sleep(for: .milliseconds(50))
        release.value = true
        #expect(await waiting, "the wait ended only once the urgent work was done")
        await urgent
        #expect(gate.isClear)

        let short = UrgentGate(longestPause: .milliseconds(50))
        let end = Locked(false)
        async let long: Void = short.urgent {
            while !end.value { try? await Task.sleep(for: .milliseconds(5)) }
        }
        while short.isClear { try await Task.sleep(for: .milliseconds(1)) }
        await short.waitUntilClear()
        #expect(!short.isClear, "the wait gave up while the urgent work still ran")
        end.value = true
        await long
    }
}

/// A permission slip's reminder queued before a household answered (held by quiet hours, say) is withdrawn at the
/// next reload's check, and the rest are rendered again for the children still to answer.
@Suite struct AnsweredMeanwhileTests {
    @Test func aReminderQueuedBeforeTheAnswerIsWithdrawnAtTheNextCheck() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try DaemonFixture(forms: forms)
        let trip = try #require(DaemonFixture.school.event("year4-museum-trip"))
        let consent = try #require(trip.consent)
        let invitation = SendSchedule.sends(for: trip)[0]
        let reminder = SendSchedule.sends(for: trip)[1]
        _ = try await fixture.scheduler().pass(now: invitation.at, reconcile: false)
        _ = try await fixture.scheduler().pass(now: reminder.at, reconcile: false)
        let queued = try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: reminder.occurrence))
        #expect(!queued.isEmpty)
        // One guardian's household answers for every child of theirs after the reminder was queued.
        let recipients = trip.audience.recipients(in: DaemonFixture.school.roster)
        let answering = try #require(recipients.first)
        let records = answering.students.map {
            ConsentRecord(
                eventID: trip.id, studentID: $0.id, familyID: answering.guardian.familyID, guardianID: answering.guardian.id,
                decision: .given, typedName: "A Parent", answeredAt: reminder.at)
        }
        #expect(try await forms.recordConsent(records, deadline: consent.deadline, now: reminder.at))
        _ = try await fixture.scheduler().pass(now: reminder.at.addingTimeInterval(60), reconcile: true)
        let after = try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: reminder.occurrence))
        let householdGuardians = Set(recipients.filter { recipient in
            recipient.guardian.familyID == answering.guardian.familyID && recipient.students.allSatisfy { child in records.contains { $0.studentID == child.id } }
        }.map(\.guardian.id))
        #expect(!householdGuardians.isEmpty)
        for delivery in after where householdGuardians.contains(delivery.key.guardianID) {
            #expect(delivery.state == .cancelled, "\(delivery.key)")
        }
        #expect(after.contains { !householdGuardians.contains($0.key.guardianID) && $0.state == .queued })
    }
}
