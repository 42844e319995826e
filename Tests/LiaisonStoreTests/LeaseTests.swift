import Foundation
import LiaisonModel
import Testing
@testable import LiaisonStore

/// Claims with owners, leases and fencing tokens: two processes on one outbox file.
@Suite struct LeaseTests {
    /// The reported failure: a second process took the first one's rows in flight for crash leftovers and sent them
    /// again. Rows under a live lease are left alone; once it has run out they are taken back.
    @Test func aLiveLeaseIsNeverTakenForACrashLeftover() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let first = try SQLiteOutboxStore(path: folder.storePath)
        let second = try SQLiteOutboxStore(path: folder.storePath)
        _ = try await first.enqueue((0..<6).map { makeDelivery(key("e", "g\($0)"), createdAt: at(Double($0))) })
        let held = try await first.claim(
            limit: 4, channels: nil, priority: nil, now: at(10), lease: ClaimLease(owner: "first", expires: at(70)))
        #expect(held.count == 4)
        #expect(held.allSatisfy { $0.claim?.owner == "first" && $0.claim?.expires == at(70) })
        #expect(Set(held.compactMap(\.claim?.token)).count == 1)

        // The second process starts: nothing of the first's is recovered, and it claims only the rest.
        #expect(try await second.recoverExpired(leaseNow: at(20), gone: []) == 0)
        let rest = try await second.claim(limit: 10, channels: nil, priority: nil, now: at(20), lease: ClaimLease(owner: "second", expires: at(80)))
        #expect(rest.map(\.key.guardianID) == ["g4", "g5"])
        #expect(rest[0].claim!.token > held[0].claim!.token)

        // The first renews; its lease now runs to 130.
        #expect(try await first.renew(owner: "first", tokens: [held[0].claim!.token], until: at(130)) == 4)
        #expect(try await second.renew(owner: "second", tokens: [held[0].claim!.token], until: at(999)) == 0)
        #expect(try await second.recoverExpired(leaseNow: at(100), gone: []) == 2)  // the second's own rows ran out at 80
        #expect(try await second.delivery(key("e", "g0"))?.state == .sending)

        // The first stops renewing (hung): at 130 its rows are taken back, due as before, and claimed again.
        #expect(try await second.recoverExpired(leaseNow: at(130), gone: []) == 4)
        let again = try await second.claim(limit: 10, channels: nil, priority: nil, now: at(131), lease: ClaimLease(owner: "second", expires: at(191)))
        #expect(again.map(\.key.guardianID) == ["g0", "g1", "g2", "g3", "g4", "g5"])

