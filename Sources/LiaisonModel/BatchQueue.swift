import Foundation

/// A first-in, first-out queue of batches between one producing task and one consuming task, holding at most
/// `capacity` batches: `push` waits while it is full (so a fast producer cannot render a whole school into memory
/// ahead of a slow consumer), `next` waits while it is empty.
///
/// The producer calls ``finish()`` when it has no more; the consumer calls ``close()`` when it stops early, which
/// releases a waiting producer (its `push` then returns false). A task cancelled while waiting is released too.
public final class BatchQueue<Batch: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [Batch] = []
    private var head = 0
    private var finished = false
    private var closed = false
    private var consumer: CheckedContinuation<Batch?, Never>?
    private var producer: CheckedContinuation<Void, Never>?
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    private var count: Int { batches.count - head }

    /// Adds a batch, waiting while the queue is full; false when the consumer has closed the queue or the calling
    /// task is cancelled while waiting (the batch is dropped).
    @discardableResult
    public func push(_ batch: Batch) async -> Bool {
        while true {
            let state = lock.withLock { () -> Bool? in
                if closed { return false }
                if let consumer {
                    self.consumer = nil
                    consumer.resume(returning: batch)
                    return true
                }
                guard count < capacity else { return nil }
                batches.append(batch)
                return true
            }
            if let state { return state }
            if Task.isCancelled { return false }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = lock.withLock { () -> Bool in
                        if closed || count < capacity || Task.isCancelled { return true }
                        producer = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                let waiting = lock.withLock { () -> CheckedContinuation<Void, Never>? in
                    defer { producer = nil }
                    return producer
                }
                waiting?.resume()
            }
        }
    }

    /// No more batches will be pushed: the consumer gets those waiting, then nil.
    public func finish() {
        let waiting = lock.withLock { () -> CheckedContinuation<Batch?, Never>? in
            finished = true
            defer { consumer = nil }
            return count == 0 ? consumer : nil
        }
        waiting?.resume(returning: nil)
    }

    /// The consumer takes no more batches: a waiting or later `push` returns false, a waiting `next` nil.
    public func close() {
        let (producer, consumer) = lock.withLock { () -> (CheckedContinuation<Void, Never>?, CheckedContinuation<Batch?, Never>?) in
            closed = true
            batches = []
            head = 0
            defer {
                self.producer = nil
                self.consumer = nil
            }
            return (self.producer, self.consumer)
        }
        producer?.resume()
        consumer?.resume(returning: nil)
    }

    /// The oldest batch, waiting for one; nil once the producer has finished and every batch was taken, the queue
    /// was closed, or the calling task is cancelled while waiting.
    public func next() async -> Batch? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Batch?, Never>) in
                let (ready, batch, releasing) = lock.withLock { () -> (Bool, Batch?, CheckedContinuation<Void, Never>?) in
                    if count > 0 {
                        let batch = batches[head]
                        head += 1
                        if head == batches.count || head > 64 {
                            batches.removeFirst(head)
                            head = 0
                        }
                        defer { producer = nil }
                        return (true, batch, producer)
                    }
                    if finished || closed || Task.isCancelled { return (true, nil, nil) }
                    consumer = continuation
                    return (false, nil, nil)
                }
                releasing?.resume()
                if ready { continuation.resume(returning: batch) }
            }
        } onCancel: {
            let waiting = lock.withLock { () -> CheckedContinuation<Batch?, Never>? in
                defer { consumer = nil }
                return consumer
            }
            waiting?.resume(returning: nil)
        }
    }
}
