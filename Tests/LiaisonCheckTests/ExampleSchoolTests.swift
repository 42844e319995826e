import Foundation
import Testing
@testable import LiaisonCheck
import LiaisonModel
import LiaisonRender

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func path(_ relative: String) -> String {
    repositoryRoot.appendingPathComponent(relative).path
}

/// A fixed "now" before every example event, so reports do not change with the calendar.
let referenceNow = ISO8601DateFormatter().date(from: "2026-11-23T09:00:00Z")!

@Suite struct DemoSchoolTests {
    @Test func demoSchoolChecksWithoutErrors() throws {
        let (snapshot, report) = SchoolLoader.load(configPath: path("examples/demo-school/liaison.yaml"), now: referenceNow)
        let errors = report.diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map(\.description).joined(separator: "\n"))")
        let school = try #require(snapshot)
        #expect(school.roster.families.count >= 40)
        #expect(Set(school.roster.guardians.map(\.language.language)).count >= 10)
        // Somali is deliberately incomplete, and a pt-BR guardian has no catalog at all.
        #expect(report.diagnostics.contains { $0.code == "catalog.missing-key" })
        #expect(report.diagnostics.contains { $0.code == "locale.fallback" && $0.message.contains("pt-BR") })
        #expect(report.passed)
    }

    @Test func everyEventRendersForEveryGuardian() throws {
        let (loaded, _) = SchoolLoader.load(configPath: path("examples/demo-school/liaison.yaml"), now: referenceNow)
        let school = try #require(loaded)
        var rendered = 0
        for event in school.events {
            for recipient in event.audience.recipients(in: school.roster) {
                let message = try school.renderer.render(.init(
                    event: event, recipient: recipient, progress: school.progressByStudent, ackURL: "https://liaison.example/a/x", now: referenceNow))
                #expect(!message.subject.isEmpty)
                #expect(!message.subject.contains("{") && !message.html.contains("{{") && !message.text.contains("{{"))
                #expect(message.html.contains("lang=\"\(message.language)\""))
                rendered += 1
            }
        }
        #expect(rendered > 100)
    }

    /// Issue 16, deliverable 5: a letter is labelled, directed and formatted as the catalog it was written from. No
    /// catalog serves another script (`ar` never writes an `ar-Latn` letter): that guardian gets the school's English,
    /// labelled English, never an English letter claiming `ar-Latn`.
    @Test func aLetterFromAnotherScriptIsLabelledAsItsCatalog() throws {
        let (loaded, _) = SchoolLoader.load(configPath: path("examples/demo-school/liaison.yaml"), now: referenceNow)
        let school = try #require(loaded)
        let event = try #require(school.event("winter-concert-2026"))
        var recipient = try #require(event.audience.recipients(in: school.roster).first)
        for (tag, expected, direction) in [("ar-Latn", "en-GB", "ltr"), ("ar-EG", "ar-EG", "rtl"), ("zh-TW", "zh-TW", "ltr"), ("und", "en-GB", "ltr")] {
            recipient.guardian.language = try #require(LanguageTag(tag))
            let message = try school.renderer.render(.init(
                event: event, recipient: recipient, progress: school.progressByStudent, ackURL: "https://liaison.example/a/x", now: referenceNow))
            #expect(message.language.rawValue == expected, "\(tag) → \(message.language)")
            #expect(message.direction.rawValue == direction && message.html.contains("lang=\"\(expected)\" dir=\"\(direction)\""))
        }
    }
}

@Suite struct BrokenSchoolTests {
    struct Expected: CustomStringConvertible {
        var code: String
        var file: String
        var line: Int?
        var description: String { "\(code) \(file):\(line.map(String.init) ?? "-")" }
    }

    func expectations() throws -> [Expected] {
        let text = try String(contentsOfFile: path("examples/broken-school/EXPECTED.tsv"), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, !line.hasPrefix("#") else { return nil }
            return Expected(code: fields[0], file: fields[1], line: Int(fields[2]))
        }
    }

    @Test func everyMistakeIsReportedWithItsFileAndLine() throws {
        let base = "examples/broken-school/"
        let (_, report) = SchoolLoader.load(configPath: path(base + "liaison.yaml"), now: referenceNow)
        #expect(!report.passed)
        let expected = try expectations()
        #expect(expected.count >= 30)
        for item in expected {
            let found = report.diagnostics.contains { diagnostic in
                guard diagnostic.code == item.code else { return false }
                guard let location = diagnostic.location else { return item.file == "-" }
                let file = location.file.hasSuffix(item.file) || item.file == "-"
                return file && (item.line == nil || location.line == item.line)
            }
            #expect(found, "not reported: \(item)\nsame code: \(report.diagnostics.filter { $0.code == item.code }.map(\.description))")
        }
    }

