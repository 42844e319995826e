import CICU
import Foundation
import LiaisonModel

/// Argument values for a message.
public enum MessageArgument: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case number(Double)
    case date(Date)
}

/// Argument values compared as written, for memo keys: strings as ``ExactText``, by their UTF-8 bytes.
public struct ExactArguments: Hashable, Sendable {
    public let values: [MessageArgument?]

    public init(_ values: [MessageArgument?]) {
        self.values = values
    }

    public static func == (lhs: ExactArguments, rhs: ExactArguments) -> Bool {
        guard lhs.values.count == rhs.values.count else { return false }
        for (left, right) in zip(lhs.values, rhs.values) {
            switch (left, right) {
            case (nil, nil): continue
            case (.string(let a)?, .string(let b)?): if ExactText(a) != ExactText(b) { return false }
            case (let a?, let b?): if a != b { return false }
            default: return false
            }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(values.count)
        for value in values {
            switch value {
            case nil:
                hasher.combine(0 as UInt8)
            case .string(let text)?:
                hasher.combine(1 as UInt8)
                hasher.combine(ExactText(text))
            case let other?:
                hasher.combine(2 as UInt8)
                hasher.combine(other)
            }
        }
    }
}

/// Formats ICU MessageFormat patterns; caches compiled patterns per (pattern, locale, time zone). Thread-safe.
///
/// Named arguments work at any depth: `{children_count, plural, one {…} other {…}}`, `{start, date, long}`,
/// `{start, date, ::EEEEdMMMM}`, `{n, number}`, `select`, `selectordinal`. Dates are shown in `timeZone` (nested
/// inside plural and select branches too) and in the Gregorian calendar unless the tag names another
/// (`ar-SA-u-ca-islamic`). Digits follow Foundation's numbering system for the locale unless the tag names one
/// (`ar`: Latin digits, `ar-EG`: Arabic-Indic), so that they agree with ``LocaleFormatter``.
///
/// Values are adapted to how the pattern uses them: a number given to a `select` is matched as its decimal text,
/// a numeric string given to a `plural`, `selectordinal` or `number` is used as a number. An argument the pattern
/// uses but `arguments` lacks is printed as `{name}` (ICU's behaviour); `check` reports unknown names.
public final class MessageFormatter: Sendable {
    private let cache = Locked<[Key: Result<CompiledMessage, MessageFormatError>]>([:])
    private let capacity: Int

    public init() {
        capacity = 4096
    }

    /// - Parameter capacity: how many compiled patterns to keep before starting afresh.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public func format(
        _ pattern: String, locale: LanguageTag, timeZone: TimeZone, arguments: [String: MessageArgument]
    ) throws(MessageFormatError) -> String {
        try compiled(pattern, locale: locale, timeZone: timeZone).get().format(arguments, pattern: pattern)
    }

    /// A pattern compiled (or found) once, to be formatted many times without looking it up again.
    public struct Prepared: Sendable {
        fileprivate let compiled: Result<CompiledMessage, MessageFormatError>
        let pattern: String

        /// What ``MessageFormatter/format(_:locale:timeZone:arguments:)`` gives for this pattern, locale and zone.
        public func format(_ arguments: [String: MessageArgument]) throws(MessageFormatError) -> String {
            try compiled.get().format(arguments, pattern: pattern)
        }

        /// The argument names the pattern uses, sorted: its text depends on these values and no others. Nil when
        /// that is not known for certain (the analysis failed, or the pattern does not compile).
        public var argumentNames: [String]? {
            guard case .success(let message) = compiled else { return nil }
            return message.memoNames
        }
    }

    public func prepare(_ pattern: String, locale: LanguageTag, timeZone: TimeZone) -> Prepared {
        Prepared(compiled: compiled(pattern, locale: locale, timeZone: timeZone), pattern: pattern)
    }

    /// Compiles (or finds) a pattern without formatting it: throws what `format` would throw for its syntax.
    public func validate(_ pattern: String, locale: LanguageTag, timeZone: TimeZone) throws(MessageFormatError) {
        _ = try compiled(pattern, locale: locale, timeZone: timeZone).get()
    }

