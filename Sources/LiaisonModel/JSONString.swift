/// The inside of a JSON string (RFC 8259 §7): `"` and `\` escaped, `\n`, `\r` and `\t` as such, other control
/// characters as `\u00XX`, and U+2028 and U+2029 as `\u2028` and `\u2029` (valid in JSON, but line ends to
/// JavaScript and to some gateways). Works on UTF-8 bytes, copying runs that need no escape whole.
public enum JSONString {
    /// Appends `text`, escaped, to `out` (without the surrounding quotes).
    public static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var run = 0
            var index = 0
            while index < bytes.count {
                guard let length = escapeLength(bytes, at: index) else {
                    index += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                let byte = bytes[index]
                switch byte {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                case 0xE2: out.append(contentsOf: [0x5C, 0x75, 0x32, 0x30, 0x32, bytes[index + 2] == 0xA8 ? 0x38 : 0x39])
                default: out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
                index += length
                run = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
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
        if byte == 0x22 || byte == 0x5C || byte < 0x20 { return 1 }
        if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 {
            return 3
        }
        return nil
    }

    private static let hex = Array("0123456789abcdef".utf8)
}
