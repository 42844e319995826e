import Foundation

/// The group a household's answers count in: its one class (or grade), or "(several)" for a household with children
/// in more than one, or "(none)": every response in exactly one group, so that no group can be worked out from the
/// others and the whole (a household counted in two shown groups could be).
public enum SurveyGroup {
    public static let several = "(several)"
    public static let none = "(none)"

    public static func of(_ groups: Set<String>) -> String {
        switch groups.count {
        case 0: none
        case 1: groups.first!
        default: several
        }
    }
}

/// One household's answers as results see them: the groups (strata) it belongs to, the language it answered in.
public struct SurveyResponse: Hashable, Sendable {
    public var groups: [String]
    public var language: String
    public var answers: [String: FormAnswer]

    public init(groups: [String], language: String, answers: [String: FormAnswer]) {
        self.groups = groups
        self.language = language
        self.answers = answers
    }
}

/// Which groups' answers may be shown: none under the minimum, and never exactly what subtraction would reveal.
///
/// Groups below `minimum` are hidden. Since the overall figures are shown, one hidden group alone could be worked
/// out as the whole less the groups shown; so while fewer than two groups are hidden, or the responses that belong
/// to no shown group are fewer than `minimum`, the smallest shown group is hidden too (complementary suppression).
/// The whole is shown only when it reaches `minimum` itself.
public enum SmallGroups {
    public struct Publication: Hashable, Sendable {
        public var overall: Bool
        public var groups: Set<String>

        public init(overall: Bool, groups: Set<String>) {
            self.overall = overall
            self.groups = groups
        }
    }

    /// `memberships`: each response's groups (a household with children in two classes is in both).
    public static func publication(_ memberships: [[String]], minimum: Int) -> Publication {
        guard memberships.count >= max(1, minimum) else { return Publication(overall: false, groups: []) }
        var sizes: [String: Int] = [:]
        for groups in memberships { for group in Set(groups) { sizes[group, default: 0] += 1 } }
        var shown = Set(sizes.filter { $0.value >= minimum }.keys)
        while true {
            let hidden = sizes.keys.filter { !shown.contains($0) }
            // What subtraction gives: the responses in no shown group (those of hidden groups, and any without one).
            let residual = memberships.filter { $0.allSatisfy { !shown.contains($0) } }.count
            if hidden.count != 1, residual == 0 || residual >= minimum { break }
            // The smallest shown group (by name among equals) joins the hidden ones.
            guard let smallest = shown.min(by: { (sizes[$0]!, $0) < (sizes[$1]!, $1) }) else { break }
            shown.remove(smallest)
        }
        return Publication(overall: true, groups: shown)
    }
}

/// A survey's results as staff may see them: response rates per group against the target, and per question the
/// counts of groups large enough (``SmallGroups``), free text listed only past its own minimum.
public struct SurveyResults: Hashable, Sendable, Codable {
    public var survey: String
    public var privacy: String
    public var minGroup: Int
    public var minGroupText: Int
    public var responses: Int
    public var rates: [Rate]
    public var questions: [Question]

    public struct Rate: Hashable, Sendable, Codable {
        public var group: String
        /// Households of the group in the sample (or invited, for a survey without sampling).
        public var sampled: Int
        /// How many of the group's households should answer (the fraction asked for); nil without sampling.
        public var target: Int?
        public var answered: Int
        public var targetMet: Bool? { target.map { answered >= $0 } }
    }

    public struct Counts: Hashable, Sendable, Codable {
        /// nil for the whole school.
        public var group: String?
        public var answered: Int
        /// Answer value → how many chose it; nil when hidden (too few answers).
        public var counts: [String: Int]?
        /// For scales and ratings: the mean of the values; nil when hidden.
        public var mean: Double?
    }

