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
        ackURL?.hasSuffix(LinkPlaceholder.ack) == true || unsubscribeURL?.hasSuffix(LinkPlaceholder.unsubscribe) == true
    }

    /// The tokens this letter needs when it is sent to `key`'s guardian for `eventID`.
    public func linkRequests(key: DeliveryKey, eventID: String) -> (ack: LinkTokenRequest?, unsubscribe: LinkTokenRequest?) {
        let ack = ackURL?.hasSuffix(LinkPlaceholder.ack) == true
            ? LinkTokenRequest(kind: .ack(eventID: eventID), occurrence: key.occurrence, guardianID: key.guardianID) : nil
        var unsubscribe: LinkTokenRequest?
        if unsubscribeURL?.hasSuffix(LinkPlaceholder.unsubscribe) == true {
            // Newsletters are the one category a family may leave, so an unsubscribe link leaves them whatever
            // letter carries it (the planner gives the link to newsletters only).
            let category = MessageCategory(messageClass: messageClass) ?? .newsletters
            unsubscribe = LinkTokenRequest(kind: .unsubscribe(category), occurrence: key.occurrence, guardianID: key.guardianID)
        }
        return (ack, unsubscribe)
    }

    /// The letter as sent: each placeholder replaced by its token, in the subject, both bodies and the link fields.
    public func withLinkTokens(ack: String?, unsubscribe: String?) -> OutboundMessage {
        var pairs: [(placeholder: String, token: String)] = []
        if let ack { pairs.append((LinkPlaceholder.ack, ack)) }
        if let unsubscribe { pairs.append((LinkPlaceholder.unsubscribe, unsubscribe)) }
        guard !pairs.isEmpty else { return self }
        var message = self
        message.subject = LinkPlaceholder.replacing(pairs, in: subject)
        message.text = LinkPlaceholder.replacing(pairs, in: text)
        message.html = html.map { LinkPlaceholder.replacing(pairs, in: $0) }
        message.ackURL = ackURL.map { LinkPlaceholder.replacing(pairs, in: $0) }
        message.unsubscribeURL = unsubscribeURL.map { LinkPlaceholder.replacing(pairs, in: $0) }
        return message
    }
}

extension LinkPlaceholder {
    /// `text` with every occurrence of each placeholder replaced by its token: a byte search (memchr, memcmp) over the
    /// UTF-8, since letters are several kilobytes and sent by the thousand (Foundation's search, which compares
    /// grapheme clusters, took more CPU than the rest of sending). Placeholders are ASCII, so a byte match is a
    /// character match. Tested against `replacingOccurrences(of:with:)`.
    public static func replacing(_ pairs: [(placeholder: String, token: String)], in text: String) -> String {
        var text = text
        let found: [(start: Int, pair: Int)] = text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return [] }
            var found: [(start: Int, pair: Int)] = []
            for (index, pair) in pairs.enumerated() {
                pair.placeholder.utf8.withContiguousStorageIfAvailable { needle in
                    guard let needleBase = needle.baseAddress, needle.count > 0 else { return }
                    var offset = 0
                    // memchr for the first byte, then memcmp for the rest (glibc's memmem is not visible to Swift).
                    while offset + needle.count <= bytes.count,
                        let hit = memchr(base + offset, Int32(needleBase[0]), bytes.count - needle.count + 1 - offset)
                    {
                        let start = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                        if memcmp(hit, needleBase, needle.count) == 0 {
                            found.append((start, index))
                            offset = start + needle.count
                        } else {
                            offset = start + 1
                        }
                    }
                }
            }
            return found
        }
        guard !found.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + found.count * 8)
        var position = 0
        for (start, pair) in found.sorted(by: { $0.start < $1.start }) where start >= position {
            out.append(contentsOf: bytes[position..<start])
            out.append(contentsOf: pairs[pair].token.utf8)
            position = start + pairs[pair].placeholder.utf8.count
        }
        out.append(contentsOf: bytes[position...])
        return String(decoding: out, as: UTF8.self)
    }
}

extension MessageCategory {
    /// The category a family may leave for letters of `messageClass`, nil when it has none.
    public init?(messageClass: OutboundMessage.Class) {
        guard messageClass == .newsletter else { return nil }
        self = .newsletters
    }
}
