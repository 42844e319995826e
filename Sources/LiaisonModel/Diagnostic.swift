/// Where something came from in the school's input files: file, line, and the column or key.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Path of the file as the user named it (relative paths stay relative to the config file's folder).
    public var file: String
    /// 1-based line number, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// The field: a CSV column name or a YAML key path such as `events[2].audience.grades`.
    public var field: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, field: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
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
