import Foundation
import LiaisonLocalization
import LiaisonModel
import LiaisonRender

/// For each event still to come and each letter language, how many guardians will read staff text that was not
/// written or translated for them (it reaches them marked as another language's).
public struct StaffTextGap: Sendable, Codable, Hashable {
    public var event: String
    /// The catalog the letters are written from (`es` also for `es-MX` readers).
    public var language: String
    public var guardians: Int
    /// The untranslated fields (`title`, `data.note`, …).
    public var fields: [String]
}

enum StaffTextCoverage {
    static func gaps(_ snapshot: SchoolSnapshot, now: Date) -> [StaffTextGap] {
        let schoolDefault = snapshot.school.defaultLocale
        var gaps: [StaffTextGap] = []
        for event in snapshot.events where !event.isCancelled && (event.end ?? event.start) >= now {
            var byLanguage: [LanguageTag: (guardians: Int, fields: [String])] = [:]
            var catalogs: [LanguageTag: LanguageTag] = [:]
            var untranslated: [LanguageTag: [String]] = [:]
            for recipient in event.audience.recipients(in: snapshot.roster) {
                let requested = recipient.guardian.language
                if catalogs[requested] == nil {
                    let chain = snapshot.renderer.chain(for: requested)
                    let letter = LocaleChain.formattingLocale(requested: requested, letter: chain.resolved, schoolDefault: schoolDefault)
                    catalogs[requested] = chain.resolved
                    untranslated[requested] = StaffText.untranslated(in: event, chain: chain, letter: letter, schoolDefault: schoolDefault).map(\.path)
                }
                guard let catalog = catalogs[requested], let fields = untranslated[requested], !fields.isEmpty else { continue }
                byLanguage[catalog, default: (0, fields)].guardians += 1
            }
            for (language, gap) in byLanguage.sorted(by: { $0.key < $1.key }) {
                gaps.append(StaffTextGap(event: event.id, language: language.rawValue, guardians: gap.guardians, fields: gap.fields))
            }
        }
        return gaps
    }
}
