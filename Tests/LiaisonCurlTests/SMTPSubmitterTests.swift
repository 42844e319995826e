import Foundation
import LiaisonTestSupport
import CCurl
import Testing
@testable import LiaisonCurl

@Suite(.serialized) struct SMTPSubmitterTests {
    func message(to recipient: String, body: String = "Hello\r\n") -> [UInt8] {
        Array("From: office@school.example\r\nTo: \(recipient)\r\nSubject: Test\r\nMessage-ID: <\(recipient)@liaison>\r\n\r\n\(body)".utf8)
    }

    /// Submits a message to each recipient at once; returns how many the relay accepted.
    func acceptedCount(_ smtp: SMTPSubmitter, _ recipients: [String]) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for recipient in recipients {
                group.addTask {
                    try await smtp.submit(SMTPSubmission(from: "office@school.example", recipient: recipient, message: message(to: recipient))).accepted
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    func submitter(_ server: LocalServer, connections: Int = 2) -> SMTPSubmitter {
        SMTPSubmitter(
            name: "test", settings: SMTPSessionSettings(url: "smtp://127.0.0.1:\(server.port)/liaison.test", tls: .none, timeout: .seconds(10)),
            maxConnections: connections)
    }

    @Test func deliversAndClassifiesRepliesOneCommandAtATime() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let smtp = submitter(server)
        defer { smtp.shutdown() }
        func send(_ recipient: String) async throws -> SMTPResult {
            try await smtp.submit(SMTPSubmission(from: "office@school.example", recipient: recipient, message: message(to: recipient)))
        }
        let ok = try await send("layla@example.net")
        #expect(ok.accepted)
        #expect(ok.reply?.code == 250)
        let rejected = try await send("reject@example.net")
        #expect(!rejected.accepted)
        #expect(rejected.reply?.code == 550)
        #expect(rejected.reply?.text.hasPrefix("550 5.1.1") == true, "\(String(describing: rejected.reply))")
        let first = try await send("tempfail@example.net")
        #expect(first.reply?.code == 451)
        let second = try await send("tempfail@example.net")
        #expect(second.accepted)
        let log = server.logLines()
        #expect(log.compactMap { $0["message_id"] as? String } == ["<layla@example.net@liaison>", "<tempfail@example.net@liaison>"])
        #expect(log.allSatisfy { $0["pipelined"] as? Bool == false }, "\(log)")
    }

    /// The reported failure: after a relay outage, messages kept failing with the old "connection refused" for up to
    /// 12 s after the relay was back (the submitter failed them with its last error while it backed off). A probe is
    /// now allowed every 250 ms while nothing is open, so a relay that is back is used at once.
    @Test func aRelayThatComesBackIsUsedAtOnce() async throws {
        let first = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        let port = first.port
        first.stop()
        let smtp = SMTPSubmitter(
            name: "test", settings: SMTPSessionSettings(url: "smtp://127.0.0.1:\(port)/liaison.test", tls: .none, timeout: .seconds(10)),
            maxConnections: 2)
        defer { smtp.shutdown() }
        func send(_ recipient: String) async throws -> SMTPResult {
            try await smtp.submit(SMTPSubmission(from: "office@school.example", recipient: recipient, message: message(to: recipient)))
        }
        // The relay is down for 6 s: refused, and the submitter backs off further with every failed session (to 4 s
        // and more by the end).
        for index in 0..<20 {
            let result = try await send("down\(index)@example.net")
            #expect(!result.accepted)
            try await Task.sleep(for: .milliseconds(300))
        }
        let back = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--port", "\(port)"])
        defer { back.stop() }
        let started = ContinuousClock.now
        var accepted = false
        while !accepted, ContinuousClock.now - started < .seconds(5) {
            accepted = try await send("back@example.net").accepted
            if !accepted { try await Task.sleep(for: .milliseconds(100)) }
        }
        let took = ContinuousClock.now - started
        #expect(accepted)
        print("relay back: used after \(took)")
        #expect(took < .seconds(1), "the relay was used \(took) after it came back")
    }

    @Test func pipelinesMessagesWithRefusalsInBetween() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--maildir", "$DIR/maildir", "--pipelining"])
        defer { server.stop() }
        let smtp = submitter(server, connections: 3)
        // Every 7th address is refused at RCPT, every 11th deferred; every message has a line that starts with a period.
        let recipients = (0..<60).map { index in
            index % 7 == 3 ? "reject\(index)@example.net" : index % 11 == 5 ? "tempfail\(index)@example.net" : "family\(index)@example.net"
        }
        let results = try await withThrowingTaskGroup(of: (String, SMTPResult).self) { group in
            for recipient in recipients {
                group.addTask {
                    let body = "Dear family,\r\n.hidden line \(recipient)\r\n..two\r\n."
                    return (recipient, try await smtp.submit(SMTPSubmission(
                        from: "office@school.example", recipient: recipient, message: message(to: recipient, body: body))))
                }
            }
            return try await group.reduce(into: [String: SMTPResult]()) { $0[$1.0] = $1.1 }
        }
        smtp.shutdown()
        for recipient in recipients {
            let result = try #require(results[recipient])
            if recipient.hasPrefix("reject") {
                #expect(result.reply?.code == 550, "\(recipient): \(result)")
            } else if recipient.hasPrefix("tempfail") {
                #expect(result.reply?.code == 451, "\(recipient): \(result)")
            } else {
                #expect(result.accepted, "\(recipient): \(result)")
            }
        }
        let expected = Set(recipients.filter { $0.hasPrefix("family") }.map { "<\($0)@liaison>" })
        let log = server.logLines()
        let logged = log.compactMap { $0["message_id"] as? String }
        #expect(logged.count == expected.count)
        // Each message's commands went out in one group: the relay had RCPT in hand before it answered MAIL.
        #expect(log.allSatisfy { $0["pipelined"] as? Bool == true }, "\(log)")
        #expect(Set(logged) == expected)
        // The relay undoes the dot-stuffing: the lines arrive as written.
        let folder = server.directory.appendingPathComponent("maildir/new")
        let stored = try FileManager.default.contentsOfDirectory(atPath: folder.path).map {
            try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
        }
        #expect(stored.count == expected.count)
        #expect(stored.allSatisfy { $0.contains("\n.hidden line family") && $0.contains("\n..two\n.\n") || $0.hasSuffix("\n..two\n.") })
    }

