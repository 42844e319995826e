import Foundation
import LiaisonModel

/// A guardian's fallback chain: `zh-Hant-HK → zh-Hant → default`; never across scripts (zh-Hant never falls back to
/// zh-Hans or zh).
public struct LocaleChain: Sendable, Hashable, CustomStringConvertible {
    /// How far the language used is from the one asked for.
    public enum FallbackKind: String, Sendable, Hashable, Codable {
        /// The requested language itself, or a catalog tag that means the same (`zh-Hant` for `zh-TW`, `ar` for `ar-EG`).
        case none
        /// The same language and script with another region or no region (`es-MX → es`, `zh-Hant-HK → zh-Hant`).
        case sameLanguage
        /// Another language: the school's default or the source language (`pt-BR → en`).
        case otherLanguage
    }

    /// The tag the guardian gave.
    public var requested: LanguageTag
    /// Every tag tried, in order, ending with the school default and then the source locale (deduplicated).
    public var candidates: [LanguageTag]
    /// The candidates that have a catalog, in order (per-key lookups walk this).
    public var available: [LanguageTag]
    /// `available.first`; the source locale when no candidate has a catalog.
    public var resolved: LanguageTag
    public var fallbackKind: FallbackKind

    public init(
        requested: LanguageTag, candidates: [LanguageTag], available: [LanguageTag], resolved: LanguageTag,
        fallbackKind: FallbackKind
    ) {
        self.requested = requested
        self.candidates = candidates
        self.available = available
        self.resolved = resolved
        self.fallbackKind = fallbackKind
    }

    /// True when the resolved catalog is not the requested language itself (`fallbackKind != .none`).
    public var isFallback: Bool { fallbackKind != .none }

    /// `zh-Hant-HK → zh-Hant`, or just `ar` when the requested tag has its own catalog.
    public var description: String {
        resolved == requested ? requested.rawValue : "\(requested) → \(resolved)"
    }
}

/// Resolves a guardian's language against the catalogs there are.
///
/// The requested tag is canonicalised and maximised with CLDR likely subtags (zh-TW → zh-Hant-TW, zh → zh-Hans-CN,
/// sr-RS → sr-Cyrl-RS). The candidates are, in order:
/// 1. the requested tag and the tags that mean the same once maximised (`zh-TW`, `zh-Hant-TW`, `zh-Hant`);
/// 2. broader tags of the same language and script, most specific first: truncations of the request and
///    `lang-Script-Region`, `lang-Region`, `lang-Script`, `lang`, a tag without script counting only when its own
///    likely script is the requested one (so `zh` serves zh-CN but never zh-TW, and a catalog `sr` serves sr-Cyrl);
/// 3. catalogs of the same language and script for another region (`pt-PT` for `pt-BR`), the region CLDR thinks
///    likeliest first, then alphabetically;
/// 4. the school's default and, the same way, its own equivalents, broader tags and siblings (`es-ES` → `es`),
///    then the source locale.
///
/// `und` goes straight to step 4.
public struct LocaleResolver: Sendable {
    public var available: Set<LanguageTag>
    public var schoolDefault: LanguageTag
    public var sourceLocale: LanguageTag

    public init(available: Set<LanguageTag>, schoolDefault: LanguageTag, sourceLocale: LanguageTag) {
        self.available = available
        self.schoolDefault = schoolDefault
        self.sourceLocale = sourceLocale
    }

    public func chain(for requested: LanguageTag) -> LocaleChain {
        let canonical = ICU.canonicalize(requested)
        let maximal = ICU.maximize(Self.core(canonical))
        // `und` (and a tag of an undetermined language) says nothing about the family: the school's default, not the
        // language CLDR guesses for `und` (English).
        let undetermined = Self.parts(of: maximal).language == "und" || requested.language == "und"
        var candidates: [LanguageTag] = []
        func add(_ tag: LanguageTag) {
            if !candidates.contains(tag) { candidates.append(tag) }
        }
        (undetermined ? [requested] : sameLanguageCandidates(for: requested)).forEach(add)
        // The school's default resolves like anyone's tag: `es-ES` without its own catalog is served by `es`.
        add(schoolDefault)
        sameLanguageCandidates(for: schoolDefault).filter(available.contains).forEach(add)
        add(sourceLocale)

        let found = candidates.filter(available.contains)
        let resolved = found.first ?? sourceLocale
        let kind: LocaleChain.FallbackKind
        if undetermined {
            kind = .otherLanguage
        } else if resolved == requested || resolved == canonical || ICU.maximize(Self.core(resolved)) == maximal {
            kind = .none
        } else if Self.sameLanguageAndScript(resolved, maximal) {
            kind = .sameLanguage
        } else {
            kind = .otherLanguage
        }
        return LocaleChain(
            requested: requested, candidates: candidates, available: found, resolved: resolved, fallbackKind: kind)
    }

