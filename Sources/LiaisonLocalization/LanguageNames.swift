import Foundation
import LiaisonModel

/// Names of languages in the reader's language ("Ingiriisi" for English in Somali), from Foundation's CLDR data.
public enum LanguageDisplayName {
    private static let cache = Locked<[String: String]>([:])

    /// The name of `language` written in `reader`; the script is named too when the two share a language
    /// (中文（简体） in a Traditional Chinese letter). Falls back to the English name, then to the tag.
    public static func name(of language: LanguageTag, in reader: LanguageTag) -> String {
        let key = language.rawValue + "|" + reader.rawValue
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let sameLanguage = language.language == reader.language
        let identifier = sameLanguage ? [language.language, language.likelyScript].compactMap { $0 }.joined(separator: "-") : language.language
        func named(in locale: String) -> String? {
            let locale = Locale(identifier: locale)
            let name = sameLanguage ? locale.localizedString(forIdentifier: identifier) : locale.localizedString(forLanguageCode: identifier)
            guard let name, !name.isEmpty, name != identifier else { return nil }
            return name
        }
        let name = named(in: reader.rawValue) ?? named(in: "en") ?? language.rawValue
        cache.withLock { table in
            if table.count > 4096 { table.removeAll() }
            table[key] = name
        }
        return name
    }

    /// The name of the language an interpreter speaks for `language`, in `reader`'s language: the language alone,
    /// without the script ``name(of:in:)`` adds for the reader's own language ("Soomaali", not "Soomaali (Laatiin)").
    public static func spokenName(of language: LanguageTag, in reader: LanguageTag) -> String {
        for locale in [reader.rawValue, "en"] {
            if let name = Locale(identifier: locale).localizedString(forLanguageCode: language.language), !name.isEmpty, name != language.language {
                return name
            }
        }
        return language.rawValue
    }

    /// Whether text in `a` can be read as text in `b`: the same language in the same (likely) script.
    public static func sameWriting(_ a: LanguageTag, _ b: LanguageTag) -> Bool {
        if a == b { return true }
        guard a.language == b.language else { return false }
        let key = Pair(a: a, b: b)
        if let hit = sameWritingCache.withLock({ $0[key] }) { return hit }
        let same = a.likelyScript == b.likelyScript
        sameWritingCache.withLock { table in
            if table.count > 4096 { table.removeAll() }
            table[key] = same
        }
        return same
    }

    private struct Pair: Hashable {
        let a: LanguageTag
        let b: LanguageTag
    }

    private static let sameWritingCache = Locked<[Pair: Bool]>([:])
}
