import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// Events: the list with progress, and one event's page: deliveries by state, channel and language, answers over
/// time, every guardian (filterable, a page at a time), and withdrawing what is still queued.
extension DeskPages {
    static let guardiansPerPage = 100

    func events(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .followMessages) { site, user, text in
            let listings = try await service.events().filter { $0.kind != "alert" && eventVisible($0.id, site: site, user: user) }
                .sorted { $0.start > $1.start }
            guard !listings.isEmpty else {
                return page(.ok, site, text, title: text("desk.events.title"), user: user, current: "/desk/events", body: "<p>\(text.html("desk.events.none"))</p>")
            }
            var table = "<table><thead><tr>"
            for key in ["desk.col.event", "desk.col.when", "desk.col.audience", "desk.col.next_send", "desk.state.sent", "desk.state.failed", "desk.col.waiting", "desk.col.answered"] {
                table += "<th scope=\"col\">\(text.html(key))</th>"
            }
            table += "</tr></thead><tbody>\n"
            for listing in listings {
                let waiting = (listing.deliveries["queued"] ?? 0) + (listing.deliveries["retry"] ?? 0) + (listing.deliveries["sending"] ?? 0)
                table += "<tr><th scope=\"row\"><a href=\"/desk/events/\(Self.pathSegment(listing.id))\">\(HTML.escape(listing.title))</a>"
                    + (listing.cancelled ? " <span class=\"muted\">(\(text.html("desk.events.cancelled")))</span>" : "") + "</th>"
                    + "<td>\(HTML.escape(text.dateTime(listing.start)))</td><td>\(HTML.escape(listing.audience))</td>"
                    + "<td>\(HTML.escape(listing.nextSend.map(text.dateTime) ?? "–"))</td>"
                    + "<td>\(HTML.escape(text.integer(listing.deliveries["sent"] ?? 0)))</td>"
                    + "<td>\(HTML.escape(text.integer(listing.deliveries["failed"] ?? 0)))</td>"
                    + "<td>\(HTML.escape(text.integer(waiting)))</td><td>\(HTML.escape(text.integer(listing.acknowledged)))</td></tr>\n"
            }
            let body = DeskLayout.scrolling(table + "</tbody></table>", label: text("desk.events.title"))
            return page(.ok, site, text, title: text("desk.events.title"), user: user, current: "/desk/events", body: body)
        }
    }

    /// An id as a path segment (event ids are letters, digits and `-`, but a calendar's may hold more).
    static func pathSegment(_ id: String) -> String {
        HTML.escape(id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? id)
    }

    /// The filters of the guardian table, from the query string.
    struct GuardianFilter {
        var state = "all"
        var className = ""
        var language = ""
        var search = ""
        var page = 1

        init(_ request: Request) {
            let query = request.uri.queryParameters
            func value(_ name: String) -> String {
                String((query.get(name) ?? "").replacingOccurrences(of: "+", with: " ").prefix(100)).trimmingCharacters(in: .whitespaces)
            }
            state = ["delivered", "failed", "waiting", "answered", "unanswered"].contains(value("state")) ? value("state") : "all"
            className = value("class")
            language = value("language")
            search = value("q").lowercased()
            page = max(1, min(Int(value("page")) ?? 1, 100_000))
        }

        func query(page: Int) -> String {
            var parts = ["state=\(state)", "page=\(page)"]
            for (name, value) in [("class", className), ("language", language), ("q", search)] where !value.isEmpty {
                parts.append("\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            }
            return parts.joined(separator: "&")
        }
    }

    func event(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .followMessages) { site, user, text in
            guard let id = context.parameters.get("id")?.removingPercentEncoding, let event = site.events[id], event.kind != .alert,
                  eventVisible(id, site: site, user: user)
            else {
                return page(.notFound, site, text, title: text("desk.events.title"), user: user, current: "/desk/events",
                            body: "<p class=\"message error\">\(text.html("desk.events.not_found"))</p>")
            }
            return try await eventPage(event, filter: GuardianFilter(request), site: site, user: user, text: text)
        }
    }

    private func eventPage(_ event: Event, filter: GuardianFilter, site: AckSite, user: DeskUser, text: DeskText) async throws -> Response {
        let now = server.now()
        let recipients = site.recipients(of: event).filter { recipient in
            recipient.students.contains { user.access.sees(className: $0.className) }
        }
        let summaries = try await service.summaries(DeliveryQuery(eventID: event.id))
        let answers = try await service.answers(eventID: event.id)
        let visible = Set(recipients.map(\.guardian.id))
        let mine = summaries.filter { visible.contains($0.key.guardianID) }
        let byGuardian = Dictionary(grouping: mine, by: \.key.guardianID)
        let answerBy = Dictionary(answers.filter { visible.contains($0.guardianID) }.map { ($0.guardianID, $0) }, uniquingKeysWith: { $1 })

        var body = "<p>\(HTML.escape(text.dateTime(event.start))) · \(HTML.escape(event.audience.description))"
            + (event.priority == .urgent ? " · <span class=\"urgent\">\(text.html("desk.events.urgent"))</span>" : "") + "</p>\n"
        let waiting = mine.filter { [.queued, .retry].contains($0.state) }.count
        if waiting > 0, user.access.may(.manageMessages) {
            body += "<form method=\"post\" action=\"/desk/events/\(Self.pathSegment(event.id))/withdraw\">\(user.csrfField)"
                + "<p>\(text.html("desk.events.waiting", ["count": .integer(waiting)]))</p>"
                + "<button type=\"submit\" class=\"danger\">\(text.html("desk.events.withdraw"))</button></form>\n"
        }

        // Deliveries by state and channel, and by language.
        let tallies = mine.reduce(into: [DeliveryTally]()) { tallies, summary in
            if let index = tallies.firstIndex(where: { $0.channel == summary.key.channel && $0.language == summary.language && $0.state == summary.state }) {
                tallies[index].count += 1
            } else {
                tallies.append(DeliveryTally(channel: summary.key.channel, language: summary.language, state: summary.state, count: 1))
            }
        }
        body += "<h2>\(text.html("desk.events.deliveries"))</h2>\n" + DeskLayout.live("live-deliveries", deliveryTable(tallies, text: text) + languageTable(tallies, text: text))
        body += try await DeskFormSections.html(event, site: site, access: user.access, text: text, now: now)

        // Delivered and answered over time.
        let delivered = mine.filter { $0.state == .sent }.map(\.updatedAt)
        let answeredTimes = answerBy.values.map(\.at)
        if let first = (delivered + answeredTimes).min() {
            let last = max(now, (delivered + answeredTimes).max() ?? now)
            let description = text("desk.events.chart_desc", [
                "delivered": .integer(Set(mine.filter { $0.state == .sent }.map(\.key.guardianID)).count), "answered": .integer(answerBy.count),
                "total": .integer(recipients.count), "time": .string(text.dateTime(last)),
            ])
            body += "<h2>\(text.html("desk.events.over_time"))</h2>\n"
            body += DeskChart.cumulative(
                [
                    DeskChart.Series(name: text("desk.events.series_delivered"), colour: "#1e3a5f", dash: nil, times: firstPerGuardian(mine.filter { $0.state == .sent })),
                    DeskChart.Series(name: text("desk.events.series_answered"), colour: "#b45309", dash: "6 4", times: answeredTimes),
                ],
                total: recipients.count, from: first, to: last, id: "progress", title: text("desk.events.over_time"), description: description,
                label: text.dateTime)
            body += "<p class=\"muted\">\(text.html("desk.events.legend"))</p>\n"
        }

        // Every guardian, filtered, a page at a time.
        var rows = recipients.filter { recipient in
            let guardian = recipient.guardian
            let states = byGuardian[guardian.id] ?? []
            switch filter.state {
            case "delivered": if !states.contains(where: { $0.state == .sent }) { return false }
            case "failed": if !states.contains(where: { $0.state == .failed }) { return false }
            case "waiting": if !states.contains(where: { !$0.state.isFinal }) { return false }
            case "answered": if answerBy[guardian.id] == nil { return false }
            case "unanswered": if answerBy[guardian.id] != nil { return false }
            default: break
            }
            if !filter.className.isEmpty, !recipient.students.contains(where: { $0.className == filter.className }) { return false }
            if !filter.language.isEmpty, guardian.language.rawValue != filter.language { return false }
            if !filter.search.isEmpty, !"\(guardian.displayName) \(guardian.id) \(guardian.familyID)".lowercased().contains(filter.search) { return false }
            return true
        }
        rows.sort { ($0.guardian.familyName, $0.guardian.givenName, $0.guardian.id) < ($1.guardian.familyName, $1.guardian.givenName, $1.guardian.id) }
        body += "<h2 id=\"guardians\">\(text.html("desk.events.guardians"))</h2>\n" + guardianFilterForm(filter, event: event, recipients: recipients, user: user, text: text)
        let pages = max(1, (rows.count + Self.guardiansPerPage - 1) / Self.guardiansPerPage)
        let pageNumber = min(filter.page, pages)
        body += "<p role=\"status\">\(text.html("desk.events.showing", ["count": .integer(rows.count), "page": .integer(pageNumber), "pages": .integer(pages)]))</p>\n"
        var table = "<table><thead><tr>"
        for key in ["desk.col.guardian", "desk.col.class", "desk.col.language", "desk.col.deliveries", "desk.col.answer"] {
            table += "<th scope=\"col\">\(text.html(key))</th>"
        }
        table += "</tr></thead><tbody>\n"
        for recipient in rows.dropFirst((pageNumber - 1) * Self.guardiansPerPage).prefix(Self.guardiansPerPage) {
            let guardian = recipient.guardian
            let states = (byGuardian[guardian.id] ?? []).sorted { $0.key.channel < $1.key.channel }
            let letter = states.first?.language ?? ""
            var language = HTML.escape(text.languageName(guardian.language.rawValue))
            if !letter.isEmpty, letter != guardian.language.rawValue {
                language += " → " + HTML.escape(text.languageName(letter))
                if !site.catalogs.locales.contains(where: { LanguageDisplayName.sameWriting($0, guardian.language) }) {
                    language += " <span class=\"muted\">(\(text.html("desk.fallback")))</span>"
                }
            }
            let deliveries = states.map { summary in
                var cell = "\(HTML.escape(text.named("desk.channel", summary.key.channel.rawValue))): \(text.html("desk.state.\(summary.state.rawValue)"))"
                if summary.attempts > 1 { cell += " " + text.html("desk.events.attempts", ["count": .integer(summary.attempts)]) }
                if let reply = summary.lastReply, summary.state != .sent { cell += "<br><span class=\"muted\">\(HTML.escape(String(reply.prefix(200))))</span>" }
                return cell
            }.joined(separator: "<br>")
            let answer = answerBy[guardian.id].map { answer in
                HTML.escape(label(ofAnswer: answer.answer, event: event, text: text)) + " <span class=\"muted\">\(HTML.escape(text.dateTime(answer.at)))</span>"
            } ?? "–"
            table += "<tr><th scope=\"row\">\(HTML.escape(guardian.displayName))</th>"
                + "<td>\(HTML.escape(Array(Set(recipient.students.map(\.className))).filter { user.access.sees(className: $0) }.sorted().joined(separator: ", ")))</td>"
                + "<td>\(language)</td><td>\(deliveries.isEmpty ? "–" : deliveries)</td><td>\(answer)</td></tr>\n"
        }
        body += DeskLayout.scrolling(table + "</tbody></table>", label: text("desk.events.guardians"))
        if pages > 1 {
            body += "<nav aria-label=\"\(text.html("desk.events.pages"))\"><p>"
            if pageNumber > 1 { body += "<a href=\"?\(HTML.escape(filter.query(page: pageNumber - 1)))#guardians\">\(text.html("desk.events.previous"))</a> " }
            if pageNumber < pages { body += "<a href=\"?\(HTML.escape(filter.query(page: pageNumber + 1)))#guardians\">\(text.html("desk.events.next"))</a>" }
            body += "</p></nav>\n"
        }
        let title = event.title.resolve(along: [text.language, site.school.defaultLocale]).text
        return page(.ok, site, text, title: title, user: user, current: "/desk/events", body: body)
    }

    /// The first delivery to each guardian: the chart counts guardians reached, not messages.
    private func firstPerGuardian(_ sent: [DeliverySummary]) -> [Date] {
        Dictionary(grouping: sent, by: \.key.guardianID).values.compactMap { $0.map(\.updatedAt).min() }
    }

    private func label(ofAnswer answer: String, event: Event, text: DeskText) -> String {
        if answer == Acknowledgement.read { return text("desk.answer.read") }
        if let option = event.rsvp.first(where: { $0.id == answer }), let label = option.label {
            return label.resolve(along: [text.language]).text
        }
        return answer
    }

    private func languageTable(_ tallies: [DeliveryTally], text: DeskText) -> String {
        guard !tallies.isEmpty else { return "" }
        return DeskLayout.tallyTable(
            tallies, row: \.language, rowName: { $0.isEmpty ? "–" : text.languageName($0) }, states: [.sent, .failed, .queued, .retry, .cancelled],
            caption: "desk.events.by_language", rowHeader: "desk.col.language", text: text)
    }

    private func guardianFilterForm(_ filter: GuardianFilter, event: Event, recipients: [Recipient], user: DeskUser, text: DeskText) -> String {
        var form = "<form method=\"get\" action=\"/desk/events/\(Self.pathSegment(event.id))#guardians\" class=\"no-print filters\">"
        form += "<label for=\"f-state\">\(text.html("desk.filter.state"))</label><select id=\"f-state\" name=\"state\">"
        for state in ["all", "delivered", "failed", "waiting", "answered", "unanswered"] {
            form += "<option value=\"\(state)\"\(state == filter.state ? " selected" : "")>\(text.html("desk.filter.\(state)"))</option>"
        }
        form += "</select><label for=\"f-class\">\(text.html("desk.col.class"))</label><select id=\"f-class\" name=\"class\"><option value=\"\">\(text.html("desk.filter.any"))</option>"
        for className in Array(Set(recipients.flatMap { $0.students.map(\.className) })).filter({ user.access.sees(className: $0) }).sorted() {
            form += "<option\(className == filter.className ? " selected" : "")>\(HTML.escape(className))</option>"
        }
        form += "</select><label for=\"f-language\">\(text.html("desk.col.language"))</label><select id=\"f-language\" name=\"language\"><option value=\"\">\(text.html("desk.filter.any"))</option>"
        for language in Array(Set(recipients.map(\.guardian.language.rawValue))).sorted() {
            form += "<option value=\"\(HTML.escape(language))\"\(language == filter.language ? " selected" : "")>\(HTML.escape(text.languageName(language)))</option>"
        }
        form += "</select><label for=\"f-q\">\(text.html("desk.filter.search"))</label><input type=\"search\" id=\"f-q\" name=\"q\" value=\"\(HTML.escape(filter.search))\">"
        return form + " <button type=\"submit\" class=\"secondary\">\(text.html("desk.filter.apply"))</button></form>\n"
    }

    func withdraw(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await posted(request, may: .manageMessages) { site, user, text, _ in
            guard let id = context.parameters.get("id")?.removingPercentEncoding, site.events[id] != nil else {
                return page(.notFound, site, text, title: text("desk.events.title"), user: user, current: "/desk/events",
                            body: "<p class=\"message error\">\(text.html("desk.events.not_found"))</p>")
            }
            _ = try await service.withdraw(eventID: id, by: user.staff)
            return Self.redirect("/desk/events/\(Self.pathSegment(id))")
        }
    }
}
