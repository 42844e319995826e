import Foundation
import Testing
@testable import LiaisonCheck
import LiaisonModel

/// `check` reports as errors what would make sending fail later (reported: an http base URL made every newsletter
/// email fail permanently, and an unset webhook secret failed only at send time, while check said OK).
@Suite struct SendingPrerequisiteTests {
    /// The demo school's configuration with `replace` applied, written next to a copy-free reference to its files.
    func check(_ edits: [(String, String)], append: String = "") throws -> [Diagnostic] {
        let demo = path("examples/demo-school")
        var yaml = try String(contentsOfFile: demo + "/liaison.yaml", encoding: .utf8)
        for (old, new) in edits { yaml = yaml.replacingOccurrences(of: old, with: new) }
        for name in [
            "roster/families.csv", "roster/guardians.csv", "roster/students.csv", "roster/guardianships.csv", "roster/staff.csv", "events.yaml",
            "progress.csv",
        ] {
            yaml = yaml.replacingOccurrences(of: ": \(name)", with: ": \(demo)/\(name)")
        }
        yaml = yaml.replacingOccurrences(of: "../../templates", with: path("templates"))
            .replacingOccurrences(of: "../../locales", with: path("locales"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("liaison.yaml").path
        try (yaml + append).write(toFile: file, atomically: true, encoding: .utf8)
        let (_, report) = SchoolLoader.load(configPath: file, now: referenceNow)
        return report.diagnostics
    }

    @Test func anHTTPBaseURLOnANetworkIsAnError() throws {
        let diagnostics = try check([("base_url: http://127.0.0.1:8080", "base_url: http://liaison.riverside.example")])
        let found = try #require(diagnostics.first { $0.code == "config.insecure-base-url" })
        #expect(found.severity == .error)
        #expect(found.message.contains("newsletter-"), "names the newsletters that would fail: \(found.message)")
        #expect(found.location?.line == 10)
    }

    @Test func theDemosLoopbackAddressIsANoteAndHTTPSIsFine() throws {
        let local = try check([])
        #expect(local.first { $0.code == "config.local-base-url" }?.severity == .note)
        #expect(!local.contains { $0.severity == .error })
        let https = try check([("base_url: http://127.0.0.1:8080", "base_url: https://liaison.riverside.example")])
        #expect(!https.contains { $0.code.hasPrefix("config.") && $0.code.hasSuffix("base-url") })
    }

    @Test func aSecretThatCannotBeReadIsAnError() throws {
        let variable = "LIAISON_TEST_UNSET_\(UUID().uuidString.prefix(8))"
        let diagnostics = try check([], append: """

            channels:
              webhooks:
                - name: sms-gateway
                  url: https://sms.example/send
                  kinds: [sms]
                  template: \(path("bench/sms.json.mustache"))
                  secret_env: \(variable)
              email:
                from: office@riverside.example
                relays:
                  - name: office365
                    url: smtp://smtp.office365.example:587
                    username: office@riverside.example
                    password_file: /nonexistent/liaison-password
            """)
        let missing = diagnostics.filter { $0.code == "config.missing-secret" && !$0.message.hasPrefix("The API tokens") }
        #expect(missing.count == 2, "\(diagnostics.filter { $0.severity != .note }.map(\.description))")
        #expect(missing.allSatisfy { $0.severity == .error })
        #expect(missing.contains { $0.message.contains("sms-gateway") && $0.message.contains(variable) })
        #expect(missing.contains { $0.message.contains("office365") && $0.message.contains("/nonexistent/liaison-password") })
    }

    /// Every secret the configuration refers to is checked, the API tokens too (reported: an unreadable tokens file
    /// showed only as a warning in the daemon's log, and every alert raised through the API was refused).
    @Test func unreadableAPITokensAreReportedAtTheirKey() throws {
        let named = try check([("  listen: 127.0.0.1:8080", "  listen: 127.0.0.1:8080\n  api_tokens_file: /nonexistent/liaison-api-tokens")])
        let tokens = try #require(named.first { $0.code == "config.missing-secret" }, "\(named.map(\.description))")
        #expect(tokens.severity == .warning)
        #expect(tokens.message.contains("/nonexistent/liaison-api-tokens") && tokens.message.contains("refuse every request"))
        #expect(tokens.location?.field == "server.api_tokens_file")
        #expect(tokens.location?.line != nil)

        let variable = "LIAISON_TEST_UNSET_\(UUID().uuidString.prefix(8))"
        let environment = try check([("  listen: 127.0.0.1:8080", "  listen: 127.0.0.1:8080\n  api_tokens_env: \(variable)")])
        #expect(environment.contains { $0.code == "config.missing-secret" && $0.severity == .warning && $0.message.contains(variable) })
    }

    @Test func theDefaultTokenVariableUnsetIsANote() throws {
        guard ProcessInfo.processInfo.environment["LIAISON_API_TOKENS"] == nil else { return }
        let diagnostics = try check([])
        let note = try #require(diagnostics.first { $0.code == "config.missing-secret" })
        #expect(note.severity == .note)
        #expect(note.message.contains("$LIAISON_API_TOKENS"))
    }
}
