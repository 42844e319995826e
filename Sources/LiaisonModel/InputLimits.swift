/// How much of any one input Liaison reads, parses or renders before it stops with a diagnostic instead of
/// crashing, hanging or growing without bound: a school's files come from exports, editors and parents.
///
/// The defaults are far above anything a school writes and far below what takes a process down; a diagnostic that
/// names a limit also says how to raise it (`limits:` in liaison.yaml, key ``key(_:)``).
public struct InputLimits: Sendable, Hashable {
    /// Bytes in one file (CSV, YAML, XLIFF, iCalendar, template).
    public var fileBytes: Int = 64 << 20
    /// Bytes in one line of a CSV or iCalendar file.
    public var lineBytes: Int = 1 << 20
    /// Columns in one CSV row.
    public var columns: Int = 1_000
    /// Nesting depth: YAML collections, Mustache sections, ICU arguments (`{n, plural, … {select …}}`).
    public var nesting: Int = 32
    /// Partials and layouts one template reaches through each other.
    public var partialChain: Int = 8
    /// Diagnostics reported for one file; the rest are counted in one last line.
    public var diagnosticsPerFile: Int = 100
    /// Section repetitions (list items rendered) in one part of one message.
    public var templateRepeats: Int = 100_000

    public init() {}

    /// The defaults.
    public static let standard = InputLimits()

    /// The liaison.yaml key under `limits:` for each limit, as diagnostics name it.
    public enum Name: String, Sendable, CaseIterable {
        case fileBytes = "file_bytes"
        case lineBytes = "line_bytes"
        case columns
        case nesting
        case partialChain = "partial_chain"
        case diagnosticsPerFile = "diagnostics_per_file"
        case templateRepeats = "template_repeats"
    }

    public subscript(name: Name) -> Int {
        get {
            switch name {
            case .fileBytes: fileBytes
            case .lineBytes: lineBytes
            case .columns: columns
            case .nesting: nesting
            case .partialChain: partialChain
            case .diagnosticsPerFile: diagnosticsPerFile
            case .templateRepeats: templateRepeats
            }
        }
        set {
            switch name {
            case .fileBytes: fileBytes = newValue
            case .lineBytes: lineBytes = newValue
            case .columns: columns = newValue
            case .nesting: nesting = newValue
            case .partialChain: partialChain = newValue
            case .diagnosticsPerFile: diagnosticsPerFile = newValue
            case .templateRepeats: templateRepeats = newValue
            }
        }
    }

    /// The sentence a diagnostic ends with: which limit, its value, and where to change it.
    public func advice(_ name: Name) -> String { Self.advice(name, self[name]) }

    /// The same sentence for a limit whose value is passed on its own.
    public static func advice(_ name: Name, _ value: Int) -> String {
        "The limit is \(value) (limits.\(name.rawValue) in liaison.yaml)."
    }
}
