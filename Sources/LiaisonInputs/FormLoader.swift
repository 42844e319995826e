import Foundation
import LiaisonModel
import Yams

/// Reads a form file (`forms/<id>.yaml`, named by a survey event's `form:`); problems carry `form.*` codes and the
/// file, line and field.
///
/// ```yaml
/// privacy: anonymous        # or confidential (the default)
/// min_group: 5              # results of smaller groups are hidden (free text: min_group_text, 10)
/// questions:
///   - id: welcome
///     type: scale-5         # single, multiple, scale-5, rating-0-10, short-text, long-text
///     key: survey.welcome   # wording from the catalogs (locales/*.xliff) …
///     required: true
///   - id: better
///     type: long-text
///     text:                 # … or written here, per language
///       en: What could the school do better?
///       so: Maxay dugsigu si fiican u samayn karaa?
///   - id: contact
///     type: multiple
///     key: survey.contact
///     choices:
///       - id: email
///         key: survey.contact.email
/// ```
public enum FormLoader {
    public static let formKeys = ["id", "privacy", "min_group", "min_group_text", "questions"]
    public static let questionKeys = ["id", "type", "key", "text", "required", "choices"]
    public static let choiceKeys = ["id", "key", "text"]

    public static func load(path: String, school: School) -> (FormDefinition?, [Diagnostic]) {
        let root: Node?
        switch YAMLSource.load(path: path, syntaxCode: "form.yaml-syntax") {
        case .problem(let diagnostic): return (nil, [diagnostic])
        case .value(let node): root = node
        }
        guard let root, !root.isNull else {
            return (nil, [.error("form.missing-key", "the form is empty: it needs a questions: list", at: SourceLocation(file: path, line: 1, field: "questions"))])
        }
        var reader = ScheduleLoader.EventReader(report: YAMLDiagnostics(file: path), school: school, path: "", node: root)
        let form = reader.readForm(defaultID: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        // The event reader's checks, under the form's own codes.
        let diagnostics = reader.report.diagnostics.map { diagnostic in
            var renamed = diagnostic
            if renamed.code.hasPrefix("schedule.") { renamed.code = "form." + renamed.code.dropFirst("schedule.".count) }
            return renamed
        }
        return (reader.ok ? form : nil, diagnostics)
    }
}

extension ScheduleLoader.EventReader {
    /// The form at this reader's node.
    mutating func readForm(defaultID: String) -> FormDefinition? {
        guard collectKeys(known: FormLoader.formKeys, what: "form") else { return nil }
        let id = text("id") ?? defaultID
        var privacy = FormPrivacy.confidential
        if let raw = text("privacy") {
            if let value = FormPrivacy(rawValue: raw.lowercased()) { privacy = value } else {
                fail("schedule.invalid-value", "privacy \"\(raw)\" is not confidential or anonymous", keys["privacy"]?.value, field("privacy"))
            }
        }
        // At least 3: a smaller minimum would show one or two families' answers.
        let minGroup = count("min_group", default: 5, least: 3)
        let minGroupText = count("min_group_text", default: 10, least: 3)
        var questions: [FormQuestion] = []
        if let node = value("questions", required: true) {
            guard case .sequence(let items) = node else {
                fail("schedule.invalid-value", "questions must be a list (each starts with \"- id:\"), not \(node.kindDescription)", node, field("questions"))
                return nil
            }
            var seen: [String: Int] = [:]
            for (index, item) in items.enumerated() {
                var question = Self(report: report, school: school, path: KeyPath.item(field("questions"), index), node: item)
                let read = question.readQuestion()
                report = question.report
                ok = ok && question.ok
                guard let read else { continue }
                if let first = seen[read.id] {
                    fail("schedule.duplicate-id", "the question id \"\(read.id)\" is already used on line \(first)", item, KeyPath.item(field("questions"), index))
                    continue
                }
                seen[read.id] = item.mark?.line ?? 0
                questions.append(read)
            }
            if items.isEmpty { fail("schedule.missing-key", "the form has no questions", node, field("questions")) }
        }
        guard ok else { return nil }
        return FormDefinition(id: id, questions: questions, privacy: privacy, minGroup: minGroup, minGroupText: minGroupText, origin: report.location(node, nil))
    }

