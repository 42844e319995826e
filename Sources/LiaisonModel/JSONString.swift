/// The inside of a JSON string (RFC 8259 §7): `"` and `\` escaped, `\n`, `\r` and `\t` as such, other control
/// characters as `\u00XX`, and U+2028 and U+2029 as `\u2028` and `\u2029` (valid in JSON, but line ends to
/// JavaScript and to some gateways). Works on UTF-8 bytes, copying runs that need no escape whole.
public enum JSONString {
    /// Appends `text`, escaped, to `out` (without the surrounding quotes).
    public static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendEscaped(bytes: $0, to: &out) }
    }

    /// Appends UTF-8 `bytes`, escaped, to `out` (without the surrounding quotes).
    public static func appendEscaped(bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        // One pass to size the output, one to write it in place: no per-escape appends.
        var extra = 0
        var index = 0
        while index < bytes.count {
            if let length = escapeLength(bytes, at: index) {
                // A line separator's three bytes become six; any other escape adds what the table says.
                extra &+= length == 3 ? 3 : Int(extraBytes[Int(bytes[index])])
                index += length
            } else {
                index += 1
            }
        }
        let start = out.count
        if extra == 0 {
            out.append(contentsOf: bytes)
            return
        }
        out.append(contentsOf: repeatElement(0, count: bytes.count + extra))
        out.withUnsafeMutableBufferPointer { buffer in
            var o = start
            var run = 0
            var index = 0
            func flushRun(_ end: Int) {
                let count = end - run
                if count > 0 {
                    (buffer.baseAddress! + o).update(from: bytes.baseAddress! + run, count: count)
                    o += count
                }
            }
            while index < bytes.count {
                guard let length = escapeLength(bytes, at: index) else {
                    index += 1
                    continue
                }
                let byte = bytes[index]
                flushRun(index)
                buffer[o] = 0x5C
                switch byte {
                case 0x22, 0x5C:
                    buffer[o + 1] = byte
                    o += 2
                case 0x0A, 0x0D, 0x09:
                    buffer[o + 1] = byte == 0x0A ? 0x6E : byte == 0x0D ? 0x72 : 0x74
                    o += 2
                case 0xE2:
                    buffer[o + 1] = 0x75
                    buffer[o + 2] = 0x32
                    buffer[o + 3] = 0x30
                    buffer[o + 4] = 0x32
                    buffer[o + 5] = bytes[index + 2] == 0xA8 ? 0x38 : 0x39
                    o += 6
                default:
                    buffer[o + 1] = 0x75
                    buffer[o + 2] = 0x30
                    buffer[o + 3] = 0x30
                    buffer[o + 4] = hex[Int(byte >> 4)]
                    buffer[o + 5] = hex[Int(byte & 0x0F)]
                    o += 6
                }
                index += length
                run = index
            }
            flushRun(bytes.count)
        }
    }

    /// `text` escaped; the same string, not a copy, when nothing needs escaping (most names, dates and sentences).
    public static func escaped(_ text: String) -> String {
        var text = text
        let clean = text.withUTF8 { bytes in bytes.indices.allSatisfy { escapeLength(bytes, at: $0) == nil } }
        if clean { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        appendEscaped(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// How many bytes at `index` one escape replaces, or nil when the byte is written as it is.
    @inline(__always)
    private static func escapeLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let byte = bytes[index]
        if extraBytes[Int(byte)] == 0 { return nil }
        if byte == 0xE2 { return lineSeparatorAt(bytes, index) ? 3 : nil }
        return 1
    }

    /// U+2028 or U+2029 (E2 80 A8 / E2 80 A9) at `index`.
    @inline(__always)
    private static func lineSeparatorAt(_ bytes: UnsafeBufferPointer<UInt8>, _ index: Int) -> Bool {
        index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9)
    }

    /// Bytes an escape adds for each byte: 1 for `"`, `\`, LF, CR and tab, 5 for other controls; E2 is only marked,
    /// since it needs an escape only as the start of U+2028 or U+2029.
    private static let extraBytes: [UInt8] = (0...255).map { byte in
        switch byte {
        case 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0xE2: 1
        case 0..<0x20: 5
        default: 0
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)
}
