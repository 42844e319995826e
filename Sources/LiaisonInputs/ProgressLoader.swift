import Foundation
import LiaisonModel

public enum ProgressLoader {
    public static let requiredColumns = ["student_id", "subject", "mark", "comment"]
    public static let optionalColumns = ["teacher"]
    /// Columns whose value may not be empty.
    public static let requiredValues = ["student_id", "subject", "mark"]

    /// Columns that may carry a version per language, as `subject:so`, `comment:ar` (the plain column is the
    /// school's language).
    public static let translatableColumns = ["subject", "comment"]

    /// The column and language of a header like `comment:so`; nil for any other.
    static func translation(_ header: String) -> (column: String, language: LanguageTag)? {
        let parts = header.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, translatableColumns.contains(parts[0].lowercased()), let language = LanguageTag(parts[1]) else { return nil }
        return (parts[0].lowercased(), language)
    }

    /// Reads progress data (progress.* codes). Whether each student exists is for `check` to say.
    /// Rows with errors are reported and left out; a subject repeated for a student is a warning and both are kept.
    public static func load(path: String, limits: InputLimits = .standard) -> ([ProgressRecord], [Diagnostic]) {
        let (table, problems) = CSVReader.read(contentsOf: path, limits: limits)
        var diagnostics = problems
        guard let table else { return ([], diagnostics) }
        var usable = true
        for column in requiredColumns where !table.hasColumn(column) {
            diagnostics.append(.error("csv.missing-column", "the header lacks the required column \"\(column)\"", at: table.headerLocation(of: column)))
            usable = false
        }
        let known = requiredColumns + optionalColumns
        // Versions per language: column -> (language, header as written).
        var versions: [String: [(language: LanguageTag, header: String)]] = [:]
        for (index, name) in table.header.enumerated() where !known.contains(name.lowercased()) {
            if let (column, language) = translation(name) {
                if versions[column, default: []].contains(where: { $0.language == language }) {
                    diagnostics.append(.warning(
                        "csv.duplicate-column", "\(column) in \(language) has a column already; this one is ignored", at: table.headerLocation(of: name)))
                } else {
                    versions[column, default: []].append((language, name))
                }
                continue
            }
            let message = name.isEmpty
                ? "column \(index + 1) has no name; it is ignored"
                : name.contains(":")
                ? "\"\(name)\" is not a version of subject or comment in a language (write subject:so, comment:ar, with a language tag)"
                : "Liaison does not know the column \"\(name)\"\(Support.didYouMean(name, among: known)); it is ignored"
            diagnostics.append(.warning("csv.unknown-column", message, at: table.headerLocation(of: name.isEmpty ? "column \(index + 1)" : name)))
        }
        /// The column's text in the school's language with the row's versions in other languages (empty cells: none).
        func text(_ column: String, in record: CSVRecord) -> LocalizedText {
            var text = LocalizedText(LanguageRun.removingReserved(table.value(column, in: record) ?? ""))
            for (language, header) in versions[column] ?? [] {
                if let version = table.nonEmpty(header, in: record) { text.translations[language] = LanguageRun.removingReserved(version) }
            }
            return text
        }
        guard usable else { return ([], diagnostics) }

        var records: [ProgressRecord] = []
        var firstLines: [String: Int] = [:]
        for record in table.records {
            var ok = true
            for column in requiredValues where (table.value(column, in: record) ?? "").isEmpty {
                diagnostics.append(.error("progress.missing-value", "\(column) is empty", at: table.location(of: column, in: record)))
                ok = false
            }
            guard ok else { continue }
            let studentID = table.value("student_id", in: record) ?? ""
            let subject = table.value("subject", in: record) ?? ""
            let key = studentID + "\u{0}" + subject.lowercased()
            if let first = firstLines[key] {
                diagnostics.append(.warning(
                    "progress.duplicate", "student \(studentID) already has a \(subject) line on line \(first); both are kept",
                    at: table.location(of: "subject", in: record)))
            } else {
                firstLines[key] = record.line
            }
            records.append(ProgressRecord(
                studentID: studentID, subject: text("subject", in: record), mark: table.value("mark", in: record) ?? "",
                comment: text("comment", in: record), teacher: table.nonEmpty("teacher", in: record),
                origin: table.location(of: "student_id", in: record)))
        }
        return (records, diagnostics)
    }
}
