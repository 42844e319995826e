import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel

/// The routes the rate limits apply to, by their first path segment; the name is the metric's `group` label.
enum ThrottledRoutes: String, Sendable {
    /// `/a/{token}`: acknowledgement pages.
    case ack
    /// `/u/{token}`: unsubscribe pages.
    case unsubscribe
    /// `/v1/…`: the API.
    case api
    /// `/feeds/…`: staff's calendar addresses (a guessed token is a failed guess like a link's).
    case feed

    init?(path: String) {
        if path.hasPrefix("/a/") {
            self = .ack
        } else if path.hasPrefix("/u/") {
            self = .unsubscribe
        } else if path.hasPrefix("/v1/") || path == "/v1" {
            self = .api
        } else if path.hasPrefix("/feeds/") {
            self = .feed
        } else {
            return nil
        }
    }

    /// The link's token in a page's path (`/a/{token}`), which the per-link limit counts; nil for the API and feeds.
    func link(in path: String) -> String? {
        guard self == .ack || self == .unsubscribe else { return nil }
        let token = path.dropFirst(3)
        guard !token.isEmpty, !token.contains("/"), token.utf8.count <= 128 else { return nil }
        return String(token)
    }
}

/// Applies ``RequestThrottle`` to `/a/`, `/u/` and `/v1/`: a refused request gets 429 with `Retry-After`, and how
/// an admitted one went (a 401, 404 or 410 is a failed guess) is recorded for its address and link.
///
/// - Important: a request the API's bearer token authorizes passes before any limit is looked at, so the office
///   raises and follows alerts even while its own address is shut out for a flood of bad guesses.
struct ThrottleMiddleware: RouterMiddleware {
    typealias Context = LiaisonRequestContext

    let server: LiaisonHTTP

    static let forwardedFor = HeaderName("X-Forwarded-For")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard let routes = ThrottledRoutes(path: path), !server.isAuthorized(request) else {
            return try await next(request, context)
        }
        let throttle = server.throttle
        let client = throttle.trustedProxies.client(peer: context.peer, forwardedFor: request.headers[values: Self.forwardedFor])
        let link = routes.link(in: path)
        if case .refuse(let reason, let wait) = throttle.admit(address: client, link: link) {
            server.metrics.throttled(routes: routes.rawValue, reason: reason.rawValue)
            return Self.tooManyRequests(routes, retryAfter: wait, page: server.site().map { site in
                PageText(site: site, language: Self.language(accepting: request.headers[.acceptLanguage], site: site))
            })
        }
        let status: HTTPResponse.Status
        let response: Response
        do {
            response = try await next(request, context)
            status = response.status
        } catch let error as any HTTPResponseError {
            record(error.status, client: client, link: link, context: context)
            throw error
        }
        record(status, client: client, link: link, context: context)
        return response
    }

    private func record(_ status: HTTPResponse.Status, client: IPAddress?, link: String?, context: Context) {
        guard let penalty = server.throttle.record(Self.outcome(status), address: client, link: link) else { return }
        context.logger.info(
            "Client shut out after failed attempts",
            metadata: [
                "liaison.client": "\(client.map { "\($0)" } ?? "unknown")",
                "liaison.penalty_s": "\(Int(penalty.components.seconds))",
            ])
    }

    /// The reader's language from `Accept-Language` (the request is refused before its link is looked up): the
    /// first language, by preference, that a catalog has; else the school's. Only short tags of a language some
    /// catalog is in are resolved at all: a flood of refused requests cannot make the resolver's work unbounded.
    static func language(accepting header: String?, site: AckSite) -> LanguageTag {
        let chains = site.catalogs.resolver(schoolDefault: site.school.defaultLocale)
        let languages = Set(site.catalogs.locales.map(\.language))
        var ranked: [(tag: LanguageTag, quality: Double, order: Int)] = []
        for (order, item) in (header ?? "").prefix(512).split(separator: ",").prefix(8).enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = parts.first, first != "*", first.utf8.count <= 16, let tag = LanguageTag(first),
                languages.contains(tag.language)
            else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { ranked.append((tag, quality, order)) }
        }
        ranked.sort { $0.quality != $1.quality ? $0.quality > $1.quality : $0.order < $1.order }
        return ranked.first { chains.chain(for: $0.tag).fallbackKind != .otherLanguage }?.tag ?? site.school.defaultLocale
    }

    /// 401 (a wrong bearer token), 404 and 410 (no such link, or an expired one) are guesses; the rest of the 4xx and
    /// 5xx say nothing about the client; everything else found what it asked for.
    static func outcome(_ status: HTTPResponse.Status) -> Throttle<ContinuousClock.Instant>.Outcome {
        switch status.code {
        case 401, 404, 410: .failure
        case 400..<600 where status.code != 409: .neutral
        default: .success
        }
    }

    /// 429 with `Retry-After` in whole seconds (at least 1): JSON for the API; for the pages, a page in `page`'s
    /// language (a family on a school's shared connection may meet it), or a line of text when nothing is loaded.
    static func tooManyRequests(_ routes: ThrottledRoutes, retryAfter wait: Duration, page: PageText? = nil) -> Response {
        // Rounded up, less a millisecond of floating-point noise: a wait of 60.000000001 s says 60.
        let exact = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
        let seconds = max(1, Int((exact - 0.001).rounded(.up)))
        var response: Response
        if routes == .api {
            response = AckAPI.error(.tooManyRequests, "rate-limited", "Too many requests; try again in \(seconds) s.")
        } else if let text = page {
            let school = text.site.school.name
            let body = "<p class=\"school\" dir=\"auto\">\(HTML.escape(school))</p>\n"
                + "<p>\(HTML.escape(text("page.too_many_requests", ["seconds": .integer(seconds)])))</p>\n"
            response = .html(
                .tooManyRequests,
                HTML.page(lang: text.language.rawValue, rtl: text.isRightToLeft, title: text("ack.page.title", ["school": .string(school)]), body: body))
        } else {
            response = .text(.tooManyRequests, "Too many requests. Please try again in \(seconds) seconds.\n")
        }
        response.headers[.retryAfter] = String(seconds)
        return response
    }
}
