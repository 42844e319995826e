import Foundation
import LiaisonModel
import Testing

@testable import LiaisonLocalization

/// Catalogs that once exhausted memory or the stack are refused with the place and the limit.
@Suite struct LocalizationLimitsTests {
    @Test func aCatalogDeclaringItsOwnEntitiesIsRefusedWithoutExpandingThem() throws {
        let bomb = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE xliff [<!ENTITY a "\(String(repeating: "x", count: 10_000))">]>
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="so">
              <file id="f"><unit id="a"><segment><source>A</source><target>\(String(repeating: "&a;", count: 20_000))</target></segment></unit></file>
            </xliff>
            """
        let folder = try Folder(["en.xliff": Fixtures.source, "so.xliff": bomb])
        let (set, diagnostics) = CatalogSet.load(directories: [folder.path])
        let refused = try #require(diagnostics.first { $0.code == "catalog.entity" })
        #expect(refused.severity == .error)
        #expect(refused.location?.line == 2)
        #expect(set.catalogs["so"] == nil)
        #expect(set.catalogs["en"] != nil)
    }

    @Test func theFiveXMLEntitiesAndCharacterReferencesStillWork() throws {
        let plain = """
            <?xml version="1.0" encoding="UTF-8"?>
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="so">
              <file id="f"><unit id="a"><segment><source>A</source><target>&lt;b&gt; &amp; &#233;</target></segment></unit></file>
            </xliff>
            """
        let folder = try Folder(["en.xliff": Fixtures.source, "so.xliff": plain])
        let (set, diagnostics) = CatalogSet.load(directories: [folder.path])
        #expect(!diagnostics.contains { $0.code == "catalog.entity" })
        #expect(set.catalogs["so"]?.messages["a"]?.text == "<b> & é")
    }

    @Test func argumentsNestedPastTheLimitAreRefusedBeforeICUParsesThem() throws {
        let depth = 50_000
        let pattern = String(repeating: "{g, select, a {", count: depth) + "x" + String(repeating: "} other {y}}", count: depth)
        #expect(throws: MessageFormatError.self) { try MessagePattern.analyze(pattern, locale: "en") }
        do {
            _ = try CompiledMessage(pattern: pattern, locale: "en", timeZone: "UTC")
            Issue.record("a 50,000-deep pattern was accepted")
        } catch {
            #expect(error.code == "limit.nesting")
            #expect(error.message.contains("limits.nesting"))
            #expect(error.line == 1)
        }
        // At the limit it compiles; quoted braces are text, not nesting.
        let limit = InputLimits.standard.nesting
        let fine = String(repeating: "{g, select, a {", count: limit) + "x" + String(repeating: "} other {y}}", count: limit)
        _ = try MessagePattern.analyze(fine, locale: "en")
        _ = try MessagePattern.analyze(String(repeating: "'{'", count: 500) + "{n, number}", locale: "en")
    }
}
