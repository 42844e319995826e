#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// One SMTP reply (RFC 5321 §4.2): a three-digit code and its lines, without the code and CRLF.
public struct SMTPServerReply: Sendable, Hashable {
    public var code: Int
    /// Each line as the server sent it, code included (`250-PIPELINING`, `250 2.0.0 Ok: queued as 4Bx`).
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// The reply on one line, for the outbox's record.
    public var text: String { lines.joined(separator: " / ") }
    public var isPositive: Bool { (200..<400).contains(code) }
}

/// Reads replies from the bytes of an SMTP connection, however they were split by the network.
struct SMTPReplyReader {
    private var buffer: [UInt8] = []
    private var lines: [String] = []

    /// Why the server's bytes are not SMTP.
    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var description: String { "the relay answered with something that is not an SMTP reply: \(line.prefix(120))" }
    }

    /// Adds received bytes and returns the replies they complete, in order.
    mutating func read(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> [SMTPServerReply] {
        buffer.append(contentsOf: bytes)
        var replies: [SMTPServerReply] = []
        var start = 0
        while let newline = buffer[start...].firstIndex(of: 0x0A) {
            var end = newline
            if end > start, buffer[end - 1] == 0x0D { end -= 1 }
            let line = buffer[start..<end]
            start = newline + 1
            guard line.count >= 3, let code = Self.code(line) else {
                throw Malformed(line: String(decoding: line, as: UTF8.self))
            }
            let separator = line.count > 3 ? line[line.startIndex + 3] : 0x20
            guard separator == 0x20 || separator == 0x2D else { throw Malformed(line: String(decoding: line, as: UTF8.self)) }
            lines.append(String(decoding: line, as: UTF8.self))
            if separator == 0x20 {
                replies.append(SMTPServerReply(code: code, lines: lines))
                lines = []
            }
        }
        buffer.removeFirst(start)
        if buffer.count > 64 * 1024 { throw Malformed(line: String(decoding: buffer.prefix(120), as: UTF8.self)) }
        return replies
    }

    private static func code(_ line: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in line.prefix(3) {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return (200..<600).contains(value) ? value : nil
    }
}

/// What an ESMTP server said it supports in its (last) EHLO reply.
public struct SMTPCapabilities: Sendable, Hashable {
    /// RFC 2920: commands may be sent in groups without waiting for each reply.
    public var pipelining = false
    /// RFC 1870: the largest message accepted, when the server says (0 = no fixed limit).
    public var size: Int?
    public var eightBitMIME = false
    public var smtpUTF8 = false

    public init() {}

    /// Reads the server's lines as libcurl saw them while it set the session up; a new greeting or STARTTLS
    /// (a 220 reply) forgets what was said before it, since EHLO is repeated over TLS.
    public init(sessionLines: [String]) {
        for line in sessionLines {
            if line.hasPrefix("220") {
                self = SMTPCapabilities()
                continue
            }
            guard line.hasPrefix("250"), line.count > 4 else { continue }
            let words = line.dropFirst(4).uppercased().split(separator: " ")
            switch words.first {
            case "PIPELINING": pipelining = true
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "SIZE": size = words.count > 1 ? Int(words[1]) ?? 0 : 0
            default: break
            }
        }
    }
}

/// The DATA section of a message as sent on the wire (RFC 5321 §4.5.2): a line that starts with a period gets
/// another, lines end in CRLF, and CRLF.CRLF ends it.
enum SMTPData {
    static func transparent(_ message: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.count + 64)
        message.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            var runStart = 0
            var lineStart = 0
            while lineStart < bytes.count {
                if bytes[lineStart] == 0x2E {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<lineStart]))
                    output.append(0x2E)
                    runStart = lineStart
                }
                guard let newline = memchr(base + lineStart, 0x0A, bytes.count - lineStart) else { break }
                lineStart = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        if !output.isEmpty, output.last != 0x0A { output.append(contentsOf: [0x0D, 0x0A]) }
        output.append(contentsOf: [0x2E, 0x0D, 0x0A])
        return output
    }

    /// Whether the message has bytes outside 7-bit ASCII (then it needs `BODY=8BITMIME`).
    static func hasEightBitBytes(_ message: [UInt8]) -> Bool {
        message.withUnsafeBufferPointer { bytes in
            var any: UInt8 = 0
            for byte in bytes { any |= byte }
            return any & 0x80 != 0
        }
    }
}
