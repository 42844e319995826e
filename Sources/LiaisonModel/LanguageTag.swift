import Foundation

/// A BCP 47 language tag in canonical case (`zh-Hant-HK`, `es-419`, `sr-Latn`).
///
/// Only the syntax is checked here; whether a catalog exists for it is the localization stage's business.
public struct LanguageTag: Hashable, Sendable, Codable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The canonical spelling.
    public let rawValue: String

    /// Parses and canonicalises a tag; `nil` when it is not well-formed BCP 47.
    /// Underscores (`pt_BR`, as some exports write) are accepted and become hyphens.
    public init?(_ text: String) {
        // A roster spells the same few tags thousands of times: each spelling is parsed once.
        if let known = Self.parsed.value(for: text) {
            guard let known else { return nil }
            self = known
            return
        }
        let tag = Self.parse(text)
        Self.parsed.remember(tag, for: text)
        guard let tag else { return nil }
        self = tag
    }

    private static let parsed = ParseMemo()

    /// Spellings already parsed (a few hundred at most are kept), with their canonical tag or `nil` for malformed.
    private final class ParseMemo: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [String: LanguageTag?] = [:]

        func value(for text: String) -> LanguageTag?? { lock.withLock { results[text] } }

        func remember(_ tag: LanguageTag?, for text: String) {
            lock.withLock { if results.count < 512 { results[text] = .some(tag) } }
        }
    }

    private init(canonical: String) {
        rawValue = canonical
    }

    private static func parse(_ text: String) -> LanguageTag? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "-")
        guard !trimmed.isEmpty else { return nil }
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, (2...3).contains(first.count) || (5...8).contains(first.count),
              first.allSatisfy({ $0.isASCII && $0.isLetter })
        else { return nil }
        var output = [first.lowercased()]
        // Stages: 0 extlang allowed, 1 script allowed, 2 region allowed, 3 variants, 4 extension or private use.
        var stage = 0
        for part in parts.dropFirst() {
            guard (1...8).contains(part.count), part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                return nil
            }
            let letters = part.allSatisfy(\.isLetter)
            let digits = part.allSatisfy(\.isNumber)
            if stage == 4 {
                output.append(part.lowercased())
            } else if part.count == 1 {
                stage = 4
                output.append(part.lowercased())
            } else if stage == 0, part.count == 3, letters, first.count <= 3 {
                output.append(part.lowercased())
                stage = 1
            } else if stage <= 1, part.count == 4, letters {
                output.append(part.prefix(1).uppercased() + part.dropFirst().lowercased())
                stage = 2
            } else if stage <= 2, (part.count == 2 && letters) || (part.count == 3 && digits) {
                output.append(part.uppercased())
                stage = 3
            } else if part.count >= 5 || (part.count == 4 && part.first!.isNumber) {
                output.append(part.lowercased())
                stage = 3
            } else {
                return nil
            }
        }
        return LanguageTag(canonical: output.joined(separator: "-"))
    }

    public init(stringLiteral value: String) {
        guard let tag = LanguageTag(value) else { preconditionFailure("invalid language tag literal \(value)") }
        self = tag
    }

    /// The primary language subtag (`zh` for `zh-Hant-HK`).
    public var language: String {
        guard let dash = rawValue.utf8.firstIndex(of: UInt8(ascii: "-")) else { return rawValue }
        return String(rawValue[..<dash])
    }

    /// The subtags in order.
    public var subtags: [String] {
        rawValue.split(separator: "-").map(String.init)
    }

    /// The script subtag, if the tag names one (`Hant` in `zh-Hant-HK`).
    public var script: String? {
        subtags.dropFirst().first { $0.count == 4 && $0.first!.isUppercase }
    }

    /// The region subtag, if the tag names one (`HK` in `zh-Hant-HK`).
    public var region: String? {
        subtags.dropFirst().first { ($0.count == 2 && $0.allSatisfy(\.isUppercase)) || ($0.count == 3 && $0.allSatisfy(\.isNumber)) }
    }

    /// The tag with its last subtag removed (`zh-Hant` for `zh-Hant-HK`), or `nil` for a bare language.
    public var truncated: LanguageTag? {
        let parts = subtags
        guard parts.count > 1 else { return nil }
        var kept = Array(parts.dropLast())
        // A singleton (extension introducer) never ends a tag.
        while let last = kept.last, last.count == 1 { kept.removeLast() }
        return LanguageTag(kept.joined(separator: "-"))
    }

    public var description: String { rawValue }

    public static func < (lhs: LanguageTag, rhs: LanguageTag) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let tag = LanguageTag(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid language tag \(text)"))
        }
        self = tag
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
