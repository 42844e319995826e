import Foundation
import LiaisonLocalization
import LiaisonModel

/// What one guardian receives for one event: subject and both bodies, in their language.
public struct RenderedMessage: Sendable, Hashable {
    public var subject: String
    public var html: String
    public var text: String
    /// The language the letter is written in (`<html lang>`, `Content-Language`).
    public var language: LanguageTag
    public var direction: TextDirection
    /// How the guardian's language was resolved.
    public var chain: LocaleChain
    /// Messages taken from a language later in the chain than `language` because it lacks them.
    public var fallbacks: [MessageFallback]
    /// Parts written by a translator as a whole letter (`templates/<name>/<locale>/…`).
    public var translatedParts: [TemplatePart]
}

/// A catalog message that came from another language than the letter's.
public struct MessageFallback: Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var language: LanguageTag

    public var description: String { "\(key) (\(language))" }
}

/// Why a message could not be rendered; the message names what to fix.
public struct RenderError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Everything a render needs besides the templates and catalogs.
public struct RenderRequest: Sendable {
    public var event: Event
    public var recipient: Recipient
    /// Progress lines by student id (progress letters).
    public var progress: [String: [ProgressRecord]]
    /// The guardian's acknowledgement page, when there is one.
    public var ackURL: String?
    /// The moment the message is sent (for "in 3 days").
    public var now: Date

    public init(event: Event, recipient: Recipient, progress: [String: [ProgressRecord]] = [:], ackURL: String? = nil, now: Date) {
        self.event = event
        self.recipient = recipient
        self.progress = progress
        self.ackURL = ackURL
        self.now = now
    }
}

/// Renders events for guardians: resolves the language, formats catalog messages with ICU, fills the templates.
public struct MessageRenderer: Sendable {
    public let school: School
    public let templates: TemplateSet
    public let catalogs: CatalogSet
    public let resolver: LocaleResolver
    let formatter: MessageFormatter
    private let chains = ChainCache()

    /// The arguments every message may use (for `check`).
    public static let standardArguments: Set<String> = [
        "school", "guardian", "guardian_given", "children", "children_count", "child", "event", "start", "end",
        "location", "days", "phone", "email", "student", "student_full", "grade", "class",
    ]

    public init(school: School, templates: TemplateSet, catalogs: CatalogSet, formatter: MessageFormatter = MessageFormatter()) {
        self.school = school
        self.templates = templates
        self.catalogs = catalogs
        self.formatter = formatter
        self.resolver = LocaleResolver(
            available: Set(catalogs.locales), schoolDefault: school.defaultLocale,
            sourceLocale: catalogs.sourceLocale ?? school.defaultLocale)
    }

    /// The fallback chain for a guardian's language (resolved once per language).
    public func chain(for language: LanguageTag) -> LocaleChain {
        if let cached = chains.value(for: language) { return cached }
        let chain = resolver.chain(for: language)
        chains.store(chain, for: language)
        return chain
    }