    public struct TextAnswer: Hashable, Sendable, Codable {
        public var language: String
        public var text: String
        /// For staff: the answer machine translated into their language, when its language is known and an engine has
        /// the pair (`liaison survey results --translate`); labelled with the engine, never in place of the answer.
        public var translation: String?
        public var translatedBy: String?

        public init(language: String, text: String, translation: String? = nil, translatedBy: String? = nil) {
            self.language = language
            self.text = text
            self.translation = translation
            self.translatedBy = translatedBy
        }
    }

    public struct Question: Hashable, Sendable, Codable {
        public var id: String
        public var kind: String
        /// The answer values in order (choice ids, 1–5, 0–10); empty for text.
        public var values: [String]
        public var overall: Counts
        public var groups: [Counts]
        /// Free-text answers, in a shuffled-free stable order (by language, then text); nil when too few to list.
        public var texts: [TextAnswer]?
    }

    /// Results of `responses` to `form`; `rates` as worked out from the sample and the answered marks.
    public static func tabulate(form: FormDefinition, responses: [SurveyResponse], rates: [Rate]) -> SurveyResults {
        var questions: [Question] = []
        for question in form.questions {
            let answering = responses.filter { $0.answers[question.id] != nil }
            let values = question.kind.values(choices: question.choices)
            if question.kind.isText {
                let listed = answering.count >= form.minGroupText
                // A language is named only when it has as many answers as a listing needs (else it could point at
                // the one family that reads it).
                var perLanguage: [String: Int] = [:]
                for response in answering { perLanguage[response.language, default: 0] += 1 }
                let texts: [TextAnswer]? = listed
                    ? answering.compactMap { response in
                        guard case .text(let text)? = response.answers[question.id] else { return nil }
                        let language = (perLanguage[response.language] ?? 0) >= form.minGroupText ? response.language : ""
                        return TextAnswer(language: language, text: text)
                    }.sorted { ($0.language, $0.text) < ($1.language, $1.text) }
                    : nil
                questions.append(Question(
                    id: question.id, kind: question.kind.rawValue, values: [],
                    overall: Counts(group: nil, answered: answering.count), groups: [], texts: texts))
                continue
            }
            let publication = SmallGroups.publication(answering.map(\.groups), minimum: form.minGroup)
            func counts(_ group: String?, _ members: [SurveyResponse], shown: Bool) -> Counts {
                guard shown else { return Counts(group: group, answered: members.count) }
                var tally = Dictionary(uniqueKeysWithValues: values.map { ($0, 0) })
                for response in members { for value in response.answers[question.id]?.values ?? [] { tally[value, default: 0] += 1 } }
                var mean: Double?
                if question.kind == .scale5 || question.kind == .rating10, !members.isEmpty {
                    let numbers = members.compactMap { $0.answers[question.id]?.values.first.flatMap(Double.init) }
                    mean = numbers.isEmpty ? nil : numbers.reduce(0, +) / Double(numbers.count)
                }
                return Counts(group: group, answered: members.count, counts: tally, mean: mean)
            }
            let groupNames = Set(answering.flatMap(\.groups)).sorted()
            questions.append(Question(
                id: question.id, kind: question.kind.rawValue, values: values,
                overall: counts(nil, answering, shown: publication.overall),
                groups: groupNames.map { name in
                    counts(name, answering.filter { $0.groups.contains(name) }, shown: publication.groups.contains(name))
                },
                texts: nil))
        }
        return SurveyResults(
            survey: form.id, privacy: form.privacy.rawValue, minGroup: form.minGroup, minGroupText: form.minGroupText,
            responses: responses.count, rates: rates, questions: questions)
    }

    /// Response rates per group: `households` maps each group to its households in the sample (or invited).
    public static func rates(households: [String: Set<String>], targets: [String: Int]?, answered: Set<String>) -> [Rate] {
        households.keys.sorted().map { group in
            let members = households[group]!
            return Rate(group: group, sampled: members.count, target: targets?[group], answered: members.intersection(answered).count)
        }
    }
}