    private struct Key: Hashable {
        var pattern: String
        var locale: LanguageTag
        var timeZone: String
    }

    private func compiled(_ pattern: String, locale: LanguageTag, timeZone: TimeZone)
        -> Result<CompiledMessage, MessageFormatError>
    {
        let key = Key(pattern: pattern, locale: locale, timeZone: timeZone.identifier)
        if let hit = cache.withLock({ $0[key] }) { return hit }
        // Compiled outside the lock: two callers may compile the same pattern once each, which is harmless.
        let result = Result { () throws(MessageFormatError) -> CompiledMessage in
            try CompiledMessage(pattern: pattern, locale: locale, timeZone: timeZone.identifier)
        }
        return cache.withLock { cache in
            if let hit = cache[key] { return hit }
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[key] = result
            return result
        }
    }
}

/// A pattern compiled by ICU for one locale and zone; CICU makes concurrent formatting safe.
final class CompiledMessage: @unchecked Sendable {
    private let handle: OpaquePointer
    /// How the pattern uses each argument name.
    private let uses: [String: Set<MessagePatternInfo.Argument.Kind>]
    /// The names the pattern uses, sorted, when the analysis is known to be complete (else nothing is memoized).
    let memoNames: [String]?
    /// Formatted text by the values of the used arguments: ICU reads no other argument, so the guardians of a
    /// language share every message that names none of their own values. Bounded, emptied when full.
    private let memo = Locked<[ExactArguments: String]>([:])
    private static let memoCapacity = 1024

    init(pattern: String, locale: LanguageTag, timeZone: String) throws(MessageFormatError) {
        try MessageFormatError.checkNesting(pattern)
        var error = cicu_error.empty()
        let length = pattern.utf8.count
        let localeID = ICU.formattingLocale(locale)
        let handle = pattern.withCString { cicu_message_create($0, length, localeID, timeZone, &error) }
        guard let handle else {
            let failure = ICUFailure(&error)
            // ICU gives neither place nor name for a missing `other` or an unknown type: the analysis does.
            if failure.name == "U_DEFAULT_KEYWORD_MISSING",
               let uses = try? MessagePattern.rawUses(pattern, locale: locale),
               let culprit = uses.first(where: {
                   ["plural", "select", "selectordinal"].contains($0.type) && !$0.selectors.contains("other")
               })
            {
                var located = failure
                located.utf16Offset = culprit.offset
                located.postContext = nil
                throw MessageFormatError(
                    located, pattern: pattern,
                    explanation: "\(culprit.type) argument '\(culprit.name)' has no 'other' branch")
            }
            if failure.detail == nil, failure.name == "U_ILLEGAL_ARGUMENT_ERROR" {
                _ = try MessagePattern.rawUses(pattern, locale: locale)
            }
            throw MessageFormatError(failure, pattern: pattern)
        }
        self.handle = handle
        var uses: [String: Set<MessagePatternInfo.Argument.Kind>] = [:]
        let rawUses = try? MessagePattern.rawUses(pattern, locale: locale)
        for use in rawUses ?? [] {
            uses[use.name, default: []].insert(use.argument.kind)
        }
        self.uses = uses
        // An empty analysis of a pattern with braces may be a failed one: then every call goes to ICU.
        if let rawUses, !rawUses.isEmpty || !pattern.utf8.contains(0x7B) {
            memoNames = uses.keys.sorted()
        } else {
            memoNames = nil
        }
    }

    deinit {
        cicu_message_destroy(handle)
    }

    func format(_ arguments: [String: MessageArgument], pattern: String) throws(MessageFormatError) -> String {
        guard let memoNames else { return try formatUncached(arguments, pattern: pattern) }
        // The values as given: how they are adapted depends only on the pattern, which is this object's.
        let key = ExactArguments(memoNames.map { arguments[$0] })
        if let hit = memo.withLock({ $0[key] }) { return hit }
        let text = try formatUncached(arguments, pattern: pattern)
        memo.withLock { memo in
            if memo.count >= Self.memoCapacity { memo.removeAll(keepingCapacity: true) }
            memo[key] = text
        }
        return text
    }

