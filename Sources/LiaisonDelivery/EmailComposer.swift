import Foundation
import LiaisonModel
import LiaisonRender

/// Turns a rendered message for one guardian into the email that carries it.
public enum EmailComposer {
    /// The stable key of one delivery: the event, the guardian and the channel.
    public static func idempotencyKey(event: Event, guardian: Guardian, channel: ChannelKind = .email) -> String {
        "\(event.id)-\(guardian.id)-\(channel.rawValue)"
    }

    /// The domain used on the right of Message-IDs: the public base URL's host, else the office's mail domain.
    public static func messageIDDomain(for school: School) -> String {
        if let host = school.baseURL?.host, !host.isEmpty { return host }
        if let email = school.contact.email, let at = email.lastIndex(of: "@") { return String(email[email.index(after: at)...]) }
        return "liaison.invalid"
    }

    /// The mail for `guardian`, ready to hand to an SMTP relay or write as an `.eml` file.
    public static func mailMessage(
        _ message: RenderedMessage, to guardian: Guardian, event: Event, school: School, date: Date,
        from: MailAddress? = nil, unsubscribeURL: String? = nil
    ) throws(MIMEError) -> MailMessage {
        guard let email = guardian.email else {
            throw MIMEError(.invalidAddress, "Guardian \(guardian.id) has no email address.")
        }
        let sender = from ?? MailAddress(school.contact.email ?? "no-reply@\(messageIDDomain(for: school))", name: school.name)
        let messageClass: MessageClass
        switch event.kind {
        case .alert:
            messageClass = .alert
        case .newsletter:
            let base = school.baseURL?.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) ?? "https://\(messageIDDomain(for: school))"
            messageClass = .newsletter(unsubscribeURL: unsubscribeURL ?? "\(base)/u/\(guardian.id)")
        default:
            messageClass = event.priority == .urgent ? .alert : .normal
        }
        return MailMessage(
            from: sender, to: [MailAddress(email, name: guardian.displayName)],
            replyTo: school.contact.email.map { MailAddress($0, name: school.name) },
            subject: message.subject, date: date, idempotencyKey: idempotencyKey(event: event, guardian: guardian),
            language: message.language, textBody: message.text, htmlBody: message.html, messageClass: messageClass)
    }

    /// The whole email as text (CRLF line ends), as `liaison preview --format eml` prints it.
    public static func compose(_ message: RenderedMessage, to guardian: Guardian, event: Event, school: School, date: Date) throws(MIMEError) -> String {
        let mail = try mailMessage(message, to: guardian, event: event, school: school, date: date)
        return try MIMEBuilder.build(mail, messageIDDomain: messageIDDomain(for: school))
    }
}
