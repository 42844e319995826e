import Foundation
import Hummingbird
import Logging
import LiaisonModel
import LiaisonStore

/// Liaison's HTTP server: the acknowledgement pages, the gateways' API, health checks and metrics.
///
/// | route | what it does |
/// |---|---|
/// | `GET /a/{token}` | the page behind the link in a message, in the guardian's language; records nothing |
/// | `POST /a/{token}` | `answer=<id>` (form): records the answer, answers a confirmation page |
/// | `GET /u/{token}` | the unsubscribe page behind a newsletter's link, in the guardian's language; records nothing |
/// | `POST /u/{token}` | `List-Unsubscribe=One-Click` (RFC 8058, from a mail client or the page's button): records the opt-out |
/// | `POST /v1/acks` | bearer; JSON `{"token", "answer"}` or `{"event", "guardian", "answer", "via"}` |
/// | `GET /v1/events/{id}/acks` | bearer; the current answers as JSON |
/// | `POST /v1/alerts` | bearer; JSON `{"student", "kind", "note"}`: raises an urgent alert (with an ``AdminService``) |
/// | `GET /v1/alerts/{id}` | bearer; the alert and every round of its escalation |
/// | `GET /v1/events`, `GET /v1/events/{id}/status` | bearer; events with figures; who was reached and who answered |
/// | `GET /healthz`, `GET /readyz` | 200 `ok`; 200 once the site is loaded, 503 before |
/// | `GET /metrics` | bearer; Prometheus text (``metricsRouter()`` serves it without a token on an address of its own) |
///
/// `/a/`, `/u/` and `/v1/` are rate limited (``ThrottleMiddleware``, ``RequestThrottle``), except for requests the
/// bearer token authorizes.
///
/// ```swift
/// let http = LiaisonHTTP(site: { current.site }, apiTokens: tokens, outbox: outbox)
/// try await http.application(host: "127.0.0.1", port: 8080).runService()
/// ```
///
/// - Important: `site` is called once per request and must be cheap (read a lock-protected value); it returns nil
///   until the school's files are loaded, which makes `/readyz` answer 503 and every other route 503 too.
public struct LiaisonHTTP: Sendable {
    let site: @Sendable () -> AckSite?
    let apiTokens: [String]
    let outbox: (any OutboxStore)?
    let admin: (any AdminService)?
    /// The office desk (`/desk/…`), when the daemon serves it.
    let desk: DeskBackend?
    /// Queues the letters confirming a household's booking (the daemon's queuer); without it none is sent.
    let confirmations: (any BookingConfirmer)?
    public let metrics: ServerMetrics
    let now: @Sendable () -> Date
    /// The rate limits' state, shared by every router this value makes.
    let throttle: RequestThrottle

    /// - Parameters:
    ///   - site: the current site, or nil while it is not loaded.
    ///   - apiTokens: the bearer tokens the API accepts (several, to rotate); none turns the API off (always 401).
    ///   - outbox: the outbox whose depth `/metrics` reports, if any.
    ///   - admin: the daemon behind the admin API (alerts, events, status); without it those routes are 404.
    ///   - metrics: where the counters live.
    ///   - now: the clock deciding whether an answer is too late.
    ///   - throttle: the rate limits of the pages and the API, and the proxies trusted to name the client.
    public init(
        site: @escaping @Sendable () -> AckSite?, apiTokens: [String], outbox: (any OutboxStore)? = nil,
        admin: (any AdminService)? = nil, metrics: ServerMetrics = ServerMetrics(), now: @escaping @Sendable () -> Date = { Date() },
        throttle: RequestThrottle = RequestThrottle(), desk: DeskBackend? = nil, confirmations: (any BookingConfirmer)? = nil
    ) {
        self.desk = desk
        self.confirmations = confirmations
        self.site = site
        self.apiTokens = apiTokens.filter { !$0.isEmpty }
        self.outbox = outbox
        self.admin = admin
        self.metrics = metrics
        self.now = now
        self.throttle = throttle
    }

    /// The router with every route and middleware.
    public func router() -> Router<LiaisonRequestContext> {
        let router = Router(context: LiaisonRequestContext.self)
        // Middleware first: Hummingbird wraps each route in the middleware added before it. A 429 is counted and
        // carries the security headers like any answer.
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ThrottleMiddleware(server: self))

        let pages = AckPages(server: self)
        router.get("/a/{token}") { request, context in try await pages.show(request, context: context) }
        router.post("/a/{token}") { request, context in try await pages.answer(request, context: context) }
        router.get("/a/{token}/meetings.ics") { request, context in try await pages.meetings(request, context: context) }
        let unsubscribe = UnsubscribePages(server: self)
        router.get("/u/{token}") { request, context in try await unsubscribe.show(request, context: context) }
        router.post("/u/{token}") { request, context in try await unsubscribe.unsubscribe(request, context: context) }

