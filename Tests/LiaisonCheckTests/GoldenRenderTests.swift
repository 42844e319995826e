import Foundation
import Testing
@testable import LiaisonCheck
import LiaisonModel
import LiaisonLocalization
import LiaisonRender

/// Golden renders: what an Arabic, Russian, Polish, Welsh and Hong Kong Chinese guardian receive, compared byte
/// for byte with reviewed files in `Golden/`. Run with `LIAISON_UPDATE_GOLDEN=1` to write them anew after a
/// deliberate change, then read the diff before committing it.
@Suite struct GoldenRenderTests {
    static let config = path("Tests/LiaisonCheckTests/Fixtures/golden-school/liaison.yaml")
    static let goldenFolder = repositoryRoot.appendingPathComponent("Tests/LiaisonCheckTests/Golden")

    static func school() throws -> SchoolSnapshot {
        let (snapshot, report) = SchoolLoader.load(configPath: config, now: referenceNow)
        let errors = report.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let snapshot else {
            throw RenderError("golden school does not load: \(errors.map(\.description).joined(separator: "\n"))")
        }
        return snapshot
    }

    static func render(_ eventID: String, for guardianID: String, demo: Bool = false) throws -> RenderedMessage {
        let school = try demo ? demoSchool() : school()
        let event = try #require(school.event(eventID))
        let recipient = try #require(event.audience.recipients(in: school.roster).first { $0.guardian.id == guardianID })
        return try school.renderer.render(RenderRequest(
            event: event, recipient: recipient, progress: school.progressByStudent,
            ackURL: "https://liaison.riverside.example/a/\(guardianID)", now: referenceNow))
    }

    /// The demo school, whose letters show staff text marked or translated (translations/), Somali catalog gaps
    /// marked, and Persian, Spanish and Simplified Chinese letters.
    static func demoSchool() throws -> SchoolSnapshot {
        let (snapshot, report) = SchoolLoader.load(configPath: path("examples/demo-school/liaison.yaml"), now: referenceNow)
        let errors = report.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let snapshot else {
            throw RenderError("demo school does not load: \(errors.map(\.description).joined(separator: "\n"))")
        }
        return snapshot
    }

    static let demoCases: [(event: String, guardian: String)] = [
        ("winter-concert-2026", "G020"), ("winter-concert-2026", "G071"), ("open-morning-2027", "G031"),
        ("open-morning-2027", "G048"), ("open-morning-2027", "G038"), ("sickness-s057-2026-11-24", "G071"),
        ("newsletter-2026-11-27", "G071"),
        // Progress letters whose subjects and comments the school gave in Somali and Arabic (progress.csv).
        ("autumn-progress-3a", "G073"), ("autumn-progress-3a", "G020"),
    ]

    @Test(arguments: demoCases)
    func demoMatchesGolden(event: String, guardian: String) throws {
        try compare(Self.render(event, for: guardian, demo: true), name: "demo.\(event).\(guardian)")
    }

    /// A Spanish family's alert whose note nobody translated: Apertium's Spanish first, labelled in Spanish, then the
    /// English original, marked.
    @Test func demoMachineTranslatedAlertMatchesGolden() async throws {
        let school = try Self.demoSchool()
        let event = try #require(school.event("sickness-s036-2026-12-01"))
        let recipient = try #require(event.audience.recipients(in: school.roster).first { $0.guardian.id == "G048" })
        let translator = MachineTranslator(translator: ApertiumTranslator(), urgentTimeout: .seconds(20))
        let translated = await translator.prepare(
            event, chains: [school.renderer.chain(for: recipient.guardian.language)], schoolDefault: school.school.defaultLocale)
        let message = try school.renderer.render(RenderRequest(
            event: translated, recipient: recipient, progress: school.progressByStudent,
            ackURL: "https://liaison.riverside.example/a/G048", now: referenceNow, includeShort: true))
        #expect(message.text.contains("(traducido automáticamente del inglés; a continuación, el original)"))
        #expect(message.html.contains("<span lang=\"en-GB\" dir=\"ltr\">Lucía has a sore throat"))
        try compare(message, name: "demo.sickness-s036-2026-12-01.G048.machine")
    }

