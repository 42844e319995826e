import Foundation
import LiaisonModel

public enum ProgressLoader {
    public static let requiredColumns = ["student_id", "subject", "mark", "comment"]
    public static let optionalColumns = ["teacher"]
    /// Columns whose value may not be empty.
    public static let requiredValues = ["student_id", "subject", "mark"]

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
        for (index, name) in table.header.enumerated() where !known.contains(name.lowercased()) {
            let message = name.isEmpty
                ? "column \(index + 1) has no name; it is ignored"
                : "Liaison does not know the column \"\(name)\"\(Support.didYouMean(name, among: known)); it is ignored"
            diagnostics.append(.warning("csv.unknown-column", message, at: table.headerLocation(of: name.isEmpty ? "column \(index + 1)" : name)))
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
                studentID: studentID, subject: subject, mark: table.value("mark", in: record) ?? "",
                comment: table.value("comment", in: record) ?? "", teacher: table.nonEmpty("teacher", in: record),
                origin: table.location(of: "student_id", in: record)))
        }
        return (records, diagnostics)
    }
}
