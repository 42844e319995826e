import Foundation
import GRDB
import LiaisonModel
import Testing

@testable import LiaisonStore

@Suite struct EnqueueTests {
    @Test func enqueueTwiceKeepsTheFirst() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        let first = makeDelivery(key("trip", "g1"), address: "first@example.org", text: "First")
        #expect(try await store.enqueue([first]) == [first.key])

        let changed = makeDelivery(key("trip", "g1"), address: "second@example.org", text: "Second")
        let other = makeDelivery(key("trip", "g2"))
        // Same key twice in one batch too: only the first counts.
        let inserted = try await store.enqueue([changed, other, other])
        #expect(inserted == [other.key])

        let stored = try #require(try await store.delivery(first.key))
        #expect(stored == first)
        #expect(stored.message.text == "First")
        #expect(try await store.deliveries(matching: .all).count == 2)
        #expect(try await store.enqueue([]) == [])
    }

    @Test func enqueuedRowsStartQueuedWithNoAttempts() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        var delivery = makeDelivery(key("trip", "g1"), deadline: at(3600))
        delivery.state = .sent
        delivery.attempts = 4
        delivery.lastReply = "made up"
        _ = try await store.enqueue([delivery])
        let stored = try #require(try await store.delivery(delivery.key))
        #expect(stored.state == .queued)
        #expect(stored.attempts == 0)
        #expect(stored.lastReply == nil)
        #expect(stored.deadline == at(3600))
        #expect(stored.message == delivery.message)
        #expect(try await store.delivery(key("nope", "g1")) == nil)
    }
}

