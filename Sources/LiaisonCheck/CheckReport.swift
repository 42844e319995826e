import Foundation
import LiaisonInputs
import LiaisonLocalization
import LiaisonModel
import LiaisonRender

/// What `liaison check` found: figures about the school and every diagnostic, for people (text) and scripts (JSON).
public struct CheckReport: Sendable, Codable {
    public var configFile: String
    public var school: String?
    public var counts = Counts()
    public var coverage: [LocaleCoverage] = []
    public var languages: [LanguageUse] = []
    public var events: [EventSummary] = []
    /// Staff text readers of each letter language get untranslated, per event still to come.
    public var staffText: [StaffTextGap] = []
    /// The SMS form of each event still to come, per catalog language, in SMS parts.
    public var shortForms: [ShortFormSize] = []
    /// How each calendar event maps to a notification plan (empty without calendars).
    public var calendar: [CalendarMapping] = []
    public var diagnostics: [Diagnostic] = []
    public var errors = 0
    public var warnings = 0

    public init(configFile: String) {
        self.configFile = configFile
    }

    public struct Counts: Sendable, Codable {
        public var families = 0
        public var guardians = 0
        public var students = 0
        public var events = 0
        public var templates = 0
        public var locales = 0
    }

    /// How many guardians read a language, and what they will get.
    public struct LanguageUse: Sendable, Codable {
        public var language: String
        public var guardians: Int
        public var resolved: String
        public var chain: String
        public var fallback: Bool
    }

    public struct EventSummary: Sendable, Codable {
        public var id: String
        public var kind: String
        public var template: String
        public var start: Date
        public var audience: String
        public var recipients: Int
        public var firstSend: Date?
    }

    /// True when `check` should fail.
    public var passed: Bool { errors == 0 }

    mutating func summarize(_ snapshot: SchoolSnapshot, recipients: [String: Int], now: Date) {
        school = snapshot.school.name
        counts = Counts(
            families: snapshot.roster.families.count, guardians: snapshot.roster.guardians.count,
            students: snapshot.roster.students.count, events: snapshot.events.count,
            templates: snapshot.templates.names.count, locales: snapshot.catalogs.locales.count)
        coverage = snapshot.catalogs.coverage()
        var byLanguage: [LanguageTag: Int] = [:]
        for guardian in snapshot.roster.guardians { byLanguage[guardian.language, default: 0] += 1 }
        languages = byLanguage.sorted { $0.key < $1.key }.map { language, count in
            let chain = snapshot.renderer.chain(for: language)
            return LanguageUse(
                language: language.rawValue, guardians: count, resolved: chain.resolved.rawValue,
                chain: chain.description, fallback: chain.fallbackKind == .otherLanguage)
        }
        events = snapshot.events.map { event in
            let sends = event.plan.sendAt + event.plan.reminders.compactMap { $0.fireDate(forEventStart: event.start, in: event.timeZone) }
            return EventSummary(
                id: event.id, kind: event.kind.rawValue, template: event.template, start: event.start,
                audience: event.audience.description, recipients: recipients[event.id] ?? 0,
                firstSend: sends.filter { $0 >= now }.min())
        }
        staffText = StaffTextCoverage.gaps(snapshot, now: now)
        shortForms = ShortFormReport.sizes(snapshot, now: now)
        for size in shortForms where size.parts > size.limit {
            diagnostics.append(
                .warning(
                    "sms.too-long",
                    "the SMS of \(size.event) in \(size.language) takes \(size.parts) parts (\(size.characters) characters, \(size.encoding)); its template \(size.template) allows \(size.limit) (max-sms-parts in sms.mustache): shorten the catalog's sms or subject messages or the event's title"))
        }
    }

    mutating func finish(limits: InputLimits = .standard) {
        func order(_ lhs: Diagnostic, _ rhs: Diagnostic) -> Bool {
            if lhs.severity != rhs.severity { return lhs.severity < rhs.severity }
            let left = lhs.location, right = rhs.location
            if left?.file != right?.file { return (left?.file ?? "") < (right?.file ?? "") }
            if left?.line != right?.line { return (left?.line ?? 0) < (right?.line ?? 0) }
            return lhs.code < rhs.code
        }
        diagnostics.sort(by: order)
        errors = diagnostics.filter { $0.severity == .error }.count
        warnings = diagnostics.filter { $0.severity == .warning }.count
        // The counts are of every problem; the list keeps the first ones of each file and says how many more.
        if diagnostics.count > limits.diagnosticsPerFile {
            // Sorted first so each file keeps its most severe; sorted again to put the "N more" lines in their place.
            diagnostics = DiagnosticLimiter.capped(diagnostics, limit: limits.diagnosticsPerFile).sorted(by: order)
        }
    }

