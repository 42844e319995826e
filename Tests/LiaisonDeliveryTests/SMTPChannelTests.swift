import Foundation
import LiaisonInputs
import LiaisonModel
import LiaisonTestSupport
import Testing
@testable import LiaisonDelivery

func sampleDelivery(to address: String, guardian: String = "G1", subject: String = "Sports Day – يوم الرياضة") -> Delivery {
    Delivery(
        key: DeliveryKey(occurrence: "sports-day", guardianID: guardian, channel: .email), eventID: "sports-day",
        address: address, recipientName: "Layla Haddad", notBefore: Date(), createdAt: Date(),
        message: OutboundMessage(subject: subject, text: "Dear Layla,\nSee you on Friday.\n", html: "<p>Dear Layla,</p>", language: "ar"))
}

let testComposer = MailComposer(from: MailAddress("office@school.example", name: "Riverside Primary School"), messageIDDomain: "liaison.school.example")

@Suite(.serialized) struct SMTPChannelTests {
    func channel(port: Int, perMinute: Int? = nil) throws -> SMTPChannel {
        try SMTPChannel(
            relays: [RelaySettings(name: "local", url: "smtp://127.0.0.1:\(port)/liaison.test", security: .none, perMinute: perMinute)],
            composer: testComposer)
    }

    @Test func repliesAreClassifiedPerRecipient() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--maildir", "$DIR/maildir"])
        defer { server.stop() }
        let smtp = try channel(port: server.port)
        let sent = await smtp.send(sampleDelivery(to: "layla@example.net"))
        guard case .sent(let reply) = sent else { Issue.record("expected sent, got \(sent)"); return }
        #expect(reply.contains("250"))

        let rejected = await smtp.send(sampleDelivery(to: "reject@example.net", guardian: "G2"))
        guard case .failed(let why) = rejected else { Issue.record("expected failed, got \(rejected)"); return }
        #expect(why.contains("550 5.1.1"))

        let first = await smtp.send(sampleDelivery(to: "tempfail@example.net", guardian: "G3"))
        guard case .retry(let tempReply, _) = first else { Issue.record("expected retry, got \(first)"); return }
        #expect(tempReply.contains("451"))
        let second = await smtp.send(sampleDelivery(to: "tempfail@example.net", guardian: "G3"))
        #expect({ if case .sent = second { true } else { false } }())
        await smtp.shutdown()

        let log = server.logLines()
        #expect(log.count == 2)
        let ids = log.compactMap { $0["message_id"] as? String }
        #expect(ids.allSatisfy { $0.hasSuffix("@liaison.school.example>") })
        #expect(Set(ids).count == 2)
    }

    /// An international domain goes into RCPT in its IDNA form, as in the To header: the relay needs no SMTPUTF8.
    @Test func internationalDomainsGoOutInTheirASCIIForm() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--pipelining"])
        defer { server.stop() }
        let smtp = try channel(port: server.port)
        let sent = await smtp.send(sampleDelivery(to: "parent@例え.テスト"))
        await smtp.shutdown()
        guard case .sent = sent else { Issue.record("expected sent, got \(sent)"); return }
        let log = server.logLines()
        #expect(log.count == 1)
        #expect(log.first?["to"] as? [String] == ["parent@xn--r8jz45g.xn--zckzah"], "\(log)")
    }

    @Test func throttlingSlowsTheRelay() async throws {
        let server = try LocalServer(script: "smtp_server.py")
        defer { server.stop() }
        let smtp = try channel(port: server.port)
        let throttled = await smtp.send(sampleDelivery(to: "throttle@example.net"))
        guard case .retry(let reply, _) = throttled else { Issue.record("expected retry, got \(throttled)"); return }
        #expect(reply.contains("452"))
        // The relay now pauses before the next message; a short maximum wait hands it back to the outbox.
        let quick = try SMTPChannel(
            relays: [RelaySettings(name: "local", url: "smtp://127.0.0.1:\(server.port)/x", security: .none, perMinute: 1)],
            composer: testComposer, maximumWait: .seconds(1))
        _ = await quick.send(sampleDelivery(to: "a@example.net"))
        let limited = await quick.send(sampleDelivery(to: "b@example.net", guardian: "G9"))
        guard case .retry(let limitReply, let after) = limited else { Issue.record("expected retry, got \(limited)"); return }
        #expect(limitReply.contains("rate limit"))
        #expect((after ?? .zero) > .seconds(30))
        await smtp.shutdown()
        await quick.shutdown()
    }

    @Test func unreachableRelayFailsOverToTheNext() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let smtp = try SMTPChannel(
            relays: [
                RelaySettings(name: "down", url: "smtp://127.0.0.1:9/x", security: .none, timeout: .seconds(2)),
                RelaySettings(name: "up", url: "smtp://127.0.0.1:\(server.port)/x", security: .none),
            ],
            composer: testComposer)
        let outcome = await smtp.send(sampleDelivery(to: "layla@example.net"))
        guard case .sent(let reply) = outcome else { Issue.record("expected sent, got \(outcome)"); return }
        #expect(reply.hasPrefix("up:"))
        await smtp.shutdown()
    }

    @Test func requiredTLSIsNotSilentlyDropped() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let smtp = try SMTPChannel(
            relays: [RelaySettings(name: "plain", url: "smtp://127.0.0.1:\(server.port)/x", security: .required, timeout: .seconds(5))],
            composer: testComposer)
        let outcome = await smtp.send(sampleDelivery(to: "layla@example.net"))
        // The relay cannot be used as configured: the channel is unavailable (retried), the message not sent.
        guard case .unavailable = outcome else { Issue.record("a relay without STARTTLS must not get the message when TLS is required: \(outcome)"); return }
        #expect(server.logLines().isEmpty)
        await smtp.shutdown()
    }
}