@Suite struct ClaimTests {
    @Test func urgentFirstThenNotBeforeThenCreatedAt() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([
            makeDelivery(key("a", "late-normal"), notBefore: at(20), createdAt: at(0)),
            makeDelivery(key("a", "early-normal-new"), notBefore: at(10), createdAt: at(5)),
            makeDelivery(key("a", "early-normal-old"), notBefore: at(10), createdAt: at(1)),
            makeDelivery(key("a", "urgent"), priority: .urgent, notBefore: at(30), createdAt: at(2)),
            makeDelivery(key("a", "future-urgent"), priority: .urgent, notBefore: at(1000)),
            makeDelivery(key("a", "future"), notBefore: at(1000)),
        ])
        let claimed = try await store.claim(limit: 10, channels: nil, now: at(100))
        #expect(claimed.map(\.key.guardianID) == ["urgent", "early-normal-old", "early-normal-new", "late-normal"])
        #expect(claimed.allSatisfy { $0.state == .sending && $0.attempts == 1 && $0.updatedAt == at(100) })
        for delivery in claimed {
            #expect(try await store.delivery(delivery.key) == delivery)
        }
        // Nothing more is due until the future ones.
        #expect(try await store.claim(limit: 10, channels: nil, now: at(999)).isEmpty)
        let later = try await store.claim(limit: 1, channels: nil, now: at(1000))
        #expect(later.map(\.key.guardianID) == ["future-urgent"])
    }

    @Test func limitAndChannels() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        var batch: [Delivery] = []
        for i in 0..<5 {
            batch.append(makeDelivery(key("e", "g\(i)", .email), createdAt: at(Double(i))))
            batch.append(makeDelivery(key("e", "g\(i)", .sms), createdAt: at(Double(i))))
            batch.append(makeDelivery(key("e", "g\(i)", .voice), createdAt: at(Double(i))))
        }
        _ = try await store.enqueue(batch)
        #expect(try await store.claim(limit: 0, channels: nil, now: at(10)).isEmpty)
        #expect(try await store.claim(limit: 10, channels: [], now: at(10)).isEmpty)
        let sms = try await store.claim(limit: 3, channels: [.sms], now: at(10))
        #expect(sms.map(\.key.guardianID) == ["g0", "g1", "g2"])
        #expect(sms.allSatisfy { $0.key.channel == .sms })
        let emailOrVoice = try await store.claim(limit: 100, channels: [.email, .voice], now: at(10))
        #expect(emailOrVoice.count == 10)
        #expect(Set(emailOrVoice.map(\.key.channel)) == [.email, .voice])
        let rest = try await store.claim(limit: 100, channels: nil, now: at(10))
        #expect(rest.map(\.key.guardianID) == ["g3", "g4"])
    }

    @Test func dueRetriesAreClaimedAgain() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([makeDelivery(key("e", "g1"))])
        let first = try await store.claim(limit: 1, channels: nil, now: at(0))
        try await store.complete([result(first[0], .retry, reply: "451 try later", notBefore: at(60))])
        #expect(try await store.claim(limit: 1, channels: nil, now: at(59)).isEmpty)
        let second = try await store.claim(limit: 1, channels: nil, now: at(60))
        #expect(second.count == 1)
        #expect(second.first?.attempts == 2)
        #expect(second.first?.lastReply == "451 try later")
    }

    /// Claims everything with several tasks at once and checks that no key is handed out twice.
    private func claimConcurrently(_ stores: [SQLiteOutboxStore], total: Int, tasks: Int) async throws -> [DeliveryKey] {
        try await withThrowingTaskGroup(of: [DeliveryKey].self) { group in
            for index in 0..<tasks {
                let store = stores[index % stores.count]
                group.addTask {
                    var mine: [DeliveryKey] = []
                    while true {
                        let batch = try await store.claim(limit: 7, channels: nil, now: at(100))
                        if batch.isEmpty { break }
                        mine += batch.map(\.key)
                        await Task.yield()
                    }
                    return mine
                }
            }
            var all: [DeliveryKey] = []
            for try await keys in group { all += keys }
            return all
        }
    }

    @Test func concurrentClaimersInOneStoreNeverShareARow() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let store = try SQLiteOutboxStore(path: folder.storePath)
        let total = 400
        _ = try await store.enqueue((0..<total).map { makeDelivery(key("e", "g\($0)")) })
        let claimed = try await claimConcurrently([store], total: total, tasks: 8)
        #expect(claimed.count == total)
        #expect(Set(claimed).count == total)
        #expect(try await store.counts(eventID: nil)[.sending] == total)
    }

    @Test func twoStoresOnOneFileNeverShareARow() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let one = try SQLiteOutboxStore(path: folder.storePath)
        let two = try SQLiteOutboxStore(path: folder.storePath)
        let total = 400
        _ = try await one.enqueue((0..<total).map { makeDelivery(key("e", "g\($0)")) })
        let claimed = try await claimConcurrently([one, two], total: total, tasks: 6)
        #expect(claimed.count == total)
        #expect(Set(claimed).count == total)
        let attempts = try await two.deliveries(matching: .all).map(\.attempts)
        #expect(attempts.allSatisfy { $0 == 1 })
    }
}

@Suite struct CompleteTests {
    @Test func transitionsAndHistory() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([
            makeDelivery(key("e", "sent"), createdAt: at(0)),
            makeDelivery(key("e", "retry"), createdAt: at(1)),
            makeDelivery(key("e", "failed"), createdAt: at(2)),
        ])
        let claimed = try await store.claim(limit: 3, channels: nil, now: at(0))
        #expect(claimed.count == 3)
        try await store.complete([
            result(claimed[0], .sent, reply: "250 2.0.0 queued as ABC", finishedAt: at(5)),
            result(claimed[1], .retry, reply: "421 busy", notBefore: at(300), finishedAt: at(5)),
            result(claimed[2], .failed, reply: "550 no such user", finishedAt: at(5)),
        ])

        let sent = try #require(try await store.delivery(key("e", "sent")))
        #expect(sent.state == .sent)
        #expect(sent.lastReply == "250 2.0.0 queued as ABC")
        #expect(sent.updatedAt == at(5))
        #expect(sent.notBefore == t0)
        let retry = try #require(try await store.delivery(key("e", "retry")))
        #expect(retry.state == .retry)
        #expect(retry.notBefore == at(300))
        let failed = try #require(try await store.delivery(key("e", "failed")))
        #expect(failed.state == .failed)
        #expect(failed.lastReply == "550 no such user")

