import CICU
import Foundation
import LiaisonModel

/// CLDR plural rules, from ICU.
public enum PluralRules {
    /// CLDR's order of plural categories.
    public static let categoryOrder = ["zero", "one", "two", "few", "many", "other"]

    /// Every plural category of the locale (ar cardinal: zero one two few many other; zh: other).
    public static func categories(for locale: LanguageTag, ordinal: Bool = false) -> Set<String> {
        Set(orderedCategories(for: locale, ordinal: ordinal))
    }

    /// Every plural category of the locale, in CLDR order.
    public static func orderedCategories(for locale: LanguageTag, ordinal: Bool = false) -> [String] {
        cached(.all, locale, ordinal) { ICU.take(cicu_plural_keywords(locale.rawValue, ordinal ? 1 : 0)) }
    }

    /// The categories some whole number from 0 to 10,000 takes, in CLDR order: what a message counting children,
    /// days or copies must provide. Categories that only decimals reach (Russian `other`, Lithuanian `many`) or only
    /// millions (French, Spanish, Italian and Portuguese `many`, for "1 000 000 de …") are left out.
    public static func requiredCategories(for locale: LanguageTag, ordinal: Bool = false) -> [String] {
        cached(.integers, locale, ordinal) {
            ICU.take(cicu_plural_integer_keywords(locale.rawValue, ordinal ? 1 : 0, 10_000))
        }
    }

    /// The category `number` takes (`few` for 3 in ar; `other` for 1.5 in ru).
    public static func category(of number: Double, locale: LanguageTag, ordinal: Bool = false) -> String {
        ICU.take(cicu_plural_select(locale.rawValue, ordinal ? 1 : 0, number)) ?? "other"
    }

    private enum Scope: Hashable { case all, integers }

    private struct Key: Hashable {
        var scope: Scope
        var locale: LanguageTag
        var ordinal: Bool
    }

    private static let cache = Locked<[Key: [String]]>([:])

    private static func cached(_ scope: Scope, _ locale: LanguageTag, _ ordinal: Bool, _ load: () -> String?) -> [String] {
        let key = Key(scope: scope, locale: locale, ordinal: ordinal)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let words = Set((load() ?? "other").split(separator: " ").map(String.init))
        var ordered = categoryOrder.filter { words.contains($0) }
        ordered += words.subtracting(categoryOrder).sorted()
        if ordered.isEmpty { ordered = ["other"] }
        cache.withLock { $0[key] = ordered }
        return ordered
    }
}

/// Which way a language's script runs, for `<html dir>`.
public enum TextDirection: String, Sendable, Hashable, Codable {
    case ltr, rtl

    /// From the tag's script, or its likely script (ICU likely subtags): ar, fa, ur, he, ps, ckb, yi, dv, ug, sd,
    /// az-Arab, pa-Arab are right to left; az, sr-Latn, zh-Hant left to right.
    public init(for tag: LanguageTag) {
        self = ICU.isRightToLeft(tag) ? .rtl : .ltr
    }
}
