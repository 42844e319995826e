import Foundation
import LiaisonModel
import Testing
@testable import LiaisonLocalization

/// Staff text goes to translators as XLIFF and comes back into the events, only while it is still the same text.
@Suite struct StaffTextTests {
    let english: LanguageTag = "en-GB"

    func concert() -> Event {
        var event = Event(
            id: "concert", kind: .announcement, title: LocalizedText("Winter Concert", translations: ["so": "Riwaayadda jiilaalka"]),
            start: Date(timeIntervalSince1970: 1_800_000_000), timeZone: TimeZone(identifier: "Europe/London")!, audience: .everyone,
            template: "announcement")
        event.location = LocalizedText("School hall")
        event.data = [
            "bring": .list([.string("A warm coat"), .string("Something red")]),
            "link": .string("https://riverside.example/concert"),
            "count": .int(3),
            "note": .text(LocalizedText("Doors open at 1:45", translations: ["ar": "تُفتح الأبواب عند 1:45"])),
        ]
        return event
    }

    func chain(_ tag: LanguageTag) -> LocaleChain {
        LocaleChain(requested: tag, candidates: [tag, english], available: [tag, english], resolved: tag, fallbackKind: .none)
    }

    @Test("Fields are the words staff wrote, by path; addresses and numbers are left out")
    func fields() {
        let paths = StaffText.fields(of: concert()).map(\.path)
        #expect(paths == ["title", "location", "data.bring[1]", "data.bring[2]", "data.note"])
        let somali = StaffText.untranslated(in: concert(), chain: chain("so"), letter: "so", schoolDefault: english).map(\.path)
        #expect(somali == ["location", "data.bring[1]", "data.bring[2]", "data.note"])
        let arabic = StaffText.untranslated(in: concert(), chain: chain("ar"), letter: "ar", schoolDefault: english).map(\.path)
        #expect(arabic == ["title", "location", "data.bring[1]", "data.bring[2]"])
        #expect(StaffText.untranslated(in: concert(), chain: chain("en"), letter: "en", schoolDefault: english).isEmpty)
    }

    @Test("An exported file, translated and read back, fills the fields; a second export asks for nothing")
    func roundTrip() throws {
        let (document, units) = XLIFFWriter.staffDocument(for: "so", events: [concert()], chain: chain("so"), schoolDefault: english)
        #expect(units == 4)
        let translated = document
            .replacingOccurrences(of: "state=\"initial\"", with: "state=\"translated\"")
            .replacingOccurrences(of: "<source>School hall</source>\n        <target/>", with: "<source>School hall</source>\n        <target>Hoolka dugsiga</target>")
            .replacingOccurrences(of: "<source>A warm coat</source>\n        <target/>", with: "<source>A warm coat</source>\n        <target>Jaakad diiran</target>")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("staff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try translated.write(to: folder.appendingPathComponent("concert.so.xliff"), atomically: true, encoding: .utf8)

        let (translations, problems) = StaffTranslations.load(directories: [folder.path, folder.appendingPathComponent("absent").path])
        #expect(problems.isEmpty, "\(problems)")
        #expect(translations.entries.count == 2)  // the units left empty are not translations
        let (events, diagnostics) = translations.apply(to: [concert()])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let event = try #require(events.first)
        #expect(event.location?.translations["so"] == "Hoolka dugsiga")
        guard case .list(let bring)? = event.data["bring"], case .text(let coat) = bring[0] else {
            Issue.record("bring[1] is not text per language: \(String(describing: event.data["bring"]))")
            return
        }
        #expect(coat.base == "A warm coat")
        #expect(coat.translations["so"] == "Jaakad diiran")
        #expect(bring[1] == .string("Something red"))
        let again = StaffText.untranslated(in: event, chain: chain("so"), letter: "so", schoolDefault: english).map(\.path)
        #expect(again == ["data.bring[2]", "data.note"])
    }

    @Test("A translation of words the event no longer has, or of an event or field that is gone, is reported and not used")
    func staleTranslations() {
        let at = SourceLocation(file: "t.xliff", line: 3)
        let translations = StaffTranslations(entries: [
            .init(eventID: "concert", path: "location", language: "so", source: "Main hall", target: "Hoolka weyn", location: at),
            .init(eventID: "concert", path: "data.bring[9]", language: "so", source: "x", target: "y", location: at),
            .init(eventID: "gone", path: "title", language: "so", source: "x", target: "y", location: at),
            .init(eventID: "concert", path: "title", language: "so", source: "Winter  Concert", target: "Other", location: at),
            .init(eventID: "concert", path: "data.note", language: "so", source: "Doors open\nat 1:45", target: "Albaabadu", location: at),
        ])
        let (events, diagnostics) = translations.apply(to: [concert()])
        #expect(diagnostics.map(\.code) == ["staff-text.stale", "staff-text.unknown-field", "staff-text.unknown-event"])
        #expect(events[0].location?.translations["so"] == nil)
        #expect(events[0].title.translations["so"] == "Riwaayadda jiilaalka")  // the schedule's own version wins
        guard case .text(let note)? = events[0].data["note"] else {
            Issue.record("note lost its versions")
            return
        }
        #expect(note.translations["so"] == "Albaabadu")  // white space differences are not a change of words
        #expect(note.translations["ar"] == "تُفتح الأبواب عند 1:45")
    }
}
