import Foundation

/// Where something came from in the school's input files: file, line, and the column or key.
///
/// Every roster record carries one, so it is kept to 16 bytes: the file and field names are shared by every location
/// in the same file and column, and line and column are 32-bit.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    private var names: Names
    private var lineNumber: Int32
    private var columnNumber: Int32

    /// Path of the file as the user named it (relative paths stay relative to the config file's folder).
    public var file: String {
        get { names.file }
        set { names = Names.shared(file: newValue, field: names.field) }
    }

    /// 1-based line number, when known.
    public var line: Int? {
        get { Self.value(lineNumber) }
        set { lineNumber = Self.stored(newValue) }
    }

    /// 1-based column, when known.
    public var column: Int? {
        get { Self.value(columnNumber) }
        set { columnNumber = Self.stored(newValue) }
    }

    /// The field: a CSV column name or a YAML key path such as `events[2].audience.grades`.
    public var field: String? {
        get { names.field }
        set { names = Names.shared(file: names.file, field: newValue) }
    }

    public init(file: String, line: Int? = nil, column: Int? = nil, field: String? = nil) {
        names = Names.shared(file: file, field: field)
        lineNumber = Self.stored(line)
        columnNumber = Self.stored(column)
    }

    /// `file:line:column (field)` as compilers print it.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        if let field { text += " [\(field)]" }
        return text
    }

    /// The same place with another field name.
    public func field(_ name: String) -> SourceLocation {
        var copy = self
        copy.field = name
        return copy
    }

    public static func == (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        lhs.lineNumber == rhs.lineNumber && lhs.columnNumber == rhs.columnNumber
            && (lhs.names === rhs.names || (lhs.names.file == rhs.names.file && lhs.names.field == rhs.names.field))
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(file)
        hasher.combine(lineNumber)
        hasher.combine(columnNumber)
        hasher.combine(field)
    }

    private enum CodingKeys: String, CodingKey {
        case file, line, column, field
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            file: try container.decode(String.self, forKey: .file), line: try container.decodeIfPresent(Int.self, forKey: .line),
            column: try container.decodeIfPresent(Int.self, forKey: .column), field: try container.decodeIfPresent(String.self, forKey: .field))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encodeIfPresent(line, forKey: .line)
        try container.encodeIfPresent(column, forKey: .column)
        try container.encodeIfPresent(field, forKey: .field)
    }

    /// `Int32.min` stands for "not known"; numbers beyond 32 bits are clamped (no input file has 2 billion lines).
    private static func stored(_ value: Int?) -> Int32 {
        guard let value else { return .min }
        return Int32(clamping: max(value, Int(Int32.min) + 1))
    }

    private static func value(_ stored: Int32) -> Int? {
        stored == .min ? nil : Int(stored)
    }

    /// A file and field name pair, shared through a small cache so 100,000 records of one CSV column hold one copy.
    private final class Names: Sendable {
        let file: String
        let field: String?

        private init(file: String, field: String?) {
            self.file = file
            self.field = field
        }

        private struct Key: Hashable {
            let file: String
            let field: String?
        }

        /// Bounded: beyond this many distinct pairs, new ones are made without being remembered.
        private static let capacity = 4096
        nonisolated(unsafe) private static var cache: [Key: Names] = [:]
        private static let lock = NSLock()

        static func shared(file: String, field: String?) -> Names {
            let key = Key(file: file, field: field)
            lock.lock()
            defer { lock.unlock() }
            if let names = cache[key] { return names }
            let names = Names(file: file, field: field)
            if cache.count < capacity { cache[key] = names }
            return names
        }
    }
}

