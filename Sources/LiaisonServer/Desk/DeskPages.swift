import Foundation
import Hummingbird
import LiaisonCrypto
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// The office desk's pages (`/desk/…`): sign-in, Today, Alerts and Not reached. Every page is rendered on the
/// server and works without a script; every form carries the CSRF token and is checked for its origin; every page
/// asks ``DeskAccess`` what the member of staff may see.
struct DeskPages: Sendable {
    let server: LiaisonHTTP
    let backend: DeskBackend
    let sessions: DeskSessions

    static let maxFormSize = 16 * 1024
    static let maxComposeSize = 96 * 1024
    /// Households on one page of the Not reached list.
    static let householdsPerPage = 100

    init(server: LiaisonHTTP, backend: DeskBackend) {
        self.server = server
        self.backend = backend
        sessions = DeskSessions(backend: backend, now: server.now)
    }

    var service: any DeskService { backend.service }

    // MARK: Frame

    func page(
        _ status: HTTPResponse.Status, _ site: AckSite, _ text: DeskText, title: String, user: DeskUser?, current: String?,
        body: String
    ) -> Response {
        .html(status, DeskLayout.page(text, title: title, user: user, current: current, body: body, schoolName: site.school.name))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    func unavailable() -> Response { .text(.serviceUnavailable, "The school's files are not loaded yet. Please try again in a moment.\n") }

    /// Runs `page` for a signed-in member of staff who may do `action`; otherwise the sign-in page or a refusal.
    func signedIn(
        _ request: Request, may action: DeskAccess.Action? = nil, _ page: (AckSite, DeskUser, DeskText) async throws -> Response
    ) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        guard let user = try await sessions.user(request, site: site) else { return Self.redirect("/desk/login") }
        if let action, !user.access.may(action) { return forbidden(site, user) }
        return try await page(site, user, DeskText(site: site, staff: user.staff))
    }

