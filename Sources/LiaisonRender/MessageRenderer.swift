import Foundation
import LiaisonLocalization
import LiaisonModel

/// What one guardian receives for one event: subject and both bodies, in their language.
public struct RenderedMessage: Sendable, Hashable {
    public var subject: String
    /// Empty when the request did not include it (`RenderRequest.includeHTML`).
    public var html: String
    public var text: String
    /// The short form for SMS and chat (sms.mustache); nil when not requested or the template has none.
    public var sms: String?
    /// The form read aloud by a voice gateway (voice.mustache); nil when not requested or the template has none.
    public var voice: String?
    /// The language the letter is written in (`<html lang>`, `Content-Language`).
    public var language: LanguageTag
    public var direction: TextDirection
    /// How the guardian's language was resolved.
    public var chain: LocaleChain
    /// Messages taken from a language later in the chain than `language` because it lacks them.
    public var fallbacks: [MessageFallback]
    /// Parts written by a translator as a whole letter (`templates/<name>/<locale>/…`).
    public var translatedParts: [TemplatePart]
    /// The calendar file an email carries (a booking confirmation's times), when the HTML letter was asked for.
    public var calendar: String? = nil
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
    /// Whether the HTML letter is wanted (email); without it only the subject and text are made, and
    /// `RenderedMessage.html` is empty.
    public var includeHTML: Bool
    /// Whether the SMS and voice forms are wanted (a guardian with an SMS, chat or voice channel).
    public var includeShort: Bool

