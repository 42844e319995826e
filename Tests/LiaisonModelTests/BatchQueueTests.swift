import Foundation
import LiaisonModel
import Testing

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
