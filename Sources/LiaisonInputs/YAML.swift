import Foundation
import LiaisonModel
import Yams

/// YAML reading that keeps positions: documents are composed into `Node`s and never decoded, so every value
/// still knows its line and column, and scalars are read as the raw text the user wrote.
enum YAMLSource {
    /// Reads and composes a YAML file. `syntaxCode` is the diagnostic code for unparsable text.
    /// Returns `.value(nil)` for an empty document.
    static func load(path: String, syntaxCode: String) -> Loaded<Node?> {
        switch Support.readFile(path) {
        case .problem(let diagnostic): .problem(diagnostic)
        case .value(let bytes): compose(bytes, file: path, syntaxCode: syntaxCode)
        }
    }

    static func compose(_ bytes: [UInt8], file: String, syntaxCode: String) -> Loaded<Node?> {
        if let encoding = Support.foreignEncoding(bytes) {
            return .problem(.error(syntaxCode, "the file is encoded as \(encoding); save it as UTF-8", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        if let bad = Support.firstInvalidUTF8(bytes, from: start) {
            let position = Support.position(of: bad, in: bytes, from: start)
            return .problem(.error(
                syntaxCode, "byte \(Support.hex(bytes[bad])) is not UTF-8; save the file as UTF-8",
                at: SourceLocation(file: file, line: position.line, column: position.column)))
        }
        if let problem = nestingProblem(bytes, from: start) {
            return .problem(.error(syntaxCode, problem.message, at: SourceLocation(file: file, line: problem.line)))
        }
        let text = String(decoding: bytes[start...], as: UTF8.self)
        do {
            return .value(try Yams.compose(yaml: text))
        } catch let error as YamlError {
            return .problem(diagnostic(for: error, bytes: Array(bytes[start...]), file: file, code: syntaxCode))
        } catch {
            return .problem(.error(syntaxCode, "the YAML cannot be read: \(error)", at: SourceLocation(file: file)))
        }
    }

    /// Flow collections nested absurdly deep would exhaust the stack of the recursive composer.
    private static func nestingProblem(_ bytes: [UInt8], from start: Int) -> (message: String, line: Int)? {
        var depth = 0
        var line = 1
        for index in start..<bytes.count {
            switch bytes[index] {
            case 0x5B, 0x7B:  // [ {
                depth += 1
                if depth > 200 { return ("collections are nested more than 200 deep", line) }
            case 0x5D, 0x7D:
                depth = max(0, depth - 1)
            case 0x0A:
                line += 1
            default:
                break
            }
        }
        return nil
    }

    private static func diagnostic(for error: YamlError, bytes: [UInt8], file: String, code: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        func described(_ problem: String, _ context: YamlError.Context?) -> String {
            var text = "YAML syntax: \(problem)"
            if let context { text += " (\(context.text) at line \(context.mark.line))" }
            return text
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            return .error(code, described(problem, context), at: at(mark))
        case let .reader(problem, offset, _, _):
            let location: SourceLocation
            if let offset {
                let position = Support.position(of: offset, in: bytes)
                location = SourceLocation(file: file, line: position.line, column: position.column)
            } else {
                location = SourceLocation(file: file)
            }
            return .error(code, "YAML syntax: \(problem)", at: location)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return .error(code, "the key \(keys) is written twice in the same map", at: at(context.mark))
        default:
            return .error(code, "the YAML cannot be read: \(error)", at: SourceLocation(file: file))
        }
    }
}

extension Node {
    /// The raw text of a scalar as written (never interpreted as a date or number).
    var rawScalar: String? {
        if case .scalar(let scalar) = self { return scalar.string }
        return nil
    }

    /// True for an empty value, `~` or `null` written without quotes.
    var isNull: Bool {
        guard case .scalar(let scalar) = self else { return false }
        guard scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    var isQuoted: Bool {
        guard case .scalar(let scalar) = self else { return false }
        return scalar.style == .singleQuoted || scalar.style == .doubleQuoted
    }

    var kindDescription: String {
        switch self {
        case .scalar: isNull ? "empty" : "a single value"
        case .mapping: "a map"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// Collects diagnostics about one YAML file and builds their locations.
struct YAMLDiagnostics {
    let file: String
    var diagnostics: [Diagnostic] = []

    func location(_ node: Node?, _ path: String?) -> SourceLocation {
        SourceLocation(file: file, line: node?.mark?.line, column: node?.mark?.column, field: path)
    }

    mutating func error(_ code: String, _ message: String, _ node: Node?, _ path: String?) {
        diagnostics.append(.error(code, message, at: location(node, path)))
    }

    mutating func warning(_ code: String, _ message: String, _ node: Node?, _ path: String?) {
        diagnostics.append(.warning(code, message, at: location(node, path)))
    }
}

/// Key paths as written in diagnostics: `events[3].notify.reminders[1]`.
enum KeyPath {
    static func child(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : parent + "." + key
    }

    static func item(_ parent: String, _ index: Int) -> String {
        "\(parent)[\(index)]"
    }
}

/// Free template data: YAML scalars keep their text unless they are plain numbers, booleans or null (YAML 1.2
/// core schema, so `no` and `2026-06-12` stay strings).
enum DataConversion {
    /// Converts with a budget so that aliases cannot blow a small file up into a huge value. A map whose keys are all
    /// language tags, one of them `defaultLanguage`'s, and whose values are all text is staff text with versions per
    /// language (``DataValue/text(_:)``), written as an event's title is.
    static func value(_ node: Node, budget: inout Int, depth: Int = 0, defaultLanguage: LanguageTag? = nil) -> DataValue? {
        budget -= 1
        guard budget >= 0, depth < 64 else { return nil }
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .sequence(let sequence):
            var items: [DataValue] = []
            for item in sequence {
                guard let value = value(item, budget: &budget, depth: depth + 1, defaultLanguage: defaultLanguage) else { return nil }
                items.append(value)
            }
            return .list(items)
        case .mapping(let mapping):
            if let defaultLanguage, let text = localizedText(mapping, defaultLanguage: defaultLanguage) { return .text(text) }
            var map: [String: DataValue] = [:]
            for (key, item) in mapping {
                guard let name = key.rawScalar,
                    let value = value(item, budget: &budget, depth: depth + 1, defaultLanguage: defaultLanguage)
                else { return nil }
                map[name] = value
            }
            return .map(map)
        case .alias:
            return nil
        }
    }

    /// `mapping` as text per language, when it is one (see ``value(_:budget:depth:defaultLanguage:)``).
    static func localizedText(_ mapping: Node.Mapping, defaultLanguage: LanguageTag) -> LocalizedText? {
        guard mapping.count >= 1 else { return nil }
        var translations: [LanguageTag: String] = [:]
        var base: String?
        for (key, item) in mapping {
            guard let raw = key.rawScalar, let tag = LanguageTag(raw), case .scalar(let scalar) = item else { return nil }
            let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return nil }
            translations[tag] = text
            if tag == defaultLanguage || (base == nil && tag.language == defaultLanguage.language) { base = text }
        }
        guard let base else { return nil }
        return LocalizedText(base, translations: translations)
    }

    static func scalarValue(_ scalar: Node.Scalar) -> DataValue {
        let text = scalar.string
        guard scalar.style == .plain || scalar.style == .any else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if looksNumeric(text) {
            if let int = Int(text) { return .int(int) }
            if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let double = Double(text), double.isFinite {
                return .double(double)
            }
        }
        return .string(text)
    }

    private static func looksNumeric(_ text: String) -> Bool {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard let first = body.first, first.isASCII, first.isNumber || first == "." else { return false }
        return body.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" || $0 == "+") }
    }
}
