import Foundation
import LiaisonModel

/// The `message` column: the JSON `JSONEncoder` writes for ``OutboundMessage``, written and read by hand because
/// Foundation's coders were a noticeable part of a large send. Anything the fast reader does not expect (another
/// shape, an unknown class) goes to `JSONDecoder`, which also reports the errors.
///
/// A row with a base (``BaseMessage``, the `base_id` column) may have its text and HTML written as ``LineDelta``
/// arrays instead of strings: only rows with a base are read that way.
enum MessageJSON {
    /// Texts shorter than this are written whole: a delta would save too little to be worth reading back.
    static let deltaMinimum = 256

    static func encode(_ message: OutboundMessage) -> String {
        encode(message, against: nil).json
    }

    /// The JSON of `message`, its text and HTML written against `base` where that is shorter; `delta` says whether
    /// any was (the row then needs the base to be read).
    static func encode(_ message: OutboundMessage, against base: BaseMessage?) -> (json: String, delta: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(message.subject.utf8.count + message.text.utf8.count + (message.html?.utf8.count ?? 0) + 256)
        out.append(0x7B)
        var delta = false
        field("subject", message.subject, &out)
        delta = text("text", message.text, base?.text, &out) || delta
        if let html = message.html { delta = text("html", html, base?.html, &out) || delta }
        field("language", message.language, &out)
        field("messageClass", message.messageClass.rawValue, &out)
        if let url = message.ackURL { field("ackURL", url, &out) }
        if let url = message.unsubscribeURL { field("unsubscribeURL", url, &out) }
        if let calendar = message.calendar { field("calendar", calendar, &out) }
        out[out.count - 1] = 0x7D  // the last comma
        return (String(decoding: out, as: UTF8.self), delta)
    }

    private static func field(_ name: StaticString, _ value: String, _ out: inout [UInt8]) {
        fieldName(name, &out)
        out.append(0x22)
        JSONString.appendEscaped(value, to: &out)
        out.append(contentsOf: [0x22, 0x2C])
    }

    /// A text member as a delta against `base` when that takes under three quarters of the text's bytes; returns
    /// whether it was.
    private static func text(_ name: StaticString, _ value: String, _ base: BaseText?, _ out: inout [UInt8]) -> Bool {
        let size = value.utf8.count
        guard let base, size >= deltaMinimum else {
            field(name, value, &out)
            return false
        }
        let start = out.count
        fieldName(name, &out)
        guard LineDelta.append(value, against: base, to: &out, limit: size * 3 / 4) else {
            out.removeSubrange(start...)
            field(name, value, &out)
            return false
        }
        out.append(0x2C)
        return true
    }

    private static func fieldName(_ name: StaticString, _ out: inout [UInt8]) {
        out.append(0x22)
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(contentsOf: [0x22, 0x3A])
    }

    static func decode(_ json: String, decoder: JSONDecoder) throws -> OutboundMessage {
        try decode(Data(json.utf8), decoder: decoder)
    }

    static func decode(_ json: Data, decoder: JSONDecoder) throws -> OutboundMessage {
        if let message = fastDecode(json) { return message }
        return try decoder.decode(OutboundMessage.self, from: json)
    }

    /// A row written against `base`: its text and HTML may be deltas. Only the fast reader knows this form.
    static func decode(_ json: Data, base: BaseMessage) throws -> OutboundMessage {
        guard let message = fastDecode(json, base: base) else {
            throw OutboxStoreError.corruptRow("a message written against a base does not read back: \(String(decoding: json.prefix(200), as: UTF8.self))")
        }
        return message
    }

    static func fastDecode(_ json: String) -> OutboundMessage? {
        fastDecode(Data(json.utf8))
    }

