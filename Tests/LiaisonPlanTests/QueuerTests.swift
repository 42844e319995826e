import Foundation
import LiaisonCheck
import LiaisonModel
import LiaisonPlan
import LiaisonStore
import Testing

/// The repository root, from this file's place in it.
func repositoryPath(_ relative: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(relative).path
}

/// The demo school, loaded once for every test here.
let demoSchool: SchoolSnapshot = {
    let now = ISO8601DateFormatter().date(from: "2026-11-23T09:00:00Z")!
    let (snapshot, report) = SchoolLoader.load(configPath: repositoryPath("examples/demo-school/liaison.yaml"), now: now)
    precondition(report.passed, report.text())
    return snapshot!
}()

func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

/// A queuer over in-memory stores for the demo school, as `liaison send` and the daemon build theirs.
struct QueuerFixture {
    let outbox: SQLiteOutboxStore
    let ledger: SQLiteAckLedger
    let queuer: Queuer
    let planner: Planner

    init(chunkSize: Int = 250) throws {
        outbox = try SQLiteOutboxStore.inMemory()
        ledger = try SQLiteAckLedger.inMemory()
        queuer = Queuer(outbox: outbox, links: Links(ledger: ledger, school: demoSchool.school), chunkSize: chunkSize, firstChunkSize: 5)
        planner = Planner(
            renderer: demoSchool.renderer, roster: demoSchool.roster, progress: demoSchool.progressByStudent, available: [.email, .sms])
    }

    func request(_ occurrence: Occurrence, _ event: Event, now: Date, only: Set<String>? = nil) -> Queuer.Request {
        let recipients = event.audience.recipients(in: demoSchool.roster).filter { only?.contains($0.guardian.id) ?? true }
        return Queuer.Request(occurrence: occurrence, event: event, recipients: recipients, school: demoSchool.school, planner: planner, now: now)
    }
}

@Suite struct OccurrenceTests {
    let concert = demoSchool.events.first { $0.id == "winter-concert-2026" }!

    /// Sent by hand, an event takes the send the scheduler has due, or its next one: the same key either way.
    @Test func aSendByHandIsTheScheduledOccurrenceDueOrNext() {
        let planned = SendSchedule.sends(for: concert)
        #expect(planned.count == 2)
        // Before the announcement is due: the announcement itself, early.
        let early = Occurrence.forSendByHand(concert, now: date("2026-11-25T10:00:00Z"))
        #expect(early.id == planned[0].occurrence && early.kind == .scheduled)
        #expect(early.id == "winter-concert-2026@2026-12-02T16:00:00Z")
        // Between the announcement and the reminder: the announcement (what the scheduler has due).
        #expect(Occurrence.forSendByHand(concert, now: date("2026-12-10T10:00:00Z")).id == planned[0].occurrence)
        // After the reminder's time: the reminder.
        #expect(Occurrence.forSendByHand(concert, now: date("2026-12-15T18:30:00Z")).id == planned[1].occurrence)
    }

    @Test func anEventTheScheduleNeverSendsIsItsOwnOccurrence() {
        var handOnly = concert
        handOnly.plan = NotificationPlan()
        let occurrence = Occurrence.forSendByHand(handOnly, now: date("2026-11-25T10:00:00Z"))
        #expect(occurrence.id == "winter-concert-2026" && occurrence.kind == .manual)
    }

    @Test func kindsAreReadBackFromIDs() {
        #expect(Occurrence.kind(of: "winter-concert-2026@2026-12-02T16:00:00Z") == .scheduled)
        #expect(Occurrence.kind(of: "open-day") == .manual)
        #expect(Occurrence.kind(of: "open-day#resend-2") == .resend(of: "open-day", number: 2))
        #expect(Occurrence.kind(of: "a@2026-12-02T16:00:00Z#resend-1") == .resend(of: "a@2026-12-02T16:00:00Z", number: 1))
        #expect(Occurrence.kind(of: "alert-S014-20261202T101500Z#step-1") == .alertRound("step-1"))
        let original = Occurrence.forSendByHand(concert, now: date("2026-11-25T10:00:00Z"))
        let resend = Occurrence.resend(of: original, number: 3, at: date("2026-11-26T10:00:00Z"))
        #expect(Occurrence.kind(of: resend.id) == resend.kind)
    }
}