    public func render(_ request: RenderRequest) throws(RenderError) -> RenderedMessage {
        let event = request.event
        guard let template = templates.template(named: event.template) else {
            throw RenderError("Event \(event.id) uses template \"\(event.template)\", which does not exist under templates/.")
        }
        let guardian = request.recipient.guardian
        let chain = chain(for: guardian.language)
        let zone = guardian.timeZone ?? school.timeZone

        // Which file renders each part: a translator's letter along the chain wins over the catalog-based one.
        var sources: [TemplatePart: (name: String, locale: LanguageTag?)] = [:]
        for part in TemplatePart.allCases {
            if let locale = chain.candidates.first(where: { template.overrides[$0]?[part] != nil }) {
                sources[part] = ("\(template.name)/\(locale.rawValue)/\(part.rawValue)", locale)
            } else if template.parts[part] != nil {
                sources[part] = ("\(template.name)/\(part.rawValue)", nil)
            }
        }
        if let htmlLocale = sources[.html]?.locale, sources[.text]?.locale != htmlLocale {
            sources[.text] = nil  // derive the text from the translator's HTML rather than mix two wordings
        }
        let language = formattingLocale(requested: guardian.language, letter: sources[.html]?.locale ?? chain.resolved)
        let direction = TextDirection(for: language)
        let localeFormatter = LocaleFormatter(locale: language, timeZone: zone)

        var messages = MessageBag(catalogs: catalogs, chain: chain, letterLanguage: language, formatter: formatter, zone: zone)
        let arguments = messageArguments(request, chain: chain, formatter: localeFormatter, zone: zone)
        let keys = templates.keys(for: template)
        let translations = try messages.format(keys: keys.global, arguments: arguments)

        var context: [String: Any] = [
            "lang": language.rawValue,
            "dir": direction.rawValue,
            "school": schoolContext,
            "guardian": [
                "name": guardian.displayName, "given_name": guardian.givenName, "family_name": guardian.familyName,
            ],
            "children": stringValue(arguments["children"]),
            "children_count": request.recipient.students.count,
            "event": try eventContext(event, chain: chain, formatter: localeFormatter),
            "rsvp": try rsvpContext(event, chain: chain, messages: &messages, arguments: arguments),
            "data": event.data.mapValues { $0.plain as Any },
            "t": translations,
        ]
        if let ackURL = request.ackURL { context["ack_url"] = ackURL }
        var students: [[String: Any]] = []
        for student in request.recipient.students {
            var studentArguments = arguments
            studentArguments["student"] = .string(student.givenName)
            studentArguments["student_full"] = .string(student.displayName)
            studentArguments["grade"] = .string(student.grade)
            studentArguments["class"] = .string(student.className)
            let progress = request.progress[student.id] ?? []
            var entry: [String: Any] = [
                "id": student.id, "name": student.displayName, "given_name": student.givenName,
                "grade": student.grade, "class": student.className,
                "progress": progress.map { record -> [String: Any] in
                    var row: [String: Any] = ["subject": record.subject, "mark": record.mark, "comment": record.comment]
                    if let teacher = record.teacher { row["teacher"] = teacher }
                    return row
                },
                "has_progress": !progress.isEmpty,
            ]
            if !keys.perStudent.isEmpty {
                entry["t"] = try messages.format(keys: keys.perStudent, arguments: studentArguments)
            }
            students.append(entry)
        }
        context["students"] = students

        func renderPart(_ part: TemplatePart) throws(RenderError) -> String? {
            guard let source = sources[part] else { return nil }
            guard let output = templates.library.render(context, withTemplate: source.name) else {
                throw RenderError("Template part \(source.name) could not be rendered.")
            }
            return output
        }
        guard let html = try renderPart(.html) else {
            throw RenderError("Template \(template.name) has no html.mustache.")
        }
        guard let subjectText = try renderPart(.subject) else {
            throw RenderError("Template \(template.name) has no subject.mustache.")
        }
        let subject = subjectText.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        let text = try renderPart(.text) ?? HTMLText.plainText(fromHTML: html)
        return RenderedMessage(
            subject: subject, html: html, text: text, language: language, direction: direction, chain: chain,
            fallbacks: messages.fallbacks.sorted { $0.key < $1.key },
            translatedParts: TemplatePart.allCases.filter { sources[$0]?.locale != nil })
    }

    /// The locale dates, numbers and lists are formatted in: the guardian's own tag when the letter is in their
    /// language (so `es-MX` and `zh-Hant-HK` get their regional formats from the `es` and `zh-Hant` catalogs),
    /// the school's regional default for a bare tag of the school's language (`en` in a school set to `en-GB`),
    /// and the letter's language when it is a fallback to another language.
    func formattingLocale(requested: LanguageTag, letter: LanguageTag) -> LanguageTag {
        let schoolDefault = school.defaultLocale
        guard requested.language == letter.language else {
            return letter.language == schoolDefault.language && letter.region == nil ? schoolDefault : letter
        }
        if requested.region == nil, requested.script == nil, schoolDefault.language == requested.language, schoolDefault.region != nil {
            return schoolDefault
        }
        return requested
    }

    private var schoolContext: [String: Any] {
        var context: [String: Any] = ["name": school.name]
        if let email = school.contact.email { context["email"] = email }
        if let phone = school.contact.phone { context["phone"] = phone }
        if let address = school.contact.address { context["address"] = address }
        if let website = school.contact.website { context["website"] = website }
        if let url = school.baseURL { context["base_url"] = url.absoluteString }
        return context
    }

    private func messageArguments(
        _ request: RenderRequest, chain: LocaleChain, formatter: LocaleFormatter, zone: TimeZone
    ) -> [String: MessageArgument] {
        let event = request.event
        let guardian = request.recipient.guardian
        let names = request.recipient.students.map(\.givenName)
        var arguments: [String: MessageArgument] = [:]
        // The event's free data first, so the standard arguments win on a clash.
        for (key, value) in event.data {
            switch value {
            case .string(let text): arguments[key] = .string(text)
            case .int(let number): arguments[key] = .integer(number)
            case .double(let number): arguments[key] = .number(number)
            case .bool(let flag): arguments[key] = .string(flag ? "true" : "false")
            case .list(let items): arguments[key] = .integer(items.count)
            case .map, .null: break
            }
        }
        arguments["school"] = .string(school.name)
        arguments["guardian"] = .string(guardian.displayName)
        arguments["guardian_given"] = .string(guardian.givenName)
        arguments["children"] = .string(formatter.list(names))
        arguments["children_count"] = .integer(names.count)
        arguments["child"] = .string(names.first ?? "")
        arguments["event"] = .string(event.title.resolve(along: chain.candidates).text)
        arguments["start"] = .date(event.start)
        if let end = event.end { arguments["end"] = .date(end) }
        arguments["location"] = .string(event.location?.resolve(along: chain.candidates).text ?? "")
        arguments["days"] = .integer(Self.days(from: request.now, to: event.start, in: zone))
        arguments["phone"] = .string(school.contact.phone ?? "")
        arguments["email"] = .string(school.contact.email ?? "")
        return arguments
    }

