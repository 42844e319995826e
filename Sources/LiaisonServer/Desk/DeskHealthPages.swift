import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore

/// Health: the outbox by state, the channels and their outages, failed deliveries with the relay's reasons and a
/// retry of them all (after addresses are fixed in the roster), the loaded school's check report and catalog
/// coverage.
extension DeskPages {
    func health(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .health) { site, user, text in
            let counts = try await service.outboxCounts()
            var body = "<section aria-labelledby=\"outbox-h\"><h2 id=\"outbox-h\">\(text.html("desk.health.outbox"))</h2><div class=\"cards\">"
            for state in [DeliveryState.queued, .sending, .retry, .failed, .sent, .cancelled] {
                body += "<p class=\"card\"><span class=\"figure\">\(HTML.escape(text.integer(counts[state] ?? 0)))</span><br>\(text.html("desk.state.\(state.rawValue)"))</p>"
            }
            body += "</div></section>\n"

            body += "<section aria-labelledby=\"channels-h\"><h2 id=\"channels-h\">\(text.html("desk.health.channels"))</h2><ul>\n"
            for channel in await service.channelHealth() {
                let state = channel.failingSince.map { "<span class=\"urgent\">\(text.html("desk.health.failing", ["time": .string(text.dateTime($0))]))</span>" }
                    ?? text.html("desk.health.working")
                body += "<li>\(HTML.escape(channel.summary)) – \(state)</li>\n"
            }
            body += "</ul></section>\n"

            let failed = try await service.summaries(DeliveryQuery(states: [.failed])).sorted { $0.updatedAt > $1.updatedAt }
            body += "<section aria-labelledby=\"failed-h\"><h2 id=\"failed-h\">\(text.html("desk.health.failed", ["count": .integer(failed.count)]))</h2>\n"
            if !failed.isEmpty {
                body += "<form method=\"post\" action=\"/desk/health/retry\">\(user.csrfField)<p>\(text.html("desk.health.retry_explain"))</p>"
                    + "<button type=\"submit\">\(text.html("desk.health.retry"))</button></form>\n"
                var table = "<table><thead><tr>"
                for key in ["desk.col.when", "desk.col.event", "desk.col.guardian", "desk.col.channel", "desk.col.reason"] {
                    table += "<th scope=\"col\">\(text.html(key))</th>"
                }
                table += "</tr></thead><tbody>\n"
                for summary in failed.prefix(100) {
                    let title = site.events[summary.eventID].map { $0.title.resolve(along: [text.language, site.school.defaultLocale]).text } ?? summary.eventID
                    table += "<tr><td>\(HTML.escape(text.dateTime(summary.updatedAt)))</td><td>\(HTML.escape(title))</td>"
                        + "<td>\(HTML.escape(site.roster.guardian(summary.key.guardianID)?.displayName ?? summary.key.guardianID))</td>"
                        + "<td>\(HTML.escape(text.named("desk.channel", summary.key.channel.rawValue)))</td>"
                        + "<td>\(HTML.escape(String((summary.lastReply ?? "").prefix(300))))</td></tr>\n"
                }
                body += DeskLayout.scrolling(table + "</tbody></table>", label: text("desk.health.failed", ["count": .integer(failed.count)]))
            }
            body += "</section>\n"

            let report = await service.schoolReport()
            body += "<section aria-labelledby=\"check-h\"><h2 id=\"check-h\">\(text.html("desk.health.check", ["time": .string(text.dateTime(report.loadedAt))]))</h2>\n"
            let problems = report.diagnostics.filter { $0.severity != .note }
            if problems.isEmpty {
                body += "<p>\(text.html("desk.health.no_problems"))</p>\n"
            } else {
                body += "<ul>\n"
                for diagnostic in problems.prefix(100) {
                    body += "<li><strong>\(text.html(diagnostic.severity == .error ? "desk.health.error" : "desk.health.warning"))</strong> "
                        + "<span dir=\"ltr\">\(HTML.escape(diagnostic.location.map { "\($0)" } ?? ""))</span> \(HTML.escape(diagnostic.message))</li>\n"
                }
                body += "</ul>\n"
            }
            var coverage = "<table><caption>\(text.html("desk.health.coverage"))</caption><thead><tr><th scope=\"col\">\(text.html("desk.col.language"))</th>"
                + "<th scope=\"col\">\(text.html("desk.health.translated"))</th><th scope=\"col\">\(text.html("desk.health.guardians"))</th></tr></thead><tbody>\n"
            for entry in report.coverage {
                let readers = report.languages.filter { $0.resolved == entry.locale.rawValue }.reduce(0) { $0 + $1.guardians }
                coverage += "<tr><th scope=\"row\">\(HTML.escape(text.languageName(entry.locale.rawValue)))</th>"
                    + "<td>\(HTML.escape(text("desk.health.of", ["done": .integer(entry.translated), "total": .integer(entry.total)])))</td>"
                    + "<td>\(HTML.escape(text.integer(readers)))</td></tr>\n"
            }
            body += DeskLayout.scrolling(coverage + "</tbody></table>", label: text("desk.health.coverage"))
            let fallbacks = report.languages.filter(\.fallback)
            if !fallbacks.isEmpty {
                body += "<p>" + text.html("desk.health.fallbacks", ["languages": .string(fallbacks.map { "\(text.languageName($0.language)) (\($0.guardians))" }.joined(separator: ", "))]) + "</p>\n"
            }
            body += "</section>\n"
            return page(.ok, site, text, title: text("desk.health.title"), user: user, current: "/desk/health", body: body)
        }
    }

    func retry(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await posted(request, may: .health) { _, user, _, _ in
            _ = try await service.retryFailed(by: user.staff)
            return Self.redirect("/desk/health")
        }
    }
}
