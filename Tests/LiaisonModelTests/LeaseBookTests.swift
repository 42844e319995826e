import Foundation
import LiaisonModel
import Testing

@Suite struct LeaseBookTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func claimed(_ token: Int64, count: Int) -> [Delivery] {
        (0..<count).map { index in
            Delivery(
                key: DeliveryKey(occurrence: "e", guardianID: "g\(token)-\(index)", channel: .email), eventID: "e", address: "a@example.org",
                recipientName: "A", state: .sending, attempts: 1, notBefore: t0, createdAt: t0,
                message: OutboundMessage(subject: "s", text: "t", language: "en"),
                claim: DeliveryClaim(owner: "me", token: token, expires: t0.addingTimeInterval(60)))
        }
    }

    /// Renewals come a third of the way into a lease, for the tokens still in flight, a full lease ahead.
    @Test func renewsWhatIsInFlightAThirdOfTheWayIn() {
        var book = LeaseBook(owner: "me", duration: .seconds(60))
        #expect(book.lease(now: t0) == ClaimLease(owner: "me", expires: t0.addingTimeInterval(60)))
        #expect(book.renewal(now: t0) == nil)
        book.claimed(claimed(7, count: 3) + claimed(9, count: 1), now: t0)
        #expect(book.tokens == [7, 9])
        #expect(book.renewal(now: t0.addingTimeInterval(19)) == nil)
        let due = book.renewal(now: t0.addingTimeInterval(20))
        #expect(due?.tokens == [7, 9])
        #expect(due?.until == t0.addingTimeInterval(80))
        book.renewed(at: t0.addingTimeInterval(20))
        #expect(book.renewal(now: t0.addingTimeInterval(39)) == nil)
        #expect(book.renewal(now: t0.addingTimeInterval(40))?.tokens == [7, 9])
    }

    /// A token leaves the book once every row claimed under it is settled; then nothing is renewed for it, and rows
    /// whose results were never recorded run out of lease and are recovered.
    @Test func aTokenLeavesOnceAllItsRowsAreSettled() {
        var book = LeaseBook(owner: "me", duration: .seconds(30))
        book.claimed(claimed(1, count: 2) + claimed(2, count: 1), now: t0)
        book.settled(token: 1)
        #expect(book.tokens == [1, 2])
        book.settled(token: 1)
        #expect(book.tokens == [2])
        book.settled(token: 1)  // once too often: nothing happens
        book.settled(token: nil)
        #expect(book.tokens == [2])
        book.settled(token: 2)
        #expect(book.tokens.isEmpty)
        #expect(book.renewal(now: t0.addingTimeInterval(3600)) == nil)
    }

    /// Rows claimed without a claim (a store that does not lease) are never on the book.
    @Test func rowsWithoutAClaimAreNotHeld() {
        var book = LeaseBook(owner: "me", duration: .seconds(30))
        var row = claimed(1, count: 1)[0]
        row.claim = nil
        book.claimed([row], now: t0)
        #expect(book.tokens.isEmpty)
    }
}

@Suite struct EscalationCollapseTests {
    let raised = Date(timeIntervalSince1970: 1_800_000_000)

    /// After downtime the rounds missed go out once, as the latest, reaching everyone they would have reached.
    @Test func roundsMissedDuringDowntimeCollapseIntoTheCurrentOne() throws {
        let policy = EscalationPolicy.standard
        // Up at once: only the first round.
        let first = try #require(policy.roundToRun(raisedAt: raised, now: raised, acknowledgedAt: nil, done: []))
        #expect(first.round.id == "step-1" && first.collapsed.isEmpty)
        // Down from 1 minute to 25 minutes: steps 2 and 3 are due together: one round, both targets.
        let late = try #require(policy.roundToRun(raisedAt: raised, now: raised.addingTimeInterval(1500), acknowledgedAt: nil, done: ["step-1"]))
        #expect(late.round.id == "step-3")
        #expect(late.round.targets == [.allGuardians, .staffOnCall])
        #expect(late.collapsed.map(\.id) == ["step-2"])
        // Everything done: nothing; acknowledged: nothing.
        #expect(policy.roundToRun(raisedAt: raised, now: raised.addingTimeInterval(1500), acknowledgedAt: nil, done: ["step-1", "step-2", "step-3"]) == nil)
        #expect(policy.roundToRun(raisedAt: raised, now: raised.addingTimeInterval(1500), acknowledgedAt: raised, done: []) == nil)
        // Down for two hours: one repeat reaching every target, the rest collapsed into it.
        let repeated = try #require(policy.roundToRun(raisedAt: raised, now: raised.addingTimeInterval(7200), acknowledgedAt: nil, done: ["step-1"]))
        #expect(repeated.round.id == "repeat-4")
        #expect(repeated.round.targets == [.primaryGuardians, .allGuardians, .staffOnCall])
        #expect(repeated.collapsed.map(\.id) == ["step-2", "step-3", "repeat-1", "repeat-2", "repeat-3"])
    }
}

