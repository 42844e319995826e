import Foundation
import LiaisonModel

/// Reads a OneRoster 1.1 CSV export (orgs.csv, users.csv, classes.csv, enrollments.csv; demographics.csv is not
/// needed) into the roster: students and their homeroom class, guardians (roles `parent`, `guardian`, `relative`)
/// linked by `agentSourcedIds`, and households as the groups of guardians and students linked to each other.
///
/// Ids are the SIS's `identifier` when given (so `S001` stays `S001`), else the `sourcedId`. A guardian's language
/// comes from `languageColumn` of users.csv or from the `languagesFile`; without one the school's default is used
/// and reported (`oneroster.no-language`).
public enum OneRosterLoader {
    public static let guardianRoles: Set<String> = ["parent", "guardian", "relative"]
    static let userColumns = ["sourcedId", "role", "givenName", "familyName"]
    static let classColumns = ["sourcedId", "title"]
    static let enrollmentColumns = ["classSourcedId", "userSourcedId", "role"]

    public static func load(_ source: OneRosterSource, defaultLocale: LanguageTag, limits: InputLimits = .standard) -> (Roster, [Diagnostic]) {
        var loader = Loader(source: source, defaultLocale: defaultLocale, limits: limits)
        return loader.load()
    }

    /// One row of users.csv that Liaison uses.
    struct User {
        var sourcedID: String
        var id: String
        var role: String
        var record: CSVRecord
        /// sourcedIds in agentSourcedIds, in order.
        var agents: [String]
    }

    private struct Loader {
        let source: OneRosterSource
        let defaultLocale: LanguageTag
        let limits: InputLimits
        var diagnostics: [Diagnostic] = []

        /// Opens a file of the export and checks its required columns; `nil` when it cannot be used.
        mutating func open(_ path: String, required: [String]) -> CSVTable? {
            let (table, problems) = CSVReader.read(contentsOf: path, limits: limits)
            diagnostics += problems
            guard let table else { return nil }
            let missing = required.filter { !table.hasColumn($0) }
            for column in missing {
                diagnostics.append(.error("oneroster.missing-column", "the header lacks the OneRoster column \"\(column)\"", at: table.headerLocation(of: column)))
            }
            return missing.isEmpty ? table : nil
        }

        static func active(_ table: CSVTable, _ record: CSVRecord) -> Bool {
            (table.value("status", in: record) ?? "").lowercased() != "tobedeleted"
        }

