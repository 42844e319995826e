import Foundation
import LiaisonInputs
import LiaisonModel
import LiaisonStore
import LiaisonTestSupport
import Testing
@testable import LiaisonDelivery

/// A clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}

@Suite(.serialized) struct DispatcherTests {
    /// The reported failure: after a relay outage the deferred messages waited out their backoff (the last went out
    /// 73 s after the relay was back). The first message the relay takes again makes the others due at once.
    @Test func aRelayBackFromAnOutageGetsWhatItDeferredAtOnce() async throws {
        let probe = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        let port = probe.port
        probe.stop()
        let clock = TestClock(Date())
        let smtp = try SMTPChannel(
            relays: [RelaySettings(name: "local", url: "smtp://127.0.0.1:\(port)/x", security: .none, timeout: .seconds(5))],
            composer: testComposer, clock: { clock.now })
        let store = try SQLiteOutboxStore.inMemory()
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .seconds(60), maxDelay: .seconds(600), deadline: .seconds(3600))
        let dispatcher = Dispatcher(store: store, channels: [.email: smtp], policy: policy, clock: { clock.now }, random: { 0.5 })
        func due(_ guardian: String) -> Delivery {
            var delivery = sampleDelivery(to: "\(guardian.lowercased())@example.net", guardian: guardian)
            delivery.notBefore = clock.now
            delivery.createdAt = clock.now
            return delivery
        }
        _ = try await store.enqueue((1...4).map { due("G\($0)") })
        let down = try await dispatcher.drain()
        #expect(down.retrying == 4)
        #expect(try await store.deliveries(matching: DeliveryQuery(states: [.retry])).allSatisfy { $0.notBefore > clock.now.addingTimeInterval(40) })

        // The relay is back; a new message goes out, and the four deferred ones are due again at once.
        let back = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--port", "\(port)"])
        defer { back.stop() }
        try await Task.sleep(for: .milliseconds(300))
        clock.advance(1)
        _ = try await store.enqueue([due("G5")])
        let first = try await dispatcher.drain()
        let second = try await dispatcher.drain()
        #expect(first.sent + second.sent == 5, "sent \(first.sent) then \(second.sent)")
        #expect(Set(back.logLines().compactMap { ($0["to"] as? [String])?.first }).count == 5)
        await smtp.shutdown()
    }

    @Test func retriesTemporaryFailuresAndRecordsPermanentOnes() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let clock = TestClock(Date())
        let smtp = try SMTPChannel(
            relays: [RelaySettings(name: "local", url: "smtp://127.0.0.1:\(server.port)/x", security: .none)], composer: testComposer,
            clock: { clock.now })
        let store = try SQLiteOutboxStore.inMemory()
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .seconds(60), maxDelay: .seconds(600), deadline: .seconds(3600))
        let dispatcher = Dispatcher(store: store, channels: [.email: smtp], policy: policy, clock: { clock.now }, random: { 0.5 })
        let deliveries = [
            sampleDelivery(to: "layla@example.net", guardian: "G1"),
            sampleDelivery(to: "tempfail@example.net", guardian: "G2"),
            sampleDelivery(to: "reject@example.net", guardian: "G3"),
        ].map { delivery -> Delivery in
            var copy = delivery
            copy.notBefore = clock.now
            copy.createdAt = clock.now
            return copy
        }
        #expect(try await store.enqueue(deliveries).count == 3)
        #expect(try await store.enqueue(deliveries).isEmpty)  // enqueuing twice does nothing

        let first = try await dispatcher.drain()
        #expect(first.sent == 1 && first.retrying == 1 && first.failed == 1)
        let retrying = try #require(try await store.delivery(deliveries[1].key))
        #expect(retrying.state == .retry)
        // Backoff for the first retry: base 60 s, jitter 0.5 → 45 s.
        #expect(abs(retrying.notBefore.timeIntervalSince(clock.now) - 45) < 2)
        let rejected = try #require(try await store.delivery(deliveries[2].key))
        #expect(rejected.state == .failed)
        #expect(rejected.lastReply?.contains("550 5.1.1") == true)

        // Nothing is due until the backoff has passed.
        #expect(try await dispatcher.drain().attempted == 0)
        clock.advance(46)
        let second = try await dispatcher.drain()
        #expect(second.sent == 1)
        let history = try await store.attempts(for: deliveries[1].key)
        #expect(history.map(\.outcome) == [.retry, .sent])
        #expect(history.first?.reply.contains("451") == true)
        await smtp.shutdown()
        #expect(server.logLines().count == 2)
    }

    @Test func givesUpAfterTheLastAttempt() async throws {
        let clock = TestClock(Date())
        // Nothing listens on port 9: every attempt is a temporary failure.
        let smtp = try SMTPChannel(
            relays: [RelaySettings(name: "down", url: "smtp://127.0.0.1:9/x", security: .none, timeout: .seconds(2))],
            composer: testComposer, clock: { clock.now })
        let store = try SQLiteOutboxStore.inMemory()
        let policy = RetryPolicy(maxAttempts: 2, baseDelay: .seconds(10), maxDelay: .seconds(10), deadline: .seconds(3600))
        let dispatcher = Dispatcher(store: store, channels: [.email: smtp], policy: policy, clock: { clock.now }, random: { 1 })
        var delivery = sampleDelivery(to: "layla@example.net")
        delivery.notBefore = clock.now
        delivery.createdAt = clock.now
        _ = try await store.enqueue([delivery])
        #expect(try await dispatcher.drain().retrying == 1)
        clock.advance(11)
        #expect(try await dispatcher.drain().failed == 1)
        let final = try #require(try await store.delivery(delivery.key))
        #expect(final.state == .failed)
        #expect(final.lastReply?.contains("gave up after 2 attempt(s)") == true)
        await smtp.shutdown()
    }
}
