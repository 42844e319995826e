import Foundation
import LiaisonInputs
import LiaisonLocalization
import LiaisonModel
import LiaisonRender

/// The checks that need more than one input at a time: schedule against roster and templates, templates
/// against catalogs, guardians' languages against the catalogs, and a trial render of every event.
struct CrossChecker {
    let snapshot: SchoolSnapshot
    let now: Date
    var diagnostics: [Diagnostic] = []
    var recipientCounts: [String: Int] = [:]

    init(snapshot: SchoolSnapshot, now: Date) {
        self.snapshot = snapshot
        self.now = now
    }

    /// Runs every check, the independent ones at the same time; diagnostics come in the checks' order.
    mutating func run() {
        let start = self
        let parts = Parallel.map(0..<4) { part -> CrossChecker in
            var checker = start
            switch part {
            case 0:
                checker.checkEvents()
                checker.checkProgress()
                checker.checkSendingPrerequisites()
            case 1:
                checker.checkCatalogs()
                checker.checkTemplates()
            case 2: checker.checkLanguages()
            default: checker.trialRenders()
            }
            return checker
        }
        for part in parts {
            diagnostics += part.diagnostics.dropFirst(start.diagnostics.count)
            recipientCounts.merge(part.recipientCounts) { first, _ in first }
        }
    }

    private var scheduleFile: String { snapshot.configuration.schedule }

    /// What would make sending fail later, found now: links whose tokens would cross a network in clear (or that a
    /// newsletter's one-click unsubscribe cannot use), and secrets the configuration names but that cannot be read.
    private mutating func checkSendingPrerequisites() {
        let configuration = snapshot.configuration
        let base = configuration.school.baseURL?.absoluteString
        let where_ = configuration.location(of: "school.base_url") ?? SourceLocation(file: configuration.file).field("school.base_url")
        switch base.map(LinkSecurity.init) {
        case nil:
            diagnostics.append(.warning(
                "config.no-base-url",
                "school.base_url is not set: links in messages point at http://127.0.0.1:8080, which works on this machine only. Set it to the https:// address families reach Liaison at.",
                at: SourceLocation(file: configuration.file).field("school.base_url")))
        case .insecure:
            let newsletters = snapshot.events.filter { MessageCategory.optional(for: $0) != nil }.map(\.id)
            let why = newsletters.isEmpty
                ? "acknowledgement links would carry their tokens across the network in clear"
                : "acknowledgement links would carry their tokens in clear, and the newsletters' one-click unsubscribe (RFC 8058) needs https, so every newsletter email would fail (\(newsletters.prefix(3).joined(separator: ", ")))"
            diagnostics.append(.error(
                "config.insecure-base-url", "school.base_url \(base!) is not https: \(why). Use the https:// address families reach Liaison at.",
                at: where_))
        case .loopback:
            diagnostics.append(.note(
                "config.local-base-url",
                "school.base_url \(base!) is this machine: links work only here, and newsletters carry no one-click unsubscribe (it needs https).",
                at: where_))
        case .https:
            break
        }
        for secret in Self.referencedSecrets(configuration) {
            if let problem = Self.unreadable(secret.reference) {
                diagnostics.append(Diagnostic(
                    secret.severity, code: "config.missing-secret", "\(secret.what) cannot be read: \(problem); \(secret.consequence).",
                    at: secret.location))
            }
        }
    }

    /// A secret the configuration refers to (never its value), and what its absence would cost.
    struct ReferencedSecret {
        var reference: SecretReference
        var what: String
        var consequence: String
        var severity: Diagnostic.Severity
        var location: SourceLocation
    }

    /// Every secret liaison.yaml refers to: relay passwords and webhook signing secrets (nothing goes out without
    /// them: errors) and the API tokens (the admin and gateway API refuses every request without them: a warning
    /// when `server.api_tokens_env`/`_file` names them, a note for the default `$LIAISON_API_TOKENS`).
    static func referencedSecrets(_ configuration: LiaisonConfiguration) -> [ReferencedSecret] {
        let file = SourceLocation(file: configuration.file)
        var secrets: [ReferencedSecret] = []
        for (index, relay) in configuration.delivery.relays.enumerated() {
            guard let password = relay.password else { continue }
            secrets.append(ReferencedSecret(
                reference: password, what: "Relay \(relay.name)'s password", consequence: "nothing can be sent through it",
                severity: .error, location: relay.origin ?? file.field("channels.email.relays[\(index)]")))
        }
        for (index, webhook) in configuration.delivery.webhooks.enumerated() {
            guard let secret = webhook.secret else { continue }
            secrets.append(ReferencedSecret(
                reference: secret, what: "Webhook \(webhook.name)'s signing secret", consequence: "every message to it would fail",
                severity: .error, location: webhook.origin ?? file.field("channels.webhooks[\(index)]")))
        }
        let named = ["server.api_tokens_file", "server.api_tokens_env"].lazy.compactMap { configuration.location(of: $0) }.first
        secrets.append(ReferencedSecret(
            reference: configuration.server.apiTokens, what: "The API tokens (\(configuration.server.apiTokens))",
            consequence: "the admin and gateway API would refuse every request: no alert raised with liaison alert or POST /v1/alerts, no answer posted by a gateway, no /metrics on the main address",
            severity: named == nil ? .note : .warning, location: named ?? file.field("server.api_tokens_env")))
        return secrets
    }