    /// The report as pretty JSON.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// `2026-12-16 14:00` in a zone.
    private static func minuteFormatter(_ timeZone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter
    }

    /// The report as text for a terminal, in the school's time zone.
    public func text(timeZone: TimeZone = .current) -> String {
        var lines: [String] = ["Liaison check: \(configFile)"]
        if let school {
            lines.append("School: \(school)")
            lines.append("Roster: \(counts.families) families, \(counts.guardians) guardians, \(counts.students) students")
            lines.append("Schedule: \(counts.events) events; \(counts.templates) templates; \(counts.locales) catalogs")
        }
        if !coverage.isEmpty {
            lines.append("")
            lines.append("Catalog coverage")
            lines += Table(["locale", "translated", "missing"], coverage.map { item in
                [item.locale.rawValue, "\(item.translated)/\(item.total)", item.missing.isEmpty ? "" : "\(item.missing.count): " + item.missing.prefix(4).joined(separator: ", ") + (item.missing.count > 4 ? ", …" : "")]
            }).lines
        }
        if !languages.isEmpty {
            lines.append("")
            lines.append("Guardian languages")
            lines += Table(["language", "guardians", "catalog", "chain"], languages.map { use in
                [use.language, "\(use.guardians)", use.resolved + (use.fallback ? " (fallback)" : ""), use.chain]
            }).lines
        }
        if !events.isEmpty {
            lines.append("")
            lines.append("Events")
            let formatter = Self.minuteFormatter(timeZone)
            lines += Table(["event", "kind", "template", "starts", "recipients", "next send"], events.map { event in
                [event.id, event.kind, event.template, formatter.string(from: event.start), "\(event.recipients)", event.firstSend.map { formatter.string(from: $0) } ?? "-"]
            }).lines
        }
        if !staffText.isEmpty {
            lines.append("")
            lines.append("Staff text not written or translated for its readers (marked as such in their letters; liaison locales export --event E)")
            lines += Table(["event", "catalog", "guardians", "untranslated"], staffText.map { gap in
                [gap.event, gap.language, "\(gap.guardians)", gap.fields.prefix(4).joined(separator: ", ") + (gap.fields.count > 4 ? ", … (\(gap.fields.count))" : "")]
            }).lines
        }
        if !shortForms.isEmpty {
            lines.append("")
            lines.append("SMS sizes (the longest per event and catalog; GSM-7 160 or 153 a part, UCS-2 70 or 67)")
            lines += Table(["event", "catalog", "characters", "encoding", "parts", "limit"], shortForms.map { size in
                [size.event, size.language, "\(size.characters)", size.encoding, "\(size.parts)" + (size.parts > size.limit ? " (too long)" : ""), "\(size.limit)"]
            }).lines
        }
        if !calendar.isEmpty {
            lines.append("")
            lines.append("Calendar events")
            let formatter = Self.minuteFormatter(timeZone)
            lines += Table(["calendar", "event", "occurrences", "first", "plan"], calendar.map { item in
                [item.calendar, item.summary, "\(item.occurrences)", formatter.string(from: item.firstStart),
                 [item.plan, item.problem].compactMap { $0 }.joined(separator: "; ")]
            }).lines
        }
        if !diagnostics.isEmpty {
            lines.append("")
            lines.append("Problems")
            lines += diagnostics.map { "  \($0)" }
        }
        lines.append("")
        lines.append("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")" + (passed ? ": OK" : ": FAILED"))
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A plain text table with columns padded to the widest cell (counting characters, not bytes).
public struct Table: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public init(_ header: [String], _ rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    public var lines: [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            "  " + row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[index] - cell.count))
            }.joined(separator: "  ")
        }
    }
}

/// One line of CSV (RFC 4180): a cell holding a comma, a quote or a line break of any kind is quoted, its quotes doubled.
public enum CSVLine {
    /// A cell starting with = + - @ or a tab or carriage return becomes text in a spreadsheet, not a formula (text a
    /// family typed, such as a name signing a permission slip, could otherwise run as one).
    public static func safe(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return cell }
        return "'" + cell
    }

    /// `join` of cells made safe for spreadsheets (``safe(_:)``).
    public static func safeJoin(_ cells: [String]) -> String { join(cells.map(safe)) }

    public static func join(_ cells: [String]) -> String {
        cells.map { cell in
            cell.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
                ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }.joined(separator: ",")
    }
}