        let history = try await store.attempts(for: key("e", "sent"))
        #expect(history == [makeAttempt(claimed[0], outcome: .sent, reply: "250 2.0.0 queued as ABC", finishedAt: at(5))])

        // Second attempt for the retry row; history in order.
        let again = try await store.claim(limit: 5, channels: nil, now: at(300))
        #expect(again.map(\.key) == [key("e", "retry")])
        try await store.complete([result(again[0], .sent, reply: "250 OK", finishedAt: at(301))])
        let retried = try await store.attempts(for: key("e", "retry"))
        #expect(retried.map(\.number) == [1, 2])
        #expect(retried.map(\.outcome) == [.retry, .sent])
        #expect(retried.map(\.reply) == ["421 busy", "250 OK"])
        #expect(try await store.delivery(key("e", "retry"))?.state == .sent)
    }

    @Test func retryWithoutNotBeforeIsDueWhenTheAttemptEnded() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([makeDelivery(key("e", "g"))])
        let claimed = try await store.claim(limit: 1, channels: nil, now: at(0))
        try await store.complete([result(claimed[0], .retry, notBefore: nil, finishedAt: at(7))])
        #expect(try await store.delivery(key("e", "g"))?.notBefore == at(7))
    }

    @Test func strayResultsChangeNothing() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        let queued = makeDelivery(key("e", "queued"), createdAt: at(0))
        let sentOne = makeDelivery(key("e", "sent"), createdAt: at(1))
        _ = try await store.enqueue([queued, sentOne])
        // A result for a row never claimed.
        var fake = queued
        fake.attempts = 0
        try await store.complete([result(fake, .sent), result(makeDelivery(key("ghost", "g")), .sent)])
        #expect(try await store.delivery(queued.key) == queued)
        #expect(try await store.attempts(for: queued.key).isEmpty)
        #expect(try await store.attempts(for: key("ghost", "g")).isEmpty)

        // A second result for a row already sent can't resurrect it, even in the same batch.
        let claimed = try await store.claim(limit: 1, channels: [.email], now: at(10))
        let inFlight = try #require(claimed.first { $0.key == queued.key })
        try await store.complete([result(inFlight, .sent), result(inFlight, .retry, notBefore: at(99))])
        try await store.complete([result(inFlight, .failed, reply: "late")])
        let after = try #require(try await store.delivery(queued.key))
        #expect(after.state == .sent)
        #expect(after.lastReply == "250 OK")
        #expect(try await store.attempts(for: queued.key).count == 1)

        // A result for an older claim of a row (interrupted, then claimed again) is ignored.
        let first = try await store.claim(limit: 1, channels: nil, now: at(20))
        #expect(first.first?.key == sentOne.key)
        #expect(try await store.recoverInterrupted(now: at(21)) == 1)
        let second = try await store.claim(limit: 1, channels: nil, now: at(21))
        #expect(second.first?.attempts == 2)
        try await store.complete([result(first[0], .failed, reply: "stale")])
        #expect(try await store.delivery(sentOne.key)?.state == .sending)
        try await store.complete([result(second[0], .sent)])
        #expect(try await store.delivery(sentOne.key)?.state == .sent)
        #expect(try await store.attempts(for: sentOne.key).map(\.outcome) == [.interrupted, .sent])
    }

    @Test func invalidNewStateIsRefusedAndNothingRecorded() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([makeDelivery(key("e", "a")), makeDelivery(key("e", "b"))])
        let claimed = try await store.claim(limit: 2, channels: nil, now: at(0))
        var bad = result(claimed[1], .sent)
        bad.newState = .queued
        await #expect(throws: OutboxStoreError.invalidResultState(claimed[1].key, .queued)) {
            try await store.complete([result(claimed[0], .sent), bad])
        }
        #expect(try await store.counts(eventID: nil)[.sending] == 2)
    }
}

