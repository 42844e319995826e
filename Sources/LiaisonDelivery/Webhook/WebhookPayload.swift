import Foundation
import LiaisonModel
import LiaisonRender
import Mustache

/// Escapes text for the inside of a JSON string: `"` and `\` with a backslash, control characters (and the line
/// and paragraph separators, which older JavaScript cannot take literally) as `\uXXXX`.
struct JSONStringContentType: MustacheContentType {
    /// The name a template's own pragma may use: `{{% CONTENT_TYPE: JSON}}`.
    static let name = "JSON"
    /// The name of the pragma put in front of every gateway template (private, so no other registration replaces it).
    static let privateName = "LIAISON_WEBHOOK_JSON"

    func escapeText(_ text: String) -> String {
        JSONStringContentType.escape(text)
    }

    static func escape(_ text: String) -> String {
        JSONString.escaped(text)
    }

    /// Registers the content type with swift-mustache once per process.
    static let registered: Void = {
        MustacheContentTypes.register(JSONStringContentType(), named: privateName)
        MustacheContentTypes.register(JSONStringContentType(), named: name)
    }()
}

/// A gateway's body template: Mustache with every value JSON-escaped, checked to produce JSON.
struct WebhookPayloadTemplate: Sendable {
    let template: MustacheTemplate
    /// Whether bodies are filled into a skeleton per context shape (see LiaisonRender's splicing) rather than
    /// rendered by Mustache each time: the same text, for templates that apply no transform to a value.
    let spliceable: Bool
    /// Whether the template indents a block (then bodies with a value ending a line are rendered directly).
    let mayIndent: Bool
    private let skeletons = SkeletonCache<BodySkeleton>()

    /// A body skeleton, and whether every body filled from it is JSON: its render with markers is, and every string
    /// goes into a JSON string escaped (so putting any string in a marker's place keeps it JSON).
    private struct BodySkeleton: Sendable {
        let skeleton: Skeleton
        let alwaysJSON: Bool
    }

    /// Parses `text` with the JSON content type in force, and checks, by rendering it for sample deliveries whose
    /// values hold quotes, backslashes and line breaks, that it produces JSON.
    init(_ text: String, gateway: String) throws(WebhookConfigurationError) {
        JSONStringContentType.registered
        let pragma = try! NSRegularExpression(pattern: #"%\s*CONTENT_TYPE\s*:\s*([^\s}]*)"#)
        for match in pragma.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let range = Range(match.range(at: 1), in: text),
                  text[range] != JSONStringContentType.name && text[range] != JSONStringContentType.privateName
            else { continue }
            throw WebhookConfigurationError(
                "The body template of the webhook gateway \(gateway) sets CONTENT_TYPE \(text[range]); its values must stay JSON-escaped.")
        }
        let prefix = "{{%CONTENT_TYPE:\(JSONStringContentType.privateName)}}"
        spliceable = TemplateSplicing.isSpliceable(sources: [text])
        mayIndent = TemplateSplicing.mayIndent(sources: [text])
        do {
            template = try MustacheTemplate(string: prefix + text)
        } catch let error as MustacheTemplate.ParserError {
            let line = error.context.lineNumber
            let column = line == 1 ? error.context.columnNumber - prefix.count : error.context.columnNumber
            throw WebhookConfigurationError(
                "The body template of the webhook gateway \(gateway) is not valid Mustache (line \(line), column \(column)): \(error.error).")
        } catch {
            throw WebhookConfigurationError("The body template of the webhook gateway \(gateway) is not valid Mustache: \(error).")
        }
        for sample in [Self.sample(ackURL: true), Self.sample(ackURL: false)] {
            let rendered = render(sample)
            if let problem = Self.jsonProblem(rendered) {
                throw WebhookConfigurationError(
                    "The body template of the webhook gateway \(gateway) does not produce JSON (\(problem)). Put each {{value}} "
                        + "inside quotes, and use {{value}}, not {{{value}}} or {{&value}}, so text cannot break out of its string.")
            }
        }
    }

    /// The values a template sees for one delivery.
    static func context(_ delivery: Delivery) -> [String: Any] {
        contextValue(delivery).mustacheValue as! [String: Any]
    }

    static func contextValue(_ delivery: Delivery) -> TemplateValue {
        var message: [(key: String, value: TemplateValue)] = [
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

    /// The body for `delivery`, and what is wrong with it when it is not JSON (checked once per skeleton when
    /// the body was filled from one that is always JSON, else every time).
    func body(for delivery: Delivery) -> (text: String, problem: String?) {
        let context = Self.contextValue(delivery)
        if spliceable, let parts = ContextParts(context), !parts.endsLine || !mayIndent,
           let body = skeletons.skeleton("body", parts: parts, make: {
               var marked: String?
               let skeleton = Skeleton.make(context, parts: parts) { value in
                   marked = template.render(value)
                   return marked
               }
               return skeleton.map { skeleton in
                   BodySkeleton(
                       skeleton: skeleton, alwaysJSON: skeleton.escapesEveryStringForJSON && marked.map(Self.jsonProblem) == .some(nil))
               }
           })
        {
            let text = body.skeleton.fill(parts.strings, json: JSONStringContentType.escape)
            return (text, body.alwaysJSON ? nil : Self.jsonProblem(text))
        }
        let text = render(context.mustacheValue as! [String: Any])
        return (text, Self.jsonProblem(text))
    }

    func render(_ context: [String: Any]) -> String {
        template.render(context)
    }

    /// Nil when `text` is strict JSON (an object or an array), else what is wrong.
    static func jsonProblem(_ text: String) -> String? {
        StrictJSON.problem(text)
    }

    /// A delivery whose every value needs escaping.
    private static func sample(ackURL: Bool) -> [String: Any] {
        let tricky = "a\"b\\c\nd\u{1}e}{]["
        let key = DeliveryKey(occurrence: "event\"\\@2027-01-01T00:00Z", guardianID: "guardian\n1", channel: ChannelKind(rawValue: "sms\"\\"))
        let delivery = Delivery(
            key: key, eventID: tricky, address: "+44 7700 900\"\\", recipientName: tricky, notBefore: Date(), createdAt: Date(),
            message: OutboundMessage(
                subject: tricky, text: tricky, language: "en\"\\", messageClass: .alert, ackURL: ackURL ? "https://x.test/a?\"\\" : nil))
        return context(delivery)
    }
}
