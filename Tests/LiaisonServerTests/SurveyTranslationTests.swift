import Foundation
import LiaisonLocalization
import LiaisonModel
import Testing
@testable import LiaisonServer

/// Free-text answers translated for staff by the real engine (Apertium, spa-eng): beside the answer, labelled with
/// the engine; answers whose language is not known (an anonymous survey's) or already the staff's stay as written.
struct SurveyTranslationTests {
    @Test func spanishAnswersGetAnEnglishTranslationBesideThem() async throws {
        let apertium = ApertiumTranslator()
        #expect(apertium.isAvailable, "apertium with apertium-eng-spa is needed (scripts/install-deps.sh installs it)")
        let form = FormDefinition(id: "f", questions: [FormQuestion(id: "better", kind: .longText, text: .inline(LocalizedText("Better?")))], minGroupText: 3)
        let spanish = ["Las puertas del colegio abren tarde.", "Los profesores son muy amables.", "Queremos más deporte por la tarde."]
        let responses = spanish.map { SurveyResponse(groups: ["5A"], language: "es", answers: ["better": .text($0)]) }
            + [SurveyResponse(groups: ["5A"], language: "", answers: ["better": .text("Más música, por favor.")])]
            + (1...3).map { SurveyResponse(groups: ["5B"], language: "en", answers: ["better": .text("More music, please \($0).")]) }
        let results = SurveyResults.tabulate(form: form, responses: responses, rates: [])
        let (translated, count) = await SurveyReport.translate(results, with: apertium, to: "en", timeout: .seconds(20))
        #expect(count == 3)
        let texts = try #require(translated.questions.first?.texts)
        for answer in texts where answer.language == "es" {
            #expect(spanish.contains(answer.text), "the answer is kept as written")
            #expect(answer.translation?.isEmpty == false && answer.translation != answer.text)
            #expect(answer.translatedBy?.hasPrefix("apertium") == true)
        }
        #expect(texts.first { $0.text.contains("puertas") }?.translation?.lowercased().contains("door") == true)
        #expect(texts.filter { $0.language != "es" }.allSatisfy { $0.translation == nil })
    }
}
