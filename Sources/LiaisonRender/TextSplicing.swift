import Foundation
import LiaisonModel

/// The text part of a letter written only in HTML, spliced like the HTML itself: the HTML skeleton of a context's
/// shape (markers where the strings go) is converted to text once, and each guardian's text is that skeleton with
/// their strings put back, instead of parsing and walking every guardian's HTML.
///
/// The converter folds every run of white space in running text into one space; a string's text is therefore the
/// string with its white space folded the same way, as long as it has none at either end (whose effect depends on
/// its neighbours), no control characters, nothing that joins the character before or after it into one (a leading
/// combining mark), is not part of an `h1`/`h2` (whose underline counts characters), an `ol`'s `start` or a
/// `pre` (which keeps white space), and does not change how a link is written (`label <url>`, or the label alone
/// when it repeats the address). Headings, starts and `pre` are checked when the skeleton is made; the strings and
/// the links at every fill; anything else falls back to converting the guardian's HTML.
package struct TextSkeleton: Sendable {
    /// The text, cut where a heading's underline goes.
    let segments: [Segment]
    /// The strings the text uses (only these need to be plain).
    let used: [Int]
    let links: [LinkCheck]

    enum Segment: Sendable {
        case text(Skeleton)
        /// `rule` repeated as many times as the filled heading has characters (at least 3).
        case underline(heading: Skeleton, rule: Character)
    }

    /// A link whose writing depended on strings: how it was written with markers, to compare with the real strings.
    struct LinkCheck: Sendable {
        let label: Skeleton
        let href: Skeleton?
        let rendering: LinkRendering
    }

    /// The text skeleton of an HTML skeleton; `nil` when its text cannot be spliced. Its links with markers are
    /// written as the markers say, or as `links` says, in order (a variant for letters whose strings decide
    /// otherwise, such as a phone's label and its `tel:` digits, which say the same number).
    init?(html: Skeleton, strings count: Int, links decided: [LinkRendering]? = nil) {
        var next = 0
        func decide(label: String, href: String?) -> LinkRendering? {
            defer { next += 1 }
            return decided.flatMap { next < $0.count ? $0[next] : nil }
        }
        guard let marked = html.markedHTML(), !marked.unicodeScalars.contains(where: { $0 == "\u{E002}" || $0 == "\u{E003}" }),
              let converted = HTMLText.markedText(fromHTML: marked, decideLink: decided == nil ? nil : decide)
        else { return nil }
        func textSkeleton(_ text: String) -> Skeleton? {
            guard let skeleton = Skeleton(rendered: text, strings: count),
                  skeleton.pieces.allSatisfy({ if case .string(_, let escaping) = $0 { escaping == .none } else { true } })
            else { return nil }
            return skeleton
        }
        // Cut the text at each underline placeholder, U+E002 number U+E003.
        var segments: [Segment] = []
        var rest = Substring(converted.text)
        while let open = rest.firstIndex(of: "\u{E002}") {
            guard let close = rest[open...].firstIndex(of: "\u{E003}"),
                  let number = Int(rest[rest.index(after: open)..<close]), converted.underlines.indices.contains(number),
                  let before = textSkeleton(String(rest[..<open])),
                  let heading = textSkeleton(converted.underlines[number].heading)
            else { return nil }
            segments.append(.text(before))
            segments.append(.underline(heading: heading, rule: converted.underlines[number].rule))
            rest = rest[rest.index(after: close)...]
        }
        guard let last = textSkeleton(String(rest)) else { return nil }
        segments.append(.text(last))
        var links: [LinkCheck] = []
        for check in converted.links {
            guard let label = Skeleton(rendered: check.label, strings: count) else { return nil }
            var href: Skeleton?
            if let text = check.href {
                guard let parsed = Skeleton(rendered: text, strings: count) else { return nil }
                href = parsed
            }
            links.append(LinkCheck(label: label, href: href, rendering: check.rendering))
        }
        self.segments = segments
        self.links = links
        let written = segments.flatMap { segment -> [Int] in
            switch segment {
            case .text(let skeleton): skeleton.indices
            case .underline(let heading, _): heading.indices
            }
        }
        self.used = Array(Set(written + links.flatMap { $0.label.indices + ($0.href?.indices ?? []) })).sorted()
    }

    /// What a skeleton can do with one letter's strings.
    enum Attempt {
        /// The letter's text.
        case text(String)
        /// The strings write the links with markers otherwise than this skeleton does: as `links` says, in order.
        case otherLinks([LinkRendering], folded: [String])
        /// A string (or a link's address) needs the full conversion.
        case refused
    }

    /// The text for these strings, or `nil` when one of them (or a link) needs the full conversion.
    package func fill(_ strings: [String]) -> String? {
        if case .text(let text) = attempt(strings) { text } else { nil }
    }

    /// The text for these strings, or why not.
    func attempt(_ strings: [String]) -> Attempt {
        guard let folded = folded(strings) else { return .refused }
        var renderings: [LinkRendering] = []
        renderings.reserveCapacity(links.count)
        for link in links {
            // The label is running text (folded); the address is an attribute, written as it is.
            let href = link.href?.fill(strings)
            let rendering = LinkRendering.of(label: link.label.fill(folded), href: href).rendering
            if rendering.form == .labelAndAddress, href?.contains(where: \.isWhitespace) == true { return .refused }
            renderings.append(rendering)
        }
        guard renderings.elementsEqual(links.lazy.map(\.rendering)) else { return .otherLinks(renderings, folded: folded) }
        return .text(write(folded))
    }

    /// The text for strings already folded, when this skeleton writes their links as `links` says; else `nil`.
    func fill(folded: [String], links renderings: [LinkRendering]) -> String? {
        guard renderings.elementsEqual(links.lazy.map(\.rendering)) else { return nil }
        return write(folded)
    }

    /// `strings` with those the text uses folded as running text; `nil` when one cannot be.
    private func folded(_ strings: [String]) -> [String]? {
        var folded = strings
        for index in used {
            guard let text = Self.folded(strings[index]) else { return nil }
            folded[index] = text
        }
        return folded
    }

    private func write(_ folded: [String]) -> String {
        var output = ""
        for segment in segments {
            switch segment {
            case .text(let skeleton): output += skeleton.fill(folded)
            case .underline(let heading, let rule): output += String(repeating: rule, count: max(3, heading.fill(folded).count))
            }
        }
        return output
    }

    /// `text` as the converter writes it in running text (each run of white space one space), or `nil` when that
    /// depends on more than the text itself: white space at either end, control characters, a first character
    /// that would join the one before it (a combining mark) or a last one that would join the one after it.
    static func folded(_ text: String) -> String? {
        var text = text
        switch text.withUTF8(foldedASCII) {
        case .notASCII: break
        case .refused: return nil
        case .unchanged: return text
        case .folded(let folded): return folded
        }
        return foldedByScalars(text)
    }

    /// Whether a space and `scalar` may be one character (UAX #29: GB9, GB9a): only marks that extend (and emoji
    /// modifiers), spacing marks and the joiner may. A cheap filter before the exact test, which builds a string.
    static func mayJoinSpace(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        return properties.isGraphemeExtend || properties.isEmojiModifier || properties.generalCategory == .spacingMark
            || scalar.value == 0x200D || scalar.value == 0x0E33 || scalar.value == 0x0EB3
    }

    /// ``folded(_:)`` for any text, scalar by scalar.
    static func foldedByScalars(_ text: String) -> String? {
        guard let first = text.first, let last = text.last else { return text }
        // Folding changes nothing when the only white space is single ASCII spaces before ordinary characters.
        var folds = false
        var afterSpace = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0x20 {
                if afterSpace { folds = true }
                afterSpace = true
                continue
            }
            if afterSpace, value >= 0x300, Self.mayJoinSpace(scalar), (" " + String(scalar)).count == 1 {
                folds = true  // a space and a mark are one white-space character: the mark goes
            }
            afterSpace = false
            if value == 0x09 || value == 0x0A || value == 0x0D {
                folds = true
            } else if value < 0x20 || (0x7F...0x9F).contains(value) || (0xE000...0xE003).contains(value) || value == 0xFFFE || value == 0xFFFF {
                return nil
            } else if value >= 0x80 && scalar.properties.isWhitespace {
                folds = true
            }
        }
        // Nothing at either end that is white space or joins its neighbour into one character.
        guard !first.isWhitespace, !last.isWhitespace, ("a" + String(first)).count == 2, (String(last) + "a").count == 2 else {
            return nil
        }
        guard folds else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var inSpace = false
        for character in text {
            if character.isWhitespace {
                if !inSpace { output.append(" ") }
                inSpace = true
            } else {
                output.append(character)
                inSpace = false
            }
        }
        return output
    }
}

