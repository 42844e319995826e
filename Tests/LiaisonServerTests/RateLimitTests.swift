import Foundation
import Hummingbird
import LiaisonModel
import Testing
@testable import LiaisonServer

/// The office behind the admin API: raises every alert it is asked to and reports it back.
actor OfficeDouble: AdminService {
    private(set) var raised: [AlertRequest] = []

    func raiseAlert(_ request: AlertRequest) async throws -> AlertReceipt {
        raised.append(request)
        return AlertReceipt(
            id: "alert-\(request.student)-\(raised.count)", student: request.student, kind: request.kind, raisedAt: now,
            notified: ["G1"], deliveries: 1)
    }

    func alert(id: String) async throws -> AlertReport? {
        AlertReport(
            alert: Alert(id: id, studentID: "S1", kind: .sickness, note: "", raisedAt: now, raisedBy: "office"), rounds: [], upcoming: [])
    }

    func events() async throws -> [EventListing] { [] }
    func status(eventID: String) async throws -> EventStatusReport? { nil }
}

/// A monotonic clock that moves only when a test says so.
final class TestClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = Locked(Duration.zero)

    var now: ContinuousClock.Instant { start.advanced(by: offset.value) }

    func advance(_ duration: Duration) {
        offset.withLock { $0 += duration }
    }
}

@Suite("Rate limits on the pages and the API")
struct RateLimitTests {
    static let alert = #"{"student": "S1", "kind": "sickness", "note": "Temperature of 38.5 °C"}"#

