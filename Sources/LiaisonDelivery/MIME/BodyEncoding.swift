#if canImport(Glibc)
import Glibc
#endif

/// RFC 2045 content transfer encodings for text bodies.
enum BodyEncoding: String, Sendable, Hashable {
    case quotedPrintable = "quoted-printable"
    case base64 = "base64"

    /// The body as canonical text/* bytes: UTF-8 with every line end (LF, CR or CRLF) made CRLF, and a final
    /// CRLF added to non-empty text that lacks one.
    static func canonicalBytes(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { canonicalBytes(from: $0) }
    }

    static func canonicalBytes(from input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        // At most one byte more per byte (a lone LF or CR becomes CRLF), and a final CRLF.
        return [UInt8](unsafeUninitializedCapacity: input.count * 2 + 2) { out, count in
            guard let base = input.baseAddress, let target = out.baseAddress else {
                count = 0
                return
            }
            var o = 0
            if memchr(base, 0x0D, input.count) == nil {
                // The usual text: LF line ends only. Copy each line whole and end it with CRLF.
                var start = 0
                while start < input.count {
                    let newline = memchr(base + start, 0x0A, input.count - start)
                    let end = newline.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? input.count
                    (target + o).update(from: base + start, count: end - start)
                    o += end - start
                    guard newline != nil else { break }
                    out[o] = 0x0D
                    out[o + 1] = 0x0A
                    o += 2
                    start = end + 1
                }
            } else {
                var previousWasCR = false
                for byte in input {
                    switch byte {
                    case 0x0D:
                        out[o] = 0x0D
                        out[o + 1] = 0x0A
                        o += 2
                        previousWasCR = true
                    case 0x0A:
                        if !previousWasCR {
                            out[o] = 0x0D
                            out[o + 1] = 0x0A
                            o += 2
                        }
                        previousWasCR = false
                    default:
                        out[o] = byte
                        o += 1
                        previousWasCR = false
                    }
                }
            }
            if o > 0, out[o - 1] != 0x0A {
                out[o] = 0x0D
                out[o + 1] = 0x0A
                o += 2
            }
            count = o
        }
    }

    /// Encodes text with whichever of quoted-printable and base64 is shorter (quoted-printable on a tie).
    static func encode(_ text: String) -> (encoding: BodyEncoding, body: String) {
        let encoded = encodeBytes(text)
        return (encoded.encoding, String(decoding: encoded.body, as: UTF8.self))
    }

    /// ``encode(_:)`` as bytes. Only the chosen encoding is written: base64's length follows from the byte count, and
    /// quoted-printable is skipped when the bytes it must escape already make it longer.
    static func encodeBytes(_ text: String) -> (encoding: BodyEncoding, body: [UInt8]) {
        var text = text
        let (canonicalCount, nonASCII) = text.withUTF8 { canonicalShape($0) }
        let b64Length = Base64.linesLength(canonicalCount)
        // Quoted-printable writes each non-ASCII byte as three: when that alone makes it longer, base64 it is.
        if canonicalCount + 2 * nonASCII > b64Length { return (.base64, Base64.encodeLinesBytes(canonicalBytes(text))) }
        let qp = QuotedPrintable.encodeText(text)
        return b64Length < qp.count ? (.base64, Base64.encodeLinesBytes(canonicalBytes(text))) : (.quotedPrintable, qp)
    }

    /// The sum of a word's eight byte lanes (up to 2,040): pairs into 16-bit lanes first, so no carry is lost.
    @inline(__always)
    private static func laneSum(_ lanes: UInt64) -> Int {
        let pairs = (lanes & 0x00FF_00FF_00FF_00FF) &+ ((lanes >> 8) & 0x00FF_00FF_00FF_00FF)
        return Int((pairs &* 0x0001_0001_0001_0001) >> 48)
    }

    /// The length of `canonicalBytes` of these bytes, and how many of them are not ASCII, without writing them.
    static func canonicalShape(_ bytes: UnsafeBufferPointer<UInt8>) -> (count: Int, nonASCII: Int) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return (0, 0) }
        var nonASCII = 0
        let raw = UnsafeRawPointer(base)
        var index = 0
        // Eight counters of one byte each, summed every 255 words before one could overflow.
        var lanes: UInt64 = 0
        var words = 0
        while index + 8 <= bytes.count {
            lanes &+= (raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) >> 7) & 0x0101_0101_0101_0101
            index += 8
            words += 1
            if words == 255 {
                nonASCII += laneSum(lanes)
                lanes = 0
                words = 0
            }
        }
        nonASCII += laneSum(lanes)
        while index < bytes.count {
            if bytes[index] >= 0x80 { nonASCII += 1 }
            index += 1
        }
        if memchr(base, 0x0D, bytes.count) != nil { return (canonicalBytes(from: bytes).count, nonASCII) }
        // LF line ends only: each becomes CRLF, and a last line without one gets it.
        var lines = 0
        var start = 0
        while start < bytes.count, let newline = memchr(base + start, 0x0A, bytes.count - start) {
            lines += 1
            start = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return (bytes.count + lines + (start < bytes.count ? 2 : 0), nonASCII)
    }
}

enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next(), b2 = iterator.next()
            let group = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(b1 == nil ? 0x3D : alphabet[Int(group >> 6 & 0x3F)])
            output.append(b2 == nil ? 0x3D : alphabet[Int(group & 0x3F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Base64 in lines of 76 characters, each ended by CRLF (RFC 2045 §6.8); empty for no bytes.
    static func encodeLines(_ bytes: [UInt8]) -> String {
        String(decoding: encodeLinesBytes(bytes), as: UTF8.self)
    }

    /// The length of ``encodeLines(_:)`` for `count` bytes.
    static func linesLength(_ count: Int) -> Int {
        let rest = count % 57
        return count / 57 * 78 + (rest > 0 ? (rest + 2) / 3 * 4 + 2 : 0)
    }

    static func encodeLinesBytes(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: linesLength(bytes.count))
        output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                alphabet.withUnsafeBufferPointer { table in
                    var o = 0
                    var start = 0
                    while start < input.count {
                        let end = min(start + 57, input.count)
                        var i = start
                        while i + 3 <= end {
                            let group = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                            out[o] = table[Int(group >> 18 & 0x3F)]
                            out[o + 1] = table[Int(group >> 12 & 0x3F)]
                            out[o + 2] = table[Int(group >> 6 & 0x3F)]
                            out[o + 3] = table[Int(group & 0x3F)]
                            o += 4
                            i += 3
                        }
                        if i < end {
                            let b1: UInt32 = i + 1 < end ? UInt32(input[i + 1]) : 0
                            let group = UInt32(input[i]) << 16 | b1 << 8
                            out[o] = table[Int(group >> 18 & 0x3F)]
                            out[o + 1] = table[Int(group >> 12 & 0x3F)]
                            out[o + 2] = i + 1 < end ? table[Int(group >> 6 & 0x3F)] : 0x3D
                            out[o + 3] = 0x3D
                            o += 4
                        }
                        out[o] = 0x0D
                        out[o + 1] = 0x0A
                        o += 2
                        start = end
                    }
                }
            }
        }
        return output
    }
}

enum QuotedPrintable {
    static let lineLimit = 76

    /// Quoted-printable (RFC 2045 §6.7) of canonical text (CRLF line ends): `=XX` for `=`, controls and non-ASCII,
    /// for white space at the end of a line, and — for robustness through old transports (RFC 2049 §3) — for a `.`
    /// or the `F` of `From ` starting a line; soft line breaks keep every line within 76 characters.
    static func encode(_ bytes: [UInt8]) -> String {
        String(decoding: encodeBytes(bytes), as: UTF8.self)
    }

    /// ``encodeBytes(_:)`` of `BodyEncoding.canonicalBytes(text)`, written straight from the text when its lines
    /// end in LF only (the usual case): no canonical copy is made.
    static func encodeText(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { input -> [UInt8] in
            guard let base = input.baseAddress, !input.isEmpty else { return [] }
            if memchr(base, 0x0D, input.count) != nil { return encodeBytes(BodyEncoding.canonicalBytes(from: input)) }
            // Worst case: every byte escaped (3) plus a soft break (3) per 25 escapes, a line feed becoming CRLF,
            // and the final CRLF.
            return [UInt8](unsafeUninitializedCapacity: input.count * 4 + 8) { out, count in
                var o = 0
                var start = 0
                while start < input.count {
                    let newline = memchr(base + start, 0x0A, input.count - start)
                    let end = newline.map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? input.count
                    encodeLine(input, start, end, out, &o)
                    out[o] = 0x0D
                    out[o + 1] = 0x0A
                    o += 2
                    start = end + 1
                }
                count = o
            }
        }
    }

    static func encodeBytes(_ bytes: [UInt8]) -> [UInt8] {
        // Worst case: every byte escaped (3) plus a soft break (3) per 25 escapes, and the final soft break.
        let capacity = bytes.count * 4 + 8
        return bytes.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
                var o = 0
                var lineStart = 0
                var index = 0
                while index < input.count {
                    if input[index] == 0x0D, index + 1 < input.count, input[index + 1] == 0x0A {
                        encodeLine(input, lineStart, index, out, &o)
                        out[o] = 0x0D
                        out[o + 1] = 0x0A
                        o += 2
                        index += 2
                        lineStart = index
                    } else {
                        index += 1
                    }
                }
                if lineStart < input.count {
                    // Text without a final line break: end with a soft break so that none is added.
                    encodeLine(input, lineStart, input.count, out, &o)
                    out[o] = 0x3D
                    out[o + 1] = 0x0D
                    out[o + 2] = 0x0A
                    o += 3
                }
                count = o
            }
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
    private static let from = Array("From ".utf8)

