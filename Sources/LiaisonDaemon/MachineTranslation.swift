import Foundation
import LiaisonInputs
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// Builds the machine translator `translation:` in liaison.yaml asks for, with its memory in the school's SQLite file.
public enum MachineTranslation {
    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// nil for `engine: none`. Throws when the engine cannot be used (Apertium not installed, a key that cannot be
    /// read); the caller says so and sends without machine translation.
    public static func make(
        _ settings: TranslationSettings, sqlitePath: String?, log: @escaping @Sendable (String) -> Void
    ) throws -> MachineTranslator? {
        let translator: any Translator
        switch settings.engine {
        case .none:
            return nil
        case .apertium:
            let apertium = ApertiumTranslator()
            guard apertium.isAvailable else {
                throw Unavailable(description: "translation.engine is apertium, but apertium or its language pairs are not installed (apt install apertium apertium-eng-spa)")
            }
            translator = apertium
        case .libretranslate:
            guard let url = settings.url else { throw Unavailable(description: "translation.engine libretranslate needs translation.url") }
            let key = try settings.apiKey.map { try $0.resolve() }
            translator = LibreTranslateTranslator(url: url, apiKey: key)
        }
        let memory: any TranslationMemory = try sqlitePath.map { try SQLiteTranslationMemory(path: $0) } ?? InMemoryTranslationMemory()
        return MachineTranslator(
            translator: translator, memory: memory, timeout: settings.timeout, urgentTimeout: settings.urgentTimeout, log: log)
    }
}