    @Test func reportSurvivesAsJSON() throws {
        let (_, report) = SchoolLoader.load(configPath: path("examples/broken-school/liaison.yaml"), now: referenceNow)
        let json = try report.json()
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((decoded?["errors"] as? Int) == report.errors)
        #expect(((decoded?["diagnostics"] as? [Any])?.count ?? 0) == report.diagnostics.count)
    }
}

@Suite struct AlertTextTests {
    /// The alerts' hand-written text part says what their HTML says, word for word, in every language of the demo
    /// school (links aside: the HTML's text writes `label <url>`). Alerts have their own text part so that the
    /// 2,000 messages of a school-wide alert are not each converted from HTML.
    @Test(arguments: ["alert-sickness", "alert-accident"])
    func textPartMatchesTheHTML(template: String) throws {
        let (loaded, _) = SchoolLoader.load(configPath: path("examples/demo-school/liaison.yaml"), now: referenceNow)
        let school = try #require(loaded)
        func words(_ text: String) -> [String] {
            // The text isolates a run in another direction with FSI…PDI where the HTML gives its span a dir.
            String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\u{2068}" && $0 != "\u{2069}" && $0 != "\u{2066}" }))
                .split(whereSeparator: \.isWhitespace).map(String.init).filter { !$0.hasPrefix("<") && $0 != ">" && $0 != "-" && $0 != "--" }
        }
        var languages: Set<String> = []
        for student in school.roster.students.prefix(40) {
            var event = Event(
                id: "alert-\(student.id)", kind: .alert, title: LocalizedText("Alert"), start: referenceNow, timeZone: school.school.timeZone,
                audience: Audience(students: [student.id]), template: template, priority: .urgent)
            event.data["note"] = .string("Temperature 38.5, collected from class at 11:20")
            for recipient in event.audience.recipients(in: school.roster) {
                let message = try school.renderer.render(.init(
                    event: event, recipient: recipient, progress: school.progressByStudent, ackURL: "https://liaison.example/a/x", now: referenceNow))
                let fromHTML = words(HTMLText.plainText(fromHTML: message.html))
                    .filter { $0 != "https://liaison.example/a/x" }
                let text = words(message.text).filter { $0 != "https://liaison.example/a/x" }
                // The HTML ends with a "view it in your browser" link, which the text part has no need for.
                #expect(Array(fromHTML.prefix(text.count)) == text, "\(template) for \(recipient.guardian.id) (\(message.language))")
                #expect((0...12).contains(fromHTML.count - text.count), "\(template) for \(recipient.guardian.id) (\(message.language))")
                languages.insert(message.language.rawValue)
            }
        }
        #expect(languages.count >= 5)
    }
}

/// The short forms of the demo school: every SMS fits its template's limit, alerts included, in every language.
@Suite struct DemoShortFormTests {
    @Test func everyDemoSMSFitsItsLimit() throws {
        let (snapshot, report) = SchoolLoader.load(configPath: path("examples/demo-school/liaison.yaml"), now: referenceNow)
        _ = try #require(snapshot)
        #expect(!report.diagnostics.contains { $0.code == "sms.too-long" })
        let sizes = report.shortForms
        #expect(Set(sizes.map(\.event)).isSuperset(of: ["sickness-s057-2026-11-24", "accident-s045-2026-11-25", "newsletter-2026-11-27"]))
        #expect(Set(sizes.map(\.language)).count >= 10)
        for size in sizes {
            #expect(size.parts <= size.limit, "\(size)")
            #expect(size.parts >= 1)
        }
    }

    @Test("An SMS guardian's alert is the short form, in their language, with the call and the link; voice has no link")
    func alertShortForms() throws {
        let (loaded, _) = SchoolLoader.load(configPath: path("examples/demo-school/liaison.yaml"), now: referenceNow)
        let school = try #require(loaded)
        let event = try #require(school.event("sickness-s057-2026-11-24"))
        let recipient = try #require(event.audience.recipients(in: school.roster).first { $0.guardian.id == "G072" })
        let message = try school.renderer.render(RenderRequest(
            event: event, recipient: recipient, ackURL: "https://liaison.riverside.example/a/LIAISON-ACK-LINK-TOKEN", now: referenceNow,
            includeHTML: false, includeShort: true))
        let sms = try #require(message.sms)
        #expect(sms.hasPrefix("Degdeg: Ayaan"))
        #expect(sms.contains("+44 20 7946 0000") && sms.hasSuffix("https://liaison.riverside.example/a/LIAISON-ACK-LINK-TOKEN"))
        #expect(SMSSegments(sms).parts <= 2)
        let voice = try #require(message.voice)
        #expect(!voice.contains("http") && voice.hasPrefix("Tani waa fariin ka timid Riverside Primary School."))
        #expect(message.text.count > 3 * sms.count)
    }
}
