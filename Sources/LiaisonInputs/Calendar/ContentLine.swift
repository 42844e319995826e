import Foundation
import LiaisonModel

/// One property of an iCalendar file after unfolding (RFC 5545 §3.1): `NAME;PARAM=value,"quoted":value`.
public struct ContentLine: Sendable, Hashable {
    /// The property name, upper-cased (`DTSTART`, `X-WR-TIMEZONE`).
    public var name: String
    /// Parameters by upper-cased name; each may hold several values (`MEMBER="a","b"`), quotes removed.
    public var parameters: [String: [String]]
    /// The raw value after the first unquoted colon, still escaped.
    public var value: String
    /// The physical line the property starts on (1-based).
    public var line: Int

    public init(name: String, parameters: [String: [String]] = [:], value: String, line: Int) {
        self.name = name
        self.parameters = parameters
        self.value = value
        self.line = line
    }

    /// The first value of a parameter.
    public func parameter(_ name: String) -> String? {
        parameters[name.uppercased()]?.first
    }
}

/// Splits an iCalendar file into content lines: handles a byte-order mark, CRLF or LF line ends, folded lines
/// (also folds inside a multi-byte character) and reports lines that cannot be read (`calendar.syntax`,
/// `calendar.encoding`) without giving up on the rest of the file.
enum ContentLineReader {
    static func read(_ bytes: [UInt8], file: String) -> ([ContentLine], [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        if let encoding = Support.foreignEncoding(bytes) {
            return ([], [.error("calendar.encoding", "the file is encoded as \(encoding); export it as UTF-8", at: SourceLocation(file: file, line: 1))])
        }
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }

        // Unfold on bytes, remembering the first physical line of each logical line.
        var logical: [(bytes: [UInt8], line: Int)] = []
        var line = 1
        var index = start
        while index < bytes.count {
            var end = index
            while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            let physical = bytes[index..<end]
            if let first = physical.first, first == 0x20 || first == 0x09 {
                if logical.isEmpty {
                    diagnostics.append(.error("calendar.syntax", "the file starts with a continuation line (a line beginning with a space); it should start with BEGIN:VCALENDAR", at: SourceLocation(file: file, line: line)))
                } else {
                    logical[logical.count - 1].bytes += physical.dropFirst()
                }
            } else if !physical.isEmpty {
                logical.append((Array(physical), line))
            }
            if end < bytes.count, bytes[end] == 0x0D, end + 1 < bytes.count, bytes[end + 1] == 0x0A { end += 1 }
            index = end + 1
            line += 1
        }

        var lines: [ContentLine] = []
        for (raw, number) in logical {
            if let bad = Support.firstInvalidUTF8(raw) {
                diagnostics.append(.error("calendar.encoding", "byte \(Support.hex(raw[bad])) is not UTF-8; this line is left out (export the calendar as UTF-8)", at: SourceLocation(file: file, line: number)))
                continue
            }
            let text = String(decoding: raw, as: UTF8.self)
            switch parse(text, line: number) {
            case .success(let contentLine): lines.append(contentLine)
            case .failure(let problem):
                diagnostics.append(.error("calendar.syntax", problem.message, at: SourceLocation(file: file, line: number)))
            }
        }
        return (lines, diagnostics)
    }

    struct LineProblem: Error {
        var message: String
    }

    /// Parses one unfolded line.
    static func parse(_ text: String, line: Int) -> Result<ContentLine, LineProblem> {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-")
        }
        while index < scalars.count, isNameCharacter(scalars[index]) { index += 1 }
        let name = String(String.UnicodeScalarView(scalars[0..<index])).uppercased()
        let preview = String(text.prefix(40))
        guard !name.isEmpty, index < scalars.count, scalars[index] == ";" || scalars[index] == ":" else {
            return .failure(LineProblem(message: "\"\(preview)\" is not a property (NAME:value); if it continues the line above, it must start with a space (broken line folding). The line is left out"))
        }
        var parameters: [String: [String]] = [:]
        while index < scalars.count, scalars[index] == ";" {
            index += 1
            let nameStart = index
            while index < scalars.count, isNameCharacter(scalars[index]) { index += 1 }
            let parameterName = String(String.UnicodeScalarView(scalars[nameStart..<index])).uppercased()
            guard !parameterName.isEmpty, index < scalars.count, scalars[index] == "=" else {
                return .failure(LineProblem(message: "the parameter after \(name); is not NAME=value; the line is left out"))
            }
            index += 1
            var values: [String] = []
            repeat {
                if index < scalars.count, scalars[index] == "," { index += 1 }
                var value = String.UnicodeScalarView()
                if index < scalars.count, scalars[index] == "\"" {
                    index += 1
                    while index < scalars.count, scalars[index] != "\"" {
                        value.append(scalars[index])
                        index += 1
                    }
                    guard index < scalars.count else {
                        return .failure(LineProblem(message: "the quoted value of the parameter \(parameterName) is not closed; the line is left out"))
                    }
                    index += 1
                } else {
                    while index < scalars.count, ![";", ":", ","].contains(scalars[index]) {
                        value.append(scalars[index])
                        index += 1
                    }
                }
                values.append(String(value))
            } while index < scalars.count && scalars[index] == ","
            parameters[parameterName, default: []] += values
        }
        guard index < scalars.count, scalars[index] == ":" else {
            return .failure(LineProblem(message: "the property \(name) has no value (no ':' after its parameters); the line is left out"))
        }
        let value = String(String.UnicodeScalarView(scalars[(index + 1)...]))
        return .success(ContentLine(name: name, parameters: parameters, value: value, line: line))
    }
}

