import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// Compose: a one-off message to the school, grades, classes, students or families (a teacher: their classes), as an
/// announcement, a reminder or a closure notice; previewed language by language (who gets another language or
/// untranslated text, which channels, how many SMS parts) before it is sent now or at a time; messages written here
/// can be cancelled, which withdraws what is still queued. Sending goes through the daemon's one planner and queue.
extension DeskPages {
    /// What the compose form holds, read from a POST or empty.
    struct ComposeForm {
        var kind = Composition.Kind.announcement
        var scope = "classes"
        var members = ""
        var title = ""
        var body = ""
        var date = ""
        var time = ""
        var when = "now"
        var sendAt = ""
        /// The id the preview gave the message: sending the same form twice saves it once.
        var id = ""

        init() {}

        init(_ form: [String: String]) {
            kind = Composition.Kind(rawValue: form["kind"] ?? "") ?? .announcement
            scope = ["school", "grades", "classes", "students", "families"].contains(form["scope"] ?? "") ? form["scope"]! : "classes"
            members = String((form["members"] ?? "").prefix(2000))
            title = String((form["title"] ?? "").prefix(400))
            body = String((form["body"] ?? "").prefix(10_000))
            date = String((form["date"] ?? "").prefix(10))
            time = String((form["time"] ?? "").prefix(5))
            when = form["when"] == "later" ? "later" : "now"
            sendAt = String((form["send_at"] ?? "").prefix(16))
            id = String((form["id"] ?? "").prefix(120))
        }

