import Foundation

/// The zone an iCalendar time is read in: UTC, an IANA zone, or a VTIMEZONE defined by the calendar itself.
public enum CalendarZone: Sendable, Hashable {
    case utc
    case system(TimeZone)
    case defined(DefinedZone)

    /// The IANA name, or the calendar's TZID for a zone it defines.
    public var identifier: String {
        switch self {
        case .utc: "UTC"
        case .system(let zone): zone.identifier
        case .defined(let zone): zone.tzid
        }
    }

    /// Seconds east of UTC at an instant.
    public func secondsFromGMT(for date: Date) -> Int {
        switch self {
        case .utc: 0
        case .system(let zone): zone.secondsFromGMT(for: date)
        case .defined(let zone): zone.offset(at: date.timeIntervalSince1970)
        }
    }

    /// The instant a wall time names here. A time skipped by a clock change is read with the offset before the
    /// change (RFC 5545 §3.3.5); a time that falls twice is the first of the two.
    public func instant(for wall: WallTime) -> Date {
        if case .utc = self { return Date(timeIntervalSince1970: Double(wall.wallSeconds)) }
        return ScheduleDate.resolveLocal(Double(wall.wallSeconds)) { secondsFromGMT(for: $0) }.date
    }

    /// The wall time here at an instant.
    public func wall(at date: Date) -> WallTime {
        WallTime(wallSeconds: Int(date.timeIntervalSince1970.rounded(.down)) + secondsFromGMT(for: date))
    }

    /// A Foundation zone for the Event model: the IANA zone, or a fixed offset for a defined zone.
    public var timeZone: TimeZone {
        switch self {
        case .utc: TimeZone(identifier: "UTC")!
        case .system(let zone): zone
        case .defined(let zone): TimeZone(secondsFromGMT: zone.offset(at: Date().timeIntervalSince1970)) ?? TimeZone(identifier: "UTC")!
        }
    }
}

/// A time zone defined by a VTIMEZONE block (RFC 5545 §3.6.5): its STANDARD and DAYLIGHT observances, expanded
/// into the list of transitions from the first observance up to 2100.
public struct DefinedZone: Sendable, Hashable {
    public var tzid: String
    /// Offset (seconds east) before the first transition.
    public var initialOffset: Int
    /// Instants (seconds since 1970) at which the offset changes, sorted, and the offset from each one on.
    private var transitionTimes: [Double]
    private var transitionOffsets: [Int]

    /// One STANDARD or DAYLIGHT observance as written.
    struct Observance {
        var start: WallTime
        var offsetFrom: Int
        var offsetTo: Int
        var rule: RecurrenceRule?
        var dates: [WallTime]
    }

    init(tzid: String, observances: [Observance]) {
        self.tzid = tzid
        let lastDay = ScheduleDate.daysFromCivil(year: 2100, month: 12, day: 31)
        var changes: [(Double, Int)] = []
        for observance in observances {
            var walls = observance.dates + [observance.start]
            if let rule = observance.rule {
                walls += RecurrenceExpander(rule: rule, start: observance.start).starts(through: lastDay) { wall in
                    guard let until = rule.until else { return false }
                    let instant = Double(wall.wallSeconds - observance.offsetFrom)
                    return until.form == .utc ? instant > Double(until.wall.wallSeconds) : wall > until.wall
                }
                if let count = rule.count, walls.count > count + observance.dates.count {
                    walls = Array(walls.prefix(count + observance.dates.count))
                }
            }
            for wall in Set(walls) {
                changes.append((Double(wall.wallSeconds - observance.offsetFrom), observance.offsetTo))
            }
        }
        changes.sort { $0.0 < $1.0 }
        transitionTimes = changes.map(\.0)
        transitionOffsets = changes.map(\.1)
        let earliest = observances.min { $0.start < $1.start }
        initialOffset = earliest?.offsetFrom ?? 0
    }

    public func offset(at instant: Double) -> Int {
        var low = 0, high = transitionTimes.count
        while low < high {
            let middle = (low + high) / 2
            if transitionTimes[middle] <= instant { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? initialOffset : transitionOffsets[low - 1]
    }

    public static func == (lhs: DefinedZone, rhs: DefinedZone) -> Bool {
        lhs.tzid == rhs.tzid && lhs.transitionTimes == rhs.transitionTimes && lhs.transitionOffsets == rhs.transitionOffsets
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tzid)
        hasher.combine(transitionTimes.count)
    }

    /// Parses `+0100`, `-0500`, `+053000` into seconds east.
    static func offset(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let sign = trimmed.first, sign == "+" || sign == "-" else { return nil }
        let digits = Array(trimmed.dropFirst())
        guard digits.count == 4 || digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let value = { (range: Range<Int>) in Int(String(digits[range]))! }
        let seconds = value(0..<2) * 3_600 + value(2..<4) * 60 + (digits.count == 6 ? value(4..<6) : 0)
        return sign == "-" ? -seconds : seconds
    }
}