    /// Whole calendar days between two moments, counted in `zone` (0 = the same day).
    static func days(from now: Date, to start: Date, in zone: TimeZone) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let from = calendar.startOfDay(for: now)
        let to = calendar.startOfDay(for: start)
        return calendar.dateComponents([.day], from: from, to: to).day ?? 0
    }

    private func eventContext(_ event: Event, chain: LocaleChain, formatter: LocaleFormatter) throws(RenderError) -> [String: Any] {
        var context: [String: Any] = [
            "id": event.id,
            "kind": event.kind.rawValue,
            "title": event.title.resolve(along: chain.candidates).text,
            "date": formatter.date(event.start),
            "all_day": event.allDay,
            "urgent": event.priority == .urgent,
        ]
        if !event.allDay { context["time"] = formatter.time(event.start) }
        if let end = event.end {
            if !event.allDay { context["end_time"] = formatter.time(end) }
            if formatter.shortDate(end) != formatter.shortDate(event.start) { context["end_date"] = formatter.date(end) }
        }
        if let location = event.location { context["location"] = location.resolve(along: chain.candidates).text }
        return context
    }

    private func rsvpContext(
        _ event: Event, chain: LocaleChain, messages: inout MessageBag, arguments: [String: MessageArgument]
    ) throws(RenderError) -> [String: Any] {
        var options: [[String: Any]] = []
        for option in event.rsvp {
            let label: String
            if let written = option.label {
                label = written.resolve(along: chain.candidates).text
            } else {
                label = try messages.text(for: option.catalogKey, arguments: arguments)
            }
            options.append(["id": option.id, "label": label])
        }
        return ["options": options, "any": !options.isEmpty]
    }

    private func stringValue(_ argument: MessageArgument?) -> String {
        if case .string(let text) = argument { return text }
        return ""
    }
}

/// Formats catalog messages for one render and remembers which came from a fallback language.
struct MessageBag {
    let catalogs: CatalogSet
    let chain: LocaleChain
    let letterLanguage: LanguageTag
    let formatter: MessageFormatter
    let zone: TimeZone
    var fallbacks: Set<MessageFallback> = []

    init(catalogs: CatalogSet, chain: LocaleChain, letterLanguage: LanguageTag, formatter: MessageFormatter, zone: TimeZone) {
        self.catalogs = catalogs
        self.chain = chain
        self.letterLanguage = letterLanguage
        self.formatter = formatter
        self.zone = zone
    }

    mutating func text(for key: String, arguments: [String: MessageArgument]) throws(RenderError) -> String {
        guard let found = catalogs.message(key, along: chain) else {
            throw RenderError("The catalog message \"\(key)\" exists in no catalog along \(chain); add it to the source catalog.")
        }
        if found.locale != chain.resolved {
            fallbacks.insert(MessageFallback(key: key, language: found.locale))
        }
        do {
            let locale = found.locale.language == letterLanguage.language ? letterLanguage : found.locale
            return try formatter.format(found.message.text, locale: locale, timeZone: zone, arguments: arguments)
        } catch {
            throw RenderError("The message \"\(key)\" (\(found.locale), \(found.message.location)) cannot be formatted: \(error).")
        }
    }

    /// Formats `keys` into nested dictionaries, so `a.b.c` is reached in Mustache as `t.a.b.c`.
    mutating func format(keys: Set<String>, arguments: [String: MessageArgument]) throws(RenderError) -> [String: Any] {
        var root: [String: Any] = [:]
        for key in keys.sorted() {
            let value = try text(for: key, arguments: arguments)
            root = Self.inserting(value, at: key.split(separator: ".").map(String.init)[...], into: root)
        }
        return root
    }

    private static func inserting(_ value: String, at path: ArraySlice<String>, into dictionary: [String: Any]) -> [String: Any] {
        var dictionary = dictionary
        guard let head = path.first else { return dictionary }
        if path.count == 1 {
            dictionary[head] = value
        } else {
            let child = dictionary[head] as? [String: Any] ?? [:]
            dictionary[head] = inserting(value, at: path.dropFirst(), into: child)
        }
        return dictionary
    }
}

/// Fallback chains by requested language, shared by the renders of one renderer.
final class ChainCache: @unchecked Sendable {
    private let lock = NSLock()
    private var chains: [LanguageTag: LocaleChain] = [:]

    func value(for language: LanguageTag) -> LocaleChain? { lock.withLock { chains[language] } }

    func store(_ chain: LocaleChain, for language: LanguageTag) { lock.withLock { chains[language] = chain } }
}