@Suite struct MaintenanceTests {
    @Test func recoverInterruptedPutsInFlightRowsBack() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue((0..<4).map { makeDelivery(key("e", "g\($0)"), createdAt: at(Double($0))) })
        let claimed = try await store.claim(limit: 3, channels: nil, now: at(10))
        try await store.complete([result(claimed[0], .sent)])
        #expect(try await store.recoverInterrupted(now: at(50)) == 2)
        #expect(try await store.recoverInterrupted(now: at(51)) == 0)
        for delivery in claimed.dropFirst() {
            let row = try #require(try await store.delivery(delivery.key))
            #expect(row.state == .retry)
            // Due when it was first due: recovered rows go out before anything queued after them.
            #expect(row.notBefore == t0)
            #expect(row.attempts == 1)
            #expect(row.lastReply == SQLiteOutboxStore.interruptedReply)
            let history = try await store.attempts(for: delivery.key)
            #expect(
                history == [
                    DeliveryAttempt(
                        key: delivery.key, number: 1, startedAt: at(10), finishedAt: at(50), target: "", outcome: .interrupted,
                        reply: "interrupted: the sender stopped while this was in flight; it may have been delivered")
                ])
        }
        #expect(try await store.delivery(claimed[0].key)?.state == .sent)
        #expect(try await store.delivery(key("e", "g3"))?.state == .queued)
    }

    @Test func expireFailsOverdueRows() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        let policy = RetryPolicy(deadline: .seconds(3600))
        _ = try await store.enqueue([
            makeDelivery(key("e", "explicit-past"), notBefore: at(5000), deadline: at(100), createdAt: at(0)),
            makeDelivery(key("e", "explicit-future"), deadline: at(10_000), createdAt: at(0)),
            makeDelivery(key("e", "policy-past"), notBefore: at(5000), createdAt: at(0)),
            makeDelivery(key("e", "policy-future"), notBefore: at(5000), createdAt: at(1000)),
            makeDelivery(key("e", "in-flight"), createdAt: at(0)),
            makeDelivery(key("e", "retrying"), createdAt: at(0)),
        ])
        let claimed = try await store.claim(limit: 2, channels: nil, now: at(0))
        #expect(Set(claimed.map(\.key.guardianID)) == ["explicit-future", "in-flight"])
        // A retry row expires too.
        let retrying = try await store.claim(limit: 1, channels: nil, now: at(1))
        #expect(retrying.map(\.key.guardianID) == ["retrying"])
        try await store.complete([result(retrying[0], .retry, notBefore: at(9000))])

        let count = try await store.expire(now: at(3600), policy: policy)
        #expect(count == 3)
        let states = Dictionary(uniqueKeysWithValues: try await store.deliveries(matching: .all).map { ($0.key.guardianID, $0.state) })
        #expect(
            states == [
                "explicit-past": .failed, "explicit-future": .sending, "policy-past": .failed, "policy-future": .queued,
                "in-flight": .sending, "retrying": .failed,
            ])
        let history = try await store.attempts(for: key("e", "explicit-past"))
        #expect(history.count == 1)
        #expect(history.first?.outcome == .failed)
        #expect(history.first?.number == 0)
        #expect(history.first?.reply.hasPrefix("expired") == true)
        #expect(try await store.attempts(for: key("e", "retrying")).map(\.outcome) == [.retry, .failed])
        #expect(try await store.delivery(key("e", "policy-past"))?.lastReply?.hasPrefix("expired") == true)
        #expect(try await store.expire(now: at(3600), policy: policy) == 0)
    }

    @Test func cancelOnlyTouchesRowsNotYetSent() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([
            makeDelivery(key("trip", "a"), createdAt: at(0)),
            makeDelivery(key("trip", "b"), createdAt: at(1)),
            makeDelivery(key("trip", "c"), createdAt: at(2)),
            makeDelivery(key("trip", "d"), createdAt: at(3)),
            makeDelivery(key("trip", "e", .sms), createdAt: at(4)),
            makeDelivery(key("fair", "a"), createdAt: at(5)),
        ])
        let claimed = try await store.claim(limit: 3, channels: nil, now: at(10))  // a, b, c
        try await store.complete([result(claimed[0], .sent), result(claimed[1], .retry, notBefore: at(60))])
        // a sent, b retry, c sending, d queued, e queued (sms), fair/a queued
        let cancelled = try await store.cancel(matching: DeliveryQuery(eventID: "trip"), reason: "event withdrawn", now: at(20))
        #expect(cancelled == 3)
        let states = try await store.deliveries(matching: DeliveryQuery(eventID: "trip")).map(\.state)
        #expect(states == [.sent, .cancelled, .sending, .cancelled, .cancelled])
        let d = try #require(try await store.delivery(key("trip", "d")))
        #expect(d.lastReply == "event withdrawn")
        #expect(d.updatedAt == at(20))
        #expect(try await store.delivery(key("fair", "a"))?.state == .queued)
        // Asking to cancel sent rows does nothing.
        #expect(try await store.cancel(matching: DeliveryQuery(states: [.sent, .sending]), reason: "x", now: at(30)) == 0)
        // Channel, guardian and limit narrow the selection.
        _ = try await store.enqueue([
            makeDelivery(key("fair", "b"), createdAt: at(6)), makeDelivery(key("fair", "c"), createdAt: at(7)),
            makeDelivery(key("fair", "c", .sms), createdAt: at(8)),
        ])
        #expect(try await store.cancel(matching: DeliveryQuery(guardianID: "c", channel: .sms), reason: "x", now: at(30)) == 1)
        #expect(try await store.cancel(matching: DeliveryQuery(eventID: "fair", limit: 1), reason: "x", now: at(30)) == 1)
        #expect(try await store.delivery(key("fair", "a"))?.state == .cancelled)
        #expect(try await store.delivery(key("fair", "b"))?.state == .queued)
    }

    @Test func requeueFailedAndOptionallyCancelled() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([
            makeDelivery(key("e", "failed"), createdAt: at(0)),
            makeDelivery(key("e", "cancelled"), createdAt: at(1)),
            makeDelivery(key("e", "sent"), createdAt: at(2)),
            makeDelivery(key("e", "queued"), createdAt: at(3)),
        ])
        let claimed = try await store.claim(limit: 1, channels: nil, now: at(0))
        try await store.complete([result(claimed[0], .failed, reply: "550 unknown user")])
        _ = try await store.cancel(matching: DeliveryQuery(guardianID: "cancelled"), reason: "withdrawn", now: at(1))
        let sending = try await store.claim(limit: 1, channels: nil, now: at(2))
        try await store.complete([result(sending[0], .sent)])

        try await store.updateAddress(key("e", "failed"), to: "fixed@example.org")
        let policy = RetryPolicy(deadline: .seconds(3600))
        // Long after the policy deadline: requeue gives it a fresh one.
        #expect(try await store.requeue(matching: .all, now: at(100_000)) == 1)
        let requeued = try #require(try await store.delivery(key("e", "failed")))
        #expect(requeued.state == .queued)
        #expect(requeued.address == "fixed@example.org")
        #expect(requeued.notBefore == at(100_000))
        #expect(requeued.attempts == 1)
        #expect(try await store.attempts(for: requeued.key).count == 1)
        #expect(try await store.delivery(key("e", "cancelled"))?.state == .cancelled)
        #expect(try await store.expire(now: at(100_001), policy: policy) == 1)  // only "queued", queued at t0
        #expect(try await store.delivery(key("e", "failed"))?.state == .queued)

        #expect(try await store.requeue(matching: DeliveryQuery(states: [.cancelled, .sent]), now: at(100_002)) == 1)
        #expect(try await store.delivery(key("e", "cancelled"))?.state == .queued)
        #expect(try await store.delivery(key("e", "sent"))?.state == .sent)

        // Claimed again: the attempt number goes on from the history.
        let again = try await store.claim(limit: 5, channels: nil, now: at(100_002))
        #expect(again.map(\.key.guardianID) == ["failed", "cancelled"])
        #expect(again.map(\.attempts) == [2, 1])
        #expect(again.first?.address == "fixed@example.org")
    }

    @Test func updateAddressRefusesSentOrInFlightOrUnknown() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([makeDelivery(key("e", "a")), makeDelivery(key("e", "b"), createdAt: at(1))])
        let claimed = try await store.claim(limit: 1, channels: nil, now: at(0))
        await #expect(throws: OutboxStoreError.notEditable(key("e", "a"), .sending)) {
            try await store.updateAddress(key("e", "a"), to: "x@example.org")
        }
        try await store.complete([result(claimed[0], .sent)])
        await #expect(throws: OutboxStoreError.notEditable(key("e", "a"), .sent)) {
            try await store.updateAddress(key("e", "a"), to: "x@example.org")
        }
        await #expect(throws: OutboxStoreError.notFound(key("e", "zz"))) {
            try await store.updateAddress(key("e", "zz"), to: "x@example.org")
        }
        try await store.updateAddress(key("e", "b"), to: "new@example.org")
        #expect(try await store.delivery(key("e", "b"))?.address == "new@example.org")
        #expect(try await store.delivery(key("e", "a"))?.address == "parent@example.org")
    }

    @Test func reviseChangesOnlyWhatIsNotSentYet() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([makeDelivery(key("e", "a")), makeDelivery(key("e", "b"), createdAt: at(1))])
        let claimed = try await store.claim(limit: 1, channels: nil, now: at(0))
        try await store.complete([result(claimed[0], .sent)])

        #expect(try await store.revise(makeDelivery(key("e", "a"), notBefore: at(9), text: "Moved"), now: at(2)) == false)
        #expect(try await store.revise(makeDelivery(key("e", "zz"), text: "Moved"), now: at(2)) == false)
        #expect(try await store.revise(makeDelivery(key("e", "b"), notBefore: at(9), text: "Moved"), now: at(2)))

        let sent = try #require(try await store.delivery(key("e", "a")))
        #expect(sent.message.text == "Hello")
        let revised = try #require(try await store.delivery(key("e", "b")))
        #expect(revised.message.text == "Moved")
        #expect(revised.message.html == "<p>Moved</p>")
        #expect(revised.notBefore == at(9))
        #expect(revised.state == .queued)
        #expect(try await store.claim(limit: 5, channels: nil, now: at(8)).isEmpty)
        #expect(try await store.claim(limit: 5, channels: nil, now: at(9)).map(\.key.guardianID) == ["b"])
    }

    @Test func countsAndQueries() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([
            makeDelivery(key("trip", "a"), createdAt: at(3)),
            makeDelivery(key("trip", "b"), createdAt: at(1)),
            makeDelivery(key("trip", "c", .sms), createdAt: at(2)),
            makeDelivery(key("fair@2027-06-10T17:00Z", "a"), createdAt: at(0)),
        ])
        let claimed = try await store.claim(limit: 1, channels: [.sms], now: at(5))
        try await store.complete([result(claimed[0], .sent)])
        var expected = Dictionary(uniqueKeysWithValues: DeliveryState.allCases.map { ($0, 0) })
        expected[.queued] = 3
        expected[.sent] = 1
        #expect(try await store.counts(eventID: nil) == expected)
        expected[.queued] = 2
        #expect(try await store.counts(eventID: "trip") == expected)
        #expect(try await store.counts(eventID: "fair")[.queued] == 1)
        #expect(try await store.counts(eventID: "none").values.allSatisfy { $0 == 0 })

        #expect(try await store.deliveries(matching: .all).map(\.key.guardianID) == ["a", "b", "c", "a"])
        #expect(try await store.deliveries(matching: .all).first?.eventID == "fair")
        #expect(try await store.deliveries(matching: DeliveryQuery(states: [.queued], eventID: "trip")).map(\.key.guardianID) == ["b", "a"])
        #expect(try await store.deliveries(matching: DeliveryQuery(states: [])).isEmpty)
        #expect(try await store.deliveries(matching: DeliveryQuery(channel: .sms)).map(\.state) == [.sent])
        #expect(try await store.deliveries(matching: DeliveryQuery(guardianID: "a", limit: 1)).map(\.eventID) == ["fair"])
    }
}