/// A problem found in the school's inputs, catalogs or templates.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    /// How serious a diagnostic is: errors stop `check` from passing, warnings do not.
    public enum Severity: String, Hashable, Sendable, Codable, Comparable {
        case error
        case warning
        case note

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs.rank < rhs.rank
        }

        private var rank: Int {
            switch self {
            case .error: 0
            case .warning: 1
            case .note: 2
            }
        }
    }

    public var severity: Severity
    /// A stable, machine-readable name for the kind of problem, e.g. `roster.invalid-email`.
    public var code: String
    /// What is wrong and what the user should do about it.
    public var message: String
    /// Where it is, when it is in a file.
    public var location: SourceLocation?

    public init(_ severity: Severity, code: String, _ message: String, at location: SourceLocation? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
    }

    public static func error(_ code: String, _ message: String, at location: SourceLocation? = nil) -> Diagnostic {
        Diagnostic(.error, code: code, message, at: location)
    }

    public static func warning(_ code: String, _ message: String, at location: SourceLocation? = nil) -> Diagnostic {
        Diagnostic(.warning, code: code, message, at: location)
    }

    public static func note(_ code: String, _ message: String, at location: SourceLocation? = nil) -> Diagnostic {
        Diagnostic(.note, code: code, message, at: location)
    }

    /// `file:line:column: error: message [code]`.
    public var description: String {
        let place = location.map { "\($0): " } ?? ""
        return "\(place)\(severity.rawValue): \(message) [\(code)]"
    }
}

/// An error carrying every diagnostic that stopped a load; thrown when the result would be unusable.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

extension Array where Element == Diagnostic {
    /// True when any element is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
}

extension Diagnostic {
    /// What a log may say about a diagnostic: where and which kind, never the message, which may quote a roster
    /// value (an email address, a name). `liaison check` shows the whole message to the person fixing it.
    public var logLine: String {
        "\(location.map { "\($0): " } ?? "")\(severity.rawValue) [\(code)] (liaison check explains)"
    }
}

/// Keeps the first `limit` diagnostics about one file and counts the rest, so a broken export (an unclosed quote
/// makes every later line wrong) gives a readable report instead of a million lines.
public struct DiagnosticLimiter: Sendable {
    public let file: String
    public let limit: Int
    public private(set) var kept: [Diagnostic] = []
    public private(set) var dropped = 0
    private var sawError = false

    public init(file: String, limit: Int) {
        self.file = file
        self.limit = limit
    }

    public mutating func append(_ diagnostic: Diagnostic) {
        if kept.count < limit {
            kept.append(diagnostic)
        } else {
            dropped += 1
            if diagnostic.severity == .error { sawError = true }
        }
    }

    public mutating func append(contentsOf diagnostics: some Sequence<Diagnostic>) {
        for diagnostic in diagnostics { append(diagnostic) }
    }

    /// Whether more would be dropped: a reader may stop looking for problems it could not report.
    public var isFull: Bool { kept.count >= limit }

    /// The kept diagnostics and, when some were dropped, one more saying how many (an error if any was).
    public func finish() -> [Diagnostic] {
        guard dropped > 0 else { return kept }
        let summary = "\(dropped) more problem\(dropped == 1 ? "" : "s") in this file are not listed; fix the ones above first. "
            + InputLimits.advice(.diagnosticsPerFile, limit)
        return kept + [Diagnostic(sawError ? .error : .warning, code: "limit.diagnostics", summary, at: SourceLocation(file: file))]
    }

    /// `diagnostics` with at most `limit` kept for each file (those without a file are all kept).
    public static func capped(_ diagnostics: [Diagnostic], limit: Int) -> [Diagnostic] {
        var limiters: [String: DiagnosticLimiter] = [:]
        var order: [String] = []
        var result: [Diagnostic] = []
        for diagnostic in diagnostics {
            guard let file = diagnostic.location?.file else {
                result.append(diagnostic)
                continue
            }
            if limiters[file] == nil {
                limiters[file] = DiagnosticLimiter(file: file, limit: limit)
                order.append(file)
            }
            limiters[file]!.append(diagnostic)
        }
        return result + order.flatMap { limiters[$0]!.finish() }
    }
}
