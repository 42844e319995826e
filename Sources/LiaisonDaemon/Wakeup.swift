import Foundation

/// A doorbell between services: `ring()` never blocks and rings coalesce; `wait(upTo:)` returns at the first ring
/// since the last wait returned, or when the time is up, or when the task is cancelled.
public final class Wakeup: @unchecked Sendable {
    private let lock = NSLock()
    private var rung = false
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextID: UInt64 = 0
    /// Waits whose time ran out (or that were cancelled) before they started waiting.
    private var expired: Set<UInt64> = []

    public init() {}

    public func ring() {
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            if waiters.isEmpty {
                rung = true
                return []
            }
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Waits for a ring or `timeout`, whichever comes first.
    public func wait(upTo timeout: Duration) async {
        let id: UInt64 = lock.withLock {
            nextID += 1
            return nextID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.resume(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if expired.remove(id) != nil || Task.isCancelled {
                        return true
                    }
                    if rung {
                        rung = false
                        return true
                    }
                    waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            resume(id)
        }
        timer.cancel()
        lock.withLock { _ = expired.remove(id) }
    }

    private func resume(_ id: UInt64) {
        let continuation: CheckedContinuation<Void, Never>? = lock.withLock {
            if let waiting = waiters.removeValue(forKey: id) { return waiting }
            expired.insert(id)
            return nil
        }
        continuation?.resume()
    }
}
