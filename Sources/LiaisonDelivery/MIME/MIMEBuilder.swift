import Foundation
import LiaisonInputs
import LiaisonModel

/// Renders a ``MailMessage`` as an Internet message (RFC 5322 + MIME, RFC 2045–2049, RFC 2047 headers),
/// 7-bit clean with CRLF line ends, ready for SMTP DATA or an `.eml` file. Output is a pure function of the input.
public enum MIMEBuilder {
    /// Header fields the builder writes itself; extra headers may not use these names (nor any `Content-*`).
    public static let reservedHeaderNames: Set<String> = [
        "date", "from", "sender", "to", "cc", "bcc", "reply-to", "subject", "message-id", "mime-version",
        "list-unsubscribe", "list-unsubscribe-post", "auto-submitted", "importance", "x-priority", "priority",
    ]

    /// The complete message (headers + body), CRLF line ends, 7-bit clean, ready for SMTP DATA.
    ///
    /// Header lines stay within 78 octets (76 where they hold encoded words) except where a single token cannot be
    /// broken (a very long Message-ID domain, unsubscribe URL or extra-header word); any line over 998 octets throws.
    public static func build(_ message: MailMessage, messageIDDomain: String) throws(MIMEError) -> String {
        String(decoding: try buildBytes(message, messageIDDomain: messageIDDomain), as: UTF8.self)
    }

