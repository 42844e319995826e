import Foundation
import LiaisonModel
import Testing

/// Reading a posted form, and the rule that hides small groups (with complementary suppression).
struct FormTests {
    static let form = FormDefinition(id: "autumn", questions: [
        FormQuestion(id: "welcome", kind: .scale5, text: .key("survey.welcome"), required: true),
        FormQuestion(id: "contact", kind: .multiple, text: .key("survey.contact"), choices: [
            FormChoice(id: "email", text: .key("a")), FormChoice(id: "sms", text: .key("b")), FormChoice(id: "letter", text: .key("c")),
        ]),
        FormQuestion(id: "recommend", kind: .rating10, text: .key("survey.recommend")),
        FormQuestion(id: "comment", kind: .shortText, text: .inline(LocalizedText("Anything else?"))),
    ])

    @Test func savingForLaterKeepsWhatIsValidAndAsksForNothing() {
        let (answers, problems) = Self.form.read(["q.contact": ["sms", "email"], "q.recommend": ["11"]], submitting: false)
        #expect(answers["contact"] == .choices(["email", "sms"]))
        #expect(problems == ["recommend": .notAChoice])
    }

    @Test func sendingNeedsTheRequiredAnswers() {
        let (answers, problems) = Self.form.read(["q.comment": ["  fine  "], "q.welcome": [""]], submitting: true)
        #expect(answers == ["comment": .text("fine")])
        #expect(problems == ["welcome": .required])
        #expect(Self.form.missing(in: answers) == ["welcome"])
        #expect(Self.form.read(["q.welcome": ["4"]], submitting: true).problems.isEmpty)
    }

    @Test func aSingleChoiceTakesOneValueAndTextHasALimit() {
        #expect(Self.form.read(["q.welcome": ["4", "5"]], submitting: false).problems == ["welcome": .notAChoice])
        #expect(Self.form.read(["q.comment": [String(repeating: "é", count: 201)]], submitting: false).problems == ["comment": .tooLong])
        #expect(Self.form.read(["q.comment": [String(repeating: "é", count: 200)]], submitting: false).problems.isEmpty)
    }

    @Test func everyResponseCountsInOneGroup() {
        #expect(SurveyGroup.of(["3A"]) == "3A")
        #expect(SurveyGroup.of(["3A", "5B"]) == SurveyGroup.several)
        #expect(SurveyGroup.of([]) == SurveyGroup.none)
        // A response in no group is hidden with another group rather than left to subtraction.
        let memberships = Array(repeating: ["A"], count: 6) + Array(repeating: ["B"], count: 6) + [[]]
        #expect(SmallGroups.publication(memberships, minimum: 5).groups.count < 2)
    }

    @Test func aLoneSmallGroupTakesTheNextSmallestWithIt() {
        // 12, 8 and 3 responses: 3 is hidden; the whole less 12 and 8 would show it, so 8 is hidden too.
        let memberships = Array(repeating: ["A"], count: 12) + Array(repeating: ["B"], count: 8) + Array(repeating: ["C"], count: 3)
        let publication = SmallGroups.publication(memberships, minimum: 5)
        #expect(publication == SmallGroups.Publication(overall: true, groups: ["A"]))
        // Two tiny groups hidden together would still show their pair: the next group is hidden as well.
        let tiny = Array(repeating: ["A"], count: 20) + [["B"], ["B"], ["C"]]
        #expect(SmallGroups.publication(tiny, minimum: 5) == SmallGroups.Publication(overall: true, groups: []))
        #expect(SmallGroups.publication(Array(repeating: ["A"], count: 4), minimum: 5).overall == false)
    }

