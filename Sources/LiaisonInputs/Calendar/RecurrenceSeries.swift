import Foundation

/// The starts an event's RRULEs give (RFC 5545 §3.3.10), DTSTART first, with COUNT and UNTIL applied, as the days
/// they fall on: every start keeps the time of day of DTSTART, so one day holds at most one start.
///
/// A single rule without BY parts has at most one start a period, at a place computed from the period's number,
/// so its starts are counted and found arithmetically: a daily rule from year 1 costs what one from last week
/// costs, and COUNT still counts the starts before the window. Other rules (BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS,
/// or several RRULEs on one event) are walked from DTSTART by ``RecurrenceExpander`` within its limits, and the
/// days kept; what they give is the same either way.
struct RecurrenceSeries {
    private enum Storage {
        /// Sorted, without repeats.
        case listed([Int])
        case computed(ArithmeticRule)
    }

    private let storage: Storage

    /// `zone` is the zone UNTIL is compared in (DTSTART's). `lastDay` bounds the walk of rules that need one;
    /// without rules the series is DTSTART alone, and a rule stopped by UNTIL before DTSTART gives nothing.
    init(rules: [RecurrenceRule], start: WallTime, zone: CalendarZone, through lastDay: Int) {
        if rules.isEmpty {
            storage = .listed([start.day])
        } else if rules.count == 1, let rule = rules.first, rule.byDay.isEmpty, rule.byMonthDay.isEmpty, rule.byMonth.isEmpty,
                  rule.bySetPosition.isEmpty
        {
            if start.day > lastDay || RecurrenceSeries.isAfterUntil(start, rule: rule, zone: zone) {
                storage = .listed([])
            } else {
                storage = .computed(ArithmeticRule(rule: rule, start: start, zone: zone))
            }
        } else {
            var days = Set<Int>()
            for rule in rules {
                for wall in RecurrenceSeries.walk(rule, start: start, zone: zone, through: lastDay) { days.insert(wall.day) }
            }
            storage = .listed(days.sorted())
        }
    }

    /// The plain walk: every start of one rule from DTSTART up to `lastDay`, COUNT and UNTIL applied as each
    /// start is made.
    static func walk(_ rule: RecurrenceRule, start: WallTime, zone: CalendarZone, through lastDay: Int) -> [WallTime] {
        var produced = 0
        return RecurrenceExpander(rule: rule, start: start).starts(through: lastDay) { wall in
            produced += 1
            if let count = rule.count, produced > count { return true }
            return isAfterUntil(wall, rule: rule, zone: zone)
        }
    }

    /// Whether a start is past the rule's UNTIL (a date compares days; a time compares instants in `zone`).
    static func isAfterUntil(_ wall: WallTime, rule: RecurrenceRule, zone: CalendarZone) -> Bool {
        guard let until = rule.until else { return false }
        switch until.form {
        case .date: return wall.day > until.wall.day
        default: return zone.instant(for: wall) > until.instant(fallback: zone)
        }
    }

    /// How many starts fall on days before `day`.
    func count(before day: Int) -> Int {
        switch storage {
        case .listed(let days): RecurrenceSeries.lowerBound(days, day)
        case .computed(let rule): rule.count(before: day)
        }
    }

    /// Whether a start falls on `day`.
    func contains(day: Int) -> Bool {
        switch storage {
        case .listed(let days):
            let index = RecurrenceSeries.lowerBound(days, day)
            return index < days.count && days[index] == day
        case .computed(let rule):
            return rule.contains(day: day)
        }
    }

    /// The days of the starts from `first` through `last`, in order (at most 200,000 periods of a rule are made).
    func days(from first: Int, through last: Int) -> [Int] {
        guard first <= last else { return [] }
        switch storage {
        case .listed(let days):
            return Array(days[RecurrenceSeries.lowerBound(days, first)..<RecurrenceSeries.lowerBound(days, last + 1)])
        case .computed(let rule):
            return rule.days(from: first, through: last)
        }
    }

