import Foundation
import LiaisonTestSupport
import Testing

/// The demo school's autumn survey end to end with a real daemon: the invitation goes to the sample only (the draw
/// kept, as `survey sample --explain` shows), families answer on the form pages, and the results come out as CSV
/// (UTF-8 with a byte order mark, small groups hidden) and as an SPSS file that pyreadstat reads back.
@Suite struct SurveyTests {
    static let judge = LocalServer.repositoryRoot.appendingPathComponent("Tests/LiaisonIntegrationTests/survey_judge.py").path

    @Test func autumnSurveyFromInvitationToSPSS() throws {
        let demo = try DemoSchoolCopy(prefix: "liaison-survey")
        defer { demo.remove() }
        let config = demo.config.path
        // Ten seconds before the invitation is due (09:00 London, 3 December).
        let daemon = try DaemonProcess(config: config, clockStart: "2026-12-03T08:59:50Z")
        defer { daemon.stop() }
        let files = demo.folder.appendingPathComponent(".liaison/outbox-files").path
        var links: [[String: String]] = []
        #expect(waitUntil(60) {
            let found = (try? runProgram("python3", [Self.judge, "links", files]))?.output ?? ""
            links = found.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
                .filter { $0["file"]?.hasPrefix("autumn-survey-2026") == true }
            return links.count >= 14
        }, "the invitations did not arrive: \(links.count)")
        Thread.sleep(forTimeInterval: 1)

        // The draw is kept, and every invitation went to a household in it.
        let explained = try runProgram(at: liaisonExecutable, ["survey", "sample", "autumn-survey-2026", "--format", "json", "--config", config])
        let sample = try #require(try JSONSerialization.jsonObject(with: Data(explained.output.utf8)) as? [String: Any])
        #expect(sample["kept"] as? Bool == true)
        let draw = try #require(sample["draw"] as? [String: Any])
        let households = try #require(draw["households"] as? [String])
        #expect(households.count >= 14 && households.count < 51)
        for stratum in try #require(draw["strata"] as? [[String: Any]]) {
            let size = stratum["households"] as? Int ?? 0
            #expect(Double(stratum["sampled"] as? Int ?? 0) >= (Double(size) * 0.3).rounded(.up), "\(stratum)")
        }
        let outbox = try runProgram(at: liaisonExecutable, ["outbox", "--format", "json", "--event", "autumn-survey-2026", "--config", config])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(outbox.output.utf8)) as? [[String: Any]])
        let guardians = try String(contentsOf: demo.folder.appendingPathComponent("roster/guardians.csv"), encoding: .utf8)
        let familyOf = Dictionary(uniqueKeysWithValues: guardians.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return (String(cells[0]), String(cells[1]))
        })
        let invited = Set(rows.compactMap { ($0["guardian"] as? String).flatMap { familyOf[$0] } })
        #expect(!invited.isEmpty && invited.isSubset(of: Set(households)), "\(invited.subtracting(households))")

        // Seven families answer (one page in Arabic checked on the way); a second post is refused (anonymous).
        let invitation = try #require(links.first { $0["language"] == "ar" } ?? links.first)
        let page = try daemon.request("GET", "/a/\(invitation["token"]!)", bearer: false)
        #expect(page.status == 200 && page.body.contains("name=\"q.welcome\""), "\(page.status)")
        var answered = 0
        for (index, link) in links.enumerated() where answered < 7 {
            let form = "q.welcome=\(index % 5 + 1)&q.informed=\(4 - index % 3)&q.recommend=\(index % 11)&q.contact=email&q.contact=sms"
                + "&q.better=More+after-school+clubs+\(index)&action=submit"
            let reply = try daemon.request("POST", "/a/\(link["token"]!)", form: form, bearer: false)
            // Two guardians of one household share one answer: the second is told it was sent already.
            if reply.status == 200 { answered += 1 } else { #expect(reply.status == 409, "\(reply.status) \(reply.body.components(separatedBy: "<main>").last!.prefix(1500))") }
        }
        #expect(answered == 7)

        // An anonymous survey still open shows response rates only; once closed (its end moved to the past in
        // the schedule, as the daemon sees), its answers.
        let early = try runLiaison(["survey", "results", "autumn-survey-2026", "--format", "json", "--config", config])
        #expect(early.output.contains("response rates only") && !early.output.contains("\"welcome\""), "\(early.output)")
        let events = demo.folder.appendingPathComponent("events.yaml")
        try (try String(contentsOf: events, encoding: .utf8)).replacingOccurrences(of: "start: 2026-12-18T17:00", with: "start: 2026-12-04T17:00")
            .write(to: events, atomically: true, encoding: .utf8)

        let csvFile = demo.folder.appendingPathComponent("results.csv").path
        let csv = try runLiaison(["survey", "results", "autumn-survey-2026", "--format", "csv", "--output", csvFile, "--config", config])
        #expect(csv.status == 0, "\(csv.output)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: csvFile))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("section,question,group,language,value,count,answered,target,sampled\r\n"))
        // The whole sample's answers (7) are shown; no class reaches 5, so none is shown alone.
        #expect(text.contains("answer,welcome,,,4,"))
        #expect(!text.contains("answer,welcome,1A,"))
        #expect(text.contains("hidden,welcome,"))
        // Free text needs 10 answers before it is listed.
        #expect(!text.contains("after-school"))

        let savFile = demo.folder.appendingPathComponent("results.sav").path
        let sav = try runLiaison(["survey", "results", "autumn-survey-2026", "--format", "sav", "--output", savFile, "--config", config])
        #expect(sav.status == 0, "\(sav.output)")
        let read = try runProgram("python3", [Self.judge, "sav", savFile], mergeErrors: true)
        let judged = try #require((try? JSONSerialization.jsonObject(with: Data(read.output.utf8))) as? [String: Any], "\(read.output) \(sav.output)")
        #expect(judged["rows"] as? Int == 7)
        let columns = judged["columns"] as? [String] ?? []
        #expect(columns == ["group", "welcome", "informed", "teachers", "language", "recommend", "contact_email", "contact_sms", "contact_phone", "contact_paper"])
        let labels = judged["value_labels"] as? [String: [String: String]] ?? [:]
        #expect(labels["welcome"]?["4"] == "Agree")
        #expect((judged["labels"] as? [String: String])?["welcome"] == "I feel welcome at the school.")
        let data = judged["data"] as? [[String: Any]] ?? []
        #expect(data.allSatisfy { $0["group"] as? String == "(other)" && $0["contact_email"] as? Double == 1 && $0["contact_phone"] as? Double == 0 })
    }
}
