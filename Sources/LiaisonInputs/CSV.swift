import Foundation
import LiaisonModel

/// One row of a CSV file, with where it was written.
public struct CSVRecord: Sendable, Hashable {
    /// The physical line (1-based) where the record starts.
    public var line: Int
    public var fields: [String]
    /// The physical line where each field starts (differs from `line` after a quoted field with line breaks).
    public var fieldLines: [Int]
    /// The 1-based column (in characters) where each field starts.
    public var fieldColumns: [Int]

    public init(line: Int, fields: [String], fieldLines: [Int]? = nil, fieldColumns: [Int]? = nil) {
        self.line = line
        self.fields = fields
        self.fieldLines = fieldLines ?? Array(repeating: line, count: fields.count)
        self.fieldColumns = fieldColumns ?? []
    }

    /// The line where field `index` starts.
    public func line(ofField index: Int) -> Int {
        index < fieldLines.count ? fieldLines[index] : line
    }

    /// The column where field `index` starts, when known.
    public func column(ofField index: Int) -> Int? {
        index < fieldColumns.count ? fieldColumns[index] : nil
    }
}

/// A CSV file with a header row.
public struct CSVTable: Sendable {
    /// The path as given to the reader.
    public var file: String
    /// The column names, trimmed, as written.
    public var header: [String]
    /// The line of the header row.
    public var headerLine: Int
    /// Records that parsed cleanly and have as many fields as the header.
    public var records: [CSVRecord]
    /// Records that were reported (wrong field count) and left out of `records`; their fields may still name ids.
    public var rejected: [CSVRecord]

    private var columnIndex: [String: Int]

    public init(file: String, header: [String], records: [CSVRecord], headerLine: Int = 1, rejected: [CSVRecord] = []) {
        self.file = file
        self.header = header
        self.records = records
        self.headerLine = headerLine
        self.rejected = rejected
        var index: [String: Int] = [:]
        for (offset, name) in header.enumerated() where index[Self.key(name)] == nil {
            index[Self.key(name)] = offset
        }
        columnIndex = index
    }

    private static func key(_ name: String) -> String {
        // Column names as code writes them (lower-case ASCII, no spaces) are keys already.
        if name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D }) { return name }
        return trimmed(name).lowercased()
    }

    /// The index of a column (names compare without case), or `nil` when the header lacks it.
    public func index(of column: String) -> Int? {
        columnIndex[Self.key(column)]
    }

    public func hasColumn(_ column: String) -> Bool { index(of: column) != nil }

    /// The trimmed value of a column in a record; `nil` when the column is absent.
    public func value(_ column: String, in record: CSVRecord) -> String? {
        guard let index = index(of: column) else { return nil }
        guard index < record.fields.count else { return "" }
        return Self.trimmed(record.fields[index])
    }

    /// The text without leading and trailing white space; the same string (no copy) when there is none, as usual.
    static func trimmed(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return text }
        if !Whitespace.contains(first, newlines: true) && !Whitespace.contains(last, newlines: true) { return text }
        return Whitespace.trim(text, newlines: true)
    }

    /// The trimmed value with line breaks and control characters taken out, and then a warning at the field
    /// (without the value: reports reach logs). A name with a line break would make every email to its guardian
    /// fail at send time, sickness alerts included; it is caught here, where the office can fix it.
    /// ``singleLineValue(_:in:)`` with its warning appended to `diagnostics`: what the roster loaders read names with.
    public func singleLineValue(_ column: String, in record: CSVRecord, reporting diagnostics: inout [Diagnostic]) -> String? {
        let (value, warning) = singleLineValue(column, in: record)
        if let warning { diagnostics.append(warning) }
        return value
    }

    public func singleLineValue(_ column: String, in record: CSVRecord) -> (value: String?, warning: Diagnostic?) {
        guard let value = value(column, in: record) else { return (nil, nil) }
        // Direction controls stay, inside an isolate: they may be how a name is written, never how the line around it is.
        guard let cleaned = Whitespace.controlsRemoved(value) else { return (BidiIsolation.contained(value) ?? value, nil) }
        let warning = Diagnostic.warning(
            "roster.control-character",
            "\(column) holds a line break or control character, which cannot go into an email header, an SMS or a page title; it is read with them removed",
            at: location(of: column, in: record))
        return (BidiIsolation.contained(cleaned) ?? cleaned, warning)
    }

    /// The trimmed value, with `nil` for an absent column or an empty value.
    public func nonEmpty(_ column: String, in record: CSVRecord) -> String? {
        guard let value = value(column, in: record), !value.isEmpty else { return nil }
        return value
    }

    /// Where a field of a record is (the record's line when the column is absent).
    public func location(of column: String?, in record: CSVRecord) -> SourceLocation {
        guard let column else { return SourceLocation(file: file, line: record.line) }
        guard let index = index(of: column) else { return SourceLocation(file: file, line: record.line, field: column) }
        return SourceLocation(file: file, line: record.line(ofField: index), column: record.column(ofField: index), field: column)
    }

    /// Where a column is named in the header.
    public func headerLocation(of column: String) -> SourceLocation {
        SourceLocation(file: file, line: headerLine, field: column)
    }
}

