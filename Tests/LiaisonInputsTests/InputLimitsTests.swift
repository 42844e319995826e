import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

/// Inputs that once hung a reader, ate gigabytes or crashed on arithmetic: each is refused or bounded with a
/// diagnostic that names the limit and where to raise it.
@Suite struct InputLimitsTests {
    static let header = "guardian_id,family_id,given_name,family_name,email"

    @Test func aRowWiderThanTheLimitIsLeftOutAndAWideHeaderStopsTheFile() throws {
        let wide = (0..<1_000_000).map { "c\($0)" }.joined(separator: ",")
        let (table, diagnostics) = CSVReader.read(Array((wide + "\na\n").utf8), file: "wide.csv")
        #expect(table == nil)
        #expect(diagnostics.map(\.code) == ["limit.columns"])
        #expect(diagnostics.first?.message.contains("limits.columns") == true)

        let rows = Self.header + "\nG1,F1,A,B,a@example.net\n" + String(repeating: "x,", count: 2_000) + "\nG2,F1,C,D,c@example.net\n"
        let (kept, problems) = CSVReader.read(Array(rows.utf8), file: "rows.csv")
        #expect(kept?.records.map(\.fields.first) == ["G1", "G2"])
        #expect(problems.map(\.code) == ["limit.columns"])
        #expect(problems.first?.location?.line == 3)
    }

    @Test func aLineLongerThanTheLimitIsSkippedWithoutHoldingItsFields() throws {
        var limits = InputLimits()
        limits.lineBytes = 10_000
        let long = Self.header + "\nG1,F1,A,B,a@example.net\n" + String(repeating: "y", count: 5_000_000) + "\nG2,F1,C,D,c@example.net\n"
        let (table, diagnostics) = CSVReader.read(Array(long.utf8), file: "long.csv", limits: limits)
        #expect(table?.records.map(\.fields.first) == ["G1", "G2"])
        #expect(diagnostics.map(\.code) == ["limit.line-length"])
        #expect(diagnostics.first?.location?.line == 3)
        // A quoted field that runs on past the limit is cut at it too, and the rows after it still read.
        let quoted = Self.header + "\nG1,\"" + String(repeating: "z", count: 50_000) + "\",A,B,x\nG2,F1,C,D,c@example.net\n"
        let (after, problems) = CSVReader.read(Array(quoted.utf8), file: "quoted.csv", limits: limits)
        #expect(problems.map(\.code).contains("limit.line-length"))
        #expect(after?.records.map(\.fields.first) == ["G2"])
    }

    @Test func anUnclosedQuoteInALargeFileGivesABoundedReport() throws {
        var lines = [Self.header, "G0,\"F1,A,B,a@example.net"]
        for row in 1...50_000 { lines.append("G\(row),F1,A,B") }  // one field short: every row would be an error
        let (_, diagnostics) = CSVReader.read(Array(lines.joined(separator: "\n").utf8), file: "big.csv")
        #expect(diagnostics.count == InputLimits.standard.diagnosticsPerFile + 1)
        #expect(diagnostics.first?.code == "csv.unterminated-quote")
        let summary = try #require(diagnostics.last)
        #expect(summary.code == "limit.diagnostics")
        #expect(summary.severity == .error)
        #expect(summary.message.contains("more problems"))
    }

    @Test func theLimiterCountsWhatItDropsPerFile() {
        let many = (1...250).map { Diagnostic.warning("x", "w\($0)", at: SourceLocation(file: $0 % 2 == 0 ? "a" : "b", line: $0)) }
        let capped = DiagnosticLimiter.capped(many + [.error("y", "no file")], limit: 100)
        #expect(capped.count == 100 + 1 + 100 + 1 + 1)
        #expect(capped.filter { $0.code == "limit.diagnostics" }.map(\.message.first) == ["2", "2"])
        #expect(capped.filter { $0.code == "limit.diagnostics" }.allSatisfy { $0.severity == .warning })
    }

    @Test func aHugeDurationIsIgnoredInsteadOfOverflowing() {
        func read(_ duration: String) -> (occurrences: Int, refused: Bool) {
            let (occurrences, diagnostics) = readCalendar("""
                BEGIN:VCALENDAR
                BEGIN:VEVENT
                UID:big
                DTSTART:20270101T090000Z
                DURATION:\(duration)
                SUMMARY:Long
                END:VEVENT
                END:VCALENDAR
                """)
            return (occurrences.count, diagnostics.contains { $0.code == "calendar.invalid-date" && $0.location?.line == 5 })
        }
        for huge in ["P999999999999999999W", "P9223372036854775807D", "PT9223372036854775807S", "P530W", "P1W9999999999999D"] {
            #expect(read(huge) == (1, true), "\(huge)")
        }
        for fine in ["P52W", "PT1H30M", "P1D"] {
            #expect(read(fine) == (1, false), "\(fine)")
        }
    }

    /// Found by fuzz-ical: a daily rule from DTSTART in year 1 made 200,000 occurrences to keep a few hundred.
    @Test func aRuleFromYearOneMakesOnlyTheWindowsOccurrencesNumberedFromItsStart() {
        let (occurrences, _) = readCalendar("""
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            UID:e0@fuzz
            SUMMARY:Daily 0
            DTSTART:00010101T090000Z
            RRULE:FREQ=DAILY
            END:VEVENT
            END:VCALENDAR
            """, window: DateInterval(start: Date(timeIntervalSince1970: Double(-719_162 + 2) * 86_400), duration: 3 * 86_400))
        #expect(occurrences.map(\.number) == [3, 4, 5])
        let (many, _) = readCalendar("""
            BEGIN:VCALENDAR
            BEGIN:VEVENT
            UID:e1@fuzz
            DTSTART;VALUE=DATE:20000101
            RRULE:FREQ=DAILY
            \((0..<3_000).map { "EXDATE;VALUE=DATE:\(20000102 + $0 % 27)" }.joined(separator: "\n"))
            END:VEVENT
            END:VCALENDAR
            """, window: DateInterval(start: utc("2000-01-01T00:00:00Z"), end: utc("2000-02-01T00:00:00Z")))
        #expect(many.count == 31 - 27)
    }

    @Test func aPipeOrDeviceNamedAsAnInputIsNotReadForever() throws {
        let fixture = Fixture()
        let fifo = fixture.path("roster.csv")
        #expect(mkfifo(fifo, 0o600) == 0)
        let (table, diagnostics) = CSVReader.read(contentsOf: fifo)
        #expect(table == nil)
        #expect(diagnostics.first?.message.contains("not a regular file") == true)
        var limits = InputLimits()
        limits.fileBytes = 100
        let big = fixture.write("big.csv", String(repeating: "a,b\n", count: 100))
        #expect(CSVReader.read(contentsOf: big, limits: limits).1.first?.code == "limit.file-size")
    }
}
