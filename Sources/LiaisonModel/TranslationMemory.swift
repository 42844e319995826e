/// Machine translations already made, by engine (with its version), pair and source text: an engine is asked once
/// per text, and a send that is planned again (a reload, a resend) finds them.
public protocol TranslationMemory: Sendable {
    func translation(engine: String, from: LanguageTag, to: LanguageTag, source: String) async -> String?
    func remember(engine: String, from: LanguageTag, to: LanguageTag, source: String, translation: String) async
}
