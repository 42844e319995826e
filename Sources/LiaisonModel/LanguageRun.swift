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
        var text = text
        return text.withUTF8 { firstMark(in: $0, from: 0) != nil }
    }

    /// The offset of the first mark character's lead byte at or after `offset`, and which mark it is.
    private static func firstMark(in bytes: UnsafeBufferPointer<UInt8>, from offset: Int) -> (offset: Int, kind: UInt8)? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = offset
        while offset + 2 < bytes.count {
            guard let found = memchr(base + offset, 0xEE, bytes.count - offset - 2) else { return nil }
            offset = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
            if bytes[offset + 1] == 0x80, (0x90...0x92).contains(bytes[offset + 2]) { return (offset, bytes[offset + 2]) }
            offset += 1
        }
        return nil
    }

    /// `text` without the private-use characters Liaison reserves for its own marks (U+E000…E003 for splicing,
    /// U+E010…E012 for language runs): text from outside (a note, a comment, a schedule) must not be able to open,
    /// close or forge a run.
    public static func removingReserved(_ text: String) -> String {
        guard text.utf8.contains(0xEE) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !((0xE000...0xE003).contains(scalar.value) || (0xE010...0xE012).contains(scalar.value)) {
            scalars.append(scalar)
        }
        return String(scalars)
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
    ///
    /// Letters are scanned for marks as they are sent, so this works on the UTF-8 bytes (memchr for the lead byte);
    /// the tests hold it to a plain scalar-by-scalar reference.
    public static func pieces(of text: String) -> [Piece] {
        var scratch = text
        return scratch.withUTF8 { bytes -> [Piece] in
            guard var mark = firstMark(in: bytes, from: 0) else { return bytes.isEmpty ? [] : [.text(Substring(text))] }
            let utf8 = text.utf8
            func index(_ offset: Int) -> String.Index { utf8.index(utf8.startIndex, offsetBy: offset) }
            var pieces: [Piece] = []
            var depth = 0
            var runStart = 0
            func flush(upTo end: Int) {
                if runStart < end { pieces.append(.text(text[index(runStart)..<index(end)])) }
            }
            while true {
                flush(upTo: mark.offset)
                var next = mark.offset + 3
                switch mark.kind {
                case 0x90:
                    // The tag runs to the separator; a tag is ASCII, so 64 bytes are as many as a tag may have.
                    let following = firstMark(in: bytes, from: next)
                    if let separator = following, separator.kind == 0x91, separator.offset - next < 64,
                        let tag = LanguageTag(String(decoding: UnsafeBufferPointer(rebasing: bytes[next..<separator.offset]), as: UTF8.self))
                    {
                        pieces.append(.open(tag))
                        depth += 1
                        next = separator.offset + 3
                    }
                    // Otherwise not a mark after all: the open character is dropped and what follows is text.
                case 0x92 where depth > 0:
                    pieces.append(.close)
                    depth -= 1
                default:
                    break
                }
                runStart = next
                guard let found = firstMark(in: bytes, from: next) else { break }
                mark = found
            }
            flush(upTo: bytes.count)
            pieces.append(contentsOf: repeatElement(.close, count: depth))
            return pieces
        }
    }
}
