import Foundation

/// An RRULE (RFC 5545 §3.3.10) with the parts schools' calendars use: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY),
/// INTERVAL, COUNT, UNTIL, BYDAY (with ordinals), BYMONTHDAY, BYMONTH, BYSETPOS and WKST.
public struct RecurrenceRule: Sendable, Hashable {
    public enum Frequency: String, Sendable, Hashable {
        case daily = "DAILY"
        case weekly = "WEEKLY"
        case monthly = "MONTHLY"
        case yearly = "YEARLY"
    }

    /// A BYDAY entry: a weekday (0 = Monday) and, for MONTHLY and YEARLY rules, which one in the month or
    /// year (`2TU`, `-1FR`).
    public struct WeekdayEntry: Sendable, Hashable {
        public var ordinal: Int?
        public var weekday: Int
    }

    public var frequency: Frequency
    public var interval = 1
    public var count: Int?
    /// The last possible start (inclusive), as written: a date, a UTC time or a local time.
    public var until: CalendarTime?
    public var byDay: [WeekdayEntry] = []
    public var byMonthDay: [Int] = []
    public var byMonth: [Int] = []
    public var bySetPosition: [Int] = []
    /// First day of the week, 0 = Monday (the default).
    public var weekStart = 0

    public init(frequency: Frequency) {
        self.frequency = frequency
    }

    static let weekdayNames = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

    /// Why an RRULE cannot be used; `unsupported` is true for valid parts Liaison does not expand.
    public struct Problem: Error, Sendable, Hashable {
        public var message: String
        public var unsupported = false
    }

    /// Parses the value of an RRULE property. Times in UNTIL are read as written (the caller resolves zones).
    public static func parse(_ text: String, untilZone: TimeForm) throws(Problem) -> RecurrenceRule {
        var parts: [String: String] = [:]
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            guard pieces.count == 2, !pieces[0].isEmpty else { throw Problem(message: "\"\(part)\" is not NAME=value") }
            guard parts[pieces[0]] == nil else { throw Problem(message: "\(pieces[0]) is written twice") }
            parts[pieces[0]] = pieces[1]
        }
        guard let frequencyText = parts["FREQ"] else { throw Problem(message: "it has no FREQ") }
        guard let frequency = Frequency(rawValue: frequencyText) else {
            if ["HOURLY", "MINUTELY", "SECONDLY"].contains(frequencyText) {
                throw Problem(message: "FREQ=\(frequencyText) is not supported (a school event repeats daily at most)", unsupported: true)
            }
            throw Problem(message: "FREQ=\(frequencyText) is not DAILY, WEEKLY, MONTHLY or YEARLY")
        }
        var rule = RecurrenceRule(frequency: frequency)
        for (name, value) in parts.sorted(by: { $0.key < $1.key }) {
            switch name {
            case "FREQ": break
            case "INTERVAL":
                guard let interval = Int(value), interval >= 1 else { throw Problem(message: "INTERVAL=\(value) is not a positive whole number") }
                rule.interval = interval
            case "COUNT":
                guard let count = Int(value), count >= 1 else { throw Problem(message: "COUNT=\(value) is not a positive whole number") }
                rule.count = count
            case "UNTIL":
                guard let parsed = CalendarTime.parseWall(value) else { throw Problem(message: "UNTIL=\(value) is not a date (20270611) or a date-time (20270611T093000Z)") }
                let form: TimeForm = parsed.isDate ? .date : parsed.utc ? .utc : untilZone
                rule.until = CalendarTime(wall: parsed.wall, form: form)
            case "BYDAY":
                rule.byDay = try value.split(separator: ",").map { item throws(Problem) in
                    let entry = String(item).trimmingCharacters(in: .whitespaces)
                    guard entry.count >= 2, let weekday = weekdayNames.firstIndex(of: String(entry.suffix(2))) else {
                        throw Problem(message: "BYDAY entry \"\(entry)\" is not a weekday (MO, TU, … SU, optionally after a number: 2TU, -1FR)")
                    }
                    let prefix = entry.dropLast(2)
                    if prefix.isEmpty { return WeekdayEntry(ordinal: nil, weekday: weekday) }
                    guard let ordinal = Int(prefix.hasPrefix("+") ? String(prefix.dropFirst()) : String(prefix)), ordinal != 0, abs(ordinal) <= 53 else {
                        throw Problem(message: "BYDAY entry \"\(entry)\" has an invalid number (1 to 53, or -1 to -53)")
                    }
                    return WeekdayEntry(ordinal: ordinal, weekday: weekday)
                }
                if rule.byDay.contains(where: { $0.ordinal != nil }), frequency == .daily || frequency == .weekly {
                    throw Problem(message: "BYDAY with a number (\(value)) is only allowed with FREQ=MONTHLY or YEARLY")
                }
            case "BYMONTHDAY":
                rule.byMonthDay = try numbers(name, value, in: 1...31)
            case "BYMONTH":
                rule.byMonth = try numbers(name, value, in: 1...12, negative: false)
            case "BYSETPOS":
                rule.bySetPosition = try numbers(name, value, in: 1...366)
            case "WKST":
                guard let weekday = weekdayNames.firstIndex(of: value) else { throw Problem(message: "WKST=\(value) is not a weekday (MO … SU)") }
                rule.weekStart = weekday
            case "BYHOUR", "BYMINUTE", "BYSECOND", "BYYEARDAY", "BYWEEKNO":
                throw Problem(message: "\(name) is not supported", unsupported: true)
            default:
                throw Problem(message: "\(name) is not a part of an RRULE")
            }
        }
        if rule.count != nil, rule.until != nil { throw Problem(message: "it has both COUNT and UNTIL; only one is allowed") }
        return rule
    }

    private static func numbers(_ name: String, _ value: String, in range: ClosedRange<Int>, negative: Bool = true) throws(Problem) -> [Int] {
        try value.split(separator: ",").map { item throws(Problem) in
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let number = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text),
                  range.contains(number) || (negative && range.contains(-number))
            else {
                throw Problem(message: "\(name) value \"\(text)\" is out of range (\(negative ? "±" : "")\(range.lowerBound)…\(range.upperBound))")
            }
            return number
        }
    }
}

