import Foundation
import LiaisonTestSupport
import Testing

/// `liaison send` and a relay with a login but no TLS (aiosmtpd offering AUTH on plain TCP, recording what it
/// receives in clear). Reported: the password went out with AUTH PLAIN and neither check nor send said a word.
@Suite(.serialized) struct RelaySecurityCommandTests {
    func school(server: LocalServer, allow: Bool) throws -> SchoolFixture {
        let school = try SchoolFixture(guardians: 2, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot)
        let passwordFile = school.folder.appendingPathComponent("smtp-password")
        try "s3cret-Pa55\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        let login = "tls: none\n        username: office\n        password_file: \(passwordFile.path)"
        try school.edit("liaison.yaml", replacing: "tls: none", with: login + (allow ? "\n        allow_password_without_tls: true" : ""))
        return school
    }

    @Test func aPasswordInClearIsRefusedUnlessAllowedAndThenSendWarns() throws {
        let server = try LocalServer(
            script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--wire", "$DIR/wire.bin", "--auth", "office:s3cret-Pa55"])
        defer { server.stop() }
        let wire = { (try? String(contentsOf: server.file("wire.bin"), encoding: .utf8)) ?? "" }

        let refused = try school(server: server, allow: false)
        defer { refused.remove() }
        let checked = try runLiaison(["check", "--config", refused.config])
        #expect(checked.status == 1)
        #expect(checked.output.contains("liaison.yaml:") && checked.output.contains("[config.password-without-tls]"), "\(checked.output)")
        let notSent = try runLiaison(["send", "open-day", "--config", refused.config])
        #expect(notSent.status == 1, "\(notSent.output)")
        #expect(notSent.output.contains("error: relay local has tls: none and a username or password"), "\(notSent.output)")
        #expect(wire().isEmpty, "nothing reached the relay")

        let allowed = try school(server: server, allow: true)
        defer { allowed.remove() }
        let sent = try runLiaison(["send", "open-day", "--config", allowed.config])
        #expect(sent.status == 0, "\(sent.output)")
        #expect(sent.output.contains("warning: relay local may send its username and password without TLS"), "\(sent.output)")
        #expect(server.logLines().count == 2)
        #expect(wire().contains("AUTH"), "allowed, the login went in clear, as the warning said")
    }
}