@Suite struct ChannelRecoveryTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// The first success after the channel was unavailable ends the outage and says since when; problems of a
    /// message (a full mailbox, a refused address) neither start nor end one.
    @Test func theFirstSuccessAfterAnOutageEndsIt() {
        var recovery = ChannelRecovery()
        #expect(recovery.record(.worked, on: .email, at: t0) == nil)
        #expect(recovery.record(.other, on: .email, at: t0) == nil)
        #expect(!recovery.isFailing(.email))
        #expect(recovery.record(.unavailable, on: .email, at: t0.addingTimeInterval(5)) == nil)
        #expect(recovery.record(.unavailable, on: .email, at: t0.addingTimeInterval(9)) == nil)
        #expect(recovery.record(.unavailable, on: .sms, at: t0.addingTimeInterval(7)) == nil)
        #expect(recovery.record(.other, on: .email, at: t0.addingTimeInterval(10)) == nil)
        #expect(recovery.isFailing(.email))
        #expect(recovery.record(.worked, on: .email, at: t0.addingTimeInterval(20)) == t0.addingTimeInterval(5))
        #expect(recovery.record(.worked, on: .email, at: t0.addingTimeInterval(21)) == nil)
        #expect(recovery.isFailing(.sms))
    }
}

@Suite struct LinkSecurityTests {
    @Test func httpsAnywhereLoopbackHTTPHereOnly() {
        #expect(LinkSecurity("https://liaison.riverside.example/u/x") == .https)
        #expect(LinkSecurity("HTTPS://liaison.riverside.example") == .https)
        #expect(LinkSecurity("http://127.0.0.1:8080/u/x") == .loopback)
        #expect(LinkSecurity("http://localhost:8080") == .loopback)
        #expect(LinkSecurity("http://[::1]:8080/") == .loopback)
        #expect(LinkSecurity("http://liaison.riverside.example/u/x") == .insecure)
        #expect(LinkSecurity("http://127.0.0.1.evil.example/") == .insecure)
        #expect(LinkSecurity("ftp://127.0.0.1/") == .insecure)
        #expect(LinkSecurity("https:///nohost") == .insecure)
        #expect(LinkSecurity("not a url") == .insecure)
    }
}

@Suite struct LeaseHoldTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A sender checks its claim before sending: held while on the book and within its lease as claimed or renewed.
    @Test func aClaimIsHeldWithinItsLeaseAndWhileOnTheBook() {
        var book = LeaseBook(owner: "me", duration: .seconds(30))
        let claim = DeliveryClaim(owner: "me", token: 5, expires: t0.addingTimeInterval(30))
        let row = Delivery(
            key: DeliveryKey(occurrence: "e", guardianID: "g", channel: .email), eventID: "e", address: "a@example.org",
            recipientName: "A", state: .sending, attempts: 1, notBefore: t0, createdAt: t0,
            message: OutboundMessage(subject: "s", text: "t", language: "en"), claim: claim)
        #expect(!book.holds(claim, at: t0))  // not on the book yet
        book.claimed([row], now: t0)
        #expect(book.holds(claim, at: t0.addingTimeInterval(29)))
        #expect(!book.holds(claim, at: t0.addingTimeInterval(30)))  // paused past its lease, never renewed
        book.renewed(at: t0.addingTimeInterval(20))
        #expect(book.holds(claim, at: t0.addingTimeInterval(49)))
        #expect(!book.holds(claim, at: t0.addingTimeInterval(50)))
        #expect(!book.holds(DeliveryClaim(owner: "other", token: 5, expires: t0.addingTimeInterval(60)), at: t0))
        book.settled(token: 5)
        #expect(!book.holds(claim, at: t0.addingTimeInterval(21)))
    }
}
