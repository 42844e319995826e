import Foundation
import LiaisonModel
import Testing

@testable import LiaisonLocalization

@Suite struct LocaleResolverTests {
    func resolver(_ available: Set<LanguageTag>, default schoolDefault: LanguageTag = "en", source: LanguageTag = "en") -> LocaleResolver {
        LocaleResolver(available: available, schoolDefault: schoolDefault, sourceLocale: source)
    }

    @Test func traditionalChineseForHongKong() {
        let chain = resolver(["en", "zh-Hant", "zh-Hans"]).chain(for: "zh-Hant-HK")
        #expect(chain.available == ["zh-Hant", "en"])
        #expect(chain.resolved == "zh-Hant")
        #expect(chain.fallbackKind == .sameLanguage)
        #expect(chain.isFallback)
        #expect(chain.description == "zh-Hant-HK → zh-Hant")
        #expect(chain.candidates.first == "zh-Hant-HK")
        #expect(chain.candidates.last == "en")
        #expect(!chain.candidates.contains("zh"))
        #expect(!chain.candidates.contains("zh-Hans"))
        #expect(resolver(["en", "zh-Hant"]).chain(for: "zh-Hant-HK").available == ["zh-Hant", "en"])
    }

    @Test(arguments: ["zh-TW", "zh-HK", "zh-MO", "zh-Hant", "zh-Hant-TW"])
    func traditionalChineseTags(tag: String) {
        let chain = resolver(["zh-Hans", "zh-Hant", "en"]).chain(for: LanguageTag(tag)!)
        #expect(chain.resolved == "zh-Hant")
        #expect(!chain.available.contains("zh-Hans"))
    }

    @Test func taiwanIsNotAFallback() {
        let chain = resolver(["zh-Hans", "zh-Hant", "en"]).chain(for: "zh-TW")
        #expect(chain.fallbackKind == .none)
        #expect(chain.available == ["zh-Hant", "en"])
    }

    @Test(arguments: ["zh-CN", "zh", "zh-SG", "zh-Hans-CN"])
    func simplifiedChineseTags(tag: String) {
        let chain = resolver(["zh-Hans", "zh-Hant", "en"]).chain(for: LanguageTag(tag)!)
        #expect(chain.resolved == "zh-Hans")
        #expect(!chain.available.contains("zh-Hant"))
    }

    @Test func neverAcrossScripts() {
        let chain = resolver(["zh-Hans", "zh", "en"]).chain(for: "zh-Hant")
        #expect(chain.resolved == "en")
        #expect(chain.available == ["en"])
        #expect(chain.fallbackKind == .otherLanguage)
        #expect(!chain.candidates.contains("zh-Hans"))
        #expect(!chain.candidates.contains("zh"))
    }

    @Test func bareChineseServesMainlandOnly() {
        #expect(resolver(["zh", "en"]).chain(for: "zh-CN").resolved == "zh")
        #expect(resolver(["zh", "en"]).chain(for: "zh-TW").resolved == "en")
    }

    @Test func regionalVariants() {
        let spanish = resolver(["es", "en"]).chain(for: "es-MX")
        #expect(spanish.resolved == "es")
        #expect(spanish.fallbackKind == .sameLanguage)
        let arabic = resolver(["ar", "en"]).chain(for: "ar-EG")
        #expect(arabic.resolved == "ar")
        #expect(arabic.fallbackKind == .none)  // `ar` is Egyptian Arabic by CLDR's likely subtags
        let persian = resolver(["fa", "en"]).chain(for: "fa-AF")
        #expect(persian.resolved == "fa")
        #expect(persian.fallbackKind == .sameLanguage)
        let ukrainian = resolver(["uk", "en"]).chain(for: "uk-UA")
        #expect(ukrainian.resolved == "uk")
        #expect(!ukrainian.isFallback)
    }

    @Test func otherLanguageFallback() {
        let chain = resolver(["en", "fr", "es"]).chain(for: "pt-BR")
        #expect(chain.resolved == "en")
        #expect(chain.fallbackKind == .otherLanguage)
        #expect(chain.description == "pt-BR → en")
        #expect(chain.candidates == ["pt-BR", "pt-Latn-BR", "pt-Latn", "pt", "en"])
    }