        // The hung first process wakes up and reports: its results are fenced off.
        try await first.complete(held.map { result($0, .sent) })
        #expect(try await second.counts(eventID: nil)[.sent] == 0)
        try await second.complete(again.map { result($0, .sent) })
        #expect(try await second.counts(eventID: nil)[.sent] == 6)
        #expect(try await first.attempts(for: key("e", "g0")).map(\.outcome) == [.interrupted, .sent])
    }

    /// An owner known to be gone loses its rows at once, its lease notwithstanding; others keep theirs.
    @Test func anOwnerKnownGoneLosesItsRowsAtOnce() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue((0..<4).map { makeDelivery(key("e", "g\($0)")) })
        _ = try await store.claim(limit: 2, channels: nil, priority: nil, now: at(1), lease: ClaimLease(owner: "killed", expires: at(61)))
        _ = try await store.claim(limit: 2, channels: nil, priority: nil, now: at(1), lease: ClaimLease(owner: "alive", expires: at(61)))
        #expect(try await store.claimOwners() == ["killed", "alive"])
        #expect(try await store.recoverExpired(leaseNow: at(2), gone: ["killed"]) == 2)
        #expect(try await store.claimOwners() == ["alive"])
    }

    /// Recovered rows keep their due time, so they are sent before anything queued after them.
    @Test func recoveredRowsGoFirst() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([makeDelivery(key("e", "early"), notBefore: at(0))])
        _ = try await store.claim(limit: 1, channels: nil, priority: nil, now: at(1), lease: ClaimLease(owner: "crashed", expires: at(2)))
        _ = try await store.enqueue([makeDelivery(key("e", "later"), notBefore: at(5))])
        #expect(try await store.recoverExpired(leaseNow: at(10), gone: []) == 1)
        let next = try await store.claim(limit: 1, channels: nil, priority: nil, now: at(10), lease: ClaimLease(owner: "me", expires: at(70)))
        #expect(next.map(\.key.guardianID) == ["early"])
    }

    /// Lanes: a claim of one priority takes only that priority.
    @Test func aClaimCanBeLimitedToOnePriority() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([
            makeDelivery(key("e", "n1"), priority: .normal), makeDelivery(key("e", "u1"), priority: .urgent),
            makeDelivery(key("e", "n2"), priority: .normal),
        ])
        let lease = ClaimLease(owner: "me", expires: at(60))
        #expect(try await store.claim(limit: 10, channels: nil, priority: .normal, now: at(1), lease: lease).map(\.key.guardianID) == ["n1", "n2"])
        #expect(try await store.claim(limit: 10, channels: nil, priority: .normal, now: at(1), lease: lease).isEmpty)
        #expect(try await store.claim(limit: 10, channels: nil, priority: .urgent, now: at(1), lease: lease).map(\.key.guardianID) == ["u1"])
    }

    /// Rows left `sending` by a Liaison from before leases have none, and count as run out.
    @Test func rowsWithoutALeaseAreRecovered() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([makeDelivery(key("e", "old"))])
        _ = try await store.claim(limit: 1, channels: nil, priority: nil, now: at(1), lease: ClaimLease(owner: "me", expires: at(600)))
        try await store.execute("UPDATE deliveries SET lease_until = NULL, claim_owner = NULL, claim_token = NULL")
        #expect(try await store.recoverExpired(leaseNow: at(2), gone: []) == 1)
    }

    /// `queuedKeys` lists an occurrence's keys in any state, without reading messages.
    @Test func queuedKeysListAnOccurrence() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([makeDelivery(key("a@1", "g1")), makeDelivery(key("a@1", "g2", .sms)), makeDelivery(key("a@2", "g1"))])
        _ = try await store.cancel(matching: DeliveryQuery(guardianID: "g1"), reason: "test", now: at(1))
        #expect(try await store.queuedKeys(occurrence: "a@1") == [key("a@1", "g1"), key("a@1", "g2", .sms)])
        #expect(try await store.queuedKeys(occurrence: "a@3").isEmpty)
    }
}

@Suite struct ExpediteTests {
    /// After an outage, what a channel deferred during it is made due; other channels, and what was deferred before
    /// the outage, keep their times.
    @Test func retriesOfTheOutageBecomeDueNow() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([
            makeDelivery(key("e", "before")), makeDelivery(key("e", "during")), makeDelivery(key("e", "sms", .sms)),
        ])
        let claimed = try await store.claim(limit: 3, channels: nil, now: at(0))
        let byGuardian = Dictionary(uniqueKeysWithValues: claimed.map { ($0.key.guardianID, $0) })
        try await store.complete([result(byGuardian["before"]!, .retry, notBefore: at(600), finishedAt: at(1))])
        try await store.complete([
            result(byGuardian["during"]!, .retry, notBefore: at(600), finishedAt: at(20)),
            result(byGuardian["sms"]!, .retry, notBefore: at(600), finishedAt: at(20)),
        ])
        #expect(try await store.expediteRetries(matching: DeliveryQuery(channel: .email), since: at(10), now: at(30)) == 1)
        #expect(try await store.delivery(key("e", "during"))?.notBefore == at(30))
        #expect(try await store.delivery(key("e", "before"))?.notBefore == at(600))
        #expect(try await store.delivery(key("e", "sms", .sms))?.notBefore == at(600))
    }
}
