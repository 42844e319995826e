/// RFC 2045 content transfer encodings for text bodies.
enum BodyEncoding: String, Sendable, Hashable {
    case quotedPrintable = "quoted-printable"
    case base64 = "base64"

    /// The body as canonical text/* bytes: UTF-8 with every line end (LF, CR or CRLF) made CRLF, and a final
    /// CRLF added to non-empty text that lacks one.
    static func canonicalBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        var previousWasCR = false
        for byte in text.utf8 {
            switch byte {
            case 0x0D:
                bytes.append(0x0D)
                bytes.append(0x0A)
                previousWasCR = true
            case 0x0A:
                if !previousWasCR {
                    bytes.append(0x0D)
                    bytes.append(0x0A)
                }
                previousWasCR = false
            default:
                bytes.append(byte)
                previousWasCR = false
            }
        }
        if !bytes.isEmpty, bytes.last != 0x0A {
            bytes.append(0x0D)
            bytes.append(0x0A)
        }
        return bytes
    }

    /// Encodes text with whichever of quoted-printable and base64 is shorter (quoted-printable on a tie).
    static func encode(_ text: String) -> (encoding: BodyEncoding, body: String) {
        let encoded = encodeBytes(text)
        return (encoded.encoding, String(decoding: encoded.body, as: UTF8.self))
    }

    /// ``encode(_:)`` as bytes. Only the chosen encoding is written: base64's length follows from the byte count, and
    /// quoted-printable is skipped when the bytes it must escape already make it longer.
    static func encodeBytes(_ text: String) -> (encoding: BodyEncoding, body: [UInt8]) {
        let bytes = canonicalBytes(text)
        let b64Length = Base64.linesLength(bytes.count)
        if QuotedPrintable.minimumLength(bytes) > b64Length { return (.base64, Base64.encodeLinesBytes(bytes)) }
        let qp = QuotedPrintable.encodeBytes(bytes)
        return b64Length < qp.count ? (.base64, Base64.encodeLinesBytes(bytes)) : (.quotedPrintable, qp)
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

    /// A lower bound of ``encode(_:)``'s length: every byte, two more for each that is always escaped.
    static func minimumLength(_ bytes: [UInt8]) -> Int {
        var escaped = 0
        for byte in bytes where byte > 0x7E || (byte < 0x20 && byte != 0x0D && byte != 0x0A && byte != 0x09) || byte == 0x3D {
            escaped += 1
        }
        return bytes.count + 2 * escaped
    }

    static func encodeBytes(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        var lineStart = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                encodeLine(bytes[lineStart..<index], into: &output)
                output.append(0x0D)
                output.append(0x0A)
                index += 2
                lineStart = index
            } else {
                index += 1
            }
        }
        if lineStart < bytes.count {
            // Text without a final line break: end with a soft break so that none is added.
            encodeLine(bytes[lineStart...], into: &output)
            output.append(0x3D)
            output.append(0x0D)
            output.append(0x0A)
        }
        return output
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
    private static let from = Array("From ".utf8)

    /// Encodes one line (without its CRLF) in a single pass: a token is one byte or `=XX`, and a soft break is
    /// placed before a token that would leave no room for the `=` (the line's last token may use column 76).
    private static func encodeLine(_ line: ArraySlice<UInt8>, into output: inout [UInt8]) {
        var length = 0
        var atLineStart = true
        var index = line.startIndex
        let last = line.endIndex - 1
        while index < line.endIndex {
            let byte = line[index]
            var escape: Bool
            switch byte {
            case 0x20, 0x09: escape = index == last
            case 0x3D: escape = true
            case 0x21...0x7E: escape = false
            default: escape = true
            }
            // "." or "From " at the start of a physical line.
            if atLineStart, !escape, byte == 0x2E || (byte == 0x46 && index + 4 != last && line[index...].starts(with: from)) {
                escape = true
            }
            let width = escape ? 3 : 1
            if length + width > (index == last ? lineLimit : lineLimit - 1) {
                output.append(0x3D)
                output.append(0x0D)
                output.append(0x0A)
                length = 0
                atLineStart = true
                continue  // the same byte again, now at the start of a line
            }
            if escape {
                output.append(0x3D)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            } else {
                output.append(byte)
            }
            length += width
            atLineStart = false
            index += 1
        }
    }
}
