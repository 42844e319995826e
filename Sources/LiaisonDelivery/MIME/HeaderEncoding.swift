/// RFC 2047 encoded words (`=?UTF-8?B?…?=` / `=?UTF-8?Q?…?=`).
enum EncodedWord {
    enum Encoding: Sendable, Hashable { case b, q }

    /// `=?UTF-8?B?` + `?=`.
    static let overhead = 12
    /// RFC 2047 §2: an encoded word is at most 75 characters.
    static let maximumLength = 75
    static let maximumPayload = maximumLength - overhead

    /// Bytes Q may leave as themselves in any context, including a phrase (RFC 2047 §5(3)); space becomes `_`.
    static func isQLiteral(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x21, 0x2A, 0x2B, 0x2D, 0x2F: true
        default: false
        }
    }

    /// Length of the encoded text (between `?Q?`/`?B?` and `?=`) for these bytes.
    static func cost(_ bytes: some Collection<UInt8>, _ encoding: Encoding) -> Int {
        switch encoding {
        case .b: (bytes.count + 2) / 3 * 4
        case .q: bytes.reduce(0) { $0 + (isQLiteral($1) || $1 == 0x20 ? 1 : 3) }
        }
    }

    /// Q for mostly-ASCII text (it stays readable), B when that is clearly shorter (by 5 or more, as Python's
    /// email package decides).
    static func preferredEncoding(for text: String) -> Encoding {
        let bytes = Array(text.utf8)
        return cost(bytes, .q) - cost(bytes, .b) < 5 ? .q : .b
    }

    /// The pieces that are never split across two words: grapheme clusters, or — for a cluster too long to fit in
    /// one word (stacked combining marks) — its Unicode scalars, so a UTF-8 sequence is never split.
    static func units(of text: String, _ encoding: Encoding) -> [[UInt8]] {
        var units: [[UInt8]] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if cost(bytes, encoding) <= maximumPayload {
                units.append(bytes)
            } else {
                units.append(contentsOf: character.unicodeScalars.map { Array(String($0).utf8) })
            }
        }
        return units
    }

    static func word(_ bytes: [UInt8], _ encoding: Encoding) -> String {
        switch encoding {
        case .b: "=?UTF-8?B?" + Base64.encode(bytes) + "?="
        case .q:
            "=?UTF-8?Q?" + String(decoding: bytes.flatMap { byte -> [UInt8] in
                if isQLiteral(byte) { return [byte] }
                if byte == 0x20 { return [0x5F] }
                return Hex.escape(byte, prefix: 0x3D)
            }, as: UTF8.self) + "?="
        }
    }

    /// Whether text would be taken for an encoded word (or worse) if written as it is.
    static func needsEncoding(_ text: Substring) -> Bool {
        text.unicodeScalars.contains { $0.value >= 0x7F || ($0.value < 0x20 && $0 != "\t") } || hasWordStart(text.utf8)
    }

    /// Whether `=?` (the start of an encoded word) occurs: a byte scan, where `String.contains` goes through Foundation.
    static func hasWordStart(_ utf8: some Collection<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for byte in utf8 {
            if previous == 0x3D, byte == 0x3F { return true }
            previous = byte
        }
        return false
    }
}

enum Hex {
    static let digits = Array("0123456789ABCDEF".utf8)
    static func escape(_ byte: UInt8, prefix: UInt8) -> [UInt8] {
        [prefix, digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
    }
}

/// Writes one header field, folding with CRLF + white space so that each physical line stays within 78 octets
/// (76 for a line holding an encoded word, RFC 2047 §2) whenever the content allows it.
struct HeaderFieldWriter {
    static let lineLimit = 78
    static let encodedWordLineLimit = 76

    private var lines: [String] = []
    private var current: String
    /// Whether anything follows the field name on the current line (we never fold straight after the colon).
    private var hasContent = false
    private var currentHasEncodedWord = false

    init(name: String) {
        current = name + ":"
    }

    private var column: Int { current.utf8.count }
    private var limit: Int { currentHasEncodedWord ? Self.encodedWordLineLimit : Self.lineLimit }

    private mutating func fold() {
        lines.append(current)
        current = ""
        currentHasEncodedWord = false
    }

    /// Appends a token that must stay whole, preceded by `separator` (non-empty white space), folding first if it would overflow.
    mutating func append(_ token: String, separator: String = " ") {
        if hasContent, column + separator.utf8.count + token.utf8.count > limit { fold() }
        current += separator + token
        hasContent = true
    }

