import Foundation
import LiaisonModel
import LiaisonRender

/// A gateway's body template and the values it sees for a delivery; the rendering itself is LiaisonRender's
/// ``JSONBodyTemplate``.
struct WebhookPayloadTemplate: Sendable {
    let template: JSONBodyTemplate

    var spliceable: Bool { template.spliceable }

    /// Parses `text` and checks, with sample deliveries whose values hold quotes, backslashes and line breaks, that
    /// it produces JSON.
    init(_ text: String, gateway: String) throws(WebhookConfigurationError) {
        do {
            template = try JSONBodyTemplate(text, samples: [Self.sample(ackURL: true), Self.sample(ackURL: false)])
        } catch {
            throw WebhookConfigurationError("The body template of the webhook gateway \(gateway) cannot be used: \(error).")
        }
    }

    /// The values a template sees for one delivery.
    static func context(_ delivery: Delivery) -> JSONBodyTemplate.Value {
        var message: [(key: String, value: JSONBodyTemplate.Value)] = [
            ("subject", .string(delivery.message.subject)),
            ("text", .string(delivery.message.text)),
            ("language", .string(delivery.message.language)),
            ("class", .string(delivery.message.messageClass.rawValue)),
        ]
        if let ack = delivery.message.ackURL { message.append(("ack_url", .string(ack))) }
        return .map([
            ("delivery", .map([
                ("key", .string(delivery.key.rawValue)),
                ("address", .string(delivery.address)),
                ("recipient_name", .string(delivery.recipientName)),
            ])),
            ("message", .map(message)),
            ("event_id", .string(delivery.eventID)),
            ("channel", .string(delivery.key.channel.rawValue)),
        ])
    }

    func render(_ delivery: Delivery) -> String {
        body(for: delivery).text
    }

    /// The body for `delivery`, and what is wrong with it when it is not JSON.
    func body(for delivery: Delivery) -> (text: String, problem: String?) {
        template.body(Self.context(delivery))
    }

    /// A delivery whose every value needs escaping.
    private static func sample(ackURL: Bool) -> JSONBodyTemplate.Value {
        let tricky = "a\"b\\c\nd\u{1}e}{]["
        let key = DeliveryKey(occurrence: "event\"\\@2027-01-01T00:00Z", guardianID: "guardian\n1", channel: ChannelKind(rawValue: "sms\"\\"))
        let delivery = Delivery(
            key: key, eventID: tricky, address: "+44 7700 900\"\\", recipientName: tricky, notBefore: Date(), createdAt: Date(),
            message: OutboundMessage(
                subject: tricky, text: tricky, language: "en\"\\", messageClass: .alert, ackURL: ackURL ? "https://x.test/a?\"\\" : nil))
        return context(delivery)
    }
}
