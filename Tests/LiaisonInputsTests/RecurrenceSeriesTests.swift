import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

/// The arithmetic recurrence series against the plain walk it replaces, and the numbering of occurrences when
/// the starts before the window are counted instead of made.
@Suite struct RecurrenceSeriesTests {
    static let londonZone = CalendarZone.system(london)

    static func day(_ year: Int, _ month: Int, _ day: Int) -> Int {
        ScheduleDate.daysFromCivil(year: year, month: month, day: day)
    }

    /// Rules without BY parts (the arithmetic path) over starts on month ends, 29 February, and ordinary days.
    static func simpleRules() -> [(rule: String, start: WallTime, zone: CalendarZone)] {
        let starts: [(WallTime, CalendarZone)] = [
            (WallTime(year: 2000, month: 1, day: 31, hour: 9, minute: 15)!, .utc),
            (WallTime(year: 2004, month: 2, day: 29, hour: 16)!, londonZone),
            (WallTime(year: 1999, month: 8, day: 30, hour: 1, minute: 30)!, londonZone),  // 01:30: in the spring-forward gap some years
            (WallTime(year: 2010, month: 3, day: 15, hour: 17)!, .utc),
            (WallTime(year: 1996, month: 5, day: 31)!, londonZone),
            (WallTime(year: 2020, month: 12, day: 29, hour: 23, minute: 59)!, londonZone),
        ]
        var result: [(String, WallTime, CalendarZone)] = []
        for (start, zone) in starts {
            for frequency in ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"] {
                for interval in [1, 2, 5, 12, 25] {
                    let base = "FREQ=\(frequency)" + (interval == 1 ? "" : ";INTERVAL=\(interval)")
                    // UNTIL exactly on a start (inclusive), a second before one, a date, and a local time.
                    let untilWall = WallTime(day: start.day + 3_000, second: start.second)
                    for ending in ["", ";COUNT=1", ";COUNT=7", ";COUNT=400", ";UNTIL=\(untilWall.compact(dateOnly: true))",
                                   ";UNTIL=\(WallTime(wallSeconds: untilWall.wallSeconds - 1).compact())Z",
                                   ";UNTIL=\(untilWall.compact())Z", ";UNTIL=\(untilWall.compact())"] {
                        result.append((base + ending, start, zone))
                    }
                }
            }
        }
        return result
    }

    /// Compares a series with the plain walk of the same rules: the starts of several spans, how many come before
    /// many days, and whether each day of those spans holds one.
    static func compare(_ rules: [RecurrenceRule], start: WallTime, zone: CalendarZone, lastDay: Int, label: String) {
        var reference = Set<Int>()
        for rule in rules {
            for wall in RecurrenceSeries.walk(rule, start: start, zone: zone, through: lastDay) {
                #expect(wall.second == start.second, "\(label)")
                reference.insert(wall.day)
            }
        }
        let walked = reference.sorted()
        let series = RecurrenceSeries(rules: rules, start: start, zone: zone, through: lastDay)
        let spans = [(start.day - 10, start.day + 400), (start.day + 2_900, start.day + 3_100), (lastDay - 700, lastDay),
                     (start.day - 5, lastDay)]
        for (first, last) in spans {
            let expected = walked.filter { $0 >= first && $0 <= last }
            let actual = series.days(from: first, through: last)
            #expect(actual == expected, "\(label): days \(first)…\(last): \(actual.prefix(5))… against \(expected.prefix(5))…")
            guard last - first <= 800 else { continue }
            for day in first...last where series.contains(day: day) != reference.contains(day) {
                Issue.record("\(label): contains(day: \(day)) is \(!reference.contains(day))")
                break
            }
        }
        for day in stride(from: start.day - 3, through: lastDay, by: 37) + walked.prefix(50).flatMap({ [$0, $0 + 1] }) {
            let expected = RecurrenceSeries.lowerBound(walked, day)
            let actual = series.count(before: day)
            if actual != expected {
                Issue.record("\(label): count(before: \(day)) is \(actual), the walk gives \(expected)")
                break
            }
        }
    }

    @Test func arithmeticSeriesMatchesThePlainWalk() throws {
        let lastDay = Self.day(2032, 12, 31)
        let cases = Self.simpleRules()
        #expect(cases.count == 6 * 4 * 5 * 8)
        for (text, start, zone) in cases {
            let untilZone: TimeForm = zone == .utc ? .floating : .zoned(zone)
            let rule = try RecurrenceRule.parse(text, untilZone: untilZone)
            Self.compare([rule], start: start, zone: zone, lastDay: lastDay, label: "\(text) from \(start) (\(zone.identifier))")
        }
    }

    @Test func monthEndsAndLeapDaysOverCenturies() throws {
        // 400-year cycles: the 31st in every month of 1,000 years, 29 February across 1900, 2000 and 2100.
        let lastDay = Self.day(2999, 12, 31)
        let cases: [(String, WallTime)] = [
            ("FREQ=MONTHLY", WallTime(year: 2000, month: 1, day: 31, hour: 8)!),
            ("FREQ=MONTHLY;INTERVAL=7", WallTime(year: 2001, month: 3, day: 30, hour: 8)!),
            ("FREQ=MONTHLY;INTERVAL=11;COUNT=900", WallTime(year: 2000, month: 12, day: 31)!),
            ("FREQ=YEARLY", WallTime(year: 1896, month: 2, day: 29, hour: 12)!),
            ("FREQ=YEARLY;INTERVAL=100", WallTime(year: 1600, month: 2, day: 29)!),
            ("FREQ=YEARLY;INTERVAL=3;COUNT=200", WallTime(year: 1804, month: 2, day: 29)!),
            ("FREQ=YEARLY;UNTIL=27000301", WallTime(year: 1904, month: 2, day: 29)!),
            ("FREQ=WEEKLY;INTERVAL=52;UNTIL=29000101T000000Z", WallTime(year: 1990, month: 1, day: 1, hour: 10)!),
        ]
        for (text, start) in cases {
            let rule = try RecurrenceRule.parse(text, untilZone: .utc)
            Self.compare([rule], start: start, zone: .utc, lastDay: lastDay, label: "\(text) from \(start)")
        }
    }

    @Test func rulesWithByPartsAndSeveralRulesAreWalked() throws {
        // These take the walk; the series still answers the same questions the same way.
        let lastDay = Self.day(2030, 12, 31)
        let start = WallTime(year: 2015, month: 9, day: 2, hour: 8, minute: 45)!
        let sets: [[String]] = [
            ["FREQ=WEEKLY;BYDAY=MO,WE,FR"],
            ["FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=300"],
            ["FREQ=MONTHLY;BYDAY=-1FR"],
            ["FREQ=MONTHLY;BYMONTHDAY=-1,15;UNTIL=20280101"],
            ["FREQ=YEARLY;BYMONTH=3,9;BYDAY=2TU"],
            ["FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"],
            ["FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;COUNT=40"],
        ]
        for texts in sets {
            let rules = try texts.map { try RecurrenceRule.parse($0, untilZone: .zoned(Self.londonZone)) }
            Self.compare(rules, start: start, zone: Self.londonZone, lastDay: lastDay, label: texts.joined(separator: " + "))
        }
    }

    /// One event read with a window that starts before DTSTART (every start made, as the walk made them) and
    /// with a window years later (the early starts counted): the later window's occurrences must be those of
    /// the first, numbers and all.
    static func checkNumbering(_ event: String, label: String) {
        let calendar = "BEGIN:VCALENDAR\nBEGIN:VEVENT\n" + event + "\nEND:VEVENT\nEND:VCALENDAR\n"
        let everything = DateInterval(start: utc("1999-01-01T00:00:00Z"), end: utc("2028-01-01T00:00:00Z"))
        let (all, allProblems) = readCalendar(calendar, window: everything)
        #expect(allProblems.isEmpty, "\(label): \(allProblems.listing)")
        for (from, to) in [("2026-11-01T00:00:00Z", "2027-11-01T00:00:00Z"), ("2012-02-27T13:00:00Z", "2012-03-05T00:00:00Z"),
                           ("2003-06-01T06:00:00Z", "2003-06-12T06:00:00Z")] {
            let window = DateInterval(start: utc(from), end: utc(to))
            let (some, problems) = readCalendar(calendar, window: window)
            #expect(problems.isEmpty, "\(label): \(problems.listing)")
            // (No window begins within an hour after midnight: all-day events are kept by their UTC midnight.)
            let expected = all.filter { window.contains($0.start) && $0.start < window.end }
            #expect(some.map(\.id) == expected.map(\.id), "\(label), \(from): ids")
            #expect(some.map(\.number) == expected.map(\.number), "\(label), \(from): numbers \(some.map(\.number).prefix(8)) against \(expected.map(\.number).prefix(8))")
            #expect(some == expected, "\(label), \(from)")
        }
    }

    @Test func occurrencesAreNumberedFromDTSTARTWhateverTheWindow() {
        let moved = """
            END:VEVENT
            BEGIN:VEVENT
            UID:e
            RECURRENCE-ID;TZID=Europe/London:20030604T083000
            DTSTART;TZID=Europe/London:20261203T070000
            SUMMARY:moved on
            END:VEVENT
            BEGIN:VEVENT
            UID:e
            RECURRENCE-ID;TZID=Europe/London:20030611T083000
            STATUS:CANCELLED
            DTSTART;TZID=Europe/London:20030611T083000
            """
        let events: [(String, String)] = [
            ("daily", "RRULE:FREQ=DAILY"),
            ("daily, interval", "RRULE:FREQ=DAILY;INTERVAL=3"),
            ("weekly, count", "RRULE:FREQ=WEEKLY;COUNT=1250"),
            ("weekly, count ends before", "RRULE:FREQ=WEEKLY;COUNT=300"),
            ("monthly, until", "RRULE:FREQ=MONTHLY;INTERVAL=2;UNTIL=20270301T000000Z"),
            ("yearly", "RRULE:FREQ=YEARLY"),
            ("exdates", "RRULE:FREQ=DAILY\nEXDATE;TZID=Europe/London:20000105T083000,20030602T083000,20261102T083000\nEXDATE;VALUE=DATE:20120301"),
            ("exdates, count", "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=700\nEXDATE;TZID=Europe/London:20030604T083000\nEXDATE:20261104T083000Z"),
            ("rdates", "RRULE:FREQ=WEEKLY\nRDATE;TZID=Europe/London:20000106T120000,20030604T083000,20120229T090000\nRDATE:20261110T000000Z"),
            ("byday", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\nEXDATE;TZID=Europe/London:20030604T083000"),
            ("byday, count", "RRULE:FREQ=MONTHLY;BYDAY=1WE,-1MO;COUNT=400"),
            ("two rules", "RRULE:FREQ=WEEKLY\nRRULE:FREQ=MONTHLY;BYMONTHDAY=1,2,3"),
            ("override from long ago", "RRULE:FREQ=WEEKLY\n" + moved),
            ("override, interval", "RRULE:FREQ=DAILY;INTERVAL=7\n" + moved),
        ]
        for (label, lines) in events {
            Self.checkNumbering("UID:e\nSUMMARY:\(label)\nDTSTART;TZID=Europe/London:20000105T083000\nDTEND;TZID=Europe/London:20000105T093000\n" + lines, label: label)
        }
        // All-day events.
        Self.checkNumbering("UID:d\nDTSTART;VALUE=DATE:20000229\nRRULE:FREQ=YEARLY\nEXDATE;VALUE=DATE:20040229", label: "leap days")
        Self.checkNumbering("UID:d\nDTSTART;VALUE=DATE:20000131\nRRULE:FREQ=MONTHLY;COUNT=330\nRDATE;VALUE=DATE:20010101", label: "month ends")
        Self.checkNumbering("UID:d\nDTSTART;VALUE=DATE:20000103\nRRULE:FREQ=DAILY;UNTIL=20270105\nEXDATE;VALUE=DATE:20000104,20261105", label: "daily dates")
    }

    @Test(.timeLimit(.minutes(1))) func rulesFromYearOneReachTheWindowPromptly() throws {
        let calendar = """
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            UID:daily
            DTSTART:00010101T090000Z
            RRULE:FREQ=DAILY
            EXDATE:00010102T090000Z,20261202T090000Z
            END:VEVENT
            BEGIN:VEVENT
            UID:count
            DTSTART:00010101T090000Z
            RRULE:FREQ=DAILY;COUNT=740000
            END:VEVENT
            BEGIN:VEVENT
            UID:weekly
            DTSTART;TZID=Europe/London:00010101T100000
            RRULE:FREQ=WEEKLY;INTERVAL=3
            END:VEVENT
            BEGIN:VEVENT
            UID:leap
            DTSTART;VALUE=DATE:00040229
            RRULE:FREQ=YEARLY;COUNT=600
            END:VEVENT
            BEGIN:VEVENT
            UID:huge
            DTSTART:20261201T090000Z
            RRULE:FREQ=DAILY;INTERVAL=9223372036854775807;COUNT=9223372036854775807
            END:VEVENT
            BEGIN:VEVENT
            UID:huge-walked
            DTSTART:20261201T090000Z
            RRULE:FREQ=WEEKLY;INTERVAL=9223372036854775807;BYDAY=TU,WE
            END:VEVENT
            END:VCALENDAR
            """
        let window = DateInterval(start: utc("2026-12-01T00:00:00Z"), end: utc("2027-12-01T00:00:00Z"))
        let clock = ContinuousClock()
        let started = clock.now
        let (occurrences, diagnostics) = readCalendar(calendar, window: window)
        let elapsed = clock.now - started
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        #expect(elapsed < .seconds(5), "\(elapsed)")
        let yearOne = Self.day(1, 1, 1)
        let windowDay = Self.day(2026, 12, 1)

        let daily = occurrences.filter { $0.uid == "daily" }
        #expect(daily.count == 364)
        #expect(daily.first?.start == utc("2026-12-01T09:00:00Z"))
        // One start before the window is excluded (2 January of year 1), and 2 December 2026 takes no number.
        #expect(daily.first?.number == windowDay - yearOne)
        #expect(daily.dropFirst().first?.number == windowDay - yearOne + 1)
        #expect(daily.dropFirst().first?.start == utc("2026-12-03T09:00:00Z"))

        // COUNT counts the starts before the window: the 740,000th is 739,999 days after DTSTART, in January 2027.
        let counted = occurrences.filter { $0.uid == "count" }
        let lastCounted = yearOne + 739_999
        #expect(counted.count == lastCounted - windowDay + 1)
        #expect(counted.count == 50)
        #expect(counted.last?.number == 740_000)
        #expect(counted.last.map { CalendarZone.utc.wall(at: $0.start).day } == lastCounted)

        let weekly = occurrences.filter { $0.uid == "weekly" }
        let firstWeekly = yearOne + ((windowDay - yearOne + 20) / 21) * 21
        #expect(weekly.count == 18)
        #expect(weekly.first?.number == (firstWeekly - yearOne) / 21 + 1)
        #expect(weekly.first.map { Self.londonZone.wall(at: $0.start) } == WallTime(day: firstWeekly, second: 36_000))

        // 29 February: 2028 is the 492nd leap year from year 4 (years 100, 200, 300, 500, … 1900 are not).
        let leap = occurrences.filter { $0.uid == "leap" }
        #expect(leap.isEmpty)
        let (leapLater, _) = readCalendar(calendar, window: DateInterval(start: utc("2028-01-01T00:00:00Z"), duration: 366 * 86_400))
        let leapDay = leapLater.filter { $0.uid == "leap" }
        #expect(leapDay.map(\.number) == [2028 / 4 - 2028 / 100 + 2028 / 400])
        #expect(leapDay.first?.number == 492)

        #expect(occurrences.filter { $0.uid == "huge" }.map(\.number) == [1])
        // Tuesday 1 and Wednesday 2 December; the next period is past any date.
        #expect(occurrences.filter { $0.uid == "huge-walked" }.map(\.number) == [1, 2])
    }
}
