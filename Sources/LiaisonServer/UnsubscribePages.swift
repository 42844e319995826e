import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore

/// `GET /u/{token}` and `POST /u/{token}`: unsubscribing from newsletters (RFC 8058).
///
/// A mail client's one-click unsubscribe POSTs `List-Unsubscribe=One-Click` to the link and the opt-out is recorded at
/// once, with no further step. GET only shows a page, in the guardian's language, whose button POSTs the same form:
/// mail scanners and link previews fetch links, and must not unsubscribe anyone.
struct UnsubscribePages: Sendable {
    let server: LiaisonHTTP

    func show(_ request: Request, context: some RequestContext) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        guard let link = try await find(context, in: site) else { return notFound(site) }
        let text = text(for: link, in: site)
        let current = try await site.ledger.optOuts(guardianID: link.guardianID).contains { $0.category == link.category }
        var body = header(text)
        if current {
            body += "<p class=\"answer\">\(HTML.escape(text("unsubscribe.page.done", ["phone": .string(text.officeContact)])))</p>\n"
        } else {
            body += "<p>\(HTML.escape(text("unsubscribe.page.explain")))</p>\n"
            body += "<form method=\"post\">\n<button type=\"submit\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                + "\(HTML.escape(text("unsubscribe.page.button")))</button>\n</form>\n"
        }
        return .html(.ok, page(text, body))
    }

    func unsubscribe(_ request: Request, context: some RequestContext) async throws -> Response {
        guard let site = server.site() else { return unavailable() }
        guard let link = try await find(context, in: site) else { return notFound(site) }
        let text = text(for: link, in: site)
        let contentType = request.headers[.contentType] ?? ""
        let buffer = try await request.body.collect(upTo: AckPages.maxFormSize)
        let form = String(decoding: buffer.readableBytesView, as: UTF8.self)
        // RFC 8058: mail clients SHOULD send multipart/form-data and MAY send a urlencoded form; some send no type.
        let value: String?
        switch AckPages.mediaType(of: contentType) {
        case "application/x-www-form-urlencoded", "": value = AckPages.parseForm(form)["List-Unsubscribe"]
        case "multipart/form-data": value = Self.multipartField("List-Unsubscribe", in: form, contentType: contentType)
        default:
            return .html(.unsupportedMediaType, page(text, header(text) + "<p>\(HTML.escape(text("unsubscribe.page.explain")))</p>\n"))
        }
        guard value == "One-Click" else {
            return .html(.badRequest, page(text, header(text) + "<p>\(HTML.escape(text("unsubscribe.page.explain")))</p>\n"))
        }
        if try await site.ledger.optOut(guardianID: link.guardianID, category: link.category, via: "link", at: server.now()) {
            server.metrics.unsubscribed(category: link.category.rawValue)
        }
        // What of that category still waits to be sent to them (quiet hours, a retry) is withdrawn too.
        if let outbox = server.outbox {
            for event in site.events.values where MessageCategory.optional(for: event) == link.category {
                _ = try await outbox.cancel(
                    matching: DeliveryQuery(eventID: event.id, guardianID: link.guardianID), reason: "unsubscribed", now: server.now())
            }
        }
        let body = header(text) + "<p class=\"answer\">\(HTML.escape(text("unsubscribe.page.done", ["phone": .string(text.officeContact)])))</p>\n"
        return .html(.ok, page(text, body))
    }

    // MARK: - Pieces

    /// The value of the field `name` in a multipart/form-data body (RFC 7578), trimmed; nil when absent.
    static func multipartField(_ name: String, in body: String, contentType: String) -> String? {
        guard let boundaryRange = contentType.range(of: "boundary=", options: .caseInsensitive) else { return nil }
        var boundary = String(contentType[boundaryRange.upperBound...].prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 { boundary = String(boundary.dropFirst().dropLast()) }
        guard !boundary.isEmpty else { return nil }
        let normalized = body.replacingOccurrences(of: "\r\n", with: "\n")
        for part in normalized.components(separatedBy: "--" + boundary) {
            guard let split = part.range(of: "\n\n") else { continue }
            let headers = part[..<split.lowerBound].lowercased()
            guard headers.contains("content-disposition:"),
                  headers.contains("name=\"\(name.lowercased())\"") || headers.contains("name=\(name.lowercased())")
            else { continue }
            return String(part[split.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return nil
    }

    private func find(_ context: some RequestContext, in site: AckSite) async throws -> UnsubscribeLink? {
        let token = context.parameters.get("token") ?? ""
        guard !token.isEmpty, token.utf8.count <= 128 else { return nil }
        // A guardian removed from the roster keeps no working links.
        guard let link = try await site.ledger.unsubscribeLink(forToken: token), site.roster.guardian(link.guardianID) != nil else { return nil }
        return link
    }

    private func text(for link: UnsubscribeLink, in site: AckSite) -> PageText {
        PageText(site: site, language: site.roster.guardian(link.guardianID)?.language ?? site.school.defaultLocale)
    }

    private func header(_ text: PageText) -> String {
        "<p class=\"school\" dir=\"auto\">\(HTML.escape(text.site.school.name))</p>\n"
            + "<h1 dir=\"auto\">\(HTML.escape(text("unsubscribe.page.heading", ["school": .string(text.site.school.name)])))</h1>\n"
    }

    private func page(_ text: PageText, _ body: String) -> String {
        HTML.page(
            lang: text.language.rawValue, rtl: text.isRightToLeft,
            title: text("unsubscribe.page.heading", ["school": .string(text.site.school.name)]), body: body)
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
}
