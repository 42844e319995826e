import Foundation
import LiaisonModel

/// A mailbox: an address with an optional display name (`"Okafor, Ngozi" <n@example.net>`).
public struct MailAddress: Sendable, Hashable {
    /// The display name, any Unicode text; `nil` or empty for a bare address.
    public var displayName: String?
    /// The addr-spec (`local@domain`). An internationalised domain is sent as its `xn--` form;
    /// a non-ASCII local part is refused (it would need SMTPUTF8).
    public var address: String

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.displayName = name
    }
}

/// What kind of mail a message is; decides the list and priority headers.
public enum MessageClass: Sendable, Hashable {
    /// Ordinary one-to-one mail: no extra headers.
    case normal
    /// Bulk mail with RFC 8058 one-click unsubscribe (`List-Unsubscribe` + `List-Unsubscribe-Post`).
    /// The URL must be `https:` and ASCII (percent-encode anything else).
    case newsletter(unsubscribeURL: String)
    /// Urgent automated mail: `Auto-Submitted: auto-generated`, `Importance: high`, `X-Priority: 1`, `Priority: urgent`.
    case alert
}

/// A file sent with an email (a booking's calendar file): base64 in a part of its own after the letter.
public struct MailAttachment: Sendable, Hashable {
    /// The name a mail reader offers to save it as: ASCII letters, digits, `.`, `-` and `_` only.
    public var filename: String
    /// The Content-Type, e.g. `text/calendar; charset=utf-8; method=PUBLISH`.
    public var contentType: String
    public var data: [UInt8]

    public init(filename: String, contentType: String, data: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// One email to be rendered as an RFC 5322 / MIME message by ``MIMEBuilder``.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var replyTo: MailAddress?
    /// Any Unicode text; leading and trailing white space is dropped.
    public var subject: String
    public var date: Date
    /// Stable key of the delivery (event occurrence + guardian + channel); Message-ID derives from it so a resend has the same id.
    public var idempotencyKey: String
    /// Content-Language.
    public var language: LanguageTag?
    /// The plain-text body; any line ends (LF, CR, CRLF). A non-empty body that does not end with a line break gets one.
    public var textBody: String
    /// The HTML alternative, if any (sent as multipart/alternative after the text part).
    public var htmlBody: String?
    public var messageClass: MessageClass
    /// Further header fields, in order, after the standard ones. Names must be RFC 5322 field names and may not
    /// be one the builder writes (nor any `Content-*`); values are unstructured text (non-ASCII words become encoded words).
    public var extraHeaders: [(name: String, value: String)]
    /// Files sent after the letter (the message is then multipart/mixed).
    public var attachments: [MailAttachment] = []

    public init(
        from: MailAddress,
        to: [MailAddress],
        replyTo: MailAddress? = nil,
        subject: String,
        date: Date,
        idempotencyKey: String,
        language: LanguageTag? = nil,
        textBody: String,
        htmlBody: String? = nil,
        messageClass: MessageClass = .normal,
        extraHeaders: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.date = date
        self.idempotencyKey = idempotencyKey
        self.language = language
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.messageClass = messageClass
        self.extraHeaders = extraHeaders
    }
}

/// Why a message cannot be built.
public struct MIMEError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A CR, LF or NUL in a header value, display name, address or extra header.
        case headerInjection
        /// An address that is not a plain ASCII `local@domain` (after IDNA for the domain).
        case invalidAddress
        /// An extra header name that is not a valid field name.
        case invalidHeaderName
        /// An extra header that would duplicate or override one the builder writes.
        case reservedHeader
        /// Anything else unusable: no recipients, empty idempotency key, bad domain or unsubscribe URL, a line over 998 octets.
        case invalidValue
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