        let api = AckAPI(server: self)
        router.post("/v1/acks") { request, context in try await api.record(request, context: context) }
        router.get("/v1/events/{id}/acks") { request, context in try await api.list(request, context: context) }
        if let admin {
            let office = AdminAPI(server: self, service: admin)
            router.post("/v1/alerts") { request, context in try await office.raise(request, context: context) }
            router.get("/v1/alerts/{id}") { request, context in try await office.alert(request, context: context) }
            router.get("/v1/events") { request, context in try await office.events(request, context: context) }
            router.get("/v1/events/{id}/status") { request, context in try await office.status(request, context: context) }
        }

        if let desk {
            let pages = DeskPages(server: self, backend: desk)
            router.get("/desk") { request, context in try await pages.today(request, context: context) }
            router.get("\(DeskScript.path)") { _, _ in DeskScript.response() }
            router.get("/desk/login") { request, context in try await pages.loginPage(request, context: context) }
            router.post("/desk/login") { request, context in try await pages.login(request, context: context) }
            router.post("/desk/logout") { request, context in try await pages.logout(request, context: context) }
            router.get("/desk/alerts") { request, context in try await pages.alerts(request, context: context) }
            router.post("/desk/alerts") { request, context in try await pages.raise(request, context: context) }
            router.get("/desk/alerts/{id}") { request, context in try await pages.alert(request, context: context) }
            router.get("/desk/not-reached") { request, context in try await pages.notReached(request, context: context) }
            router.post("/desk/phone") { request, context in try await pages.phoneCall(request, context: context) }
            router.get("/desk/events") { request, context in try await pages.events(request, context: context) }
            router.get("/desk/events/{id}") { request, context in try await pages.event(request, context: context) }
            router.post("/desk/events/{id}/withdraw") { request, context in try await pages.withdraw(request, context: context) }
            router.get("/desk/families") { request, context in try await pages.families(request, context: context) }
            router.get("/desk/families/{id}") { request, context in try await pages.family(request, context: context) }
            router.get("/desk/compose") { request, context in try await pages.compose(request, context: context) }
            router.post("/desk/compose") { request, context in try await pages.composePost(request, context: context) }
            router.post("/desk/compose/{id}/cancel") { request, context in try await pages.cancelComposition(request, context: context) }
            router.get("/desk/staff") { request, context in try await pages.staffPage(request, context: context) }
            router.post("/desk/staff/{id}/{action}") { request, context in try await pages.staffAction(request, context: context) }
            router.get("/desk/meetings") { request, context in try await pages.meetings(request, context: context) }
            router.post("/desk/meetings/feed") { request, context in try await pages.newMeetingFeed(request, context: context) }
            router.get("/feeds/meetings/{token}") { request, context in try await pages.meetingFeed(request, context: context) }
            router.get("/desk/health") { request, context in try await pages.health(request, context: context) }
            router.post("/desk/health/retry") { request, context in try await pages.retry(request, context: context) }
        }

        router.get("/healthz") { _, _ in Response.text(.ok, "ok\n") }
        router.get("/readyz") { _, _ in
            site() == nil ? Response.text(.serviceUnavailable, "not ready\n") : Response.text(.ok, "ready\n")
        }
        // Queue depth, delivery counts by language and request rates are the school's business: behind the token.
        router.get("/metrics") { request, _ in
            guard isAuthorized(request) else { return AckAPI.unauthorized() }
            return try await metricsExposition()
        }
        return router
    }

    /// `/metrics` alone, without a token, for `server.metrics_listen`: an address only the monitoring side reaches.
    public func metricsRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ in try await metricsExposition() }
        return router
    }

    private func metricsExposition() async throws -> Response {
        if let outbox { try await metrics.refreshOutbox(outbox) }
        return Response.text(.ok, metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// An application serving ``router()`` on `host:port` (port 0: any free port, passed to `onRunning`).
    public func application(
        host: String, port: Int, logger: Logger? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Self.serve(router(), host: host, port: port, logger: logger, onRunning: onRunning)
    }

    /// An application serving ``metricsRouter()`` on `host:port`.
    public func metricsApplication(
        host: String, port: Int, logger: Logger? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Self.serve(metricsRouter(), host: host, port: port, logger: logger, onRunning: onRunning)
    }

    private static func serve<Context: RequestContext>(
        _ router: Router<Context>, host: String, port: Int, logger: Logger?, onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol where Context.Source == ApplicationRequestContextSource {
        Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "liaison"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// The client's address: the socket's peer, or what a trusted proxy says in `X-Forwarded-For`.
    func clientAddress(_ request: Request, context: LiaisonRequestContext) -> IPAddress? {
        throttle.trustedProxies.client(peer: context.peer, forwardedFor: request.headers[values: ThrottleMiddleware.forwardedFor])
    }

    /// True when the request carries `Authorization: Bearer <token>` with one of ``apiTokens``; every token is
    /// compared in full, in constant time.
    func isAuthorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else { return false }
        let presented = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        var matched = false
        for token in apiTokens where constantTimeEquals(presented, token) {
            matched = true
        }
        return matched
    }
}

/// The server's router (see ``LiaisonHTTP``).
public func makeRouter(
    site: @escaping @Sendable () -> AckSite?, apiTokens: [String], outbox: (any OutboxStore)?
) -> Router<LiaisonRequestContext> {
    LiaisonHTTP(site: site, apiTokens: apiTokens, outbox: outbox).router()
}