@Suite struct FileTests {
    @Test func fileIsWALWithFullSyncAndBusyTimeout() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let store = try SQLiteOutboxStore(path: folder.storePath)
        #expect(FileManager.default.fileExists(atPath: folder.storePath))
        #expect(try store.pragma("journal_mode") == "wal")
        #expect(try store.pragma("synchronous") == "2")  // FULL
        #expect(try store.pragma("busy_timeout") == "30000")
    }

    @Test func everythingSurvivesReopening() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let delivery = makeDelivery(key("trip", "g1"), priority: .urgent, deadline: at(500))
        do {
            let store = try SQLiteOutboxStore(path: folder.storePath)
            _ = try await store.enqueue([delivery, makeDelivery(key("trip", "g2"), createdAt: at(1))])
            let claimed = try await store.claim(limit: 1, channels: nil, now: at(2))
            try await store.complete([result(claimed[0], .retry, reply: "451", notBefore: at(60), finishedAt: at(3))])
        }
        let reopened = try SQLiteOutboxStore(path: folder.storePath)
        var expected = delivery
        expected.state = .retry
        expected.attempts = 1
        expected.notBefore = at(60)
        expected.updatedAt = at(3)
        expected.lastReply = "451"
        #expect(try await reopened.delivery(delivery.key) == expected)
        #expect(try await reopened.attempts(for: delivery.key).map(\.reply) == ["451"])
        #expect(try await reopened.delivery(key("trip", "g2"))?.state == .queued)
        // Enqueuing the same keys again after a restart still does nothing.
        #expect(try await reopened.enqueue([delivery]).isEmpty)
    }

    @Test func crashWhileSendingLeavesRowsToRecover() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        var claimedKeys: [DeliveryKey] = []
        do {
            let store = try SQLiteOutboxStore(path: folder.storePath)
            _ = try await store.enqueue((0..<20).map { makeDelivery(key("e", "g\($0)"), createdAt: at(Double($0))) })
            claimedKeys = try await store.claim(limit: 12, channels: nil, now: at(30)).map(\.key)
            // The process "dies" here: the store is dropped without completing anything.
        }
        let reopened = try SQLiteOutboxStore(path: folder.storePath)
        #expect(try await reopened.counts(eventID: nil)[.sending] == 12)
        #expect(try await reopened.claim(limit: 100, channels: nil, now: at(40)).count == 8)
        // The 8 just claimed are "in flight" too now: recovery takes back all 20.
        #expect(try await reopened.recoverInterrupted(now: at(60)) == 20)
        let due = try await reopened.claim(limit: 100, channels: nil, now: at(60))
        #expect(due.count == 20)
        #expect(Set(claimedKeys).isSubset(of: Set(due.map(\.key))))
        #expect(due.allSatisfy { $0.attempts == 2 })
        let history = try await reopened.attempts(for: claimedKeys[0])
        #expect(history.map(\.outcome) == [.interrupted])
        #expect(history.first?.startedAt == at(30))
        #expect(history.first?.number == 1)
    }
}

