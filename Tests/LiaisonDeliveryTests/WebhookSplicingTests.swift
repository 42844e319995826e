import Foundation
import LiaisonModel
import LiaisonRender
import Testing

@testable import LiaisonDelivery

/// Webhook bodies filled into skeletons are what Mustache renders for the same delivery.
@Suite struct WebhookSplicingTests {
    static func delivery(name: String, text: String, ack: String?, address: String = "+447700900001") -> Delivery {
        Delivery(
            key: DeliveryKey(occurrence: "open-day", guardianID: "G\(name.count)", channel: .sms), eventID: "open-day",
            address: address, recipientName: name, notBefore: Date(), createdAt: Date(),
            message: OutboundMessage(subject: "Open \"Day\"", text: text, language: "ar", messageClass: .alert, ackURL: ack))
    }

    @Test(arguments: [
        #"{"to": "{{delivery.address}}", "name": "{{delivery.recipient_name}}", "text": "{{message.text}}"{{#message.ack_url}}, "ack": "{{message.ack_url}}"{{/message.ack_url}}}"#,
        #"{"t": "{{#message.subject}}[{{.}}]{{/message.subject}}", "n": "{{^message.ack_url}}none{{/message.ack_url}}", "c": "{{channel}}"}"#,
        #"{"u": "{{uppercased(delivery.recipient_name)}}", "k": "{{delivery.key}}"}"#,
    ])
    func splicedBodiesEqualMustache(template: String) throws {
        let payload = try WebhookPayloadTemplate(template, gateway: "test")
        let deliveries = [
            Self.delivery(name: "Layla", text: "Hello\nworld", ack: "https://x.example/a/1?b=2&c=3"),
            Self.delivery(name: "O\"Brien \\ <co>", text: "tab\there \u{1} \u{2028}", ack: nil),
            Self.delivery(name: "", text: "ليلى", ack: "", address: ""),
            Self.delivery(name: "Zoë", text: "x", ack: "y"),
            Self.delivery(name: "Ends\n", text: "Dear Layla,\n\nSee you.\n", ack: "y\r"),
        ]
        for delivery in deliveries {
            let direct = payload.template.rendered(WebhookPayloadTemplate.context(delivery))
            #expect(payload.render(delivery) == direct)
            #expect(payload.render(delivery) == direct)
            // Whether checked per body or once per skeleton, the verdict is the parser's.
            let body = payload.body(for: delivery)
            #expect(body.text == direct)
            #expect((body.problem == nil) == (StrictJSON.problem(direct) == nil))
        }
    }

    /// The reply text of a gateway: one line, control characters and runs of white space folded; the ASCII fast
    /// path gives what the general one does.
    @Test func sanitizedReplies() {
        #expect(WebhookReply.sanitized("No Content") == "No Content")
        #expect(WebhookReply.sanitized("  a\t\tb\r\nc \u{1}") == "a b c")
        #expect(WebhookReply.sanitized("a  b") == "a b")
        #expect(WebhookReply.sanitized("Zoë\u{2028}x") == "Zoë x")
        #expect(WebhookReply.sanitized("") == "")
    }

    @Test func transformsAreRenderedDirectly() throws {
        #expect(try !WebhookPayloadTemplate(#"{"u": "{{uppercased(delivery.address)}}"}"#, gateway: "t").spliceable)
        #expect(try WebhookPayloadTemplate(#"{"a": "{{delivery.address}}"}"#, gateway: "t").spliceable)
    }
}
