import CICU
import Foundation
import LiaisonModel

/// Why a MessageFormat pattern could not be compiled or formatted.
public struct MessageFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, with the place and ICU's error name (`unclosed '{' at line 1, column 7 [U_UNMATCHED_BRACES]`).
    public var message: String
    /// Where in the pattern, counted in characters from 0, when ICU says.
    public var offset: Int?
    /// 1-based line and column of `offset` within the pattern.
    public var line: Int?
    public var column: Int?
    /// ICU's error name (`U_PATTERN_SYNTAX_ERROR`), when the error came from ICU.
    public var code: String?

    public init(message: String, offset: Int? = nil, line: Int? = nil, column: Int? = nil, code: String? = nil) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
        self.code = code
    }

    public var description: String { message }

    /// Refuses a pattern whose arguments nest deeper than `limit` (`{a, select, x {{b, plural, …}}}` is two) before
    /// ICU's recursive parser sees it: thousands of nested `select` run it out of stack. Apostrophe-quoted braces
    /// (`'{'`) are text, as ICU reads them.
    static func checkNesting(_ pattern: String, limit: Int = InputLimits.standard.nesting) throws(MessageFormatError) {
        var depth = 0
        var quoted = false
        var line = 1
        var column = 0
        var characters = pattern.makeIterator()
        var pending: Character? = characters.next()
        while let character = pending {
            pending = characters.next()
            column += 1
            if character == "\n" { line += 1; column = 0 }
            if character == "'" {
                if pending == "'" { pending = characters.next(); column += 1; continue }
                if quoted { quoted = false; continue }
                if let next = pending, next == "{" || next == "}" || next == "#" || next == "|" { quoted = true }
                continue
            }
            guard !quoted else { continue }
            if character == "{" {
                depth += 1
                // An argument and its sub-message are two braces: the limit counts arguments.
                if depth > 2 * limit {
                    throw MessageFormatError(
                        message: "arguments nested more than \(limit) deep at line \(line), column \(column). \(InputLimits.advice(.nesting, limit))",
                        line: line, column: column, code: "limit.nesting")
                }
            } else if character == "}" {
                depth = max(0, depth - 1)
            }
        }
    }

    /// Builds an error from a CICU failure, turning ICU's UTF-16 offset into a character offset, line and column.
    init(_ failure: ICUFailure, pattern: String, explanation: String? = nil) {
        let what = explanation ?? Self.explain(failure.name)
        var text = what
        if let utf16Offset = failure.utf16Offset {
            let place = Self.position(in: pattern, utf16Offset: utf16Offset)
            offset = place.offset
            line = place.line
            column = place.column
            text += " at line \(place.line), column \(place.column) (offset \(place.offset))"
            let near = (failure.postContext ?? "").prefix { !$0.isNewline }
            if !near.isEmpty { text += " before “\(near)”" }
        }
        if let detail = failure.detail, detail != "MessageFormat" { text += ": \(detail)" }
        message = text + " [\(failure.name)]"
        code = failure.name
    }

    static func explain(_ name: String) -> String {
        switch name {
        case "U_PATTERN_SYNTAX_ERROR": "MessageFormat syntax error"
        case "U_UNMATCHED_BRACES": "unclosed '{'"
        case "U_DEFAULT_KEYWORD_MISSING": "a plural, select or selectordinal argument has no 'other' branch"
        case "U_ARGUMENT_TYPE_MISMATCH": "an argument is used with incompatible types"
        case "U_DUPLICATE_KEYWORD": "a selector is used twice"
        case "U_UNDEFINED_KEYWORD": "a selector is not a plural category"
        case "U_INVALID_FORMAT_ERROR", "U_ILLEGAL_ARGUMENT_ERROR":
            "an argument type, style or value is not valid here"
        case "U_INDEX_OUTOFBOUNDS_ERROR": "an argument number is out of range"
        default: "MessageFormat error"
        }
    }

    /// Character offset, line and column (1-based) of a UTF-16 offset in `text`.
    static func position(in text: String, utf16Offset: Int) -> (offset: Int, line: Int, column: Int) {
        let clamped = max(0, min(utf16Offset, text.utf16.count))
        let index = text.utf16.index(text.utf16.startIndex, offsetBy: clamped)
        let prefix = text[..<index]
        var line = 1
        var column = 1
        for character in prefix {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (prefix.count, line, column)
    }
}

/// What a pattern uses, for `check`.
public struct MessagePatternInfo: Sendable, Hashable {
    /// One use of an argument in the pattern (nested uses included, in pattern order).
    public struct Argument: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable, Codable {
            case simple, plural, select, selectordinal, date, time, number
        }

        public var name: String
        public var kind: Kind
        /// The selectors of a plural/select/selectordinal, as written, explicit ones included (`=0`, `one`, `other`).
        public var selectors: [String]
        /// The style of a simple argument (`long`, `short`, `::EEEEdMMMM`, `integer`), trimmed; nil when none.
        public var style: String?

        public init(name: String, kind: Kind, selectors: [String] = [], style: String? = nil) {
            self.name = name
            self.kind = kind
            self.selectors = selectors
            self.style = style
        }
    }

    /// A plural or selectordinal argument lacking CLDR categories its locale needs.
    public struct MissingCategories: Sendable, Hashable {
        public var argument: String
        public var kind: Argument.Kind
        /// In CLDR order (`few`, `many`); never `other`, which `lacksOther` reports.
        public var missing: [String]

        public init(argument: String, kind: Argument.Kind, missing: [String]) {
            self.argument = argument
            self.kind = kind
            self.missing = missing
        }
    }

    public var arguments: [Argument]
    /// Problems with CLDR categories for this locale: e.g. argument `children_count` (plural) lacks `few`, `many`.
    public var missingCategories: [MissingCategories]
    /// Names of plural/select/selectordinal arguments without an `other` branch, in pattern order.
    public var lacksOther: [String]

    public init(arguments: [Argument], missingCategories: [MissingCategories] = [], lacksOther: [String] = []) {
        self.arguments = arguments
        self.missingCategories = missingCategories
        self.lacksOther = lacksOther
    }

    /// Every argument name used, once each, in pattern order.
    public var argumentNames: [String] {
        var seen = Set<String>()
        return arguments.map(\.name).filter { seen.insert($0).inserted }
    }
}

