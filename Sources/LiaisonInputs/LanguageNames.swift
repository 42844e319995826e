import Foundation
import LiaisonModel

/// Language names typed into a roster where a tag belongs ("Arabic", "Farsi", "العربية", "Mandarin"): recognised and
/// mapped to their tag, so a family does not get the school's default language because an export wrote names.
///
/// Names are CLDR's (English and each language's own, through Foundation's ICU) plus the few a school office writes
/// that CLDR calls otherwise; compared without case or diacritics.
public enum LanguageNames {
    /// The tag for `text` when it is a language's name, nil otherwise (a tag, or nothing known).
    public static func tag(named text: String) -> LanguageTag? {
        let key = normalized(text)
        guard !key.isEmpty else { return nil }
        return table[key].flatMap { LanguageTag($0) }
    }

    /// Whether `tag`'s language subtag is too long to be an ISO 639 code (2 or 3 letters): `arabic` parses as a tag
    /// of a language that does not exist.
    public static func isImplausible(_ tag: LanguageTag) -> Bool {
        tag.language.count > 3
    }

    static func normalized(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "en"))
            .replacingOccurrences(of: "_", with: " ")
            .split(whereSeparator: { $0.isWhitespace || $0 == "(" || $0 == ")" || $0 == "," }).joined(separator: " ")
    }

    /// Names a school office writes that CLDR names otherwise.
    static let aliases: [String: String] = [
        "farsi": "fa", "dari": "fa-AF", "mandarin": "zh", "mandarin chinese": "zh", "chinese simplified": "zh-Hans",
        "simplified chinese": "zh-Hans", "chinese traditional": "zh-Hant", "traditional chinese": "zh-Hant",
        "cantonese": "zh-Hant-HK", "tagalog": "fil", "brazilian portuguese": "pt-BR", "portuguese brazil": "pt-BR",
        "kurdish sorani": "ckb", "sorani": "ckb", "kurmanji": "kmr", "panjabi": "pa", "pashtu": "ps", "somalian": "so",
    ]

    /// Lower-cased, diacritic-folded name → tag, built once.
    static let table: [String: String] = {
        var table: [String: String] = [:]
        let english = Locale(identifier: "en")
        for code in Locale.LanguageCode.isoLanguageCodes.map(\.identifier) {
            for name in [english.localizedString(forLanguageCode: code), Locale(identifier: code).localizedString(forLanguageCode: code)] {
                guard let name else { continue }
                let key = normalized(name)
                if !key.isEmpty, key != code, table[key] == nil { table[key] = code }
            }
        }
        for (name, tag) in aliases { table[name] = tag }
        return table
    }()
}
