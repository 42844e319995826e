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
    /// serially here.)
    public static func pair<A, B>(_ first: () -> A, _ second: () -> B) -> (A, B) {
        let other = Slots<B>(1)
        let done = DispatchGroup()
        let mine = withoutActuallyEscaping(second) { second in
            let work = Unchecked(second)
            DispatchQueue.global().async(group: done) { other.set(0, work.value()) }
            defer { done.wait() }  // `second` must not outlive this call
            return first()
        }
        return (mine, other.values()[0])
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