    /// Steps 1 to 3 for `requested`: the tag, its equivalents, broader tags and sibling catalogs of the same language
    /// and script.
    func sameLanguageCandidates(for requested: LanguageTag) -> [LanguageTag] {
        let canonical = ICU.canonicalize(requested)
        // Extensions (`-u-nu-arab`) and private use say how to format, not which catalog: match without them.
        let core = Self.core(canonical)
        let maximal = ICU.maximize(core)
        let parts = Self.parts(of: maximal)

        var candidates: [LanguageTag] = []
        func add(_ tag: LanguageTag?) {
            if let tag, !candidates.contains(tag) { candidates.append(tag) }
        }

        add(requested)
        add(canonical)
        add(core)
        let equivalents = [
            Self.tag(parts.language, parts.script, parts.region, parts.rest),
            Self.tag(parts.language, nil, parts.region, parts.rest),
            Self.tag(parts.language, parts.script, nil, parts.rest),
            Self.tag(parts.language, nil, nil, parts.rest),
        ]
        for tag in equivalents.compactMap({ $0 }) where ICU.maximize(tag) == maximal {
            add(tag)
        }

        var broader: [LanguageTag] = []
        var truncated = core.truncated
        while let tag = truncated {
            broader.append(tag)
            truncated = tag.truncated
        }
        broader += [
            Self.tag(parts.language, parts.script, parts.region, []),
            Self.tag(parts.language, nil, parts.region, []),
            Self.tag(parts.language, parts.script, nil, []),
            Self.tag(parts.language, nil, nil, []),
        ].compactMap { $0 }
        let ranked = broader.enumerated().sorted { left, right in
            let (l, r) = (left.element.subtags.count, right.element.subtags.count)
            return l != r ? l > r : left.offset < right.offset
        }
        for (_, tag) in ranked where Self.sameLanguageAndScript(tag, maximal) {
            add(tag)
        }

        let likeliest = Self.tag(parts.language, parts.script, nil, []).map(ICU.maximize)
        let siblings = available.filter { !candidates.contains($0) && Self.sameLanguageAndScript($0, maximal) }.sorted { left, right in
            let (l, r) = (ICU.maximize(left) == likeliest, ICU.maximize(right) == likeliest)
            return l != r ? l : left < right
        }
        siblings.forEach(add)
        return candidates
    }

    /// Whether `tag`, maximised, has the language and script of `maximal`.
    private static func sameLanguageAndScript(_ tag: LanguageTag, _ maximal: LanguageTag) -> Bool {
        let other = parts(of: ICU.maximize(core(tag)))
        let mine = parts(of: maximal)
        return other.language == mine.language && other.script == mine.script
    }

    /// The tag without extensions and private use (`ar-EG` for `ar-EG-u-nu-latn`).
    private static func core(_ tag: LanguageTag) -> LanguageTag {
        let subtags = tag.subtags
        guard let singleton = subtags.indices.dropFirst().first(where: { subtags[$0].count == 1 }) else { return tag }
        return LanguageTag(subtags[..<singleton].joined(separator: "-")) ?? tag
    }

    private struct Parts {
        var language: String
        var script: String?
        var region: String?
        /// Variants.
        var rest: [String]
    }

    private static func parts(of tag: LanguageTag) -> Parts {
        let subtags = tag.subtags
        var index = 1
        let script = tag.script
        let region = tag.region
        if index < subtags.count, subtags[index] == script { index += 1 }
        if index < subtags.count, subtags[index] == region { index += 1 }
        return Parts(language: tag.language, script: script, region: region, rest: Array(subtags.dropFirst(index)))
    }

    private static func tag(_ language: String, _ script: String?, _ region: String?, _ rest: [String]) -> LanguageTag? {
        LanguageTag(([language, script, region].compactMap { $0 } + rest).joined(separator: "-"))
    }
}

extension LanguageTag {
    /// The script the tag is written in, given or likely (CLDR likely subtags): `Arab` for `ar`, `Latn` for `ar-Latn`.
    public var likelyScript: String? { ICU.maximize(self).script }
}

extension LocaleChain {
    /// The locale dates, numbers and lists are formatted in, the same for a letter and a page: the guardian's own
    /// tag when the text is in their language and script (so `es-MX` and `zh-Hant-HK` get their regional formats
    /// from the `es` and `zh-Hant` catalogs), the school's regional default for a bare tag of the school's language
    /// (`en` in a school set to `en-GB`), and the catalog's language when the text is a fallback to another language
    /// or script (its tag then labels the letter: `lang`, `dir`, `Content-Language`).
    public static func formattingLocale(requested: LanguageTag, letter: LanguageTag, schoolDefault: LanguageTag) -> LanguageTag {
        guard requested.language == letter.language, requested.likelyScript == letter.likelyScript else {
            return letter.language == schoolDefault.language && letter.region == nil ? schoolDefault : letter
        }
        if requested.region == nil, requested.script == nil, schoolDefault.language == requested.language, schoolDefault.region != nil {
            return schoolDefault
        }
        return requested
    }

    /// ``formattingLocale(requested:letter:schoolDefault:)`` for text written from this chain's catalog.
    public func formattingLocale(schoolDefault: LanguageTag) -> LanguageTag {
        Self.formattingLocale(requested: requested, letter: resolved, schoolDefault: schoolDefault)
    }
}
