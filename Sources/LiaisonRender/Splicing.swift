import Foundation
import LiaisonModel
import Mustache

/// A render context as plain values, so that its shape and its strings can be taken apart cheaply.
///
/// Maps keep their keys in the order they were built (the renderer builds them the same way every time);
/// `other` holds anything else, which makes a context unsuitable for splicing.
package indirect enum TemplateValue {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([TemplateValue])
    case map([(key: String, value: TemplateValue)])
    case other(Any)

    /// An event's free data, as Mustache sees ``DataValue/plain`` (a null stays an empty optional).
    init(data value: DataValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .bool(let flag): self = .bool(flag)
        case .list(let items): self = .list(items.map(TemplateValue.init(data:)))
        case .map(let map): self = .map(map.sorted { $0.key < $1.key }.map { ($0.key, TemplateValue(data: $0.value)) })
        case .text(let text): self = .string(text.base)
        case .null: self = .other(value.plain as Any)
        }
    }

    /// The value Mustache renders: dictionaries, arrays and scalars; each string passed through `string`.
    /// With a `budget`, every list's items are paid for from it (``RenderBudget``).
    package func mustacheValue(_ string: (String) -> String, budget: RenderBudget? = nil) -> Any {
        switch self {
        case .string(let text): string(text)
        case .int(let number): number
        case .double(let number): number
        case .bool(let flag): flag
        case .list(let items):
            if let budget {
                BudgetedList(items: items.map { $0.mustacheValue(string, budget: budget) }, budget: budget)
            } else {
                items.map { $0.mustacheValue(string) }
            }
        case .map(let pairs):
            Dictionary(pairs.map { ($0.key, $0.value.mustacheValue(string, budget: budget)) }, uniquingKeysWith: { _, last in last })
        case .other(let value): value
        }
    }

    package var mustacheValue: Any { mustacheValue { $0 } }
}

