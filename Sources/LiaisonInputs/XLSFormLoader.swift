import Foundation
import LiaisonModel

/// Reads a form written as an XLSForm (the spreadsheet format of ODK, KoboToolbox and SurveyCTO): the workbook
/// itself, `forms/<name>.xlsx` (sheets `survey`, `choices` and, optionally, `settings`), or saved one CSV per
/// sheet: `forms/<name>.csv` (the `survey` sheet), `forms/<name>.choices.csv` and, optionally,
/// `forms/<name>.settings.csv`. Labels come per language from `label::Somali (so)` columns (a plain `label` is the
/// school's language); problems carry `form.*` codes with the file, line and column.
///
/// | type | question |
/// |---|---|
/// | `select_one LIST` | single (choices of LIST) |
/// | `select_multiple LIST` | multiple |
/// | `text` | short text (`appearance: multiline`: long text) |
/// | `range` with `parameters: start=1 end=5` | 5-point scale; `start=0 end=10`: 0–10 rating |
/// | `note`, `begin group`, `end group` | left out (no answer) |
///
/// `required` is `yes`/`true`. The settings sheet may give `privacy`, `min_group` and `min_group_text`.
public enum XLSFormLoader {
    public static func isXLSForm(_ path: String) -> Bool { path.lowercased().hasSuffix(".csv") || XLSXReader.isWorkbook(path) }

    public static func load(path: String, school: School, limits: InputLimits = .standard) -> (FormDefinition?, [Diagnostic]) {
        XLSXReader.isWorkbook(path) ? loadWorkbook(path: path, school: school, limits: limits) : loadCSV(path: path, school: school, limits: limits)
    }

    /// The sheets saved as CSV files beside each other.
    static func loadCSV(path: String, school: School, limits: InputLimits) -> (FormDefinition?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let (survey, problems) = CSVReader.read(contentsOf: path, limits: limits)
        diagnostics += problems
        guard let survey else { return (nil, diagnostics) }
        let base = String(path.dropLast(".csv".count))
        func sheet(_ suffix: String) -> CSVTable? {
            guard FileManager.default.fileExists(atPath: base + suffix) else { return nil }
            let (table, problems) = CSVReader.read(contentsOf: base + suffix, limits: limits)
            diagnostics += problems
            return table
        }
        let choices = sheet(".choices.csv")
        let settings = sheet(".settings.csv")
        let (form, found) = load(path: path, survey: survey, choices: choices, choicesName: base + ".choices.csv", settings: settings, school: school)
        return (form, diagnostics + found)
    }