    /// Why a secret cannot be read, or nil when it can (its value is never kept nor shown).
    private static func unreadable(_ secret: SecretReference) -> String? {
        do {
            _ = try secret.resolve()
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func location(of event: Event, field: String) -> SourceLocation {
        (event.origin ?? SourceLocation(file: scheduleFile)).field("events.\(event.id).\(field)")
    }

    private mutating func checkEvents() {
        for event in snapshot.events {
            if snapshot.templates.template(named: event.template) == nil {
                let known = snapshot.templates.names.joined(separator: ", ")
                diagnostics.append(.error(
                    "schedule.unknown-template",
                    "Event \(event.id) uses template \"\(event.template)\", which is not a folder under the templates (known: \(known)).",
                    at: location(of: event, field: "template")))
            }
            if event.slotRules != nil, snapshot.templates.template(named: BookingConfirmation.template) == nil {
                diagnostics.append(.warning(
                    "schedule.no-booking-template",
                    "Event \(event.id) lets families book times, but the templates have no \(BookingConfirmation.template) folder to confirm their bookings with.",
                    at: location(of: event, field: "slots")))
            }
            let unknown = event.audience.unknownMembers(in: snapshot.roster)
            for (kind, names) in [("grade", unknown.grades), ("class", unknown.classes), ("student", unknown.students), ("family", unknown.families)] {
                for name in names {
                    diagnostics.append(.error(
                        "schedule.unknown-audience",
                        "Event \(event.id) names the \(kind) \"\(name)\", which is not in the roster.",
                        at: location(of: event, field: "audience")))
                }
            }
            let recipients = event.audience.recipients(in: snapshot.roster)
            recipientCounts[event.id] = recipients.count
            if recipients.isEmpty {
                diagnostics.append(.warning(
                    "schedule.empty-audience",
                    "Event \(event.id) reaches no guardian (audience: \(event.audience)).",
                    at: location(of: event, field: "audience")))
            }
            if event.start < now {
                diagnostics.append(.note(
                    "schedule.past-event", "Event \(event.id) has already started; nothing will be sent for it.",
                    at: location(of: event, field: "start")))
            }
            for option in event.rsvp where option.label == nil {
                if snapshot.catalogs.sourceCatalog?.messages[option.catalogKey] == nil {
                    diagnostics.append(.error(
                        "schedule.unknown-message",
                        "Event \(event.id) offers the answer \"\(option.id)\" without a label, and the catalog has no message \(option.catalogKey); add a label or the message.",
                        at: location(of: event, field: "rsvp")))
                }
            }
            if let form = event.survey?.form { checkForm(form, of: event) }
            if case .key(let key)? = event.consent?.statement, snapshot.catalogs.sourceCatalog?.messages[key] == nil {
                diagnostics.append(.error(
                    "schedule.unknown-message",
                    "The permission slip of \(event.id) uses the catalog message \(key), which the source catalog does not have; add it to the catalogs or write the text: in the event.",
                    at: location(of: event, field: "consent")))
            }
        }
    }

    /// Every catalog key a survey's form page shows must be in the source catalog (translations may fall back).
    private mutating func checkForm(_ form: FormDefinition, of event: Event) {
        guard let source = snapshot.catalogs.sourceCatalog else { return }
        var keys: [String] = []
        for question in form.questions {
            if case .key(let key) = question.text { keys.append(key) }
            for choice in question.choices { if case .key(let key) = choice.text { keys.append(key) } }
            if question.kind == .scale5 { keys += (1...5).map { "form.scale.\($0)" } }
            if question.kind == .rating10 { keys += ["form.rating.low", "form.rating.high"] }
        }
        for key in Set(keys).sorted() where source.messages[key] == nil {
            diagnostics.append(.error(
                "form.unknown-message",
                "The form of \(event.id) uses the catalog message \(key), which the source catalog does not have; add it to the catalogs or write the text in the form.",
                at: form.origin ?? location(of: event, field: "form")))
        }
    }

    private mutating func checkProgress() {
        for record in snapshot.progress where snapshot.roster.student(record.studentID) == nil {
            diagnostics.append(.error(
                "progress.unknown-student",
                "Progress for student \(record.studentID), who is not in the roster.",
                at: (record.origin ?? SourceLocation(file: snapshot.configuration.progress ?? "progress")).field("student_id")))
        }
    }

    /// Argument names messages may use: the standard ones and every top-level key of the events' data.
    private var knownArguments: Set<String> {
        MessageRenderer.standardArguments.union(MessageRenderer.otherLanguageArguments).union(MessageRenderer.pageArguments)
            .union(MessageRenderer.bookingArguments).union(snapshot.events.flatMap { $0.data.keys })
    }

    private mutating func checkCatalogs() {
        let catalogs = snapshot.catalogs
        diagnostics += catalogs.validate(knownArguments: knownArguments)
        if catalogs.catalogs[snapshot.school.defaultLocale] == nil,
           !catalogs.catalogs.keys.contains(where: { $0.language == snapshot.school.defaultLocale.language }) {
            diagnostics.append(.error(
                "catalog.no-source",
                "The school's default language \(snapshot.school.defaultLocale) has no catalog; every guardian's last fallback must exist.",
                at: snapshot.configuration.location(of: "school.default_locale")))
        }
        guard let source = catalogs.sourceCatalog else { return }
        // Keys Liaison itself writes into letters: the notes on text in another language or machine translated.
        let used = snapshot.templates.allMessageKeys.union([
            MessageRenderer.otherLanguageKey, MessageRenderer.machineTranslatedKey, MessageRenderer.bookingInterpreterKey,
        ])
        // rsvp.* label the answers schedules offer; ack.*, unsubscribe.*, page.* and form.* are the pages' own wording;
        // survey.q.* are ready-made questions a form may name; signup.page.* and consent.page.* word the booking and
        // permission slip pages, consent.statement.* are statements a permission slip may name.
        let pages = ["rsvp.", "ack.", "unsubscribe.", "page.", "form.", "survey.q.", "signup.page.", "consent.page.", "consent.statement."]
        for key in source.messages.keys.sorted() where !used.contains(key) && !pages.contains(where: { key.hasPrefix($0) }) {
            diagnostics.append(.warning(
                "catalog.unused-key", "The message \(key) is used by no template.", at: source.messages[key]?.location))
        }
    }

    private mutating func checkTemplates() {
        guard let source = snapshot.catalogs.sourceCatalog else { return }
        for name in snapshot.templates.names {
            var reported = Set<String>()
            for use in snapshot.templates.messageUses(in: name) where source.messages[use.key] == nil {
                guard reported.insert("\(use.location)").inserted else { continue }
                diagnostics.append(.error(
                    "template.unknown-message",
                    "The template uses t.\(use.key), but the source catalog has no message \(use.key).",
                    at: use.location))
            }
        }
    }

    private mutating func checkLanguages() {
        let renderer = snapshot.renderer
        var byLanguage: [LanguageTag: [Guardian]] = [:]
        for guardian in snapshot.roster.guardians {
            byLanguage[guardian.language, default: []].append(guardian)
        }
        for (language, guardians) in byLanguage.sorted(by: { $0.key < $1.key }) {
            let chain = renderer.chain(for: language)
            guard chain.fallbackKind == .otherLanguage else { continue }
            let names = guardians.prefix(5).map(\.id).joined(separator: ", ") + (guardians.count > 5 ? ", …" : "")
            diagnostics.append(.warning(
                "locale.fallback",
                "\(guardians.count) guardian(s) read \(language), which has no catalog; they will get \(chain.resolved) (\(chain)): \(names).",
                at: guardians.first?.origin?.field("language")))
        }
    }

    /// Renders every event once for each language among its recipients, so a message that cannot be formatted
    /// is found now and not when it is due.
    private mutating func trialRenders() {
        let renderer = snapshot.renderer
        let progress = snapshot.progressByStudent
        for event in snapshot.events where snapshot.templates.template(named: event.template) != nil {
            var seen = Set<LanguageTag>()
            for recipient in event.audience.recipients(in: snapshot.roster) where seen.insert(recipient.guardian.language).inserted {
                let request = RenderRequest(event: event, recipient: recipient, progress: progress, ackURL: "https://example.invalid/a/check", now: now)
                do {
                    _ = try renderer.render(request)
                    // A meeting families book: its confirmation too (times booked and given up, so every message is used).
                    if var booking = event.signUp?.exampleConfirmation(for: recipient, at: now),
                       snapshot.templates.template(named: BookingConfirmation.template) != nil {
                        booking.released = booking.times
                        var confirmation = request
                        confirmation.event = event.confirming(booking)
                        confirmation.includeShort = true
                        _ = try renderer.render(confirmation)
                    }
                } catch {
                    diagnostics.append(.error(
                        "render.failed",
                        "Event \(event.id) cannot be rendered for guardian \(recipient.guardian.id) (\(recipient.guardian.language)): \(error.message)",
                        at: location(of: event, field: "template")))
                }
            }
        }
    }
}