/// A context taken apart: everything but its non-empty strings (`shape`), and those strings in walk order.
///
/// Mustache output depends on strings only through where they are written (escaped or not) as long as the
/// template applies no transform to them (checked by ``TemplateSplicing/isSpliceable(_:)``), and — where a
/// partial or block is indented, since indentation looks at the last character written — no string ends a line.
/// So one render of a shape with a marker for each string serves every context of that shape.
package struct ContextParts {
    var shape: [UInt8] = []
    /// `shape`'s hash, computed once for the lookups of all parts of a message.
    var shapeHash = 0
    package var strings: [String] = []
    /// Whether a string ends in a line break: such a context is spliced only into templates that indent nothing.
    package var endsLine = false

    /// `nil` when the context cannot be spliced (a value of another type than those of ``TemplateValue``).
    package init?(_ value: TemplateValue) {
        shape.reserveCapacity(512)
        strings.reserveCapacity(64)
        guard add(value) else { return nil }
        // The bytes in one go (an array's own hashValue feeds the hasher one element at a time).
        var hasher = Hasher()
        shape.withUnsafeBytes { hasher.combine(bytes: $0) }
        shapeHash = hasher.finalize()
    }

    private mutating func add(_ value: TemplateValue) -> Bool {
        switch value {
        case .string(let text):
            guard let last = text.utf8.last else {
                shape.append(0x65)  // e: empty, falsy in a section
                return true
            }
            if last == 0x0A || last == 0x0D { endsLine = true }
            shape.append(0x73)  // s
            strings.append(text)
        case .int(let number):
            shape.append(0x69)  // i
            appendDecimal(number)
        case .double(let number):
            shape.append(0x64)  // d
            appendDecimal(Int(bitPattern: UInt(number.bitPattern)))
        case .bool(let flag):
            shape.append(flag ? 0x74 : 0x66)
        case .list(let items):
            shape.append(0x5B)
            for item in items where !add(item) { return false }
            shape.append(0x5D)
        case .map(let pairs):
            shape.append(0x7B)
            for pair in pairs {
                // Length-prefixed, so that no key can pass for another structure.
                appendDecimal(pair.key.utf8.count)
                appendBytes(of: pair.key)
                if !add(pair.value) { return false }
            }
            shape.append(0x7D)
        case .other:
            return false
        }
        return true
    }

    /// `number` in decimal, then `;` (digits written in place: this runs for every key of every message).
    private mutating func appendDecimal(_ number: Int) {
        if number < 0 { shape.append(0x2D) }
        var rest = number.magnitude
        let start = shape.count
        repeat {
            shape.append(0x30 + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        shape[start...].reverse()
        shape.append(0x3B)
    }

    /// The UTF-8 of `text`, copied at once where the string is contiguous (native strings are).
    private mutating func appendBytes(of text: String) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { shape.append(contentsOf: $0) }
        if copied == nil { shape.append(contentsOf: text.utf8) }
    }
}

/// One template rendered for a shape: text between the places where the context's strings go.
package struct Skeleton: Sendable {
    /// How a string is written where it goes: as it is, HTML-escaped (Mustache's HTML content type), or escaped
    /// for the inside of a JSON string (the webhook bodies' content type).
    enum Escaping: Sendable { case none, html, json }

    enum Piece: Sendable {
        case text(String)
        /// The context's string number `index`, escaped as the content type where it stands escapes it.
        case string(index: Int, escaping: Escaping)
    }

    var pieces: [Piece]
    var textLength: Int

    /// The marker standing for string number `index`: private-use brackets (no template text has them, checked
    /// when templates load), mixed case so that a case transform would show, and `&"` so that HTML escaping
    /// (`&amp;&quot;`) and JSON escaping (`&\"`) show.
    static func marker(_ index: Int) -> String { "\u{E000}aZ\(index)&\"\u{E001}" }

    /// The skeleton of `context`'s shape: `render` applied to the context with a marker for each string.
    package static func make(
        _ context: TemplateValue, parts: ContextParts, budget: RenderBudget? = nil, render: (Any) -> String?
    ) -> Skeleton? {
        var index = 0
        let marked = context.mustacheValue({ text in
            if text.isEmpty { return text }
            defer { index += 1 }
            return marker(index)
        }, budget: budget)
        guard index == parts.strings.count, let rendered = render(marked) else { return nil }
        return Skeleton(rendered: rendered, strings: parts.strings.count)
    }

    /// Parses a render made with markers; `nil` when a marker is damaged or unknown.
    init?(rendered: String, strings count: Int) {
        let bytes = Array(rendered.utf8)
        var pieces: [Piece] = []
        var textStart = 0
        var textLength = 0
        var index = 0
        func matches(_ literal: [UInt8], at offset: Int) -> Bool {
            offset + literal.count <= bytes.count && bytes[offset..<(offset + literal.count)].elementsEqual(literal)
        }
        while index < bytes.count {
            guard bytes[index] == 0xEE, matches(Self.open, at: index) else {
                index += 1
                continue
            }
            if textStart < index {
                pieces.append(.text(String(decoding: bytes[textStart..<index], as: UTF8.self)))
                textLength += index - textStart
            }
            var cursor = index + Self.open.count
            guard matches(Self.tag, at: cursor) else { return nil }
            cursor += Self.tag.count
            var number = 0
            let digitsStart = cursor
            while cursor < bytes.count, (0x30...0x39).contains(bytes[cursor]), cursor - digitsStart < 9 {
                number = number * 10 + Int(bytes[cursor] - 0x30)
                cursor += 1
            }
            guard cursor > digitsStart, number < count else { return nil }
            guard let (escaping, end) = Self.ends.first(where: { matches($0.1, at: cursor) }) else { return nil }
            cursor += end.count
            pieces.append(.string(index: number, escaping: escaping))
            index = cursor
            textStart = cursor
        }
        if textStart < bytes.count {
            pieces.append(.text(String(decoding: bytes[textStart...], as: UTF8.self)))
            textLength += bytes.count - textStart
        }
        self.pieces = pieces
        self.textLength = textLength
    }

    private static let open: [UInt8] = Array("\u{E000}".utf8)
    private static let tag: [UInt8] = Array("aZ".utf8)
    private static let ends: [(Escaping, [UInt8])] = [
        (.none, Array("&\"\u{E001}".utf8)), (.html, Array("&amp;&quot;\u{E001}".utf8)), (.json, Array("&\\\"\u{E001}".utf8)),
    ]

    /// Whether every string goes in JSON-escaped (none as it is, none HTML-escaped).
    package var escapesEveryStringForJSON: Bool {
        pieces.allSatisfy { if case .string(_, let escaping) = $0 { escaping == .json } else { true } }
    }

    /// The render for a context of this shape with these strings; `json` escapes for the JSON content type.
    package func fill(_ strings: [String], json: (String) -> String = { $0 }) -> String {
        var output = ""
        output.reserveCapacity(textLength + strings.reduce(0) { $0 + $1.utf8.count } + 64)
        for piece in pieces {
            switch piece {
            case .text(let text): output += text
            case .string(let index, .none): output += strings[index]
            case .string(let index, .html): Self.appendEscaped(strings[index], to: &output)
            case .string(let index, .json): output += json(strings[index])
            }
        }
        return output
    }

    /// What Mustache writes for an ASCII character it escapes in HTML, or nil.
    private static func htmlEscape(_ byte: UInt8) -> String? {
        switch byte {
        case 0x3C: "&lt;"
        case 0x3E: "&gt;"
        case 0x26: "&amp;"
        case 0x22: "&quot;"
        case 0x27: "&#39;"
        default: nil
        }
    }

    /// Mustache's HTML escaping (by character, as swift-mustache does it), skipped for text that has none of them.
    static func appendEscaped(_ text: String, to output: inout String) {
        var text = text
        let plain = text.withUTF8 { bytes -> Bool? in
            var special = false
            for (index, byte) in bytes.enumerated() where htmlEscape(byte) != nil {
                // Next to a non-ASCII scalar (a combining mark after it, a prepended one before), the byte may be
                // part of a longer character, which swift-mustache leaves alone: those go character by character.
                if index + 1 < bytes.count, bytes[index + 1] >= 0x80 { return nil }
                if index > 0, bytes[index - 1] >= 0x80 { return nil }
                special = true
            }
            return !special
        }
        switch plain {
        case true?:
            output += text
        case false?:
            // Each special byte is a character of its own: escape bytewise, copying the runs between.
            text.withUTF8 { bytes in
                var run = 0
                for (index, byte) in bytes.enumerated() {
                    guard let replacement = htmlEscape(byte) else { continue }
                    if run < index { output += String(decoding: UnsafeBufferPointer(rebasing: bytes[run..<index]), as: UTF8.self) }
                    output += replacement
                    run = index + 1
                }
                if run < bytes.count { output += String(decoding: UnsafeBufferPointer(rebasing: bytes[run...]), as: UTF8.self) }
            }
        case nil:
            // A character is escaped only when it is one of those ASCII characters on its own.
            for character in text {
                if let replacement = character.asciiValue.flatMap(htmlEscape) {
                    output += replacement
                } else {
                    output.append(character)
                }
            }
        }
    }
}

/// Skeletons (``Skeleton``, ``TextSkeleton``) by template name and shape, shared by all renders; bounded, emptied
/// when full.
package final class SkeletonCache<Value: Sendable>: @unchecked Sendable {
    private struct Key: Hashable {
        var template: String
        var shape: [UInt8]
        var shapeHash: Int

        static func == (a: Key, b: Key) -> Bool {
            a.shapeHash == b.shapeHash && a.template == b.template && a.shape.count == b.shape.count && (a.shape.isEmpty
                || a.shape.withUnsafeBytes { x in b.shape.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } })
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(template)
            hasher.combine(shapeHash)
        }
    }

    private let lock = NSLock()
    /// `nil` for a shape whose render with markers could not be parsed: rendered directly from then on.
    private var skeletons: [Key: Value?] = [:]
    private let capacity = 512

    /// The skeleton for `template` and the context's shape, made with `make` the first time.
    package init() {}

    package func skeleton(_ template: String, parts: ContextParts, make: () -> Value?) -> Value? {
        let key = Key(template: template, shape: parts.shape, shapeHash: parts.shapeHash)
        if let found = lock.withLock({ skeletons[key] }) { return found }
        let made = make()
        lock.withLock {
            if skeletons.count >= capacity { skeletons.removeAll(keepingCapacity: true) }
            skeletons[key] = made
        }
        return made
    }
}

