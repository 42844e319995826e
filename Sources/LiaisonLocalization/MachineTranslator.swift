import Foundation
import LiaisonModel

/// A memory for one process (tests, `liaison preview`); the store keeps one on disk for the daemon.
public actor InMemoryTranslationMemory: TranslationMemory {
    private var entries: [String: String] = [:]

    public init() {}

    public func translation(engine: String, from: LanguageTag, to: LanguageTag, source: String) -> String? {
        entries[Self.key(engine, from, to, source)]
    }

    public func remember(engine: String, from: LanguageTag, to: LanguageTag, source: String, translation: String) {
        if entries.count > 10_000 { entries.removeAll() }
        entries[Self.key(engine, from, to, source)] = translation
    }

    private static func key(_ engine: String, _ from: LanguageTag, _ to: LanguageTag, _ source: String) -> String {
        "\(engine)\u{1F}\(from.rawValue)\u{1F}\(to.rawValue)\u{1F}\(source)"
    }
}

/// Staff text a reader would otherwise get untranslated, machine translated into their letter's language before
/// an occurrence is planned: a labelled fallback next to the original, never in place of a person's translation.
/// An urgent event waits for the engine only `urgentTimeout` in all; what is not translated by then goes as the
/// original, marked as such.
public struct MachineTranslator: Sendable {
    public let translator: any Translator
    public let memory: any TranslationMemory
    /// The time all translations of one occurrence may take (normal and urgent events).
    public var timeout: Duration
    public var urgentTimeout: Duration
    /// Told of each translation made (engine and version, pair, field; never the text).
    public var log: @Sendable (String) -> Void

    public init(
        translator: any Translator, memory: any TranslationMemory = InMemoryTranslationMemory(), timeout: Duration = .seconds(30),
        urgentTimeout: Duration = .seconds(2), log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.translator = translator
        self.memory = memory
        self.timeout = timeout
        self.urgentTimeout = urgentTimeout
        self.log = log
    }

    /// `event` with machine translations of its untranslated staff text for the letter languages of `chains`.
    public func prepare(_ event: Event, chains: [LocaleChain], schoolDefault: LanguageTag, clock: ContinuousClock = ContinuousClock()) async -> Event {
        let deadline = clock.now.advanced(by: event.priority == .urgent ? urgentTimeout : timeout)
        var event = event
        var targets: [LanguageTag: LocaleChain] = [:]
        for chain in chains where !LanguageDisplayName.sameWriting(chain.resolved, schoolDefault) && targets[chain.resolved] == nil {
            targets[chain.resolved] = chain
        }
        for (target, chain) in targets.sorted(by: { $0.key < $1.key }) {
            for field in StaffText.untranslated(in: event, chain: chain, letter: target, schoolDefault: schoolDefault)
            where field.text.machine[target] == nil {
                let source = field.text.language(of: field.text.resolve(along: chain.candidates).language, schoolDefault: schoolDefault)
                guard let engine = translator.engine(from: source, to: target) else { continue }
                let text = field.text.resolve(along: chain.candidates).text
                var translated = await memory.translation(engine: engine, from: source, to: target, source: text)
                if translated == nil {
                    let left = deadline - clock.now
                    guard left > .milliseconds(50) else { continue }
                    do {
                        translated = try await translator.translate(text, from: source, to: target, timeout: left)
                    } catch {
                        log("machine translation \(event.id) \(field.path) \(source)→\(target) by \(engine) failed: \(error); the original goes, marked")
                        continue
                    }
                    // Engines leave runs of spaces where sentences met.
                    translated = translated?.replacingOccurrences(of: "  +", with: " ", options: .regularExpression)
                    guard let made = translated, !made.isEmpty else { continue }
                    await memory.remember(engine: engine, from: source, to: target, source: text, translation: made)
                    log("machine translation \(event.id) \(field.path) \(source)→\(target) by \(engine)")
                }
                guard let made = translated, !made.isEmpty,
                    let changed = StaffText.adding(machine: MachineText(text: made, from: source, engine: engine), language: target, at: field.path, to: event)
                else { continue }
                event = changed
            }
        }
        return event
    }
}
