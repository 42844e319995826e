import Dispatch
import Foundation

/// Work spread over every core from synchronous code (loading files, encoding a batch), results in input order.
public enum Parallel {
    /// `transform` applied to each element, several at a time; the results keep `elements`' order.
    public static func map<Element: Sendable, Result>(_ elements: some Collection<Element>, _ transform: (Element) -> Result) -> [Result] {
        let inputs = Array(elements)
        if inputs.count <= 1 { return inputs.map(transform) }
        let results = Slots<Result>(inputs.count)
        // Each iteration writes its own slot only; `transform` must only read shared state.
        withoutActuallyEscaping(transform) { transform in
            let work = Unchecked(transform)
            DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
                results.set(index, work.value(inputs[index]))
            }
        }
        return results.values()
    }

    /// `transform` applied to `elements` in about one contiguous slice per core when there are at least `minimum`
    /// of them (fewer are not worth the threads); the results keep the order.
    public static func map<Element: Sendable, Result>(
        slicing elements: [Element], minimum: Int, _ transform: (Element) -> Result
    ) -> [Result] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard elements.count >= minimum, cores > 1 else { return elements.map(transform) }
        let size = (elements.count + cores - 1) / cores
        let ranges = stride(from: 0, to: elements.count, by: size).map { $0..<min($0 + size, elements.count) }
        return map(ranges) { range in elements[range].map(transform) }.flatMap { $0 }
    }

    /// `first()` and `second()` at the same time: `second` on a worker thread, `first` on the caller's. (Not through
    /// `concurrentPerform`, so that `first` may itself use `map` on every core: an apply nested in an apply ran
    /// serially here.) When no worker has picked `second` up by the time `first` is done (the global queue busy, say
    /// because the caller is one of its threads), the caller runs it itself instead of waiting for one.
    public static func pair<A, B>(_ first: () -> A, _ second: () -> B) -> (A, B) {
        withoutActuallyEscaping(second) { second in
            let job = Job(second)
            DispatchQueue.global().async { job.runIfUntaken() }
            let mine = first()
            return (mine, job.value())
        }
    }

    /// A job for whichever comes first, a worker or the caller (who otherwise waits for the worker that took it).
    /// Only the job goes to the worker, and it lets go of the closure once taken, so the closure never outlives `pair`.
    private final class Job<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var work: (() -> Value)?
        private var result: Value?
        private let finished = DispatchSemaphore(value: 0)

        init(_ work: @escaping () -> Value) { self.work = work }

        private func take() -> (() -> Value)? {
            lock.withLock {
                defer { work = nil }
                return work
            }
        }

        /// The worker's side: runs the job unless the caller has taken it.
        func runIfUntaken() {
            if runTaken() { finished.signal() }
        }

        /// Runs the job if this side takes it; its reference to the closure ends with this call.
        private func runTaken() -> Bool {
            guard let work = take() else { return false }
            let value = work()
            lock.withLock { result = value }
            return true
        }

        /// The caller's side: the result, running the job here if no worker has taken it.
        func value() -> Value {
            if let work = take() { return work() }
            finished.wait()
            return lock.withLock { result! }
        }
    }

    /// One result per index, each written by one thread.
    private final class Slots<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Value?]
        init(_ count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: Value) { lock.withLock { slots[index] = value } }
        func values() -> [Value] { lock.withLock { slots.map { $0! } } }
    }

    /// The transform, called from `concurrentPerform`'s threads: callers pass ones that only read shared state.
    private struct Unchecked<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
}
