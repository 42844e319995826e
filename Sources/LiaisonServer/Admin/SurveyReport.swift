import Foundation
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// A survey's results from the store and the roster: responses with their groups, response rates per group against
/// the target, tabulated with small groups hidden (`liaison survey results`).
public enum SurveyReport {
    /// Without `answers`, the response rates only (an anonymous survey still open: two readings a submission apart
    /// would show that one family's answers).
    public static func make(event: Event, survey: SurveySettings, roster: Roster, store: any FormStore, answers: Bool = true) async throws -> SurveyResults {
        let stratum = survey.sampling?.stratum ?? .class
        let audience = event.audience.recipients(in: roster)
        let strata = SurveySampling.strata(of: audience, by: stratum)
        var households = strata
        var targets: [String: Int]?
        if let sampling = survey.sampling {
            // The households of each group in the sample, and how many should answer: the fraction of the whole group.
            let sampled = Set(try await store.sample(surveyID: event.id)?.draw.households ?? [])
            households = strata.mapValues { $0.intersection(sampled) }
            targets = strata.mapValues { Int((Double($0.count) * sampling.fraction).rounded(.up)) }
        }
        let answered = try await store.answeredHouseholds(surveyID: event.id)
        let rates = SurveyResults.rates(households: households, targets: targets, answered: answered)
        let responses = answers ? try await responses(event: event, survey: survey, roster: roster, store: store) : []
        var results = SurveyResults.tabulate(form: survey.form, responses: responses, rates: rates)
        if !answers {
            results.questions = []
            results.responses = answered.count
        }
        return results
    }

    /// The listed free-text answers of `results` with a machine translation into `target` for staff, where the
    /// answer's language is named (anonymous answers keep none) and differs from `target`, and `translator` has the
    /// pair; an answer the engine fails on is left untranslated. Returns the results and how many were translated.
    public static func translate(
        _ results: SurveyResults, with translator: any Translator, to target: LanguageTag, timeout: Duration = .seconds(20)
    ) async -> (SurveyResults, Int) {
        var results = results
        var count = 0
        for index in results.questions.indices {
            guard var texts = results.questions[index].texts else { continue }
            for textIndex in texts.indices {
                guard let source = LanguageTag(texts[textIndex].language), source.language != target.language,
                      let engine = translator.engine(from: source, to: target),
                      let translation = try? await translator.translate(texts[textIndex].text, from: source, to: target, timeout: timeout)
                else { continue }
                texts[textIndex].translation = translation
                texts[textIndex].translatedBy = engine
                count += 1
            }
            results.questions[index].texts = texts
        }
        return (results, count)
    }

    /// Whether the answers may be read at `now`: a confidential survey's at any time, an anonymous one's once it closed.
    public static func answersReadable(_ event: Event, _ survey: SurveySettings, now: Date) -> Bool {
        survey.form.privacy == .confidential || now >= event.start
    }

    /// The sent responses with their groups (a confidential one's from the roster, an anonymous one's as kept).
    public static func responses(event: Event, survey: SurveySettings, roster: Roster, store: any FormStore) async throws -> [SurveyResponse] {
        let stratum = survey.sampling?.stratum ?? .class
        let audience = event.audience.recipients(in: roster)
        return try await store.responses(eventID: event.id).map { stored in
            SurveyResponse(
                groups: stored.groups ?? [stored.familyID.map { groups(of: $0, audience: audience, by: stratum) }?.first ?? SurveyGroup.none],
                language: stored.language, answers: stored.answers)
        }
    }

    /// The group a household's answers count in (``SurveyGroup``): from the children the survey concerns (its
    /// audience), by the survey's stratum.
    public static func groups(of familyID: String, audience: [Recipient], by stratum: SurveySampling.Stratum) -> [String] {
        let children = audience.filter { $0.guardian.familyID == familyID }.flatMap(\.students)
        return [SurveyGroup.of(Set(children.map(stratum.name(of:))))]
    }
}
