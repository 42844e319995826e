import Foundation
import LiaisonInputs
import LiaisonModel

/// Builds the email for a delivery from the outbox: sender, Message-ID domain and the stored rendered message.
public struct MailComposer: Sendable {
    public var from: MailAddress
    public var replyTo: MailAddress?
    public var messageIDDomain: String

    public init(from: MailAddress, replyTo: MailAddress? = nil, messageIDDomain: String) {
        self.from = from
        self.replyTo = replyTo
        self.messageIDDomain = messageIDDomain
    }

    /// The composer a school's configuration describes: `channels.email.from` (else the office's address) with
    /// the school's name, replies to the office, Message-IDs on the public host.
    public static func school(_ school: School, settings: DeliverySettings) -> MailComposer {
        let domain = messageIDDomain(for: school)
        let from = settings.from ?? school.contact.email ?? "no-reply@\(domain)"
        return MailComposer(
            from: MailAddress(from, name: school.name),
            replyTo: (settings.replyTo ?? school.contact.email).map { MailAddress($0, name: school.name) },
            messageIDDomain: domain)
    }

    /// The domain on the right of Message-IDs: the public base URL's host, else the office's mail domain.
    public static func messageIDDomain(for school: School) -> String {
        if let host = school.baseURL?.host, !host.isEmpty { return host }
        if let email = school.contact.email, let at = email.lastIndex(of: "@") { return String(email[email.index(after: at)...]) }
        return "liaison.invalid"
    }

    /// The name and type of a booking's calendar file: the same as the family page's download.
    public static let calendarFilename = "meetings.ics"
    public static let calendarContentType = "text/calendar; charset=utf-8; method=PUBLISH"

    /// The message as it goes over the wire (CRLF line ends, 7-bit); the Message-ID derives from the delivery key.
    public func mime(for delivery: Delivery, date: Date) throws(MIMEError) -> String {
        String(decoding: try mimeBytes(for: delivery, date: date), as: UTF8.self)
    }

    /// ``mime(for:date:)`` as the bytes that go over the wire.
    func mimeBytes(for delivery: Delivery, date: Date) throws(MIMEError) -> [UInt8] {
        let message = delivery.message
        let messageClass: MessageClass
        switch message.messageClass {
        case .alert: messageClass = .alert
        case .newsletter: messageClass = message.unsubscribeURL.map { .newsletter(unsubscribeURL: $0) } ?? .normal
        case .normal: messageClass = .normal
        }
        var mail = MailMessage(
            from: from, to: [MailAddress(delivery.address, name: delivery.recipientName)], replyTo: replyTo,
            subject: message.subject, date: date, idempotencyKey: delivery.key.rawValue,
            language: LanguageTag(message.language), textBody: message.text, htmlBody: message.html, messageClass: messageClass)
        if let calendar = message.calendar {
            mail.attachments = [MailAttachment(filename: Self.calendarFilename, contentType: Self.calendarContentType, data: Array(calendar.utf8))]
        }
        return try MIMEBuilder.buildBytes(mail, messageIDDomain: messageIDDomain)
    }
}
