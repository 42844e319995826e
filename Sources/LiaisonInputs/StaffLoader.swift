import Foundation
import LiaisonModel

/// Reads the staff file (`roster.staff`, CSV): who may sign in to the office desk, with their role and classes.
///
/// ```
/// staff_id,name,role,classes,email,language
/// a.ali,Amina Ali,teacher,3A 3B,a.ali@school.example,ar
/// ```
///
/// `classes` is separated by spaces, commas or semicolons; `language` (optional) is the desk's language for them.
public enum StaffLoader {
    public static let columns = (required: ["staff_id", "name", "role"], optional: ["classes", "email", "language"])

    /// The staff in the file, rows with errors left out and reported at file:line and column; classes the roster
    /// does not know are reported as warnings (a teacher would see nothing of them).
    public static func load(path: String, knownClasses: Set<String>, limits: InputLimits = .standard) -> ([DeskStaff], [Diagnostic]) {
        let (read, problems) = CSVReader.read(contentsOf: path, limits: limits)
        var diagnostics = problems
        guard let table = read else { return ([], diagnostics) }
        let known = columns.required + columns.optional
        for column in columns.required where !table.hasColumn(column) {
            diagnostics.append(.error(
                "csv.missing-column", "the header lacks the required column \"\(column)\"", at: table.headerLocation(of: column)))
        }
        guard columns.required.allSatisfy(table.hasColumn) else { return ([], diagnostics) }
        for name in table.header where !known.contains(name.lowercased()) {
            diagnostics.append(.warning(
                "csv.unknown-column", "Liaison does not know the column \"\(name)\"\(Support.didYouMean(name, among: known)); it is ignored",
                at: table.headerLocation(of: name)))
        }
        var staff: [DeskStaff] = []
        var lines: [String: Int] = [:]
        for record in table.records {
            func value(_ column: String) -> String? {
                table.singleLineValue(column, in: record, reporting: &diagnostics).flatMap { $0.isEmpty ? nil : $0 }
            }
            func error(_ code: String, _ message: String, _ column: String) {
                diagnostics.append(.error(code, message, at: table.location(of: column, in: record)))
            }
            guard let id = value("staff_id") else { error("staff.missing-value", "staff_id is empty", "staff_id"); continue }
            guard DeskStaff.isValidID(id) else {
                error("staff.invalid-id", "staff_id must be 1 to 64 letters, digits, '.', '-', '_' or '@' (it is the sign-in name)", "staff_id")
                continue
            }
            if let first = lines[id] {
                error("staff.duplicate-id", "staff_id \"\(id)\" is already used on line \(first); this row is left out", "staff_id")
                continue
            }
            lines[id] = record.line
            guard let name = value("name") else { error("staff.missing-value", "name is empty", "name"); continue }
            let rawRole = value("role")?.lowercased() ?? ""
            guard let role = StaffRole(rawValue: rawRole) else {
                error(
                    "staff.invalid-role",
                    "role must be \(StaffRole.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(rawRole.prefix(40))\"\(Support.didYouMean(rawRole, among: StaffRole.allCases.map(\.rawValue)))",
                    "role")
                continue
            }
            let classes = (value("classes") ?? "").split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" }).map(String.init)
            for className in classes where !knownClasses.isEmpty && !knownClasses.contains(className) {
                diagnostics.append(.warning(
                    "staff.unknown-class", "class \"\(className.prefix(40))\" is not in the roster\(Support.didYouMean(className, among: knownClasses))",
                    at: table.location(of: "classes", in: record)))
            }
            if role == .teacher, classes.isEmpty {
                diagnostics.append(.warning(
                    "staff.no-classes", "\(id) is a teacher with no classes: the desk will show them no families", at: table.location(of: "classes", in: record)))
            }
            var language: LanguageTag?
            if let raw = value("language") {
                language = LanguageTag(raw)
                if language == nil { error("staff.invalid-language", "language \"\(raw.prefix(40))\" is not a language tag (en, ar, so)", "language") }
            }
            staff.append(DeskStaff(id: id, name: name, email: value("email"), role: role, classes: classes, language: language))
        }
        return (staff, diagnostics)
    }
}
