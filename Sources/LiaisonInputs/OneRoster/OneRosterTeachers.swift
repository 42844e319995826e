import Foundation
import LiaisonModel

/// The teachers of a OneRoster 1.1 export as desk staff: users with the role `teacher` (active), the classes their
/// enrollments name (role `teacher`), by class code or title as the roster names classes. Their sign-in name is
/// `username`, else `identifier`, else `sourcedId` (a teacher whose name cannot be a sign-in name is reported and
/// left out); a staff file beside the export adds the office, the nurse and admins, and overrides a teacher by id.
public enum OneRosterTeachers {
    public static func load(_ source: OneRosterSource, limits: InputLimits = .standard) -> ([DeskStaff], [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let (readUsers, userProblems) = CSVReader.read(contentsOf: source.users, limits: limits)
        diagnostics += userProblems
        guard let users = readUsers, users.hasColumn("sourcedId"), users.hasColumn("role") else { return ([], diagnostics) }
        func active(_ table: CSVTable, _ record: CSVRecord) -> Bool { (table.value("status", in: record) ?? "").lowercased() != "tobedeleted" }

        var teachers: [String: DeskStaff] = [:]
        var order: [String] = []
        var taken: [String: Int] = [:]
        for record in users.records where active(users, record) && (users.value("role", in: record) ?? "").lowercased() == "teacher" {
            guard let sourcedID = users.nonEmpty("sourcedId", in: record) else { continue }
            let login = users.nonEmpty("username", in: record) ?? users.nonEmpty("identifier", in: record) ?? sourcedID
            guard DeskStaff.isValidID(login) else {
                diagnostics.append(.warning(
                    "oneroster.invalid-staff-id",
                    "teacher \(sourcedID)'s sign-in name cannot be used (letters, digits, '.', '-', '_', '@'; at most 64); they get no desk account",
                    at: users.location(of: users.hasColumn("username") ? "username" : "sourcedId", in: record)))
                continue
            }
            if let line = taken[login] {
                diagnostics.append(.warning(
                    "oneroster.duplicate-staff-id", "teacher sign-in name \(login) is already used on line \(line); this teacher is left out",
                    at: users.location(of: "sourcedId", in: record)))
                continue
            }
            taken[login] = record.line
            let name = [users.value("givenName", in: record) ?? "", users.value("familyName", in: record) ?? ""]
                .filter { !$0.isEmpty }.joined(separator: " ")
            teachers[sourcedID] = DeskStaff(id: login, name: name.isEmpty ? login : name, email: users.nonEmpty("email", in: record), role: .teacher)
            order.append(sourcedID)
        }
        guard !teachers.isEmpty else { return ([], diagnostics) }

        let (readClasses, classProblems) = CSVReader.read(contentsOf: source.classes, limits: limits)
        let (readEnrollments, enrollmentProblems) = CSVReader.read(contentsOf: source.enrollments, limits: limits)
        diagnostics += classProblems + enrollmentProblems
        if let classes = readClasses, let enrollments = readEnrollments {
            var names: [String: String] = [:]
            for record in classes.records where active(classes, record) {
                guard let id = classes.nonEmpty("sourcedId", in: record) else { continue }
                names[id] = classes.nonEmpty("classCode", in: record) ?? classes.value("title", in: record) ?? id
            }
            for record in enrollments.records where active(enrollments, record) && (enrollments.value("role", in: record) ?? "").lowercased() == "teacher" {
                guard let user = enrollments.nonEmpty("userSourcedId", in: record), teachers[user] != nil,
                      let classID = enrollments.nonEmpty("classSourcedId", in: record), let name = names[classID]
                else { continue }
                if !teachers[user]!.classes.contains(name) { teachers[user]!.classes.append(name) }
            }
        }
        return (order.compactMap { teachers[$0] }, diagnostics)
    }

    /// The staff file's members, then the export's teachers it does not name.
    public static func merge(file: [DeskStaff], teachers: [DeskStaff]) -> [DeskStaff] {
        let named = Set(file.map(\.id))
        return file + teachers.filter { !named.contains($0.id) }
    }
}