        /// `"a,b"` lists of sourcedIds.
        static func list(_ text: String?) -> [String] {
            (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        mutating func load() -> (Roster, [Diagnostic]) {
            _ = open(source.orgs, required: ["sourcedId", "name", "type"])
            guard let users = open(source.users, required: OneRosterLoader.userColumns) else { return (.empty, diagnostics) }
            let classes = open(source.classes, required: OneRosterLoader.classColumns)
            let enrollments = open(source.enrollments, required: OneRosterLoader.enrollmentColumns)
            let languages = readLanguages(users)

            var byID: [String: User] = [:]
            var order: [String] = []
            var ids: [String: Int] = [:]
            for record in users.records where Loader.active(users, record) {
                let sourcedID = users.value("sourcedId", in: record) ?? ""
                let role = (users.value("role", in: record) ?? "").lowercased()
                guard !sourcedID.isEmpty else {
                    diagnostics.append(.error("roster.missing-value", "sourcedId is empty; the row is left out", at: users.location(of: "sourcedId", in: record)))
                    continue
                }
                guard role == "student" || OneRosterLoader.guardianRoles.contains(role) else { continue }  // staff
                let id = users.nonEmpty("identifier", in: record) ?? sourcedID
                if byID[sourcedID] != nil || ids[id] != nil {
                    diagnostics.append(.error("roster.duplicate-id", "user \(id) (\(sourcedID)) is already on line \(ids[id] ?? byID[sourcedID]!.record.line); this row is left out", at: users.location(of: "sourcedId", in: record)))
                    continue
                }
                ids[id] = record.line
                byID[sourcedID] = User(sourcedID: sourcedID, id: id, role: role, record: record, agents: Loader.list(users.value("agentSourcedIds", in: record)))
                order.append(sourcedID)
            }

            let homerooms = readHomerooms(classes: classes, enrollments: enrollments, users: byID)
            var students: [Student] = []
            var guardians: [String: (sourced: String, record: CSVRecord)] = [:]
            for sourcedID in order {
                let user = byID[sourcedID]!
                if user.role == "student" {
                    let grade = Loader.grade(users.value("grades", in: user.record) ?? "")
                    if homerooms[sourcedID] == nil {
                        diagnostics.append(.warning("oneroster.no-class", "student \(user.id) has no class in enrollments.csv; class audiences will not reach them", at: users.location(of: "sourcedId", in: user.record)))
                    }
                    students.append(Student(
                        id: user.id, givenName: text("givenName", user.record, in: users) ?? "", familyName: text("familyName", user.record, in: users) ?? "",
                        grade: grade, className: homerooms[sourcedID] ?? "", origin: users.location(of: "sourcedId", in: user.record)))
                } else {
                    guardians[sourcedID] = (sourcedID, user.record)
                }
            }

            // Links: a guardian's agents are students, a student's agents are guardians (listed primary first).
            var links: [(guardian: String, student: String, primaryRank: Int?)] = []
            var seen: [String: Int] = [:]
            for sourcedID in order {
                let user = byID[sourcedID]!
                for (rank, agent) in user.agents.enumerated() {
                    guard let other = byID[agent] else {
                        diagnostics.append(.warning("oneroster.unknown-user", "agentSourcedIds names \(agent), who is not a student or guardian in users.csv; the link is ignored", at: users.location(of: "agentSourcedIds", in: user.record)))
                        continue
                    }
                    let pair: (String, String)? = user.role == "student" && other.role != "student" ? (agent, sourcedID)
                        : user.role != "student" && other.role == "student" ? (sourcedID, agent) : nil
                    guard let (guardian, student) = pair else {
                        diagnostics.append(.warning("oneroster.invalid-role", "agentSourcedIds links \(user.id) (\(user.role)) to \(other.id) (\(other.role)): links go between a student and a parent, guardian or relative; the link is ignored", at: users.location(of: "agentSourcedIds", in: user.record)))
                        continue
                    }
                    let rankFromStudent = user.role == "student" ? rank : nil
                    let key = guardian + "\u{0}" + student
                    if let index = seen[key] {
                        if let rankFromStudent { links[index].primaryRank = rankFromStudent }
                    } else {
                        seen[key] = links.count
                        links.append((guardian, student, rankFromStudent))
                    }
                }
            }
            var primaryOf: [String: String] = [:]
            for link in links.sorted(by: { ($0.primaryRank ?? Int.max) < ($1.primaryRank ?? Int.max) }) where primaryOf[link.student] == nil {
                primaryOf[link.student] = link.guardian
            }

            let households = Households(links: links.map { ($0.guardian, $0.student) }, guardians: order.filter { guardians[$0] != nil }, byID: byID)
            let linkedGuardians = Set(links.map(\.guardian))
            var guardianList: [Guardian] = []
            var kept = Set<String>()
            for sourcedID in order {
                guard let (_, record) = guardians[sourcedID] else { continue }
                let user = byID[sourcedID]!
                let household = households.id(ofGuardian: sourcedID)
                if let guardian = guardian(user, record: record, table: users, family: household, language: languages[sourcedID]) {
                    guardianList.append(guardian)
                    kept.insert(sourcedID)
                }
                if !linkedGuardians.contains(sourcedID) {
                    diagnostics.append(.warning("roster.guardian-without-students", "guardian \(user.id) is linked to no student (agentSourcedIds); they will receive no messages about children", at: users.location(of: "sourcedId", in: record)))
                }
            }
            var families: [Family] = []
            for (index, household) in households.groups.enumerated() {
                let id = households.id(at: index)
                let names = (household.students + household.guardians).compactMap { byID[$0] }
                    .compactMap { users.nonEmpty("familyName", in: $0.record).map { Whitespace.controlsRemoved($0) ?? $0 } }
                families.append(Family(id: id, name: names.first ?? id))
            }
            let guardianships = links.filter { kept.contains($0.guardian) }.map { link in
                let guardian = byID[link.guardian]!, student = byID[link.student]!
                return Guardianship(
                    guardianID: guardian.id, studentID: student.id, relationship: guardian.role, isPrimary: primaryOf[link.student] == link.guardian,
                    origin: users.location(of: "agentSourcedIds", in: guardian.record))
            }
            return (Roster(families: families, guardians: guardianList, students: students, guardianships: guardianships), diagnostics)
        }

        /// A name without line breaks or control characters (``CSVTable/singleLineValue(_:in:)``).
        mutating func text(_ column: String, _ record: CSVRecord, in table: CSVTable) -> String? {
            table.singleLineValue(column, in: record, reporting: &diagnostics)
        }

        /// CEDS grade codes as schools say them: `05` → `5`; others (`KG`, `R`) unchanged.
        static func grade(_ text: String) -> String {
            let first = text.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if let number = Int(first), number >= 0 { return String(number) }
            return first
        }

        /// Each student's homeroom (or first) class: its classCode, else its title.
        mutating func readHomerooms(classes: CSVTable?, enrollments: CSVTable?, users: [String: User]) -> [String: String] {
            guard let classes, let enrollments else { return [:] }
            var names: [String: (name: String, homeroom: Bool)] = [:]
            for record in classes.records where Loader.active(classes, record) {
                guard let id = classes.nonEmpty("sourcedId", in: record) else { continue }
                let name = classes.nonEmpty("classCode", in: record) ?? classes.value("title", in: record) ?? id
                names[id] = (name, (classes.value("classType", in: record) ?? "").lowercased() == "homeroom")
            }
            var result: [String: (name: String, homeroom: Bool)] = [:]
            for record in enrollments.records where Loader.active(enrollments, record) {
                guard (enrollments.value("role", in: record) ?? "").lowercased() == "student",
                      let user = enrollments.nonEmpty("userSourcedId", in: record), let classID = enrollments.nonEmpty("classSourcedId", in: record)
                else { continue }
                guard let named = names[classID] else {
                    diagnostics.append(.warning("oneroster.unknown-class", "classSourcedId \(classID) is not in classes.csv; the enrollment is ignored", at: enrollments.location(of: "classSourcedId", in: record)))
                    continue
                }
                guard users[user] != nil else {
                    diagnostics.append(.warning("oneroster.unknown-user", "userSourcedId \(user) is not a student in users.csv; the enrollment is ignored", at: enrollments.location(of: "userSourcedId", in: record)))
                    continue
                }
                if let current = result[user], current.homeroom || !named.homeroom { continue }
                result[user] = named
            }
            return result.mapValues(\.name)
        }

        /// Languages by sourcedId, from the configured column or side file.
        mutating func readLanguages(_ users: CSVTable) -> [String: (text: String, location: SourceLocation)] {
            var result: [String: (String, SourceLocation)] = [:]
            if let column = source.languageColumn {
                guard users.hasColumn(column) else {
                    diagnostics.append(.error("oneroster.missing-column", "users.csv has no column \"\(column)\" (roster.language_column)", at: users.headerLocation(of: column)))
                    return result
                }
                for record in users.records {
                    if let id = users.nonEmpty("sourcedId", in: record), let text = users.nonEmpty(column, in: record) {
                        result[id] = (text, users.location(of: column, in: record))
                    }
                }
            }
            if let file = source.languagesFile, let table = open(file, required: ["sourcedId", "language"]) {
                for record in table.records {
                    if let id = table.nonEmpty("sourcedId", in: record), let text = table.nonEmpty("language", in: record), result[id] == nil {
                        result[id] = (text, table.location(of: "language", in: record))
                    }
                }
            }
            return result
        }

        mutating func guardian(_ user: User, record: CSVRecord, table: CSVTable, family: String, language: (text: String, location: SourceLocation)?) -> Guardian? {
            var email = table.nonEmpty("email", in: record)
            if let raw = email, let problem = EmailAddress.problem(with: raw) {
                diagnostics.append(.warning("roster.invalid-email", "email \"\(raw)\" is not a usable address: \(problem); it is not used", at: table.location(of: "email", in: record)))
                email = nil
            }
            var phone: String?
            for column in ["sms", "phone"] {
                guard phone == nil, let raw = table.nonEmpty(column, in: record) else { continue }
                if let normalized = RosterLoader.normalizedPhone(raw) {
                    phone = normalized
                } else {
                    diagnostics.append(.warning("roster.invalid-phone", "\(column) \"\(raw)\" is not an international number (+447700900123); it is not used", at: table.location(of: column, in: record)))
                }
            }
            guard email != nil || phone != nil else {
                diagnostics.append(.error("roster.no-contact", "guardian \(user.id) has no usable email, sms or phone: they cannot be reached", at: table.location(of: "sourcedId", in: record)))
                return nil
            }
            var tag = defaultLocale
            if let language {
                if let parsed = LanguageTag(language.text) {
                    tag = parsed
                } else {
                    diagnostics.append(.warning("oneroster.invalid-language", "language \"\(language.text)\" of guardian \(user.id) is not a BCP 47 tag (ar, pt-BR, zh-Hant-HK); the school's \(defaultLocale) is used", at: language.location))
                }
            } else {
                diagnostics.append(.warning("oneroster.no-language", "guardian \(user.id) has no language\(source.languageColumn.map { " in the column \($0)" } ?? "")\(source.languagesFile.map { " or in \($0)" } ?? ""); the school's \(defaultLocale) is used", at: table.location(of: "sourcedId", in: record)))
            }
            return Guardian(
                id: user.id, familyID: family, givenName: text("givenName", record, in: table) ?? "", familyName: text("familyName", record, in: table) ?? "",
                email: email, phone: phone, language: tag, channels: email != nil ? [.email] : [.sms], origin: table.location(of: "sourcedId", in: record))
        }
    }

    /// Households: guardians and students linked to each other, directly or through another member.
    /// Guardians and students linked to each other, grouped by union-find (by size, with full path compression) so
    /// that a district-wide chain of links stays linear instead of quadratic.
    struct Households {
        var groups: [(guardians: [String], students: [String])] = []
        private var groupOfGuardian: [String: Int] = [:]
        /// Each group's id, worked out once.
        private var ids: [String] = []

        init(links: [(String, String)], guardians: [String], byID: [String: User]) {
            var parent: [String: String] = [:]
            var size: [String: Int] = [:]
            func find(_ node: String) -> String {
                var root = node
                while let next = parent[root], next != root { root = next }
                var current = node
                while let next = parent[current], next != root {
                    parent[current] = root
                    current = next
                }
                return root
            }
            func union(_ a: String, _ b: String) {
                let (rootA, rootB) = (find(a), find(b))
                guard rootA != rootB else { return }
                let (small, large) = size[rootA, default: 1] < size[rootB, default: 1] ? (rootA, rootB) : (rootB, rootA)
                parent[small] = large
                size[large, default: 1] += size[small, default: 1]
            }
            for guardian in guardians { parent["g:" + guardian] = "g:" + guardian }
            for (guardian, student) in links {
                parent["s:" + student] = parent["s:" + student] ?? "s:" + student
                parent["g:" + guardian] = parent["g:" + guardian] ?? "g:" + guardian
                union("g:" + guardian, "s:" + student)
            }
            var index: [String: Int] = [:]
            for guardian in guardians {
                let root = find("g:" + guardian)
                if index[root] == nil {
                    index[root] = groups.count
                    groups.append(([], []))
                }
                groups[index[root]!].guardians.append(guardian)
                groupOfGuardian[guardian] = index[root]!
            }
            var placed = Set<String>()
            for (_, student) in links where !placed.contains(student) {
                if let group = index[find("s:" + student)] {
                    groups[group].students.append(student)
                    placed.insert(student)
                }
            }
            ids = groups.map { Self.id(of: $0, byID: byID) }
        }

        /// The id of the group at `index`.
        func id(at index: Int) -> String { ids[index] }

        /// `H-` and the smallest student id of the household (or of its first guardian without children).
        static func id(of group: (guardians: [String], students: [String]), byID: [String: User]) -> String {
            let ids = group.students.compactMap { byID[$0]?.id }.sorted()
            return "H-" + (ids.first ?? group.guardians.first.flatMap { byID[$0]?.id } ?? "?")
        }

        func id(ofGuardian guardian: String) -> String {
            groupOfGuardian[guardian].map { ids[$0] } ?? "H-?"
        }
    }
}
