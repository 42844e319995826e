import Foundation
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

    /// The message as it goes over the wire (CRLF line ends, 7-bit); the Message-ID derives from the delivery key.
    public func mime(for delivery: Delivery, date: Date) throws(MIMEError) -> String {
        let message = delivery.message
        let messageClass: MessageClass
        switch message.messageClass {
        case .alert: messageClass = .alert
        case .newsletter: messageClass = message.unsubscribeURL.map { .newsletter(unsubscribeURL: $0) } ?? .normal
        case .normal: messageClass = .normal
        }
        let mail = MailMessage(
            from: from, to: [MailAddress(delivery.address, name: delivery.recipientName)], replyTo: replyTo,
            subject: message.subject, date: date, idempotencyKey: delivery.key.rawValue,
            language: LanguageTag(message.language), textBody: message.text, htmlBody: message.html, messageClass: messageClass)
        return try MIMEBuilder.build(mail, messageIDDomain: messageIDDomain)
    }
}
