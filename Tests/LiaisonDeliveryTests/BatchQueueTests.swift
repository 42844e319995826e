import Foundation
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonDelivery

/// Counts shared between a producing and a consuming task.
private final class Counts: @unchecked Sendable {
    private let lock = NSLock()
    private var pushed = 0
    private var taken = 0
    private var widest = 0

    func didPush() { lock.withLock { pushed += 1 } }
    func didTake() { lock.withLock { taken += 1; widest = max(widest, pushed - taken) } }
    /// The most batches that were pushed and not yet taken, seen after a take.
    var largestBacklog: Int { lock.withLock { widest } }
}

/// The last progress a dispatcher reported.
private final class LastProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var last = DispatchProgress()
    func set(_ progress: DispatchProgress) { lock.withLock { last = progress } }
    var value: DispatchProgress { lock.withLock { last } }
}

@Suite struct BatchQueueTests {
    @Test func keepsOrderAndHoldsTheProducerBackWhenFull() async {
        let queue = BatchQueue<Int>(capacity: 2)
        let counts = Counts()
        async let produced: Void = {
            for value in 0..<200 {
                #expect(await queue.push(value))
                counts.didPush()
            }
            queue.finish()
        }()
        var received: [Int] = []
        while let value = await queue.next() {
            counts.didTake()
            received.append(value)
            if value % 10 == 0 { try? await Task.sleep(for: .milliseconds(1)) }  // a slow consumer
        }
        await produced
        #expect(received == Array(0..<200))
        // Two waiting in the queue, plus the one a producer hands over while the consumer is between takes.
        #expect(counts.largestBacklog <= 3)
        #expect(await queue.next() == nil)
    }

    @Test func closingReleasesAWaitingProducer() async {
        let queue = BatchQueue<String>(capacity: 1)
        #expect(await queue.push("first"))
        async let refused = queue.push("second")  // waits: the queue is full
        try? await Task.sleep(for: .milliseconds(50))
        queue.close()
        #expect(await refused == false)
        #expect(await queue.push("third") == false)
        #expect(await queue.next() == nil)
    }

    @Test func finishingHandsOverWhatIsLeftThenEnds() async {
        let queue = BatchQueue<[Int]>(capacity: 4)
        #expect(await queue.push([1, 2]))
        #expect(await queue.push([3]))
        queue.finish()
        #expect(await queue.next() == [1, 2])
        #expect(await queue.next() == [3])
        #expect(await queue.next() == nil)
    }

    @Test func cancellingReleasesAWaitingConsumerOrProducer() async {
        let queue = BatchQueue<Int>(capacity: 1)
        let consumer = Task { await queue.next() }
        try? await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        #expect(await consumer.value == nil)

        #expect(await queue.push(1))
        let producer = Task { await queue.push(2) }  // waits: the queue is full
        try? await Task.sleep(for: .milliseconds(20))
        producer.cancel()
        #expect(await producer.value == false)
        #expect(await queue.next() == 1)
    }

    @Test func closingReleasesAWaitingConsumer() async {
        let queue = BatchQueue<Int>(capacity: 1)
        async let waiting = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.close()
        #expect(await waiting == nil)
    }

    @Test func aWaitingConsumerGetsTheNextBatchOrTheEnd() async {
        let queue = BatchQueue<Int>(capacity: 1)
        async let first = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        #expect(await queue.push(7))
        #expect(await first == 7)
        async let end = queue.next()
        try? await Task.sleep(for: .milliseconds(20))
        queue.finish()
        #expect(await end == nil)
    }
}

@Suite struct StreamingDispatchTests {
    /// Batches claimed one after another (as `liaison send` claims chunks) go out through one dispatcher call, each
    /// delivery once, every result recorded.
    @Test func sendsEveryClaimedBatchAsItArrives() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-stream-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try FileChannel(folder: folder.path, composer: testComposer)
        let store = try SQLiteOutboxStore.inMemory()
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .seconds(60), maxDelay: .seconds(600), deadline: .seconds(3600))
        let dispatcher = Dispatcher(store: store, channels: [.email: files], policy: policy, concurrency: 8)
        let queue = BatchQueue<[Delivery]>(capacity: 1)
        let now = Date()
        async let queued: Int = {
            var claimedCount = 0
            for batch in 0..<5 {
                let deliveries = (0..<30).map { index in
                    var delivery = sampleDelivery(to: "parent\(batch)-\(index)@example.net", guardian: "G\(batch)-\(index)")
                    delivery.notBefore = now
                    delivery.createdAt = now
                    return delivery
                }
                let claimed = try await store.enqueueAndClaim(deliveries, now: now).claimed
                claimedCount += claimed.count
                #expect(await queue.push(claimed))
            }
            queue.finish()
            return claimedCount
        }()
        let reported = LastProgress()
        let done = try await dispatcher.deliver(from: queue, progress: { reported.set($0) })
        #expect(try await queued == 150)
        #expect(done.attempted == 150 && done.sent == 150)
        #expect(reported.value == done)
        let counts = try await store.counts(eventID: nil)
        #expect(counts.filter { $0.value > 0 } == [.sent: 150])
        let written = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("new").path)
        #expect(written.count == 150)
        // The queue is closed once the dispatcher returns: a late producer is refused, not left waiting.
        #expect(await queue.push([]) == false)
    }
}