/// An RFC 4180 reader that reports problems with their line and column and keeps going.
public enum CSVReader {
    public static func read(contentsOf path: String, limits: InputLimits = .standard) -> (CSVTable?, [Diagnostic]) {
        switch Support.readFile(path, limit: limits.fileBytes) {
        case .value(let bytes): read(bytes, file: path, limits: limits)
        case .problem(let diagnostic): (nil, [diagnostic])
        }
    }

    public static func read(_ data: Data, file: String, limits: InputLimits = .standard) -> (CSVTable?, [Diagnostic]) {
        read([UInt8](data), file: file, limits: limits)
    }

    /// Reads within `limits`: a row longer than ``InputLimits/lineBytes`` or wider than ``InputLimits/columns`` is
    /// reported and left out, and no more than ``InputLimits/diagnosticsPerFile`` problems are listed (then a count).
    public static func read(_ bytes: [UInt8], file: String, limits: InputLimits = .standard) -> (CSVTable?, [Diagnostic]) {
        var diagnostics = DiagnosticLimiter(file: file, limit: limits.diagnosticsPerFile)
        let table = readAll(bytes, file: file, limits: limits, diagnostics: &diagnostics)
        return (table, diagnostics.finish())
    }

    private static func readAll(_ bytes: [UInt8], file: String, limits: InputLimits, diagnostics: inout DiagnosticLimiter) -> CSVTable? {
        if let encoding = Support.foreignEncoding(bytes) {
            diagnostics.append(.error(
                "csv.invalid-utf8", "the file is encoded as \(encoding); save it as UTF-8",
                at: SourceLocation(file: file, line: 1, column: 1)))
            return nil
        }
        var parser = Parser(bytes: bytes, file: file, limits: limits)
        parser.run()
        diagnostics.append(contentsOf: parser.diagnostics.finish())

        var records = parser.records
        guard !records.isEmpty else {
            if !parser.sawRecord {
                diagnostics.append(.error("csv.empty-file", "the file has no header row", at: SourceLocation(file: file)))
            }
            return nil
        }
        let headerRecord = records.removeFirst()
        guard headerRecord.clean else {
            // The header itself is broken: its errors are reported; nothing below it can be trusted.
            return nil
        }
        let header = headerRecord.record.fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var seen: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            let key = name.lowercased()
            if let first = seen[key] {
                diagnostics.append(.error(
                    "csv.duplicate-column", "the header names column \"\(name)\" twice (columns \(first + 1) and \(index + 1))",
                    at: SourceLocation(file: file, line: headerRecord.record.line, column: headerRecord.record.column(ofField: index), field: name)))
            } else {
                seen[key] = index
            }
        }
        var good: [CSVRecord] = []
        var rejected: [CSVRecord] = []
        for item in records where item.clean {
            let record = item.record
            if record.fields.count != header.count {
                let location: SourceLocation
                if record.fields.count > header.count {
                    location = SourceLocation(file: file, line: record.line(ofField: header.count), column: record.column(ofField: header.count))
                } else {
                    location = SourceLocation(file: file, line: record.line)
                }
                diagnostics.append(.error(
                    "csv.field-count",
                    "this row has \(record.fields.count) field\(record.fields.count == 1 ? "" : "s") but the header has \(header.count) (a comma too many or too few, or a value with a comma that needs quotes)",
                    at: location))
                rejected.append(record)
            } else {
                good.append(record)
            }
        }
        return CSVTable(file: file, header: header, records: good, headerLine: headerRecord.record.line, rejected: rejected)
    }

    struct ParsedRecord {
        var record: CSVRecord
        var clean: Bool
    }

    /// A byte-level state machine; quotes, commas and line breaks are ASCII so UTF-8 text passes through intact.
    struct Parser {
        let bytes: [UInt8]
        let file: String
        var index = 0
        var line = 1
        var column = 1
        var records: [ParsedRecord] = []
        var diagnostics: DiagnosticLimiter
        var sawRecord = false
        let badByte: Int?
        var badByteReported = false
        var restarts = 0
        var start = 0
        let limits: InputLimits

        static let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        static let space: UInt8 = 0x20, tab: UInt8 = 0x09

        init(bytes: [UInt8], file: String, limits: InputLimits) {
            self.bytes = bytes
            self.file = file
            self.limits = limits
            diagnostics = DiagnosticLimiter(file: file, limit: limits.diagnosticsPerFile)
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
            start = index
            badByte = Support.firstInvalidUTF8(bytes, from: index)
        }

        private var atEnd: Bool { index >= bytes.count }

        /// Moves past one byte that is not a line break, counting columns in characters.
        private mutating func consume() {
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }

        /// Moves to the next CR or LF (or the end) with memchr: a 50 MB line is skipped in milliseconds.
        private mutating func skipToLineEnd() {
            let from = index
            index = bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress!
                let rest = raw.count - from
                func find(_ byte: UInt8) -> Int {
                    guard let hit = memchr(base + from, Int32(byte), rest) else { return raw.count }
                    return base.distance(to: UnsafeRawPointer(hit))
                }
                return min(find(Self.lf), find(Self.cr))
            }
        }

        /// Moves past a CR, LF or CRLF.
        private mutating func consumeLineBreak() {
            if bytes[index] == Self.cr, index + 1 < bytes.count, bytes[index + 1] == Self.lf { index += 1 }
            index += 1
            line += 1
            column = 1
        }

        private func isLineBreak(_ byte: UInt8) -> Bool { byte == Self.cr || byte == Self.lf }

        /// True when the rest of the current line is only spaces and tabs.
        private func restOfLineIsBlank() -> Bool {
            var probe = index
            while probe < bytes.count, bytes[probe] == Self.space || bytes[probe] == Self.tab { probe += 1 }
            return probe >= bytes.count || isLineBreak(bytes[probe])
        }

        mutating func run() {
            parse()
            if let bad = badByte, !badByteReported {
                badByteReported = true
                let position = Support.position(of: bad, in: bytes, from: start)
                diagnostics.append(.error(
                    "csv.invalid-utf8",
                    "byte \(Support.hex(bytes[bad])) is not UTF-8 (the file may be saved as Latin-1 or Windows-1252; save it as UTF-8)",
                    at: SourceLocation(file: file, line: position.line, column: position.column)))
            }
        }

        private mutating func parse() {
            outer: while !atEnd {
                if restOfLineIsBlank() {
                    while !atEnd, !isLineBreak(bytes[index]) { consume() }
                    if !atEnd { consumeLineBreak() }
                    continue
                }
                let recordLine = line
                let recordStart = index
                var fields: [String] = []
                var fieldLines: [Int] = []
                var fieldColumns: [Int] = []
                var clean = true
                var anyQuoted = false
                fieldLoop: while true {
                    let fieldStart = index
                    if fields.count >= limits.columns || index - recordStart > limits.lineBytes {
                        // Too wide or too long to be a row of a roster: reported, and the rest of its line skipped.
                        diagnostics.append(.error(
                            fields.count >= limits.columns ? "limit.columns" : "limit.line-length",
                            fields.count >= limits.columns
                                ? "this row has more than \(limits.columns) fields; it is left out. \(limits.advice(.columns))"
                                : "this row is longer than \(limits.lineBytes) bytes; it is left out. \(limits.advice(.lineBytes))",
                            at: SourceLocation(file: file, line: line, column: column)))
                        clean = false
                        skipToLineEnd()
                        if !atEnd { consumeLineBreak() }
                        break fieldLoop
                    }
                    var fieldBytes: [UInt8] = []
                    // Spaces before an opening quote are tolerated (`a, "b"`).
                    var probe = index
                    while probe < bytes.count, bytes[probe] == Self.space || bytes[probe] == Self.tab { probe += 1 }
                    if probe < bytes.count, bytes[probe] == Self.quote {
                        while index < probe { consume() }
                        fieldLines.append(line)
                        fieldColumns.append(column)
                        anyQuoted = true
                        let openLine = line, openColumn = column
                        consume()
                        var closed = false
                        var restart: (index: Int, line: Int)?
                        while !atEnd, index - recordStart <= limits.lineBytes {
                            let byte = bytes[index]
                            if byte == Self.quote {
                                if index + 1 < bytes.count, bytes[index + 1] == Self.quote {
                                    fieldBytes.append(Self.quote)
                                    consume()
                                    consume()
                                } else {
                                    consume()
                                    closed = true
                                    break
                                }
                            } else if isLineBreak(byte) {
                                fieldBytes.append(Self.lf)
                                consumeLineBreak()
                                if restart == nil { restart = (index, line) }
                            } else {
                                fieldBytes.append(byte)
                                consume()
                            }
                        }
                        if !closed, !atEnd {
                            // Stopped at the length limit: the next field check reports it.
                            fields.append("")
                            continue fieldLoop
                        }
                        if !closed {
                            diagnostics.append(.error(
                                "csv.unterminated-quote",
                                "the quoted field that starts here is never closed (a \" is missing); the rest of the file was read as part of it",
                                at: SourceLocation(file: file, line: openLine, column: openColumn, field: fieldName(fields.count))))
                            sawRecord = true
                            // Recover: drop this record and read on from the line after the opening quote.
                            restarts += 1
                            // A broken header leaves nothing to read the rest by.
                            if let restart, restarts <= 50, !records.isEmpty {
                                index = restart.index
                                line = restart.line
                                column = 1
                                continue outer
                            }
                            break outer
                        }
                        // Spaces after the closing quote are tolerated; anything else is not.
                        while !atEnd, bytes[index] == Self.space || bytes[index] == Self.tab { consume() }
                        if !atEnd, bytes[index] != Self.comma, !isLineBreak(bytes[index]) {
                            if clean {
                                diagnostics.append(.error(
                                    "csv.stray-quote",
                                    "text after the closing quote of a quoted field (a quote inside a quoted field must be doubled: \"\")",
                                    at: SourceLocation(file: file, line: line, column: column, field: fieldName(fields.count))))
                            }
                            clean = false
                            while !atEnd, bytes[index] != Self.comma, !isLineBreak(bytes[index]) {
                                fieldBytes.append(bytes[index])
                                consume()
                            }
                        }
                    } else {
                        fieldLines.append(line)
                        fieldColumns.append(column)
                        while !atEnd, bytes[index] != Self.comma, !isLineBreak(bytes[index]), index - recordStart <= limits.lineBytes {
                            if bytes[index] == Self.quote, clean {
                                diagnostics.append(.error(
                                    "csv.stray-quote",
                                    "a quote inside a field that does not start with one (put the whole field in quotes and double the quote: \"a \"\"b\"\" c\")",
                                    at: SourceLocation(file: file, line: line, column: column, field: fieldName(fields.count))))
                                clean = false
                            }
                            fieldBytes.append(bytes[index])
                            consume()
                        }
                    }
                    checkEncoding(from: fieldStart, to: index, fieldIndex: fields.count)
                    fields.append(String(decoding: fieldBytes, as: UTF8.self))
                    if index - recordStart > limits.lineBytes { continue fieldLoop }
                    if !atEnd, bytes[index] == Self.comma {
                        consume()
                        continue fieldLoop
                    }
                    if !atEnd { consumeLineBreak() }
                    break fieldLoop
                }
                sawRecord = true
                if !anyQuoted, fields.allSatisfy({ $0.allSatisfy { $0 == " " || $0 == "\t" } }), !records.isEmpty {
                    continue  // a row of empty cells, as spreadsheets export below the data
                }
                records.append(ParsedRecord(
                    record: CSVRecord(line: recordLine, fields: fields, fieldLines: fieldLines, fieldColumns: fieldColumns),
                    clean: clean))
            }
        }

        /// The header name of a field, once the header is known.
        private func fieldName(_ index: Int) -> String? {
            guard let header = records.first, records.count >= 1, index < header.record.fields.count else { return nil }
            return header.record.fields[index].trimmingCharacters(in: .whitespaces)
        }

        private mutating func checkEncoding(from start: Int, to end: Int, fieldIndex: Int) {
            guard !badByteReported, let bad = badByte, bad >= start, bad < end else { return }
            badByteReported = true
            let position = Support.position(of: bad, in: bytes, from: self.start)
            diagnostics.append(.error(
                "csv.invalid-utf8",
                "byte \(Support.hex(bytes[bad])) is not UTF-8 (the file may be saved as Latin-1 or Windows-1252; save it as UTF-8)",
                at: SourceLocation(file: file, line: position.line, column: position.column, field: fieldName(fieldIndex))))
        }
    }
}
