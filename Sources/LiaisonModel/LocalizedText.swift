/// Text the school wrote in one or more languages, e.g. an event title `{en: Sports Day, ar: اليوم الرياضي}`.
public struct LocalizedText: Hashable, Sendable {
    /// The text in the school's default language, or the only text given.
    public var base: String
    /// Translations by language tag.
    public var translations: [LanguageTag: String]

    public init(_ base: String, translations: [LanguageTag: String] = [:]) {
        self.base = base
        self.translations = translations
    }

    /// The first translation found along a fallback chain, with the language it was found in
    /// (`nil` language means the base text was used).
    public func resolve(along chain: [LanguageTag]) -> (text: String, language: LanguageTag?) {
        for tag in chain {
            if let text = translations[tag] { return (text, tag) }
        }
        return (base, nil)
    }
}

/// Free data for a template, as written in the schedule (YAML scalars, lists and maps).
public indirect enum DataValue: Hashable, Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([DataValue])
    case map([String: DataValue])
    case null

    /// The value as Foundation-free plain Swift (`String`, `Int`, `Double`, `Bool`, arrays, dictionaries).
    public var plain: Any? {
        switch self {
        case .string(let value): value
        case .int(let value): value
        case .double(let value): value
        case .bool(let value): value
        case .list(let values): values.map { $0.plain as Any }
        case .map(let values): values.mapValues { $0.plain as Any }
        case .null: nil
        }
    }
}