/// Expands a recurrence rule on wall-clock dates (RFC 5545 §3.3.10): every start keeps the time of day of
/// DTSTART; the caller applies the zone, UNTIL and COUNT. Expansion stops after `lastDay` and is never unbounded.
struct RecurrenceExpander {
    let rule: RecurrenceRule
    let start: WallTime

    /// The starts from DTSTART (always the first, as RFC 5545 counts it) up to the day `lastDay` (inclusive),
    /// in order. `stop` is asked about each start and ends the expansion when it returns true.
    func starts(through lastDay: Int, stop: (WallTime) -> Bool = { _ in false }) -> [WallTime] {
        var result: [WallTime] = []
        guard start.day <= lastDay, !stop(start) else { return result }
        result.append(start)
        let (year0, month0, _) = start.civil
        var periods = 0
        var index = 0
        while periods < 200_000 {
            let days = periodDays(index)
            index += 1
            periods += 1
            guard let first = days.first else { continue }
            if first > lastDay { break }
            for day in candidates(days, year0: year0, month0: month0) where day > start.day {
                if day > lastDay { return result }
                let wall = WallTime(day: day, second: start.second)
                if stop(wall) { return result }
                result.append(wall)
            }
        }
        return result
    }

    /// A day no calendar reaches (~188 million years away): periods further than ``stepLimit(_:)`` from DTSTART
    /// are placed there, so that INTERVAL and COUNT values near `Int.max` cannot overflow.
    static let farDay = 1 << 36

    /// The most periods of a frequency (about 11,000 years) reckoned from DTSTART; further ones are at ``farDay``.
    static func stepLimit(_ frequency: RecurrenceRule.Frequency) -> Int {
        switch frequency {
        case .daily: 4_100_000
        case .weekly: 580_000
        case .monthly: 132_000
        case .yearly: 11_000
        }
    }

