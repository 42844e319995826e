import Foundation
import LiaisonLocalization
import LiaisonModel
import LiaisonRender
import Testing
@testable import LiaisonCheck

/// Every locale CLDR knows (Foundation's list), as a guardian's language and as the school's default: no crash, the
/// catalog of that language and script when there is one (else the school's), and the letter labelled and laid out
/// as the catalog it was written from.
@Suite struct LocaleSweepTests {
    static func tags() -> [LanguageTag] {
        Set(Locale.availableIdentifiers.compactMap { LanguageTag($0.replacingOccurrences(of: "_", with: "-")) }).sorted()
    }

    /// The catalog a reader of `tag` should get: one of the same language and script, else `fallback`.
    static func expected(_ tag: LanguageTag, catalogs: [LanguageTag], fallback: LanguageTag) -> Set<LanguageTag> {
        let same = catalogs.filter { $0.language == tag.language && $0.likelyScript == tag.likelyScript }
        return same.isEmpty ? [fallback] : Set(same)
    }

    @Test func everyLocaleAsAGuardiansLanguage() throws {
        let school = try GoldenRenderTests.school()
        let event = try #require(school.event("family-fun-run-2026"))
        let recipient = try #require(event.audience.recipients(in: school.roster).first)
        let tags = Self.tags()
        #expect(tags.count >= 700, "\(tags.count) locales")
        let catalogs = school.catalogs.locales
        var checked = 0
        for tag in tags {
            var reader = recipient
            reader.guardian.language = tag
            let message = try school.renderer.render(RenderRequest(event: event, recipient: reader, ackURL: "https://x.example/a/t", now: referenceNow))
            let fallback = school.renderer.chain(for: school.school.defaultLocale).resolved
            #expect(Self.expected(tag, catalogs: catalogs, fallback: fallback).contains(message.chain.resolved), "\(tag) → \(message.chain)")
            // Labelled as the catalog used: its language and script, and the direction of that script.
            #expect(message.language.language == message.chain.resolved.language, "\(tag): labelled \(message.language)")
            #expect(message.language.likelyScript == message.chain.resolved.likelyScript, "\(tag): labelled \(message.language)")
            #expect(message.direction == TextDirection(for: message.chain.resolved), "\(tag)")
            #expect(message.html.contains("<html lang=\"\(message.language.rawValue)\" dir=\"\(message.direction.rawValue)\">"), "\(tag)")
            checked += 1
        }
        #expect(checked == tags.count)
    }

    @Test func everyLocaleAsTheSchoolsDefault() throws {
        let school = try GoldenRenderTests.school()
        let event = try #require(school.event("family-fun-run-2026"))
        var recipient = try #require(event.audience.recipients(in: school.roster).first)
        recipient.guardian.language = "und"
        let catalogs = school.catalogs.locales
        let source = school.catalogs.sourceLocale ?? "en"
        for tag in Self.tags() {
            var settings = school.school
            settings.defaultLocale = tag
            let renderer = MessageRenderer(school: settings, templates: school.templates, catalogs: school.catalogs)
            let message = try renderer.render(RenderRequest(event: event, recipient: recipient, ackURL: "https://x.example/a/t", now: referenceNow))
            // `und` takes the school's default, which resolves like any tag.
            #expect(Self.expected(tag, catalogs: catalogs, fallback: source).contains(message.chain.resolved), "default \(tag) → \(message.chain)")
            #expect(message.language.language == message.chain.resolved.language, "default \(tag): labelled \(message.language)")
        }
    }
}
