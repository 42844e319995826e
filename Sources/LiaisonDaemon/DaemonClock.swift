import Foundation

/// The daemon's idea of now: the real clock, shifted by a fixed offset so that a test or a rehearsal can start the
/// daemon "on" a chosen day and watch that day's messages go out in seconds. Sleeping is always real time.
public struct DaemonClock: Sendable {
    /// Seconds added to the real clock.
    public var offset: TimeInterval

    public init(offset: TimeInterval = 0) {
        self.offset = offset
    }

    /// A clock whose now is `start` at the moment it is made.
    public init(startingAt start: Date) {
        offset = start.timeIntervalSinceNow
    }

    public func now() -> Date { Date().addingTimeInterval(offset) }
}
