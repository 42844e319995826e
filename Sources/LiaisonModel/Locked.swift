import Foundation

/// A value behind a lock: the one lock type of Liaison's shared state (NSLock, which ThreadSanitizer sees correctly
/// on Linux, where it reports false races on `Synchronization.Mutex`).
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) {
        stored = value
    }

    /// Runs `body` with the value, under the lock; keep it short and never await inside.
    @discardableResult
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }

    public var value: Value {
        get { withLock { $0 } }
        set { withLock { $0 = newValue } }
    }
}