    /// A whole number of at least `least` under `key`, else `defaultValue`.
    private mutating func count(_ key: String, default defaultValue: Int, least: Int) -> Int {
        guard let raw = text(key) else { return defaultValue }
        guard let value = Int(raw), value >= least, value <= 1000 else {
            fail("schedule.invalid-value", "\(key) must be a whole number from \(least) to 1000, not \"\(raw)\"", keys[key]?.value, field(key))
            return defaultValue
        }
        return value
    }

    private mutating func readQuestion() -> FormQuestion? {
        guard collectKeys(known: FormLoader.questionKeys, what: "question") else { return nil }
        let id = identifier()
        var kind: QuestionKind?
        if let raw = text("type", required: true) {
            kind = QuestionKind(rawValue: raw.lowercased())
            if kind == nil {
                fail(
                    "schedule.invalid-value",
                    "type \"\(raw)\" is not one of \(QuestionKind.allCases.map(\.rawValue).joined(separator: ", "))\(Support.didYouMean(raw, among: QuestionKind.allCases.map(\.rawValue)))",
                    keys["type"]?.value, field("type"))
            }
        }
        let wording = formText(what: "question")
        let required = text("required").flatMap { flag($0, name: "required", node: keys["required"]?.value, path: field("required")) } ?? false
        var choices: [FormChoice] = []
        if let node = value("choices") {
            for (item, itemPath) in items(node, path: field("choices")) {
                var choice = Self(report: report, school: school, path: itemPath, node: item)
                let read = choice.readChoice()
                report = choice.report
                ok = ok && choice.ok
                if let read {
                    if choices.contains(where: { $0.id == read.id }) {
                        fail("schedule.duplicate-id", "the choice id \"\(read.id)\" is used twice in this question", item, itemPath)
                    }
                    choices.append(read)
                }
            }
        }
        if let kind {
            if kind == .single || kind == .multiple, choices.count < 2 {
                fail("schedule.missing-key", "a \(kind.rawValue) question needs at least two choices", keys["choices"]?.key ?? node, field("choices"))
            } else if kind != .single, kind != .multiple, !choices.isEmpty {
                report.warning("schedule.unknown-key", "a \(kind.rawValue) question has its own answers; these choices are ignored", keys["choices"]?.key, field("choices"))
                choices = []
            }
        }
        guard let id, let kind, let wording else { return nil }
        return FormQuestion(id: id, kind: kind, text: wording, required: required, choices: choices)
    }

    private mutating func readChoice() -> FormChoice? {
        guard collectKeys(known: FormLoader.choiceKeys, what: "choice") else { return nil }
        let id = identifier()
        let wording = formText(what: "choice")
        guard let id, let wording else { return nil }
        return FormChoice(id: id, text: wording)
    }

    /// The `id`: letters, digits, - and _ (it names a form field and a column of the results).
    private mutating func identifier() -> String? {
        guard let id = text("id", required: true) else { return nil }
        guard id.count <= 64, id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }) else {
            fail("schedule.invalid-id", "the id \"\(id)\" may hold only letters, digits, - and _ (64 at most)", keys["id"]?.value, field("id"))
            return nil
        }
        return id
    }

    /// `key:` (a catalog key) or `text:` (inline, one language or a map of them): exactly one.
    mutating func formText(what: String) -> FormText? {
        let key = text("key")
        let inline = value("text").flatMap { localizedText($0, path: field("text"), name: "text", required: true) }
        switch (key, inline) {
        case (let key?, nil):
            guard key.range(of: #"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$"#, options: .regularExpression) != nil else {
                fail("schedule.invalid-value", "key \"\(key)\" is not a catalog key (such as survey.welcome)", keys["key"]?.value, field("key"))
                return nil
            }
            return .key(key)
        case (nil, let inline?): return .inline(inline)
        case (.some, .some):
            fail("schedule.invalid-value", "a \(what) takes key: or text:, not both", keys["text"]?.key, field("text"))
            return nil
        case (nil, nil):
            if ok { fail("schedule.missing-key", "the \(what) has no wording: give key: (a catalog key) or text:", node, path) }
            return nil
        }
    }
}