@Suite struct EnqueueAndClaimTests {
    @Test func dueDeliveriesAreClaimedInTheSameTransaction() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        _ = try await store.enqueue([makeDelivery(key("e", "old"))])
        let batch = [
            makeDelivery(key("e", "old"), text: "Changed"),  // already there: untouched, not claimed
            makeDelivery(key("e", "due"), notBefore: at(5)),
            makeDelivery(key("e", "later"), notBefore: at(50)),  // quiet hours: queued, not claimed
        ]
        let (inserted, claimed) = try await store.enqueueAndClaim(batch, now: at(10))
        #expect(inserted == [key("e", "due"), key("e", "later")])
        #expect(claimed.map(\.key) == [key("e", "due")])
        #expect(claimed[0].state == .sending && claimed[0].attempts == 1 && claimed[0].updatedAt == at(10))
        // What the caller got is exactly what is stored.
        #expect(try await store.delivery(claimed[0].key) == claimed[0])
        #expect(try await store.delivery(key("e", "later"))?.state == .queued)
        #expect(try await store.delivery(key("e", "old"))?.message.text == "Hello")
        // A claimer finds only the old row (and the later one once it is due), never the claimed one.
        #expect(try await store.claim(limit: 10, channels: nil, now: at(10)).map(\.key) == [key("e", "old")])
        try await store.complete([result(claimed[0], .sent, finishedAt: at(11))])
        #expect(try await store.delivery(claimed[0].key)?.state == .sent)
        #expect(try await store.attempts(for: claimed[0].key).map(\.number) == [1])
    }

    @Test func claimedButNeverSentIsRecovered() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        do {
            let store = try SQLiteOutboxStore(path: folder.storePath)
            let (_, claimed) = try await store.enqueueAndClaim((0..<5).map { makeDelivery(key("e", "g\($0)")) }, now: at(1))
            #expect(claimed.count == 5)
            // The process "dies" before sending.
        }
        let reopened = try SQLiteOutboxStore(path: folder.storePath)
        #expect(try await reopened.recoverInterrupted(now: at(9)) == 5)
        let due = try await reopened.claim(limit: 10, channels: nil, now: at(9))
        #expect(due.count == 5 && due.allSatisfy { $0.attempts == 2 && $0.message.text == "Hello" })
    }
}

