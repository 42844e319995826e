import Foundation
import LiaisonModel
import Testing
@testable import LiaisonDelivery

let sampleDate = Date(timeIntervalSince1970: 1_795_464_600)  // Mon, 23 Nov 2026 20:10:00 +0000

func sample(
    subject: String = "Field trip on Friday",
    text: String = "Dear families,\nthe bus leaves at 8:15.\n",
    html: String? = nil,
    messageClass: MessageClass = .normal,
    extraHeaders: [(name: String, value: String)] = []
) -> MailMessage {
    MailMessage(
        from: MailAddress("office@lincoln.example.org", name: "Lincoln Elementary"),
        to: [MailAddress("n.okafor@example.net", name: "Okafor, Ngozi")],
        replyTo: MailAddress("teacher.b@lincoln.example.org"),
        subject: subject,
        date: sampleDate,
        idempotencyKey: "fieldtrip-2026-11-27#guardian-0042#email",
        language: "en",
        textBody: text,
        htmlBody: html,
        messageClass: messageClass,
        extraHeaders: extraHeaders
    )
}

func build(_ message: MailMessage) throws -> String {
    try MIMEBuilder.build(message, messageIDDomain: "liaison.lincoln.example.org")
}

func headerSection(_ eml: String) -> String {
    String(eml[..<eml.range(of: "\r\n\r\n")!.lowerBound])
}

@Suite("MIME builder")
struct MIMEBuilderTests {
    @Test func singlePartMessageExactly() throws {
        let eml = try build(sample())
        let expected = """
            Date: Mon, 23 Nov 2026 20:10:00 +0000\r
            From: Lincoln Elementary <office@lincoln.example.org>\r
            To: "Okafor, Ngozi" <n.okafor@example.net>\r
            Reply-To: teacher.b@lincoln.example.org\r
            Subject: Field trip on Friday\r
            Message-ID: <fieldtrip.\(StableHash.sha256Hex(sample().idempotencyKey).prefix(24))@liaison.lincoln.example.org>\r
            MIME-Version: 1.0\r
            Content-Language: en\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Dear families,\r
            the bus leaves at 8:15.\r

            """
        #expect(eml == expected)
    }

