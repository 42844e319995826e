import Foundation
import LiaisonModel

public enum RosterLoader {
    // The usual channel lists, shared by every guardian who has them (one array in memory, not one per guardian).
    static let emailOnly: [ChannelKind] = [.email]
    static let smsOnly: [ChannelKind] = [.sms]
    static let chatOnly: [ChannelKind] = [.chat]

    /// The columns of each roster file: required ones first, then the optional ones.
    public static let familyColumns = (required: ["family_id"], optional: ["family_name"])
    public static let guardianColumns = (
        required: ["guardian_id", "family_id", "given_name", "language"],
        optional: ["family_name", "email", "phone", "chat_id", "channels", "time_zone", "quiet_hours"]
    )
    public static let studentColumns = (required: ["student_id", "given_name", "grade", "class"], optional: ["family_name"])
    public static let guardianshipColumns = (required: ["guardian_id", "student_id"], optional: ["relationship", "primary"])

    /// Reads the four files, checks required and unknown columns and every value (roster.* codes),
    /// cross-references ids, and returns the usable part of the roster (rows with errors are left out,
    /// and reported) plus the diagnostics.
    public static func load(_ files: RosterFiles, limits: InputLimits = .standard) -> (Roster, [Diagnostic]) {
        var loader = Loader()
        loader.limits = limits
        return loader.load(files)
    }

    /// Normalises a phone number to E.164 (`+447700900123`): spaces, dashes, dots and parentheses are removed;
    /// the rest must be `+` and 8–15 digits. `nil` when it is not a phone number.
    public static func normalizedPhone(_ text: String) -> String? {
        // Most numbers are ASCII: read byte by byte (the same rules), the rest character by character.
        if let ascii = normalizedASCIIPhone(text) { return ascii.isEmpty ? nil : ascii }
        return normalizedPhoneByCharacter(text)
    }