    /// `n` × INTERVAL, in periods of the rule's frequency; `nil` when that is beyond ``stepLimit(_:)``.
    static func step(_ n: Int, of rule: RecurrenceRule) -> Int? {
        let (step, overflow) = n.multipliedReportingOverflow(by: rule.interval)
        guard !overflow, step <= stepLimit(rule.frequency) else { return nil }
        return step
    }

    /// The days of the n-th period after the one holding DTSTART.
    private func periodDays(_ n: Int) -> Range<Int> {
        guard let step = RecurrenceExpander.step(n, of: rule) else { return RecurrenceExpander.farDay..<(RecurrenceExpander.farDay + 1) }
        let (year0, month0, _) = start.civil
        switch rule.frequency {
        case .daily:
            return (start.day + step)..<(start.day + step + 1)
        case .weekly:
            let weekStart = start.day - (start.weekday - rule.weekStart + 7) % 7 + 7 * step
            return weekStart..<(weekStart + 7)
        case .monthly:
            let months = (month0 - 1) + step
            let year = year0 + months / 12, month = months % 12 + 1
            let first = ScheduleDate.daysFromCivil(year: year, month: month, day: 1)
            return first..<(first + ScheduleDate.daysInMonth(year: year, month: month))
        case .yearly:
            let year = year0 + step
            return ScheduleDate.daysFromCivil(year: year, month: 1, day: 1)..<ScheduleDate.daysFromCivil(year: year + 1, month: 1, day: 1)
        }
    }

    /// The days of one period the rule picks, in order, after BYSETPOS.
    private func candidates(_ days: Range<Int>, year0: Int, month0: Int) -> [Int] {
        let (_, _, day0) = start.civil
        let noDayRule = rule.byDay.isEmpty && rule.byMonthDay.isEmpty
        var picked: [Int] = []
        for day in days {
            let (year, month, dayOfMonth) = WallTime.civil(fromDays: day)
            let weekday = WallTime.weekday(ofDay: day)
            if !rule.byMonth.isEmpty, !rule.byMonth.contains(month) { continue }
            if rule.byMonth.isEmpty, rule.frequency == .yearly, noDayRule, month != month0 { continue }
            if !rule.byMonthDay.isEmpty {
                let length = ScheduleDate.daysInMonth(year: year, month: month)
                guard rule.byMonthDay.contains(where: { $0 == dayOfMonth || length + $0 + 1 == dayOfMonth }) else { continue }
            }
            if !rule.byDay.isEmpty {
                guard rule.byDay.contains(where: { matches($0, day: day, weekday: weekday, year: year, month: month) }) else { continue }
            }
            if noDayRule {
                switch rule.frequency {
                case .weekly: if weekday != start.weekday { continue }
                case .monthly, .yearly: if dayOfMonth != day0 { continue }
                case .daily: break
                }
            }
            picked.append(day)
        }
        guard !rule.bySetPosition.isEmpty else { return picked }
        var chosen = Set<Int>()
        for position in rule.bySetPosition {
            let index = position > 0 ? position - 1 : picked.count + position
            if picked.indices.contains(index) { chosen.insert(picked[index]) }
        }
        return chosen.sorted()
    }

    /// Whether a day is the weekday of a BYDAY entry (and, with an ordinal, the right one in its month or year).
    private func matches(_ entry: RecurrenceRule.WeekdayEntry, day: Int, weekday: Int, year: Int, month: Int) -> Bool {
        guard weekday == entry.weekday else { return false }
        guard let ordinal = entry.ordinal else { return true }
        let inMonth = rule.frequency == .monthly || !rule.byMonth.isEmpty
        let first: Int, last: Int
        if inMonth {
            first = ScheduleDate.daysFromCivil(year: year, month: month, day: 1)
            last = first + ScheduleDate.daysInMonth(year: year, month: month) - 1
        } else {
            first = ScheduleDate.daysFromCivil(year: year, month: 1, day: 1)
            last = ScheduleDate.daysFromCivil(year: year, month: 12, day: 31)
        }
        return ordinal > 0 ? (day - first) / 7 + 1 == ordinal : (last - day) / 7 + 1 == -ordinal
    }
}
