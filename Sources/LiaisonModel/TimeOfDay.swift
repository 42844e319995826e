import Foundation

/// A wall-clock time such as 18:00, without a date or zone.
public struct TimeOfDay: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Minutes since midnight; two bytes, since every guardian with quiet hours carries two of these.
    private var stored: UInt16

    /// 0–23.
    public var hour: Int { Int(stored) / 60 }
    /// 0–59.
    public var minute: Int { Int(stored) % 60 }

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        stored = UInt16(hour * 60 + minute)
    }

    /// Parses `HH:MM` (24-hour clock; `7:30` is accepted).
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1])
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    /// Minutes since midnight.
    public var minutes: Int { Int(stored) }

    public var description: String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutes < rhs.minutes }
}

/// A daily window in which a guardian does not want normal messages, e.g. 21:00–07:00 in their own time zone.
public struct QuietHours: Hashable, Sendable, CustomStringConvertible {
    public var start: TimeOfDay
    public var end: TimeOfDay

    public init(start: TimeOfDay, end: TimeOfDay) {
        self.start = start
        self.end = end
    }

    /// Parses `21:00-07:00` (an en dash is accepted too).
    public init?(_ text: String) {
        let parts = text.replacingOccurrences(of: "–", with: "-").split(separator: "-")
        guard parts.count == 2, let start = TimeOfDay(String(parts[0])), let end = TimeOfDay(String(parts[1])),
              start != end
        else { return nil }
        self.init(start: start, end: end)
    }

    /// Whether the wall-clock time falls inside the window (which may wrap past midnight).
    public func contains(_ time: TimeOfDay) -> Bool {
        if start < end {
            return time >= start && time < end
        }
        return time >= start || time < end
    }

    /// Whether `date` falls inside the window in `timeZone`.
    public func contains(_ date: Date, in timeZone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return contains(TimeOfDay(hour: parts.hour ?? 0, minute: parts.minute ?? 0)!)
    }

    /// The first moment at or after `date` that is outside the window, in `timeZone`.
    public func nextAllowed(after date: Date, in timeZone: TimeZone) -> Date {
        guard contains(date, in: timeZone) else { return date }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(hour: end.hour, minute: end.minute, second: 0)
        return calendar.nextDate(after: date, matching: components, matchingPolicy: .nextTime) ?? date
    }

    public var description: String { "\(start)-\(end)" }
}