/// iCalendar TEXT values (RFC 5545 §3.3.11): escapes and comma-separated lists.
enum CalendarText {
    /// Removes the escapes `\\`, `\;`, `\,`, `\n` and `\N`.
    static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n", "N": result.append("\n")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        if escaping { result.append("\\") }
        return result
    }

    /// Splits on commas that are not escaped, then unescapes each item (`CATEGORIES:Sports Day,Year 5`).
    static func list(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var escaping = false
        for character in text {
            if escaping {
                current.append("\\")
                current.append(character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else if character == "," {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        return items.map { unescape($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A component (`VCALENDAR`, `VEVENT`, `VTIMEZONE`, `STANDARD`, …) with its properties and sub-components.
public struct CalendarComponent: Sendable, Hashable {
    public var name: String
    public var properties: [ContentLine]
    public var components: [CalendarComponent]
    /// The line of its BEGIN.
    public var line: Int

    public init(name: String, properties: [ContentLine] = [], components: [CalendarComponent] = [], line: Int) {
        self.name = name
        self.properties = properties
        self.components = components
        self.line = line
    }

    /// The first property with this name.
    public func property(_ name: String) -> ContentLine? {
        properties.first { $0.name == name }
    }

    /// Every property with this name, in order.
    public func properties(_ name: String) -> [ContentLine] {
        properties.filter { $0.name == name }
    }

    /// Sub-components with this name.
    public func components(_ name: String) -> [CalendarComponent] {
        components.filter { $0.name == name }
    }

    /// Nests content lines by BEGIN/END. An END that closes the wrong component and a component never closed
    /// are reported (`calendar.syntax`); what they held is kept.
    static func tree(_ lines: [ContentLine], file: String) -> ([CalendarComponent], [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var stack: [CalendarComponent] = []
        var roots: [CalendarComponent] = []
        func close() {
            let done = stack.removeLast()
            if stack.isEmpty { roots.append(done) } else { stack[stack.count - 1].components.append(done) }
        }
        for line in lines {
            switch line.name {
            case "BEGIN":
                stack.append(CalendarComponent(name: line.value.trimmingCharacters(in: .whitespaces).uppercased(), line: line.line))
            case "END":
                let name = line.value.trimmingCharacters(in: .whitespaces).uppercased()
                guard let depth = stack.lastIndex(where: { $0.name == name }) else {
                    diagnostics.append(.error("calendar.syntax", "END:\(name) closes no open \(name); it is ignored", at: SourceLocation(file: file, line: line.line)))
                    continue
                }
                while stack.count > depth + 1 {
                    let open = stack[stack.count - 1]
                    diagnostics.append(.error("calendar.syntax", "BEGIN:\(open.name) on line \(open.line) is never closed (END:\(open.name) is missing before END:\(name))", at: SourceLocation(file: file, line: open.line)))
                    close()
                }
                close()
            default:
                if stack.isEmpty {
                    diagnostics.append(.error("calendar.syntax", "\(line.name) is outside BEGIN:VCALENDAR … END:VCALENDAR; it is ignored", at: SourceLocation(file: file, line: line.line)))
                } else {
                    stack[stack.count - 1].properties.append(line)
                }
            }
        }
        while let open = stack.last {
            diagnostics.append(.error("calendar.syntax", "BEGIN:\(open.name) on line \(open.line) is never closed (the file ends before END:\(open.name))", at: SourceLocation(file: file, line: open.line)))
            close()
        }
        return (roots, diagnostics)
    }
}
