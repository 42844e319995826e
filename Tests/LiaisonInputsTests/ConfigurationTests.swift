import Foundation
import LiaisonModel
import LiaisonTestSupport
import Testing
@testable import LiaisonInputs

@Suite struct ConfigurationTests {
    static let goodConfig = """
        school:
          name: Riverside Primary School
          default_locale: en
          time_zone: Europe/London
          base_url: https://liaison.riverside.example
          contact:
            email: office@riverside.example
            phone: "+44 20 7946 0000"
            address: 12 River Lane, London E1 2AB
            website: https://riverside.example
        roster:
          families: roster/families.csv
          guardians: roster/guardians.csv
          students: roster/students.csv
          guardianships: roster/guardianships.csv
        schedule: events.yaml
        progress: progress.csv
        templates: ../shared/templates
        locales:
          - ../shared/locales
          - locales
        """

    /// A school folder with every file the good configuration names.
    func school(config: String = goodConfig) -> (Fixture, String) {
        let fixture = Fixture()
        for name in ["families", "guardians", "students", "guardianships"] {
            fixture.write("school/roster/\(name).csv", "x\n")
        }
        fixture.write("school/events.yaml", "events: []\n")
        fixture.write("school/progress.csv", "x\n")
        fixture.makeFolder("shared/templates")
        fixture.makeFolder("shared/locales")
        fixture.makeFolder("school/locales")
        let path = fixture.write("school/liaison.yaml", config)
        return (fixture, path)
    }

