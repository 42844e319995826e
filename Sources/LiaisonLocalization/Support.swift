import CICU
import Foundation
import LiaisonModel

/// Thin Swift wrappers over CICU's C functions.
enum ICU {
    /// Takes ownership of a string returned by CICU.
    static func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        defer { cicu_free(pointer) }
        return String(cString: pointer)
    }

    private static let likelyCache = Locked<[String: LanguageTag]>([:])

    /// `zh-TW` → `zh-Hant-TW`; the tag itself when ICU cannot say more.
    static func maximize(_ tag: LanguageTag) -> LanguageTag {
        if let cached = likelyCache.withLock({ $0[tag.rawValue] }) { return cached }
        let result = take(cicu_locale_add_likely(tag.rawValue)).flatMap { LanguageTag($0) } ?? tag
        likelyCache.withLock { table in
            // Tags come from rosters and from browsers' Accept-Language: a bounded table.
            if table.count > 4096 { table.removeAll() }
            table[tag.rawValue] = result
        }
        return result
    }

    /// `zh-Hant-TW` → `zh-TW`.
    static func minimize(_ tag: LanguageTag) -> LanguageTag {
        take(cicu_locale_minimize(tag.rawValue)).flatMap { LanguageTag($0) } ?? tag
    }

    /// ICU's canonical form (`iw` → `he`, `tl` → `fil`).
    static func canonicalize(_ tag: LanguageTag) -> LanguageTag {
        if let cached = canonicalCache.withLock({ $0[tag.rawValue] }) { return cached }
        let result = take(cicu_locale_canonicalize(tag.rawValue)).flatMap { LanguageTag($0) } ?? tag
        canonicalCache.withLock { table in
            if table.count > 4096 { table.removeAll() }
            table[tag.rawValue] = result
        }
        return result
    }

    private static let canonicalCache = Locked<[String: LanguageTag]>([:])

    private static let formattingCache = Locked<[LanguageTag: String]>([:])

    /// The locale ICU formats with: the tag, with Foundation's numbering system for it unless the tag names one.
    ///
    /// CICU formats with Foundation's ICU data, but takes the locale through the system ICU's parser, whose older
    /// defaults differ (`ar`: Arabic-Indic digits in ICU 72, Latin digits in CLDR 43 and later): naming Foundation's
    /// numbering system keeps every digit of a letter the same. `ar-EG` keeps Arabic-Indic digits, `ar-u-nu-arab`
    /// asks for them.
    static func formattingLocale(_ tag: LanguageTag) -> String {
        if let cached = formattingCache.withLock({ $0[tag] }) { return cached }
        var subtags = tag.subtags
        let extensionStart = subtags.indices.dropFirst().first { subtags[$0].count == 1 }
        let unicodeStart = subtags.firstIndex(of: "u").flatMap { $0 > 0 ? $0 : nil }
        let namesNumbering = unicodeStart.map { start in subtags[(start + 1)...].prefix { $0.count > 1 }.contains("nu") } ?? false
        if !namesNumbering {
            let numbering = Locale(identifier: tag.rawValue).numberingSystem.identifier.lowercased()
            if (3...8).contains(numbering.count), numbering.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                if let unicodeStart {
                    subtags.insert(contentsOf: ["nu", numbering], at: unicodeStart + 1)
                } else if let extensionStart {
                    subtags.insert(contentsOf: ["u", "nu", numbering], at: extensionStart)
                } else {
                    subtags += ["u", "nu", numbering]
                }
            }
        }
        let result = subtags.joined(separator: "-")
        formattingCache.withLock { table in
            if table.count > 4096 { table.removeAll() }
            table[tag] = result
        }
        return result
    }

    static func isRightToLeft(_ tag: LanguageTag) -> Bool {
        if let known = directionCache.withLock({ $0[tag] }) { return known }
        let rightToLeft = cicu_locale_is_rtl(tag.rawValue) != 0
        directionCache.withLock { $0[tag] = rightToLeft }
        return rightToLeft
    }

    /// ICU's answer by tag: asked for every message, and it does not change.
    private static let directionCache = Locked<[LanguageTag: Bool]>([:])
}

/// A failed CICU call, read out of (and clearing) a `cicu_error`.
struct ICUFailure: Sendable {
    var name: String
    var detail: String?
    /// UTF-16 offset into the pattern.
    var utf16Offset: Int?
    var preContext: String?
    var postContext: String?

    init(_ error: inout cicu_error) {
        name = error.name.map { String(cString: $0) } ?? "U_ERROR \(error.code)"
        detail = error.detail.map { String(cString: $0) }
        utf16Offset = error.offset >= 0 ? Int(error.offset) : nil
        preContext = error.pre_context.map { String(cString: $0) }
        postContext = error.post_context.map { String(cString: $0) }
        cicu_error_clear(&error)
    }
}

extension cicu_error {
    /// A success value, ready to pass to a CICU call.
    static func empty() -> cicu_error {
        var error = cicu_error()
        error.offset = -1
        return error
    }

    var failed: Bool { code > 0 }
}