    /// The index of the first element of a sorted array that is not less than `value`.
    static func lowerBound(_ sorted: [Int], _ value: Int) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A rule without BY parts. Period 0 holds DTSTART; period n ≥ 1 (n × INTERVAL days, weeks, months or years
/// later) has one start, on DTSTART's weekday or day of the month, unless that day is missing from the month
/// (the 31st in April, 29 February in 2027): RFC 5545 skips it. Whether a period has its day depends only on its
/// place in the 400-year Gregorian cycle, so one cycle of periods, counted once, counts any span.
private struct ArithmeticRule {
    let rule: RecurrenceRule
    let firstDay: Int
    let second: Int
    let year0: Int
    let month0: Int
    let dayOfMonth0: Int
    /// Period n has its day when `present[n % cycle]`.
    let cycle: Int
    let present: [Bool]
    /// `prefix[j]`: how many of the periods 1…j have their day (j in 0…cycle).
    let prefix: [Int]
    /// The last period holding a start (0: DTSTART alone); `nil` when the rule does not end.
    private(set) var lastPeriod: Int?

    /// Starts after this many are past any date: COUNT beyond it does not end the rule.
    static let countLimit = 1 << 32

    init(rule: RecurrenceRule, start: WallTime, zone: CalendarZone) {
        self.rule = rule
        firstDay = start.day
        second = start.second
        let (year, month, dayOfMonth) = start.civil
        year0 = year
        month0 = month
        dayOfMonth0 = dayOfMonth
        // Months repeat every 4,800 months and years every 400; only a day after the 28th can be missing.
        let units: Int
        switch rule.frequency {
        case .monthly where dayOfMonth0 > 28: units = 4_800
        case .yearly where dayOfMonth0 > 28: units = 400
        default: units = 1
        }
        let remainder = rule.interval % units
        var a = units, b = remainder
        while b != 0 { (a, b) = (b, a % b) }
        cycle = units / a
        var present: [Bool] = []
        for r in 0..<cycle {
            let step = r * remainder % units
            switch rule.frequency {
            case .monthly:
                let months = year0 * 12 + month0 - 1 + step
                present.append(dayOfMonth0 <= ScheduleDate.daysInMonth(year: months / 12, month: months % 12 + 1))
            case .yearly:
                present.append(dayOfMonth0 <= ScheduleDate.daysInMonth(year: year0 + step, month: month0))
            case .daily, .weekly:
                present.append(true)
            }
        }
        self.present = present
        var prefix = [0]
        for j in 1...cycle { prefix.append(prefix[j - 1] + (present[j % cycle] ? 1 : 0)) }
        self.prefix = prefix

        if let count = rule.count {
            lastPeriod = count - 1 >= ArithmeticRule.countLimit ? nil : period(ofStart: count - 1)
        } else if let until = rule.until {
            // The first period whose day is past UNTIL; ten days past UNTIL's own day is past it in any zone.
            let high = firstPeriod(onOrAfter: until.wall.day + 10)
            var low = 1, top = high
            while low < top {
                let middle = low + (top - low) / 2
                if RecurrenceSeries.isAfterUntil(WallTime(day: periodDay(middle), second: second), rule: rule, zone: zone) {
                    top = middle
                } else {
                    low = middle + 1
                }
            }
            lastPeriod = period(ofStart: presentCount(through: low - 1))
        }
    }

    /// The day of period n ≥ 0: DTSTART's weekday or day of the month in it. For a month too short, the day as
    /// if the month went on (still before the next period's). ``RecurrenceExpander/farDay`` past the limits.
    func periodDay(_ n: Int) -> Int {
        guard let step = RecurrenceExpander.step(n, of: rule) else { return RecurrenceExpander.farDay }
        switch rule.frequency {
        case .daily:
            return firstDay + step
        case .weekly:
            return firstDay + 7 * step
        case .monthly:
            let months = year0 * 12 + month0 - 1 + step
            return ScheduleDate.daysFromCivil(year: months / 12, month: months % 12 + 1, day: 1) + dayOfMonth0 - 1
        case .yearly:
            return ScheduleDate.daysFromCivil(year: year0 + step, month: month0, day: 1) + dayOfMonth0 - 1
        }
    }

    /// How many of the periods 1…n have their day.
    func presentCount(through n: Int) -> Int {
        n <= 0 ? 0 : n / cycle * prefix[cycle] + prefix[n % cycle]
    }

    /// The period of the k-th start after DTSTART (0: DTSTART's own).
    func period(ofStart k: Int) -> Int {
        guard k > 0 else { return 0 }
        let perCycle = prefix[cycle]  // at least 1: the period a whole cycle on is DTSTART's again
        let full = (k - 1) / perCycle
        let wanted = k - full * perCycle
        let within = RecurrenceSeries.lowerBound(prefix, wanted)
        return full * cycle + within
    }

    /// The first period n ≥ 1 whose day is `day` or later.
    func firstPeriod(onOrAfter target: Int) -> Int {
        var high = 1
        while periodDay(high) < target, high < 1 << 40 { high *= 2 }
        var low = high / 2 + 1
        while low < high {
            let middle = low + (high - low) / 2
            if periodDay(middle) < target { low = middle + 1 } else { high = middle }
        }
        return high
    }

    func isStart(period n: Int) -> Bool {
        present[n % cycle] && lastPeriod.map { n <= $0 } ?? true
    }

    func count(before day: Int) -> Int {
        guard day > firstDay else { return 0 }
        let raw = 1 + presentCount(through: firstPeriod(onOrAfter: day) - 1)
        return lastPeriod.map { min(raw, 1 + presentCount(through: $0)) } ?? raw
    }

    func contains(day: Int) -> Bool {
        if day == firstDay { return true }
        guard day > firstDay, day < RecurrenceExpander.farDay else { return false }
        let n = firstPeriod(onOrAfter: day)
        return periodDay(n) == day && isStart(period: n)
    }

    func days(from first: Int, through last: Int) -> [Int] {
        var result: [Int] = []
        if first <= firstDay, firstDay <= last { result.append(firstDay) }
        var n = first > firstDay ? firstPeriod(onOrAfter: first) : 1
        var made = 0
        while made < 200_000, lastPeriod.map({ n <= $0 }) ?? true {
            let day = periodDay(n)
            if day > last || day >= RecurrenceExpander.farDay { break }
            if present[n % cycle] { result.append(day) }
            n += 1
            made += 1
        }
        return result
    }
}
