import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

/// How liaison.yaml's relay settings decide whether a password may travel without TLS (reported: `tls: none` with a
/// password sent AUTH PLAIN over plain TCP, and neither `check` nor `send` said a word).
@Suite struct RelaySecurityConfigTests {
    /// The good configuration with one relay made of `lines` (indented under `- `).
    func load(relay lines: [String]) -> (LiaisonConfiguration?, [Diagnostic]) {
        let relay = lines.enumerated().map { index, line in (index == 0 ? "      - " : "        ") + line }.joined(separator: "\n")
        let config = ConfigurationTests.goodConfig + """

            channels:
              email:
                from: office@riverside.example
                relays:
            \(relay)

            """
        let (_, path) = ConfigurationTests().school(config: config)
        return ConfigurationLoader.load(path: path)
    }

    /// The line of liaison.yaml holding `text`, counted from 1.
    func line(of text: String, in diagnostics: [Diagnostic]) throws -> Int {
        let file = try #require(diagnostics.first?.location?.file)
        let lines = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n")
        return try #require(lines.firstIndex { $0.contains(text) }) + 1
    }

    @Test func aPasswordOverPlainTCPIsAnErrorAtItsTLSLine() throws {
        let (loaded, diagnostics) = load(relay: [
            "name: office", "url: smtp://mail.riverside.example:587", "tls: none", "username: office@riverside.example",
            "password_env: LIAISON_SMTP_PASSWORD",
        ])
        #expect(loaded == nil, "a relay that would send its password in clear makes the configuration unusable")
        let error = try #require(diagnostics.first("config.password-without-tls"), "\(diagnostics.listing)")
        #expect(error.severity == .error)
        #expect(error.location?.line == (try line(of: "tls: none", in: diagnostics)))
        #expect(error.location?.field == "channels.email.relays[0].tls")
        #expect(error.message.contains("tls: required") && error.message.contains("allow_password_without_tls: true"), "says what to change")
    }

    @Test func theExplicitKeyAllowsItWithAWarning() throws {
        for tls in ["none", "opportunistic"] {
            let (loaded, diagnostics) = load(relay: [
                "name: local", "url: smtp://127.0.0.1:25", "tls: \(tls)", "username: office", "password_file: /etc/liaison/smtp",
                "allow_password_without_tls: true",
            ])
            let relay = try #require(loaded?.delivery.relays.first, "\(diagnostics.listing)")
            #expect(relay.allowPasswordWithoutTLS)
            #expect(relay.sessionSettings(password: "x").effectiveTLS.rawValue == tls)
            let warning = try #require(diagnostics.first("config.password-without-tls"), "\(diagnostics.listing)")
            #expect(warning.severity == .warning)
            #expect(warning.location?.line == (try line(of: "allow_password_without_tls", in: diagnostics)))
            #expect(!diagnostics.contains { $0.code == "config.secret" || $0.code == "config.unknown-key" }, "\(diagnostics.listing)")
        }
    }

    /// Opportunistic TLS with a password requires STARTTLS at run time: nothing to report, nothing sent in clear.
    @Test func opportunisticWithAPasswordRequiresTLS() throws {
        let (loaded, diagnostics) = load(relay: [
            "name: office", "url: smtp://mail.riverside.example:587", "tls: opportunistic", "username: office",
            "password_env: LIAISON_SMTP_PASSWORD",
        ])
        let relay = try #require(loaded?.delivery.relays.first, "\(diagnostics.listing)")
        #expect(diagnostics.with("config.password-without-tls").isEmpty)
        #expect(relay.security == .opportunistic)
        #expect(relay.sessionSettings(password: "x").effectiveTLS == .required)
        #expect(relay.sessionSettings(password: nil).effectiveTLS == .required, "a username alone still logs in")
    }

    @Test func implicitTLSOrNoLoginIsFine() throws {
        for lines in [
            ["url: smtps://mail.riverside.example:465", "tls: none", "username: office", "password_env: P"],
            ["url: smtp://127.0.0.1:25", "tls: none"],
        ] {
            let (loaded, diagnostics) = load(relay: lines)
            let relay = try #require(loaded?.delivery.relays.first, "\(diagnostics.listing)")
            #expect(diagnostics.with("config.password-without-tls").isEmpty, "\(lines)")
            #expect(relay.sessionSettings(password: relay.hasCredentials ? "x" : nil).effectiveTLS == .none)
        }
    }

    @Test func flagsMustBeBooleans() throws {
        let (loaded, diagnostics) = load(relay: ["url: smtp://127.0.0.1:25", "tls: none", "verify_peer: maybe"])
        #expect(loaded == nil)
        let error = try #require(diagnostics.first("config.invalid-value"), "\(diagnostics.listing)")
        #expect(error.message.contains("verify_peer must be true or false"))
    }

    @Test func aCAFileThatIsMissingOrHoldsNoCertificateIsReportedAtItsLine() throws {
        let fixture = Fixture()
        let notPEM = fixture.write("not-a-ca.pem", "hello\n")
        let pem = fixture.write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        for (file, code) in [("/nonexistent/school-ca.pem", "config.missing-file"), (notPEM, "config.invalid-value")] {
            let (_, diagnostics) = load(relay: ["url: smtps://mail.riverside.example:465", "ca_file: \(file)"])
            let error = try #require(diagnostics.first(code), "\(diagnostics.listing)")
            #expect(error.severity == .error)
            #expect(error.message.contains(file))
            #expect(error.location?.field == "channels.email.relays[0].ca_file")
            #expect(error.location?.line == (try line(of: "ca_file:", in: diagnostics)))
        }
        let (loaded, diagnostics) = load(relay: ["url: smtps://mail.riverside.example:465", "ca_file: \(pem)"])
        #expect(loaded?.delivery.relays.first?.caFile == pem)
        #expect(!diagnostics.contains { $0.location?.field?.hasSuffix("ca_file") == true }, "\(diagnostics.listing)")
    }

    @Test func turningCertificateChecksOffIsAWarning() throws {
        let (loaded, diagnostics) = load(relay: ["url: smtps://mail.riverside.example:465", "verify_peer: false"])
        #expect(loaded?.delivery.relays.first?.verifyPeer == false)
        let warning = try #require(diagnostics.first("config.tls-unverified"), "\(diagnostics.listing)")
        #expect(warning.severity == .warning)
        #expect(warning.location?.line == (try line(of: "verify_peer", in: diagnostics)))
        let (_, checked) = load(relay: ["url: smtps://mail.riverside.example:465", "verify_peer: true"])
        #expect(checked.with("config.tls-unverified").isEmpty)
    }
}
