/// A strict RFC 8259 syntax check for a gateway's body, which Foundation's `JSONSerialization` is not (it takes
/// trailing commas that a gateway's parser would refuse). Also refuses a name repeated in one object, whose
/// meaning differs from one parser to the next.
public enum StrictJSON {
    /// Nil when `text` is one JSON object or array (with optional white space around it), else what is wrong.
    public static func problem(_ text: String) -> String? {
        var parser = Parser(bytes: Array(text.utf8))
        do throws(SyntaxError) {
            parser.skipWhitespace()
            guard let first = parser.peek(), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
                throw parser.error("expected an object or an array")
            }
            try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.position == parser.bytes.count else { throw parser.error("unexpected text after the JSON value") }
            return nil
        } catch {
            return error.message
        }
    }

    struct SyntaxError: Error {
        var message: String
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0
        static let maxDepth = 512

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        func error(_ message: String) -> SyntaxError {
            SyntaxError(message: "\(message) at byte \(position)")
        }

        mutating func skipWhitespace() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(SyntaxError) {
            guard peek() == byte else { throw error("expected \(what)") }
            position += 1
        }

        mutating func value(depth: Int) throws(SyntaxError) {
            guard depth < Self.maxDepth else { throw error("nested too deeply") }
            skipWhitespace()
            guard let byte = peek() else { throw error("unexpected end, expected a value") }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw error("unexpected character, expected a value")
            }
        }

        mutating func object(depth: Int) throws(SyntaxError) {
            position += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                position += 1
                return
            }
            var names: Set<[UInt8]> = []
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                let start = position
                let name = try string()
                guard names.insert(name).inserted else {
                    position = start
                    throw error("the member name \(String(decoding: name, as: UTF8.self)) is repeated")
                }
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':' after a member name")
                try value(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect(UInt8(ascii: "}"), "',' or '}' in an object")
                return
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) {
            position += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                position += 1
                return
            }
            while true {
                try value(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect(UInt8(ascii: "]"), "',' or ']' in an array")
                return
            }
        }

        /// Reads a string and returns its decoded UTF-8 (lone surrogates become U+FFFD).
        mutating func string() throws(SyntaxError) -> [UInt8] {
            position += 1
            var decoded: [UInt8] = []
            while true {
                guard let byte = peek() else { throw error("unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return decoded
                case 0x00..<0x20:
                    throw error("a control character inside a string (it must be escaped)")
                case UInt8(ascii: "\\"):
                    position += 1
                    guard let escape = peek() else { throw error("unterminated escape") }
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                    case UInt8(ascii: "b"): decoded.append(0x08)
                    case UInt8(ascii: "f"): decoded.append(0x0C)
                    case UInt8(ascii: "n"): decoded.append(0x0A)
                    case UInt8(ascii: "r"): decoded.append(0x0D)
                    case UInt8(ascii: "t"): decoded.append(0x09)
                    case UInt8(ascii: "u"):
                        var unit = try hex4()
                        if (0xD800..<0xDC00).contains(unit), bytes[position...].starts(with: Array(#"\u"#.utf8)) {
                            let saved = position
                            position += 2
                            let low = try hex4()
                            if (0xDC00..<0xE000).contains(low) {
                                unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                position = saved
                            }
                        }
                        decoded.append(contentsOf: Array(String(Unicode.Scalar(unit) ?? "\u{FFFD}").utf8))
                    default:
                        position -= 1
                        throw error("an unknown escape")
                    }
                default:
                    decoded.append(byte)
                    position += 1
                }
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("a short \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[position..<(position + 4)] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("a \\u escape without four hex digits")
                }
                value = value << 4 | UInt32(digit)
            }
            position += 4
            return value
        }

        mutating func literal(_ word: String) throws(SyntaxError) {
            let expected = Array(word.utf8)
            guard bytes[position...].starts(with: expected) else { throw error("unexpected character, expected a value") }
            position += expected.count
        }

        mutating func number() throws(SyntaxError) {
            func isDigit(_ byte: UInt8?) -> Bool { byte.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? false }
            if peek() == UInt8(ascii: "-") { position += 1 }
            if peek() == UInt8(ascii: "0") {
                position += 1
            } else {
                guard isDigit(peek()) else { throw error("a number without digits") }
                while isDigit(peek()) { position += 1 }
            }
            if peek() == UInt8(ascii: ".") {
                position += 1
                guard isDigit(peek()) else { throw error("a number without digits after '.'") }
                while isDigit(peek()) { position += 1 }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                position += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
                guard isDigit(peek()) else { throw error("a number without digits in its exponent") }
                while isDigit(peek()) { position += 1 }
            }
        }
    }
}