        var memberList: [String] {
            members.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0.isNewline }).map(String.init)
        }

        var audience: Audience {
            switch scope {
            case "school": .everyone
            case "grades": Audience(grades: memberList)
            case "students": Audience(students: memberList)
            case "families": Audience(families: memberList)
            default: Audience(classes: memberList)
            }
        }

        /// `2026-12-07` and `08:30` in the school's zone; nil when absent or malformed.
        static func instant(date: String, time: String?, zone: TimeZone) -> Date? {
            let parts = date.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { return nil }
            var components = DateComponents(year: parts[0], month: parts[1], day: parts[2])
            if let time {
                let clock = time.split(separator: ":").compactMap { Int($0) }
                guard clock.count == 2, (0..<24).contains(clock[0]), (0..<60).contains(clock[1]) else { return nil }
                components.hour = clock[0]
                components.minute = clock[1]
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            // 2026-13-05 or 2026-02-30 would roll over into another date: refused.
            guard let instant = calendar.date(from: components), calendar.component(.day, from: instant) == parts[2],
                  calendar.component(.month, from: instant) == parts[1], calendar.component(.year, from: instant) == parts[0]
            else { return nil }
            return instant
        }

        /// The composition, or the key of the message saying what to fix.
        func composition(by staff: DeskStaff, now: Date, zone: TimeZone) -> Result<Composition, ComposeProblem> {
            var about: Date?
            if !date.isEmpty {
                guard let day = Self.instant(date: date, time: time.isEmpty ? nil : time, zone: zone) else { return .failure(ComposeProblem("desk.compose.problem.date")) }
                about = day
            }
            var send = now
            if when == "later" {
                let parts = sendAt.split(separator: "T").map(String.init)
                guard parts.count == 2, let at = Self.instant(date: parts[0], time: parts[1], zone: zone) else {
                    return .failure(ComposeProblem("desk.compose.problem.send_at"))
                }
                send = at
            }
            let madeID = id.hasPrefix("compose-") && id.count <= 120 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
                ? id : Composition.makeID(by: staff.id, at: now)
            var composition = Composition(
                id: madeID, kind: kind, title: title.trimmingCharacters(in: .whitespacesAndNewlines),
                body: body.trimmingCharacters(in: .whitespacesAndNewlines), audience: audience, sendAt: send, date: about,
                allDay: about != nil && time.isEmpty, composedBy: staff.actor, composedAt: now)
            composition.title = LanguageRun.removingReserved(Whitespace.controlsRemoved(composition.title) ?? composition.title)
            composition.body = LanguageRun.removingReserved(Whitespace.multilineControlsRemoved(composition.body))
            if let problem = composition.problem(now: now, timeZone: zone) { return .failure(ComposeProblem("desk.compose.problem.\(problem)")) }
            return .success(composition)
        }
    }

    struct ComposeProblem: Error {
        let key: String
        init(_ key: String) { self.key = key }
    }

    /// A teacher writes only to their classes, or to students in them.
    static func mayWrite(_ audience: Audience, user: DeskUser, roster: Roster) -> Bool {
        guard user.access.role == .teacher else { return true }
        guard !audience.wholeSchool, audience.grades.isEmpty, audience.families.isEmpty else { return false }
        return audience.classes.allSatisfy { user.access.sees(className: $0) }
            && audience.students.allSatisfy { roster.student($0).map { user.access.sees(className: $0.className) } ?? false }
    }

    func compose(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .compose) { site, user, text in
            try await composePage(ComposeForm(), preview: nil, problem: nil, site: site, user: user, text: text)
        }
    }

    func composePost(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await posted(request, may: .compose) { site, user, text, fields in
            let form = ComposeForm(fields)
            let now = server.now()
            let composition: Composition
            switch form.composition(by: user.staff, now: now, zone: site.school.timeZone) {
            case .failure(let problem):
                return try await composePage(form, preview: nil, problem: text(problem.key), site: site, user: user, text: text, status: .badRequest)
            case .success(let made): composition = made
            }
            guard Self.mayWrite(composition.audience, user: user, roster: site.roster) else {
                return try await composePage(form, preview: nil, problem: text("desk.compose.problem.not_your_classes"), site: site, user: user, text: text, status: .forbidden)
            }
            let unknown = composition.audience.unknownMembers(in: site.roster)
            guard unknown.isEmpty else {
                let names = unknown.grades + unknown.classes + unknown.students + unknown.families
                return try await composePage(form, preview: nil, problem: text("desk.compose.problem.unknown", ["names": .string(names.joined(separator: ", "))]),
                                             site: site, user: user, text: text, status: .badRequest)
            }
            if fields["action"] == "send" {
                do {
                    let saved = try await service.compose(composition, by: user.staff)
                    return Self.redirect("/desk/events/\(Self.pathSegment(saved.id))")
                } catch let error as AdminRequestError where error.code == "duplicate" {
                    // The same form sent twice (a double click, a reload): the message went once; show it.
                    return Self.redirect("/desk/events/\(Self.pathSegment(composition.id))")
                } catch let error as AdminRequestError {
                    return try await composePage(form, preview: nil, problem: error.message, site: site, user: user, text: text, status: .badRequest)
                }
            }
            var preview = try await service.preview(composition)
            preview.id = composition.id
            return try await composePage(form, preview: preview, problem: nil, site: site, user: user, text: text)
        }
    }

    func cancelComposition(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await posted(request, may: .compose) { site, user, text, _ in
            let id = context.parameters.get("id")?.removingPercentEncoding ?? ""
            let mine = try await service.compositions().first { $0.id == id }
            // A teacher cancels only what they wrote; the office anything.
            guard let mine, user.access.may(.manageMessages) || mine.composedBy == user.staff.actor else { return forbidden(site, user) }
            _ = try await service.cancelComposition(id: mine.id, by: user.staff)
            return Self.redirect("/desk/compose")
        }
    }

    private func composePage(
        _ form: ComposeForm, preview: ComposePreview?, problem: String?, site: AckSite, user: DeskUser, text: DeskText,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var body = ""
        if let problem { body += "<p class=\"message error\" role=\"alert\">\(HTML.escape(problem))</p>\n" }
        body += "<form method=\"post\" action=\"/desk/compose\">\(user.csrfField)\n"
        body += "<fieldset><legend>\(text.html("desk.compose.kind"))</legend>"
        for kind in Composition.Kind.allCases {
            body += "<input type=\"radio\" id=\"kind-\(kind.rawValue)\" name=\"kind\" value=\"\(kind.rawValue)\"\(kind == form.kind ? " checked" : "")>"
                + "<label class=\"inline\" for=\"kind-\(kind.rawValue)\">\(text.html("desk.compose.kind.\(kind.rawValue)"))</label> "
        }
        body += "</fieldset>\n<fieldset><legend>\(text.html("desk.compose.to"))</legend>"
        let scopes = user.access.role == .teacher ? ["classes", "students"] : ["school", "grades", "classes", "students", "families"]
        for scope in scopes {
            body += "<input type=\"radio\" id=\"scope-\(scope)\" name=\"scope\" value=\"\(scope)\"\(scope == form.scope ? " checked" : "")>"
                + "<label class=\"inline\" for=\"scope-\(scope)\">\(text.html("desk.compose.scope.\(scope)"))</label> "
        }
        let hint = user.access.role == .teacher
            ? text("desk.compose.members_hint_teacher", ["classes": .string(user.staff.classes.joined(separator: " "))]) : text("desk.compose.members_hint")
        body += "<label for=\"members\">\(text.html("desk.compose.members"))</label>"
            + "<input type=\"text\" id=\"members\" name=\"members\" value=\"\(HTML.escape(form.members))\" aria-describedby=\"members-hint\">"
            + "<p id=\"members-hint\" class=\"muted\">\(HTML.escape(hint))</p></fieldset>\n"
        body += "<label for=\"title\">\(text.html("desk.compose.title_field"))</label><input type=\"text\" id=\"title\" name=\"title\" value=\"\(HTML.escape(form.title))\" maxlength=\"200\" required>\n"
            + "<label for=\"body\">\(text.html("desk.compose.body"))</label><textarea id=\"body\" name=\"body\" rows=\"6\" maxlength=\"5000\" required aria-describedby=\"body-hint\">\(HTML.escape(form.body))</textarea>"
            + "<p id=\"body-hint\" class=\"muted\">\(text.html("desk.compose.body_hint"))</p>\n"
        body += "<label for=\"date\">\(text.html("desk.compose.date"))</label><input type=\"date\" id=\"date\" name=\"date\" value=\"\(HTML.escape(form.date))\" aria-describedby=\"date-hint\">"
            + "<label for=\"time\">\(text.html("desk.compose.time"))</label><input type=\"time\" id=\"time\" name=\"time\" value=\"\(HTML.escape(form.time))\" aria-describedby=\"date-hint\">"
            + "<p id=\"date-hint\" class=\"muted\">\(text.html("desk.compose.date_hint"))</p>\n"
        body += "<fieldset><legend>\(text.html("desk.compose.when"))</legend>"
            + "<input type=\"radio\" id=\"when-now\" name=\"when\" value=\"now\"\(form.when == "now" ? " checked" : "")><label class=\"inline\" for=\"when-now\">\(text.html("desk.compose.now"))</label> "
            + "<input type=\"radio\" id=\"when-later\" name=\"when\" value=\"later\"\(form.when == "later" ? " checked" : "")><label class=\"inline\" for=\"when-later\">\(text.html("desk.compose.later"))</label>"
            + "<label for=\"send_at\">\(text.html("desk.compose.send_at"))</label><input type=\"datetime-local\" id=\"send_at\" name=\"send_at\" value=\"\(HTML.escape(form.sendAt))\"></fieldset>\n"
        if let preview { body += "<input type=\"hidden\" name=\"id\" value=\"\(HTML.escape(preview.id))\">" }
        body += "<p><button type=\"submit\" name=\"action\" value=\"preview\" class=\"secondary\">\(text.html("desk.compose.preview"))</button> "
        if preview != nil { body += "<button type=\"submit\" name=\"action\" value=\"send\">\(text.html("desk.compose.send"))</button>" }
        body += "</p></form>\n"
        if let preview { body += previewHTML(preview, text: text) }
        body += try await recentCompositions(site: site, user: user, text: text)
        return page(status, site, text, title: text("desk.compose.title"), user: user, current: "/desk/compose", body: body)
    }

    /// Each letter language side by side, in its own direction, with what its readers need to know.
    private func previewHTML(_ preview: ComposePreview, text: DeskText) -> String {
        var html = "<section aria-labelledby=\"preview-h\"><h2 id=\"preview-h\">\(text.html("desk.compose.preview_heading"))</h2>\n"
        let channels = preview.channels.sorted { $0.key < $1.key }.map { "\(text.named("desk.channel", $0.key)) \(text.integer($0.value))" }.joined(separator: ", ")
        html += "<p role=\"status\">\(text.html("desk.compose.summary", ["count": .integer(preview.guardians), "channels": .string(channels.isEmpty ? "–" : channels)]))</p>\n"
        if preview.unreachable > 0 { html += "<p class=\"message error\">\(text.html("desk.compose.unreachable", ["count": .integer(preview.unreachable)]))</p>\n" }
        html += "<div class=\"cards\">\n"
        for letter in preview.letters {
            let name = text.languageName(letter.language)
            html += "<article class=\"card preview\" aria-label=\"\(HTML.escape(name))\"><h3>\(HTML.escape(name)) – \(text.html("desk.compose.readers", ["count": .integer(letter.guardians)]))</h3>\n"
            if letter.fallbackGuardians > 0 {
                html += "<p class=\"muted\">\(text.html("desk.compose.fallback", ["count": .integer(letter.fallbackGuardians), "languages": .string(letter.requested.filter { $0 != letter.language }.map(text.languageName).joined(separator: ", "))]))</p>"
            }
            if !letter.untranslated.isEmpty {
                html += "<p class=\"urgent\">\(text.html("desk.compose.untranslated", ["fields": .string(letter.untranslated.map { text.named("desk.compose.field", $0) }.joined(separator: ", "))]))</p>"
            }
            if !letter.machineTranslated.isEmpty {
                html += "<p class=\"muted\">\(text.html("desk.compose.machine", ["fields": .string(letter.machineTranslated.map { text.named("desk.compose.field", $0) }.joined(separator: ", "))]))</p>"
            }
            let direction = letter.rightToLeft ? "rtl" : "ltr"
            html += "<div lang=\"\(HTML.escape(letter.language))\" dir=\"\(direction)\"><p><strong>\(HTML.escape(letter.subject))</strong></p>"
                + "<div class=\"letter\">\(HTML.escape(letter.text))</div>"
            if let sms = letter.sms {
                html += "<p class=\"muted\" dir=\"auto\">\(text.html("desk.compose.sms", ["parts": .integer(letter.smsParts ?? 1)]))</p><div class=\"letter sms\">\(HTML.escape(sms))</div>"
            }
            html += "</div></article>\n"
        }
        return html + "</div></section>\n"
    }

    private func recentCompositions(site: AckSite, user: DeskUser, text: DeskText) async throws -> String {
        let compositions = try await service.compositions().filter { user.access.may(.manageMessages) || $0.composedBy == user.staff.actor }
        guard !compositions.isEmpty else { return "" }
        var html = "<section aria-labelledby=\"recent-h\"><h2 id=\"recent-h\">\(text.html("desk.compose.recent"))</h2><ul>\n"
        for composition in compositions.prefix(30) {
            html += "<li><a href=\"/desk/events/\(Self.pathSegment(composition.id))\">\(HTML.escape(composition.title))</a> – "
                + HTML.escape(text.dateTime(composition.sendAt)) + " · " + HTML.escape(composition.audience.description)
            if composition.status == .cancelled {
                html += " · <strong>\(text.html("desk.events.cancelled"))</strong>"
            } else {
                html += "<form method=\"post\" action=\"/desk/compose/\(Self.pathSegment(composition.id))/cancel\" class=\"inline\">\(user.csrfField)"
                    + " <button type=\"submit\" class=\"secondary\" aria-label=\"\(text.html("desk.compose.cancel_named", ["title": .string(composition.title)]))\">\(text.html("desk.compose.cancel"))</button></form>"
            }
            html += "</li>\n"
        }
        return html + "</ul></section>\n"
    }
}
