import Foundation
import LiaisonModel
import LiaisonTestSupport
import Testing
@testable import LiaisonInputs

/// Runs a program and returns its standard output; fails the test with its standard error otherwise.
func run(_ program: String, _ arguments: [String]) throws -> String {
    let result = try runProgram(program, arguments)
    guard result.status == 0 else {
        throw RunError(description: "\(program) \(arguments.joined(separator: " ")) failed: \(result.errors)")
    }
    return result.output
}

struct RunError: Error, CustomStringConvertible {
    var description: String
}

/// Liaison's occurrences in the judge's format: `UID<TAB>start<TAB>end`, dates for all-day events, UTC otherwise.
func judgeLines(_ occurrences: [CalendarOccurrence], zone: TimeZone) -> [String] {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return occurrences.map { occurrence in
        if occurrence.allDay {
            let (y, m, d) = CalendarZone.system(zone).wall(at: occurrence.start).civil
            return "\(occurrence.uid)\t" + String(format: "%04d-%02d-%02d", y, m, d) + "\t"
        }
        return "\(occurrence.uid)\t\(formatter.string(from: occurrence.start))\t\(occurrence.end.map { formatter.string(from: $0) } ?? "")"
    }.sorted()
}

/// The expansion agrees with Python's `icalendar` + `recurring-ical-events` over two years, across the
/// daylight-saving changes of Europe/London, America/New_York and Australia/Sydney.
@Suite struct IndependentCalendarTests {
    static let from = "2026-11-23T00:00:00Z"
    static let to = "2028-11-23T00:00:00Z"
    static let judge = inputsTestsFolder.deletingLastPathComponent().appendingPathComponent("Support/ical_occurrences.py").path

    @Test(arguments: ["google.ics", "outlook.ics", "thunderbird.ics", "recurrence.ics"])
    func agreesWithRecurringIcalEvents(_ name: String) throws {
        let file = calendarFixtures + "/" + name
        let window = DateInterval(start: utc(Self.from), end: utc(Self.to))
        let (occurrences, diagnostics) = CalendarReader.read(path: file, name: "t", window: window, fallbackZone: london)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        let expected = try run("python3", [Self.judge, file, "--from", Self.from, "--to", Self.to, "--zone", "Europe/London"])
            .split(separator: "\n").map(String.init)
        let actual = judgeLines(occurrences, zone: london)
        let missing = Set(expected).subtracting(actual).sorted()
        let extra = Set(actual).subtracting(expected).sorted()
        #expect(missing.isEmpty && extra.isEmpty, "\(name): missing \(missing.prefix(10)), extra \(extra.prefix(10))")
        #expect(actual.count == expected.count)
        #expect(expected.count >= 10)
        print("\(name): \(actual.count) occurrences agree with recurring-ical-events")
    }
}
