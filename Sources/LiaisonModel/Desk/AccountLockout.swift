import Foundation

/// When a staff account stops accepting passwords: after ``maxFailures`` wrong ones in a row it is locked for
/// ``lockFor``, doubling with each further lock up to ``maxLock``; a right password (or an admin's reset) clears it.
/// Only signing in is affected: sessions already open, the API's tokens and alerts in progress go on.
public struct AccountLockout: Sendable, Hashable {
    public var maxFailures: Int
    public var lockFor: TimeInterval
    public var maxLock: TimeInterval

    public init(maxFailures: Int = 5, lockFor: TimeInterval = 15 * 60, maxLock: TimeInterval = 24 * 3600) {
        self.maxFailures = maxFailures
        self.lockFor = lockFor
        self.maxLock = maxLock
    }

    /// An account's record of recent failures, as the store keeps it.
    public struct State: Sendable, Hashable, Codable {
        /// Wrong passwords since the last right one.
        public var failures: Int
        public var lockedUntil: Date?

        public init(failures: Int = 0, lockedUntil: Date? = nil) {
            self.failures = failures
            self.lockedUntil = lockedUntil
        }
    }

    /// Whether a password may be tried at `now`.
    public func isLocked(_ state: State, at now: Date) -> Bool {
        state.lockedUntil.map { now < $0 } ?? false
    }

    /// The state after a wrong password at `now`.
    public func failed(_ state: State, at now: Date) -> State {
        var next = state
        next.failures += 1
        if next.failures >= maxFailures {
            // The 5th failure locks for lockFor, the 10th for twice that, and so on.
            let locks = (next.failures - maxFailures) / maxFailures
            let length = min(maxLock, lockFor * pow(2, Double(min(locks, 30))))
            if (next.failures - maxFailures) % maxFailures == 0 { next.lockedUntil = now.addingTimeInterval(length) }
        }
        return next
    }

    /// The state after a right password.
    public func succeeded(_ state: State) -> State { State() }
}
