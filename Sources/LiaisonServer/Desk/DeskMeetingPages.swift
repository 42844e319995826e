import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel
import LiaisonRender
import LiaisonStore

/// My meetings: the booked times of the meetings families book, in the classes the member of staff sees (a teacher's
/// day), and a calendar address their phone subscribes to. The address carries a token of its own (a phone's
/// calendar has no session): shown once when made, kept hashed, replaced by making a new one, ended by a password
/// reset or a disabled account.
extension DeskPages {
    static let feedPath = "/feeds/meetings/"

    func meetings(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .followMessages) { site, user, text in
            try await meetingsPage(site: site, user: user, text: text, newAddress: nil)
        }
    }

    /// `POST /desk/meetings/feed`: a new calendar address, shown on this page only.
    func newMeetingFeed(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await posted(request, may: .followMessages) { site, user, text, _ in
            let token = DeskSessions.newToken()
            try await backend.staff.replaceFeedToken(staffID: user.staff.id, token: token, now: server.now())
            let base = site.school.baseURL?.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) ?? ""
            return try await meetingsPage(site: site, user: user, text: text, newAddress: base + Self.feedPath + token + ".ics")
        }
    }

    private func meetingsPage(site: AckSite, user: DeskUser, text: DeskText, newAddress: String?) async throws -> Response {
        var body = ""
        let classes = user.access.role == .teacher ? user.access.classes : nil
        var any = false
        for (event, slots) in try await bookedSlots(site: site) {
            let mine = slots.filter { !$0.booked.isEmpty && (classes?.contains($0.group) ?? true) }
            guard !mine.isEmpty else { continue }
            any = true
            let title = event.title.resolve(along: [text.language, site.school.defaultLocale]).text
            var table = "<table><caption>\(HTML.escape(title))</caption><thead><tr>"
            for key in ["desk.col.time", "desk.col.class", "desk.col.booked", "desk.col.interpreter"] { table += "<th scope=\"col\">\(text.html(key))</th>" }
            table += "</tr></thead><tbody>\n"
            for slot in mine {
                table += "<tr><th scope=\"row\">\(HTML.escape(text.time(slot.start)))–\(HTML.escape(text.time(slot.end)))</th>"
                    + "<td>\(HTML.escape(slot.group == MeetingSlot.wholeEvent ? "–" : slot.group))</td>"
                    + "<td dir=\"auto\">\(slot.booked.map { HTML.escape($0.children.joined(separator: ", ")) }.joined(separator: "<br>"))</td>"
                    + "<td>\(slot.booked.compactMap(\.interpreter).map { HTML.escape(text.languageName($0)) }.joined(separator: ", ").nonEmpty ?? "–")</td></tr>\n"
            }
            body += "<h2>\(HTML.escape(title)) · \(HTML.escape(text.dateTime(slots.first?.start ?? event.start)))</h2>\n"
                + DeskLayout.scrolling(table + "</tbody></table>", label: title)
        }
        if !any { body += "<p>\(text.html("desk.meetings.none"))</p>\n" }

        body += "<h2 id=\"calendar\">\(text.html("desk.meetings.feed_title"))</h2>\n<p>\(text.html("desk.meetings.feed_explain"))</p>\n"
        if let newAddress {
            body += "<div class=\"message ok\" role=\"status\"><p>\(text.html("desk.meetings.feed_shown"))</p>"
                + "<p><code dir=\"ltr\" class=\"secret\">\(HTML.escape(newAddress))</code></p></div>\n"
        } else if let made = try await backend.staff.feedMade(staffID: user.staff.id) {
            body += "<p>\(text.html("desk.meetings.feed_made", ["date": .string(text.dateTime(made))]))</p>\n"
        }
        body += "<form method=\"post\" action=\"/desk/meetings/feed\">\(user.csrfField)"
            + "<button type=\"submit\" class=\"secondary\">\(text.html("desk.meetings.feed_new"))</button></form>\n"
        return page(.ok, site, text, title: text("desk.meetings.title"), user: user, current: "/desk/meetings", body: body)
    }

    /// Every meeting families book, with its slots and who booked them.
    private func bookedSlots(site: AckSite) async throws -> [(Event, [SlotRow])] {
        guard let forms = site.forms else { return [] }
        var result: [(Event, [SlotRow])] = []
        for event in site.events.values.sorted(by: { ($0.start, $0.id) < ($1.start, $1.id) }) where !event.isCancelled {
            guard let plan = event.signUp else { continue }
            result.append((event, plan.status(of: event, roster: site.roster, bookings: try await forms.bookings(eventID: event.id)).slots))
        }
        return result
    }

    /// `GET /feeds/meetings/{token}.ics`: the calendar a phone subscribes to; 404 for a token that is unknown, replaced,
    /// or whose account is disabled (nothing says which).
    func meetingFeed(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        var token = context.parameters.get("token") ?? ""
        if token.hasSuffix(".ics") { token.removeLast(4) }
        guard !token.isEmpty, token.utf8.count <= 128, let staffID = try await backend.staff.feedOwner(token: token) else {
            return .text(.notFound, "No such calendar.\n")
        }
        // The staff file decides, as for a desk session: someone who left the file, or whose role no longer follows
        // messages (a teacher who became the nurse), gets nothing, and their address ends for good (coming back to
        // the file with the same id does not bring it back).
        guard let staff = site.staff[staffID], DeskAccess(staff).may(.followMessages) else {
            try await backend.staff.removeFeed(staffID: staffID)
            return .text(.notFound, "No such calendar.\n")
        }
        let classes: Set<String>? = staff.role == .teacher ? Set(staff.classes) : nil
        let language = staff.language ?? site.school.defaultLocale
        let items = try await bookedSlots(site: site).flatMap { event, slots in
            StaffMeetingCalendar.items(event: event, slots: slots, classes: classes, language: language)
        }
        let document = StaffMeetingCalendar.document(items, school: site.school.name, name: "\(site.school.name): \(staff.name)", now: server.now())
        // It names children: the security headers' `Cache-Control: no-store` keeps it out of caches.
        return Response.text(.ok, document, contentType: "text/calendar; charset=utf-8")
    }
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
