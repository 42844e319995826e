import Foundation
import LiaisonInputs
import LiaisonModel
import LiaisonTestSupport
import Testing
@testable import LiaisonDelivery

/// `ca_file` in liaison.yaml, for relays and webhook gateways, against real TLS servers whose certificate comes from
/// a CA made for the test: trusted with the key, refused without it (reported: the key was not read at all).
@Suite(.serialized) struct TLSTrustTests {
    /// liaison.yaml with one relay and one gateway, loaded as the daemon loads it, and the channels it describes.
    func channels(in folder: URL, smtpPort: Int, httpsPort: Int, caFile: String?) throws -> ChannelSet {
        let trust = caFile.map { "\n      ca_file: \($0)" } ?? ""
        try Data("{\"to\": \"{{delivery.address}}\", \"text\": \"{{message.text}}\"}".utf8).write(to: folder.appendingPathComponent("sms.json.mustache"))
        let yaml = """
            school: {name: Riverside, default_locale: en, time_zone: Europe/London}
            roster: {families: f.csv, guardians: g.csv, students: s.csv, guardianships: gs.csv}
            schedule: events.yaml
            templates: templates
            locales: locales
            channels:
              email:
                from: office@riverside.example
                relays:
                  - name: school-relay
                    url: smtp://127.0.0.1:\(smtpPort)/liaison.test
                    tls: required
                    timeout: 10s\(trust.replacingOccurrences(of: "\n", with: "\n  "))
              webhooks:
                - name: sms-gateway
                  url: https://127.0.0.1:\(httpsPort)/ok
                  kinds: [sms]
                  template: sms.json.mustache
                  secret_env: LIAISON_TEST_SMS_SECRET
                  timeout: 5s\(trust)

            """
        let file = folder.appendingPathComponent("liaison-\(caFile == nil ? "plain" : "trust").yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let (loaded, diagnostics) = ConfigurationLoader.load(path: file.path)
        let configuration = try #require(loaded, "\(diagnostics.map(\.description))")
        #expect(configuration.delivery.relays.first?.caFile == caFile)
        #expect(configuration.delivery.webhooks.first?.caFile == caFile)
        #expect(!diagnostics.contains { $0.location?.field?.hasSuffix("ca_file") == true }, "\(diagnostics.map(\.description))")
        return try ChannelSet.make(settings: configuration.delivery, school: configuration.school, environment: ["LIAISON_TEST_SMS_SECRET": WebhookFixtures.secret])
    }

    @Test func aSchoolCAIsTrustedOnlyThroughCAFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-ca-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificate = try TestCertificate(in: folder)
        let smtp = try LocalServer(
            script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--tls-cert", certificate.certificate, "--tls-key", certificate.key])
        defer { smtp.stop() }
        let https = try LocalServer(
            script: "http_receiver.py", arguments: ["--log", "$DIR/log.jsonl", "--tls-cert", certificate.certificate, "--tls-key", certificate.key])
        defer { https.stop() }
        var sms = sampleDelivery(to: "+447700900101", guardian: "G2")
        sms.key.channel = .sms

        let untrusted = try channels(in: folder, smtpPort: smtp.port, httpsPort: https.port, caFile: nil)
        let refusedMail = await untrusted.channels[.email]!.send(sampleDelivery(to: "layla@example.net"))
        guard case .unavailable(let mailReply) = refusedMail else { Issue.record("an unknown CA must be refused: \(refusedMail)"); return }
        #expect(mailReply.lowercased().contains("certificate"), "\(mailReply)")
        let refusedSMS = await untrusted.channels[.sms]!.send(sms)
        guard case .unavailable(let smsReply) = refusedSMS else { Issue.record("an unknown CA must be refused: \(refusedSMS)"); return }
        #expect(smsReply.lowercased().contains("certificate"), "\(smsReply)")
        await untrusted.shutdown()
        #expect(smtp.logLines().isEmpty && https.logLines().isEmpty, "nothing reached a server whose certificate is not trusted")

        let trusted = try channels(in: folder, smtpPort: smtp.port, httpsPort: https.port, caFile: certificate.certificate)
        let mail = await trusted.channels[.email]!.send(sampleDelivery(to: "layla@example.net"))
        guard case .sent = mail else { Issue.record("expected the relay to take it over verified STARTTLS: \(mail)"); return }
        let text = await trusted.channels[.sms]!.send(sms)
        guard case .sent = text else { Issue.record("expected the gateway to take it over verified TLS: \(text)"); return }
        await trusted.shutdown()
        #expect(smtp.logLines().count == 1)
        #expect(https.logLines().map { $0["path"] as? String } == ["/ok"])
    }
}