    @Test func multipartAlternative() throws {
        let message = sample(text: "Hello\n", html: "<p>Hello</p>")
        let eml = try build(message)
        let header = headerSection(eml)
        let contentType = header.crlfLines.drop { !$0.hasPrefix("Content-Type:") }.prefix(2)
        #expect(contentType.first == "Content-Type: multipart/alternative;")
        let boundaryLine = String(contentType.last!)
        #expect(boundaryLine.hasPrefix(" boundary=\"=_liaison_") && boundaryLine.hasSuffix("\""))
        let boundary = String(boundaryLine.dropFirst(" boundary=\"".count).dropLast())
        #expect(!header.contains("Content-Transfer-Encoding"))
        let body = String(eml[eml.range(of: "\r\n\r\n")!.upperBound...])
        #expect(body == """
            --\(boundary)\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            Hello\r
            \r
            --\(boundary)\r
            Content-Type: text/html; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            <p>Hello</p>\r
            \r
            --\(boundary)--\r

            """)
        // Deterministic; and text that holds the boundary itself cannot end a part early: encoded, its "=_" becomes
        // "=3D_", so the boundary appears only in the header and on the three delimiter lines.
        #expect(try build(message) == eml)
        let tricky = try build(sample(text: "Hello\n--\(boundary)\n", html: "<p>--\(boundary)--</p>"))
        #expect(tricky.components(separatedBy: boundary).count - 1 == 4)
    }

    @Test func deterministic() throws {
        let message = sample(subject: "Приглашение на родительское собрание", text: "Здравствуйте!\n", html: "<p>Здравствуйте!</p>")
        #expect(try build(message) == build(message))
    }

    @Test func dates() {
        #expect(MIMEBuilder.formatDate(sampleDate) == "Mon, 23 Nov 2026 20:10:00 +0000")
        #expect(MIMEBuilder.formatDate(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MIMEBuilder.formatDate(Date(timeIntervalSince1970: -1)) == "Wed, 31 Dec 1969 23:59:59 +0000")
        #expect(MIMEBuilder.formatDate(Date(timeIntervalSince1970: 1_709_164_805.9)) == "Thu, 29 Feb 2024 00:00:05 +0000")
        #expect(MIMEBuilder.formatDate(Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 +0000")
        #expect(MIMEBuilder.formatDate(Date(timeIntervalSince1970: 4_102_444_799)) == "Thu, 31 Dec 2099 23:59:59 +0000")
        // Agrees with Foundation's own formatter in the POSIX locale.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        for seconds in stride(from: -2_000_000_000, to: 4_000_000_000, by: 86_399 * 37) {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(MIMEBuilder.formatDate(date) == formatter.string(from: date))
        }
    }

    /// The id as first written, by scalar and with string operations: the byte version must agree on any key.
    static func referenceMessageID(for key: String, host: String) -> String {
        let hash = String(StableHash.sha256Hex(key).prefix(24))
        var readable = ""
        for scalar in key.unicodeScalars {
            if scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_") {
                readable.unicodeScalars.append(scalar)
            } else if !readable.isEmpty, readable.last != "-" {
                readable += "-"
            }
        }
        let budget = min(40, 78 - 13 - 1 - hash.count - 1 - host.utf8.count - 1)
        if readable.count > budget {
            let cut = readable.prefix(max(0, budget + 1))
            readable = cut.last == "-" || !cut.dropLast().contains("-") ? String(cut.dropLast()) : String(cut[..<cut.lastIndex(of: "-")!])
        }
        while readable.hasSuffix("-") { readable.removeLast() }
        return "<" + (readable.isEmpty ? "" : readable + ".") + hash + "@" + host + ">"
    }

    @Test func messageIDsAgreeWithTheReference() {
        let pieces = ["evt", ":", "/", "#", "-", "_", "guardian", "0042", "家长", "é", " ", "2026-11-27T08:15", "email", "--", "a"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let key = (0..<Int.random(in: 0...14, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            for domain in ["x.org", "liaison.example.org", String(repeating: "sub.", count: 9) + "example.org"] {
                #expect(MIMEBuilder.messageID(for: key, domain: domain) == Self.referenceMessageID(for: key, host: domain), "\(key)")
            }
        }
    }

    @Test func messageIDs() {
        let key = "evt:fieldtrip/2026-11-27T08:15#guardian 0042#email"
        let id = MIMEBuilder.messageID(for: key, domain: "liaison.example.org")
        #expect(id == MIMEBuilder.messageID(for: key, domain: "liaison.example.org"))
        #expect(id.hasPrefix("<evt-fieldtrip-2026."))
        #expect(MIMEBuilder.messageID(for: key, domain: "x.org").hasPrefix("<evt-fieldtrip-2026-11-27T08-15."))
        #expect(id.hasSuffix("@liaison.example.org>"))
        #expect(id.contains(StableHash.sha256Hex(key).prefix(24)))
        #expect(("Message-ID: " + id).utf8.count <= 78)
        #expect(MIMEBuilder.messageID(for: key + "x", domain: "liaison.example.org") != id)
        // Keys differing only in punctuation still get different ids.
        #expect(MIMEBuilder.messageID(for: "a:b", domain: "x.org") != MIMEBuilder.messageID(for: "a/b", domain: "x.org"))
        #expect(MIMEBuilder.messageID(for: "家长会", domain: "x.org") == "<\(StableHash.sha256Hex("家长会").prefix(24))@x.org>")
        #expect(MIMEBuilder.messageID(for: "k", domain: "Bücher.Example").hasSuffix("@xn--bcher-kva.example>"))
        let long = MIMEBuilder.messageID(for: "k", domain: String(repeating: "sub.", count: 12) + "example.org")
        #expect(long == "<\(StableHash.sha256Hex("k").prefix(24))@\(String(repeating: "sub.", count: 12))example.org>")
    }

    @Test func classHeaders() throws {
        let newsletter = headerSection(try build(sample(messageClass: .newsletter(unsubscribeURL: "https://lincoln.example.org/u/abc123"))))
        #expect(newsletter.contains("\r\nList-Unsubscribe: <https://lincoln.example.org/u/abc123>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        // A link to this machine (the demo's http://127.0.0.1): the page, but no one-click, which RFC 8058 allows
        // over HTTPS only.
        let local = headerSection(try build(sample(messageClass: .newsletter(unsubscribeURL: "http://127.0.0.1:8080/u/abc123"))))
        #expect(local.contains("\r\nList-Unsubscribe: <http://127.0.0.1:8080/u/abc123>\r\n"))
        #expect(!local.contains("List-Unsubscribe-Post"))
        #expect(!newsletter.contains("Auto-Submitted"))
        let alert = headerSection(try build(sample(messageClass: .alert)))
        #expect(alert.contains("\r\nAuto-Submitted: auto-generated\r\nImportance: high\r\nX-Priority: 1\r\nPriority: urgent\r\n"))
        #expect(!alert.contains("List-"))
        let normal = headerSection(try build(sample()))
        for name in ["List-", "Auto-Submitted", "Importance", "Priority"] { #expect(!normal.contains(name)) }
    }

    @Test func extraHeaders() throws {
        let header = headerSection(try build(sample(extraHeaders: [
            ("X-Liaison-Event", "fieldtrip-2026-11-27"),
            ("X-Liaison-Note", "Ngày hội thể thao"),
            ("In-Reply-To", "<abc@example.org>"),
        ])))
        #expect(header.contains("\r\nX-Liaison-Event: fieldtrip-2026-11-27\r\n"))
        #expect(header.contains("\r\nX-Liaison-Note: =?UTF-8?B?TmfDoHkgaOG7mWkgdGjhu4M=?= thao\r\n"))
        #expect(header.contains("\r\nIn-Reply-To: <abc@example.org>\r\n"))
    }

    @Test func addresses() throws {
        var message = sample()
        message.to = [
            MailAddress("a@example.org"),
            MailAddress("b@example.org", name: "Nguyễn Thị Hương"),
            MailAddress("c@example.org", name: "  "),
            MailAddress("d@bücher.example", name: "O'Neil"),
        ]
        let header = headerSection(try build(message))
        let to = header.crlfLines.drop { !$0.hasPrefix("To:") }.prefix { $0.hasPrefix("To:") || $0.hasPrefix(" ") }
        #expect(to.joined(separator: "\r\n") == """
            To: a@example.org, =?UTF-8?B?Tmd1eeG7hW4gVGjhu4sgSMawxqFuZw==?=\r
             <b@example.org>, c@example.org, O'Neil <d@xn--bcher-kva.example>
            """)
        #expect(try MIMEBuilder.checkedAddress("X.Y+tag@Example.ORG") == "X.Y+tag@example.org")
    }

    @Test func manyRecipientsFold() throws {
        var message = sample()
        message.to = (1...12).map { MailAddress("guardian\($0)@families.example.net", name: "Guardian \($0)") }
        let header = headerSection(try build(message))
        #expect(header.crlfLines.allSatisfy { $0.utf8.count <= 78 })
        #expect(header.crlfLines.filter { $0.hasPrefix(" ") }.count >= 5)
    }

    func refusal(_ kind: MIMEError.Kind, _ change: (inout MailMessage) -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
        var message = sample()
        change(&message)
        do {
            _ = try MIMEBuilder.build(message, messageIDDomain: "liaison.example.org")
            Issue.record("built a message that should have been refused", sourceLocation: sourceLocation)
            return ""
        } catch {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            return error.description
        }
    }

    @Test func headerInjectionIsRefused() {
        #expect(refusal(.headerInjection) { $0.subject = "Hi\r\nBcc: everyone@example.org" } == "the Subject contains a line break")
        #expect(refusal(.headerInjection) { $0.subject = "Hi\nthere" } == "the Subject contains a line break")
        #expect(refusal(.headerInjection) { $0.subject = "Hi\rthere" } == "the Subject contains a line break")
        #expect(refusal(.headerInjection) { $0.subject = "Hi\0" } == "the Subject contains a NUL character")
        #expect(refusal(.headerInjection) { $0.from.displayName = "Office\r\nBcc: x@example.org" }.contains("display name"))
        #expect(refusal(.headerInjection) { $0.to[0].address = "a@example.org\r\nBcc: x@example.org" }.contains("line break"))
        _ = refusal(.headerInjection) { $0.replyTo = MailAddress("a@example.org", name: "x\ny") }
        _ = refusal(.headerInjection) { $0.extraHeaders = [("X-Note", "a\r\nBcc: x@example.org")] }
        _ = refusal(.headerInjection) { $0.extraHeaders = [("X-Note\r\nBcc", "x")] }
        _ = refusal(.headerInjection) { $0.messageClass = .newsletter(unsubscribeURL: "https://x.example/u\r\nBcc: y") }
    }

    @Test func badAddressesAreRefused() {
        #expect(refusal(.invalidAddress) { $0.to[0].address = "n okafor@example.net" }.contains("white space"))
        #expect(refusal(.invalidAddress) { $0.to[0].address = "n.okafor.example.net" }.contains("no @"))
        _ = refusal(.invalidAddress) { $0.from.address = "a@b@example.org" }
        _ = refusal(.invalidAddress) { $0.from.address = "\"quoted\"@example.org" }
        _ = refusal(.invalidAddress) { $0.from.address = "<a@example.org>" }
        #expect(refusal(.invalidAddress) { $0.to[0].address = "hương@example.vn" }.contains("SMTPUTF8"))
        _ = refusal(.invalidValue) { $0.to = [] }
    }

    @Test func badExtraHeadersAreRefused() {
        _ = refusal(.invalidHeaderName) { $0.extraHeaders = [("X Note", "x")] }
        _ = refusal(.invalidHeaderName) { $0.extraHeaders = [("X-Note:", "x")] }
        _ = refusal(.invalidHeaderName) { $0.extraHeaders = [("", "x")] }
        _ = refusal(.invalidHeaderName) { $0.extraHeaders = [("X-Nöte", "x")] }
        for name in ["Subject", "subject", "FROM", "Message-ID", "Content-Type", "content-disposition", "X-Priority",
                     "List-Unsubscribe", "Bcc", "MIME-Version", "Auto-Submitted"] {
            _ = refusal(.reservedHeader) { $0.extraHeaders = [(name, "x")] }
        }
    }

    @Test func otherRefusals() {
        _ = refusal(.invalidValue) { $0.messageClass = .newsletter(unsubscribeURL: "http://x.example/u") }
        _ = refusal(.invalidValue) { $0.messageClass = .newsletter(unsubscribeURL: "https://x.example/u nsubscribe") }
        _ = refusal(.invalidValue) { $0.messageClass = .newsletter(unsubscribeURL: "https://x.example/désabonner") }
        _ = refusal(.invalidValue) { $0.idempotencyKey = "  " }
        #expect(throws: MIMEError.self) { try MIMEBuilder.build(sample(), messageIDDomain: "bad domain") }
        #expect(throws: MIMEError.self) { try MIMEBuilder.build(sample(), messageIDDomain: "-bad.example") }
        #expect(throws: MIMEError.self) {
            try MIMEBuilder.build(sample(extraHeaders: [("X-Long", String(repeating: "x", count: 1000))]), messageIDDomain: "a.example")
        }
    }

    @Test func nonASCIIDomainForMessageID() throws {
        let eml = try MIMEBuilder.build(sample(), messageIDDomain: "école.example")
        #expect(eml.contains("@xn--cole-9oa.example>"))
    }
}
