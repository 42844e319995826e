import Foundation

/// A form families fill in from the link in a message: a survey's questionnaire (later sign-ups and permission
/// slips). Read from a file beside the schedule (`forms/<id>.yaml`); its wording comes from the catalogs or is
/// written inline per language.
public struct FormDefinition: Hashable, Sendable {
    public var id: String
    public var questions: [FormQuestion]
    public var privacy: FormPrivacy
    /// The fewest responses a group needs before its answers are shown (choice questions).
    public var minGroup: Int
    /// The fewest free-text answers before any are listed.
    public var minGroupText: Int
    public var origin: SourceLocation?

    public init(
        id: String, questions: [FormQuestion], privacy: FormPrivacy = .confidential, minGroup: Int = 5, minGroupText: Int = 10,
        origin: SourceLocation? = nil
    ) {
        self.id = id
        self.questions = questions
        self.privacy = privacy
        self.minGroup = minGroup
        self.minGroupText = minGroupText
        self.origin = origin
    }

    public func question(_ id: String) -> FormQuestion? { questions.first { $0.id == id } }
}

/// Who can tell whose answers are whose.
public enum FormPrivacy: String, Hashable, Sendable, Codable, CaseIterable {
    /// Stored with the household, shown to staff only as results of groups large enough; changeable until the close.
    case confidential
    /// Stored with no link to the household and a time coarsened to the day; sent once, not changed afterwards.
    case anonymous
}

/// What kind of answer a question takes.
public enum QuestionKind: String, Hashable, Sendable, Codable, CaseIterable {
    case single
    case multiple
    /// Strongly disagree (1) … strongly agree (5).
    case scale5 = "scale-5"
    /// 0 … 10.
    case rating10 = "rating-0-10"
    case shortText = "short-text"
    case longText = "long-text"

    public var isText: Bool { self == .shortText || self == .longText }

    /// The answer values a choice question accepts, in order (text questions: none).
    public func values(choices: [FormChoice]) -> [String] {
        switch self {
        case .single, .multiple: choices.map(\.id)
        case .scale5: (1...5).map(String.init)
        case .rating10: (0...10).map(String.init)
        case .shortText, .longText: []
        }
    }

    /// The longest text answer accepted, in characters.
    public var maxLength: Int { self == .shortText ? 200 : 4000 }
}

/// Wording a family reads on a form: a catalog key, or text the school wrote per language.
public enum FormText: Hashable, Sendable {
    case key(String)
    case inline(LocalizedText)
}

public struct FormChoice: Hashable, Sendable {
    public var id: String
    public var text: FormText

    public init(id: String, text: FormText) {
        self.id = id
        self.text = text
    }
}

public struct FormQuestion: Hashable, Sendable {
    public var id: String
    public var kind: QuestionKind
    public var text: FormText
    public var required: Bool
    /// For `single` and `multiple`.
    public var choices: [FormChoice]

    public init(id: String, kind: QuestionKind, text: FormText, required: Bool = false, choices: [FormChoice] = []) {
        self.id = id
        self.kind = kind
        self.text = text
        self.required = required
        self.choices = choices
    }

    /// The name of the question's field in the page's form.
    public var field: String { "q.\(id)" }
}

/// One question's answer.
public enum FormAnswer: Hashable, Sendable, Codable {
    case choice(String)
    case choices([String])
    case text(String)

    /// The values counted in results: one for a choice, several for a multiple choice, none for text.
    public var values: [String] {
        switch self {
        case .choice(let value): [value]
        case .choices(let values): values
        case .text: []
        }
    }
}

/// Why an answer was not accepted; the page says so next to the question.
public enum FormFieldProblem: String, Hashable, Sendable {
    case required
    case notAChoice = "not-a-choice"
    case tooLong = "too-long"
}

extension FormDefinition {
    /// What a posted form comes to: the answers that are valid (kept even when others are not, so nothing typed is
    /// lost), and a problem per question that needs attention. Missing required answers are problems only when
    /// the family sends the form (`submitting`), not when it saves it for later.
    public func read(_ fields: [String: [String]], submitting: Bool) -> (answers: [String: FormAnswer], problems: [String: FormFieldProblem]) {
        var answers: [String: FormAnswer] = [:]
        var problems: [String: FormFieldProblem] = [:]
        for question in questions {
            let given = (fields[question.field] ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            if given.isEmpty {
                if submitting, question.required { problems[question.id] = .required }
                continue
            }
            let allowed = question.kind.values(choices: question.choices)
            switch question.kind {
            case .multiple:
                let chosen = Set(given)
                guard chosen.isSubset(of: allowed) else {
                    problems[question.id] = .notAChoice
                    continue
                }
                answers[question.id] = .choices(allowed.filter(chosen.contains))
            case .single, .scale5, .rating10:
                guard given.count == 1, allowed.contains(given[0]) else {
                    problems[question.id] = .notAChoice
                    continue
                }
                answers[question.id] = .choice(given[0])
            case .shortText, .longText:
                // Control characters (escape sequences, NUL) go; line breaks and tabs stay.
                let text = String(String.UnicodeScalarView(given[0].precomposedStringWithCanonicalMapping.unicodeScalars.filter { scalar in
                    scalar == "\n" || scalar == "\t" || scalar.properties.generalCategory != .control
                }))
                guard text.count <= question.kind.maxLength else {
                    problems[question.id] = .tooLong
                    continue
                }
                answers[question.id] = .text(text)
            }
        }
        return (answers, problems)
    }

    /// The required questions `answers` leaves unanswered (a form is complete when there are none).
    public func missing(in answers: [String: FormAnswer]) -> [String] {
        questions.filter { $0.required && answers[$0.id] == nil }.map(\.id)
    }
}