    /// Random rosters, each response in one group (``SurveyGroup``) or, rarely, none: no group under the minimum is
    /// shown, and what subtraction gives (the whole less the shown groups) is never one hidden group alone nor fewer
    /// than the minimum.
    @Test func nothingUnderTheMinimumCanBeWorkedOut() {
        var generator = SplitMix64(seed: 18)
        for _ in 0..<5_000 {
            let groups = (0..<Int.random(in: 1...8, using: &generator)).map { "G\($0)" }
            var memberships: [[String]] = []
            for _ in 0..<Int.random(in: 0...60, using: &generator) {
                memberships.append(Int.random(in: 0..<30, using: &generator) == 0 ? [] : [groups.randomElement(using: &generator)!])
            }
            let minimum = 5
            let publication = SmallGroups.publication(memberships, minimum: minimum)
            #expect(publication.overall == (memberships.count >= minimum))
            guard publication.overall else {
                #expect(publication.groups.isEmpty)
                continue
            }
            var sizes: [String: Int] = [:]
            for member in memberships { for group in Set(member) { sizes[group, default: 0] += 1 } }
            for group in publication.groups { #expect(sizes[group]! >= minimum) }
            let hidden = sizes.keys.filter { !publication.groups.contains($0) }
            let residual = memberships.filter { $0.allSatisfy { !publication.groups.contains($0) } }.count
            #expect(hidden.count != 1 || publication.groups.isEmpty)
            #expect(residual == 0 || residual >= minimum || publication.groups.isEmpty)
        }
    }

    @Test func resultsHideSmallGroupsAndListFreeTextOnlyPastItsMinimum() {
        var responses: [SurveyResponse] = []
        for index in 0..<14 {
            let group = index < 9 ? "3A" : (index < 12 ? "3B" : "4A")
            responses.append(SurveyResponse(
                groups: [group], language: index % 2 == 0 ? "so" : "en",
                answers: ["welcome": .choice(String(index % 5 + 1)), "comment": .text("c\(index)")]))
        }
        let results = SurveyResults.tabulate(form: Self.form, responses: responses, rates: [])
        let welcome = results.questions.first { $0.id == "welcome" }!
        #expect(welcome.overall.counts?.values.reduce(0, +) == 14)
        #expect(welcome.overall.mean == 40.0 / 14)
        // 3A (9) shown; 3B (3) and 4A (2) hidden together: 5 responses, two groups.
        #expect(welcome.groups.map { $0.counts != nil } == [true, false, false])
        #expect(welcome.groups.map(\.answered) == [9, 3, 2])
        let comment = results.questions.first { $0.id == "comment" }!
        #expect(comment.texts?.count == 14)
        // 7 answers in each language: too few to name either.
        #expect(comment.texts?.allSatisfy { $0.language.isEmpty } == true)
        let english = responses.map { response in
            var response = response
            response.language = "en"
            return response
        }
        #expect(SurveyResults.tabulate(form: Self.form, responses: english, rates: []).questions.first { $0.id == "comment" }!.texts?.first?.language == "en")
        let fewer = SurveyResults.tabulate(form: Self.form, responses: Array(responses.prefix(9)), rates: [])
        #expect(fewer.questions.first { $0.id == "comment" }!.texts == nil)
    }

    @Test func semestersFollowTheSchoolYear() {
        let london = TimeZone(identifier: "Europe/London")!
        let formatter = ISO8601DateFormatter()
        #expect(SurveySettings.semester(of: formatter.date(from: "2026-12-01T12:00:00Z")!, in: london) == "2026-autumn")
        #expect(SurveySettings.semester(of: formatter.date(from: "2027-01-20T12:00:00Z")!, in: london) == "2026-autumn")
        #expect(SurveySettings.semester(of: formatter.date(from: "2027-03-20T12:00:00Z")!, in: london) == "2027-spring")
        let draw = SurveySampling.Draw(algorithm: "x", seed: 1, rosterDigest: "d", households: [], strata: [])
        func kept(_ semester: String, _ households: [String]) -> StoredSample {
            var sample = StoredSample(surveyID: semester, semester: semester, draw: draw, drawnAt: Date())
            sample.draw.households = households
            return sample
        }
        let survey = SurveySettings(form: Self.form, semester: "2027-spring")
        let samples = [kept("2025-autumn", ["F1"]), kept("2026-spring", ["F2"]), kept("2026-autumn", ["F3"]), kept("2027-spring", ["F4"])]
        #expect(survey.recentlySampled(in: samples, count: 2) == ["F2", "F3"])
        #expect(survey.recentlySampled(in: samples, count: 0) == [])
    }
}
