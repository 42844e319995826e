import Foundation
import LiaisonTestSupport
import Testing

/// Every letter of the demo school, judged by an offline language identifier (lingua, in language_check.py): each
/// run of text is in the letter's language, or sits in an element whose `lang` names the language it is in.
@Suite struct LanguageJudgeTests {
    @Test func everyDemoLetterIsInItsLanguageOrMarked() throws {
        let demo = try DemoSchoolCopy(prefix: "liaison-languages")
        defer { demo.remove() }
        let (folder, config) = (demo.folder, demo.config.path)

        let check = try runProgram(at: liaisonExecutable, ["check", "--format", "json", "--config", config])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.output.utf8)) as? [String: Any], "\(check.errors)")
        let events = (report["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(events.count >= 8)
        for event in events {
            let sent = try runLiaison(["send", event, "--dry-run", "--force", "--config", config])
            #expect(sent.status == 0, "\(event): \(sent.output)")
        }
        let judge = try runProgram("python3", [
            LocalServer.repositoryRoot.appendingPathComponent("Tests/LiaisonIntegrationTests/language_check.py").path,
            folder.appendingPathComponent(".liaison/dry-run").path, folder.appendingPathComponent("roster").path,
            folder.appendingPathComponent("progress.csv").path,
        ])
        #expect(judge.status == 0, "\(judge.output)\(judge.errors)")
        let summary = judge.output.split(separator: "\n").last.map(String.init) ?? ""
        let letters = Int(summary.split(separator: " ").first ?? "") ?? 0
        #expect(letters >= 300, "\(summary)")
    }
}
