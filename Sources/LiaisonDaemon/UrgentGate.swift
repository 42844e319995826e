import Foundation
import LiaisonModel

/// Urgent work in progress (an alert being queued, an urgent lane sending): while there is any, the normal lanes take
/// no new batch and the queuing of normal messages pauses between chunks, so that on a small server an alert gets
/// the CPU and the disk before a newsletter. Normal work waits at most `longestPause` at a time: it is held back,
/// never starved.
final class UrgentGate: Sendable {
    private let active = Locked(0)
    let longestPause: Duration

    init(longestPause: Duration = .seconds(5)) {
        self.longestPause = longestPause
    }

    /// Runs `work` as urgent work.
    func urgent<Result: Sendable>(_ work: () async throws -> Result) async rethrows -> Result {
        active.withLock { $0 += 1 }
        defer { active.withLock { $0 -= 1 } }
        return try await work()
    }

    /// No urgent work in progress.
    var isClear: Bool { active.value == 0 }

    /// Waits until no urgent work is in progress, or `longestPause` has passed.
    func waitUntilClear() async {
        let deadline = ContinuousClock.now + longestPause
        while !isClear, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
