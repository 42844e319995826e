import Foundation
import LiaisonModel

/// Locale-aware formatting with Foundation for one guardian (the locale is always explicit; never `Locale.current`).
///
/// Dates use the Gregorian calendar unless the tag names another (`-u-ca-islamic`), as `MessageFormatter` does, so
/// that a letter's dates agree with the school's calendar.
public struct LocaleFormatter: Sendable {
    public let locale: Locale
    public let timeZone: TimeZone
    private let calendar: Calendar

    public init(locale: LanguageTag, timeZone: TimeZone) {
        let foundationLocale = Locale(identifier: locale.rawValue)
        self.locale = foundationLocale
        self.timeZone = timeZone
        var calendar = locale.rawValue.contains("-u-") && locale.subtags.contains("ca")
            ? foundationLocale.calendar : Calendar(identifier: .gregorian)
        calendar.locale = foundationLocale
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    private func style(date: Date.FormatStyle.DateStyle, time: Date.FormatStyle.TimeStyle) -> Date.FormatStyle {
        Date.FormatStyle(date: date, time: time, locale: locale, calendar: calendar, timeZone: timeZone)
    }

    /// Long date with weekday: "Friday, 12 June 2026" (en-GB), "الجمعة، ١٢ يونيو ٢٠٢٦" (ar-EG), "2026年6月12日星期五" (zh).
    public func date(_ date: Date) -> String {
        date.formatted(style(date: .complete, time: .omitted))
    }

    /// Medium date: "12 Jun 2026" (en-GB), "Jun 12, 2026" (en-US).
    public func shortDate(_ date: Date) -> String {
        date.formatted(style(date: .abbreviated, time: .omitted))
    }

    /// "09:30" (en-GB), "9:30 AM" (en-US).
    public func time(_ date: Date) -> String {
        date.formatted(style(date: .omitted, time: .shortened))
    }

    /// Long date with weekday and time.
    public func dateTime(_ date: Date) -> String {
        date.formatted(style(date: .complete, time: .shortened))
    }

    /// "A, B and C" per locale.
    public func list(_ items: [String]) -> String {
        items.formatted(.list(type: .and).locale(locale))
    }

    public func number(_ value: Double) -> String {
        value.formatted(FloatingPointFormatStyle<Double>(locale: locale))
    }

    public func integer(_ value: Int) -> String {
        value.formatted(IntegerFormatStyle<Int>(locale: locale))
    }
}