    private func formatUncached(_ arguments: [String: MessageArgument], pattern: String) throws(MessageFormatError) -> String {
        // All names and string values in one buffer, so that every pointer handed to C lives for the whole call.
        // Only the arguments the pattern uses when the analysis is complete (ICU reads no other; each one handed
        // over is converted to UTF-16 by the shim): a renderer passes twenty, a greeting uses one.
        let given: [(key: String, value: MessageArgument)] = memoNames.map { names in
            names.compactMap { name in arguments[name].map { (name, $0) } }
        } ?? arguments.map { ($0.key, $0.value) }
        var buffer: [UInt8] = []
        var spans: [(name: Range<Int>, value: Range<Int>?, argument: MessageArgument)] = []
        buffer.reserveCapacity(given.reduce(0) { $0 + $1.key.utf8.count + 16 })
        for (name, value) in given {
            let value = adapted(value, for: uses[name] ?? [])
            let nameStart = buffer.count
            buffer.append(contentsOf: name.utf8)
            let nameRange = nameStart..<buffer.count
            var valueRange: Range<Int>?
            if case .string(let text) = value {
                let valueStart = buffer.count
                buffer.append(contentsOf: text.utf8)
                valueRange = valueStart..<buffer.count
            }
            spans.append((nameRange, valueRange, value))
        }
        buffer.append(0)

        var error = cicu_error.empty()
        let output = buffer.withUnsafeBufferPointer { bytes -> UnsafeMutablePointer<CChar>? in
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            var cArguments = spans.map { span -> cicu_arg in
                var argument = cicu_arg()
                argument.name = base + span.name.lowerBound
                argument.name_length = span.name.count
                switch span.argument {
                case .string:
                    argument.kind = CICU_ARG_STRING
                    argument.string = base + span.value!.lowerBound
                    argument.string_length = span.value!.count
                case .integer(let value):
                    argument.kind = CICU_ARG_INT64
                    argument.integer = Int64(value)
                case .number(let value):
                    argument.kind = CICU_ARG_DOUBLE
                    argument.number = value
                case .date(let value):
                    argument.kind = CICU_ARG_DATE
                    argument.number = (value.timeIntervalSince1970 * 1000).rounded()
                }
                return argument
            }
            return cArguments.withUnsafeMutableBufferPointer {
                cicu_message_format(handle, $0.baseAddress, Int32($0.count), &error)
            }
        }
        guard let text = ICU.take(output) else {
            let failure = ICUFailure(&error)
            let mismatched = arguments.keys.sorted().filter { name in
                guard let kinds = uses[name], let value = arguments[name] else { return false }
                return !Self.accepts(kinds, value)
            }
            var problem = MessageFormatError(failure, pattern: pattern)
            if !mismatched.isEmpty {
                problem.message = "argument value of the wrong type for \(mismatched.map { "'\($0)'" }.joined(separator: ", ")) "
                    + "[\(failure.name)]"
            }
            throw problem
        }
        return text
    }

    private static let numericKinds: Set<MessagePatternInfo.Argument.Kind> = [.plural, .selectordinal, .number]

    private func adapted(_ value: MessageArgument, for kinds: Set<MessagePatternInfo.Argument.Kind>) -> MessageArgument {
        let numeric = Self.numericKinds
        switch value {
        case .integer(let number) where kinds.contains(.select) && kinds.isDisjoint(with: numeric):
            return .string(String(number))
        case .number(let number) where kinds.contains(.select) && kinds.isDisjoint(with: numeric):
            return .string(number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number))
        case .string(let text) where !kinds.isDisjoint(with: numeric) && !kinds.contains(.select):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let integer = Int(trimmed) { return .integer(integer) }
            if let number = Double(trimmed), number.isFinite { return .number(number) }
            return value
        default:
            return value
        }
    }

    private static func accepts(_ kinds: Set<MessagePatternInfo.Argument.Kind>, _ value: MessageArgument) -> Bool {
        switch value {
        case .string: kinds.isDisjoint(with: [.plural, .selectordinal, .number, .date, .time])
        case .integer, .number: !kinds.contains(.select) && kinds.isDisjoint(with: [.date, .time])
        case .date: kinds.isDisjoint(with: [.select, .plural, .selectordinal, .number])
        }
    }
}