extension TextSkeleton {
    enum ASCIIFolding {
        case notASCII, refused, unchanged
        case folded(String)
    }

    /// ``folded(_:)`` for ASCII text, byte by byte: no ASCII character joins its neighbour, and its white space is
    /// space, tab, CR and LF (vertical tab and form feed are controls, refused). The language marks (U+E010…E012)
    /// and the direction isolates (U+2066…2069) that letters put around names and foreign text are ordinary
    /// characters here as in the scalar path: neither white space nor joining.
    static func foldedASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> ASCIIFolding {
        var folds = false
        var afterSpace = false
        var offset = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case 0xEE where offset + 1 < bytes.count && bytes[offset] == 0x80 && (0x90...0x92).contains(bytes[offset + 1]),
                0xE2 where offset + 1 < bytes.count && bytes[offset] == 0x81 && (0xA6...0xA9).contains(bytes[offset + 1]):
                offset += 2
            case 0x80...: return .notASCII
            case 0x20:
                if afterSpace { folds = true }
                afterSpace = true
                continue
            case 0x09, 0x0A, 0x0D: folds = true
            case 0..<0x20, 0x7F: return .refused
            default: break
            }
            afterSpace = false
        }
        guard let first = bytes.first, let last = bytes.last else { return .unchanged }
        if isSpace(first) || isSpace(last) { return .refused }
        guard folds else { return .unchanged }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var inSpace = false
        for byte in bytes {
            if isSpace(byte) {
                if !inSpace { output.append(0x20) }
                inSpace = true
            } else {
                output.append(byte)
                inSpace = false
            }
        }
        return .folded(String(decoding: output, as: UTF8.self))
    }

    /// ASCII white space that is not refused as a control: space, tab, LF, CR.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

