import Foundation
import LiaisonModel

/// A webhook gateway (SMS, voice call, chat bot) and how to talk to it.
///
/// Its `description` and mirror never show the secrets or the extra header values.
public struct WebhookTarget: Sendable {
    /// The gateway name recorded with each attempt.
    public var name: String
    /// `https://` in production; `http://` is allowed only to a loopback host (tests, a gateway on the same machine).
    public var url: String
    /// The channel kinds this gateway carries, e.g. `[.sms, .voice]`.
    public var kinds: Set<ChannelKind>
    /// Mustache template producing the JSON body. It sees `delivery.key`, `delivery.address` (phone or chat id),
    /// `delivery.recipient_name`, `message.subject`, `message.text`, `message.language`, `message.ack_url` (absent
    /// when there is none, so `{{#message.ack_url}}…{{/message.ack_url}}` works), `message.class`, `event_id` and
    /// `channel`. Every `{{value}}` is JSON-escaped, so it belongs between quotes; `{{{value}}}` and `{{&value}}`
    /// are refused because they would let message text change the JSON's structure.
    public var template: String
    /// Standard Webhooks secrets (`whsec_` + base64), newest first; every one signs, so a gateway can rotate.
    public var secrets: [String]
    /// The limit for one attempt, from the moment it has a connection.
    public var timeout: Duration
    /// How many requests run at once (and so connections).
    public var maxConnections: Int
    /// Extra header lines, e.g. `Authorization: Bearer …` (values come from env or files and are never logged).
    public var headers: [String]
    /// A PEM bundle of the CAs to trust instead of the system's (a gateway with a certificate from the school's own CA).
    public var caFile: String?

    public init(
        name: String, url: String, kinds: Set<ChannelKind>, template: String, secrets: [String],
        timeout: Duration = .seconds(15), maxConnections: Int = 4, headers: [String] = [], caFile: String? = nil
    ) {
        self.name = name
        self.url = url
        self.kinds = kinds
        self.template = template
        self.secrets = secrets
        self.timeout = timeout
        self.maxConnections = maxConnections
        self.headers = headers
        self.caFile = caFile
    }
}

extension WebhookTarget: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let kinds = kinds.sorted().map(\.rawValue).joined(separator: ",")
        return "webhook \(name) → \(url) [\(kinds)] (\(secrets.count) secret(s), \(headers.count) extra header(s), redacted)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: [
            "name": name, "url": url, "kinds": kinds.sorted(), "secrets": "\(secrets.count) redacted",
            "timeout": timeout, "maxConnections": maxConnections,
            "headers": headers.map { $0.split(separator: ":", maxSplits: 1).first.map { "\($0): (redacted)" } ?? "(redacted)" },
        ])
    }
}

/// Why a webhook target cannot be used. The message never contains a secret or a header value.
public struct WebhookConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
