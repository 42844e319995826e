import Foundation
import LiaisonModel
import LiaisonStore

/// A survey's results from the store and the roster: responses with their groups, response rates per group against
/// the target, tabulated with small groups hidden. Shared by `liaison survey results` and the desk.
public enum SurveyReport {
    public static func make(event: Event, survey: SurveySettings, roster: Roster, store: any FormStore) async throws -> SurveyResults {
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
        let responses = try await responses(event: event, survey: survey, roster: roster, store: store)
        return SurveyResults.tabulate(form: survey.form, responses: responses, rates: rates)
    }

    /// The sent responses with their groups (a confidential one's from the roster, an anonymous one's as kept).
    public static func responses(event: Event, survey: SurveySettings, roster: Roster, store: any FormStore) async throws -> [SurveyResponse] {
        let stratum = survey.sampling?.stratum ?? .class
        return try await store.responses(eventID: event.id).map { stored in
            SurveyResponse(
                groups: stored.groups ?? stored.familyID.map { groups(of: $0, in: roster, by: stratum) } ?? [],
                language: stored.language, answers: stored.answers)
        }
    }

    /// The groups a household belongs to: its children's classes (or grades, or the school).
    public static func groups(of familyID: String, in roster: Roster, by stratum: SurveySampling.Stratum) -> [String] {
        Set(roster.guardians(inFamily: familyID).flatMap { roster.students(of: $0.id) }.map(stratum.name(of:))).sorted()
    }
}
