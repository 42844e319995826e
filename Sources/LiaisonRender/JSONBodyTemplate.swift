import Foundation
import LiaisonModel
import Mustache

/// A gateway's body template: Mustache producing JSON, every value JSON-escaped, checked to produce strict JSON.
///
/// Bodies are filled into a skeleton per context shape (see ``TemplateSplicing``) when the template applies no
/// transform to a value: the same text Mustache renders, without rendering it for every message.
///
/// ```swift
/// let body = try JSONBodyTemplate(#"{"to": "{{to}}", "text": "{{text}}"}"#, samples: [tricky])
/// let (json, problem) = body.body(.map([("to", .string("+447700900001")), ("text", .string("Hello"))]))
/// ```
public struct JSONBodyTemplate: Sendable {
    /// The values a body template sees: strings in (nested) maps, keys in the order given.
    public indirect enum Value: Sendable {
        case string(String)
        case map([(key: String, value: Value)])

        var templateValue: TemplateValue {
            switch self {
            case .string(let text): .string(text)
            case .map(let pairs): .map(pairs.map { ($0.key, $0.value.templateValue) })
            }
        }
    }

    /// Why a body template cannot be used, in words for the person who wrote it.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private let template: MustacheTemplate
    /// Whether bodies are filled from skeletons rather than rendered by Mustache each time.
    public let spliceable: Bool
    /// Whether the template indents a block (then bodies with a value ending a line are rendered directly).
    private let mayIndent: Bool
    private let skeletons = SkeletonCache<BodySkeleton>()

    /// A body skeleton, and whether every body filled from it is JSON: its render with markers is, and every string
    /// goes into a JSON string escaped (so putting any string in a marker's place keeps it JSON).
    private struct BodySkeleton: Sendable {
        let skeleton: Skeleton
        let alwaysJSON: Bool
    }

    /// Parses `text` with the JSON content type in force, and checks, by rendering it for `samples` (whose values
    /// should hold quotes, backslashes and line breaks), that it produces JSON.
    public init(_ text: String, samples: [Value]) throws(Invalid) {
        JSONStringContentType.registered
        let pragma = try! NSRegularExpression(pattern: #"%\s*CONTENT_TYPE\s*:\s*([^\s}]*)"#)
        for match in pragma.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let range = Range(match.range(at: 1), in: text),
                  text[range] != JSONStringContentType.name && text[range] != JSONStringContentType.privateName
            else { continue }
            throw Invalid(description: "it sets CONTENT_TYPE \(text[range]); its values must stay JSON-escaped")
        }
        let prefix = "{{%CONTENT_TYPE:\(JSONStringContentType.privateName)}}"
        spliceable = TemplateSplicing.isSpliceable(sources: [text])
        mayIndent = TemplateSplicing.mayIndent(sources: [text])
        do {
            template = try MustacheTemplate(string: prefix + text)
        } catch let error as MustacheTemplate.ParserError {
            let line = error.context.lineNumber
            let column = line == 1 ? error.context.columnNumber - prefix.count : error.context.columnNumber
            throw Invalid(description: "it is not valid Mustache (line \(line), column \(column)): \(error.error)")
        } catch {
            throw Invalid(description: "it is not valid Mustache: \(error)")
        }
        for sample in samples {
            if let problem = StrictJSON.problem(rendered(sample)) {
                throw Invalid(
                    description: "it does not produce JSON (\(problem)). Put each {{value}} inside quotes, and use {{value}}, "
                        + "not {{{value}}} or {{&value}}, so text cannot break out of its string")
            }
        }
    }

    /// The body for `context`, and what is wrong with it when it is not JSON (checked once per skeleton when the body
    /// was filled from one that is always JSON, else every time).
    public func body(_ context: Value) -> (text: String, problem: String?) {
        let value = context.templateValue
        if spliceable, let parts = ContextParts(value), !parts.endsLine || !mayIndent,
           let body = skeletons.skeleton("body", parts: parts, make: {
               var marked: String?
               let skeleton = Skeleton.make(value, parts: parts) { filled in
                   marked = template.render(filled)
                   return marked
               }
               return skeleton.map { skeleton in
                   BodySkeleton(
                       skeleton: skeleton, alwaysJSON: skeleton.escapesEveryStringForJSON && marked.map(StrictJSON.problem) == .some(nil))
               }
           })
        {
            let text = body.skeleton.fill(parts.strings, json: JSONStringContentType.escape)
            return (text, body.alwaysJSON ? nil : StrictJSON.problem(text))
        }
        let text = rendered(context)
        return (text, StrictJSON.problem(text))
    }

    /// What Mustache itself renders for `context` (the reference the skeletons are tested against).
    public func rendered(_ context: Value) -> String {
        template.render(context.templateValue.mustacheValue)
    }

    /// Text as it goes inside a JSON string.
    public static func escape(_ text: String) -> String {
        JSONStringContentType.escape(text)
    }
}

/// Escapes text for the inside of a JSON string: `"` and `\` with a backslash, control characters (and the line
/// and paragraph separators, which older JavaScript cannot take literally) as `\uXXXX`.
struct JSONStringContentType: MustacheContentType {
    /// The name a template's own pragma may use: `{{% CONTENT_TYPE: JSON}}`.
    static let name = "JSON"
    /// The name of the pragma put in front of every body template (private, so no other registration replaces it).
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