    /// A flat object of string (or null) members, or `nil` for anything else; with a base, the text and the HTML
    /// may also be deltas against it.
    static func fastDecode(_ json: Data, base: BaseMessage? = nil) -> OutboundMessage? {
        json.withUnsafeBytes { raw -> OutboundMessage? in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
            var values: [String: String] = [:]
            reader.skipSpace()
            guard reader.take(0x7B) else { return nil }
            reader.skipSpace()
            if !reader.take(0x7D) {
                while true {
                    reader.skipSpace()
                    guard let name = reader.string() else { return nil }
                    reader.skipSpace()
                    guard reader.take(0x3A) else { return nil }
                    reader.skipSpace()
                    if reader.takeNull() {
                        values[name] = nil
                    } else if let base, name == "text" || name == "html", reader.peek(0x5B) {
                        guard let pieces = reader.pieces(), let text = name == "text" ? base.text : base.html,
                              let value = LineDelta.text(pieces, base: text)
                        else { return nil }
                        values[name] = value
                    } else {
                        guard let value = reader.string() else { return nil }
                        values[name] = value
                    }
                    reader.skipSpace()
                    if reader.take(0x2C) { continue }
                    guard reader.take(0x7D) else { return nil }
                    break
                }
            }
            reader.skipSpace()
            guard reader.atEnd, values.keys.allSatisfy(known.contains),
                  let subject = values["subject"], let text = values["text"], let language = values["language"],
                  let raw = values["messageClass"], let messageClass = OutboundMessage.Class(rawValue: raw)
            else { return nil }
            return OutboundMessage(
                subject: subject, text: text, html: values["html"], language: language, messageClass: messageClass,
                ackURL: values["ackURL"], unsubscribeURL: values["unsubscribeURL"], calendar: values["calendar"])
        }
    }

    private static let known: Set<String> = ["subject", "text", "html", "language", "messageClass", "ackURL", "unsubscribeURL", "calendar"]

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        func peek(_ byte: UInt8) -> Bool {
            index < bytes.count && bytes[index] == byte
        }

        /// A delta: `[` then `[first, count]` pairs and strings, separated by commas, then `]`.
        mutating func pieces() -> [LineDelta.Piece]? {
            guard take(0x5B) else { return nil }
            var pieces: [LineDelta.Piece] = []
            skipSpace()
            if take(0x5D) { return pieces }
            while true {
                skipSpace()
                if take(0x5B) {
                    skipSpace()
                    guard let first = integer() else { return nil }
                    skipSpace()
                    guard take(0x2C) else { return nil }
                    skipSpace()
                    guard let count = integer() else { return nil }
                    skipSpace()
                    guard take(0x5D) else { return nil }
                    pieces.append(.copy(first: first, count: count))
                } else {
                    guard let text = string() else { return nil }
                    pieces.append(.own(text))
                }
                skipSpace()
                if take(0x2C) { continue }
                guard take(0x5D) else { return nil }
                return pieces
            }
        }

        /// A non-negative integer of at most nine digits.
        mutating func integer() -> Int? {
            let start = index
            var value = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]), index - start < 9 {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
            }
            return index > start ? value : nil
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func takeNull() -> Bool {
            guard index + 4 <= bytes.count, bytes[index] == 0x6E, bytes[index + 1] == 0x75, bytes[index + 2] == 0x6C,
                  bytes[index + 3] == 0x6C else { return false }
            index += 4
            return true
        }

        /// A JSON string; `nil` when malformed (bad escape, lone surrogate, control character, no closing quote).
        mutating func string() -> String? {
            guard take(0x22) else { return nil }
            let start = index
            // Most strings have no escape: one copy of the bytes.
            while index < bytes.count, bytes[index] != 0x22, bytes[index] != 0x5C, bytes[index] >= 0x20 { index += 1 }
            guard index < bytes.count else { return nil }
            if bytes[index] == 0x22 {
                defer { index += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count - start)
            var run = start
            while index < bytes.count {
                let byte = bytes[index]
                if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                    index += 1
                    continue
                }
                // Copy the run of plain bytes before this one in one go.
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                index += 1
                switch byte {
                case 0x22:
                    return String(decoding: out, as: UTF8.self)
                case 0x5C:
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case 0x22, 0x5C, 0x2F: out.append(escape)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        guard var scalar = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard take(0x5C), take(0x75), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(scalar) {
                            return nil
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { return nil }
                        out.append(contentsOf: String(Character(unicode)).utf8)
                    default:
                        return nil
                    }
                    run = index
                default:
                    return nil  // a control character
                }
            }
            return nil
        }

        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                switch byte {
                case 0x30...0x39: value = value << 4 | UInt32(byte - 0x30)
                case 0x41...0x46: value = value << 4 | UInt32(byte - 0x37)
                case 0x61...0x66: value = value << 4 | UInt32(byte - 0x57)
                default: return nil
                }
            }
            return value
        }
    }
}

/// The text and HTML of one message, indexed by line, that the other messages of its occurrence, language and form
/// are written against (stored once, in `message_bases`).
struct BaseMessage: Sendable {
    let text: BaseText
    let html: BaseText?

    init(_ message: OutboundMessage) {
        text = BaseText(message.text)
        html = message.html.map(BaseText.init)
    }
}