/// Parses ICU MessageFormat patterns (through ICU's own `MessagePattern`) to see what they use.
public enum MessagePattern {
    /// Parses `pattern` for `locale`; throws with ICU's message and the offset (and line/column within the pattern) on a
    /// syntax error.
    ///
    /// A plural/select/selectordinal without `other` is not thrown: it is listed in `lacksOther` (ICU itself refuses to
    /// format such a pattern). The plural categories a locale needs are those some whole number takes
    /// (``PluralRules/requiredCategories(for:ordinal:)``): Russian needs `one`, `few` and `many`, French only `one`.
    /// Explicit selectors such as `=0` never stand in for a category.
    public static func analyze(_ pattern: String, locale: LanguageTag) throws(MessageFormatError) -> MessagePatternInfo {
        let uses = try rawUses(pattern, locale: locale)
        var arguments: [MessagePatternInfo.Argument] = []
        var missing: [MessagePatternInfo.MissingCategories] = []
        var lacksOther: [String] = []
        for use in uses {
            let argument = use.argument
            arguments.append(argument)
            switch argument.kind {
            case .plural, .selectordinal:
                let required = PluralRules.requiredCategories(for: locale, ordinal: argument.kind == .selectordinal)
                let absent = required.filter { $0 != "other" && !argument.selectors.contains($0) }
                if !absent.isEmpty {
                    missing.append(.init(argument: argument.name, kind: argument.kind, missing: absent))
                }
                if !argument.selectors.contains("other"), !lacksOther.contains(argument.name) {
                    lacksOther.append(argument.name)
                }
            case .select:
                if !argument.selectors.contains("other"), !lacksOther.contains(argument.name) {
                    lacksOther.append(argument.name)
                }
            default:
                break
            }
        }
        return MessagePatternInfo(arguments: arguments, missingCategories: missing, lacksOther: lacksOther)
    }

    /// One argument use as CICU reports it.
    struct RawUse: Decodable {
        var name: String
        var type: String
        var simpleType: String
        var style: String
        var selectors: [String]
        var depth: Int
        /// UTF-16 offset of the argument's `{`.
        var offset: Int

        var argument: MessagePatternInfo.Argument {
            let kind: MessagePatternInfo.Argument.Kind
            switch type {
            case "plural": kind = .plural
            case "select": kind = .select
            case "selectordinal": kind = .selectordinal
            case "simple":
                switch simpleType.lowercased() {
                case "number": kind = .number
                case "date": kind = .date
                case "time": kind = .time
                default: kind = .simple
                }
            default: kind = .simple
            }
            let trimmed = style.trimmingCharacters(in: .whitespacesAndNewlines)
            return .init(name: name, kind: kind, selectors: selectors, style: trimmed.isEmpty ? nil : trimmed)
        }
    }

    static let simpleTypes: Set<String> = ["number", "date", "time", "spellout", "ordinal", "duration"]

    /// The argument uses, or the error that stops the pattern from compiling (a missing `other` excepted).
    static func rawUses(_ pattern: String, locale: LanguageTag) throws(MessageFormatError) -> [RawUse] {
        try MessageFormatError.checkNesting(pattern)
        var error = cicu_error.empty()
        let length = pattern.utf8.count
        let json = pattern.withCString { cicu_pattern_analyze($0, length, locale.rawValue, &error) }
        if error.failed || json == nil {
            let failure = ICUFailure(&error)
            guard json != nil else { throw MessageFormatError(failure, pattern: pattern) }
            let uses = decode(json)
            if failure.name == "U_DEFAULT_KEYWORD_MISSING" { return uses }
            throw refusal(failure, uses: uses, pattern: pattern)
        }
        return decode(json)
    }

    private static func decode(_ json: UnsafeMutablePointer<CChar>?) -> [RawUse] {
        guard let text = ICU.take(json) else { return [] }
        return (try? JSONDecoder().decode([RawUse].self, from: Data(text.utf8))) ?? []
    }

    /// A MessageFormat refusal of a pattern MessagePattern accepted: ICU gives no place, so find the likely culprit.
    static func refusal(_ failure: ICUFailure, uses: [RawUse], pattern: String) -> MessageFormatError {
        var failure = failure
        if let unknown = uses.first(where: { $0.type == "simple" && !simpleTypes.contains($0.simpleType.lowercased()) }) {
            failure.utf16Offset = unknown.offset
            failure.postContext = nil
            return MessageFormatError(
                failure, pattern: pattern,
                explanation: "unknown argument type '\(unknown.simpleType)' for argument '\(unknown.name)'")
        }
        if failure.name == "U_ILLEGAL_ARGUMENT_ERROR",
           let skeleton = uses.first(where: { $0.type == "simple" && $0.style.trimmingCharacters(in: .whitespaces).hasPrefix("::") })
        {
            failure.utf16Offset = skeleton.offset
            failure.postContext = nil
            return MessageFormatError(
                failure, pattern: pattern,
                explanation: "invalid style or skeleton for argument '\(skeleton.name)'")
        }
        return MessageFormatError(failure, pattern: pattern)
    }
}