    /// Appends text as one run of encoded words (the white space between them is not part of the text).
    mutating func appendEncoded(_ text: String, separator: String = " ") {
        let encoding = EncodedWord.preferredEncoding(for: text)
        let units = EncodedWord.units(of: text, encoding)
        var index = 0
        var separator = separator
        while index < units.count {
            let limitHere = Self.encodedWordLineLimit - column - separator.utf8.count - EncodedWord.overhead
            var capacity = min(EncodedWord.maximumPayload, limitHere)
            let needed = EncodedWord.cost(units[index], encoding)
            let rest = EncodedWord.cost(units[index...].joined(), encoding)
            // Fold rather than start a word that cannot take the next unit, or a stub word on a nearly full line.
            if hasContent, capacity < needed || (capacity < 16 && rest > capacity) {
                fold()
                capacity = min(EncodedWord.maximumPayload, Self.encodedWordLineLimit - separator.utf8.count - EncodedWord.overhead)
            }
            let start = index
            var bytes = units[index]
            index += 1
            while index < units.count, EncodedWord.cost(bytes + units[index], encoding) <= capacity {
                bytes += units[index]
                index += 1
            }
            // Prefer to end a word just after a space rather than inside a word: decoders that wrongly keep the
            // white space between adjacent encoded words (CPython before gh-128110, in display names) then show a
            // doubled space instead of breaking a word apart.
            if index < units.count, units[index - 1] != [0x20], units[index] != [0x20],
               let space = units[(start + 1)..<index].lastIndex(of: [0x20]) {
                index = space + 1
                bytes = Array(units[start..<index].joined())
            }
            current += separator + EncodedWord.word(bytes, encoding)
            hasContent = true
            currentHasEncodedWord = true
            separator = " "
        }
    }

    /// Appends unstructured text (RFC 5322 §3.2.5): words that need it become encoded words, runs of such words
    /// share a run of encoded words, the rest stays readable; folds only at existing white space.
    /// `encodeLongWords` also encodes an ASCII word too long to fit on a line, so that it can be split.
    mutating func appendUnstructured(_ text: String, encodeLongWords: Bool = true) {
        var pending: (separator: String, text: String)?
        func flush(_ writer: inout HeaderFieldWriter) {
            if let run = pending { writer.appendEncoded(run.text, separator: run.separator) }
            pending = nil
        }
        for (space, word) in Self.words(of: text) {
            let separator = space.isEmpty ? " " : String(space)
            if EncodedWord.needsEncoding(word) || (encodeLongWords && word.utf8.count > Self.lineLimit - 1) {
                if let run = pending {
                    pending = (run.separator, run.text + space + word)
                } else {
                    pending = (separator, String(word))
                }
            } else {
                flush(&self)
                append(String(word), separator: separator)
            }
        }
        flush(&self)
    }

    /// Appends a display name as an RFC 5322 phrase: atoms when it is plain, a quoted string when it has specials,
    /// encoded words when it is not ASCII (or the quoted string would not fit on a line).
    mutating func appendPhrase(_ name: String) {
        let printableASCII = name.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
        if printableASCII, !EncodedWord.hasWordStart(name.utf8) {
            let words = name.split(separator: " ", omittingEmptySubsequences: false)
            if words.allSatisfy({ !$0.isEmpty && $0.utf8.count < Self.lineLimit && $0.utf8.allSatisfy(Self.isAtext) }) {
                for word in words { append(String(word)) }
                return
            }
            var quoted = "\""
            for character in name {
                if character == "\"" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            quoted.append("\"")
            if quoted.utf8.count < Self.lineLimit {
                append(quoted)
                return
            }
        }
        appendEncoded(name)
    }

    /// The field, without the final CRLF.
    var text: String { (lines + [current]).joined(separator: "\r\n") }

    /// The physical lines written so far, including the current one.
    var physicalLines: [String] { lines + [current] }

    /// atext (RFC 5322 §3.2.3).
    static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        default: "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
        }
    }

    /// Words with the white space before each (empty for the first); leading and trailing white space dropped.
    static func words(of text: String) -> [(space: Substring, word: Substring)] {
        var result: [(Substring, Substring)] = []
        var index = text.startIndex
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        while index < text.endIndex, isSpace(text[index]) { index = text.index(after: index) }
        var pendingSpace = text[index..<index]
        while index < text.endIndex {
            let wordStart = index
            while index < text.endIndex, !isSpace(text[index]) { index = text.index(after: index) }
            let word = text[wordStart..<index]
            let spaceStart = index
            while index < text.endIndex, isSpace(text[index]) { index = text.index(after: index) }
            result.append((pendingSpace, word))
            pendingSpace = text[spaceStart..<index]
        }
        return result
    }
}
