import Foundation
import LiaisonModel
import Testing

@testable import LiaisonStore

/// Pushes 10,000 deliveries through enqueue → claim → complete on a real file and prints the rate.
/// Run alone for a meaningful figure: `swift test -c release --filter LiaisonStoreTests.ThroughputTests`.
@Suite struct ThroughputTests {
    @Test func tenThousandDeliveries() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let store = try SQLiteOutboxStore(path: folder.storePath)
        let total = 10_000
        let enqueueBatch = 1_000
        let claimBatch = 250
        let text = String(repeating: "Dear parent, sports day is on Friday. ", count: 10)
        var deliveries: [Delivery] = []
        for i in 0..<total {
            let channel: ChannelKind = i % 3 == 0 ? .sms : .email
            let priority: Priority = i % 10 == 0 ? .urgent : .normal
            let createdAt = at(Double(i) / 1000)
            deliveries.append(
                makeDelivery(key("bench@2027-06-10T17:00Z", "g\(i)", channel), priority: priority, createdAt: createdAt, text: text))
        }

        let clock = ContinuousClock()
        let cpuStart = processCPUSeconds()
        let start = clock.now
        for offset in stride(from: 0, to: total, by: enqueueBatch) {
            let inserted = try await store.enqueue(Array(deliveries[offset..<min(offset + enqueueBatch, total)]))
            #expect(inserted.count == min(enqueueBatch, total - offset))
        }
        let enqueued = clock.now
        var done = 0
        while true {
            let batch = try await store.claim(limit: claimBatch, channels: nil, now: at(100))
            if batch.isEmpty { break }
            try await store.complete(batch.map { result($0, .sent, finishedAt: at(101)) })
            done += batch.count
        }
        let end = clock.now
        let cpu = processCPUSeconds() - cpuStart
        #expect(done == total)
        #expect(try await store.counts(eventID: "bench")[.sent] == total)

        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let all = seconds(end - start)
        print(
            String(
                format: "LiaisonStore throughput: %d deliveries enqueue→claim(%d)→complete in %.3f s = %.0f/s (enqueue %.3f s, claim+complete %.3f s; CPU %.3f s)",
                total, claimBatch, all, Double(total) / all, seconds(enqueued - start), seconds(end - enqueued), cpu))
    }
}

/// CPU time used by this process so far (all threads), to tell our cost from a busy machine's.
private func processCPUSeconds() -> Double {
    var usage = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &usage)
    return Double(usage.tv_sec) + Double(usage.tv_nsec) / 1e9
}
