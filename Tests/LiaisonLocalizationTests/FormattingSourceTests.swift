import Foundation
import LiaisonModel
import Testing

@testable import LiaisonLocalization

/// One source for every format in a letter: dates, times, numbers and plural categories come from Foundation's ICU
/// (the newest CLDR the platform has), whether they stand alone or sit in a catalog message.
@Suite struct FormattingSourceTests {
    let instant = ISO8601DateFormatter().date(from: "2026-12-06T15:57:00Z")!
    let languages: [LanguageTag] = ["en-GB", "en-US", "es", "es-MX", "so", "ar", "ar-EG", "fa", "zh-Hans", "zh-Hant", "vi", "ru", "uk", "pl", "cy"]

    /// Foundation's DateFormatter, with the letters' Gregorian calendar: an independent way into the same data.
    func foundation(_ tag: LanguageTag, date: DateFormatter.Style, time: DateFormatter.Style) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: tag.rawValue)
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = TimeZone(identifier: "Europe/London")!
        formatter.dateStyle = date
        formatter.timeStyle = time
        return formatter.string(from: instant)
    }

    @Test("Dates on their own are Foundation's, in every catalog language")
    func datesAreFoundations() {
        for tag in languages {
            let ours = LocaleFormatter(locale: tag, timeZone: TimeZone(identifier: "Europe/London")!)
            #expect(ours.date(instant) == foundation(tag, date: .full, time: .none), "\(tag)")
            #expect(ours.shortDate(instant) == foundation(tag, date: .medium, time: .none), "\(tag)")
            #expect(ours.time(instant) == foundation(tag, date: .none, time: .short), "\(tag)")
        }
    }

    @Test("A date in a message is the date on its own; plural categories are the same rules")
    func messagesAgree() throws {
        let formatter = MessageFormatter()
        let zone = TimeZone(identifier: "Europe/London")!
        for tag in languages {
            let alone = LocaleFormatter(locale: tag, timeZone: zone)
            let pattern = "{d, date, full} | {d, time, short} | {n, plural, other {#}}"
            let text = try formatter.format(pattern, locale: tag, timeZone: zone, arguments: ["d": .date(instant), "n": .integer(1234)])
            let parts = text.components(separatedBy: " | ")
            #expect(parts.count == 3 && parts[0] == alone.date(instant) && parts[1] == alone.time(instant), "\(tag): \(text)")
        }
        // CLDR 46's Somali months and Mexican Spanish times, which the system's older ICU wrote otherwise.
        let somali = LocaleFormatter(locale: "so", timeZone: zone).date(instant)
        #expect(somali.contains("Diseembar"), "\(somali)")
        #expect(PluralRules.categories(for: "ar") == ["zero", "one", "two", "few", "many", "other"] as Set)
    }
}
