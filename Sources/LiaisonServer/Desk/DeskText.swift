import Foundation
import LiaisonLocalization
import LiaisonModel

/// The desk's wording for one member of staff: the desk catalogs (`locales/desk/`) along the chain of their
/// language (the staff file's `language`, else the school's), formatted with ICU like every other text.
struct DeskText: Sendable {
    let catalogs: CatalogSet
    let chain: LocaleChain
    let formatter: MessageFormatter
    let timeZone: TimeZone
    let schoolDefault: LanguageTag

    init(site: AckSite, staff: DeskStaff?) {
        catalogs = site.deskCatalogs
        schoolDefault = site.school.defaultLocale
        chain = catalogs.resolver(schoolDefault: site.school.defaultLocale).chain(for: staff?.language ?? site.school.defaultLocale)
        formatter = site.formatter
        timeZone = site.school.timeZone
    }

    /// The language the desk is written in for them.
    var language: LanguageTag { chain.resolved }
    var isRightToLeft: Bool { TextDirection(for: chain.resolved) == .rtl }
    var formattingLocale: LanguageTag { chain.formattingLocale(schoolDefault: schoolDefault) }

    /// The message `key` formatted with `arguments`, as plain text (escape it for HTML). A key no desk catalog has
    /// comes out as the key itself: `DeskCatalogTests` keeps that from happening.
    func callAsFunction(_ key: String, _ arguments: [String: MessageArgument] = [:]) -> String {
        guard let found = catalogs.message(key, along: chain) else { return key }
        let locale = found.locale == chain.resolved ? formattingLocale : found.locale
        return (try? formatter.format(found.message.text, locale: locale, timeZone: timeZone, arguments: arguments)) ?? found.message.text
    }

    /// The catalog's name for a value (`desk.channel.sms`), or the value itself when the catalog has none (a gateway
    /// the school named itself).
    func named(_ prefix: String, _ value: String) -> String {
        catalogs.message("\(prefix).\(value)", along: chain) == nil ? value : self("\(prefix).\(value)")
    }

    /// `callAsFunction`, escaped for HTML.
    func html(_ key: String, _ arguments: [String: MessageArgument] = [:]) -> String { HTML.escape(self(key, arguments)) }

    func dateTime(_ date: Date) -> String { LocaleFormatter(locale: formattingLocale, timeZone: timeZone).dateTime(date) }
    func time(_ date: Date) -> String { LocaleFormatter(locale: formattingLocale, timeZone: timeZone).time(date) }
    func integer(_ value: Int) -> String { LocaleFormatter(locale: formattingLocale, timeZone: timeZone).integer(value) }
    /// A language's name in the desk's language (`Somali`, `الصومالية`).
    func languageName(_ tag: String) -> String {
        guard let language = LanguageTag(tag) else { return tag }
        // English read on an English desk is "English", not "English (Latin)": the script is named only when it is
        // not the desk's own (中文（繁體）on a Simplified Chinese desk).
        if language.language == formattingLocale.language, language.likelyScript == formattingLocale.likelyScript,
           let name = Locale(identifier: formattingLocale.rawValue).localizedString(forLanguageCode: language.language), !name.isEmpty {
            return name
        }
        return LanguageDisplayName.name(of: language, in: formattingLocale)
    }
}
