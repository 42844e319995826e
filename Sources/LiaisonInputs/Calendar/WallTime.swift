import Foundation

/// A date and time on a wall clock, without a zone: what an iCalendar file writes before a zone is applied.
/// Days are counted from 1970-01-01 in the proleptic Gregorian calendar; arithmetic never touches a zone.
public struct WallTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public var day: Int
    /// Seconds since midnight (0..<86 400).
    public var second: Int

    public init(day: Int, second: Int = 0) {
        self.day = day
        self.second = second
    }

    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        guard (1...12).contains(month), (1...ScheduleDate.daysInMonth(year: year, month: month)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        self.day = ScheduleDate.daysFromCivil(year: year, month: month, day: day)
        self.second = hour * 3_600 + minute * 60 + min(second, 59)
    }

    /// Seconds since 1970 as if the wall clock were UTC.
    public var wallSeconds: Int { day * 86_400 + second }

    public init(wallSeconds: Int) {
        day = Int((Double(wallSeconds) / 86_400).rounded(.down))
        second = wallSeconds - day * 86_400
    }

    /// Year, month and day.
    public var civil: (year: Int, month: Int, day: Int) { WallTime.civil(fromDays: day) }

    /// 0 = Monday … 6 = Sunday.
    public var weekday: Int { WallTime.weekday(ofDay: day) }

    public var hour: Int { second / 3_600 }
    public var minute: Int { second / 60 % 60 }

    public static func weekday(ofDay day: Int) -> Int {
        ((day % 7) + 7 + 3) % 7  // 1970-01-01 was a Thursday
    }

    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public static func < (lhs: WallTime, rhs: WallTime) -> Bool { lhs.wallSeconds < rhs.wallSeconds }

    /// `20270611T093000` (or `20270611` when `dateOnly`).
    public func compact(dateOnly: Bool = false) -> String {
        let (y, m, d) = civil
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let date = String(format: "%04d", y) + two(m) + two(d)
        if dateOnly { return date }
        return date + "T" + two(hour) + two(minute) + two(second % 60)
    }

    public var description: String { compact() }
}

/// Which kind of time an iCalendar value is (RFC 5545 §3.3.4, §3.3.5).
public enum TimeForm: Sendable, Hashable {
    /// `VALUE=DATE`: a whole day.
    case date
    /// A local time without a zone: read in the calendar's zone.
    case floating
    /// `…Z`.
    case utc
    /// `TZID=…`.
    case zoned(CalendarZone)
}

/// A DATE or DATE-TIME value as written, with its zone.
public struct CalendarTime: Sendable, Hashable {
    public var wall: WallTime
    public var form: TimeForm

    public var isDate: Bool { form == .date }

    /// The zone the wall time is read in; floating times and dates use `fallback`.
    public func zone(fallback: CalendarZone) -> CalendarZone {
        switch form {
        case .zoned(let zone): zone
        case .utc: .utc
        case .date, .floating: fallback
        }
    }

    /// The instant this value names.
    public func instant(fallback: CalendarZone) -> Date {
        zone(fallback: fallback).instant(for: wall)
    }

    /// Parses `20270611`, `20270611T093000` or `20270611T083000Z`. `nil` when the text is neither.
    static func parseWall(_ text: String) -> (wall: WallTime, isDate: Bool, utc: Bool)? {
        let bytes = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8) else { return nil }
        if bytes.count == 8 {
            guard let wall = WallTime(year: year, month: month, day: day) else { return nil }
            return (wall, true, false)
        }
        guard bytes.count == 15 || (bytes.count == 16 && (bytes[15] == UInt8(ascii: "Z") || bytes[15] == UInt8(ascii: "z"))),
              bytes[8] == UInt8(ascii: "T") || bytes[8] == UInt8(ascii: "t"),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              let wall = WallTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        return (wall, false, bytes.count == 16)
    }
}
