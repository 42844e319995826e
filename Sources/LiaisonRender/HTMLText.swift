import CLibXML2
import CXMLShim
import LiaisonModel
import Foundation

/// Turns an HTML body into readable plain text for the `text/plain` part of a message.
///
/// Headings are underlined, paragraphs separated by blank lines, list items bulleted or numbered (nested lists
/// indented), table rows kept on one line with cells separated by `|`, links written as `text <url>`, images by
/// their alt text; `head`, `script` and `style` are dropped.
public enum HTMLText {
    /// The plain-text rendering of `html`, ending in a newline (empty when there is no text).
    public static func plainText(fromHTML html: String) -> String {
        var writer = PlainTextWriter()
        guard walk(html, with: &writer) else { return "" }
        return writer.finish()
    }

    /// The text of an HTML skeleton rendered with markers (see ``TextSkeleton``), and the links whose writing
    /// depended on a marker; `nil` when a marker stands where the text cannot be spliced. `decideLink` says how a
    /// link with markers is written for one letter's strings (a phone's label and its `tel:` digits say the same
    /// number only once the strings are known); without it, the markers themselves decide.
    static func markedText(fromHTML html: String, decideLink: ((_ label: String, _ href: String?) -> LinkRendering?)? = nil) -> MarkedText? {
        var writer = PlainTextWriter()
        writer.markers = true
        writer.decideLink = decideLink
        guard walk(html, with: &writer), !writer.spoiled else { return nil }
        return MarkedText(text: writer.finish(), links: writer.linkChecks, underlines: writer.underlines)
    }

    /// What ``markedText(fromHTML:)`` found.
    struct MarkedText {
        var text: String
        var links: [(label: String, href: String?, rendering: LinkRendering)]
        var underlines: [(heading: String, rule: Character)]
    }

    /// Parses `html` and walks its nodes with `writer`; false when there is nothing to parse.
    private static func walk(_ html: String, with writer: inout PlainTextWriter) -> Bool {
        cxml_initialize()
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue)
        let bytes = Array(html.utf8)
        guard !bytes.isEmpty else { return false }
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                htmlReadMemory($0, Int32(buffer.count), nil, "UTF-8", options)
            }
        }
        guard let document = parsed else { return false }
        defer { xmlFreeDoc(document) }
        var child = document.pointee.children
        while let node = child {
            writer.visit(node)
            child = node.pointee.next
        }
        return true
    }
}

/// Accumulates text with the block structure of the HTML it walks.
struct PlainTextWriter {
    private var output = ""
    private var pendingNewlines = 0
    private var atLineStart = true
    private var pendingSpace = false
    private var indent: [String] = []
    private var pendingMarker: String?
    private var lists: [(ordered: Bool, next: Int)] = []
    private var preformatted = 0
    private var cellIndex = 0
    /// Whether the current line has text beyond its indentation and list marker.
    private var lineHasText = false
    /// Walking a skeleton with markers (``TextSkeleton``): note where they make the text unspliceable.
    var markers = false
    /// A marker stood where the text depends on more than its characters (a heading's underline, a list's start).
    private(set) var spoiled = false
    /// How a link with markers is written, decided on one letter's strings (see ``HTMLText/markedText(fromHTML:decideLink:)``).
    var decideLink: ((_ label: String, _ href: String?) -> LinkRendering?)?
    /// Links written from text with markers, to check against each guardian's strings.
    private(set) var linkChecks: [(label: String, href: String?, rendering: LinkRendering)] = []
    /// Headings with markers, whose underlines (`U+E002 number U+E003` in the output) are drawn at the fill.
    private(set) var underlines: [(heading: String, rule: Character)] = []

