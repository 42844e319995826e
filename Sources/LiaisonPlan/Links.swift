import Foundation
import LiaisonModel

/// Makes every link a message carries, from one base URL. The tokens in them are placeholders
/// (``LinkPlaceholder``): the letter waits in the outbox without a live token, and the sender draws a fresh token
/// (kept only as its hash) when it sends it. Tokens are opaque: no roster id in a link.
public struct Links: Sendable {
    /// Who opted out of what (a newsletter is not planned for them).
    public let ledger: any OptOutRegistry
    /// The school's public base URL, without a trailing slash.
    public let base: String

    public init(ledger: any OptOutRegistry, school: School) {
        self.ledger = ledger
        self.base = Self.base(school)
    }

    /// The same ledger for (a reloaded version of) a school.
    public func with(school: School) -> Links {
        Links(ledger: ledger, school: school)
    }

    /// The acknowledgement URL a letter is rendered with; its token is drawn when the letter is sent.
    public var ackURL: String { "\(base)/a/\(LinkPlaceholder.ack)" }

    /// The one-click unsubscribe URL (RFC 8058) a newsletter is rendered with; its token is drawn when it is sent.
    public var unsubscribeURL: String { "\(base)/u/\(LinkPlaceholder.unsubscribe)" }

    /// The school's public base URL without a trailing slash (`school.base_url`; the daemon's default address when
    /// none is configured, which only works on the server itself).
    public static func base(_ school: School) -> String {
        var base = school.baseURL?.absoluteString ?? "http://127.0.0.1:8080"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