    @Test func somali() {
        let chain = resolver(["so", "en"]).chain(for: "so")
        #expect(chain.resolved == "so")
        #expect(chain.available == ["so", "en"])
        #expect(!chain.isFallback)
        #expect(chain.description == "so")
    }

    @Test func serbianScripts() {
        #expect(resolver(["sr", "en"]).chain(for: "sr-RS").resolved == "sr")
        #expect(resolver(["sr", "en"]).chain(for: "sr-Cyrl").resolved == "sr")
        #expect(resolver(["sr", "en"]).chain(for: "sr-Latn").resolved == "en")
        #expect(resolver(["sr-Latn", "en"]).chain(for: "sr-Latn-RS").resolved == "sr-Latn")
        #expect(resolver(["sr-Cyrl", "en"]).chain(for: "sr").resolved == "sr-Cyrl")
    }

    @Test func sameLanguageOtherRegion() {
        let chain = resolver(["pt-PT", "en"]).chain(for: "pt-BR")
        #expect(chain.resolved == "pt-PT")
        #expect(chain.fallbackKind == .sameLanguage)
        #expect(resolver(["zh-TW", "en"]).chain(for: "zh-HK").resolved == "zh-TW")
    }

    @Test func defaultThenSource() {
        let chain = resolver(["fr", "en"], default: "fr", source: "en").chain(for: "de-AT")
        #expect(chain.available == ["fr", "en"])
        #expect(chain.candidates.suffix(2) == ["fr", "en"])
        #expect(chain.resolved == "fr")
        #expect(chain.fallbackKind == .otherLanguage)
    }

    @Test func deprecatedCodesAreCanonicalised() {
        #expect(resolver(["he", "en"]).chain(for: "iw").resolved == "he")
    }

    @Test func extensionsDoNotChangeTheCatalog() {
        let chain = resolver(["ar", "en"]).chain(for: "ar-EG-u-nu-latn")
        #expect(chain.resolved == "ar")
        #expect(chain.fallbackKind == .none)
        #expect(chain.candidates.prefix(2) == ["ar-EG-u-nu-latn", "ar-EG"])
        #expect(resolver(["ca", "en"]).chain(for: "ca-ES-valencia").resolved == "ca")
    }

    @Test func nothingAvailable() {
        let chain = resolver([]).chain(for: "ar")
        #expect(chain.available.isEmpty)
        #expect(chain.resolved == "en")
        #expect(chain.fallbackKind == .otherLanguage)
    }
}

/// Issue 16, deliverable 5: the school's default resolves like a guardian's tag; `und` takes the school's default.
@Suite struct SchoolDefaultResolutionTests {
    @Test func aRegionalDefaultFindsItsLanguagesCatalog() {
        let resolver = LocaleResolver(available: ["en", "es", "ar"], schoolDefault: "es-ES", sourceLocale: "en")
        // A guardian whose language has no catalog gets the school's Spanish, not the source English.
        let chain = resolver.chain(for: "pt-BR")
        #expect(chain.resolved == "es" && chain.fallbackKind == .otherLanguage)
        #expect(chain.candidates.suffix(3) == ["es-ES", "es", "en"])
        // The default's own guardians are served by `es` as their language.
        #expect(resolver.chain(for: "es-ES").resolved == "es" && resolver.chain(for: "es-ES").fallbackKind == .none)  // es is es-Latn-ES
    }

    @Test func undeterminedTakesTheSchoolDefaultNotEnglish() {
        let resolver = LocaleResolver(available: ["en", "cy"], schoolDefault: "cy", sourceLocale: "en")
        for tag: LanguageTag in ["und", "und-GB", "und-Latn"] {
            let chain = resolver.chain(for: tag)
            #expect(chain.resolved == "cy", "\(tag) → \(chain.resolved)")
            #expect(chain.fallbackKind == .otherLanguage)
        }
    }

    @Test func likelyScripts() {
        let tags: [LanguageTag] = ["ar", "ar-Latn", "zh-TW", "sr"]
        #expect(tags.map(\.likelyScript) == ["Arab", "Latn", "Hant", "Cyrl"])
    }
}
