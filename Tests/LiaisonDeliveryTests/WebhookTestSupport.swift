import Foundation
import LiaisonTestSupport
import LiaisonModel
@testable import LiaisonDelivery

enum WebhookFixtures {
    /// The Standard Webhooks specification's example secret (24 bytes).
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    /// A second, newer secret for rotation tests (32 bytes).
    static let newerSecret = "whsec_" + Data((0..<32).map { UInt8($0 * 7 + 3) }).base64EncodedString()

    static let template = """
        {
          "to": "{{delivery.address}}",
          "name": "{{delivery.recipient_name}}",
          "key": "{{delivery.key}}",
          "subject": "{{message.subject}}",
          "text": "{{message.text}}",
          "language": "{{message.language}}",
          "class": "{{message.class}}",
          "event": "{{event_id}}",
          "channel": "{{channel}}"{{#message.ack_url}},
          "ack": "{{message.ack_url}}"{{/message.ack_url}}
        }
        """

    static func target(
        port: Int, path: String = "/ok", secrets: [String] = [secret], timeout: Duration = .seconds(5), maxConnections: Int = 2,
        headers: [String] = [], template: String = template
    ) -> WebhookTarget {
        WebhookTarget(
            name: "test-gateway", url: "http://127.0.0.1:\(port)\(path)", kinds: [.sms, .voice], template: template, secrets: secrets,
            timeout: timeout, maxConnections: maxConnections, headers: headers)
    }

    static func delivery(
        guardian: String = "g-1", channel: ChannelKind = .sms, subject: String = "Sports day", text: String = "Sports day is on Friday.",
        name: String = "Layla Haddad", language: String = "en", ackURL: String? = "https://school.example/ack/abc"
    ) -> Delivery {
        Delivery(
            key: DeliveryKey(occurrence: "sports-day@2027-06-10T17:00Z", guardianID: guardian, channel: channel), eventID: "sports-day",
            address: "+447700900123", recipientName: name, notBefore: Date(), createdAt: Date(),
            message: OutboundMessage(subject: subject, text: text, language: language, messageClass: .alert, ackURL: ackURL))
    }
}

/// Runs `Tests/Support/webhook_verify.py` on a receiver's log.
struct WebhookVerification {
    var status: Int32
    /// The payloads json.loads produced, one per verified request.
    var payloads: [[String: Any]]
    var errors: String

    init(log: URL, secrets: [String]) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/webhook_verify.py")
        let result = try runProgram("python3", [script.path, log.path] + secrets)
        status = result.status
        errors = result.errors
        payloads = result.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
