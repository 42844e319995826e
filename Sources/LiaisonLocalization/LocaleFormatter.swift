import CICU
import Foundation
import LiaisonModel

/// Locale-aware formatting for one guardian (the locale is always explicit; never `Locale.current`).
///
/// Everything comes from Foundation's ICU data (the newest CLDR the platform has): numbers and lists through
/// Foundation, dates and times through CICU with CLDR's date and time styles, the same ones catalog messages use
/// (`{start, date, full}`, `{start, time, short}`), so a letter never shows one date two ways;
/// Foundation's `Date.FormatStyle` builds times from skeletons and drops CLDR's padding (en-GB "9:30" for "09:30"),
/// and its `DateFormatter` crashes on tags with Unicode extensions. Dates use the Gregorian calendar unless the tag
/// names another (`-u-ca-islamic`), and the digits of the locale's numbering system as Foundation knows it.
public struct LocaleFormatter: Sendable {
    public let languageTag: LanguageTag
    public let locale: Locale
    public let timeZone: TimeZone
    private let icuLocale: String

    public init(locale: LanguageTag, timeZone: TimeZone) {
        languageTag = locale
        self.locale = Locale(identifier: locale.rawValue)
        self.timeZone = timeZone
        icuLocale = ICU.formattingLocale(locale)
    }

    /// Long date with weekday: "Friday, 12 June 2026" (en-GB), "الجمعة، ١٢ يونيو ٢٠٢٦" (ar-EG), "2026年6月12日星期五" (zh).
    public func date(_ date: Date) -> String {
        format(date, date: CICU_STYLE_FULL, time: CICU_STYLE_NONE)
    }

    /// Medium date: "12 Jun 2026" (en-GB), "Jun 12, 2026" (en-US).
    public func shortDate(_ date: Date) -> String {
        format(date, date: CICU_STYLE_MEDIUM, time: CICU_STYLE_NONE)
    }

    /// "09:30" (en-GB), "9:30 AM" (en-US).
    public func time(_ date: Date) -> String {
        format(date, date: CICU_STYLE_NONE, time: CICU_STYLE_SHORT)
    }

    /// Long date with weekday and time: "Friday, 12 June 2026 at 09:30" (en-GB).
    public func dateTime(_ date: Date) -> String {
        format(date, date: CICU_STYLE_FULL, time: CICU_STYLE_SHORT)
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

    private func format(_ date: Date, date dateStyle: Int32, time timeStyle: Int32) -> String {
        // Every guardian of a language sees the same event dates: format each once (ICU builds a formatter per call).
        let key = FormattedDateCache.Key(locale: icuLocale, zone: timeZone.identifier, date: dateStyle, time: timeStyle, instant: date)
        if let cached = FormattedDateCache.shared.value(for: key) { return cached }
        let text = formatUncached(date, date: dateStyle, time: timeStyle)
        FormattedDateCache.shared.store(text, for: key)
        return text
    }

    private func formatUncached(_ date: Date, date dateStyle: Int32, time timeStyle: Int32) -> String {
        var error = cicu_error.empty()
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        if let text = ICU.take(
            cicu_date_format(icuLocale, timeZone.identifier, dateStyle, timeStyle, milliseconds, &error))
        {
            return text
        }
        cicu_error_clear(&error)
        // Only an unknown zone gets here (ICU and Foundation disagree on it): Foundation then.
        let dates: Date.FormatStyle.DateStyle = dateStyle == CICU_STYLE_NONE ? .omitted
            : dateStyle == CICU_STYLE_MEDIUM ? .abbreviated : .complete
        let times: Date.FormatStyle.TimeStyle = timeStyle == CICU_STYLE_NONE ? .omitted : .shortened
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return date.formatted(Date.FormatStyle(date: dates, time: times, locale: locale, calendar: calendar, timeZone: timeZone))
    }
}

/// Formatted dates by locale, zone, style and instant, shared by all renders; bounded, emptied when full.
final class FormattedDateCache: @unchecked Sendable {
    struct Key: Hashable {
        var locale: String
        var zone: String
        var date: Int32
        var time: Int32
        var instant: Date
    }

    static let shared = FormattedDateCache()
    private let lock = NSLock()
    private var values: [Key: String] = [:]
    private let capacity = 8192

    func value(for key: Key) -> String? {
        lock.withLock { values[key] }
    }

    func store(_ value: String, for key: Key) {
        lock.withLock {
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[key] = value
        }
    }
}
