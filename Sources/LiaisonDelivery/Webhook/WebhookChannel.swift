import Foundation
import LiaisonCurl
import LiaisonModel

/// Delivers to an SMS, voice or chat gateway by POSTing a signed JSON body (Standard Webhooks).
///
/// Each request carries `webhook-id` (the delivery key, the same on every retry, so the gateway can drop
/// duplicates), `webhook-timestamp` (seconds, fresh for each attempt) and `webhook-signature` (one `v1,…` per secret).
/// 2xx is sent; 408, 429, 5xx, network errors and timeouts are retried (honouring `Retry-After`); any other
/// status (3xx, 4xx) is a permanent failure.
public final class WebhookChannel: Channel {
    public let name: String
    public let kinds: Set<ChannelKind>
    private let target: WebhookTarget
    private let payload: WebhookPayloadTemplate
    private let keys: [StandardWebhooks.SigningKey]
    private let fixedHeaders: [String]
    private let clock: @Sendable () -> Date
    private let engine: CurlEngine

    /// Checks the target (URL, template, secrets, headers) and starts its connection thread.
    /// - Throws: ``WebhookConfigurationError``, whose message never quotes a secret or a header value.
    public init(target: WebhookTarget, clock: @escaping @Sendable () -> Date = Date.init) throws {
        let gateway = target.name
        guard !gateway.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw WebhookConfigurationError("A webhook gateway needs a name.")
        }
        try Self.checkURL(target.url, gateway: gateway)
        guard !target.kinds.isEmpty else {
            throw WebhookConfigurationError("The webhook gateway \(gateway) carries no channel kinds (e.g. sms, voice, chat).")
        }
        guard target.timeout > .zero else {
            throw WebhookConfigurationError("The timeout of the webhook gateway \(gateway) must be positive.")
        }
        guard target.maxConnections >= 1 else {
            throw WebhookConfigurationError("The webhook gateway \(gateway) needs at least one connection (maxConnections).")
        }
        keys = try StandardWebhooks.keys(target.secrets, gateway: gateway)
        payload = try WebhookPayloadTemplate(target.template, gateway: gateway)
        let extra = try Self.checkedHeaders(target.headers, gateway: gateway)
        // "Expect:" stops libcurl from waiting for a 100 Continue before larger bodies.
        let defaults = ["User-Agent: Liaison", "Accept: application/json"].filter {
            !extra.contains($0.prefix { $0 != ":" }.lowercased())
        }
        fixedHeaders = ["Content-Type: application/json", "Expect:"] + defaults + target.headers.map { $0.trimmingCharacters(in: .whitespaces) }
        name = gateway
        kinds = target.kinds
        self.target = target
        self.clock = clock
        engine = CurlEngine(name: gateway, maxConnections: target.maxConnections)
    }

    deinit {
        engine.shutdown()
    }

    public func send(_ delivery: Delivery) async -> ChannelOutcome {
        guard kinds.contains(delivery.key.channel) else {
            return .failed(reply: "The webhook gateway \(name) does not carry \(delivery.key.channel) messages.")
        }
        let (body, problem) = payload.body(for: delivery)
        if let problem {
            return .failed(reply: "The body template of the webhook gateway \(name) did not produce JSON for this delivery: \(problem)")
        }
        let bytes = Array(body.utf8)
        let id = Self.webhookID(delivery.key)
        let timestamp = Int(clock().timeIntervalSince1970.rounded(.down))
        let signature = StandardWebhooks.signature(id: id, timestamp: timestamp, payload: bytes, keys: keys)
        let request = CurlRequest(
            url: target.url, method: "POST",
            headers: fixedHeaders + ["webhook-id: \(id)", "webhook-timestamp: \(timestamp)", "webhook-signature: \(signature)"],
            body: bytes, caFile: target.caFile, timeout: target.timeout, connectTimeout: min(target.timeout, .seconds(10)))
        let response: CurlResponse
        do {
            response = try await engine.perform(request)
        } catch is CancellationError {
            return .retry(reply: "Cancelled before the gateway answered.", after: nil)
        } catch {
            return .retry(reply: "Not sent: \(error)", after: nil)
        }
        return WebhookReply.outcome(response, timeout: target.timeout, now: clock())
    }

    public func shutdown() async {
        let engine = engine
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // CurlEngine.shutdown blocks until in-flight transfers finish: keep it off the cooperative pool.
            Thread.detachNewThread {
                engine.shutdown()
                continuation.resume()
            }
        }
    }

    // MARK: - Checks

    /// The delivery key, with anything that cannot travel in an HTTP header (non-ASCII, control characters, `%`)
    /// percent-encoded; plain keys are unchanged.
    static func webhookID(_ key: DeliveryKey) -> String {
        var id = ""
        for byte in key.rawValue.utf8 {
            if byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "%") {
                id.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                id += String(format: "%%%02X", byte)
            }
        }
        return id
    }

    /// An absolute https URL, or http to a loopback host.
    private static func checkURL(_ url: String, gateway: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else {
            throw WebhookConfigurationError("The URL of the webhook gateway \(gateway) is not an absolute http(s) URL.")
        }
        guard components.user == nil && components.password == nil else {
            throw WebhookConfigurationError(
                "The URL of the webhook gateway \(gateway) contains credentials; give them as a header (Authorization: …) instead.")
        }
        switch scheme {
        case "https":
            return
        case "http":
            guard isLoopback(host) else {
                throw WebhookConfigurationError(
                    "The webhook gateway \(gateway) uses http:// to \(host); only loopback hosts may be reached without TLS. Use https://.")
            }
        default:
            throw WebhookConfigurationError("The URL of the webhook gateway \(gateway) must start with https:// (not \(scheme)://).")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    private static let reservedHeaders: Set<String> = [
        "content-type", "content-length", "transfer-encoding", "host", "expect", "connection",
        "webhook-id", "webhook-timestamp", "webhook-signature",
    ]

    /// Checks extra header lines; errors name the header, never its value.
    private static func checkedHeaders(_ lines: [String], gateway: String) throws -> Set<String> {
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
        var names: Set<String> = []
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.firstIndex(of: ":") else {
                throw WebhookConfigurationError("Extra header \(index + 1) of the webhook gateway \(gateway) is not “Name: value”.")
            }
            let name = String(trimmed[..<colon])
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(tokenCharacters.contains) else {
                throw WebhookConfigurationError("Extra header \(index + 1) of the webhook gateway \(gateway) has no valid name.")
            }
            let value = trimmed[trimmed.index(after: colon)...]
            guard value.unicodeScalars.allSatisfy({ $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }),
                  !value.trimmingCharacters(in: .whitespaces).isEmpty
            else {
                throw WebhookConfigurationError(
                    "The \(name) header of the webhook gateway \(gateway) has an empty value or one with a line break or control character.")
            }
            guard !reservedHeaders.contains(name.lowercased()) else {
                throw WebhookConfigurationError("The webhook gateway \(gateway) cannot set the \(name) header; Liaison sets it.")
            }
            names.insert(name.lowercased())
        }
        return names
    }
}