    /// Issue 15's probe, on a real socket: forged links get 404 until the free failures are spent, then 429 with
    /// Retry-After; the office, from the same address, raises and follows an alert meanwhile.
    @Test("Forged links are throttled; the office's alerts never are")
    func forgedLinksThenAnAlert() async throws {
        let clock = TestClock()
        let office = OfficeDouble()
        let fixture = try Fixture(admin: office, throttle: RequestThrottle(clock: { clock.now }))
        try await LiveClient.run({ fixture.http.application(host: "127.0.0.1", port: 0, onRunning: $0) }) { client in
            var statuses: [HTTPResponse.Status] = []
            var retryAfter: [String] = []
            for guess in 0..<30 {
                try await client.execute(uri: "/a/forged-\(guess)", method: .get) { response in
                    statuses.append(response.status)
                    if response.status == .tooManyRequests {
                        retryAfter.append(response.headers[.retryAfter] ?? "")
                        // A page in the school's language (no Accept-Language), with its plural right.
                        #expect(response.text.contains("<html lang=\"en\" dir=\"ltr\">"))
                        #expect(response.text.contains("Please try again in 1 second."), "\(response.text)")
                        #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                        #expect(response.headers[.cacheControl] == "no-store")
                    }
                }
            }
            #expect(statuses == Array(repeating: .notFound, count: 11) + Array(repeating: .tooManyRequests, count: 19))
            // A family on the same shared connection reads it in the first of their languages a catalog has.
            for (accept, expected) in [
                ("so-SO, en;q=0.5", "<html lang=\"so\" dir=\"ltr\">"), ("xx, ar-EG;q=0.9, en;q=0.8", "<html lang=\"ar\" dir=\"rtl\">"),
                ("en;q=0.1, zh-CN;q=0.9", "<html lang=\"zh-Hans\""), ("pt-BR", "<html lang=\"en\" dir=\"ltr\">"),
            ] {
                try await client.execute(uri: "/a/forged-more", method: .get, headers: [.acceptLanguage: accept]) { response in
                    #expect(response.status == .tooManyRequests)
                    #expect(response.text.contains(expected), "\(accept): \(response.text)")
                    #expect(response.text.contains("<main>"))
                }
            }
            #expect(retryAfter == Array(repeating: "1", count: 19))

            // The office, same address, same moment: through.
            let (headers, body) = json(Self.alert)
            try await client.execute(uri: "/v1/alerts", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/v1/alerts/alert-S1-1", method: .get, headers: [.authorization: "Bearer \(apiToken)"]) { response in
                #expect(response.status == .ok)
            }
            // A wrong token from there is refused before it is even compared with the real ones.
            let (badHeaders, badBody) = json(Self.alert, bearer: "guessed-token")
            try await client.execute(uri: "/v1/alerts", method: .post, headers: badHeaders, body: badBody) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "1")
                #expect(response.text.contains(#""error":"rate-limited""#))
            }
            // Health checks are never limited.
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }

            // The penalty over, the next guess is answered, and the one after waits 2 s.
            clock.advance(.seconds(1))
            try await client.execute(uri: "/a/forged-again", method: .get) { response in #expect(response.status == .notFound) }
            try await client.execute(uri: "/a/forged-again", method: .get) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "2")
            }
            // 19 forged guesses, the 4 in other languages, and the last one.
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(apiToken)"]) { response in
                #expect(response.text.contains(#"liaison_http_throttled_total{routes="ack",reason="penalty"} 24"#))
                #expect(response.text.contains(#"liaison_http_throttled_total{routes="api",reason="penalty"} 1"#))
            }
        }
        #expect(await office.raised.map(\.student) == ["S1"])
    }

    /// A guardian opening their own link again and again, and answering, is never refused.
    @Test("A guardian's own link is never throttled")
    func guardianOpensTheirLink() async throws {
        let fixture = try Fixture(throttle: RequestThrottle(clock: { ContinuousClock.now }))
        let token = try await fixture.token("open-evening", "G2")
        try await LiveClient.run({ fixture.http.application(host: "127.0.0.1", port: 0, onRunning: $0) }) { client in
            for _ in 0..<12 {
                try await client.execute(uri: "/a/\(token)", method: .get) { response in #expect(response.status == .ok) }
            }
            let (headers, body) = form("answer=attending")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/a/\(token)", method: .get) { response in #expect(response.status == .ok) }
        }
    }

    /// Behind a trusted proxy, each client is limited by the address the proxy names: a guesser shut out does not
    /// shut out the guardians behind the same proxy. A link opened over and over from many addresses is limited on
    /// its own.
    @Test("Clients behind a trusted proxy are limited one by one, and so is each link")
    func behindAProxy() async throws {
        var limits = RateLimits()
        limits.perLink = RateLimits.Bucket(rate: RateLimits.Rate(1, per: .seconds(60)), burst: 5)
        let clock = TestClock()
        let throttle = RequestThrottle(
            limits: limits, trustedProxies: TrustedProxies([IPNetwork("127.0.0.0/8")!, IPNetwork("::1")!]), clock: { clock.now })
        let fixture = try Fixture(throttle: throttle)
        let token = try await fixture.token("open-evening", "G2")
        try await LiveClient.run({ fixture.http.application(host: "127.0.0.1", port: 0, onRunning: $0) }) { client in
            let guesser: HTTPFields = [ThrottleMiddleware.forwardedFor: "192.0.2.66"]
            for guess in 0..<12 {
                try await client.execute(uri: "/u/forged-\(guess)", method: .get, headers: guesser) { _ in }
            }
            try await client.execute(uri: "/a/\(token)", method: .get, headers: guesser) { response in
                #expect(response.status == .tooManyRequests)
            }
            // What a client writes left of the proxy's own entry changes nothing.
            let spoofed: HTTPFields = [ThrottleMiddleware.forwardedFor: "198.51.100.1, 192.0.2.66"]
            try await client.execute(uri: "/a/\(token)", method: .get, headers: spoofed) { response in
                #expect(response.status == .tooManyRequests)
            }
            for index in 1...5 {
                let guardian: HTTPFields = [ThrottleMiddleware.forwardedFor: "198.51.100.\(index)"]
                try await client.execute(uri: "/a/\(token)", method: .get, headers: guardian) { response in
                    #expect(response.status == .ok)
                }
            }
            let sixth: HTTPFields = [ThrottleMiddleware.forwardedFor: "2001:db8:7::1"]
            try await client.execute(uri: "/a/\(token)", method: .get, headers: sixth) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "60")
            }
        }
    }

    @Test("Wrong bearer tokens count as failed guesses")
    func wrongBearerTokens() async throws {
        let fixture = try Fixture(admin: OfficeDouble(), throttle: RequestThrottle(clock: { ContinuousClock.now }))
        try await fixture.test { client in
            var statuses: [HTTPResponse.Status] = []
            for guess in 0..<12 {
                let (headers, body) = json(Self.alert, bearer: "guess-\(guess)")
                try await client.execute(uri: "/v1/alerts", method: .post, headers: headers, body: body) { response in
                    statuses.append(response.status)
                }
            }
            #expect(statuses == Array(repeating: .unauthorized, count: 11) + [.tooManyRequests])
            let (headers, body) = json(Self.alert)
            try await client.execute(uri: "/v1/alerts", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .created)
            }
        }
    }

    @Test("Statuses sort into successes, failures and neither")
    func outcomes() {
        #expect(ThrottleMiddleware.outcome(.ok) == .success)
        #expect(ThrottleMiddleware.outcome(.conflict) == .success)  // a valid link, too late to change
        #expect(ThrottleMiddleware.outcome(.notFound) == .failure)
        #expect(ThrottleMiddleware.outcome(.gone) == .failure)
        #expect(ThrottleMiddleware.outcome(.unauthorized) == .failure)
        #expect(ThrottleMiddleware.outcome(.badRequest) == .neutral)
        #expect(ThrottleMiddleware.outcome(.serviceUnavailable) == .neutral)
        #expect(ThrottledRoutes(path: "/a/abc")?.link(in: "/a/abc") == "abc")
        #expect(ThrottledRoutes(path: "/v1/acks")?.link(in: "/v1/acks") == nil)
        #expect(ThrottledRoutes(path: "/healthz") == nil)
        #expect(ThrottledRoutes(path: "/metrics") == nil)
    }
}