@Suite struct TallyTests {
    @Test func countsByChannelLanguageAndState() async throws {
        let store = try SQLiteOutboxStore.inMemory()
        var arabic = makeDelivery(key("trip", "a", .sms))
        arabic.message.language = "ar"
        _ = try await store.enqueue([makeDelivery(key("trip", "a")), makeDelivery(key("trip", "b")), arabic, makeDelivery(key("fair", "a"))])
        let claimed = try await store.claim(limit: 1, channels: [.email], now: at(1))
        try await store.complete([result(claimed[0], .failed, finishedAt: at(2))])
        let tallies = Set(try await store.tallies(matching: DeliveryQuery(eventID: "trip")))
        #expect(tallies == [
            DeliveryTally(channel: .email, language: "en-GB", state: .failed, count: 1),
            DeliveryTally(channel: .email, language: "en-GB", state: .queued, count: 1),
            DeliveryTally(channel: .sms, language: "ar", state: .queued, count: 1),
        ])
        #expect(try await store.tallies(matching: DeliveryQuery(eventID: "trip", guardianID: "b", limit: 0)).map(\.count) == [1])
    }
}

@Suite struct MigrationTests {
    /// A file written by a version with the message in `deliveries` opens with the message in its own table.
    @Test func messagesMoveToTheirOwnTable() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let delivery = makeDelivery(key("trip", "g1"), text: "Bonjour")
        let json = String(decoding: try JSONEncoder().encode(delivery.message), as: UTF8.self)
        do {
            try FileManager.default.createDirectory(
                atPath: (folder.storePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let queue = try DatabaseQueue(path: folder.storePath)
            try OutboxSchema.migrator.migrate(queue, upTo: "v1")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO deliveries (occurrence, guardian_id, channel, event_id, address, recipient_name, priority,
                            priority_rank, state, attempts, not_before, deadline, queued_at, created_at, updated_at, message)
                        VALUES ('trip', 'g1', 'email', 'trip', ?, ?, 'normal', 1, 'queued', 0, ?, NULL, ?, ?, ?, ?)
                        """,
                    arguments: [delivery.address, delivery.recipientName, t0.timeIntervalSince1970, t0.timeIntervalSince1970,
                                t0.timeIntervalSince1970, t0.timeIntervalSince1970, json])
            }
        }
        let store = try SQLiteOutboxStore(path: folder.storePath)
        #expect(try await store.delivery(delivery.key) == delivery)
        #expect(try await store.tallies(matching: .all) == [DeliveryTally(channel: .email, language: "en-GB", state: .queued, count: 1)])
        let claimed = try await store.claim(limit: 5, channels: nil, now: at(1))
        #expect(claimed.map(\.message.text) == ["Bonjour"])
    }
}
