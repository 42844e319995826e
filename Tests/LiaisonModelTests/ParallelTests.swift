import Foundation
import LiaisonModel
import Testing

/// Threads seen by the work, to tell that it really ran on more than one.
private final class Threads: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<UInt> = []
    func note() { lock.withLock { _ = seen.insert(UInt(pthread_self())) } }
    var count: Int { lock.withLock { seen.count } }
}

@Suite struct ParallelTests {
    @Test func mapKeepsTheOrder() {
        let words = (0..<1_000).map { "w\($0)" }
        #expect(Parallel.map(words) { $0.uppercased() } == words.map { $0.uppercased() })
        #expect(Parallel.map(slicing: Array(0..<10_000), minimum: 512) { $0 * 3 } == (0..<10_000).map { $0 * 3 })
        #expect(Parallel.map(slicing: [1, 2, 3], minimum: 512) { $0 + 1 } == [2, 3, 4])
        #expect(Parallel.map([Int]()) { $0 }.isEmpty)
    }

    @Test func pairRunsBothSidesAndAMapInsideUsesSeveralThreads() {
        // A map inside `first` (as the roster's files are read while catalogs load) is not serialised. Dispatch
        // promises no particular thread count, and while other suites keep its pool busy a map may well run on
        // the caller alone, so this is tried again until the pool has room, for up to 30 s: a map that is
        // serialised stays on one thread every time.
        var most = 0
        let deadline = Date().addingTimeInterval(30)
        while most < 2, Date() < deadline {
            let threads = Threads()
            let (inner, other) = Parallel.pair({
                Parallel.map(0..<8) { index -> Int in
                    threads.note()
                    Thread.sleep(forTimeInterval: 0.02)
                    return index * index
                }
            }, {
                "catalogs"
            })
            #expect(inner == (0..<8).map { $0 * $0 })
            #expect(other == "catalogs")
            most = max(most, threads.count)
        }
        if ProcessInfo.processInfo.activeProcessorCount > 1 {
            #expect(most > 1)
        }
    }

    /// Many pairs at once from the global queue's own threads (as a daemon reload runs the loader): whichever side
    /// runs each `second`, every pair gets both results.
    @Test func pairsFromBusyWorkersAllComplete() {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var pairs: [Int: (Int, String)] = [:]
        }
        let results = Results()
        let done = DispatchGroup()
        for index in 0..<16 {
            DispatchQueue.global().async(group: done) {
                let pair = Parallel.pair({ () -> Int in
                    Thread.sleep(forTimeInterval: 0.005)
                    return index * 2
                }, { "second \(index)" })
                results.lock.withLock { results.pairs[index] = pair }
            }
        }
        done.wait()
        #expect(results.pairs.count == 16)
        for (index, pair) in results.pairs {
            #expect(pair.0 == index * 2 && pair.1 == "second \(index)")
        }
    }
}
