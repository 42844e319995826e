import Foundation

/// Where a letter's link tokens go while it waits in the outbox: the letter is rendered and stored with these
/// placeholders, and the tokens are drawn (and only their hashes stored) when it is sent, so no live token is ever at
/// rest in the outbox (a copy of the database opens no family's page).
///
/// Each placeholder is as long as a real token (22 base64url characters) and made of characters no escaping
/// changes (HTML, JSON, Mustache, quoted-printable), so SMS segment counts and layouts are the ones sent.
public enum LinkPlaceholder {
    /// Stands for the acknowledgement token in `…/a/<token>`.
    public static let ack = "LIAISON-ACK-LINK-TOKEN"
    /// Stands for the unsubscribe token in `…/u/<token>`.
    public static let unsubscribe = "LIAISON-UNSUBSCRIBE-TK"
}

/// One link token to draw when a letter is sent.
public struct LinkTokenRequest: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// An acknowledgement link for the event.
        case ack(eventID: String)
        /// A one-click unsubscribe link from a category.
        case unsubscribe(MessageCategory)
    }

    public var kind: Kind
    public var occurrence: String
    public var guardianID: String

    public init(kind: Kind, occurrence: String, guardianID: String) {
        self.kind = kind
        self.occurrence = occurrence
        self.guardianID = guardianID
    }
}

/// Draws link tokens and stores their hashes: the acknowledgement ledger implements it, the senders call it.
public protocol LinkTokenIssuer: Sendable {
    /// A fresh token for each request, in order, stored as hashes in one transaction.
    func issueTokens(_ requests: [LinkTokenRequest], now: Date) async throws -> [String]
}

extension OutboundMessage {
    /// Whether the letter still has placeholders for link tokens (it has not been given its links yet).
    public var awaitsLinks: Bool {
        ackURL?.contains(LinkPlaceholder.ack) == true || unsubscribeURL?.contains(LinkPlaceholder.unsubscribe) == true
    }

    /// The tokens this letter needs when it is sent to `key`'s guardian for `eventID`.
    public func linkRequests(key: DeliveryKey, eventID: String) -> (ack: LinkTokenRequest?, unsubscribe: LinkTokenRequest?) {
        let ack = ackURL?.contains(LinkPlaceholder.ack) == true
            ? LinkTokenRequest(kind: .ack(eventID: eventID), occurrence: key.occurrence, guardianID: key.guardianID) : nil
        var unsubscribe: LinkTokenRequest?
        if unsubscribeURL?.contains(LinkPlaceholder.unsubscribe) == true {
            // Only newsletters carry unsubscribe links; a letter of another class keeps its placeholder-free form.
            let category = MessageCategory(messageClass: messageClass) ?? .newsletters
            unsubscribe = LinkTokenRequest(kind: .unsubscribe(category), occurrence: key.occurrence, guardianID: key.guardianID)
        }
        return (ack, unsubscribe)
    }

    /// The letter as sent: each placeholder replaced by its token, in the subject, both bodies and the link fields.
    public func withLinkTokens(ack: String?, unsubscribe: String?) -> OutboundMessage {
        var pairs: [(String, String)] = []
        if let ack { pairs.append((LinkPlaceholder.ack, ack)) }
        if let unsubscribe { pairs.append((LinkPlaceholder.unsubscribe, unsubscribe)) }
        guard !pairs.isEmpty else { return self }
        func filled(_ text: String) -> String {
            var text = text
            for (placeholder, token) in pairs where text.contains(placeholder) {
                text = text.replacingOccurrences(of: placeholder, with: token)
            }
            return text
        }
        var message = self
        message.subject = filled(subject)
        message.text = filled(text)
        message.html = html.map(filled)
        message.ackURL = ackURL.map(filled)
        message.unsubscribeURL = unsubscribeURL.map(filled)
        return message
    }
}

extension MessageCategory {
    /// The category a family may leave for letters of `messageClass`, nil when it has none.
    public init?(messageClass: OutboundMessage.Class) {
        guard messageClass == .newsletter else { return nil }
        self = .newsletters
    }
}
