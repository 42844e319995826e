import Foundation
import FuzzDriver
import FuzzSupport
import LiaisonDelivery
import LiaisonModel

// Mail headers and bodies: RFC 2047 encoded words and folding (subject, display names, extra headers), address
// checks with IDNA (Punycode) domains, Message-IDs, quoted-printable / base64 bodies, multipart assembly.
//
// Input, split at `%%` lines: 0 subject, 1 From display name, 2 From address, 3 To address, 4 To display name,
// 5 extra header name, 6 extra header value, 7 text body, 8 HTML body, 9 Message-ID domain, 10 idempotency key,
// 11 List-Unsubscribe URL (makes the message a newsletter), 12 attachment data (a booking's calendar file; makes
// the message multipart/mixed), 13 its file name, 14 its Content-Type. Missing parts take plain, valid values.
//
// Besides crashes, the target checks what MIMEBuilder promises of a message it builds: 7-bit bytes only, CRLF
// line ends only, no line over 998 octets. A broken promise stops the fuzzer like a crash ("MIME contract").

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMIME(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    let fromName = input.text(1, or: "Riverside Primary School")
    let from = MailAddress(input.text(2, or: "office@riverside.example"), name: fromName.isEmpty ? nil : fromName)
    let toName = input.text(4, or: "Layla Haddad")
    let to = MailAddress(input.text(3, or: "layla@example.net"), name: toName.isEmpty ? nil : toName)
    let extra: [(name: String, value: String)] = input.part(5) == nil && input.part(6) == nil
        ? [] : [(input.text(5, or: "X-Liaison-Event"), input.text(6, or: "sports-day"))]
    let messageClass: MessageClass = input.part(11).map { .newsletter(unsubscribeURL: String(decoding: $0, as: UTF8.self)) } ?? .normal
    var message = MailMessage(
        from: from, to: [to], replyTo: MailAddress("office@riverside.example"),
        subject: input.text(0, or: "Sports day"), date: FuzzClock.now,
        idempotencyKey: input.text(10, or: "sports-day/G1/email"), language: "en",
        textBody: input.text(7, or: "Dear Layla,\nSports day is on Friday.\n"),
        htmlBody: input.part(8).map { String(decoding: $0, as: UTF8.self) },
        messageClass: messageClass, extraHeaders: extra)
    if let data = input.part(12) {
        message.attachments = [MailAttachment(
            filename: input.text(13, or: "meetings.ics"), contentType: input.text(14, or: "text/calendar; charset=utf-8; method=PUBLISH"),
            data: Array(data))]
    }
    let domain = input.text(9, or: "riverside.example")

    _ = MIMEBuilder.messageID(for: message.idempotencyKey, domain: domain)
    _ = try? MIMEBuilder.checkedAddress(to.address)
    let built: String
    do {
        built = try MIMEBuilder.build(message, messageIDDomain: domain)
    } catch {
        FuzzLog.show("MIME", ["error: \(error)"])
        return 0
    }
    FuzzLog.show("MIME", built.components(separatedBy: "\r\n"))
    checkContract(Array(built.utf8))
    return 0
}

/// 7-bit, CRLF only, lines of at most 998 octets (RFC 5322 §2.1.1), as ``MIMEBuilder/build(_:messageIDDomain:)`` says.
func checkContract(_ bytes: [UInt8]) {
    var lineLength = 0
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        if byte >= 0x80 { fatalError("MIME contract: byte \(byte) at offset \(index) is not 7-bit") }
        if byte == 0x00 { fatalError("MIME contract: NUL at offset \(index)") }
        if byte == 0x0D {
            guard index + 1 < bytes.count, bytes[index + 1] == 0x0A else { fatalError("MIME contract: bare CR at offset \(index)") }
            lineLength = 0
            index += 2
            continue
        }
        if byte == 0x0A { fatalError("MIME contract: bare LF at offset \(index)") }
        lineLength += 1
        if lineLength > 998 { fatalError("MIME contract: a line longer than 998 octets ends after offset \(index)") }
        index += 1
    }
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver with this target.
@_cdecl("fuzz_mime_main")
public func fuzz_mime_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    liaison_fuzz_run(argc, argv, fuzzMIME)
}
