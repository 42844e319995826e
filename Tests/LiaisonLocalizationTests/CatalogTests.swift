import Foundation
import LiaisonModel
import Testing

@testable import LiaisonLocalization

/// A fresh folder of files, removed when the value goes away.
final class Folder {
    let path: String

    init(_ files: [String: String] = [:]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-loc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum Fixtures {
    static let source = """
        <?xml version="1.0" encoding="UTF-8"?>
        <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en">
          <file id="liaison">
            <unit id="common.greeting">
              <notes><note>Opening line of every letter.</note></notes>
              <segment><source>Dear {guardian_given},</source></segment>
            </unit>
            <unit id="common.children">
              <segment>
                <source>{children_count, plural, one {your child} other {your # children}}</source>
              </segment>
            </unit>
            <group id="announcement">
              <unit id="announcement.intro">
                <segment><source>{event} is on {start, date, long}. </source></segment>
                <segment><source>Please &amp; thank you &lt;3 — <ph id="1" disp="{school}"/>{school}</source></segment>
              </unit>
            </group>
            <unit id="rsvp.attending">
              <segment><source>I'll be there</source></segment>
            </unit>
          </file>
        </xliff>
        """

    static let arabic = """
        <?xml version="1.0" encoding="UTF-8"?>
        <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ar">
          <file id="liaison">
            <unit id="common.greeting">
              <segment state="translated">
                <source>Dear {guardian_given},</source>
                <target>عزيزي {guardian_given}،</target>
              </segment>
            </unit>
            <unit id="common.children">
              <segment state="reviewed">
                <source>{children_count, plural, one {your child} other {your # children}}</source>
                <target>{children_count, plural, zero {لا أطفال} one {طفلك} two {طفلاك} few {أطفالك الـ#} many {أطفالك الـ#} other {أطفالك الـ#}}</target>
              </segment>
            </unit>
            <unit id="rsvp.attending">
              <segment state="initial">
                <source>I'll be there</source>
                <target>سأحضر</target>
              </segment>
            </unit>
          </file>
        </xliff>
        """

    static let russian12 = """
        <?xml version="1.0" encoding="UTF-8"?>
        <xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
          <file source-language="en" target-language="ru" datatype="plaintext" original="liaison">
            <body>
              <trans-unit id="common.greeting">
                <source>Dear {guardian_given},</source>
                <target state="translated">Уважаемый(ая) {guardian_given},</target>
                <note>Opening line</note>
              </trans-unit>
              <group id="g">
                <trans-unit id="common.children">
                  <source>{children_count, plural, one {your child} other {your # children}}</source>
                  <target state="needs-review-translation">{children_count, plural, one {ваш ребёнок} other {ваши дети}}</target>
                </trans-unit>
              </group>
              <trans-unit id="rsvp.attending">
                <source>I'll be there</source>
                <target state="new">Я приду</target>
              </trans-unit>
              <trans-unit id="old.key">
                <source>Old</source>
                <target>Старое</target>
              </trans-unit>
            </body>
          </file>
        </xliff>
        """
}

@Suite struct CatalogLoadingTests {
    @Test func readsXLIFF20() throws {
        let folder = try Folder(["en.xliff": Fixtures.source, "ar.xliff": Fixtures.arabic])
        let (set, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(set.sourceLocale == "en")
        #expect(set.locales == ["ar", "en"])
        let source = try #require(set.sourceCatalog)
        #expect(source.isSource)
        #expect(source.messages.count == 4)
        let greeting = try #require(source.messages["common.greeting"])
        #expect(greeting.text == "Dear {guardian_given},")
        #expect(greeting.note == "Opening line of every letter.")
        #expect(greeting.location == SourceLocation(file: folder.file("en.xliff"), line: 4, field: "common.greeting"))
        // Segments concatenate; entities decode; inline elements give their text.
        #expect(source.messages["announcement.intro"]?.text == "{event} is on {start, date, long}. Please & thank you <3 — {school}")
        #expect(source.messages["announcement.intro"]?.location.line == 14)

        let arabic = try #require(set.catalogs["ar"])
        #expect(!arabic.isSource)
        #expect(arabic.files == [folder.file("ar.xliff")])
        #expect(arabic.messages["common.greeting"]?.text == "عزيزي {guardian_given}،")
        #expect(arabic.messages["common.greeting"]?.source == "Dear {guardian_given},")
        #expect(arabic.messages["common.greeting"]?.isTranslated == true)
        #expect(arabic.messages["common.children"]?.isTranslated == true)
        #expect(arabic.messages["rsvp.attending"]?.isTranslated == false)  // state initial
        #expect(set.missingKeys(for: "ar") == ["announcement.intro", "rsvp.attending"])
    }

    @Test func readsXLIFF12() throws {
        let folder = try Folder(["en.xliff": Fixtures.source, "ru.xlf": Fixtures.russian12])
        let (set, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let russian = try #require(set.catalogs["ru"])
        #expect(russian.messages["common.greeting"]?.text == "Уважаемый(ая) {guardian_given},")
        #expect(russian.messages["common.greeting"]?.note == "Opening line")
        #expect(russian.messages["common.greeting"]?.location.line == 5)
        #expect(russian.messages["common.children"]?.isTranslated == true)
        #expect(russian.messages["rsvp.attending"]?.isTranslated == false)  // state new
        #expect(russian.messages["old.key"]?.isTranslated == true)  // no state: a target is a translation
        #expect(set.missingKeys(for: "ru") == ["announcement.intro", "rsvp.attending"])
    }

    @Test func malformedXMLReportsTheLine() throws {
        let broken = """
            <?xml version="1.0" encoding="UTF-8"?>
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="so">
              <file id="f">
                <unit id="a">
                  <segment><source>A</source><target>B</targt></segment>
                </unit>
              </file>
            </xliff>
            """
        let folder = try Folder(["en.xliff": Fixtures.source, "so.xliff": broken])
        let (set, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(diagnostics.count == 1)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.code == "catalog.xml-syntax")
        #expect(diagnostic.severity == .error)
        #expect(diagnostic.location?.file == folder.file("so.xliff"))
        #expect(diagnostic.location?.line == 5)
        #expect(diagnostic.message.contains("targt"))
        #expect(set.catalogs["so"] == nil)
        #expect(set.catalogs["en"] != nil)
    }

    @Test func unclosedDocumentAndEmptyFile() throws {
        let folder = try Folder([
            "en.xliff": Fixtures.source,
            "a.xliff": "<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" srcLang=\"en\" trgLang=\"a\">\n<file>\n",
            "b.xliff": "",
        ])
        let (_, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(diagnostics.map(\.code) == ["catalog.xml-syntax", "catalog.xml-syntax"])
        #expect(diagnostics.allSatisfy { ($0.location?.line ?? 0) >= 1 })
    }

    @Test func notXLIFFMissingAndInvalidLanguage() throws {
        let folder = try Folder([
            "en.xliff": Fixtures.source,
            "html.xliff": "<html><body/></html>",
            "nolang.xliff": "<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\"><file id=\"f\"/></xliff>",
            "bad.xliff": "<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"en\"\n trgLang=\"not a tag\"><file id=\"f\"/></xliff>",
            "notes.txt": "ignored",
        ])
        let (_, diagnostics) = CatalogSet.load(directories: [folder.path])
        let codes = diagnostics.map(\.code)
        #expect(codes.sorted() == ["catalog.invalid-language", "catalog.missing-language", "catalog.not-xliff"])
        let invalid = try #require(diagnostics.first { $0.code == "catalog.invalid-language" })
        #expect(invalid.location?.field == "trgLang")
        #expect(invalid.location?.file == folder.file("bad.xliff"))
    }

    @Test func noSourceCatalog() throws {
        let folder = try Folder(["ar.xliff": Fixtures.arabic])
        let (set, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(set.sourceLocale == nil)
        #expect(diagnostics.map(\.code) == ["catalog.no-source"])
        #expect(diagnostics.first?.severity == .error)
    }

    @Test func laterFoldersOverrideKeyByKeyAndFilesMerge() throws {
        let base = try Folder(["en.xliff": Fixtures.source, "ar.xliff": Fixtures.arabic])
        let extra = """
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ar">
              <file id="school">
                <unit id="common.greeting">
                  <segment state="final"><source>Dear {guardian_given},</source><target>السلام عليكم {guardian_given}،</target></segment>
                </unit>
                <unit id="common.children">
                  <segment state="initial"><source>x</source><target/></segment>
                </unit>
                <unit id="announcement.intro">
                  <segment state="translated"><source>x</source><target>{event} في {start, date, long}</target></segment>
                </unit>
              </file>
            </xliff>
            """
        let school = try Folder(["ar-school.xliff": extra])
        let (set, diagnostics) = CatalogSet.load(directories: [base.path, school.path])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let arabic = try #require(set.catalogs["ar"])
        #expect(arabic.messages["common.greeting"]?.text == "السلام عليكم {guardian_given}،")
        #expect(arabic.messages["common.greeting"]?.location.file == school.file("ar-school.xliff"))
        // An untranslated unit never hides a translation.
        #expect(arabic.messages["common.children"]?.isTranslated == true)
        #expect(arabic.messages["announcement.intro"]?.isTranslated == true)
        #expect(arabic.files == [base.file("ar.xliff"), school.file("ar-school.xliff")])
        #expect(set.missingKeys(for: "ar") == ["rsvp.attending"])
    }

    @Test func duplicateKeysInOneFolderWarn() throws {
        let second = """
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ar">
              <file id="f">
                <unit id="common.greeting">
                  <segment state="translated"><source>x</source><target>مرحبا</target></segment>
                </unit>
              </file>
            </xliff>
            """
        let folder = try Folder(["en.xliff": Fixtures.source, "ar.xliff": Fixtures.arabic, "ar2.xliff": second])
        let (set, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(diagnostics.map(\.code) == ["catalog.duplicate-key"])
        #expect(diagnostics.first?.severity == .warning)
        #expect(diagnostics.first?.location == SourceLocation(file: folder.file("ar2.xliff"), line: 3, field: "common.greeting"))
        #expect(diagnostics.first?.message.contains(folder.file("ar.xliff") + ":4") == true)
        #expect(set.catalogs["ar"]?.messages["common.greeting"]?.text == "مرحبا")
    }

    @Test func externalEntitiesAreNotLoaded() throws {
        let secret = try Folder(["secret.txt": "TOP SECRET"])
        let hostile = """
            <?xml version="1.0"?>
            <!DOCTYPE xliff [<!ENTITY leak SYSTEM "file://\(secret.file("secret.txt"))">]>
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en">
              <file id="f"><unit id="a"><segment><source>x&leak;y</source></segment></unit></file>
            </xliff>
            """
        let folder = try Folder(["en.xliff": hostile])
        let (set, _) = CatalogSet.load(directories: [folder.path])
        let text = set.sourceCatalog?.messages["a"]?.text ?? ""
        #expect(!text.contains("SECRET"))
    }

    @Test func messageLookupWalksTheChain() throws {
        let folder = try Folder(["en.xliff": Fixtures.source, "ar.xliff": Fixtures.arabic])
        let (set, _) = CatalogSet.load(directories: [folder.path])
        let chain = set.resolver(schoolDefault: "en").chain(for: "ar-EG")
        #expect(chain.available == ["ar", "en"])
        let greeting = try #require(set.message("common.greeting", along: chain))
        #expect(greeting.locale == "ar")
        // Untranslated in Arabic: the English text.
        let attending = try #require(set.message("rsvp.attending", along: chain))
        #expect(attending.locale == "en")
        #expect(attending.message.text == "I'll be there")
        #expect(set.message("no.such.key", along: chain) == nil)
    }

    @Test func coverage() throws {
        let folder = try Folder(["en.xliff": Fixtures.source, "ar.xliff": Fixtures.arabic, "ru.xlf": Fixtures.russian12])
        let (set, _) = CatalogSet.load(directories: [folder.path])
        let coverage = set.coverage()
        #expect(coverage.map(\.locale) == ["ar", "en", "ru"])
        #expect(coverage[0] == LocaleCoverage(locale: "ar", translated: 2, total: 4, missing: ["announcement.intro", "rsvp.attending"]))
        #expect(coverage[1].translated == 4)
        #expect(coverage[2].fraction == 0.5)
    }
}

@Suite struct CatalogValidationTests {
    static let known: Set<String> = ["guardian_given", "children_count", "event", "start", "school", "child"]

    /// The diagnostics of `validate`, checked to be the same when the patterns were analysed beforehand
    /// (`analyzeAll`, as the school loader does while the roster loads) and when they were not.
    func validate(_ files: [String: String], defaultLocale: LanguageTag? = nil) throws -> ([Diagnostic], Folder) {
        let folder = try Folder(files)
        let (set, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let (prepared, _) = CatalogSet.load(directories: [folder.path])
        prepared.analyzeAll()
        let found = set.validate(knownArguments: Self.known, defaultLocale: defaultLocale)
        #expect(prepared.validate(knownArguments: Self.known, defaultLocale: defaultLocale) == found)
        #expect(set.validate(knownArguments: Self.known, defaultLocale: defaultLocale) == found)
        return (found, folder)
    }

    static func target(_ locale: String, _ units: [(String, String)]) -> String {
        let body = units.enumerated().map { index, unit in
            "    <unit id=\"\(unit.0)\">\n      <segment state=\"translated\"><source>x</source><target>\(unit.1)</target></segment>\n    </unit>"
        }.joined(separator: "\n")
        return """
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="\(locale)">
              <file id="f">
            \(body)
              </file>
            </xliff>
            """
    }

    @Test func cleanCatalogsHaveNoDiagnostics() throws {
        let (diagnostics, _) = try validate(["en.xliff": Fixtures.source], defaultLocale: "en")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
    }

    @Test func russianPluralLacksFewAndMany() throws {
        let ru = Self.target("ru", [
            ("common.greeting", "Здравствуйте, {guardian_given}!"),
            ("common.children", "{children_count, plural, one {ваш ребёнок} other {ваши дети}}"),
            ("announcement.intro", "{event}: {start, date, long}. {school}"),
            ("rsvp.attending", "Я приду"),
        ])
        let (diagnostics, folder) = try validate(["en.xliff": Fixtures.source, "ru.xliff": ru])
        #expect(diagnostics.map(\.code) == ["catalog.missing-plural-category"])
        let problem = try #require(diagnostics.first)
        #expect(problem.severity == .error)
        #expect(problem.location == SourceLocation(file: folder.file("ru.xliff"), line: 6, field: "common.children"))
        #expect(problem.message.contains("few, many"))
        #expect(problem.message.contains("children_count"))
    }

    @Test func everyKindOfProblem() throws {
        let ar = Self.target("ar", [
            ("common.greeting", "عزيزي {guardian_given"),
            ("common.children", "{children_count, plural, =0 {لا} =1 {طفلك} =2 {طفلاك} few {أ} many {ب} other {ج}}"),
            ("announcement.intro", "{event} {colour} {start, date, long} {kind, select, a {x}}"),
            ("extra.key", "زائد"),
        ])
        let (diagnostics, folder) = try validate(["en.xliff": Fixtures.source, "ar.xliff": ar])
        let byCode = Dictionary(grouping: diagnostics, by: \.code)
        #expect(byCode["catalog.syntax"]?.count == 1)
        #expect(byCode["catalog.syntax"]?.first?.location?.field == "common.greeting")
        #expect(byCode["catalog.syntax"]?.first?.location?.line == 3)
        #expect(byCode["catalog.missing-plural-category"]?.first?.message.contains("zero, one, two") == true)
        #expect(byCode["catalog.missing-other"]?.first?.message.contains("'kind'") == true)
        #expect(Set(byCode["catalog.unknown-argument"]?.map(\.message) ?? []).count == 2)  // colour and kind
        let missing = try #require(byCode["catalog.missing-key"]?.first)
        #expect(byCode["catalog.missing-key"]?.count == 1)
        #expect(missing.severity == .warning)
        #expect(missing.message.contains("rsvp.attending"))
        #expect(missing.location?.file == folder.file("ar.xliff"))
        let orphan = try #require(byCode["catalog.orphan-key"]?.first)
        #expect(orphan.location == SourceLocation(file: folder.file("ar.xliff"), line: 12, field: "extra.key"))
        #expect(diagnostics.allSatisfy { $0.location != nil })
    }

    @Test func defaultLocaleWithoutCatalog() throws {
        let (diagnostics, _) = try validate(["en.xliff": Fixtures.source], defaultLocale: "fr")
        #expect(diagnostics.map(\.code) == ["catalog.no-source"])
        let (regional, _) = try validate(["en.xliff": Fixtures.source], defaultLocale: "en-GB")
        #expect(regional.isEmpty)
    }
}

@Suite struct XLIFFWriterTests {
    @Test func missingDocumentRoundTrips() throws {
        let source = Fixtures.source.replacingOccurrences(
            of: "<source>I'll be there</source>",
            with: "<source>I'll be there &amp; bring \"snacks\" &lt;b&gt;</source>")
        let folder = try Folder(["en.xliff": source, "ar.xliff": Fixtures.arabic])
        let (set, _) = CatalogSet.load(directories: [folder.path])
        let document = XLIFFWriter.missingDocument(for: "ar", in: set)
        #expect(document.contains("srcLang=\"en\" trgLang=\"ar\""))
        #expect(document.contains("<unit id=\"announcement.intro\">"))
        #expect(document.contains("<segment state=\"initial\">"))
        #expect(document.contains("<target/>"))
        #expect(!document.contains("common.greeting"))

        try folder.write("x-ar.missing.xliff", document)
        let (reloaded, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(reloaded.missingKeys(for: "ar") == ["announcement.intro", "rsvp.attending"])
        let unit = try #require(reloaded.catalogs["ar"]?.messages["rsvp.attending"])
        #expect(unit.source == "I'll be there & bring \"snacks\" <b>")
        #expect(!unit.isTranslated)

        // A translator fills one unit in.
        let filled = document.replacingOccurrences(
            of: "<segment state=\"initial\">\n        <source>I'll be there &amp; bring \"snacks\" &lt;b&gt;</source>\n        <target/>",
            with: "<segment state=\"translated\">\n        <source>I'll be there</source>\n        <target>سأحضر &amp; أجلب</target>")
        #expect(filled != document)
        try folder.write("x-ar.missing.xliff", filled)
        let (translated, _) = CatalogSet.load(directories: [folder.path])
        #expect(translated.missingKeys(for: "ar") == ["announcement.intro"])
        #expect(translated.catalogs["ar"]?.messages["rsvp.attending"]?.text == "سأحضر & أجلب")
    }

    @Test func notesAndNewLocale() throws {
        let folder = try Folder(["en.xliff": Fixtures.source])
        let (set, _) = CatalogSet.load(directories: [folder.path])
        let document = XLIFFWriter.missingDocument(for: "so", in: set)
        #expect(document.contains("<note>Opening line of every letter.</note>"))
        try folder.write("so.xliff", document)
        let (reloaded, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(diagnostics.isEmpty)
        #expect(reloaded.missingKeys(for: "so").count == 4)
        #expect(reloaded.catalogs["so"]?.messages["common.greeting"]?.note == "Opening line of every letter.")
    }
}