@Suite struct QueuerTests {
    let concert = demoSchool.events.first { $0.id == "winter-concert-2026" }!

    /// The reported failure: `liaison send` keyed its rows by the bare event id and the daemon by `event@time`, so a
    /// manual send followed by the scheduled one reached every family twice. Both go through the queuer now.
    @Test func aSendByHandThenTheScheduledSendReachesNobodyTwice() async throws {
        let fixture = try QueuerFixture()
        let byHand = Occurrence.forSendByHand(concert, now: date("2026-11-25T10:00:00Z"))
        let first = try await fixture.queuer.queue(fixture.request(byHand, concert, now: date("2026-11-25T10:00:00Z")))
        let audience = concert.audience.recipients(in: demoSchool.roster)
        #expect(first.queued.count >= audience.count - first.problems.count)
        #expect(first.queued.count > 10)
        #expect(first.alreadyQueued == 0)

        // The scheduler, when the announcement comes due.
        let send = SendSchedule.sends(for: concert)[0]
        let scheduled = try await fixture.queuer.queue(fixture.request(.scheduled(send), concert, now: send.at))
        #expect(scheduled.queued.isEmpty)
        #expect(scheduled.alreadyQueued == first.queued.count)
        #expect(try await fixture.outbox.counts(eventID: concert.id)[.queued] == first.queued.count)
        // One acknowledgement link per guardian: the second pass issued none.
        let keys = try await fixture.outbox.queuedKeys(occurrence: send.occurrence)
        #expect(keys.count == first.queued.count)

        // A deliberate resend is a new occurrence: everyone again, once.
        let resend = Occurrence.resend(of: byHand, number: 1, at: date("2026-11-26T10:00:00Z"))
        let again = try await fixture.queuer.queue(fixture.request(resend, concert, now: date("2026-11-26T10:00:00Z")))
        #expect(again.queued.count == first.queued.count)
        #expect(again.queued.allSatisfy { $0.occurrence == "winter-concert-2026@2026-12-02T16:00:00Z#resend-1" })
    }

    /// Recipients already queued are left out before rendering: a restart after a crash goes straight to the new ones.
    @Test func onlyRecipientsNotQueuedYetAreRenderedAndQueued() async throws {
        let fixture = try QueuerFixture(chunkSize: 7)
        let occurrence = Occurrence.forSendByHand(concert, now: date("2026-11-25T10:00:00Z"))
        let audience = concert.audience.recipients(in: demoSchool.roster)
        let some = Set(audience.prefix(9).map(\.guardian.id))
        let first = try await fixture.queuer.queue(fixture.request(occurrence, concert, now: date("2026-11-25T10:00:00Z"), only: some))
        #expect(Set(first.queued.map(\.guardianID)).isSubset(of: some))
        let chunks = Locked<[Int]>([])
        let second = try await fixture.queuer.queue(fixture.request(occurrence, concert, now: date("2026-11-25T10:01:00Z")), onChunk: { chunk in
            chunks.withLock { $0.append(chunk.planned) }
            return true
        })
        #expect(Set(second.queued.map(\.guardianID)).isDisjoint(with: some))
        #expect(first.queued.count + second.queued.count == audience.count - second.problems.count)
        // Only the rest was planned (rendered), in a first chunk of 5 and then chunks of 7.
        #expect(chunks.value.reduce(0, +) == second.queued.count)
        #expect(chunks.value.first == 5)
        #expect(chunks.value.dropFirst().dropLast().allSatisfy { $0 == 7 })
    }