/// How the text of an `<a>` is written: its label, the address alone (no label), or `label <address>`.
struct LinkRendering: Sendable, Hashable {
    enum Form: Sendable, Hashable {
        case labelOnly
        case addressOnly
        case labelAndAddress
    }

    var form: Form
    /// The scheme taken off the front of the address ("mailto:", "tel:"), which must be the same for the real strings.
    var stripped: Int

    /// A short name of this rendering, for a cache key.
    var key: String {
        switch form {
        case .labelOnly: "l\(stripped)"
        case .addressOnly: "a\(stripped)"
        case .labelAndAddress: "b\(stripped)"
        }
    }

    /// The rendering for a link's label (as written, trimmed) and `href`, and the address to write when there is one.
    /// The digits and plus signs of a phone number as written.
    static func dialled(_ number: String) -> String {
        String(String.UnicodeScalarView(number.unicodeScalars.filter { ("0"..."9").contains($0) || $0 == "+" }))
    }

    static func of(label: String, href rawHref: String?) -> (rendering: LinkRendering, address: String?) {
        guard let href = rawHref.map({ Whitespace.trim($0) }), !href.isEmpty, !href.hasPrefix("#"),
              !href.lowercased().hasPrefix("javascript:")
        else { return (LinkRendering(form: .labelOnly, stripped: 0), nil) }
        let lowered = href.lowercased()
        let mailto = lowered.hasPrefix("mailto:")
        let telephone = lowered.hasPrefix("tel:") ? String(href.dropFirst(4)) : nil
        let bare = mailto ? String(href.dropFirst(7)) : href
        let stripped = mailto ? 7 : telephone != nil ? 4 : 0
        let address = telephone ?? bare
        if label.isEmpty { return (LinkRendering(form: .addressOnly, stripped: stripped), address) }
        // A phone number shown with spaces links as digits only (`tel:+442079460000`): the same number, said once.
        let samePhone = telephone.map { Self.dialled($0) == Self.dialled(label) && !Self.dialled(label).isEmpty } ?? false
        // An address isolated left to right for a right-to-left letter (LRI … PDI) is still the address.
        let shown = String(String.UnicodeScalarView(label.unicodeScalars.filter { !BidiIsolation.isControl($0) }))
        if shown != bare && shown != href && shown != telephone && !samePhone {
            return (LinkRendering(form: .labelAndAddress, stripped: stripped), address)
        }
        return (LinkRendering(form: .labelOnly, stripped: stripped), nil)
    }
}

extension Skeleton {
    /// The render with markers this skeleton was made from, the markers escaped as they stood; `nil` when a string
    /// is written unescaped (raw HTML could change the document's structure) or JSON-escaped.
    func markedHTML() -> String? {
        var output = ""
        for piece in pieces {
            switch piece {
            case .text(let text): output += text
            case .string(let index, .html): Self.appendEscaped(Self.marker(index), to: &output)
            case .string(_, .none), .string(_, .json): return nil
            }
        }
        return output
    }

    /// The string numbers this skeleton writes.
    var indices: [Int] {
        pieces.compactMap { if case .string(let index, _) = $0 { index } else { nil } }
    }
}
