import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore

/// Families: a search by student, guardian or class, and a family's card (guardians, languages, contacts,
/// channels, opt-outs, the messages sent to them and their answers). Opening a card is written to the audit log.
extension DeskPages {
    static let familyResults = 50

    func families(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .families) { site, user, text in
            let query = Self.searchQuery(request)
            var body = Self.searchForm(
                action: "/desk/families", query: query, label: text("desk.families.search"), hint: text("desk.families.search_hint"), text: text)
            if !query.isEmpty {
                let found = Self.families(matching: query, in: site.roster, seeing: { user.access.sees(className: $0.className) }).filter { family in
                    user.access.role != .teacher || site.roster.guardians(inFamily: family.id).contains { user.access.sees(guardian: $0.id, in: site.roster) }
                }
                body += "<p role=\"status\">\(text.html("desk.families.found", ["count": .integer(found.count)]))</p>\n<ul>\n"
                for family in found.prefix(Self.familyResults) {
                    // A teacher sees the guardians and children of their classes only, not siblings elsewhere.
                    let guardians = site.roster.guardians(inFamily: family.id).filter { user.access.sees(guardian: $0.id, in: site.roster) }
                    let students = Array(Set(guardians.flatMap { site.roster.students(of: $0.id) })).filter { user.access.sees(className: $0.className) }
                        .sorted { $0.id < $1.id }
                    body += "<li><a href=\"/desk/families/\(Self.pathSegment(family.id))\">\(HTML.escape(family.name.isEmpty ? family.id : family.name))</a> – "
                        + HTML.escape(students.map { "\($0.displayName) (\($0.className))" }.joined(separator: ", "))
                        + " · " + HTML.escape(Array(Set(guardians.map { text.languageName($0.language.rawValue) })).sorted().joined(separator: ", ")) + "</li>\n"
                }
                body += "</ul>\n"
            }
            return page(.ok, site, text, title: text("desk.families.title"), user: user, current: "/desk/families", body: body)
        }
    }

    /// Families with a student or guardian whose name or id, or a student's class, holds every word of `query`.
    /// Only the students `seeing` accepts count (a teacher finds no family through a child in another class).
    static func families(matching query: String, in roster: Roster, seeing: (Student) -> Bool = { _ in true }) -> [Family] {
        let words = query.lowercased().split(separator: " ").map(String.init)
        guard !words.isEmpty else { return [] }
        var ids: Set<String> = []
        for guardian in roster.guardians {
            let students = roster.students(of: guardian.id).filter(seeing)
            guard !students.isEmpty || roster.students(of: guardian.id).isEmpty else { continue }
            let haystack = ([guardian.givenName, guardian.familyName, guardian.id, guardian.familyID]
                + students.flatMap { [$0.givenName, $0.familyName, $0.id, $0.className] }).joined(separator: " ").lowercased()
            if words.allSatisfy(haystack.contains) { ids.insert(guardian.familyID) }
        }
        return ids.compactMap { roster.family($0) ?? Family(id: $0, name: "") }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    func family(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .families) { site, user, text in
            let id = context.parameters.get("id")?.removingPercentEncoding ?? ""
            // A teacher sees the guardians of their classes' children, not the rest of the household.
            let guardians = site.roster.guardians(inFamily: id).filter { user.access.sees(guardian: $0.id, in: site.roster) }
            guard !guardians.isEmpty else {
                return page(.notFound, site, text, title: text("desk.families.title"), user: user, current: "/desk/families",
                            body: "<p class=\"message error\">\(text.html("desk.families.not_found"))</p>")
            }
            // Who opened whose contacts is the school's record (the family by a digest of its id, as exports are).
            await service.audit(AuditEntry(at: server.now(), actor: user.staff.actor, action: .familyViewed, subject: SQLiteAuditLog.familySubject(id)))
            let family = site.roster.family(id)
            var body = "<h2>\(text.html("desk.families.guardians"))</h2>\n<ul class=\"contacts\">\n"
            for guardian in guardians {
                let links = site.roster.students(of: guardian.id).map { student in
                    site.roster.guardianships(of: student.id).first { $0.guardianID == guardian.id }?.relationship ?? ""
                }.filter { !$0.isEmpty }
                body += "<li><strong>\(HTML.escape(guardian.displayName))</strong>"
                    + (links.isEmpty ? "" : " (\(HTML.escape(Array(Set(links)).sorted().joined(separator: ", "))))")
                    + " · \(HTML.escape(text.languageName(guardian.language.rawValue)))<br>"
                if let phone = guardian.phone { body += "<a href=\"tel:\(HTML.escape(phone))\" dir=\"ltr\">\(HTML.escape(phone))</a> " }
                if let email = guardian.email { body += "<span dir=\"ltr\">\(HTML.escape(email))</span> " }
                if let chat = guardian.chatID { body += "<span dir=\"ltr\">\(text.html("desk.channel.chat")): \(HTML.escape(chat))</span>" }
                body += "<br><span class=\"muted\">\(text.html("desk.families.channels", ["channels": .string(guardian.channels.map { text.named("desk.channel", $0.rawValue) }.joined(separator: ", "))]))"
                let optOuts = try await service.optOuts(guardianID: guardian.id)
                if !optOuts.isEmpty {
                    body += " · " + text.html("desk.families.opted_out", ["categories": .string(optOuts.map(\.category.rawValue).joined(separator: ", "))])
                }
                body += "</span></li>\n"
            }
            body += "</ul>\n<h2>\(text.html("desk.families.students"))</h2>\n<ul>\n"
            for student in Array(Set(guardians.flatMap { site.roster.students(of: $0.id) })).filter({ user.access.sees(className: $0.className) })
                .sorted(by: { $0.id < $1.id }) {
                body += "<li>\(HTML.escape(student.displayName)) – \(text.html("desk.not_reached.class", ["class": .string(student.className)]))</li>\n"
            }
            body += "</ul>\n"
            body += try await familyHistory(guardians, site: site, user: user, text: text)
            return page(.ok, site, text, title: text("desk.families.card", ["family": .string(family?.name ?? id)]), user: user,
                        current: "/desk/families", body: body)
        }
    }

    /// The messages sent to the family's guardians, newest first, with each guardian's answer.
    private func familyHistory(_ guardians: [Guardian], site: AckSite, user: DeskUser, text: DeskText) async throws -> String {
        var summaries: [DeliverySummary] = []
        for guardian in guardians { summaries += try await service.summaries(DeliveryQuery(guardianID: guardian.id)) }
        // What this member of staff may follow: alerts for the alerts role, messages for those who follow messages (a
        // teacher: those to their classes).
        summaries = summaries.filter { summary in
            guard let event = site.events[summary.eventID] else { return user.access.may(.followMessages) && user.access.role != .teacher }
            return event.kind == .alert ? user.access.may(.alerts) : user.access.may(.followMessages) && eventVisible(event.id, site: site, user: user)
        }
        summaries.sort { $0.updatedAt > $1.updatedAt }
        let html = "<h2>\(text.html("desk.families.history"))</h2>\n"
        guard !summaries.isEmpty else { return html + "<p>\(text.html("desk.families.no_history"))</p>\n" }
        var answers: [String: [String: Acknowledgement]] = [:]
        for eventID in Set(summaries.map(\.eventID)) {
            answers[eventID] = Dictionary(try await service.answers(eventID: eventID).map { ($0.guardianID, $0) }, uniquingKeysWith: { $1 })
        }
        let names = Dictionary(guardians.map { ($0.id, $0.displayName) }, uniquingKeysWith: { first, _ in first })
        var table = "<table><thead><tr>"
        for key in ["desk.col.when", "desk.col.event", "desk.col.guardian", "desk.col.channel", "desk.col.status", "desk.col.answer"] {
            table += "<th scope=\"col\">\(text.html(key))</th>"
        }
        table += "</tr></thead><tbody>\n"
        for summary in summaries.prefix(100) {
            let title = site.events[summary.eventID].map { $0.title.resolve(along: [text.language, site.school.defaultLocale]).text } ?? summary.eventID
            let answer = answers[summary.eventID]?[summary.key.guardianID]
            table += "<tr><td>\(HTML.escape(text.dateTime(summary.updatedAt)))</td><td>\(HTML.escape(title))</td>"
                + "<td>\(HTML.escape(names[summary.key.guardianID] ?? summary.key.guardianID))</td>"
                + "<td>\(HTML.escape(text.named("desk.channel", summary.key.channel.rawValue)))</td>"
                + "<td>\(text.html("desk.state.\(summary.state.rawValue)"))</td>"
                + "<td>\(HTML.escape(answer.map { $0.answer == Acknowledgement.read ? text("desk.answer.read") : $0.answer } ?? "–"))</td></tr>\n"
        }
        return html + DeskLayout.scrolling(table + "</tbody></table>", label: text("desk.families.history"))
    }
}
