import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// `GET /a/{token}` and `POST /a/{token}`: the page a guardian reaches from the link in a message.
///
/// GET only shows (mail scanners and link previews fetch links); POST with `answer=<id>` records.
struct AckPages: Sendable {
    let server: LiaisonHTTP

    /// The largest form body accepted (a form here holds one short field).
    static let maxFormSize = 4096

    func show(_ request: Request, context: some RequestContext) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        let token = context.parameters.get("token") ?? ""
        guard let (link, event) = try await find(token, in: site) else { return notFound(site) }
        if let visit = try await formVisit(link, event, site) { return try await FormPages(server: server).show(visit) }
        if let visit = signUpVisit(link, event, site, token) { return try await SignUpPages(server: server).show(visit) }
        if let visit = consentVisit(link, event, site) { return try await ConsentPages(server: server).show(visit) }
        let guardian = site.roster.guardian(link.guardianID)
        let text = PageText(site: site, language: guardian?.language ?? site.school.defaultLocale, timeZone: event.timeZone)
        let current = try await site.ledger.acknowledgement(eventID: event.id, guardianID: link.guardianID)

        var body = header(event, text)
        // An alert's note from the office: a family reached by SMS only reads it here.
        if event.kind == .alert, let note = event.note {
            body += "<blockquote class=\"note\">\(text.staffHTML(note))</blockquote>\n"
        }
        if let current {
            body += currentAnswer(current.answer, event, text)
        }
        if event.rsvp.isEmpty {
            // A notice: reading it late still counts, so the button stays until it is pressed.
            if current == nil {
                body += "<form method=\"post\">\n" + button(Acknowledgement.read, text("ack.page.read_button")) + "</form>\n"
            }
        } else if server.now() < event.start {
            // The choices as one group, named by the question; the current answer pressed (and shown as such).
            body += "<form method=\"post\">\n<fieldset>\n<legend>\(HTML.escape(text("ack.page.choose")))</legend>\n"
            for option in event.rsvp {
                body += button(option.id, text.label(ofAnswer: option.id, in: event), current: current?.answer == option.id)
            }
            body += "</fieldset>\n</form>\n"
            body += "<p class=\"note\">\(HTML.escape(text("ack.page.change_until", ["start": .date(event.start)])))</p>\n"
        } else {
            body += "<p>\(HTML.escape(tooLate(event, text)))</p>\n"
            return .html(.ok, page(text, body, title: .tooLate, event: event))
        }
        return .html(.ok, page(text, body, title: .event, event: event))
    }

    func answer(_ request: Request, context: some RequestContext) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        let token = context.parameters.get("token") ?? ""
        guard let (link, event) = try await find(token, in: site) else { return notFound(site) }
        if let visit = try await formVisit(link, event, site) { return try await FormPages(server: server).post(visit, request) }
        if let visit = signUpVisit(link, event, site, token) { return try await SignUpPages(server: server).post(visit, request) }
        if let visit = consentVisit(link, event, site) { return try await ConsentPages(server: server).post(visit, request) }
        let guardian = site.roster.guardian(link.guardianID)
        let text = PageText(site: site, language: guardian?.language ?? site.school.defaultLocale, timeZone: event.timeZone)

        let contentType = request.headers[.contentType] ?? ""
        guard Self.mediaType(of: contentType) == "application/x-www-form-urlencoded" else {
            return .html(.unsupportedMediaType, page(text, header(event, text) + invalid(text, token), title: .invalid, event: event))
        }
        let buffer = try await request.body.collect(upTo: Self.maxFormSize)
        let form = Self.parseForm(String(decoding: buffer.readableBytesView, as: UTF8.self))
        guard let answer = form["answer"], site.accepts(answer, for: event) else {
            return .html(.badRequest, page(text, header(event, text) + invalid(text, token), title: .invalid, event: event))
        }

        let now = server.now()
        let outcome =
            site.isTooLate(answer, for: event, at: now)
            ? .tooLate(deadline: event.start)
            : try await site.ledger.acknowledge(
                eventID: event.id, guardianID: link.guardianID, answer: answer, via: "page", occurrence: link.occurrence,
                at: now, changeUntil: event.start)
        var body = header(event, text)
        switch outcome {
        case .tooLate:
            body += "<p>\(HTML.escape(tooLate(event, text)))</p>\n"
            return .html(.conflict, page(text, body, title: .tooLate, event: event))
        case .recorded, .changed, .unchanged:
            if outcome.isNewAnswer { server.metrics.acknowledged(via: "page", linkIssuedAt: link.createdAt, now: server.now()) }
            // A guardian gone from the roster since the link was sent is not thanked by an empty name.
            if let given = guardian?.givenName, !given.isEmpty {
                body += "<p>\(HTML.escape(text("ack.page.thanks", ["guardian_given": .string(given)])))</p>\n"
            }
            let current = try await site.ledger.acknowledgement(eventID: event.id, guardianID: link.guardianID)
            body += currentAnswer(current?.answer ?? answer, event, text)
            if !event.rsvp.isEmpty {
                body += "<p class=\"note\">\(HTML.escape(text("ack.page.change_until", ["start": .date(event.start)])))</p>\n"
                body += backLink(text, token)
            }
            return .html(.ok, page(text, body, title: .thanks, event: event))
        }
    }

    /// `GET /a/{token}/meetings.ics`: a household's booked meetings as an iCalendar file.
    func meetings(_ request: Request, context: some RequestContext) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        let token = context.parameters.get("token") ?? ""
        guard let (link, event) = try await find(token, in: site), let visit = signUpVisit(link, event, site, token) else { return notFound(site) }
        return try await SignUpPages(server: server).calendar(visit)
    }

    // MARK: - Pieces

    /// A meeting's booking page, when the event has slots and the site a store for bookings.
    private func signUpVisit(_ link: AckLink, _ event: Event, _ site: AckSite, _ token: String) -> SignUpPages.Visit? {
        guard let plan = event.signUp, let store = site.forms, let guardian = site.roster.guardian(link.guardianID) else { return nil }
        let text = PageText(site: site, language: guardian.language, timeZone: event.timeZone)
        return SignUpPages.Visit(event: event, plan: plan, guardian: guardian, text: text, store: store, token: token)
    }

    /// A permission slip's page, when the event has `consent:` and the site a store for the answers.
    private func consentVisit(_ link: AckLink, _ event: Event, _ site: AckSite) -> ConsentPages.Visit? {
        guard let consent = event.consent, let store = site.forms, let guardian = site.roster.guardian(link.guardianID) else { return nil }
        let text = PageText(site: site, language: guardian.language, timeZone: event.timeZone)
        return ConsentPages.Visit(link: link, event: event, consent: consent, guardian: guardian, text: text, store: store)
    }

    /// A survey's form page, when the event has a form and the site a store for its answers.
    private func formVisit(_ link: AckLink, _ event: Event, _ site: AckSite) async throws -> FormPages.Visit? {
        guard let written = event.survey, let store = site.forms, let guardian = site.roster.guardian(link.guardianID) else { return nil }
        // The privacy the invitation promised holds, whatever the form says now.
        let survey = try await store.promised(written, eventID: event.id)
        let text = PageText(site: site, language: guardian.language, timeZone: event.timeZone)
        return FormPages.Visit(link: link, event: event, survey: survey, guardian: guardian, text: text, store: store)
    }

    /// The link and its event, or nil for an unknown token or an event no longer on the schedule.
    private func find(_ token: String, in site: AckSite) async throws -> (AckLink, Event)? {
        guard !token.isEmpty, token.utf8.count <= 128, let link = try await site.ledger.link(forToken: token),
            let event = site.events[link.eventID], site.linkWorks(guardianID: link.guardianID, event: event, at: server.now())
        else { return nil }
        return (link, event)
    }

    /// What a page's title says: the event, and the outcome when there is one.
    enum Title: String {
        case event = "ack.page.title_event"
        case thanks = "ack.page.title_thanks"
        case tooLate = "ack.page.title_too_late"
        case invalid = "ack.page.title_invalid"
    }

    private func page(_ text: PageText, _ body: String, title: Title? = nil, event: Event? = nil) -> String {
        let school = text.site.school.name
        let heading = if let title, let event {
            text(title.rawValue, ["event": .string(text.resolve(event.title)), "school": .string(school)])
        } else {
            text("ack.page.title", ["school": .string(school)])
        }
        return HTML.page(lang: text.language.rawValue, rtl: text.isRightToLeft, title: heading, body: body)
    }

    private func header(_ event: Event, _ text: PageText) -> String {
        // dir="auto": the school's name may be in another script than the page; a title with no translation for the
        // page's language says which it is in.
        "<p class=\"school\" dir=\"auto\">\(HTML.escape(text.site.school.name))</p>\n"
            + "<h1>\(text.staffHTML(event.title))</h1>\n"
            + "<p>\(HTML.escape(text.when(event)))</p>\n"
    }

    private func button(_ answer: String, _ label: String, current: Bool = false) -> String {
        let pressed = current ? " class=\"current\" aria-pressed=\"true\"" : ""
        let mark = current ? "<span aria-hidden=\"true\">✓ </span>" : ""
        return "<button type=\"submit\" name=\"answer\" value=\"\(HTML.escape(answer))\"\(pressed)>\(mark)\(HTML.escape(label))</button>\n"
    }

    /// The current answer, as a paragraph.
    private func currentAnswer(_ answer: String, _ event: Event, _ text: PageText) -> String {
        if answer == Acknowledgement.read {
            return "<p class=\"answer\">\(HTML.escape(text("ack.page.read_done")))</p>\n"
        }
        return "<p>\(HTML.escape(text("ack.page.current"))) <strong class=\"answer\">"
            + "\(HTML.escape(text.label(ofAnswer: answer, in: event)))</strong></p>\n"
    }

    private func tooLate(_ event: Event, _ text: PageText) -> String {
        text("ack.page.too_late", ["start": .date(event.start), "phone": .string(text.officeContact)])
    }

    private func invalid(_ text: PageText, _ token: String) -> String {
        "<p>\(HTML.escape(text("ack.page.invalid_answer")))</p>\n" + backLink(text, token)
    }

    /// A link back to the GET page, relative so that it works behind a proxy that adds a path prefix.
    private func backLink(_ text: PageText, _ token: String) -> String {
        "<p><a href=\"\(HTML.escape(token))\">\(HTML.escape(text("ack.page.back")))</a></p>\n"
    }

    private func notFound(_ site: AckSite) -> Response {
        let text = PageText(site: site, language: site.school.defaultLocale)
        let body = "<p class=\"school\" dir=\"auto\">\(HTML.escape(site.school.name))</p>\n"
            + "<p>\(HTML.escape(text("ack.page.not_found", ["phone": .string(text.officeContact)])))</p>\n"
        return .html(.notFound, page(text, body))
    }

    private func unavailable() -> Response {
        .text(.serviceUnavailable, "Not ready yet, please try again in a minute.\n")
    }

    // MARK: - Forms

    /// `application/x-www-form-urlencoded; charset=utf-8` → `application/x-www-form-urlencoded`.
    static func mediaType(of contentType: String) -> String {
        contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
    }

    /// Decodes a form body; the first value of a repeated name wins.
    static func parseForm(_ body: String) -> [String: String] {
        FormPages.parseFields(body).compactMapValues(\.first)
    }
}