    private static let skipped: Set<String> = ["head", "script", "style", "title", "template", "noscript", "meta", "link"]
    private static let blocks: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "address", "figure",
        "figcaption", "form", "fieldset", "table", "thead", "tbody", "tfoot", "dl", "center", "body", "html",
    ]

    mutating func visit(_ node: xmlNodePtr) {
        switch node.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            if let content = node.pointee.content {
                text(String(cString: content))
            }
        case XML_ELEMENT_NODE:
            element(node)
        default:
            break
        }
    }

    private mutating func children(of node: xmlNodePtr) {
        var child = node.pointee.children
        while let current = child {
            visit(current)
            child = current.pointee.next
        }
    }

    private mutating func element(_ node: xmlNodePtr) {
        let name = node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
        if Self.skipped.contains(name) { return }
        switch name {
        case "br":
            breakLine(1, force: true)
        case "hr":
            breakLine(2)
            text("----------")
            breakLine(2)
        case "h1", "h2":
            breakLine(2)
            let start = output.endIndex
            children(of: node)
            let heading = output[start...].trimmingCharacters(in: .whitespacesAndNewlines)
            let rule: Character = name == "h1" ? "=" : "-"
            if markers && heading.contains("\u{E000}") {
                // The underline's length counts the heading's characters: left for the fill (see TextSkeleton).
                underlines.append((heading, rule))
                output += "\n\u{E002}\(underlines.count - 1)\u{E003}"
            } else if !heading.isEmpty {
                output += "\n" + String(repeating: rule, count: max(3, heading.count))
            }
            breakLine(2)
        case "h3", "h4", "h5", "h6":
            breakLine(2)
            children(of: node)
            breakLine(2)
        case "ul", "ol":
            breakLine(lists.isEmpty ? 2 : 1)
            let startText = attribute(node, "start")
            if markers && startText?.contains("\u{E000}") == true { spoiled = true }
            let start = Int(startText ?? "") ?? 1
            lists.append((name == "ol", start))
            children(of: node)
            lists.removeLast()
            breakLine(lists.isEmpty ? 2 : 1)
        case "li":
            breakLine(1)
            if var list = lists.popLast() {
                pendingMarker = list.ordered ? "\(list.next). " : "- "
                list.next += 1
                lists.append(list)
            } else {
                pendingMarker = "- "
            }
            indent.append("  ")
            children(of: node)
            indent.removeLast()
            breakLine(1)
        case "dt":
            breakLine(1)
            children(of: node)
            breakLine(1)
        case "dd":
            breakLine(1)
            indent.append("  ")
            children(of: node)
            indent.removeLast()
            breakLine(1)
        case "blockquote":
            breakLine(2)
            indent.append("> ")
            children(of: node)
            indent.removeLast()
            breakLine(2)
        case "pre":
            breakLine(2)
            preformatted += 1
            children(of: node)
            preformatted -= 1
            breakLine(2)
        case "tr":
            breakLine(1)
            cellIndex = 0
            children(of: node)
            breakLine(1)
        case "td", "th":
            if cellIndex > 0 { text(" | ", literal: true) }
            cellIndex += 1
            children(of: node)
        case "a":
            let start = output.endIndex
            children(of: node)
            let label = output[start...].trimmingCharacters(in: .whitespacesAndNewlines)
            let href = attribute(node, "href")
            var (rendering, address) = LinkRendering.of(label: label, href: href)
            if markers && (label.contains("\u{E000}") || href?.contains("\u{E000}") == true) {
                // The strings may decide otherwise than the markers; the address is still the marked one, so only
                // a decision that takes the same scheme off the front is taken.
                if let decided = decideLink?(label, href), decided.stripped == rendering.stripped {
                    rendering = decided
                    if decided.form != .labelOnly, address == nil { address = href.map { String(Whitespace.trim($0).dropFirst(decided.stripped)) } }
                }
                linkChecks.append((label, href, rendering))
            }
            switch rendering.form {
            case .labelOnly: break
            case .addressOnly: text(address ?? "")
            case .labelAndAddress: text(" <\(address ?? "")>", literal: true)
            }
        case "img":
            if let alt = attribute(node, "alt"), !alt.isEmpty { text("[\(alt)]") }
        default:
            if Self.blocks.contains(name) {
                breakLine(2)
                children(of: node)
                breakLine(2)
            } else {
                children(of: node)
            }
        }
    }

    private func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { cxml_free(value) }
        return String(cString: value)
    }

    /// Asks for `count` line breaks before the next text (2 = a blank line); `force` adds one even when a line is empty.
    private mutating func breakLine(_ count: Int, force: Bool = false) {
        if force {
            if atLineStart && pendingNewlines > 0 {
                pendingNewlines += 1
            } else {
                pendingNewlines = max(pendingNewlines, 1)
                atLineStart = true
            }
            pendingSpace = false
            return
        }
        if output.isEmpty { return }
        pendingNewlines = max(pendingNewlines, count)
        pendingSpace = false
    }

    private mutating func startLineIfNeeded() {
        if pendingNewlines > 0 {
            if !output.isEmpty {
                output += String(repeating: "\n", count: pendingNewlines)
            }
            pendingNewlines = 0
            atLineStart = true
        }
        if atLineStart {
            var prefix = indent.joined()
            if let marker = pendingMarker {
                prefix = String(prefix.dropLast(min(2, prefix.count))) + marker
                pendingMarker = nil
            }
            output += prefix
            atLineStart = false
            pendingSpace = false
            lineHasText = false
        }
    }

    private mutating func text(_ string: String, literal: Bool = false) {
        // Preformatted text keeps a string's white space as it is: no skeleton of it (see TextSkeleton).
        if markers && preformatted > 0 && string.contains("\u{E000}") { spoiled = true }
        if preformatted > 0 || literal {
            for line in string.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.offset > 0 { breakLine(1, force: true) }
                if line.element.isEmpty { continue }
                startLineIfNeeded()
                if pendingSpace { output += " "; pendingSpace = false }
                output += line.element
                lineHasText = true
            }
            return
        }
        for token in TextTokens.shared.tokens(of: string) {
            guard let run = token else {
                pendingSpace = !atLineStart || pendingNewlines == 0 && !output.isEmpty && !Self.endsWith(output, "\n")
                continue
            }
            // The first character of a run may start a line or take the pending space; the rest just follow it.
            let wantsSpace = pendingSpace
            startLineIfNeeded()
            if wantsSpace && lineHasText && !Self.endsWith(output, " ") { output += " " }
            pendingSpace = false
            output += run
            lineHasText = true
        }
    }

    /// `text.hasSuffix(String(suffix))` for a one-byte suffix, answered from the last byte when it differs.
    private static func endsWith(_ text: String, _ suffix: Unicode.Scalar) -> Bool {
        guard text.utf8.last == UInt8(suffix.value) else { return false }
        return text.hasSuffix(String(suffix))
    }

    mutating func finish() -> String {
        Self.finishBytes(output) ?? Self.finishCharacters(output)
    }

    /// Trailing blanks off every line, runs of blank lines down to one, none at either end; by characters.
    static func finishCharacters(_ output: String) -> String {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var line = line
            while line.last == " " || line.last == "\t" { line.removeLast() }
            return line
        }
        let result = squeezeBlankLines(lines)
        return result.isEmpty ? "" : result.joined(separator: "\n") + "\n"
    }

    /// Keeps one blank line of each run and drops those at the start and the end.
    static func squeezeBlankLines<Line: Collection>(_ lines: [Line]) -> [Line] {
        var result: [Line] = []
        var blank = 0
        for line in lines {
            if line.isEmpty {
                blank += 1
                if blank > 1 { continue }
            } else {
                blank = 0
            }
            result.append(line)
        }
        while result.first?.isEmpty == true { result.removeFirst() }
        while result.last?.isEmpty == true { result.removeLast() }
        return result
    }
}

