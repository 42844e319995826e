import Foundation

/// Dates as written in the schedule: `2026-06-12T09:30`, `2026-06-12 09:30:15`, `2026-06-12T09:30+01:00`,
/// `2026-06-12T08:30Z`, or a plain date `2026-06-12` for a whole day.
public struct ScheduleDate: Hashable, Sendable {
    public var date: Date
    /// True for a plain date (the moment is its first instant, 00:00 local).
    public var allDay: Bool
    /// Set when the local time does not exist in the zone (clocks went forward) and was moved forward:
    /// the time as written and the time used, both `HH:MM`.
    public var shiftedFrom: String?
    public var shiftedTo: String?

    /// Parses a schedule date; local times are resolved in `timeZone`. `nil` when the text is not a date.
    /// A local time that falls twice (clocks went back) is the first of the two.
    public static func parse(_ text: String, in timeZone: TimeZone) -> ScheduleDate? {
        guard let fields = Fields(text) else { return nil }
        let days = daysFromCivil(year: fields.year, month: fields.month, day: fields.day)
        let wallSeconds = Double(days * 86_400 + fields.hour * 3_600 + fields.minute * 60 + fields.second) + fields.fraction
        if let offset = fields.offset {
            return ScheduleDate(date: Date(timeIntervalSince1970: wallSeconds - Double(offset)), allDay: false)
        }
        let resolved = resolveLocal(wallSeconds, in: timeZone)
        var result = ScheduleDate(date: resolved.date, allDay: !fields.hasTime)
        if resolved.gap {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let used = calendar.dateComponents([.hour, .minute], from: resolved.date)
            result.shiftedFrom = clock(fields.hour, fields.minute)
            result.shiftedTo = clock(used.hour ?? 0, used.minute ?? 0)
        }
        return result
    }

    private static func clock(_ hour: Int, _ minute: Int) -> String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    /// The instant at which the wall clock in `zone` shows `wall` (seconds since 1970 as if the zone were UTC).
    static func resolveLocal(_ wall: Double, in zone: TimeZone) -> (date: Date, gap: Bool) {
        resolveLocal(wall) { zone.secondsFromGMT(for: $0) }
    }

    /// The same for any zone given by its offset from UTC (seconds east) at an instant.
    static func resolveLocal(_ wall: Double, offset secondsFromGMT: (Date) -> Int) -> (date: Date, gap: Bool) {
        let before = secondsFromGMT(Date(timeIntervalSince1970: wall - 86_400))
        let after = secondsFromGMT(Date(timeIntervalSince1970: wall + 86_400))
        let here = secondsFromGMT(Date(timeIntervalSince1970: wall))
        var valid: [Double] = []
        for offset in Set([before, after, here]) {
            let instant = wall - Double(offset)
            if secondsFromGMT(Date(timeIntervalSince1970: instant)) == offset { valid.append(instant) }
        }
        if let first = valid.min() { return (Date(timeIntervalSince1970: first), false) }
        // In the gap: read the time with the offset in force before the change, which lands after it.
        return (Date(timeIntervalSince1970: wall - Double(before)), true)
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = (month + 9) % 12
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The parts of a date text, checked for range.
    struct Fields {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var hasTime = false
        /// Seconds east of UTC, when written.
        var offset: Int?

        init?(_ text: String) {
            var scanner = Scan(Array(text.trimmingCharacters(in: .whitespaces).utf8))
            guard let year = scanner.number(digits: 4...4), scanner.take(UInt8(ascii: "-")),
                  let month = scanner.number(digits: 1...2), scanner.take(UInt8(ascii: "-")),
                  let day = scanner.number(digits: 1...2)
            else { return nil }
            guard (1...12).contains(month), (1...ScheduleDate.daysInMonth(year: year, month: month)).contains(day) else { return nil }
            self.year = year
            self.month = month
            self.day = day
            if scanner.atEnd { return }
            // Date and time are separated by T or by spaces.
            if !scanner.take(UInt8(ascii: "T")), !scanner.take(UInt8(ascii: "t")) {
                guard scanner.skipSpaces() else { return nil }
            }
            guard let hour = scanner.number(digits: 1...2), scanner.take(UInt8(ascii: ":")),
                  let minute = scanner.number(digits: 2...2),
                  (0...23).contains(hour), (0...59).contains(minute)
            else { return nil }
            hasTime = true
            self.hour = hour
            self.minute = minute
            if scanner.take(UInt8(ascii: ":")) {
                guard let second = scanner.number(digits: 2...2), (0...59).contains(second) else { return nil }
                self.second = second
                if scanner.take(UInt8(ascii: ".")) || scanner.take(UInt8(ascii: ",")) {
                    var digits = ""
                    while let byte = scanner.peek, (0x30...0x39).contains(byte), digits.count < 9 {
                        digits.append(Character(UnicodeScalar(byte)))
                        scanner.index += 1
                    }
                    guard !digits.isEmpty, let value = Double("0." + digits) else { return nil }
                    fraction = value
                }
            }
            _ = scanner.skipSpaces()
            if scanner.atEnd { return }
            if scanner.take(UInt8(ascii: "Z")) || scanner.take(UInt8(ascii: "z")) {
                offset = 0
            } else {
                let sign: Int
                if scanner.take(UInt8(ascii: "+")) {
                    sign = 1
                } else if scanner.take(UInt8(ascii: "-")) || scanner.take(0xE2, 0x88, 0x92) {  // also U+2212 minus
                    sign = -1
                } else {
                    return nil
                }
                guard let hours = scanner.number(digits: 1...2, exact: false), hours <= 14 else { return nil }
                var minutes = 0
                if scanner.take(UInt8(ascii: ":")) {
                    guard let value = scanner.number(digits: 2...2) else { return nil }
                    minutes = value
                } else if let value = scanner.number(digits: 2...2) {
                    minutes = value
                }
                guard minutes < 60 else { return nil }
                offset = sign * (hours * 3_600 + minutes * 60)
            }
            guard scanner.atEnd else { return nil }
        }
    }

    struct Scan {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func take(_ expected: UInt8...) -> Bool {
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else { return false }
            index += expected.count
            return true
        }

        mutating func skipSpaces() -> Bool {
            let start = index
            while let byte = peek, byte == 0x20 || byte == 0x09 { index += 1 }
            return index > start
        }

        mutating func number(digits: ClosedRange<Int>, exact: Bool = true) -> Int? {
            var value = 0
            var count = 0
            while let byte = peek, (0x30...0x39).contains(byte), count < digits.upperBound {
                value = value * 10 + Int(byte - 0x30)
                count += 1
                index += 1
            }
            guard digits.contains(count) else { return nil }
            // Too many digits (e.g. a five-digit year) is not a shorter number followed by more.
            if exact, let byte = peek, (0x30...0x39).contains(byte) { return nil }
            return value
        }
    }
}
