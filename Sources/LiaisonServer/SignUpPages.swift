import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel
import LiaisonRender
import LiaisonStore

/// The page of a meeting families book a time for (`/a/{token}` of an event with slots): per class of the
/// household's children, the free times with the places left, the household's booking, an interpreter request
/// ticked beforehand for a family reading another language than the school's, and a calendar file of its bookings
/// (`/a/{token}/meetings.ics`). First come, first served: the store refuses a slot that has filled meanwhile.
/// Every change of a household's bookings is confirmed by a letter to its guardians (with the calendar file by email).
struct SignUpPages: Sendable {
    let server: LiaisonHTTP

    struct Visit {
        var event: Event
        var plan: SignUpPlan
        var guardian: Guardian
        var text: PageText
        var store: any FormStore
        var token: String
    }

    /// The household's children per group it books in.
    private func groups(_ visit: Visit) -> [(group: String, children: [Student])] {
        let roster = visit.text.site.roster
        let children = roster.guardians(inFamily: visit.guardian.familyID).flatMap { roster.students(of: $0.id) }
        let concerned = Dictionary(grouping: Array(Set(children)), by: \.className)
        return visit.plan.groups(for: children).map { group in
            (group, (group == MeetingSlot.wholeEvent ? Array(Set(children)) : concerned[group] ?? []).sorted { $0.id < $1.id })
        }
    }

    func show(_ visit: Visit, notice: String = "", status: HTTPResponse.Status = .ok) async throws -> Response {
        let bookings = try await visit.store.bookings(eventID: visit.event.id)
        return page(visit, notice + body(visit, bookings: bookings), status: status)
    }

    func post(_ visit: Visit, _ request: Request) async throws -> Response {
        guard AckPages.mediaType(of: request.headers[.contentType] ?? "") == "application/x-www-form-urlencoded" else {
            return try await show(visit, notice: paragraph(visit.text("ack.page.invalid_answer")), status: .unsupportedMediaType)
        }
        let buffer = try await request.body.collect(upTo: AckPages.maxFormSize)
        let fields = AckPages.parseForm(String(decoding: buffer.readableBytesView, as: UTF8.self))
        let now = server.now()
        let text = visit.text
        let mine = Set(groups(visit).map(\.group))
        guard let group = fields["group"], mine.contains(group) else {
            return try await show(visit, notice: paragraph(text("ack.page.invalid_answer")), status: .badRequest)
        }
        if now >= visit.plan.bookUntil { return try await show(visit, status: .conflict) }
        if fields["action"] == "cancel" {
            let cancelled = try await visit.store.cancelBooking(
                eventID: visit.event.id, group: group, familyID: visit.guardian.familyID, bookUntil: visit.plan.bookUntil, now: now)
            if cancelled == true { server.confirmations?.bookingChanged() }
            return try await show(visit, notice: cancelled == true ? status(text("signup.page.cancelled")) : "")
        }
        guard let slotID = fields["slot"], let slot = visit.plan.slot(slotID), slot.group == group else {
            return try await show(visit, notice: paragraph(text("ack.page.invalid_answer")), status: .badRequest)
        }
        let interpreter = visit.plan.interpreter && fields["interpreter"] == "yes" ? visit.guardian.language.rawValue : nil
        let outcome = try await visit.store.book(
            slot, eventID: visit.event.id, familyID: visit.guardian.familyID, guardianID: visit.guardian.id, interpreter: interpreter,
            bookUntil: visit.plan.bookUntil, now: now)
        switch outcome {
        case .booked, .moved, .unchanged:
            // The store counted the change (if any) with the booking; the daemon confirms it.
            server.confirmations?.bookingChanged()
            // Every class booked: the household's reminders queued before are withdrawn.
            let household = visit.text.site.recipients(of: visit.event).filter { $0.guardian.familyID == visit.guardian.familyID }
            let bookings = try await visit.store.bookings(eventID: visit.event.id)
            if visit.plan.unbooked(household, bookings: bookings).isEmpty {
                _ = try await AnsweredReminders(outbox: server.outbox).withdraw(event: visit.event, guardianIDs: household.map(\.guardian.id), now: now)
            }
            return try await show(visit, notice: status(text("signup.page.booked")))
        case .full:
            return try await show(visit, notice: alert(text("signup.page.taken")), status: .conflict)
        case .closed:
            return try await show(visit, status: .conflict)
        case .unknownSlot:
            return try await show(visit, notice: paragraph(text("ack.page.invalid_answer")), status: .badRequest)
        }
    }