extension PlainTextWriter {
    /// ``finish()`` over bytes, for text where bytes and characters agree on its line ends and trailing blanks:
    /// no CR (LF then always stands alone), and every trailing space or tab follows an ASCII byte (so it is a
    /// character of its own). `nil` otherwise.
    static func finishBytes(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var lines: [Range<Int>] = []
            var start = 0
            for index in 0...bytes.count where index == bytes.count || bytes[index] == 0x0A {
                var end = index
                while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 {
                    if end - 1 > start, bytes[end - 2] >= 0x80 { return nil }
                    end -= 1
                }
                lines.append(start..<end)
                start = index + 1
            }
            if bytes.contains(0x0D) { return nil }
            let kept = squeezeBlankLines(lines)
            if kept.isEmpty { return "" }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 1)
            for line in kept {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[line]))
                out.append(0x0A)
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// Text split into white-space characters (`nil`) and runs of other characters, remembered per text: a letter's
/// text nodes are mostly the same from one guardian to the next, and finding characters is the costly part.
final class TextTokens: @unchecked Sendable {
    static let shared = TextTokens()

    private let lock = NSLock()
    private var cache: [String: [String?]] = [:]
    private let capacity = 4096

    func tokens(of text: String) -> [String?] {
        if let hit = lock.withLock({ cache[text] }) { return hit }
        var tokens: [String?] = []
        var run = ""
        for character in text {
            if character.isWhitespace {
                if !run.isEmpty {
                    tokens.append(run)
                    run = ""
                }
                tokens.append(nil)
            } else {
                run.append(character)
            }
        }
        if !run.isEmpty { tokens.append(run) }
        lock.withLock {
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[text] = tokens
        }
        return tokens
    }
}