    /// ``build(_:messageIDDomain:)`` as the bytes that go over the wire.
    static func buildBytes(_ message: MailMessage, messageIDDomain: String) throws(MIMEError) -> [UInt8] {
        guard !message.to.isEmpty else { throw MIMEError(.invalidValue, "the message has no recipients") }
        guard !Whitespace.isBlank(message.idempotencyKey) else {
            throw MIMEError(.invalidValue, "the idempotency key is empty")
        }
        let domain = try checkedDomain(messageIDDomain, field: "the Message-ID domain")

        var fields: [String] = []
        fields.append("Date: " + formatDate(message.date))
        fields.append(try senderField("From", message.from))
        fields.append(try addressField("To", message.to))
        if let replyTo = message.replyTo { fields.append(try senderField("Reply-To", replyTo)) }
        fields.append(try subjectField(message.subject))
        fields.append("Message-ID: " + messageID(for: message.idempotencyKey, domain: domain))
        fields.append("MIME-Version: 1.0")
        if let language = message.language { fields.append("Content-Language: " + language.rawValue) }

        switch message.messageClass {
        case .normal:
            break
        case let .newsletter(url):
            fields.append("List-Unsubscribe: <" + (try checkedUnsubscribeURL(url)) + ">")
            // One-click (a POST with no further step) only over HTTPS (RFC 8058); a loopback http link (the demo) is
            // offered as a plain link to its page.
            if LinkSecurity(url) == .https { fields.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click") }
        case .alert:
            fields += ["Auto-Submitted: auto-generated", "Importance: high", "X-Priority: 1", "Priority: urgent"]
        }

        for (name, value) in message.extraHeaders {
            try checkExtraHeaderName(name)
            try refuseLineBreaks(value, "the \(name) header")
            var field = HeaderFieldWriter(name: name)
            field.appendUnstructured(value, encodeLongWords: false)
            fields.append(field.text)
        }

        var body: [UInt8] = []
        // With attachments the letter is the first part of a multipart/mixed: its own header lines open that part.
        var letterFields: [String] = []
        let text = BodyEncoding.encodeBytes(message.textBody)
        if let html = message.htmlBody {
            let htmlPart = BodyEncoding.encodeBytes(html)
            let boundary = self.boundary(for: message)
            var contentType = HeaderFieldWriter(name: "Content-Type")
            contentType.append("multipart/alternative;")
            contentType.append("boundary=\"\(boundary)\"")
            letterFields.append(contentType.text)
            body.reserveCapacity(text.body.count + htmlPart.body.count + 4 * boundary.utf8.count + 256)
            for (subtype, part) in [("plain", text), ("html", htmlPart)] {
                body += "--\(boundary)\r\n".utf8
                body += "Content-Type: text/\(subtype); charset=utf-8\r\n".utf8
                body += "Content-Transfer-Encoding: \(part.encoding.rawValue)\r\n\r\n".utf8
                // The CRLF before a delimiter belongs to the delimiter, so the part keeps its own final line break.
                body += part.body
                body.append(0x0D)
                body.append(0x0A)
            }
            body += "--\(boundary)--\r\n".utf8
        } else {
            letterFields.append("Content-Type: text/plain; charset=utf-8")
            letterFields.append("Content-Transfer-Encoding: \(text.encoding.rawValue)")
            body = text.body
        }
        if message.attachments.isEmpty {
            fields += letterFields
        } else {
            let mixed = self.boundary(for: message) + "_mixed"
            var contentType = HeaderFieldWriter(name: "Content-Type")
            contentType.append("multipart/mixed;")
            contentType.append("boundary=\"\(mixed)\"")
            fields.append(contentType.text)
            var parts: [UInt8] = Array("--\(mixed)\r\n".utf8)
            parts += (letterFields.joined(separator: "\r\n") + "\r\n\r\n").utf8
            parts += body
            if parts.last != 0x0A { parts += [0x0D, 0x0A] }
            for attachment in message.attachments {
                parts += "\r\n--\(mixed)\r\n".utf8
                parts += try attachmentHeader(attachment).utf8
                parts += Base64.encodeLinesBytes(attachment.data)
            }
            parts += "\r\n--\(mixed)--\r\n".utf8
            body = parts
        }

        let header = fields.joined(separator: "\r\n") + "\r\n"
        if let line = longLine(header) {
            throw MIMEError(.invalidValue, "the header line \"\(line.prefix(40))…\" is longer than 998 octets")
        }
        var output: [UInt8] = []
        output.reserveCapacity(header.utf8.count + 2 + body.count)
        output += header.utf8
        output.append(0x0D)
        output.append(0x0A)
        output += body
        return output
    }

    /// `<readable-part.hash@domain>`: the idempotency key's letters and digits (as many as keep the Message-ID line
    /// within 78 octets) and 96 bits of its SHA-256, so the same delivery always gets the same id.
    /// An unusable domain is reduced to its host-name characters (``build(_:messageIDDomain:)`` refuses it instead).
    public static func messageID(for idempotencyKey: String, domain: String) -> String {
        let host = hostName(domain)
        let hash = StableHash.sha256Hex(idempotencyKey).utf8.prefix(24)
        // The key's letters, digits and underscores, every other run of characters one "-" (all ASCII: bytes).
        var readable: [UInt8] = []
        readable.reserveCapacity(idempotencyKey.utf8.count)
        for byte in idempotencyKey.utf8 {
            if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F {
                readable.append(byte)
            } else if let last = readable.last, last != 0x2D {
                readable.append(0x2D)
            }
        }
        // "Message-ID: <" + readable + "." + hash + "@" + host + ">" within 78.
        let budget = min(40, 78 - 13 - 1 - hash.count - 1 - host.utf8.count - 1)
        if readable.count > budget {
            // Cut at a separator when there is one, not inside a token.
            let cut = readable.prefix(max(0, budget + 1))
            if cut.last == 0x2D || !cut.dropLast().contains(0x2D) {
                readable = Array(cut.dropLast())
            } else {
                readable = Array(cut[..<cut.lastIndex(of: 0x2D)!])
            }
        }
        while readable.last == 0x2D { readable.removeLast() }
        var id: [UInt8] = [0x3C]
        id.reserveCapacity(readable.count + hash.count + host.utf8.count + 4)
        if !readable.isEmpty {
            id += readable
            id.append(0x2E)
        }
        id += hash
        id.append(0x40)
        id += host.utf8
        id.append(0x3E)
        return String(decoding: id, as: UTF8.self)
    }

    /// RFC 5322 date-time in UTC with English names, e.g. `Mon, 23 Nov 2026 20:10:00 +0000`.
    public static func formatDate(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = WallTime.civil(fromDays: days)
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekdays[weekday]), \(two(day)) \(months[month - 1]) \(year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }

    /// The ASCII addr-spec to send for an address (IDNA `xn--` form for a non-ASCII domain), or why it cannot be sent.
    public static func checkedAddress(_ address: String, field: String = "the address") throws(MIMEError) -> String {
        try refuseLineBreaks(address, field)
        if let problem = EmailAddress.problem(with: address) {
            throw MIMEError(.invalidAddress, "\(field) \"\(address)\" is unusable: \(problem)")
        }
        let at = address.lastIndex(of: "@")!
        let local = address[..<at]
        guard local.unicodeScalars.allSatisfy(\.isASCII) else {
            throw MIMEError(.invalidAddress, "\(field) \"\(address)\" has non-ASCII before the @, which needs SMTPUTF8")
        }
        let domain = try checkedDomain(String(address[address.index(after: at)...]), field: "the domain of \(field)")
        return local + "@" + domain
    }

    // MARK: - Helpers

    /// The header lines of an attachment's part, up to and including the blank line.
    private static func attachmentHeader(_ attachment: MailAttachment) throws(MIMEError) -> String {
        let name = attachment.filename
        guard !name.isEmpty, name.utf8.count <= 60, name.utf8.allSatisfy({ byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2E || byte == 0x2D || byte == 0x5F
        }) else {
            throw MIMEError(.invalidValue, "the attachment name \"\(name.prefix(40))\" must be 1 to 60 ASCII letters, digits, dots, dashes or underscores")
        }
        try refuseLineBreaks(attachment.contentType, "the attachment's Content-Type")
        guard attachment.contentType.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), attachment.contentType.contains("/") else {
            throw MIMEError(.invalidValue, "the attachment's Content-Type \"\(attachment.contentType.prefix(40))\" is not a printable ASCII media type")
        }
        var contentType = HeaderFieldWriter(name: "Content-Type")
        for piece in attachment.contentType.split(separator: ";") {
            let trimmed = piece.trimmingCharacters(in: .whitespaces)
            contentType.append(trimmed + ";")
        }
        contentType.append("name=\"\(name)\"")
        var disposition = HeaderFieldWriter(name: "Content-Disposition")
        disposition.append("attachment;")
        disposition.append("filename=\"\(name)\"")
        return contentType.text + "\r\n" + disposition.text + "\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    }

    /// The first CRLF-separated line of `header` longer than 998 octets, if any (a byte scan, no splitting).
    private static func longLine(_ header: String) -> Substring? {
        let utf8 = header.utf8
        var lineStart = utf8.startIndex
        var index = utf8.startIndex
        var length = 0
        while index < utf8.endIndex {
            if utf8[index] == 0x0D, utf8.index(after: index) < utf8.endIndex, utf8[utf8.index(after: index)] == 0x0A {
                if length > 998 { return header[lineStart..<index] }
                index = utf8.index(index, offsetBy: 2)
                lineStart = index
                length = 0
            } else {
                index = utf8.index(after: index)
                length += 1
            }
        }
        return length > 998 ? header[lineStart...] : nil
    }

    /// Results that are the same for every message of a school (sender fields, domains), kept between messages.
    private static let memo = MIMEMemo()

    /// The folded, encoded Subject field: the same for every guardian an event reaches in one language, so kept.
    private static func subjectField(_ subject: String) throws(MIMEError) -> String {
        let key = "Subject\u{0}" + subject
        if let field = memo.value(key, in: .field) { return field }
        try refuseLineBreaks(subject, "the Subject")
        var writer = HeaderFieldWriter(name: "Subject")
        writer.appendUnstructured(subject)
        memo.store(writer.text, for: key, in: .field)
        return writer.text
    }

    /// A From or Reply-To field: one mailbox, the same on every message of a school, so written once.
    private static func senderField(_ name: String, _ mailbox: MailAddress) throws(MIMEError) -> String {
        let key = name + "\u{0}" + (mailbox.displayName ?? "\u{1}") + "\u{0}" + mailbox.address
        if let field = memo.value(key, in: .field) { return field }
        let field = try addressField(name, [mailbox])
        memo.store(field, for: key, in: .field)
        return field
    }

    private static func addressField(_ name: String, _ mailboxes: [MailAddress]) throws(MIMEError) -> String {
        var writer = HeaderFieldWriter(name: name)
        for (index, mailbox) in mailboxes.enumerated() {
            let spec = try checkedAddress(mailbox.address, field: "the \(name) address")
            let comma = index < mailboxes.count - 1 ? "," : ""
            try refuseLineBreaks(mailbox.displayName ?? "", "the \(name) display name")
            let displayName = Whitespace.trim(mailbox.displayName ?? "")
            if displayName.isEmpty {
                writer.append(spec + comma)
            } else {
                writer.appendPhrase(displayName)
                writer.append("<" + spec + ">" + comma)
            }
        }
        return writer.text
    }

    private static func refuseLineBreaks(_ value: String, _ what: String) throws(MIMEError) {
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\r", "\n": throw MIMEError(.headerInjection, "\(what) contains a line break")
            case "\0": throw MIMEError(.headerInjection, "\(what) contains a NUL character")
            default: continue
            }
        }
    }

    private static func checkExtraHeaderName(_ name: String) throws(MIMEError) {
        try refuseLineBreaks(name, "the header name \"\(name)\"")
        guard !name.isEmpty, name.utf8.count <= 76, name.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != 0x3A }) else {
            throw MIMEError(.invalidHeaderName, "\"\(name)\" is not a valid header field name")
        }
        let lower = name.lowercased()
        if reservedHeaderNames.contains(lower) || lower.hasPrefix("content-") {
            throw MIMEError(.reservedHeader, "the header \(name) is written by the builder and cannot be given as an extra header")
        }
    }

    private static func checkedDomain(_ domain: String, field: String) throws(MIMEError) -> String {
        if let ascii = memo.value(domain, in: .domain) { return ascii }
        let ascii = try checkedDomainUncached(domain, field: field)
        memo.store(ascii, for: domain, in: .domain)
        return ascii
    }

    private static func checkedDomainUncached(_ domain: String, field: String) throws(MIMEError) -> String {
        try refuseLineBreaks(domain, field)
        guard let ascii = Punycode.asciiDomain(domain) else {
            throw MIMEError(.invalidValue, "\(field) \"\(domain)\" cannot be converted to ASCII")
        }
        let labels = ascii.split(separator: ".", omittingEmptySubsequences: false)
        let valid = ascii.utf8.count <= 253 && labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D }
        }
        guard valid else { throw MIMEError(.invalidValue, "\(field) \"\(domain)\" is not a valid host name") }
        return ascii
    }

    /// Best-effort host name for ``messageID(for:domain:)``.
    private static func hostName(_ domain: String) -> String {
        if let host = memo.value(domain, in: .host) { return host }
        let host = hostNameUncached(domain)
        memo.store(host, for: domain, in: .host)
        return host
    }

    private static func hostNameUncached(_ domain: String) -> String {
        let ascii = Punycode.asciiDomain(domain) ?? domain.lowercased()
        let kept = String(String.UnicodeScalarView(ascii.unicodeScalars.filter {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == ".")
        }))
        let host = kept.split(separator: ".").joined(separator: ".")
        return host.isEmpty ? "liaison.invalid" : host
    }

    private static func checkedUnsubscribeURL(_ url: String) throws(MIMEError) -> String {
        try refuseLineBreaks(url, "the unsubscribe URL")
        guard LinkSecurity(url) != .insecure else {
            throw MIMEError(.invalidValue, "the unsubscribe URL \"\(url)\" is not https (RFC 8058 one-click needs HTTPS)")
        }
        guard url.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != 0x3C && $0 != 0x3E }) else {
            throw MIMEError(.invalidValue, "the unsubscribe URL \"\(url)\" has spaces, angle brackets or non-ASCII characters (percent-encode them)")
        }
        return url
    }

    /// `=_` cannot occur in quoted-printable or base64 output, so such a boundary cannot occur in the encoded parts.
    private static func boundary(for message: MailMessage) -> String {
        // "=_" never occurs in quoted-printable or base64 text ("=" is only ever followed by two hex digits, CRLF, or
        // padding), so the parts need no scan for it; the key alone makes it deterministic.
        "=_liaison_" + StableHash.sha256Hex([message.idempotencyKey, "\u{1F}boundary"]).prefix(24)
    }
}

/// Bounded tables of strings by string (emptied when full), safe to share between threads. Keys are ``ExactText``:
/// a subject or name typed decomposed (NFD) must not get the field made from its composed (NFC) twin.
final class MIMEMemo: @unchecked Sendable {
    enum Table: Int { case field, domain, host }

    private let lock = NSLock()
    private var tables: [[ExactText: String]] = [[:], [:], [:]]
    private let capacity = 1024

    func value(_ key: String, in table: Table) -> String? {
        let key = ExactText(key)
        return lock.withLock { tables[table.rawValue][key] }
    }

    func store(_ value: String, for key: String, in table: Table) {
        let key = ExactText(key)
        lock.withLock {
            if tables[table.rawValue].count >= capacity { tables[table.rawValue].removeAll(keepingCapacity: true) }
            tables[table.rawValue][key] = value
        }
    }
}
