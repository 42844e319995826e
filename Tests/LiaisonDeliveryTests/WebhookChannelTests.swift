import Foundation
import LiaisonModel
import LiaisonTestSupport
import Testing
@testable import LiaisonDelivery

/// The webhook channel against a real local HTTP receiver (Tests/Support/http_receiver.py), with signatures checked
/// by the independent `standardwebhooks` Python library (Tests/Support/webhook_verify.py).
@Suite(.serialized) struct WebhookChannelTests {
    private func receiver() throws -> LocalServer {
        try LocalServer(script: "http_receiver.py", arguments: ["--log", "$DIR/log.jsonl"])
    }

    @Test func twoHundredIsSentWithSignedHeadersAndTheRenderedBody() async throws {
        let server = try receiver()
        defer { server.stop() }
        let now = Date()
        let channel = try WebhookChannel(
            target: WebhookFixtures.target(port: server.port, headers: ["Authorization: Bearer s3cr3t-token"]), clock: { now })
        let delivery = WebhookFixtures.delivery()
        let noContent = await channel.send(delivery)
        #expect(noContent == .sent(reply: "HTTP 204 No Content"))
        let echo = try WebhookChannel(target: WebhookFixtures.target(port: server.port, path: "/echo"))
        let ok = await echo.send(delivery)
        #expect(ok.isSent)
        #expect(ok.reply.hasPrefix("HTTP 200 OK: {\"path\": \"/echo\""))
        await channel.shutdown()
        await echo.shutdown()

        let logged = server.logLines()
        try #require(logged.count == 2)
        let headers = try #require(logged[0]["headers"] as? [String: String])
        #expect(logged[0]["method"] as? String == "POST")
        #expect(headers["Content-Type"] == "application/json")
        #expect(headers["Authorization"] == "Bearer s3cr3t-token")
        #expect(headers["webhook-id"] == "sports-day@2027-06-10T17:00Z/g-1/sms")
        let timestamp = Int(now.timeIntervalSince1970)
        #expect(headers["webhook-timestamp"] == "\(timestamp)")
        let body = try #require(logged[0]["body"] as? String)
        #expect(headers["webhook-signature"] == (try StandardWebhooks.signature(
            id: "sports-day@2027-06-10T17:00Z/g-1/sms", timestamp: timestamp, payload: Array(body.utf8), secrets: [WebhookFixtures.secret])))

        let verified = try WebhookVerification(log: server.file("log.jsonl"), secrets: [WebhookFixtures.secret])
        #expect(verified.status == 0, "\(verified.errors)")
        try #require(verified.payloads.count == 2)
        let payload = try #require(verified.payloads[0]["payload"] as? [String: String])
        #expect(payload == [
            "to": "+447700900123", "name": "Layla Haddad", "key": "sports-day@2027-06-10T17:00Z/g-1/sms", "subject": "Sports day",
            "text": "Sports day is on Friday.", "language": "en", "class": "alert", "event": "sports-day", "channel": "sms",
            "ack": "https://school.example/ack/abc",
        ])
    }

    @Test func theIdempotencyKeyStaysAndTheTimestampMovesOnRetry() async throws {
        let server = try receiver()
        defer { server.stop() }
        let clock = Clock()
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, path: "/flaky/1"), clock: { clock.now })
        let first = await channel.send(WebhookFixtures.delivery(ackURL: nil))
        clock.advance(by: 30)
        let second = await channel.send(WebhookFixtures.delivery(ackURL: nil))
        await channel.shutdown()
        #expect(first.isRetry)
        #expect(first.reply.hasPrefix("HTTP 500 Internal Server Error: "))
        #expect(second.isSent)
        let headers = server.logLines().compactMap { $0["headers"] as? [String: String] }
        try #require(headers.count == 2)
        #expect(headers[0]["webhook-id"] == headers[1]["webhook-id"])
        #expect(Int(headers[1]["webhook-timestamp"] ?? "")! - Int(headers[0]["webhook-timestamp"] ?? "")! == 30)
        let verified = try WebhookVerification(log: server.file("log.jsonl"), secrets: [WebhookFixtures.secret])
        #expect(verified.status == 0, "\(verified.errors)")
        // Without an ack URL the optional member is left out.
        #expect((verified.payloads.first?["payload"] as? [String: Any])?["ack"] == nil)
    }

    @Test(arguments: [500, 502, 503, 408])
    func serverTroubleIsRetried(status: Int) async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, path: "/status/\(status)"))
        let outcome = await channel.send(WebhookFixtures.delivery())
        await channel.shutdown()
        #expect(outcome.isRetry)
        #expect(outcome.retryAfter == nil)
        #expect(outcome.reply.hasPrefix("HTTP \(status) "))
    }

    @Test func tooManyRequestsIsRetriedAfterTheServersDelay() async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, path: "/retry-after/7"))
        let outcome = await channel.send(WebhookFixtures.delivery())
        await channel.shutdown()
        #expect(outcome.isRetry)
        #expect(outcome.retryAfter == .seconds(7))
        #expect(outcome.reply.hasPrefix("HTTP 429 Too Many Requests"))
    }

    /// A gateway that says when to come back is not down: 502, 503 and 504 with Retry-After wait for it (the three
    /// patterns once shared one `where`, which applied to 504 alone).
    @Test(arguments: [502, 503, 504])
    func unavailableWithRetryAfterWaitsForIt(status: Int) async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, path: "/retry-after/9/\(status)"))
        let outcome = await channel.send(WebhookFixtures.delivery())
        await channel.shutdown()
        #expect(outcome.retryAfter == .seconds(9))
        #expect(outcome.reply.hasPrefix("HTTP \(status) "))
    }

    @Test func aHangPastTheTimeoutIsRetried() async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, path: "/hang/4", timeout: .milliseconds(800)))
        let started = ContinuousClock.now
        let outcome = await channel.send(WebhookFixtures.delivery())
        let elapsed = ContinuousClock.now - started
        await channel.shutdown()
        #expect(outcome.isRetry)
        #expect(outcome.retryAfter == nil)
        #expect(outcome.reply.hasPrefix("Timed out: no complete answer within 0.8 s"), "\(outcome.reply)")
        #expect(elapsed < .seconds(3))
    }

    @Test(arguments: [404, 400, 401, 410, 422, 301])
    func otherRefusalsFailWithStatusAndBody(status: Int) async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, path: "/status/\(status)"))
        let outcome = await channel.send(WebhookFixtures.delivery(text: String(repeating: "long text ", count: 100)))
        await channel.shutdown()
        #expect(outcome.isFailed)
        #expect(outcome.reply.hasPrefix("HTTP \(status) "))
        // The receiver echoes the request body: only its first 200 characters are kept.
        let start = try #require(outcome.reply.range(of: ": {\"path\""))
        #expect(outcome.reply[start.lowerBound...].dropFirst(2).count == 200)
    }

    @Test func aNotFoundPathFails() async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, path: "/no-such-hook"))
        let outcome = await channel.send(WebhookFixtures.delivery())
        await channel.shutdown()
        #expect(outcome.isFailed)
        #expect(outcome.reply.hasPrefix("HTTP 404 Not Found: {\"path\": \"/no-such-hook\""))
    }

    @Test func aRefusedConnectionIsRetried() async throws {
        let server = try receiver()
        let port = server.port
        server.stop()
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: port))
        let outcome = await channel.send(WebhookFixtures.delivery())
        await channel.shutdown()
        #expect(outcome.isRetry)
        #expect(outcome.reply.hasPrefix("Network error (curl 7): "), "\(outcome.reply)")
    }

    @Test func aWrongSecretIsRejectedByTheVerifier() async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port))
        #expect(await channel.send(WebhookFixtures.delivery()).isSent)
        await channel.shutdown()
        let wrong = try WebhookVerification(log: server.file("log.jsonl"), secrets: [WebhookFixtures.newerSecret])
        #expect(wrong.status == 1)
        #expect(wrong.errors.contains("No matching signature found"))
        #expect(wrong.payloads.isEmpty)
        let right = try WebhookVerification(log: server.file("log.jsonl"), secrets: [WebhookFixtures.secret])
        #expect(right.status == 0, "\(right.errors)")
    }

    @Test func duringRotationBothSecretsVerify() async throws {
        let server = try receiver()
        defer { server.stop() }
        let secrets = [WebhookFixtures.newerSecret, WebhookFixtures.secret]
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, secrets: secrets))
        #expect(await channel.send(WebhookFixtures.delivery()).isSent)
        await channel.shutdown()
        let signature = try #require((server.logLines().first?["headers"] as? [String: String])?["webhook-signature"])
        #expect(signature.split(separator: " ").count == 2)
        #expect(signature.split(separator: " ").allSatisfy { $0.hasPrefix("v1,") })
        for secret in secrets {
            let verified = try WebhookVerification(log: server.file("log.jsonl"), secrets: [secret])
            #expect(verified.status == 0, "\(verified.errors)")
        }
        let both = try WebhookVerification(log: server.file("log.jsonl"), secrets: secrets)
        #expect(both.status == 0, "\(both.errors)")
    }

    @Test func textInAnyScriptWithQuotesBackslashesAndLineBreaksArrivesExactly() async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port))
        let arabic = "يوم الرياضة \"الجمعة\"\nأحضروا قبعة \\ ماء\r\n\tشكرًا"
        let chinese = "運動會「星期五」\"帶帽\" \\n 不是換行\n第二行\u{1}\u{7F}\u{2028}末"
        let name = "O'Brien \"Ní\" \\ 王小明 </script>"
        let subjects = ["{\"injected\": true}", "\\\"", "}{][,:"]
        for (index, subject) in subjects.enumerated() {
            let delivery = WebhookFixtures.delivery(
                guardian: "g-\(index)", subject: subject, text: index == 0 ? arabic : chinese, name: name, language: index == 0 ? "ar" : "zh-Hant-HK")
            #expect(await channel.send(delivery).isSent)
        }
        await channel.shutdown()
        let verified = try WebhookVerification(log: server.file("log.jsonl"), secrets: [WebhookFixtures.secret])
        #expect(verified.status == 0, "\(verified.errors)")
        try #require(verified.payloads.count == 3)
        for (index, subject) in subjects.enumerated() {
            let payload = try #require(verified.payloads[index]["payload"] as? [String: String])
            #expect(payload["subject"] == subject)
            #expect(payload["text"] == (index == 0 ? arabic : chinese))
            #expect(payload["name"] == name)
            #expect(payload.count == 10)
        }
        // Control characters travel as escapes (\n, \uXXXX), not raw bytes.
        let body = try #require(server.logLines()[1]["body"] as? String)
        #expect(body.contains(#"\u0001"#) && body.contains(#"\u2028"#) && body.contains(#"\n"#))
        #expect(!body.contains("\u{1}"))
    }

    @Test func twoHundredConcurrentSendsThroughFourConnectionsAllArrive() async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, timeout: .seconds(20), maxConnections: 4))
        let outcomes = await withTaskGroup(of: ChannelOutcome.self) { group in
            for index in 0..<200 {
                group.addTask { await channel.send(WebhookFixtures.delivery(guardian: "g-\(index)", text: "رسالة \(index)")) }
            }
            return await group.reduce(into: [ChannelOutcome]()) { $0.append($1) }
        }
        await channel.shutdown()
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { $0.isSent }, "\(outcomes.filter { !$0.isSent }.prefix(3))")
        let ids = Set(server.logLines().compactMap { ($0["headers"] as? [String: String])?["webhook-id"] })
        #expect(ids.count == 200)
        let verified = try WebhookVerification(log: server.file("log.jsonl"), secrets: [WebhookFixtures.secret])
        #expect(verified.status == 0, "\(verified.errors)")
        #expect(verified.payloads.count == 200)
        let texts = Set(verified.payloads.compactMap { ($0["payload"] as? [String: Any])?["text"] as? String })
        #expect(texts == Set((0..<200).map { "رسالة \($0)" }))
    }

    @Test func aKindTheGatewayDoesNotCarryFailsWithoutARequest() async throws {
        let server = try receiver()
        defer { server.stop() }
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port))
        let outcome = await channel.send(WebhookFixtures.delivery(channel: .chat))
        await channel.shutdown()
        #expect(outcome == .failed(reply: "The webhook gateway test-gateway does not carry chat messages."))
        #expect(server.logLines().isEmpty)
    }

    @Test func aBodyThatIsNotJSONFailsPermanentlyWithoutARequest() async throws {
        let server = try receiver()
        defer { server.stop() }
        // Valid for the sample deliveries checked at start-up, but an empty subject leaves a trailing comma.
        let template = #"{"text": "{{message.text}}"{{^empty(message.subject)}}, "subject": "{{message.subject}}"{{/empty(message.subject)}}{{#empty(message.subject)}},{{/empty(message.subject)}} }"#
        let channel = try WebhookChannel(target: WebhookFixtures.target(port: server.port, template: template))
        #expect(await channel.send(WebhookFixtures.delivery()).isSent)
        let outcome = await channel.send(WebhookFixtures.delivery(subject: ""))
        await channel.shutdown()
        #expect(outcome.isFailed)
        #expect(outcome.reply.hasPrefix("The body template of the webhook gateway test-gateway did not produce JSON for this delivery: "))
        #expect(server.logLines().count == 1)
    }
}

/// A settable clock for the channel.
private final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date()

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) {
        lock.withLock { current += seconds }
    }
}

fileprivate extension ChannelOutcome {
    var reply: String {
        switch self {
        case .sent(let reply), .failed(let reply), .retry(let reply, _), .unavailable(let reply): reply
        }
    }

    var isSent: Bool { if case .sent = self { true } else { false } }
    var isFailed: Bool { if case .failed = self { true } else { false } }
    /// Tried again later: a temporary problem of the message or of the gateway.
    var isRetry: Bool {
        switch self {
        case .retry, .unavailable: true
        default: false
        }
    }
    var retryAfter: Duration? { if case .retry(_, let after) = self { after } else { nil } }
}
