import Foundation

/// Marks a run of text as written in a given language inside a letter that may be in another, so that the renderer
/// can label it for the reader (HTML `lang`, a note in their language) instead of letting it pass silently.
///
/// A mark is private-use characters around the tag and the text: `U+E010 tag U+E011 text U+E012`. They pass through
/// Mustache, escaping and splicing untouched, and the renderer turns them into markup or removes them before a
/// letter leaves it. Marks nest; a mark whose tag is not a well-formed language tag is dropped with its text kept.
public enum LanguageRun {
    static let open: Unicode.Scalar = "\u{E010}"
    static let separator: Unicode.Scalar = "\u{E011}"
    static let close: Unicode.Scalar = "\u{E012}"

    /// Whether free text from a schedule belongs to no language: it has no letters, or it is one web address, e-mail
    /// address or `tel:` link (a letter shows these as they are, and a `href` must not carry a mark's markup).
    public static func isLanguageNeutral(_ text: String) -> Bool {
        guard text.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) else { return true }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.contains(where: \.isWhitespace) else { return false }
        let lower = trimmed.lowercased()
        return lower.contains("://") || lower.hasPrefix("mailto:") || lower.hasPrefix("tel:") || lower.hasPrefix("www.")
            || (lower.contains("@") && lower.contains("."))
    }

    /// `text` marked as written in `language`, leading and trailing white space left outside the mark (so a label
    /// after the run stays on its line); text of white space only stays as it is.
    public static func mark(_ text: String, language: LanguageTag) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }) else { return text }
        let last = text.lastIndex(where: { !$0.isWhitespace })!
        return text[..<first] + "\u{E010}\(language.rawValue)\u{E011}" + text[first...last] + "\u{E012}" + text[text.index(after: last)...]
    }

    /// Whether `text` holds a mark character (checked on the bytes: each is EE 80 90…92 in UTF-8).
    public static func hasMarks(_ text: String) -> Bool {
        var utf8 = text.utf8.makeIterator()
        var state = 0
        while let byte = utf8.next() {
            switch (state, byte) {
            case (_, 0xEE): state = 1
            case (1, 0x80): state = 2
            case (2, 0x90...0x92): return true
            default: state = 0
            }
        }
        return false
    }

    /// `text` without its marks (for places that cannot label: a file name, a header that is not text).
    public static func removingMarks(_ text: String) -> String {
        guard hasMarks(text) else { return text }
        var output = ""
        for piece in pieces(of: text) {
            if case .text(let run) = piece { output += run }
        }
        return output
    }

    /// What a marked text is made of, in order.
    public enum Piece: Equatable, Sendable {
        case text(Substring)
        /// A run in `LanguageTag` starts here.
        case open(LanguageTag)
        /// The innermost open run ends here.
        case close
    }

    /// `text` split into runs and marks. Every `open` has its `close` (a run left open at the end is closed there; a
    /// close with no run open is dropped), so a renderer can keep a stack.
    public static func pieces(of text: String) -> [Piece] {
        guard hasMarks(text) else { return text.isEmpty ? [] : [.text(Substring(text))] }
        var pieces: [Piece] = []
        var depth = 0
        var index = text.startIndex
        var runStart = index
        let scalars = text.unicodeScalars
        func flush(upTo end: String.Index) {
            if runStart < end { pieces.append(.text(text[runStart..<end])) }
        }
        while index < text.endIndex {
            let scalar = scalars[index]
            if scalar == open {
                flush(upTo: index)
                var tagEnd = scalars.index(after: index)
                while tagEnd < text.endIndex, scalars[tagEnd] != separator, scalars[tagEnd] != open, scalars[tagEnd] != close,
                    text.distance(from: index, to: tagEnd) < 64
                {
                    tagEnd = scalars.index(after: tagEnd)
                }
                if tagEnd < text.endIndex, scalars[tagEnd] == separator,
                    let tag = LanguageTag(String(text[scalars.index(after: index)..<tagEnd]))
                {
                    pieces.append(.open(tag))
                    depth += 1
                    index = scalars.index(after: tagEnd)
                } else {
                    // Not a mark after all: the open character is dropped and what follows is text.
                    index = scalars.index(after: index)
                }
                runStart = index
                continue
            }
            if scalar == close || scalar == separator {
                flush(upTo: index)
                if scalar == close, depth > 0 {
                    pieces.append(.close)
                    depth -= 1
                }
                index = scalars.index(after: index)
                runStart = index
                continue
            }
            index = scalars.index(after: index)
        }
        flush(upTo: text.endIndex)
        pieces.append(contentsOf: repeatElement(.close, count: depth))
        return pieces
    }
}