    /// `GET /a/{token}/meetings.ics`: the household's booked meetings (the file its confirmations carry).
    func calendar(_ visit: Visit) async throws -> Response {
        let bookings = try await visit.store.bookings(eventID: visit.event.id)
        let revision = try await visit.store.bookingRevision(eventID: visit.event.id, familyID: visit.guardian.familyID)
        let document = Self.calendarFile(visit.text, event: visit.event).document(
            eventID: visit.event.id, familyID: visit.guardian.familyID,
            times: visit.plan.times(of: visit.guardian.familyID, in: bookings, revision: revision), stamp: server.now())
        var response = Response.text(.ok, document, contentType: "text/calendar; charset=utf-8")
        response.headers[.contentDisposition] = "attachment; filename=\"meetings.ics\""
        return response
    }

    /// The calendar file of a household's times, worded in the page's language.
    static func calendarFile(_ text: PageText, event: Event) -> FamilyBookingCalendar {
        FamilyBookingCalendar(
            title: LanguageRun.removingMarks(text.resolve(event.title)), location: event.location.map { LanguageRun.removingMarks(text.resolve($0)) },
            school: text.site.school,
            hostLine: { LanguageRun.removingMarks(text("signup.page.with_host", ["host": .string($0)])) },
            interpreterLine: { LanguageRun.removingMarks(text(MessageRenderer.bookingInterpreterKey, ["language": .string(LanguageDisplayName.spokenName(of: $0, in: text.language))])) })
    }

    // MARK: - Pieces

    private func paragraph(_ text: String) -> String { "<p>\(HTML.escape(text))</p>\n" }
    private func status(_ text: String) -> String { "<p class=\"answer\" role=\"status\">\(HTML.escape(text))</p>\n" }
    private func alert(_ text: String) -> String { "<p class=\"problem\" role=\"alert\">\(HTML.escape(text))</p>\n" }

    private func page(_ visit: Visit, _ content: String, status: HTTPResponse.Status) -> Response {
        let text = visit.text
        let title = text("ack.page.title_event", ["event": .string(text.resolve(visit.event.title)), "school": .string(text.site.school.name)])
        let body = "<p class=\"school\" dir=\"auto\">\(HTML.escape(text.site.school.name))</p>\n"
            + "<h1>\(text.staffHTML(visit.event.title))</h1>\n<p>\(HTML.escape(text.when(visit.event)))</p>\n" + content
        return .html(status, HTML.page(lang: text.language.rawValue, rtl: text.isRightToLeft, title: title, body: body))
    }