    /// libcurl hands over each line of the session with its CRLF, as a real relay sends it.
    @Test func capabilitiesOfARealSession() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--pipelining"])
        defer { server.stop() }
        let opener = SessionOpener(settings: SMTPSessionSettings(url: "smtp://127.0.0.1:\(server.port)/liaison.test", tls: .none))
        guard case .opened(let session) = opener.open() else {
            Issue.record("no session")
            return
        }
        defer { curl_easy_cleanup(session.handle) }
        #expect(session.capabilities.pipelining && session.capabilities.eightBitMIME, "\(session.capabilities)")
        #expect(session.capabilities.size == 33_554_432, "\(session.capabilities)")
    }

    @Test func messagesOfAClosedSessionGoOutOnANewOne() async throws {
        let server = try LocalServer(
            script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--pipelining", "--per-session", "3"])
        defer { server.stop() }
        let smtp = submitter(server, connections: 2)
        let recipients = (0..<25).map { "family\($0)@example.net" }
        let accepted = try await acceptedCount(smtp, recipients)
        smtp.shutdown()
        #expect(accepted == recipients.count)
        #expect(smtp.sessionsOpened >= recipients.count / 3)
        let logged = server.logLines().compactMap { $0["message_id"] as? String }
        #expect(logged.count == recipients.count)
        #expect(Set(logged) == Set(recipients.map { "<\($0)@liaison>" }))
    }

    @Test func pipelinesOverSTARTTLSWithAuthentication() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-tls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let tls = try TestCertificate(in: folder)
        let server = try LocalServer(
            script: "smtp_server.py",
            arguments: ["--log", "$DIR/log.jsonl", "--pipelining", "--tls-cert", tls.certificate, "--tls-key", tls.key, "--auth", "office:s3cret"])
        defer { server.stop() }
        let smtp = SMTPSubmitter(
            name: "tls",
            settings: SMTPSessionSettings(
                url: "smtp://127.0.0.1:\(server.port)/liaison.test", tls: .required, username: "office", password: "s3cret",
                caFile: tls.certificate, timeout: .seconds(10)),
            maxConnections: 2)
        let recipients = (0..<20).map { "family\($0)@example.net" }
        let accepted = try await acceptedCount(smtp, recipients)
        smtp.shutdown()
        #expect(accepted == recipients.count)
        #expect(Set(server.logLines().compactMap { $0["message_id"] as? String }) == Set(recipients.map { "<\($0)@liaison>" }))
    }

    @Test func aRelayThatStopsAnsweringTimesOut() async throws {
        // Takes 5 s per message: with a 1 s limit the message comes back as a problem instead of hanging the sender.
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "5"])
        defer { server.stop() }
        let smtp = SMTPSubmitter(
            name: "slow", settings: SMTPSessionSettings(url: "smtp://127.0.0.1:\(server.port)/x", tls: .none, timeout: .seconds(1)),
            maxConnections: 1)
        let started = ContinuousClock.now
        let result = try await smtp.submit(SMTPSubmission(from: "a@b.example", recipient: "x@c.example", message: message(to: "x")))
        #expect(!result.accepted && result.reply == nil)
        #expect(result.problem?.contains("no reply from the relay in 1 s") == true, "\(result)")
        #expect(result.problem?.contains("may have been delivered") == true, "the data went out before the silence: \(result)")
        #expect(ContinuousClock.now - started < .seconds(4))
        smtp.shutdown()
    }

    @Test func idleSessionsAreClosedAndReopenedWhenNeeded() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--pipelining"])
        defer { server.stop() }
        let smtp = SMTPSubmitter(
            name: "idle", settings: SMTPSessionSettings(url: "smtp://127.0.0.1:\(server.port)/x", tls: .none, timeout: .seconds(5)),
            maxConnections: 1, idleLimit: .milliseconds(200))
        for index in 0..<3 {
            let result = try await smtp.submit(SMTPSubmission(from: "a@b.example", recipient: "f\(index)@c.example", message: message(to: "f\(index)")))
            #expect(result.accepted, "\(result)")
            try await Task.sleep(for: .milliseconds(600))
        }
        #expect(smtp.sessionsOpened == 3)
        smtp.shutdown()
        #expect(server.logLines().count == 3)
    }

    @Test func aRelayThatRefusesMoreSessionsIsNotHammered() async throws {
        // Two sessions at most; the submitter may open four. The others are refused with 421 at the greeting.
        let server = try LocalServer(
            script: "smtp_server.py",
            arguments: ["--log", "$DIR/log.jsonl", "--pipelining", "--max-sessions", "2", "--refused-log", "$DIR/refused.jsonl", "--delay", "0.01"])
        defer { server.stop() }
        let smtp = submitter(server, connections: 4)
        let recipients = (0..<80).map { "family\($0)@example.net" }
        let accepted = try await acceptedCount(smtp, recipients)
        let attempts = smtp.openAttempts
        smtp.shutdown()
        #expect(accepted == recipients.count)
        #expect(server.logLines().count == recipients.count)
        // Two refused at first, then at most one more try per back-off step (0.5 s, 1 s, …) while the rest is sent.
        let refused = server.logLines("refused.jsonl").count
        #expect(refused >= 2 && refused <= 6, "\(refused) connections refused")
        #expect(attempts == refused + smtp.sessionsOpened)
    }

    @Test func unreachableRelayFailsEveryWaitingMessage() async throws {
        let smtp = SMTPSubmitter(
            name: "down", settings: SMTPSessionSettings(url: "smtp://127.0.0.1:9/x", tls: .none, timeout: .seconds(2)), maxConnections: 2)
        defer { smtp.shutdown() }
        let results = try await withThrowingTaskGroup(of: SMTPResult.self) { group in
            for index in 0..<5 {
                group.addTask { try await smtp.submit(SMTPSubmission(from: "a@b.example", recipient: "x\(index)@c.example", message: message(to: "x"))) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 5)
        #expect(results.allSatisfy { !$0.accepted && $0.curlResult == 7 && $0.reply == nil })
        // Within the back-off after a failed attempt, more messages fail at once without dialling again.
        let before = smtp.openAttempts
        let again = try await smtp.submit(SMTPSubmission(from: "a@b.example", recipient: "y@c.example", message: message(to: "y")))
        #expect(!again.accepted && again.curlResult == 7)
        #expect(smtp.openAttempts == before)
    }
}

@Suite struct SMTPWireTests {
    @Test func repliesAreReadAcrossReadsAndLines() throws {
        var reader = SMTPReplyReader()
        func feed(_ text: String) throws -> [SMTPServerReply] {
            try Array(text.utf8).withUnsafeBytes { try reader.read($0) }
        }
        #expect(try feed("250-smtp.example\r\n250-PIPE").isEmpty)
        #expect(try feed("LINING\r\n250 SIZE 1000\r\n354 go") == [SMTPServerReply(code: 250, lines: ["250-smtp.example", "250-PIPELINING", "250 SIZE 1000"])])
        #expect(try feed(" ahead\r\n250\n") == [SMTPServerReply(code: 354, lines: ["354 go ahead"]), SMTPServerReply(code: 250, lines: ["250"])])
        #expect(throws: SMTPReplyReader.Malformed.self) { try feed("HTTP/1.1 400 Bad Request\r\n") }
    }

    @Test func capabilitiesComeFromTheLastEHLO() {
        let plain = SMTPCapabilities(sessionLines: ["220 relay ESMTP", "250-relay", "250-STARTTLS", "250 8BITMIME"])
        #expect(!plain.pipelining && plain.eightBitMIME && plain.size == nil)
        let afterTLS = SMTPCapabilities(sessionLines: [
            "220 relay ESMTP", "250-relay", "250-PIPELINING", "250 STARTTLS", "220 2.0.0 Ready to start TLS",
            "250-relay", "250-PIPELINING", "250-SIZE 35882577", "250-SMTPUTF8", "250 AUTH LOGIN PLAIN", "235 2.7.0 Accepted",
        ])
        #expect(afterTLS.pipelining && afterTLS.smtpUTF8 && afterTLS.size == 35_882_577 && !afterTLS.eightBitMIME)
    }

    @Test func dataIsDotStuffedAndTerminated() {
        func wire(_ text: String) -> String { String(decoding: SMTPData.transparent(Array(text.utf8)), as: UTF8.self) }
        #expect(wire(".first\r\nsecond\r\n.\r\n..x\r\n") == "..first\r\nsecond\r\n..\r\n...x\r\n.\r\n")
        #expect(wire("no final line end") == "no final line end\r\n.\r\n")
        #expect(wire("a\n.b\n") == "a\n..b\n.\r\n")
        #expect(wire("") == ".\r\n")
        #expect(!SMTPData.hasEightBitBytes(Array("plain".utf8)))
        #expect(SMTPData.hasEightBitBytes(Array("يوم".utf8)))
    }
}