    /// Claimed as queued (for a caller that sends at once), under the caller's lease, with a fencing token.
    @Test func claimingQueuesAndClaimsUnderTheLease() async throws {
        let fixture = try QueuerFixture()
        let now = date("2026-12-02T16:00:00Z")
        let occurrence = Occurrence.forSendByHand(concert, now: now)
        let lease = ClaimLease(owner: "sender-1", expires: Date().addingTimeInterval(60))
        let claimed = Locked<[Delivery]>([])
        let outcome = try await fixture.queuer.queue(fixture.request(occurrence, concert, now: now), claim: { lease }, onChunk: { chunk in
            claimed.withLock { $0 += chunk.claimed }
            return true
        })
        #expect(claimed.value.count == outcome.queued.count)
        #expect(claimed.value.allSatisfy { $0.state == .sending && $0.claim?.owner == "sender-1" && $0.claim?.token != nil })
        #expect(try await fixture.outbox.counts(eventID: concert.id)[.sending] == outcome.queued.count)
    }

    /// A caller that stops taking chunks stops the queuing: what was queued stays, the rest is not queued.
    @Test func aCallerThatStopsStopsTheQueuing() async throws {
        let fixture = try QueuerFixture(chunkSize: 5)
        let now = date("2026-11-25T10:00:00Z")
        let outcome = try await fixture.queuer.queue(fixture.request(.forSendByHand(concert, now: now), concert, now: now), onChunk: { _ in false })
        #expect(outcome.stoppedEarly)
        #expect(outcome.queued.count <= 5)
        #expect(try await fixture.outbox.counts(eventID: concert.id)[.queued] == outcome.queued.count)
    }
}

@Suite struct OptOutQueuerTests {
    /// After one-click unsubscribe, the next newsletter skips that guardian only; other kinds of message and urgent
    /// ones still reach them.
    @Test func theNextNewsletterSkipsOnlyWhoUnsubscribed() async throws {
        let fixture = try QueuerFixture()
        let newsletter = try #require(demoSchool.events.first { $0.kind == .newsletter })
        let now = newsletter.start.addingTimeInterval(-86_400 * 2)
        let first = try await fixture.queuer.queue(fixture.request(.forSendByHand(newsletter, now: now), newsletter, now: now))
        #expect(first.optedOut == 0 && first.queued.count > 2)
        let rows = try await fixture.outbox.deliveries(matching: DeliveryQuery(eventID: newsletter.id))
        let leaving = try #require(rows.first { $0.key.channel == .email })
        // The stored letter carries a placeholder, not a live token; the token is drawn when it is sent.
        #expect(leaving.message.unsubscribeURL == Links.base(demoSchool.school) + "/u/" + LinkPlaceholder.unsubscribe)
        let request = try #require(leaving.message.linkRequests(key: leaving.key, eventID: leaving.eventID).unsubscribe)
        let drawn = try await fixture.ledger.issueTokens([request], now: now)
        let sent = leaving.message.withLinkTokens(ack: nil, unsubscribe: drawn[0])
        // Its unsubscribe link is opaque, and leads to the guardian.
        let url = try #require(sent.unsubscribeURL)
        #expect(url.hasPrefix(Links.base(demoSchool.school) + "/u/") && !url.contains(leaving.key.guardianID))
        #expect(!url.contains(LinkPlaceholder.unsubscribe))
        let token = String(url.split(separator: "/").last!)
        let link = try #require(try await fixture.ledger.unsubscribeLink(forToken: token))
        #expect(link.guardianID == leaving.key.guardianID && link.category == .newsletters)
        #expect(try await fixture.ledger.optOut(guardianID: link.guardianID, category: .newsletters, via: "link", at: now))

        // The next issue: everyone but them.
        let resend = Occurrence.resend(of: .forSendByHand(newsletter, now: now), number: 1, at: now)
        let next = try await fixture.queuer.queue(fixture.request(resend, newsletter, now: now))
        #expect(next.optedOut == 1)
        #expect(Set(next.queued.map(\.guardianID)) == Set(first.queued.map(\.guardianID)).subtracting([link.guardianID]))

        // An announcement still reaches them; so does anything urgent.
        let concert = try #require(demoSchool.events.first { $0.id == "winter-concert-2026" })
        #expect(MessageCategory.optional(for: concert) == nil)
        var urgentNewsletter = newsletter
        urgentNewsletter.priority = .urgent
        #expect(MessageCategory.optional(for: urgentNewsletter) == nil)
    }
}