/// Which templates may be spliced: those whose files (partials included) use no transform that reads a string's
/// content, no dynamic partial, no changed delimiters, and no marker character.
package enum TemplateSplicing {
    /// Transforms whose result depends only on a context's shape (position in a list, emptiness, counts).
    static let shapeTransforms: Set<String> = ["first", "last", "index", "even", "odd", "empty", "count"]

    static func isSpliceable(_ files: [TemplateFile]) -> Bool {
        isSpliceable(sources: files.map(\.source), tags: files.map(\.tags))
    }

    /// Whether a partial or block tag stands alone on its line after white space: Mustache then indents what it
    /// renders, looking at the last character written at each step (so a string's final line break matters).
    package static func mayIndent(sources: [String]) -> Bool {
        mayIndent(tags: sources.map(TemplateScanner.tags(in:)))
    }

    static func mayIndent(tags: [[TemplateScanner.Tag]]) -> Bool {
        tags.contains { $0.contains { tag in tag.indented && [">", "<", "$"].contains(tag.sigil) } }
    }

    package static func isSpliceable(sources: [String]) -> Bool {
        isSpliceable(sources: sources, tags: sources.map(TemplateScanner.tags(in:)))
    }

    static func isSpliceable(sources: [String], tags: [[TemplateScanner.Tag]]) -> Bool {
        for (source, tags) in zip(sources, tags) {
            if source.unicodeScalars.contains(where: { $0 == "\u{E000}" || $0 == "\u{E001}" }) { return false }
            for tag in tags {
                if tag.sigil == "=" { return false }
                if tag.sigil == ">" || tag.sigil == "<", tag.name.hasPrefix("*") { return false }
                let functions = tag.name.split(separator: "(", omittingEmptySubsequences: false).dropLast()
                for function in functions {
                    let name = function.trimmingCharacters(in: .whitespaces)
                    if !shapeTransforms.contains(name) { return false }
                }
            }
        }
        return true
    }
}