    public init(
        event: Event, recipient: Recipient, progress: [String: [ProgressRecord]] = [:], ackURL: String? = nil, now: Date,
        includeHTML: Bool = true, includeShort: Bool = false
    ) {
        self.includeShort = includeShort
        self.event = event
        self.recipient = recipient
        self.progress = progress
        self.ackURL = ackURL
        self.now = now
        self.includeHTML = includeHTML
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
    private let caches = RenderCaches()
    /// Whether parts are filled into skeletons rendered once per context shape (off: every part through Mustache).
    var splicing = true

    /// The catalog message that tells a reader, in their language, which parts of a letter are in another.
    public static let otherLanguageKey = "common.other_language"
    /// The label of a machine translation: "(translated automatically from {language}; the original follows)".
    public static let machineTranslatedKey = "common.machine_translated"
    /// The arguments of a booking confirmation's own messages (how many times it gives up).
    public static let bookingArguments: Set<String> = ["released"]
    /// The line under a booked time saying an interpreter was asked for (a booking confirmation and its calendar file).
    public static let bookingInterpreterKey = "booking.interpreter"
    /// The arguments of ``otherLanguageKey``: the languages' names in the reader's language, and the office's phone.
    public static let otherLanguageArguments: Set<String> = ["language", "contact"]

    /// The arguments of the families' pages' own messages (the wait on a refused request's page; a form's close, group minimum, problem count and length limit).
    public static let pageArguments: Set<String> = ["seconds", "closes", "min_group", "count", "max", "host", "signed_at"]

    /// The arguments every message may use (for `check`).
    public static let standardArguments: Set<String> = [
        "school", "guardian", "guardian_given", "children", "children_count", "child", "event", "start", "end",
        "location", "days", "phone", "email", "student", "student_full", "grade", "class", "deadline",
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

    /// Works out ahead what rendering `template` for guardians asking for `languages` needs once per language (the
    /// letter's set-up and its messages compiled by ICU), so that the first renders find it done. A loader calls it
    /// where it has a core to spare; rendering gives the same result either way.
    public func prepare(template name: String, for languages: [LanguageTag]) {
        guard let template = templates.template(named: name) else { return }
        for requested in languages {
            _ = setUp(template, requested: requested, zone: school.timeZone)
        }
    }

    /// What every render of `template` for a guardian asking for `requested` in `zone` shares, from the caches:
    /// the fallback chain, the letter's set-up, a message bag for it and the message plans.
    private func setUp(_ template: MessageTemplate, requested: LanguageTag, zone: TimeZone)
        -> (chain: LocaleChain, letter: LetterSetup, messages: MessageBag, plans: (global: MessagePlan, perStudent: MessagePlan))
    {
        let chain = chain(for: requested)
        let setup = caches.letter(template: template.name, requested: requested) {
            letter(template, chain: chain, requested: requested)
        }
        let messages = MessageBag(catalogs: catalogs, chain: chain, letterLanguage: setup.language, formatter: formatter, zone: zone)
        let plans = caches.plans(template: template.name, requested: requested, letter: setup.language, zone: zone) {
            let keys = templates.keys(for: template)
            return (messages.plan(keys: keys.global), messages.plan(keys: keys.perStudent))
        }
        return (chain, setup, messages, plans)
    }

    public func render(_ request: RenderRequest) throws(RenderError) -> RenderedMessage {
        let event = request.event
        guard let template = templates.template(named: event.template) else {
            throw RenderError("Event \(event.id) uses template \"\(event.template)\", which does not exist under templates/.")
        }
        let guardian = request.recipient.guardian
        let zone = guardian.timeZone ?? school.timeZone
        var (chain, (sources, language, direction), messages, plans) = setUp(template, requested: guardian.language, zone: zone)
        let localeFormatter = LocaleFormatter(locale: language, timeZone: zone)
        var marking = LanguageMarking(letter: language, schoolDefault: school.defaultLocale)
        for source in LanguageMarking.machineSources(of: event, letter: language) {
            marking.machineNotes[source] = try messages.text(
                for: Self.machineTranslatedKey, arguments: ["language": .string(LanguageDisplayName.name(of: source, in: language))])
        }
        let arguments = messageArguments(request, chain: chain, formatter: localeFormatter, zone: zone, marking: marking)
        let translations = try messages.format(plans.global, arguments: arguments)

        var context: [(key: String, value: TemplateValue)] = [
            ("lang", .string(language.rawValue)),
            ("dir", .string(direction.rawValue)),
            ("school", schoolContext),
            ("guardian", .map([
                ("name", .string(guardian.displayName)), ("given_name", .string(guardian.givenName)),
                ("family_name", .string(guardian.familyName)),
            ])),
            ("children", .string(stringValue(arguments["children"]))),
            ("children_count", .int(request.recipient.students.count)),
            ("event", try eventContext(event, chain: chain, formatter: localeFormatter, marking: marking)),
            ("rsvp", try rsvpContext(event, chain: chain, messages: &messages, arguments: arguments, marking: marking)),
            ("data", marking.data(.map(event.data), chain: chain)),
            ("t", translations),
        ]
        if let consent = event.consent {
            // What the guardian agrees to: a catalog message (in their language, or marked) or the school's own words.
            var statement: String?
            switch consent.statement {
            case .key(let key)?: statement = try messages.text(for: key, arguments: arguments)
            case .inline(let text)?: statement = marking.staff(text, chain: chain)
            case nil: statement = nil
            }
            context.append(("consent", .map(statement.map { [("statement", .string($0))] } ?? [("any", .bool(true))])))
        }
        var calendar: String?
        if let booking = event.booking {
            let part = try bookingContext(
                booking, event: event, recipient: request.recipient, chain: chain, messages: &messages, arguments: arguments,
                formatter: localeFormatter, marking: marking, includeCalendar: request.includeHTML)
            context.append(("booking", part.context))
            calendar = part.calendar
        }
        if let ackURL = request.ackURL { context.append(("ack_url", .string(ackURL))) }
        var students: [TemplateValue] = []
        for student in request.recipient.students {
            var studentArguments = arguments
            studentArguments["student"] = .string(student.givenName)
            studentArguments["student_full"] = .string(student.displayName)
            studentArguments["grade"] = .string(student.grade)
            studentArguments["class"] = .string(student.className)
            let progress = request.progress[student.id] ?? []
            var entry: [(key: String, value: TemplateValue)] = [
                ("id", .string(student.id)), ("name", .string(student.displayName)), ("given_name", .string(student.givenName)),
                ("grade", .string(student.grade)), ("class", .string(student.className)),
                ("progress", .list(progress.map { record in
                    var row: [(key: String, value: TemplateValue)] = [
                        ("subject", .string(marking.text(record.subject, chain: chain))), ("mark", .string(record.mark)),
                        ("comment", .string(marking.text(record.comment, chain: chain))),
                    ]
                    if let teacher = record.teacher { row.append(("teacher", .string(teacher))) }
                    return .map(row)
                })),
                ("has_progress", .bool(!progress.isEmpty)),
            ]
            if !plans.perStudent.entries.isEmpty {
                entry.append(("t", try messages.format(plans.perStudent, arguments: studentArguments)))
            }
            students.append(.map(entry))
        }
        context.append(("students", .list(students)))
        // Text the reader's language does not cover is labelled where it stands; the letter also says so once, in
        // their language, with whom to ask.
        let foreign = LanguageMarking.languages(in: .map(context), letter: language)
        if !foreign.isEmpty {
            var noteArguments = arguments
            noteArguments["language"] = .string(caches.list(foreign.map { LanguageDisplayName.name(of: $0, in: language) }, formatter: localeFormatter))
            let contact = school.contact.phone ?? school.contact.email ?? school.name
            noteArguments["contact"] = .string(direction == .rtl ? BidiIsolation.leftToRight(contact) : contact)
            context.append(("other_language", .string(try messages.text(for: Self.otherLanguageKey, arguments: noteArguments))))
        }

        let root = TemplateValue.map(context)
        let parts = splicing ? ContextParts(root) : nil
        var direct: DirectContext?
        func renderPart(_ part: TemplatePart) throws(RenderError) -> String? {
            guard let source = sources[part] else { return nil }
            guard let output = try templates.render(root, parts: parts, direct: &direct, named: source.name) else {
                throw RenderError("Template part \(source.name) could not be rendered.")
            }
            return output
        }
        guard let htmlSource = sources[.html] else {
            throw RenderError("Template \(template.name) has no html.mustache.")
        }
        var html: String?
        func renderHTML() throws(RenderError) -> String {
            if let html { return html }
            let made = try renderPart(.html) ?? ""
            html = made
            return made
        }
        if request.includeHTML { _ = try renderHTML() }
        guard let subjectText = try renderPart(.subject) else {
            throw RenderError("Template \(template.name) has no subject.mustache.")
        }
        let labels = LanguageLabels(letter: language, direction: direction)
        let subject = labels.text(Whitespace.singleLine(subjectText))
        // The text comes from text.mustache, or from the HTML letter's skeleton (then the HTML itself is only made
        // when the skeleton cannot be used).
        let text: String
        if let written = try renderPart(.text) {
            text = written
        } else {
            text = try templates.plainText(ofHTML: renderHTML, context: root, parts: parts, named: htmlSource.name)
        }
        var sms: String?
        var voice: String?
        if request.includeShort {
            sms = try renderPart(.sms).map { labels.text(ShortText.tidy($0)) }
            voice = try renderPart(.voice).map { labels.text(ShortText.tidy($0)) }
        }
        return RenderedMessage(
            subject: subject, html: request.includeHTML ? labels.html(html ?? "") : "", text: labels.text(text), sms: sms, voice: voice,
            language: language, direction: direction, chain: chain,
            fallbacks: messages.fallbacks.sorted { $0.key < $1.key },
            translatedParts: TemplatePart.allCases.filter { sources[$0]?.locale != nil }, calendar: calendar)
    }

    /// `booking` of a booking confirmation: each time booked (heading, date, times, host and interpreter lines in the
    /// reader's language), whether any is left; and, for an email, the calendar file of those times.
    private func bookingContext(
        _ booking: BookingConfirmation, event: Event, recipient: Recipient, chain: LocaleChain, messages: inout MessageBag,
        arguments: [String: MessageArgument], formatter: LocaleFormatter, marking: LanguageMarking, includeCalendar: Bool
    ) throws(RenderError) -> (context: TemplateValue, calendar: String?) {
        var hostLines: [String: String] = [:]
        var interpreterLines: [LanguageTag: String] = [:]
        for time in booking.times + booking.released {
            if let host = time.host, hostLines[host] == nil {
                hostLines[host] = try messages.text(for: "signup.page.with_host", arguments: ["host": .string(host)])
            }
            if let language = time.interpreter, interpreterLines[language] == nil {
                interpreterLines[language] = try messages.text(
                    for: Self.bookingInterpreterKey, arguments: ["language": .string(LanguageDisplayName.spokenName(of: language, in: formatter.languageTag))])
            }
        }
        var times: [TemplateValue] = []
        var released: [TemplateValue] = []
        for (isReleased, time) in booking.times.map({ (false, $0) }) + booking.released.map({ (true, $0) }) {
            let children = recipient.students.filter { time.group == MeetingSlot.wholeEvent || $0.className == time.group }.map(\.givenName)
            let names = caches.list(children, formatter: formatter)
            let heading = time.group == MeetingSlot.wholeEvent
                ? names
                : try messages.text(for: "signup.page.for_class", arguments: ["class": .string(time.group), "children": .string(names)])
            var entry: [(key: String, value: TemplateValue)] = [
                ("heading", .string(heading)), ("date", .string(formatter.date(time.start))),
                ("from", .string(formatter.time(time.start))), ("to", .string(formatter.time(time.end))),
            ]
            if isReleased {
                released.append(.map(entry))
                continue
            }
            if let host = time.host, let line = hostLines[host] { entry.append(("host", .string(line))) }
            if let language = time.interpreter, let line = interpreterLines[language] { entry.append(("interpreter", .string(line))) }
            times.append(.map(entry))
        }
        let context = TemplateValue.map([
            ("times", .list(times)), ("any", .bool(!times.isEmpty)), ("none", .bool(times.isEmpty)),
            ("released", .list(released)), ("released_any", .bool(!released.isEmpty)),
        ])
        guard includeCalendar, !(booking.times.isEmpty && booking.released.isEmpty) else { return (context, nil) }
        let file = FamilyBookingCalendar(
            title: LanguageRun.removingMarks(marking.staff(event.title, chain: chain)),
            location: event.location.map { LanguageRun.removingMarks(marking.staff($0, chain: chain)) }, school: school,
            hostLine: { LanguageRun.removingMarks(hostLines[$0] ?? $0) }, interpreterLine: { LanguageRun.removingMarks(interpreterLines[$0] ?? $0.rawValue) })
        return (context, file.document(eventID: event.id, familyID: booking.familyID, times: booking.times, released: booking.released, stamp: booking.changedAt))
    }

    /// The locale a letter is labelled and formatted in (see ``LocaleChain/formattingLocale(requested:letter:schoolDefault:)``).
    func formattingLocale(requested: LanguageTag, letter: LanguageTag) -> LanguageTag {
        LocaleChain.formattingLocale(requested: requested, letter: letter, schoolDefault: school.defaultLocale)
    }

    private var schoolContext: TemplateValue {
        var context: [(key: String, value: TemplateValue)] = [("name", .string(school.name))]
        if let email = school.contact.email { context.append(("email", .string(email))) }
        if let phone = school.contact.phone {
            context.append(("phone", .string(phone)))
            // A tel: link is digits and a leading plus only (RFC 3966 allows visual separators, not every phone does).
            context.append(("phone_uri", .string(String(phone.unicodeScalars.filter { ("0"..."9").contains($0) || $0 == "+" }.map(Character.init)))))
        }
        if let address = school.contact.address { context.append(("address", .string(address))) }
        if let website = school.contact.website { context.append(("website", .string(website))) }
        if let url = school.baseURL { context.append(("base_url", .string(url.absoluteString))) }
        return .map(context)
    }

    /// Which file renders each part of `template` for a guardian asking for `requested` (a translator's letter
    /// along the chain wins over the catalog-based one), the language the letter is formatted in, and its direction.
    private func letter(_ template: MessageTemplate, chain: LocaleChain, requested: LanguageTag) -> LetterSetup {
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
        let language = formattingLocale(requested: requested, letter: sources[.html]?.locale ?? chain.resolved)
        return (sources, language, TextDirection(for: language))
    }

    private func messageArguments(
        _ request: RenderRequest, chain: LocaleChain, formatter: LocaleFormatter, zone: TimeZone, marking: LanguageMarking
    ) -> [String: MessageArgument] {
        let event = request.event
        let guardian = request.recipient.guardian
        let names = request.recipient.students.map(\.givenName)
        var arguments: [String: MessageArgument] = [:]
        arguments.reserveCapacity(event.data.count + 20)
        // The event's free data first, so the standard arguments win on a clash.
        for (key, value) in event.data {
            switch value {
            case .string(let text): arguments[key] = .string(marking.plain(text))
            case .text(let text): arguments[key] = .string(marking.staff(text, chain: chain))
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
        arguments["children"] = .string(caches.list(names, formatter: formatter))
        arguments["children_count"] = .integer(names.count)
        arguments["child"] = .string(names.first ?? "")
        arguments["event"] = .string(marking.staff(event.title, chain: chain))
        arguments["start"] = .date(event.start)
        if let end = event.end { arguments["end"] = .date(end) }
        arguments["location"] = .string(event.location.map { marking.staff($0, chain: chain) } ?? "")
        arguments["days"] = .integer(caches.days(from: request.now, to: event.start, in: zone))
        arguments["phone"] = .string(school.contact.phone ?? "")
        arguments["email"] = .string(school.contact.email ?? "")
        if let consent = event.consent { arguments["deadline"] = .date(consent.deadline) }
        if let booking = event.booking {
            arguments["closes"] = .date(booking.changeUntil)
            arguments["count"] = .integer(booking.times.count)
            arguments["released"] = .integer(booking.released.count)
        }
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

    private func eventContext(
        _ event: Event, chain: LocaleChain, formatter: LocaleFormatter, marking: LanguageMarking
    ) throws(RenderError) -> TemplateValue {
        var context: [(key: String, value: TemplateValue)] = [
            ("id", .string(event.id)),
            ("kind", .string(event.kind.rawValue)),
            ("title", .string(marking.staff(event.title, chain: chain))),
            ("date", .string(formatter.date(event.start))),
            ("all_day", .bool(event.allDay)),
            ("urgent", .bool(event.priority == .urgent)),
        ]
        if !event.allDay { context.append(("time", .string(formatter.time(event.start)))) }
        if let end = event.end {
            if !event.allDay { context.append(("end_time", .string(formatter.time(end)))) }
            if formatter.shortDate(end) != formatter.shortDate(event.start) { context.append(("end_date", .string(formatter.date(end)))) }
        }
        if let location = event.location { context.append(("location", .string(marking.staff(location, chain: chain)))) }
        return .map(context)
    }

    private func rsvpContext(
        _ event: Event, chain: LocaleChain, messages: inout MessageBag, arguments: [String: MessageArgument], marking: LanguageMarking
    ) throws(RenderError) -> TemplateValue {
        var options: [TemplateValue] = []
        for option in event.rsvp {
            let label: String
            if let written = option.label {
                label = marking.staff(written, chain: chain)
            } else {
                label = try messages.text(for: option.catalogKey, arguments: arguments)
            }
            options.append(.map([("id", .string(option.id)), ("label", .string(label))]))
        }
        return .map([("options", .list(options)), ("any", .bool(!options.isEmpty))])
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
            return marked(try formatter.format(found.message.text, locale: locale, timeZone: zone, arguments: arguments), from: found.locale)
        } catch {
            throw RenderError("The message \"\(key)\" (\(found.locale), \(found.message.location)) cannot be formatted: \(error).")
        }
    }

    /// A message found in `language`, marked when the letter is written otherwise (a catalog gap).
    private func marked(_ text: String, from language: LanguageTag) -> String {
        language == letterLanguage || LanguageDisplayName.sameWriting(language, letterLanguage) ? text : LanguageRun.mark(text, language: language)
    }

    /// Finds and compiles the messages of `keys` for this chain, letter language and zone, in key order.
    func plan(keys: Set<String>) -> MessagePlan {
        MessagePlan(keys.sorted().map { key in
            guard let found = catalogs.message(key, along: chain) else { return MessagePlan.Entry(key: key, found: nil) }
            let locale = found.locale.language == letterLanguage.language ? letterLanguage : found.locale
            return MessagePlan.Entry(
                key: key, found: (found.locale, found.message.location),
                prepared: formatter.prepare(found.message.text, locale: locale, timeZone: zone))
        })
    }

    /// Formats a plan's messages into nested maps, so `a.b.c` is reached in Mustache as `t.a.b.c`; fails as
    /// ``text(for:arguments:)`` would for the first key (in order) that fails.
    mutating func format(_ plan: MessagePlan, arguments: [String: MessageArgument]) throws(RenderError) -> TemplateValue {
        // The messages that name no value of the recipient's are the same for every recipient with the same event
        // values: looked up together, by those values, instead of one by one.
        let sharedIndices = plan.shared?.indices ?? []
        let sharedTexts = plan.shared?.texts(for: arguments)
        var root: [(key: String, value: TemplateValue)] = []
        var nextShared = 0
        for (index, entry) in plan.entries.enumerated() {
            guard let found = entry.found, let prepared = entry.prepared else {
                throw RenderError("The catalog message \"\(entry.key)\" exists in no catalog along \(chain); add it to the source catalog.")
            }
            if found.locale != chain.resolved {
                fallbacks.insert(MessageFallback(key: entry.key, language: found.locale))
            }
            let value: String
            if let sharedTexts, nextShared < sharedIndices.count, sharedIndices[nextShared] == index {
                value = sharedTexts[nextShared]
                nextShared += 1
            } else {
                do {
                    value = try prepared.format(arguments)
                } catch {
                    throw RenderError("The message \"\(entry.key)\" (\(found.locale), \(found.location)) cannot be formatted: \(error).")
                }
            }
            Self.insert(marked(value, from: found.locale), at: entry.path[...], into: &root)
        }
        return .map(root)
    }

    /// Sets `path` to `value`; a string found where a map is needed gives way to the map.
    private static func insert(_ value: String, at path: ArraySlice<String>, into map: inout [(key: String, value: TemplateValue)]) {
        guard let head = path.first else { return }
        let index = map.firstIndex { $0.key == head }
        if path.count == 1 {
            if let index { map[index].value = .string(value) } else { map.append((head, .string(value))) }
            return
        }
        var child: [(key: String, value: TemplateValue)] = []
        if let index, case .map(let existing) = map[index].value {
            child = existing
            map[index].value = .bool(false)  // the parent lets go, so the child is changed in place rather than copied
        }
        insert(value, at: path.dropFirst(), into: &child)
        if let index { map[index].value = .map(child) } else { map.append((head, .map(child))) }
    }
}

/// The catalog messages a template uses, found and compiled for one chain, letter language and zone.
struct MessagePlan: Sendable {
    struct Entry: Sendable {
        var key: String
        /// `key` split at its dots.
        var path: [String]
        /// Where the message was found; nil when no catalog along the chain has it.
        var found: (locale: LanguageTag, location: SourceLocation)?
        var prepared: MessageFormatter.Prepared?

        init(key: String, found: (locale: LanguageTag, location: SourceLocation)?, prepared: MessageFormatter.Prepared? = nil) {
            self.key = key
            self.path = key.split(separator: ".").map(String.init)
            self.found = found
            self.prepared = prepared
        }
    }

    let entries: [Entry]
    /// The entries whose text depends on no value of the recipient's, formatted together; nil when there are none.
    let shared: SharedMessages?

    init(_ entries: [Entry]) {
        self.entries = entries
        shared = SharedMessages(entries)
    }
}

/// The texts of a plan's messages that use none of ``recipientArguments``, by the values of the arguments they do
/// use: formatted once for all the recipients of an event and language. Bounded (emptied when full), locked.
final class SharedMessages: @unchecked Sendable {
    /// Arguments that differ from one recipient to the next (``MessageRenderer``'s, and those of each student).
    static let recipientArguments: Set<String> = [
        "guardian", "guardian_given", "children", "children_count", "child", "student", "student_full", "grade", "class",
    ]
    private static let capacity = 256

    /// Positions in the plan's entries, ascending.
    let indices: [Int]
    private let prepared: [MessageFormatter.Prepared]
    /// Every argument name those messages use, sorted: the key of a set of texts.
    private let names: [String]
    private let lock = NSLock()
    private var texts: [ExactArguments: [String]] = [:]

    init?(_ entries: [MessagePlan.Entry]) {
        var indices: [Int] = []
        var prepared: [MessageFormatter.Prepared] = []
        var names = Set<String>()
        for (index, entry) in entries.enumerated() {
            guard entry.found != nil, let message = entry.prepared, let used = message.argumentNames,
                  Self.recipientArguments.isDisjoint(with: used) else { continue }
            indices.append(index)
            prepared.append(message)
            names.formUnion(used)
        }
        guard !indices.isEmpty else { return nil }
        self.indices = indices
        self.prepared = prepared
        self.names = names.sorted()
    }

    /// The shared texts for these arguments, in `indices` order; nil when one of them cannot be formatted (the
    /// caller then formats message by message and reports the first failure in order).
    func texts(for arguments: [String: MessageArgument]) -> [String]? {
        let key = ExactArguments(names.map { arguments[$0] })
        if let hit = lock.withLock({ texts[key] }) { return hit }
        var made: [String] = []
        made.reserveCapacity(prepared.count)
        for message in prepared {
            guard let text = try? message.format(arguments) else { return nil }
            made.append(text)
        }
        lock.withLock {
            if texts.count >= Self.capacity { texts.removeAll(keepingCapacity: true) }
            texts[key] = made
        }
        return made
    }
}

/// Which file renders each part of a letter, the language it is formatted in, and its direction.
typealias LetterSetup = (sources: [TemplatePart: (name: String, locale: LanguageTag?)], language: LanguageTag, direction: TextDirection)

/// What the renders of one renderer share beyond fallback chains: letter set-ups and message plans per template and
/// language, the day count to an event, list formatting. All bounded (emptied when full) and guarded by one lock.
final class RenderCaches: @unchecked Sendable {
    private struct PlanKey: Hashable {
        var template: String
        var requested: LanguageTag
        var letter: LanguageTag
        var zone: String
    }

    private struct DaysKey: Hashable {
        var now: Date
        var start: Date
        var zone: String
    }

    private struct ListKey: Hashable {
        var locale: LanguageTag
        /// Compared as written, so each spelling of a name gets a list with that spelling.
        var items: [ExactText]

        init(locale: LanguageTag, items: [String]) {
            self.locale = locale
            self.items = items.map(ExactText.init)
        }
    }

    private struct LetterKey: Hashable {
        var template: String
        var requested: LanguageTag
    }

    private let lock = NSLock()
    private var letters: [LetterKey: LetterSetup] = [:]
    private var plans: [PlanKey: (global: MessagePlan, perStudent: MessagePlan)] = [:]
    private var days: [DaysKey: Int] = [:]
    private var lists: [ListKey: String] = [:]
    private let capacity = 1024

    /// The plans of `template` for a guardian's requested language (which fixes the chain), letter language and zone.
    func plans(
        template: String, requested: LanguageTag, letter: LanguageTag, zone: TimeZone,
        make: () -> (global: MessagePlan, perStudent: MessagePlan)
    ) -> (global: MessagePlan, perStudent: MessagePlan) {
        let key = PlanKey(template: template, requested: requested, letter: letter, zone: zone.identifier)
        return cached(key, in: \.plans, make: make)
    }

    /// The files, language and direction of `template`'s letter for a guardian's requested language.
    func letter(template: String, requested: LanguageTag, make: () -> LetterSetup) -> LetterSetup {
        cached(LetterKey(template: template, requested: requested), in: \.letters, make: make)
    }

    func days(from now: Date, to start: Date, in zone: TimeZone) -> Int {
        cached(DaysKey(now: now, start: start, zone: zone.identifier), in: \.days) {
            MessageRenderer.days(from: now, to: start, in: zone)
        }
    }

    func list(_ items: [String], formatter: LocaleFormatter) -> String {
        cached(ListKey(locale: formatter.languageTag, items: items), in: \.lists) { formatter.list(items) }
    }

    private func cached<Key: Hashable, Value>(
        _ key: Key, in table: ReferenceWritableKeyPath<RenderCaches, [Key: Value]>, make: () -> Value
    ) -> Value {
        if let hit = lock.withLock({ self[keyPath: table][key] }) { return hit }
        let value = make()
        lock.withLock {
            if self[keyPath: table].count >= capacity { self[keyPath: table].removeAll(keepingCapacity: true) }
            self[keyPath: table][key] = value
        }
        return value
    }
}

/// Fallback chains by requested language, shared by the renders of one renderer.
final class ChainCache: @unchecked Sendable {
    private let lock = NSLock()
    private var chains: [LanguageTag: LocaleChain] = [:]

    func value(for language: LanguageTag) -> LocaleChain? { lock.withLock { chains[language] } }

    func store(_ chain: LocaleChain, for language: LanguageTag) { lock.withLock { chains[language] = chain } }
}