@Suite struct RateLimitTests {
    @Test func perMinuteBucketRefills() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        var limit = RateLimit(perMinute: 2, perDay: nil, now: start)
        #expect(limit.acquire(now: start) == nil)
        #expect(limit.acquire(now: start) == nil)
        let wait = limit.acquire(now: start)
        #expect(wait == start.addingTimeInterval(30))
        #expect(limit.acquire(now: start.addingTimeInterval(30)) == nil)
    }

    @Test func throttlingBacksOffAndRecovers() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        var limit = RateLimit(perMinute: nil, perDay: nil, now: start)
        limit.throttled(now: start)
        #expect(limit.acquire(now: start.addingTimeInterval(1)) == start.addingTimeInterval(2))
        limit.throttled(now: start.addingTimeInterval(2))
        #expect(limit.pausedUntil == start.addingTimeInterval(6))
        #expect(limit.acquire(now: start.addingTimeInterval(7)) == nil)
        limit.succeeded()
        limit.throttled(now: start.addingTimeInterval(10))
        #expect(limit.pausedUntil == start.addingTimeInterval(12))
        for _ in 0..<20 { limit.throttled(now: start) }
        #expect(limit.pausedUntil == start.addingTimeInterval(600))
    }
}

@Suite struct FileChannelTests {
    @Test func writesMaildirMessagesOncePerKey() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try FileChannel(folder: folder.path, composer: testComposer)
        let delivery = sampleDelivery(to: "layla@example.net")
        for _ in 0..<2 {
            guard case .sent = await files.send(delivery) else { Issue.record("not written"); return }
        }
        let written = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("new").path)
        #expect(written.count == 1)
        let text = try String(contentsOf: folder.appendingPathComponent("new").appendingPathComponent(written[0]), encoding: .utf8)
        #expect(text.contains("Message-ID: <"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("tmp").path).isEmpty)
        var sms = delivery
        sms.key.channel = .sms
        sms.address = "+447700900101"
        guard case .sent = await files.send(sms) else { Issue.record("sms not written"); return }
        let json = try Data(contentsOf: files.url(for: sms))
        let object = try JSONSerialization.jsonObject(with: json) as? [String: String]
        #expect(object?["to"] == "+447700900101")
        #expect(object?["subject"] == "Sports Day – يوم الرياضة")
    }
}

@Suite(.serialized) struct SMTPSecurityTests {
    @Test func startTLSWithVerifiedCertificateAndAuthentication() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-tls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tls = try TestCertificate(in: folder)
        let server = try LocalServer(
            script: "smtp_server.py",
            arguments: ["--log", "$DIR/log.jsonl", "--tls-cert", tls.certificate, "--tls-key", tls.key, "--auth", "office:s3cret"])
        defer { server.stop() }
        func relay(password: String, caFile: String?) throws -> SMTPChannel {
            try SMTPChannel(
                relays: [RelaySettings(
                    name: "tls", url: "smtp://127.0.0.1:\(server.port)/x", security: .required, username: "office",
                    password: SecretReference(environment: "TEST_SMTP_PASSWORD"), timeout: .seconds(10), caFile: caFile)],
                composer: testComposer, environment: ["TEST_SMTP_PASSWORD": password])
        }
        let good = try relay(password: "s3cret", caFile: tls.certificate)
        let sent = await good.send(sampleDelivery(to: "layla@example.net"))
        guard case .sent = sent else { Issue.record("expected sent over STARTTLS, got \(sent)"); return }

        // Certificates are verified by default: an unknown CA is refused and nothing is sent.
        let untrusted = try relay(password: "s3cret", caFile: nil)
        guard case .unavailable(let reply) = await untrusted.send(sampleDelivery(to: "layla@example.net", guardian: "G2")) else {
            Issue.record("an unverified certificate must not be accepted"); return
        }
        #expect(reply.lowercased().contains("certificate") || reply.contains("curl 60"))

        // A wrong password is the school's problem, never the family's: retried, not failed.
        let wrong = try relay(password: "wrong", caFile: tls.certificate)
        guard case .unavailable(let authReply) = await wrong.send(sampleDelivery(to: "layla@example.net", guardian: "G3")) else {
            Issue.record("a refused login must be retried"); return
        }
        #expect(!authReply.contains("wrong"))
        for channel in [good, untrusted, wrong] { await channel.shutdown() }
        #expect(server.logLines().count == 1)
    }
}