    /// Encodes one line (`input[start..<end]`, without its CRLF) in a single pass: a token is one byte or `=XX`, and a
    /// soft break is placed before a token that would leave no room for the `=` (the line's last token may use column 76).
    private static func encodeLine(
        _ input: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ out: UnsafeMutableBufferPointer<UInt8>, _ o: inout Int
    ) {
        var length = 0
        var atLineStart = true
        var index = start
        let last = end - 1
        while index < end {
            if length == 0 {
                // At the start of a physical line, a clean stretch is copied whole: the rest of the line when it fits,
                // else 75 bytes and a soft break, as the byte-by-byte loop below would write them.
                if fitsAsItIs(input, index, end) {
                    (out.baseAddress! + o).update(from: input.baseAddress! + index, count: end - index)
                    o += end - index
                    return
                }
                if end - index > lineLimit, isCleanStretch(input, index, index + lineLimit - 1, end) {
                    (out.baseAddress! + o).update(from: input.baseAddress! + index, count: lineLimit - 1)
                    o += lineLimit - 1
                    out[o] = 0x3D
                    out[o + 1] = 0x0D
                    out[o + 2] = 0x0A
                    o += 3
                    index += lineLimit - 1
                    continue
                }
            }
            let byte = input[index]
            var escape: Bool
            switch byte {
            case 0x20, 0x09: escape = index == last
            case 0x3D: escape = true
            case 0x21...0x7E: escape = false
            default: escape = true
            }
            // "." or "From " at the start of a physical line.
            if atLineStart, !escape, byte == 0x2E || (byte == 0x46 && index + 4 != last && startsWithFrom(input, index, end)) {
                escape = true
            }
            let width = escape ? 3 : 1
            if length + width > (index == last ? lineLimit : lineLimit - 1) {
                out[o] = 0x3D
                out[o + 1] = 0x0D
                out[o + 2] = 0x0A
                o += 3
                length = 0
                atLineStart = true
                continue  // the same byte again, now at the start of a line
            }
            if escape {
                out[o] = 0x3D
                out[o + 1] = hexDigits[Int(byte >> 4)]
                out[o + 2] = hexDigits[Int(byte & 0x0F)]
                o += 3
            } else {
                out[o] = byte
                o += 1
            }
            length += width
            atLineStart = false
            index += 1
        }
    }

    /// Whether the rest of the line, `input[start..<end]`, goes out unchanged from the start of a physical line:
    /// within the line limit, clean, and not ending in white space.
    @inline(__always)
    private static func fitsAsItIs(_ input: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard end > start, end - start <= lineLimit else { return end == start }
        let last = input[end - 1]
        return last != 0x20 && last != 0x09 && isCleanStretch(input, start, end, end)
    }

    /// Whether `input[start..<stop]` (of a line ending at `end`) goes out as it is from the start of a physical line:
    /// no byte needing an escape there, and no `.` or `From ` first.
    @inline(__always)
    private static func isCleanStretch(_ input: UnsafeBufferPointer<UInt8>, _ start: Int, _ stop: Int, _ end: Int) -> Bool {
        let first = input[start]
        if first == 0x2E || (first == 0x46 && startsWithFrom(input, start, end)) { return false }
        return needsEscape.withUnsafeBufferPointer { table in
            // Eight bytes at a time: a word with none of the suspects (a control, tab included, `=`, DEL, non-ASCII)
            // is clean; one with any is looked at byte by byte (a tab is clean inside a line).
            let raw = UnsafeRawPointer(input.baseAddress!)
            var index = start
            while index + 8 <= stop {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if mayNeedEscape(word) {
                    var escaped: UInt8 = 0
                    for offset in index..<(index + 8) { escaped |= table[Int(input[offset])] }
                    if escaped != 0 { return false }
                }
                index += 8
            }
            var escaped: UInt8 = 0
            while index < stop {
                escaped |= table[Int(input[index])]
                index += 1
            }
            return escaped == 0
        }
    }

    /// Whether any byte of `word` is below 0x20, `=`, 0x7F or above (SWAR: "has a zero byte" tests, exact about
    /// whether there is one).
    @inline(__always)
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        if word & highs != 0 { return true }
        // All bytes are ASCII here, so "less than 0x20" is exact too.
        return (word &- ones &* 0x20) & ~word & highs != 0 || hasZero(word ^ (ones &* 0x3D)) || hasZero(word ^ (ones &* 0x7F))
    }

    /// 1 for a byte that needs an escape wherever it stands in a line (white space only does at the end).
    private static let needsEscape: [UInt8] = (0...255).map { byte in
        byte == 0x20 || byte == 0x09 || (0x21...0x7E).contains(byte) && byte != 0x3D ? 0 : 1
    }

    private static func startsWithFrom(_ input: UnsafeBufferPointer<UInt8>, _ index: Int, _ end: Int) -> Bool {
        index + from.count <= end && from.indices.allSatisfy { input[index + $0] == from[$0] }
    }
}