    /// ``normalizedPhone(_:)`` for ASCII text: the number, "" when the text is not a number, `nil` when not ASCII.
    static func normalizedASCIIPhone(_ text: String) -> String? {
        var compact: [UInt8] = []
        compact.reserveCapacity(16)
        for byte in text.utf8 {
            guard byte < 0x80 else { return nil }
            switch byte {
            case 0x20, 0x2D, 0x2E, 0x28, 0x29, 0x09: continue  // space - . ( ) tab
            default: compact.append(byte)
            }
        }
        guard compact.first == UInt8(ascii: "+") else { return "" }
        let digits = compact.dropFirst()
        guard (8...15).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), digits.first != 0x30 else { return "" }
        return String(decoding: compact, as: UTF8.self)
    }

    static func normalizedPhoneByCharacter(_ text: String) -> String? {
        let ignored: Set<Character> = [" ", "-", ".", "(", ")", "\t", "\u{00A0}", "\u{2010}", "\u{2011}", "\u{2013}"]
        let compact = text.filter { !ignored.contains($0) }
        guard compact.first == "+" else { return nil }
        let digits = compact.dropFirst()
        guard (8...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first != "0" else { return nil }
        return compact
    }

    /// `yes`/`no`, `true`/`false`, `1`/`0` (any case); empty means no. `nil` for anything else.
    public static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "y", "true", "1": true
        case "no", "n", "false", "0", "": false
        default: nil
        }
    }

    /// Splits a channels list (`email;sms`, also `,`, `|` or spaces) into lower-cased names.
    public static func channelNames(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == ";" || $0 == "," || $0 == "|" || $0.isWhitespace })
            .map { $0.lowercased() }
    }

    private struct Sheet {
        var table: CSVTable
        /// False when a required column is missing: then no row of the file is used.
        var usable: Bool
        /// Every id written in the id column, by first line, including rows that were rejected.
        var ids: [String: Int]
    }

    private struct Loader {
        var diagnostics: [Diagnostic] = []
        var limits = InputLimits.standard
        /// Id comparisons left for suggestions: each suggestion compares the id with every id of a file, so a
        /// broken file with thousands of unknown ids would take minutes; the report lists only the first ones anyway.
        var comparisonsLeft = 2_000_000

        /// `Support.didYouMean` for an unknown id, while comparisons are left.
        mutating func didYouMeanID(_ id: String, among ids: some Collection<String>) -> String {
            guard comparisonsLeft >= ids.count else { return "" }
            comparisonsLeft -= ids.count
            return Support.didYouMean(id, among: ids)
        }

        /// Checks the columns of a file read by `CSVReader` and collects its ids.
        mutating func open(_ read: (CSVTable?, [Diagnostic]), idColumn: String, required: [String], optional: [String]) -> Sheet? {
            let (table, problems) = read
            diagnostics += problems
            guard let table else { return nil }
            var usable = true
            for column in required where !table.hasColumn(column) {
                let unknown = table.header.filter { name in !(required + optional).contains(name.lowercased()) }
                diagnostics.append(.error(
                    "csv.missing-column",
                    "the header lacks the required column \"\(column)\"\(Support.didYouMean(column, among: unknown))",
                    at: table.headerLocation(of: column)))
                usable = false
            }
            for (index, name) in table.header.enumerated() where !(required + optional).contains(name.lowercased()) {
                let message = name.isEmpty
                    ? "column \(index + 1) has no name; it is ignored"
                    : "Liaison does not know the column \"\(name)\"\(Support.didYouMean(name, among: required + optional)); it is ignored"
                diagnostics.append(.warning("csv.unknown-column", message, at: table.headerLocation(of: name.isEmpty ? "column \(index + 1)" : name)))
            }
            var ids: [String: Int] = [:]
            if let index = table.index(of: idColumn) {
                for record in table.records + table.rejected where index < record.fields.count {
                    let id = CSVTable.trimmed(record.fields[index])
                    if !id.isEmpty, ids[id] == nil { ids[id] = record.line }
                }
            }
            return Sheet(table: table, usable: usable, ids: ids)
        }

        /// A value with line breaks and control characters taken out, and a warning at the field (without the
        /// value: reports reach logs): a name with a line break would make every email to its guardian fail.
        mutating func text(_ column: String, _ record: CSVRecord, in table: CSVTable) -> String? {
            table.singleLineValue(column, in: record, reporting: &diagnostics)
        }

        /// The trimmed value of a required field, reporting roster.missing-value when it is empty.
        mutating func required(_ column: String, _ record: CSVRecord, in table: CSVTable, ok: inout Bool) -> String {
            let value = text(column, record, in: table) ?? ""
            if value.isEmpty {
                diagnostics.append(.error("roster.missing-value", "\(column) is empty", at: table.location(of: column, in: record)))
                ok = false
            }
            return value
        }

        /// Reports a repeated id and returns false; remembers the first line otherwise.
        mutating func firstUse(_ id: String, _ column: String, _ record: CSVRecord, in table: CSVTable, lines: inout [String: Int]) -> Bool {
            if let first = lines[id] {
                diagnostics.append(.error(
                    "roster.duplicate-id", "\(column) \"\(id)\" is already used on line \(first); this row is left out",
                    at: table.location(of: column, in: record)))
                return false
            }
            lines[id] = record.line
            return true
        }

        mutating func error(_ code: String, _ message: String, _ column: String?, _ record: CSVRecord, _ table: CSVTable) {
            diagnostics.append(.error(code, message, at: table.location(of: column, in: record)))
        }

        mutating func load(_ files: RosterFiles) -> (Roster, [Diagnostic]) {
            // The four files are parsed at the same time, then their rows checked at the same time (each kind by a
            // loader of its own); diagnostics keep the files' order.
            let read = Parallel.map([files.families, files.guardians, files.students, files.guardianships]) { [limits] in CSVReader.read(contentsOf: $0, limits: limits) }
            let familySheet = open(read[0], idColumn: "family_id", required: familyColumns.required, optional: familyColumns.optional)
            let guardianSheet = open(read[1], idColumn: "guardian_id", required: guardianColumns.required, optional: guardianColumns.optional)
            let studentSheet = open(read[2], idColumn: "student_id", required: studentColumns.required, optional: studentColumns.optional)
            let linkSheet = open(read[3], idColumn: "guardian_id", required: guardianshipColumns.required, optional: guardianshipColumns.optional)

            enum Loaded {
                case families([Family]), guardians([Guardian]), students([Student]), links(Links)
            }
            let loaded = Parallel.map(0..<4) { kind -> (Loaded, [Diagnostic]) in
                var loader = Loader()
                let rows: Loaded = switch kind {
                case 0: .families(loader.loadFamilies(familySheet))
                case 1: .guardians(loader.loadGuardians(guardianSheet, families: familySheet))
                case 2: .students(loader.loadStudents(studentSheet))
                default: .links(loader.loadGuardianships(linkSheet, guardians: guardianSheet, students: studentSheet))
                }
                return (rows, loader.diagnostics)
            }
            var families: [Family] = []
            var guardians: [Guardian] = []
            var students: [Student] = []
            var links = Links()
            for (rows, found) in loaded {
                diagnostics += found
                switch rows {
                case .families(let rows): families = rows
                case .guardians(let rows): guardians = rows
                case .students(let rows): students = rows
                case .links(let rows): links = rows
                }
            }

            let validGuardians = Set(guardians.map(\.id))
            let validStudents = Set(students.map(\.id))
            var kept: [Guardianship] = []
            kept.reserveCapacity(links.rows.count)
            for link in links.rows where validGuardians.contains(link.guardianID) && validStudents.contains(link.studentID) {
                kept.append(link)
            }

            if let linkSheet, linkSheet.usable {
                if let guardianSheet {
                    for guardian in guardians where !links.linkedGuardians.contains(guardian.id) {
                        diagnostics.append(.warning(
                            "roster.guardian-without-students",
                            "guardian \(guardian.id) is linked to no student in \(linkSheet.table.file); they will receive no messages about children",
                            at: guardian.origin ?? SourceLocation(file: guardianSheet.table.file)))
                    }
                }
                if let studentSheet {
                    for student in students where !links.linkedStudents.contains(student.id) {
                        diagnostics.append(.warning(
                            "roster.student-without-guardians",
                            "student \(student.id) has no guardian in \(linkSheet.table.file); nobody will be told about them",
                            at: student.origin ?? SourceLocation(file: studentSheet.table.file)))
                    }
                }
                var firstLink: [String: Guardianship] = [:]
                var order: [String] = []
                for link in links.rows where validStudents.contains(link.studentID) {
                    if firstLink[link.studentID] == nil {
                        firstLink[link.studentID] = link
                        order.append(link.studentID)
                    }
                }
                for studentID in order where !links.primaryStudents.contains(studentID) {
                    let first = firstLink[studentID]!
                    diagnostics.append(.warning(
                        "roster.no-primary",
                        "student \(studentID) has guardians but none is marked primary; \(first.guardianID), listed first, will be contacted first",
                        at: first.origin?.field("primary")))
                }
            }
            let roster = Roster(families: families, guardians: guardians, students: students, guardianships: kept)
            return (roster, diagnostics)
        }

        // MARK: Families

        mutating func loadFamilies(_ sheet: Sheet?) -> [Family] {
            guard let sheet, sheet.usable else { return [] }
            let table = sheet.table
            var result: [Family] = []
            result.reserveCapacity(table.records.count)
            var lines: [String: Int] = [:]
            for record in table.records {
                var ok = true
                let id = required("family_id", record, in: table, ok: &ok)
                guard ok, firstUse(id, "family_id", record, in: table, lines: &lines) else { continue }
                let name = text("family_name", record, in: table) ?? ""
                result.append(Family(id: id, name: name, origin: table.location(of: "family_id", in: record)))
            }
            return result
        }

        // MARK: Guardians

        mutating func loadGuardians(_ sheet: Sheet?, families: Sheet?) -> [Guardian] {
            guard let sheet, sheet.usable else { return [] }
            let table = sheet.table
            var result: [Guardian] = []
            result.reserveCapacity(table.records.count)
            var lines: [String: Int] = [:]
            for record in table.records {
                var ok = true
                let id = required("guardian_id", record, in: table, ok: &ok)
                if !id.isEmpty, !firstUse(id, "guardian_id", record, in: table, lines: &lines) { continue }
                let familyID = required("family_id", record, in: table, ok: &ok)
                if !familyID.isEmpty, let families, families.ids[familyID] == nil {
                    error("roster.unknown-family", "family_id \"\(familyID)\" is not in \(families.table.file)\(didYouMeanID(familyID, among: families.ids.keys))", "family_id", record, table)
                    ok = false
                }
                let givenName = required("given_name", record, in: table, ok: &ok)
                let familyName = text("family_name", record, in: table) ?? ""

                var email = table.nonEmpty("email", in: record)
                if let raw = email {
                    if let problem = EmailAddress.problem(with: raw) {
                        error("roster.invalid-email", "email \"\(raw)\" is not a usable address: \(problem)", "email", record, table)
                        ok = false
                    } else if let at = raw.lastIndex(of: "@") {
                        email = String(raw[..<at]) + "@" + raw[raw.index(after: at)...].lowercased()
                    }
                }
                var phone = table.nonEmpty("phone", in: record)
                if let raw = phone {
                    if let normalized = normalizedPhone(raw) {
                        phone = normalized
                    } else {
                        error("roster.invalid-phone", "phone \"\(raw)\" is not an international number: write + and the country code, then 8 to 15 digits in all (+447700900123)", "phone", record, table)
                        ok = false
                    }
                }
                let chatID = table.nonEmpty("chat_id", in: record)
                if email == nil, phone == nil, chatID == nil {
                    error("roster.no-contact", "guardian \(id) has no email, phone or chat_id: they cannot be reached", nil, record, table)
                    ok = false
                }

                var language: LanguageTag?
                let languageText = required("language", record, in: table, ok: &ok)
                if !languageText.isEmpty {
                    language = LanguageTag(languageText)
                    if language == nil || language.map(LanguageNames.isImplausible) == true {
                        // A language's name where a tag belongs ("Arabic", "Farsi"): read as its tag, and said so.
                        if let named = LanguageNames.tag(named: languageText) {
                            diagnostics.append(.warning(
                                "roster.language-name", "language \"\(languageText)\" is a language's name: read as \(named) (write the tag \(named))",
                                at: table.location(of: "language", in: record)))
                            language = named
                        } else {
                            error(
                                "roster.invalid-language",
                                "language \"\(languageText)\" is neither a BCP 47 language tag (for example ar, pt-BR, zh-Hant-HK) nor a language's name Liaison knows",
                                "language", record, table)
                            language = nil
                            ok = false
                        }
                    }
                }

                var channels: [ChannelKind] = []
                if let text = table.nonEmpty("channels", in: record) {
                    var unknown: [String] = []
                    for name in channelNames(text) {
                        let kind = ChannelKind(rawValue: name)
                        if !ChannelKind.known.contains(kind) {
                            unknown.append(name)
                        } else if !channels.contains(kind) {
                            channels.append(kind)
                        }
                    }
                    if !unknown.isEmpty {
                        let known = ChannelKind.known.map(\.rawValue)
                        let hint = unknown.count == 1 ? Support.didYouMean(unknown[0], among: known) : ""
                        error("roster.invalid-channel", "unknown channel\(unknown.count == 1 ? "" : "s") \(Support.list(unknown))\(hint); the channels are \(known.joined(separator: ", "))", "channels", record, table)
                        ok = false
                    }
                    let hasRawEmail = table.nonEmpty("email", in: record) != nil
                    let hasRawPhone = table.nonEmpty("phone", in: record) != nil
                    let missing = channels.filter { kind in
                        switch kind {
                        case .email: !hasRawEmail
                        case .sms, .voice: !hasRawPhone
                        default: chatID == nil
                        }
                    }
                    if !missing.isEmpty {
                        let needs = missing.map { kind -> String in
                            switch kind {
                            case .email: "\(kind) needs an email"
                            case .sms, .voice: "\(kind) needs a phone"
                            default: "\(kind) needs a chat_id"
                            }
                        }
                        error("roster.no-address", "channels lists \(Support.list(missing.map(\.rawValue))) but the row has no address for \(missing.count == 1 ? "it" : "them") (\(needs.joined(separator: "; ")))", "channels", record, table)
                        ok = false
                    }
                } else if email != nil {
                    channels = RosterLoader.emailOnly
                } else if phone != nil {
                    channels = RosterLoader.smsOnly
                } else {
                    channels = RosterLoader.chatOnly
                }

                var timeZone: TimeZone?
                if let text = table.nonEmpty("time_zone", in: record) {
                    timeZone = TimeZone(identifier: text)
                    if timeZone == nil {
                        error("roster.invalid-time-zone", "time_zone \"\(text)\" is not an IANA time zone (for example Europe/London)", "time_zone", record, table)
                        ok = false
                    }
                }
                var quietHours: QuietHours?
                if let text = table.nonEmpty("quiet_hours", in: record) {
                    quietHours = QuietHours(text)
                    if quietHours == nil {
                        error("roster.invalid-quiet-hours", "quiet_hours \"\(text)\" is not a time range like 21:00-07:00", "quiet_hours", record, table)
                        ok = false
                    }
                }
                guard ok, let language else { continue }
                result.append(Guardian(
                    id: id, familyID: familyID, givenName: givenName, familyName: familyName, email: email, phone: phone,
                    chatID: chatID, language: language, channels: channels, timeZone: timeZone, quietHours: quietHours,
                    origin: table.location(of: "guardian_id", in: record)))
            }
            return result
        }

        // MARK: Students

        mutating func loadStudents(_ sheet: Sheet?) -> [Student] {
            guard let sheet, sheet.usable else { return [] }
            let table = sheet.table
            var result: [Student] = []
            result.reserveCapacity(table.records.count)
            var lines: [String: Int] = [:]
            for record in table.records {
                var ok = true
                let id = required("student_id", record, in: table, ok: &ok)
                if !id.isEmpty, !firstUse(id, "student_id", record, in: table, lines: &lines) { continue }
                let givenName = required("given_name", record, in: table, ok: &ok)
                guard ok else { continue }
                result.append(Student(
                    id: id, givenName: givenName, familyName: text("family_name", record, in: table) ?? "",
                    grade: table.value("grade", in: record) ?? "", className: table.value("class", in: record) ?? "",
                    origin: table.location(of: "student_id", in: record)))
            }
            return result
        }

        // MARK: Guardianships

        struct Links {
            /// Rows without errors of their own (their guardian or student may still have been left out).
            var rows: [Guardianship] = []
            var linkedGuardians: Set<String> = []
            var linkedStudents: Set<String> = []
            var primaryStudents: Set<String> = []
        }

        mutating func loadGuardianships(_ sheet: Sheet?, guardians: Sheet?, students: Sheet?) -> Links {
            var links = Links()
            guard let sheet, sheet.usable else { return links }
            let table = sheet.table
            var lines: [String: Int] = [:]
            for record in table.records {
                var ok = true
                let guardianID = required("guardian_id", record, in: table, ok: &ok)
                let studentID = required("student_id", record, in: table, ok: &ok)
                if !guardianID.isEmpty, let guardians, guardians.ids[guardianID] == nil {
                    error("roster.unknown-guardian", "guardian_id \"\(guardianID)\" is not in \(guardians.table.file)\(didYouMeanID(guardianID, among: guardians.ids.keys))", "guardian_id", record, table)
                    ok = false
                }
                if !studentID.isEmpty, let students, students.ids[studentID] == nil {
                    error("roster.unknown-student", "student_id \"\(studentID)\" is not in \(students.table.file)\(didYouMeanID(studentID, among: students.ids.keys))", "student_id", record, table)
                    ok = false
                }
                let primaryText = table.value("primary", in: record) ?? ""
                let primary = boolean(primaryText)
                if primary == nil {
                    error("roster.invalid-boolean", "primary \"\(primaryText)\" is not yes or no (true/false and 1/0 are read too)", "primary", record, table)
                    ok = false
                }
                guard ok, let primary else { continue }
                let key = guardianID + "\u{0}" + studentID
                if let first = lines[key] {
                    diagnostics.append(.error(
                        "roster.duplicate-id", "guardian \(guardianID) is already linked to student \(studentID) on line \(first)",
                        at: table.location(of: "student_id", in: record)))
                    continue
                }
                lines[key] = record.line
                let relationship = table.nonEmpty("relationship", in: record)
                links.rows.append(Guardianship(
                    guardianID: guardianID, studentID: studentID, relationship: relationship, isPrimary: primary,
                    origin: SourceLocation(file: table.file, line: record.line)))
                links.linkedGuardians.insert(guardianID)
                links.linkedStudents.insert(studentID)
                if primary { links.primaryStudents.insert(studentID) }
            }
            return links
        }
    }
}