    /// The workbook: sheets named survey, choices and settings (in any case).
    static func loadWorkbook(path: String, school: School, limits: InputLimits) -> (FormDefinition?, [Diagnostic]) {
        switch XLSXReader.sheets(path: path, names: ["survey", "choices", "settings"], limits: limits) {
        case .failure(let error):
            return (nil, [.error("form.unreadable", "\(URL(fileURLWithPath: path).lastPathComponent) cannot be read: \(error.description); save it again as an .xlsx workbook, or each sheet as CSV", at: SourceLocation(file: path))])
        case .success(let sheets):
            let named = Dictionary(sheets.tables.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
            guard let survey = named["survey"] else {
                let found = sheets.names.prefix(20).joined(separator: ", ")
                return (nil, [.error("form.missing-sheet", "the workbook has no sheet named survey\(found.isEmpty ? "" : " (it has \(found))")", at: SourceLocation(file: path))])
            }
            return load(path: path, survey: survey, choices: named["choices"], choicesName: "the choices sheet", settings: named["settings"], school: school)
        }
    }

    /// The form from its sheets read as tables (from CSV files or a workbook alike).
    static func load(
        path: String, survey: CSVTable, choices choicesSheet: CSVTable?, choicesName: String, settings: CSVTable?, school: School
    ) -> (FormDefinition?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var choices: [String: [FormChoice]] = [:]
        var choiceLines: [String: Int] = [:]
        if let table = choicesSheet { (choices, choiceLines) = readChoices(table, school: school, diagnostics: &diagnostics) }
        var privacy = FormPrivacy.confidential
        var minGroup = 5
        var minGroupText = 10
        do {
            if let table = settings, let record = table.records.first {
                if let raw = table.nonEmpty("privacy", in: record) {
                    if let value = FormPrivacy(rawValue: raw.lowercased()) { privacy = value } else {
                        diagnostics.append(.error("form.invalid-value", "privacy \"\(raw)\" is not confidential or anonymous", at: table.location(of: "privacy", in: record)))
                    }
                }
                for (column, least) in [("min_group", 3), ("min_group_text", 3)] {
                    guard let raw = table.nonEmpty(column, in: record) else { continue }
                    guard let value = Int(raw), value >= least, value <= 1000 else {
                        diagnostics.append(.error("form.invalid-value", "\(column) must be a whole number from \(least) to 1000, not \"\(raw)\"", at: table.location(of: column, in: record)))
                        continue
                    }
                    if column == "min_group" { minGroup = value } else { minGroupText = value }
                }
            }
        }
        for column in ["type", "name"] where !survey.hasColumn(column) {
            diagnostics.append(.error("form.missing-column", "the survey sheet has no \(column) column (XLSForm: type, name, label, required)", at: survey.headerLocation(of: column)))
        }
        guard survey.hasColumn("type"), survey.hasColumn("name") else { return (nil, diagnostics) }
        var questions: [FormQuestion] = []
        var seen: [String: Int] = [:]
        var usedLists = Set<String>()
        for record in survey.records {
            guard let type = survey.nonEmpty("type", in: record)?.split(whereSeparator: \.isWhitespace).map(String.init), let head = type.first else { continue }
            let kind: QuestionKind
            var list: String?
            switch head.lowercased() {
            case "note", "begin", "end", "begin_group", "end_group", "start", "end_time", "today", "deviceid":
                continue
            case "select_one", "select_multiple":
                guard type.count == 2 else {
                    diagnostics.append(.error("form.invalid-value", "\(head) needs the name of its list of choices (select_one yes_no)", at: survey.location(of: "type", in: record)))
                    continue
                }
                kind = head.lowercased() == "select_one" ? .single : .multiple
                list = type[1]
            case "text":
                kind = (survey.nonEmpty("appearance", in: record) ?? "").lowercased().contains("multiline") ? .longText : .shortText
            case "range":
                let parameters = rangeParameters(survey.nonEmpty("parameters", in: record) ?? "")
                switch (parameters["start"], parameters["end"], parameters["step"] ?? 1) {
                case (1, 5, 1): kind = .scale5
                case (0, 10, 1): kind = .rating10
                default:
                    diagnostics.append(.error("form.unsupported-type", "a range is start=1 end=5 (a 5-point scale) or start=0 end=10 (a 0–10 rating)", at: survey.location(of: "parameters", in: record)))
                    continue
                }
            default:
                diagnostics.append(.error(
                    "form.unsupported-type",
                    "the question type \"\(head)\" is not one Liaison asks (select_one, select_multiple, text, range, note)", at: survey.location(of: "type", in: record)))
                continue
            }
            guard let id = survey.nonEmpty("name", in: record), id.count <= 64,
                  id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") })
            else {
                diagnostics.append(.error("form.invalid-id", "each question needs a name of letters, digits, - and _ (64 at most)", at: survey.location(of: "name", in: record)))
                continue
            }
            if let first = seen[id] {
                diagnostics.append(.error("form.duplicate-id", "the question name \"\(id)\" is already used on line \(first)", at: survey.location(of: "name", in: record)))
                continue
            }
            seen[id] = record.line
            guard let text = label(survey, record, school: school) else {
                diagnostics.append(.error("form.missing-key", "the question \(id) has no label", at: survey.location(of: "label", in: record)))
                continue
            }
            var questionChoices: [FormChoice] = []
            if let list {
                usedLists.insert(list)
                guard let listed = choices[list], !listed.isEmpty else {
                    diagnostics.append(.error("form.unknown-list", "no choices named \"\(list)\" in \(choicesName)", at: survey.location(of: "type", in: record)))
                    continue
                }
                questionChoices = listed
            }
            let required = ["yes", "true", "1"].contains((survey.nonEmpty("required", in: record) ?? "").lowercased())
            questions.append(FormQuestion(id: id, kind: kind, text: .inline(text), required: required, choices: questionChoices))
        }
        for list in choices.keys.sorted() where !usedLists.contains(list) {
            diagnostics.append(.warning("form.unused-list", "the list of choices \"\(list)\" is used by no question", at: SourceLocation(file: choicesSheet?.file ?? choicesName, line: choiceLines[list], field: "list_name")))
        }
        if questions.isEmpty, !diagnostics.contains(where: { $0.severity == .error }) {
            diagnostics.append(.error("form.missing-key", "the form has no questions", at: SourceLocation(file: path, line: survey.headerLine, field: "type")))
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else { return (nil, diagnostics) }
        let id = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return (
            FormDefinition(
                id: id, questions: questions, privacy: privacy, minGroup: minGroup, minGroupText: minGroupText,
                origin: SourceLocation(file: path, line: survey.headerLine)),
            diagnostics
        )
    }

    /// `start=0 end=10 step=1` (spaces or semicolons between).
    static func rangeParameters(_ text: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for part in text.split(whereSeparator: { $0 == " " || $0 == ";" }) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            if pair.count == 2, let value = Int(pair[1]) { result[pair[0]] = value }
        }
        return result
    }

    /// The label columns of a row as text per language: `label::Somali (so)` is Somali; a plain `label` (or one
    /// without a code) the school's language.
    static func label(_ table: CSVTable, _ record: CSVRecord, school: School) -> LocalizedText? {
        var translations: [LanguageTag: String] = [:]
        for (index, column) in table.header.enumerated() {
            let name = column.trimmingCharacters(in: .whitespaces)
            guard name.lowercased() == "label" || name.lowercased().hasPrefix("label::"), index < record.fields.count else { continue }
            let value = CSVTable.trimmed(record.fields[index])
            guard !value.isEmpty else { continue }
            var language = school.defaultLocale
            if let open = name.lastIndex(of: "("), let close = name.lastIndex(of: ")"), open < close,
               let tag = LanguageTag(String(name[name.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)) {
                language = tag
            }
            translations[language] = value.replacingOccurrences(of: "\n", with: " ")
        }
        guard !translations.isEmpty else { return nil }
        let base = translations[school.defaultLocale] ?? translations.sorted { $0.key.rawValue < $1.key.rawValue }.first!.value
        return LocalizedText(base, translations: translations)
    }

    private static func readChoices(_ table: CSVTable, school: School, diagnostics: inout [Diagnostic]) -> ([String: [FormChoice]], [String: Int]) {
        var lists: [String: [FormChoice]] = [:]
        var lines: [String: Int] = [:]
        for column in ["list_name", "name"] where !table.hasColumn(column) {
            diagnostics.append(.error("form.missing-column", "the choices sheet has no \(column) column (XLSForm: list_name, name, label)", at: table.headerLocation(of: column)))
        }
        guard table.hasColumn("list_name"), table.hasColumn("name") else { return ([:], [:]) }
        for record in table.records {
            guard let list = table.nonEmpty("list_name", in: record) else { continue }
            guard let id = table.nonEmpty("name", in: record), id.count <= 64,
                  id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") })
            else {
                diagnostics.append(.error("form.invalid-id", "each choice needs a name of letters, digits, - and _ (64 at most)", at: table.location(of: "name", in: record)))
                continue
            }
            guard let text = label(table, record, school: school) else {
                diagnostics.append(.error("form.missing-key", "the choice \(id) of \(list) has no label", at: table.location(of: "label", in: record)))
                continue
            }
            if lists[list]?.contains(where: { $0.id == id }) == true {
                diagnostics.append(.error("form.duplicate-id", "the choice \"\(id)\" is twice in the list \(list)", at: table.location(of: "name", in: record)))
                continue
            }
            lines[list] = lines[list] ?? record.line
            lists[list, default: []].append(FormChoice(id: id, text: .inline(text)))
        }
        return (lists, lines)
    }
}