    /// The letter confirming a Somali and an Arabic family's booking of a Year 3 meeting (the first time of their
    /// class, an interpreter asked for), with its calendar file; and the Somali family's after it cancelled.
    @Test(arguments: ["G073", "G020"])
    func demoBookingConfirmationMatchesGolden(guardian: String) throws {
        let school = try Self.demoSchool()
        let event = try #require(school.event("year3-meetings-2026"))
        let plan = try #require(event.signUp)
        let recipient = try #require(event.audience.recipients(in: school.roster).first { $0.guardian.id == guardian })
        let slot = try #require(plan.slots.first { plan.groups(for: recipient.students).contains($0.group) })
        let booked = SlotBooking(
            eventID: event.id, group: slot.group, slotID: slot.id, familyID: recipient.guardian.familyID, guardianID: guardian,
            interpreter: recipient.guardian.language.rawValue, bookedAt: referenceNow)
        let booking = try #require(plan.confirmation(familyID: recipient.guardian.familyID, before: [], after: [booked], revision: 1, at: referenceNow))
        func render(_ booking: BookingConfirmation) throws -> RenderedMessage {
            try school.renderer.render(RenderRequest(
                event: event.confirming(booking), recipient: recipient, ackURL: "https://liaison.riverside.example/a/\(guardian)", now: referenceNow,
                includeShort: true))
        }
        let message = try render(booking)
        #expect(message.calendar?.contains("UID:year3-meetings-2026/\(slot.group)/\(recipient.guardian.familyID)@") == true)
        #expect(message.calendar?.contains("STATUS:CONFIRMED") == true)
        #expect(message.sms.map { SMSSegments($0).parts <= 3 } == true, "\(message.sms ?? "")")
        try compare(message, name: "demo.booking.\(guardian)")
        let cancelled = try #require(plan.confirmation(familyID: recipient.guardian.familyID, before: [booked], after: [], revision: 2, at: referenceNow + 60))
        let letter = try render(cancelled)
        #expect(letter.calendar?.contains("STATUS:CANCELLED") == true)
        #expect(letter.subject != message.subject && !letter.text.contains(message.text.components(separatedBy: "\n")[4]))
        if guardian == "G073" { try compare(letter, name: "demo.booking-cancelled.\(guardian)") }
    }

    static let cases: [(event: String, guardian: String)] = ["family-fun-run-2026", "autumn-reports-2026"].flatMap { event in
        ["G001", "G002", "G003", "G004", "G005"].map { (event, $0) }
    }

    /// The loader prepares the scheduled letters in every catalog language while the roster loads: a renderer
    /// prepared so renders every event for every guardian exactly as a fresh one does.
    @Test func aPreparedRendererRendersAsAFreshOne() throws {
        let school = try Self.school()
        let fresh = MessageRenderer(school: school.school, templates: school.templates, catalogs: school.catalogs)
        for event in school.events where school.templates.template(named: event.template) != nil {
            for recipient in event.audience.recipients(in: school.roster) {
                let request = RenderRequest(
                    event: event, recipient: recipient, progress: school.progressByStudent,
                    ackURL: "https://liaison.riverside.example/a/\(recipient.guardian.id)", now: referenceNow)
                #expect(try school.renderer.render(request) == fresh.render(request), "\(event.id) \(recipient.guardian.id)")
            }
        }
    }

    @Test(arguments: cases)
    func matchesGolden(event: String, guardian: String) throws {
        try compare(Self.render(event, for: guardian), name: "\(event).\(guardian)")
    }

    private func compare(_ message: RenderedMessage, name: String) throws {
        let rendered = "Subject: \(message.subject)\nLanguage: \(message.language) (\(message.direction.rawValue)), chain \(message.chain)\n\n"
            + message.text + "\n----- HTML -----\n" + message.html
            + (message.calendar.map { "\n----- CALENDAR -----\n" + $0.replacingOccurrences(of: "\r\n", with: "\n") } ?? "")
        let file = Self.goldenFolder.appendingPathComponent("\(name).\(message.language).txt")
        if ProcessInfo.processInfo.environment["LIAISON_UPDATE_GOLDEN"] == "1" {
            try rendered.write(to: file, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(rendered == golden, "render differs from \(file.lastPathComponent)")
    }

    /// A message for a channel without HTML (SMS, voice, chat) is made without the HTML letter: the same subject and
    /// text as the full render, for every event and guardian of the golden school.
    @Test func textOnlyRendersMatchTheFullRender() throws {
        let school = try Self.school()
        var compared = 0
        for event in school.events {
            for recipient in event.audience.recipients(in: school.roster) {
                var request = RenderRequest(
                    event: event, recipient: recipient, progress: school.progressByStudent,
                    ackURL: "https://liaison.riverside.example/a/\(recipient.guardian.id)", now: referenceNow)
                let full = try school.renderer.render(request)
                request.includeHTML = false
                let textOnly = try school.renderer.render(request)
                #expect(textOnly.html.isEmpty && !full.html.isEmpty)
                #expect(textOnly.subject == full.subject && textOnly.text == full.text, "\(event.id) \(recipient.guardian.id)")
                #expect(textOnly.language == full.language && textOnly.fallbacks == full.fallbacks)
                compared += 1
            }
        }
        #expect(compared >= 10)
    }

    @Test func languagesDirectionsAndChains() throws {
        let arabic = try Self.render("family-fun-run-2026", for: "G001")
        #expect(arabic.language == "ar")
        #expect(arabic.direction == .rtl)
        #expect(arabic.html.contains("dir=\"rtl\""))
        let chinese = try Self.render("family-fun-run-2026", for: "G005")
        #expect(chinese.chain.resolved == "zh-Hant")
        #expect(chinese.language == "zh-Hant-HK")
        #expect(chinese.html.contains("lang=\"zh-Hant-HK\""))
        #expect(chinese.direction == .ltr)
        #expect(!chinese.subject.contains("运动"))  // never Simplified characters for a Traditional reader
        let welsh = try Self.render("family-fun-run-2026", for: "G004")
        #expect(welsh.language == "cy")
        #expect(welsh.fallbacks.isEmpty)
    }
}
