import Foundation
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonDelivery

/// The last progress a dispatcher reported.
private final class LastProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var last = DispatchProgress()
    func set(_ progress: DispatchProgress) { lock.withLock { last = progress } }
    var value: DispatchProgress { lock.withLock { last } }
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
                let claimed = try await store.enqueueAndClaim(deliveries, now: now, lease: dispatcher.leases.lease()).claimed
                dispatcher.leases.hold(claimed)
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
