import Foundation
import LiaisonModel
import Testing
@testable import LiaisonLocalization

/// Machine translation with a real engine (Apertium, installed by scripts/install-deps.sh): a labelled fallback that
/// never replaces a person's translation and never holds up an urgent alert.
@Suite struct MachineTranslatorTests {
    let english: LanguageTag = "en-GB"

    func alert(note: LocalizedText, priority: Priority = .urgent) -> Event {
        var event = Event(
            id: "sickness", kind: .alert, title: LocalizedText("Your child is unwell", translations: ["es": "Su hijo no se encuentra bien"]),
            start: Date(timeIntervalSince1970: 1_800_000_000), timeZone: TimeZone(identifier: "Europe/London")!, audience: .everyone,
            template: "alert-sickness", priority: priority)
        event.data = ["note": .text(note)]
        return event
    }

    func chain(_ tag: LanguageTag) -> LocaleChain {
        LocaleChain(requested: tag, candidates: [tag, english], available: [tag, english], resolved: tag, fallbackKind: .none)
    }

    @Test("Apertium translates English into Spanish and names its pair and version")
    func apertium() async throws {
        let apertium = ApertiumTranslator()
        #expect(apertium.isAvailable, "apertium with apertium-eng-spa is needed (scripts/install-deps.sh installs it)")
        let engine = try #require(apertium.engine(from: english, to: "es"))
        #expect(engine.hasPrefix("apertium eng-spa "))
        #expect(!engine.hasSuffix("unknown"))
        #expect(apertium.engine(from: english, to: "so") == nil)  // no such pair: nothing is made up
        let spanish = try await apertium.translate("The hall doors will be open between songs.", from: english, to: "es", timeout: .seconds(20))
        #expect(spanish?.contains("puertas") == true, "\(spanish ?? "nil")")
    }

    @Test("Untranslated staff text gets a machine version for the readers' languages; a person's translation is left alone")
    func prepare() async throws {
        let memory = InMemoryTranslationMemory()
        let translator = MachineTranslator(translator: ApertiumTranslator(), memory: memory, urgentTimeout: .seconds(20))
        let note = "She has a sore throat and is resting in the medical room."
        let event = await translator.prepare(
            alert(note: LocalizedText(note)), chains: [chain("es"), chain("so"), chain("en")], schoolDefault: english)
        guard case .text(let translated)? = event.data["note"] else {
            Issue.record("the note lost its form")
            return
        }
        let machine = try #require(translated.machine["es"])
        #expect(machine.from == english && machine.engine.hasPrefix("apertium eng-spa"))
        #expect(machine.text.contains("garganta"), "\(machine.text)")
        #expect(translated.machine["so"] == nil)  // Apertium has no eng-som pair
        #expect(translated.translations.isEmpty)  // a machine's text is never a translation
        #expect(event.title.machine.isEmpty)  // the title has a person's Spanish
        #expect(await memory.translation(engine: machine.engine, from: english, to: "es", source: note) == machine.text)

        let human = await translator.prepare(
            alert(note: LocalizedText(note, translations: ["es": "Le duele la garganta."])), chains: [chain("es")], schoolDefault: english)
        guard case .text(let kept)? = human.data["note"] else { return }
        #expect(kept.machine.isEmpty)
    }
}
