import Foundation
import LiaisonTestSupport
import Testing

@Suite struct PreviewCommandTests {
    /// The .eml preview of an Arabic guardian parses cleanly with Python's email package and says what the text
    /// preview says.
    @Test func emlPreviewIsAValidEmailInTheGuardiansLanguage() throws {
        let config = LocalServer.repositoryRoot.appendingPathComponent("examples/demo-school/liaison.yaml").path
        let text = try runLiaison(["preview", "sports-day-2027", "--guardian", "G020", "--config", config])
        #expect(text.status == 0, "\(text.output)")
        let subject = try #require(text.output.split(separator: "\n").first { $0.hasPrefix("Subject: ") }).dropFirst("Subject: ".count)
        let eml = try runLiaison(["preview", "sports-day-2027", "--guardian", "G020", "--format", "eml", "--config", config])
        #expect(eml.status == 0)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("preview-\(UUID().uuidString).eml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(eml.output.utf8).write(to: file)
        let judge = try runProgram("python3", ["-c", """
            import email, sys
            from email import policy
            m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)
            assert not m.defects, m.defects
            for part in m.walk():
                assert not part.defects, part.defects
            print(m['subject'])
            print(m['content-language'])
            print(m.get_body(('html',)).get_content().count('dir="rtl"'))
            """, file.path])
        let lines = judge.output.split(separator: "\n")
        #expect(judge.status == 0, "\(judge.errors)")
        #expect(lines.count == 3)
        guard lines.count == 3 else { return }
        #expect(lines[0] == subject)
        #expect(lines[1] == "ar")
        #expect(lines[2] != "0")
    }
}
