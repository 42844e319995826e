import Foundation
import LiaisonTestSupport
import Testing
@testable import LiaisonCurl

/// The password never crosses the network in clear unless the settings say so. The relay here is aiosmtpd offering
/// AUTH on plain TCP and no STARTTLS (as a careless relay does); it records every byte it receives before TLS.
/// Reported: with `tls: opportunistic` libcurl's "try" level sent `AUTH PLAIN` (the password in base64) in clear.
@Suite(.serialized) struct PasswordTransportTests {
    static let user = "office"
    static let password = "s3cret-Pa55"

    /// What the relay received in clear, and whether it took the message.
    func submit(tls: SMTPSessionSettings.Security, allowPasswordWithoutTLS: Bool) async throws -> (accepted: Bool, wire: String, problem: String?) {
        let server = try LocalServer(
            script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--wire", "$DIR/wire.bin", "--auth", "\(Self.user):\(Self.password)"])
        defer { server.stop() }
        let smtp = SMTPSubmitter(
            name: "plain",
            settings: SMTPSessionSettings(
                url: "smtp://127.0.0.1:\(server.port)/liaison.test", tls: tls, username: Self.user, password: Self.password,
                timeout: .seconds(5), allowPasswordWithoutTLS: allowPasswordWithoutTLS),
            maxConnections: 1)
        let message = Array("From: office@school.example\r\nTo: layla@example.net\r\nSubject: Test\r\n\r\nHello\r\n".utf8)
        let result = try await smtp.submit(SMTPSubmission(from: "office@school.example", recipient: "layla@example.net", message: message))
        smtp.shutdown()
        let wire = (try? String(contentsOf: server.file("wire.bin"), encoding: .utf8)) ?? ""
        #expect(result.accepted == !server.logLines().isEmpty)
        return (result.accepted, wire, result.problem)
    }

    /// Every form the password could take on the wire: as typed, and inside AUTH PLAIN's or AUTH LOGIN's base64.
    func carriesThePassword(_ wire: String) -> Bool {
        let plain = Data("\0\(Self.user)\0\(Self.password)".utf8).base64EncodedString()
        let login = Data(Self.password.utf8).base64EncodedString()
        return wire.uppercased().contains("AUTH") || wire.contains(Self.password) || wire.contains(plain) || wire.contains(login)
    }

    @Test(arguments: [SMTPSessionSettings.Security.opportunistic, .none])
    func noPasswordInClearWithoutTheExplicitSetting(tls: SMTPSessionSettings.Security) async throws {
        let (accepted, wire, problem) = try await submit(tls: tls, allowPasswordWithoutTLS: false)
        #expect(!accepted, "a relay without STARTTLS gets nothing when there is a password to send")
        #expect(wire.hasPrefix("EHLO "), "the session started (the wire log works): \(wire)")
        #expect(!carriesThePassword(wire), "the relay received in clear: \(wire)")
        #expect(problem?.isEmpty == false)
    }

    /// The control: with the explicit setting the same relay receives the login in clear, so the wire log would show it.
    @Test func theExplicitSettingSendsItInClear() async throws {
        let (accepted, wire, _) = try await submit(tls: .opportunistic, allowPasswordWithoutTLS: true)
        #expect(accepted)
        #expect(carriesThePassword(wire), "\(wire)")
    }
}
