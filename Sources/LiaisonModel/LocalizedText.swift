/// Text the school wrote in one or more languages, e.g. an event title `{en: Sports Day, ar: اليوم الرياضي}`.
public struct LocalizedText: Hashable, Sendable {
    /// The text in the school's default language, or the only text given.
    public var base: String
    /// Translations by language tag.
    public var translations: [LanguageTag: String]
    /// The language `base` is written in; nil for the school's default language.
    public var baseLanguage: LanguageTag?
    /// Machine translations by language: a labelled fallback, never used where `translations` has the language.
    public var machine: [LanguageTag: MachineText] = [:]

    public init(_ base: String, translations: [LanguageTag: String] = [:], baseLanguage: LanguageTag? = nil) {
        self.base = base
        self.translations = translations
        self.baseLanguage = baseLanguage
    }

    /// The language text resolved along a chain is written in: the translation's, else the base's (`schoolDefault`
    /// when the base names none).
    public func language(of resolved: LanguageTag?, schoolDefault: LanguageTag) -> LanguageTag {
        resolved ?? baseLanguage ?? schoolDefault
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

/// Text an engine translated, with what it was translated from and by which engine (and version).
public struct MachineText: Hashable, Sendable {
    public var text: String
    public var from: LanguageTag
    public var engine: String

    public init(text: String, from: LanguageTag, engine: String) {
        self.text = text
        self.from = from
        self.engine = engine
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
    /// Text written by staff with versions per language (a map from language to text in the schedule).
    case text(LocalizedText)
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
        case .text(let text): text.base
        case .null: nil
        }
    }
}