    /// `signedIn` for a form: its origin and CSRF token are checked before anything else.
    func posted(
        _ request: Request, may action: DeskAccess.Action?, _ handle: (AckSite, DeskUser, DeskText, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        guard let user = try await sessions.user(request, site: site) else { return Self.redirect("/desk/login") }
        switch try await checkedForm(request, site: site, session: user.sessionToken) {
        case .refused(let refusal): return refusal
        case .ok(let form):
            if let action, !user.access.may(action) { return forbidden(site, user) }
            return try await handle(site, user, DeskText(site: site, staff: user.staff), form)
        }
    }

    func forbidden(_ site: AckSite, _ user: DeskUser) -> Response {
        let text = DeskText(site: site, staff: user.staff)
        return page(.forbidden, site, text, title: text("desk.forbidden.title"), user: user, current: nil,
                    body: "<p class=\"message error\">\(text.html("desk.forbidden.body"))</p>")
    }

    /// The form of a POST, once its origin and token are checked; nil (and the refusal to send) otherwise.
    private func checkedForm(_ request: Request, site: AckSite, session: String?) async throws -> Checked<[String: String]> {
        // A message written in Arabic or Chinese takes 6 to 9 bytes a character once form-encoded.
        let limit = request.uri.path == "/desk/compose" ? Self.maxComposeSize : Self.maxFormSize
        let buffer = try await request.body.collect(upTo: limit)
        let form = AckPages.parseForm(String(decoding: buffer.readableBytesView, as: UTF8.self))
        let sameOrigin = DeskCSRF.isSameOrigin(
            fetchSite: request.headers[HeaderName("Sec-Fetch-Site")!], origin: request.headers[HeaderName("Origin")!],
            host: request.head.authority ?? request.headers[HeaderName("Host")!], publicURL: site.school.baseURL)
        let tokenOK = session.map { DeskCSRF.matches(form["csrf"], session: $0) } ?? false
        guard sameOrigin, tokenOK else {
            let text = DeskText(site: site, staff: nil)
            return .refused(page(.forbidden, site, text, title: text("desk.csrf.title"), user: nil, current: nil,
                                 body: "<p class=\"message error\">\(text.html("desk.csrf.body"))</p><p><a href=\"/desk\">\(text.html("desk.csrf.back"))</a></p>"))
        }
        return .ok(form)
    }

    // MARK: Sign-in

    func loginPage(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        if try await sessions.user(request, site: site) != nil { return Self.redirect("/desk") }
        return loginForm(site, status: .ok, message: nil)
    }

    private func loginForm(_ site: AckSite, status: HTTPResponse.Status, message: String?, login: String = "") -> Response {
        let text = DeskText(site: site, staff: nil)
        let token = DeskSessions.newToken()
        var body = ""
        if let message { body += "<p class=\"message error\" role=\"alert\">\(HTML.escape(message))</p>\n" }
        body += """
            <form method="post" action="/desk/login">
            <input type="hidden" name="csrf" value="\(DeskCSRF.token(forSession: token))">
            <label for="login">\(text.html("desk.login.name"))</label>
            <input type="text" id="login" name="login" value="\(HTML.escape(login))" autocomplete="username" autocapitalize="none" spellcheck="false" required>
            <label for="password">\(text.html("desk.login.password"))</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <label for="code">\(text.html("desk.login.code"))</label>
            <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" aria-describedby="code-hint">
            <p id="code-hint" class="muted">\(text.html("desk.login.code_hint"))</p>
            <p><button type="submit">\(text.html("desk.login.submit"))</button></p>
            </form>
            """
        var response = page(status, site, text, title: text("desk.login.title"), user: nil, current: nil, body: body)
        response.setCookie(sessions.loginCookie(token))
        return response
    }

    func login(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        let text = DeskText(site: site, staff: nil)
        let address = server.clientAddress(request, context: context)
        if let wait = sessions.admit(address) {
            let seconds = max(1, Int(wait.components.seconds))
            var response = loginForm(site, status: .tooManyRequests, message: text("desk.login.too_many", ["seconds": .integer(seconds)]))
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        switch try await checkedForm(request, site: site, session: request.cookies[sessions.loginCookieName]?.value) {
        case .refused(let refusal):
            sessions.record(.failure, address)
            return refusal
        case .ok(let form):
            return try await signIn(form, site: site, text: text, address: address)
        }
    }

    private func signIn(_ form: [String: String], site: AckSite, text: DeskText, address: IPAddress?) async throws -> Response {
        let login = (form["login"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        let now = server.now()
        let settings = backend.settings
        let staff = DeskStaff.isValidID(login) ? site.staff[login] : nil
        let account = staff == nil ? nil : try await backend.staff.account(login)
        let usable = account.flatMap { $0.disabled ? nil : $0 }
        // The attempt is counted before the password is checked, so simultaneous guesses cannot outrun the lockout;
        // a right password clears it again.
        var claimed: AccountLockout.State?
        if let usable {
            claimed = try await backend.staff.claimAttempt(staffID: usable.staffID, policy: settings.lockout, now: now)
            guard claimed != nil else {
                sessions.record(.failure, address)
                let until = try await backend.staff.account(login)?.lockout.lockedUntil ?? now
                let minutes = Int((until.timeIntervalSince(now) / 60).rounded(.up))
                return loginForm(site, status: .forbidden, message: text("desk.login.locked", ["minutes": .integer(max(1, minutes))]), login: login)
            }
        }
        let passwordOK = await PasswordHashing.verify(password, hash: usable?.passwordHash)
        var totpStep: Int64?
        var codeOK = true
        if passwordOK, let usable, let secret = usable.totpSecret {
            // The authenticator app keeps real time, whatever clock the daemon was started with.
            totpStep = TOTPCheck.verify(form["code"] ?? "", secret: secret, at: Date(), after: usable.totpStep)
            codeOK = totpStep != nil
        }
        // A code accepted here is refused if another sign-in used it first.
        let signedIn = passwordOK && codeOK && staff != nil && usable != nil
            ? try await backend.staff.recordSignIn(staffID: usable!.staffID, totpStep: totpStep, now: now) : false
        guard signedIn, let staff, let usable else {
            sessions.record(.failure, address)
            if let usable, let state = claimed, settings.lockout.isLocked(state, at: now) {
                await service.audit(AuditEntry(at: now, actor: "staff:\(usable.staffID)", action: .staffLockedOut, subject: "staff:\(usable.staffID)", detail: "failures=\(state.failures)"))
                let minutes = Int(((state.lockedUntil ?? now).timeIntervalSince(now) / 60).rounded(.up))
                return loginForm(site, status: .forbidden, message: text("desk.login.locked", ["minutes": .integer(max(1, minutes))]), login: login)
            }
            // One message whatever was wrong: it says nothing of which names exist or whether the password was right.
            return loginForm(site, status: .unauthorized, message: text("desk.login.wrong"), login: login)
        }
        sessions.record(.success, address)
        _ = try? await backend.staff.purgeSessions(now: now, lifetime: settings.sessions)
        let token = DeskSessions.newToken()
        try await backend.staff.openSession(token: token, staffID: staff.id, now: now, lifetime: settings.sessions)
        await service.audit(AuditEntry(at: now, actor: staff.actor, action: .staffSignedIn, subject: staff.actor, detail: usable.totpSecret == nil ? "" : "totp"))
        var response = Self.redirect("/desk")
        response.setCookie(sessions.sessionCookie(token))
        response.setCookie(sessions.expiredCookie(sessions.loginCookieName))
        return response
    }

    func logout(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await posted(request, may: nil) { _, user, _, _ in
            try await backend.staff.closeSession(token: user.sessionToken)
            await service.audit(AuditEntry(at: server.now(), actor: user.staff.actor, action: .staffSignedOut, subject: user.staff.actor))
            var response = Self.redirect("/desk/login")
            response.setCookie(sessions.expiredCookie(sessions.cookieName))
            return response
        }
    }

    // MARK: Today

    func today(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request) { site, user, text in try await today(site: site, user: user, text: text) }
    }

    private func today(site: AckSite, user: DeskUser, text: DeskText) async throws -> Response {
        let now = server.now()
        var body = ""

        if user.access.may(.alerts) {
            // Exhausted alerts stay: nobody answered any round, so the office must phone.
            let open = try await service.alerts(limit: 50).filter { $0.status != .acknowledged }
            let list = open.isEmpty
                ? "<p>\(text.html("desk.today.no_alerts"))</p>\n" : try await alertTable(open, label: text("desk.today.alerts"), site: site, text: text)
            body += "<section aria-labelledby=\"alerts-h\"><h2 id=\"alerts-h\">\(text.html("desk.today.alerts"))</h2>\n"
                + DeskLayout.live("live-alerts", list) + "</section>\n"
        }

        // Today's and tomorrow's sends.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = site.school.timeZone
        let endOfTomorrow = calendar.date(byAdding: .day, value: 2, to: calendar.startOfDay(for: now)) ?? now.addingTimeInterval(172_800)
        let upcoming = try await service.events().filter { listing in
            guard user.access.may(.followMessages), let next = listing.nextSend, next >= now, next < endOfTomorrow, !listing.cancelled else { return false }
            return eventVisible(listing.id, site: site, user: user)
        }.sorted { ($0.nextSend ?? now) < ($1.nextSend ?? now) }
        body += "<section aria-labelledby=\"sends-h\"><h2 id=\"sends-h\">\(text.html("desk.today.sends"))</h2>\n"
        if upcoming.isEmpty {
            body += "<p>\(text.html("desk.today.no_sends"))</p>\n"
        } else {
            var table = "<table><thead><tr><th scope=\"col\">\(text.html("desk.col.when"))</th><th scope=\"col\">\(text.html("desk.col.event"))</th>"
                + "<th scope=\"col\">\(text.html("desk.col.audience"))</th></tr></thead><tbody>\n"
            for listing in upcoming {
                table += "<tr><td>\(HTML.escape(text.dateTime(listing.nextSend ?? now)))</td><td>\(HTML.escape(listing.title))</td>"
                    + "<td>\(HTML.escape(listing.audience))</td></tr>\n"
            }
            body += DeskLayout.scrolling(table + "</tbody></table>", label: text("desk.today.sends"))
        }
        body += "</section>\n"

        if user.access.may(.health) {
            let tallies = try await service.deliveryTallies(since: now.addingTimeInterval(-86_400))
            body += "<section aria-labelledby=\"deliveries-h\"><h2 id=\"deliveries-h\">\(text.html("desk.today.deliveries"))</h2>\n"
            body += DeskLayout.live("live-deliveries", deliveryTable(tallies, text: text))
            body += "</section>\n"
        }
        if user.access.may(.recordPhoneCall) {
            body += "<p><a href=\"/desk/not-reached\">\(text.html("desk.today.not_reached_link"))</a></p>\n"
        }
        return page(.ok, site, text, title: text("desk.today.title"), user: user, current: "/desk", body: body)
    }

    /// Whether an event's audience includes one of a teacher's classes (every event for the other roles).
    func eventVisible(_ eventID: String, site: AckSite, user: DeskUser) -> Bool {
        guard user.access.role == .teacher else { return true }
        guard let event = site.events[eventID] else { return false }
        return site.recipients(of: event).contains { recipient in
            recipient.students.contains { user.access.sees(className: $0.className) }
        }
    }

    func deliveryTable(_ tallies: [DeliveryTally], text: DeskText) -> String {
        guard !tallies.isEmpty else { return "<p>\(text.html("desk.today.no_deliveries"))</p>\n" }
        return DeskLayout.tallyTable(
            tallies, row: \.channel.rawValue, rowName: { text.named("desk.channel", $0) }, states: [.queued, .sending, .retry, .sent, .failed, .cancelled],
            caption: "desk.today.deliveries_caption", rowHeader: "desk.col.channel", text: text)
    }

    private func alertTable(_ alerts: [Alert], label: String, site: AckSite, text: DeskText) async throws -> String {
        var html = "<table><thead><tr><th scope=\"col\">\(text.html("desk.col.student"))</th><th scope=\"col\">\(text.html("desk.col.kind"))</th>"
            + "<th scope=\"col\">\(text.html("desk.col.raised"))</th><th scope=\"col\">\(text.html("desk.col.status"))</th>"
            + "<th scope=\"col\">\(text.html("desk.col.next_step"))</th></tr></thead><tbody>\n"
        for alert in alerts {
            let student = site.roster.student(alert.studentID)
            let report = try await service.alert(id: alert.id)
            let next = report?.upcoming.first.map { text("desk.alert.next", ["time": .string(text.time($0.at)), "who": .string($0.notify.map { text("desk.notify.\($0)") }.joined(separator: ", "))]) } ?? "–"
            html += "<tr><td><a href=\"/desk/alerts/\(HTML.escape(alert.id))\">\(HTML.escape(student?.displayName ?? alert.studentID))</a>"
                + (student.map { " <span class=\"muted\">(\(HTML.escape($0.className)))</span>" } ?? "") + "</td>"
                + "<td>\(text.html("desk.kind.\(alert.kind.rawValue)"))</td><td>\(HTML.escape(text.dateTime(alert.raisedAt)))</td>"
                + "<td>\(statusHTML(alert, site: site, text: text))</td><td>\(HTML.escape(next))</td></tr>\n"
        }
        return DeskLayout.scrolling(html + "</tbody></table>", label: label)
    }

    func statusHTML(_ alert: Alert, site: AckSite, text: DeskText) -> String {
        switch alert.status {
        case .open: return "<span class=\"urgent\">\(text.html("desk.alert.status.open"))</span>"
        case .exhausted: return "<span class=\"urgent\">\(text.html("desk.alert.status.exhausted"))</span>"
        case .acknowledged:
            let who = alert.acknowledgedBy.flatMap { site.roster.guardian($0)?.displayName } ?? alert.acknowledgedBy ?? ""
            return text.html("desk.alert.status.acknowledged", [
                "who": .string(who), "time": .string(alert.acknowledgedAt.map(text.time) ?? ""),
                "via": .string(text("desk.via.\(Self.viaKind(alert.acknowledgedVia))")),
            ])
        }
    }

    /// `phone`, `link`, `sms`… as the desk names them (an unknown way is `other`).
    static func viaKind(_ via: String?) -> String {
        let kind = (via ?? "").split(separator: ":").first.map(String.init) ?? ""
        return ["phone", "link", "sms", "voice", "chat", "email", "staff", "api"].contains(kind) ? kind : "other"
    }

    // MARK: Alerts

    func alerts(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .alerts) { site, user, text in try await alerts(request, site: site, user: user, text: text) }
    }

    private func alerts(_ request: Request, site: AckSite, user: DeskUser, text: DeskText) async throws -> Response {
        // A form sent by GET encodes spaces as `+`.
        let query = Self.searchQuery(request)
        var body = "<section aria-labelledby=\"raise-h\"><h2 id=\"raise-h\">\(text.html("desk.alerts.raise"))</h2>\n"
        body += Self.searchForm(action: "/desk/alerts", query: query, label: text("desk.alerts.search"), hint: text("desk.alerts.search_hint"), text: text)
        if !query.isEmpty {
            let found = Self.students(matching: query, in: site.roster).filter { user.access.sees(className: $0.className) }.prefix(20)
            if found.isEmpty {
                body += "<p role=\"status\">\(text.html("desk.alerts.no_students"))</p>\n"
            } else {
                body += "<ul class=\"no-bullets\">\n"
                for (index, student) in found.enumerated() {
                    body += "<li class=\"card\"><h3>\(HTML.escape(student.displayName)) <span class=\"muted\">\(HTML.escape(student.className))</span></h3>\n"
                        + "<form method=\"post\" action=\"/desk/alerts\">\(user.csrfField)"
                        + "<input type=\"hidden\" name=\"student\" value=\"\(HTML.escape(student.id))\">"
                        + "<fieldset><legend>\(text.html("desk.alerts.kind"))</legend>"
                    for (index, kind) in AlertKind.allCases.enumerated() {
                        let id = "kind-\(index)-\(kind.rawValue)"
                        body += "<input type=\"radio\" id=\"\(id)\" name=\"kind\" value=\"\(kind.rawValue)\"\(index == 0 ? " checked" : "")>"
                            + "<label for=\"\(id)\" class=\"inline\">\(text.html("desk.kind.\(kind.rawValue)"))</label> "
                    }
                    body += "</fieldset><label for=\"note-\(index)\">\(text.html("desk.alerts.note"))</label>"
                        + "<textarea id=\"note-\(index)\" name=\"note\" rows=\"3\" maxlength=\"2000\"></textarea>"
                        + "<p><button type=\"submit\" class=\"danger\">\(text.html("desk.alerts.raise_button", ["student": .string(student.givenName)]))</button></p></form></li>\n"
                }
                body += "</ul>\n"
            }
        }
        body += "</section>\n"
        let recent = try await service.alerts(limit: 50).filter { alert in
            site.roster.student(alert.studentID).map { user.access.sees(className: $0.className) } ?? true
        }
        body += "<section aria-labelledby=\"recent-h\"><h2 id=\"recent-h\">\(text.html("desk.alerts.recent"))</h2>\n"
        body += recent.isEmpty ? "<p>\(text.html("desk.alerts.none"))</p>\n" : try await alertTable(recent, label: text("desk.alerts.recent"), site: site, text: text)
        body += "</section>\n"
        return page(.ok, site, text, title: text("desk.alerts.title"), user: user, current: "/desk/alerts", body: body)
    }

    /// The `q` of a search form sent by GET (which encodes spaces as `+`), at most 100 characters.
    static func searchQuery(_ request: Request) -> String {
        String((request.uri.queryParameters.get("q") ?? "").replacingOccurrences(of: "+", with: " ").prefix(100))
            .trimmingCharacters(in: .whitespaces)
    }

    /// A search box that works without a script: a GET form to `action`.
    static func searchForm(action: String, query: String, label: String, hint: String, text: DeskText) -> String {
        """
        <form method="get" action="\(action)" role="search">
        <label for="q">\(HTML.escape(label))</label>
        <input type="search" id="q" name="q" value="\(HTML.escape(query))" aria-describedby="q-hint">
        <p id="q-hint" class="muted">\(HTML.escape(hint))</p>
        <p><button type="submit" class="secondary">\(text.html("desk.alerts.search_button"))</button></p>
        </form>\n
        """
    }

    /// Students whose name, id or class contains every word of `query` (without case).
    static func students(matching query: String, in roster: Roster) -> [Student] {
        let words = query.lowercased().split(separator: " ").map(String.init)
        guard !words.isEmpty else { return [] }
        return roster.students.filter { student in
            let haystack = "\(student.givenName) \(student.familyName) \(student.id) \(student.className)".lowercased()
            return words.allSatisfy { haystack.contains($0) }
        }.sorted { ($0.familyName, $0.givenName) < ($1.familyName, $1.givenName) }
    }

    func raise(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await posted(request, may: .alerts) { site, user, text, form in try await raise(form, site: site, user: user, text: text) }
    }

    private func raise(_ form: [String: String], site: AckSite, user: DeskUser, text: DeskText) async throws -> Response {
        guard let studentID = form["student"], let student = site.roster.student(studentID), user.access.sees(className: student.className) else {
            return page(.badRequest, site, text, title: text("desk.alerts.title"), user: user, current: "/desk/alerts",
                        body: "<p class=\"message error\">\(text.html("desk.alerts.unknown_student"))</p>")
        }
        do {
            let note = form["note"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
            let receipt = try await service.raiseAlert(AlertRequest(student: student.id, kind: form["kind"] ?? "", note: note), by: user.staff)
            return Self.redirect("/desk/alerts/\(receipt.id)")
        } catch let error as AdminRequestError {
            return page(.badRequest, site, text, title: text("desk.alerts.title"), user: user, current: "/desk/alerts",
                        body: "<p class=\"message error\">\(HTML.escape(error.message))</p>")
        }
    }

    func alert(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .alerts) { site, user, text in try await alert(context, site: site, user: user, text: text) }
    }

    private func alert(_ context: LiaisonRequestContext, site: AckSite, user: DeskUser, text: DeskText) async throws -> Response {
        guard let id = context.parameters.get("id"), let report = try await service.alert(id: id),
              site.roster.student(report.alert.studentID).map({ user.access.sees(className: $0.className) }) ?? true
        else {
            return page(.notFound, site, text, title: text("desk.alerts.title"), user: user, current: "/desk/alerts",
                        body: "<p class=\"message error\">\(text.html("desk.alert.not_found"))</p>")
        }
        let alert = report.alert
        let student = site.roster.student(alert.studentID)
        var body = "<p>\(text.html("desk.kind.\(alert.kind.rawValue)")) · \(HTML.escape(student?.className ?? "")) · "
            + "\(text.html("desk.alert.raised_at", ["time": .string(text.dateTime(alert.raisedAt))]))</p>\n"
        body += DeskLayout.live(
            "live-status",
            "<p class=\"message\(alert.status == .acknowledged ? " ok" : " error")\" role=\"status\">\(statusHTML(alert, site: site, text: text))</p>")
        if !alert.note.isEmpty { body += "<blockquote>\(HTML.escape(alert.note))</blockquote>\n" }

        // Who was told, round by round, and what comes next.
        body += "<h2>\(text.html("desk.alert.rounds"))</h2>\n"
        var rounds = "<table><thead><tr><th scope=\"col\">\(text.html("desk.col.when"))</th>"
            + "<th scope=\"col\">\(text.html("desk.col.step"))</th><th scope=\"col\">\(text.html("desk.col.told"))</th></tr></thead><tbody>\n"
        for round in report.rounds {
            let names = round.recipients.map { id in
                id.hasPrefix("staff:") ? text("desk.alert.staff_on_call") : site.roster.guardian(id)?.displayName ?? id
            }
            rounds += "<tr><td>\(HTML.escape(text.dateTime(round.ranAt)))</td><td>\(HTML.escape(Self.roundName(round.round, text: text)))</td>"
                + "<td>\(HTML.escape(names.joined(separator: ", ")))</td></tr>\n"
        }
        for upcoming in report.upcoming {
            rounds += "<tr class=\"muted\"><td>\(HTML.escape(text.dateTime(upcoming.at)))</td><td>\(HTML.escape(Self.roundName(upcoming.round, text: text)))</td>"
                + "<td>\(HTML.escape(upcoming.notify.map { text("desk.notify.\($0)") }.joined(separator: ", ")))</td></tr>\n"
        }
        body += DeskLayout.live("live-rounds", DeskLayout.scrolling(rounds + "</tbody></table>", label: text("desk.alert.rounds")))

        // The child's guardians, each with every contact and a "reached by phone" button while the alert is open.
        body += "<h2>\(text.html("desk.alert.guardians"))</h2>\n"
        if let rows = try await statusRows(eventID: alert.id, site: site) {
            body += DeskLayout.live("live-guardians", guardianList(
                rows, eventID: alert.id, site: site, text: text, user: user, open: alert.status != .acknowledged, back: "/desk/alerts/\(alert.id)"))
        }
        return page(.ok, site, text, title: text("desk.alert.title", ["student": .string(student?.displayName ?? alert.studentID)]),
                    user: user, current: "/desk/alerts", body: body)
    }

    /// Every guardian of an event or alert with what reached them and their answer, from the deliveries' summaries
    /// (not their messages: a send to 10,000 guardians is read in milliseconds); nil when there is no such event.
    func statusRows(eventID: String, site: AckSite) async throws -> [EventStatusReport.Row]? {
        guard let index = try await statusIndex(eventID: eventID, site: site) else { return nil }
        return index.recipients.map { index.row($0) }
    }

    /// An event's recipients with their deliveries' summaries and answers, from which rows are made only for the
    /// guardians a page shows.
    struct StatusIndex {
        let recipients: [Recipient]
        let summaries: [String: [DeliverySummary]]
        let answers: [String: Acknowledgement]
        let catalogs: [LanguageTag]

        func delivered(_ guardianID: String) -> Bool { summaries[guardianID]?.contains { $0.state == .sent } ?? false }
        func answered(_ guardianID: String) -> Bool { answers[guardianID] != nil }

        func row(_ recipient: Recipient) -> EventStatusReport.Row {
            let guardian = recipient.guardian
            let mine = summaries[guardian.id] ?? []
            let answer = answers[guardian.id]
            return EventStatusReport.Row(
                guardian: guardian.id, name: guardian.displayName, family: guardian.familyID,
                classes: Array(Set(recipient.students.map(\.className))).sorted(), language: guardian.language.rawValue,
                letterLanguage: mine.first?.language, fallback: !catalogs.contains { LanguageDisplayName.sameWriting($0, guardian.language) },
                channels: guardian.channels.map(\.rawValue),
                delivered: mine.filter { $0.state == .sent }.map(\.key.channel.rawValue),
                failed: mine.filter { $0.state == .failed }.map { "\($0.key.channel.rawValue): \($0.lastReply ?? "")" },
                pending: mine.filter { !$0.state.isFinal }.map { "\($0.key.channel.rawValue) \($0.state.rawValue)" },
                acknowledged: answer != nil, answer: answer?.answer, answeredAt: answer?.at, email: guardian.email, phone: guardian.phone)
        }
    }

    func statusIndex(eventID: String, site: AckSite) async throws -> StatusIndex? {
        guard let event = site.events[eventID] else { return nil }
        return StatusIndex(
            recipients: site.recipients(of: event),
            summaries: Dictionary(grouping: try await service.summaries(DeliveryQuery(eventID: eventID)), by: \.key.guardianID),
            answers: Dictionary(try await service.answers(eventID: eventID).map { ($0.guardianID, $0) }, uniquingKeysWith: { $1 }),
            catalogs: site.catalogs.locales)
    }

    static func roundName(_ round: String, text: DeskText) -> String {
        let parts = round.split(separator: "-")
        if round == "answered" { return text("desk.round.answered") }
        if parts.count == 2, let number = Int(parts[1]) {
            return text(parts[0] == "repeat" ? "desk.round.repeat" : "desk.round.step", ["number": .integer(number)])
        }
        return round
    }

    /// Guardians with their language, contacts, what reached them and a form to record a phone call.
    func guardianList(
        _ rows: [EventStatusReport.Row], eventID: String, site: AckSite, text: DeskText, user: DeskUser, open: Bool, back: String
    ) -> String {
        var html = "<ul class=\"contacts\">\n"
        for row in rows {
            html += "<li><strong>\(HTML.escape(row.name))</strong> · \(HTML.escape(text.languageName(row.language)))"
            html += row.fallback ? " <span class=\"muted\">(\(text.html("desk.fallback")))</span>" : ""
            html += "<br>"
            if let phone = row.phone { html += "<a href=\"tel:\(HTML.escape(phone))\" dir=\"ltr\">\(HTML.escape(phone))</a> " }
            if let email = row.email { html += "<span dir=\"ltr\">\(HTML.escape(email))</span>" }
            html += "<br><span class=\"muted\">"
            var states: [String] = []
            if !row.delivered.isEmpty { states.append(text("desk.guardian.delivered", ["channels": .string(row.delivered.joined(separator: ", "))])) }
            if !row.pending.isEmpty { states.append(text("desk.guardian.pending", ["channels": .string(row.pending.joined(separator: ", "))])) }
            if !row.failed.isEmpty { states.append(text("desk.guardian.failed", ["channels": .string(row.failed.joined(separator: "; "))])) }
            if row.acknowledged { states.append(text("desk.guardian.answered", ["time": .string(row.answeredAt.map(text.time) ?? "")])) }
            html += HTML.escape(states.joined(separator: " · ")) + "</span>"
            if open, !row.acknowledged, user.access.may(.recordPhoneCall) {
                html += "<form method=\"post\" action=\"/desk/phone\" class=\"no-print\">\(user.csrfField)"
                    + "<input type=\"hidden\" name=\"event\" value=\"\(HTML.escape(eventID))\">"
                    + "<input type=\"hidden\" name=\"guardian\" value=\"\(HTML.escape(row.guardian))\">"
                    + "<input type=\"hidden\" name=\"back\" value=\"\(HTML.escape(back))\">"
                    + "<button type=\"submit\" class=\"secondary\">\(text.html("desk.phone.button", ["name": .string(row.name)]))</button></form>"
            }
            html += "</li>\n"
        }
        return html + "</ul>\n"
    }

    // MARK: Not reached

    func notReached(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .recordPhoneCall) { site, user, text in try await notReached(request, site: site, user: user, text: text) }
    }

    private func notReached(_ request: Request, site: AckSite, user: DeskUser, text: DeskText) async throws -> Response {
        let now = server.now()
        // Events that have been sent, newest first (alerts included), that this member of staff may follow.
        let listings = try await service.events().filter { listing in
            listing.deliveries.values.reduce(0, +) > 0
                && (listing.kind == "alert" ? user.access.may(.alerts) : user.access.may(.followMessages) && eventVisible(listing.id, site: site, user: user))
        }.sorted { $0.start > $1.start }
        let chosen = request.uri.queryParameters.get("event").flatMap { id in listings.first { $0.id == id } } ?? listings.first
        // Not answered (the default for an alert and an event asking for answers), or no message delivered.
        let event = chosen.flatMap { site.events[$0.id] }
        let asksForAnswers = chosen?.kind == "alert" || !(event?.rsvp.isEmpty ?? true)
        let expectsAnswer = request.uri.queryParameters.get("show").map { $0 == "unanswered" } ?? asksForAnswers
        var body = "<form method=\"get\" action=\"/desk/not-reached\" class=\"no-print\"><label for=\"event\">\(text.html("desk.not_reached.event"))</label>"
            + "<select id=\"event\" name=\"event\">"
        for listing in listings {
            body += "<option value=\"\(HTML.escape(listing.id))\"\(listing.id == chosen?.id ? " selected" : "")>\(HTML.escape(listing.title)) – \(HTML.escape(text.dateTime(listing.start)))</option>"
        }
        body += "</select><label for=\"show\">\(text.html("desk.not_reached.show_label"))</label><select id=\"show\" name=\"show\">"
        for (value, key) in [("unanswered", "desk.not_reached.show_unanswered"), ("undelivered", "desk.not_reached.show_undelivered")] {
            body += "<option value=\"\(value)\"\((value == "unanswered") == expectsAnswer ? " selected" : "")>\(text.html(key))</option>"
        }
        body += "</select> <button type=\"submit\" class=\"secondary\">\(text.html("desk.not_reached.show"))</button></form>\n"
        guard let chosen, let index = try await statusIndex(eventID: chosen.id, site: site) else {
            body += "<p>\(text.html("desk.not_reached.no_events"))</p>\n"
            return page(.ok, site, text, title: text("desk.not_reached.title"), user: user, current: "/desk/not-reached", body: body)
        }
        // A household is not reached when none of its guardians answered, or (undelivered) none had a message
        // delivered nor answered. Rows (names, contacts, states) are made only for the households the page shows.
        let households = Dictionary(grouping: index.recipients, by: \.guardian.familyID)
        var byClass: [String: [(family: String, recipients: [Recipient])]] = [:]
        for (family, members) in households {
            let reached = members.contains { index.answered($0.guardian.id) || (!expectsAnswer && index.delivered($0.guardian.id)) }
            guard !reached else { continue }
            guard let first = Set(members.flatMap { $0.students.map(\.className) }).filter({ user.access.sees(className: $0) }).min() else { continue }
            byClass[first, default: []].append((family, members))
        }
        let total = byClass.values.reduce(0) { $0 + $1.count }
        body += "<p role=\"status\">\(text.html(expectsAnswer ? "desk.not_reached.summary_answer" : "desk.not_reached.summary_delivery", ["count": .integer(total), "event": .string(chosen.title)]))</p>\n"
        body += "<p class=\"muted\">\(text.html("desk.not_reached.printed", ["time": .string(text.dateTime(now))]))</p>\n"
        // A page of households at a time, in class order: a list to phone from, not a dump of a whole school.
        let ordered = byClass.keys.sorted().flatMap { className in
            byClass[className]!.sorted(by: { $0.family < $1.family }).map { (className, $0.family, $0.recipients) }
        }
        let pages = max(1, (ordered.count + Self.householdsPerPage - 1) / Self.householdsPerPage)
        let pageNumber = min(max(1, Int(request.uri.queryParameters.get("page") ?? "") ?? 1), pages)
        let shown = ordered.dropFirst((pageNumber - 1) * Self.householdsPerPage).prefix(Self.householdsPerPage)
        let query = "event=\(chosen.id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&show=\(expectsAnswer ? "unanswered" : "undelivered")"
        var sectionIndex = 0
        var current: String?
        for (className, family, members) in shown {
            let rows = members.map { index.row($0) }
            if className != current {
                if current != nil { body += "</section>\n" }
                sectionIndex += 1
                current = className
                body += "<section aria-labelledby=\"class-\(sectionIndex)\"><h2 id=\"class-\(sectionIndex)\">\(text.html("desk.not_reached.class", ["class": .string(className)]))</h2>\n"
            }
            let name = site.roster.family(family)?.name ?? family
            let students = rows.flatMap { site.roster.students(of: $0.guardian) }.filter { $0.className == className }
            let languages = Array(Set(rows.map { text.languageName($0.language) })).sorted()
            body += "<div class=\"household\"><h3>\(HTML.escape(name))"
                + (students.isEmpty ? "" : " – \(HTML.escape(Array(Set(students.map(\.givenName))).sorted().joined(separator: ", ")))") + "</h3>"
                + "<p>\(text.html("desk.not_reached.languages", ["languages": .string(languages.joined(separator: ", "))]))</p>\n"
            body += guardianList(rows, eventID: chosen.id, site: site, text: text, user: user, open: true, back: "/desk/not-reached?\(query)&page=\(pageNumber)")
            body += "</div>\n"
        }
        if current != nil { body += "</section>\n" }
        if pages > 1 {
            body += "<nav aria-label=\"\(text.html("desk.not_reached.pages"))\" class=\"no-print\"><p>"
                + text.html("desk.events.page_of", ["page": .integer(pageNumber), "pages": .integer(pages)]) + " "
            if pageNumber > 1 { body += "<a href=\"/desk/not-reached?\(HTML.escape(query))&amp;page=\(pageNumber - 1)\">\(text.html("desk.events.previous"))</a> " }
            if pageNumber < pages { body += "<a href=\"/desk/not-reached?\(HTML.escape(query))&amp;page=\(pageNumber + 1)\">\(text.html("desk.events.next"))</a>" }
            body += "</p></nav>\n"
        }
        return page(.ok, site, text, title: text("desk.not_reached.title"), user: user, current: "/desk/not-reached", body: body)
    }

    func phoneCall(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await posted(request, may: .recordPhoneCall) { site, user, text, form in try await phoneCall(form, site: site, user: user, text: text) }
    }

    private func phoneCall(_ form: [String: String], site: AckSite, user: DeskUser, text: DeskText) async throws -> Response {
        guard let eventID = form["event"], let guardianID = form["guardian"],
              user.access.sees(guardian: guardianID, in: site.roster)
        else { return forbidden(site, user) }
        // An alert needs the alerts role; a message, the right to follow it (a teacher: one to their classes).
        let isAlert = try await service.alert(id: eventID) != nil
        if isAlert ? !user.access.may(.alerts) : !(user.access.may(.followMessages) && eventVisible(eventID, site: site, user: user)) {
            return forbidden(site, user)
        }
        let outcome = try await service.recordPhoneCall(eventID: eventID, guardianID: guardianID, by: user.staff)
        switch outcome {
        case .recorded, .alreadyAnswered:
            let back = form["back"].flatMap { $0.hasPrefix("/desk/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/desk"
            return Self.redirect(back)
        case .unknownEvent, .unknownGuardian:
            return page(.notFound, site, text, title: text("desk.not_reached.title"), user: user, current: nil,
                        body: "<p class=\"message error\">\(text.html("desk.phone.unknown"))</p>")
        }
    }
}

/// A check's outcome: the value, or the response that refuses the request.
enum Checked<Value: Sendable>: Sendable {
    case ok(Value)
    case refused(Response)
}

/// TOTP codes against a stored secret.
enum TOTPCheck {
    static func verify(_ code: String, secret: [UInt8], at now: Date, after used: Int64?) -> Int64? {
        TOTP(secret: secret).verify(code, at: Int64(now.timeIntervalSince1970), after: used)
    }
}