    private func body(_ visit: Visit, bookings: [SlotBooking]) -> String {
        let text = visit.text
        let formatter = LocaleFormatter(locale: text.formattingLocale, timeZone: visit.event.timeZone)
        let open = server.now() < visit.plan.bookUntil
        let taken = Dictionary(grouping: bookings, by: \.slotID).mapValues(\.count)
        let ours = Dictionary(
            bookings.filter { $0.familyID == visit.guardian.familyID }.map { ($0.group, $0) }, uniquingKeysWith: { first, _ in first })
        var html = open
            ? paragraph(text("signup.page.intro", ["closes": .date(visit.plan.bookUntil)]))
            : paragraph(text("signup.page.closed", ["closes": .date(visit.plan.bookUntil), "phone": .string(text.officeContact)]))
        if let location = visit.event.location { html += "<p>\(text.staffHTML(location))</p>\n" }
        for (group, children) in groups(visit) {
            let names = children.map(\.givenName).joined(separator: ", ")
            let heading = group == MeetingSlot.wholeEvent
                ? names : text("signup.page.for_class", ["class": .string(group), "children": .string(names)])
            html += "<section aria-labelledby=\"g-\(HTML.escape(group))\">\n<h2 id=\"g-\(HTML.escape(group))\" dir=\"auto\">\(HTML.escape(heading))</h2>\n"
            let slots = visit.plan.slots(of: group)
            if let host = slots.first?.host { html += paragraph(text("signup.page.with_host", ["host": .string(host)])) }
            let booked = ours[group]
            if let booked, let slot = visit.plan.slot(booked.slotID) {
                html += "<p>\(HTML.escape(text("signup.page.your_time"))) <strong class=\"answer\">"
                    + "\(HTML.escape(formatter.date(slot.start))), \(HTML.escape(formatter.time(slot.start)))–\(HTML.escape(formatter.time(slot.end)))</strong></p>\n"
            }
            guard open else {
                html += "</section>\n"
                continue
            }
            let free = slots.filter { (taken[$0.id] ?? 0) < $0.capacity || booked?.slotID == $0.id }
            if free.isEmpty {
                html += paragraph(text("signup.page.none_left", ["phone": .string(text.officeContact)])) + "</section>\n"
                continue
            }
            html += "<form method=\"post\">\n<input type=\"hidden\" name=\"group\" value=\"\(HTML.escape(group))\">\n"
            html += "<fieldset>\n<legend>\(HTML.escape(text("signup.page.choose")))</legend>\n"
            for (index, slot) in slots.enumerated() {
                let left = slot.capacity - (taken[slot.id] ?? 0)
                let isOurs = booked?.slotID == slot.id
                let id = "s-\(group)-\(index)"
                let note = isOurs ? "" : (left <= 0 ? text("signup.page.full") : (slot.capacity > 1 ? text("signup.page.places", ["count": .integer(left)]) : ""))
                let disabled = left <= 0 && !isOurs ? " disabled" : ""
                html += "<div class=\"choice\"><input type=\"radio\" id=\"\(HTML.escape(id))\" name=\"slot\" value=\"\(HTML.escape(slot.id))\"\(isOurs ? " checked" : "")\(disabled)>"
                    + "<label for=\"\(HTML.escape(id))\">\(HTML.escape(formatter.time(slot.start)))–\(HTML.escape(formatter.time(slot.end)))"
                    + (note.isEmpty ? "" : " <span class=\"note\">(\(HTML.escape(note)))</span>") + "</label></div>\n"
            }
            html += "</fieldset>\n"
            if visit.plan.interpreter {
                // Ticked beforehand for a family that reads another language than the school's, as booked otherwise.
                let school = text.site.school.defaultLocale
                let wanted = booked.map { $0.interpreter != nil } ?? (visit.guardian.language.language != school.language)
                let language = LanguageDisplayName.spokenName(of: visit.guardian.language, in: text.language)
                html += "<div class=\"choice\"><input type=\"checkbox\" id=\"i-\(HTML.escape(group))\" name=\"interpreter\" value=\"yes\"\(wanted ? " checked" : "")>"
                    + "<label for=\"i-\(HTML.escape(group))\">\(HTML.escape(text("signup.page.interpreter", ["language": .string(language)])))</label></div>\n"
            }
            html += "<button type=\"submit\" name=\"action\" value=\"book\">\(HTML.escape(text("signup.page.book")))</button>\n"
            if booked != nil {
                html += "<button type=\"submit\" name=\"action\" value=\"cancel\" class=\"secondary\">\(HTML.escape(text("signup.page.cancel")))</button>\n"
            }
            html += "</form>\n</section>\n"
        }
        if !ours.isEmpty {
            html += "<p><a href=\"\(HTML.escape(visit.token))/meetings.ics\">\(HTML.escape(text("signup.page.calendar")))</a></p>\n"
        }
        return html
    }
}