    @Test func goodConfiguration() throws {
        let (fixture, path) = school()
        let (loaded, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        let config = try #require(loaded)
        #expect(config.file == path)
        #expect(config.school.name == "Riverside Primary School")
        #expect(config.school.defaultLocale == LanguageTag("en"))
        #expect(config.school.timeZone.identifier == "Europe/London")
        #expect(config.school.baseURL?.absoluteString == "https://liaison.riverside.example")
        #expect(config.school.contact.email == "office@riverside.example")
        #expect(config.school.contact.phone == "+44 20 7946 0000")
        #expect(config.school.contact.address == "12 River Lane, London E1 2AB")
        #expect(config.roster.guardians == fixture.path("school/roster/guardians.csv"))
        #expect(config.schedule == fixture.path("school/events.yaml"))
        #expect(config.progress == fixture.path("school/progress.csv"))
        #expect(config.templateDirectories == [fixture.path("shared/templates")])
        #expect(config.localeDirectories == [fixture.path("shared/locales"), fixture.path("school/locales")])
        #expect(config.location(of: "templates")?.line == 18)
        #expect(config.location(of: "templates")?.field == "templates")
        #expect(config.location(of: "school.time_zone")?.line == 4)
        #expect(config.location(of: "locales[1]")?.line == 21)
        #expect(config.location(of: "nothing") == nil)
    }

    @Test func relativePathsStayRelative() {
        #expect(Support.join("examples/demo-school", "roster/guardians.csv") == "examples/demo-school/roster/guardians.csv")
        #expect(Support.join("examples/demo-school", "../../templates") == "templates")
        #expect(Support.join("", "events.yaml") == "events.yaml")
        #expect(Support.join(".", "./events.yaml") == "events.yaml")
        #expect(Support.join("a", "../../x") == "../x")
        #expect(Support.join("/srv/school", "/etc/liaison/templates") == "/etc/liaison/templates")
        #expect(Support.folder(of: "liaison.yaml") == "")
        #expect(Support.folder(of: "examples/demo-school/liaison.yaml") == "examples/demo-school")
    }

    @Test func missingKeys() {
        let (_, path) = school(config: """
            school:
              default_locale: en
            schedule: events.yaml
            templates: ../shared/templates
            """)
        let (config, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(config == nil)
        let missing = diagnostics.with("config.missing-key")
        #expect(Set(missing.compactMap(\.location?.field)) == ["school.name", "school.time_zone", "roster", "locales"], "\(diagnostics.listing)")
        #expect(missing.first { $0.location?.field == "school.name" }?.location?.line == 1)
    }

    @Test func aLimitNearIntMaxIsRefused() throws {
        let (_, path) = school(config: Self.goodConfig + "\nlimits:\n  file_bytes: 9223372036854775807\n  line_bytes: 2_000_000\n")
        let (config, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(diagnostics.contains { $0.code == "config.invalid-value" && $0.location?.field == "limits.file_bytes" }, "\(diagnostics.listing)")
        #expect(config?.limits.lineBytes ?? 2_000_000 == 2_000_000)
    }

    @Test func secretsAreRefusedAtAnyDepth() throws {
        var config = Self.goodConfig + "\nsmtp:\n  host: mail.example\n  password: hunter2\n"
        config += "api_key: abc\nwebhooks:\n  - url: https://x.example\n    signing-key: s3cret\n    token_file: /run/secrets/t\n"
        let (_, path) = school(config: config)
        let (loaded, diagnostics) = ConfigurationLoader.load(path: path)
        let secrets = diagnostics.with("config.secret")
        #expect(Set(secrets.compactMap(\.location?.field)) == ["smtp.password", "api_key", "webhooks[0].signing-key"])
        #expect(secrets.first { $0.location?.field == "smtp.password" }?.location?.line == 24)
        #expect(!secrets.contains { $0.message.contains("hunter2") })
        // The sections themselves are unknown, but the secret keys are not reported twice.
        #expect(Set(diagnostics.with("config.unknown-key").compactMap(\.location?.field)) == ["smtp", "webhooks"])
        #expect(loaded != nil)
    }

    @Test func secretNames() {
        for name in ["password", "SMTP_PASSWORD", "passwd", "client_secret", "token", "accessToken", "api_key", "ApiKey", "private_key", "signing_key", "key"] {
            #expect(ConfigurationLoader.isSecretKey(name), "\(name)")
        }
        for name in ["keyboard", "monkey", "password_env", "token_file", "name", "time_zone", "allow_password_without_tls"] {
            #expect(!ConfigurationLoader.isSecretKey(name), "\(name)")
        }
    }

    @Test func unknownKeysAreWarnings() throws {
        let config = Self.goodConfig.replacingOccurrences(of: "  base_url:", with: "  base_ulr:") + "\nchannel:\n  email: {}\n"
        let (_, path) = school(config: config)
        let (loaded, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(loaded != nil)
        let unknown = diagnostics.with("config.unknown-key")
        #expect(unknown.map(\.severity) == [.warning, .warning], "\(diagnostics.listing)")
        guard unknown.count == 2 else { return }
        #expect(unknown[0].location?.field == "school.base_ulr")
        #expect(unknown[0].location?.line == 5)
        #expect(unknown[0].message.contains("base_url"))
        #expect(unknown[1].location?.field == "channel")
    }

    @Test func invalidValues() {
        let config = Self.goodConfig
            .replacingOccurrences(of: "Europe/London", with: "Europe/Londres")
            .replacingOccurrences(of: "default_locale: en", with: "default_locale: english!")
            .replacingOccurrences(of: "https://liaison.riverside.example", with: "ftp://x.example")
        let (_, path) = school(config: config)
        let (loaded, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(loaded == nil)
        #expect(diagnostics.has("config.invalid-time-zone", line: 4, field: "school.time_zone"))
        #expect(diagnostics.has("config.invalid-locale", line: 3, field: "school.default_locale"))
        #expect(diagnostics.has("config.invalid-value", line: 5, field: "school.base_url"))
    }

    @Test func wrongShapes() {
        let config = Self.goodConfig
            .replacingOccurrences(of: "schedule: events.yaml", with: "schedule: [a, b]")
            .replacingOccurrences(of: "templates: ../shared/templates", with: "templates: {a: b}")
        let (_, path) = school(config: config)
        let (loaded, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(loaded == nil)
        #expect(diagnostics.has("config.invalid-value", line: 16, field: "schedule"))
        #expect(diagnostics.has("config.invalid-value", line: 18, field: "templates"))
    }

    @Test func missingFilesAndFolders() throws {
        let config = Self.goodConfig
            .replacingOccurrences(of: "guardians: roster/guardians.csv", with: "guardians: roster/carers.csv")
            .replacingOccurrences(of: "  - locales", with: "  - locales-missing")
            .replacingOccurrences(of: "progress: progress.csv", with: "progress: roster")
        let (fixture, path) = school(config: config)
        let (loaded, diagnostics) = ConfigurationLoader.load(path: path)
        let config2 = try #require(loaded)
        #expect(config2.roster.guardians == fixture.path("school/roster/carers.csv"))
        let missing = diagnostics.with("config.missing-file")
        #expect(missing.count == 3)
        #expect(diagnostics.has("config.missing-file", line: 13, field: "roster.guardians"))
        #expect(diagnostics.has("config.missing-file", line: 21, field: "locales[1]"))
        #expect(diagnostics.has("config.missing-file", line: 17, field: "progress"))
    }

    @Test func missingConfigurationFile() {
        let (loaded, diagnostics) = ConfigurationLoader.load(path: "/nonexistent/liaison.yaml")
        #expect(loaded == nil)
        #expect(diagnostics.codes == ["config.missing-file"])
        #expect(diagnostics[0].location?.file == "/nonexistent/liaison.yaml")
    }

    @Test func yamlSyntaxError() {
        let (_, path) = school(config: "school:\n  name: A\n  time_zone: [Europe/London\nroster: x\n")
        let (loaded, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(loaded == nil)
        #expect(diagnostics.codes == ["config.yaml-syntax"])
        #expect(diagnostics[0].location?.line != nil)
    }

    @Test func duplicateKeyIsASyntaxError() {
        let (_, path) = school(config: "school:\n  name: A\n  name: B\n")
        let (_, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(diagnostics.codes == ["config.yaml-syntax"])
        #expect(diagnostics[0].message.contains("\"name\""))
    }

    @Test func emptyAndNonMapDocuments() {
        let (_, empty) = school(config: "")
        let (config, diagnostics) = ConfigurationLoader.load(path: empty)
        #expect(config == nil)
        #expect(Set(diagnostics.codes) == ["config.missing-key"])
        #expect(diagnostics.count == 5)

        let (_, list) = school(config: "- a\n- b\n")
        let (config2, diagnostics2) = ConfigurationLoader.load(path: list)
        #expect(config2 == nil)
        #expect(diagnostics2.codes == ["config.invalid-value"])
    }

    @Test func randomInputNeverCrashes() {
        var generator = SeededGenerator(seed: 7)
        let pieces = ["school:", "\n", "  ", "name: x", "- ", "[", "]", "{", "}", ": ", "\"", "'", "&a ", "*a", "!!timestamp ", "2026-01-01", "#", "?", "|", ">", "\t", "é", "password: x"]
        let fixture = Fixture()
        for round in 0..<150 {
            var text = ""
            for _ in 0..<Int.random(in: 0..<60, using: &generator) { text += pieces[Int.random(in: 0..<pieces.count, using: &generator)] }
            let path = fixture.write("fuzz\(round).yaml", text)
            _ = ConfigurationLoader.load(path: path)
            _ = ScheduleLoader.load(path: path, school: School(name: "S", defaultLocale: "en", timeZone: .gmt))
        }
    }

    @Test func deepNestingIsRefusedNotCrashing() {
        let fixture = Fixture()
        let path = fixture.write("deep.yaml", String(repeating: "[", count: 100_000))
        let (_, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(diagnostics.codes == ["config.yaml-syntax"])
    }

    @Test func metricsListenIsReadAndChecked() throws {
        let (_, path) = school(config: Self.goodConfig + "\nserver:\n  listen: 0.0.0.0:8080\n  metrics_listen: 127.0.0.1:9464\n")
        let (loaded, diagnostics) = ConfigurationLoader.load(path: path)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        #expect(loaded?.server.metricsListen == ServerSettings.ListenAddress(host: "127.0.0.1", port: 9464))
        let (_, bad) = school(config: Self.goodConfig + "\nserver:\n  metrics_listen: prometheus\n")
        let (none, problems) = ConfigurationLoader.load(path: bad)
        #expect(none == nil)
        #expect(problems.first("config.invalid-value")?.message.contains("server.metrics_listen must be host:port") == true, "\(problems.listing)")
    }

    /// A tokens file written on Windows (CRLF line ends) gives the same tokens as one with LF.
    @Test func apiTokensSplitOnAnyLineEnd() {
        let settings = ServerSettings(apiTokens: SecretReference(environment: "TOKENS"))
        #expect(settings.resolveTokens(environment: ["TOKENS": "first-token\r\nsecond-token\r\n"]) == ["first-token", "second-token"])
        #expect(settings.resolveTokens(environment: ["TOKENS": "a,b c\td\ne"]) == ["a", "b", "c", "d", "e"])
    }
}
