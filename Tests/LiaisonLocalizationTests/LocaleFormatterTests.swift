import Foundation
import LiaisonModel
import Testing

@testable import LiaisonLocalization

@Suite struct LocaleFormatterTests {
    let summer = instant("2026-06-12T08:30:00Z")

    func formatter(_ tag: LanguageTag, _ zoneID: String = "Europe/London") -> LocaleFormatter {
        LocaleFormatter(locale: tag, timeZone: zone(zoneID))
    }

    @Test func britishEnglish() {
        let f = formatter("en-GB")
        #expect(f.date(summer) == "Friday, 12 June 2026")
        #expect(f.shortDate(summer) == "12 Jun 2026")
        #expect(f.time(summer) == "09:30")
        #expect(f.dateTime(summer) == "Friday, 12 June 2026 at 09:30")
        #expect(f.list(["Yusuf", "Mariam", "Adam"]) == "Yusuf, Mariam and Adam")
        #expect(f.list(["Yusuf", "Mariam"]) == "Yusuf and Mariam")
        #expect(f.list(["Yusuf"]) == "Yusuf")
        #expect(f.integer(1234567) == "1,234,567")
        #expect(f.number(1.5) == "1.5")
    }

    @Test func americanEnglish() {
        let f = formatter("en-US", "America/New_York")
        #expect(f.date(summer) == "Friday, June 12, 2026")
        #expect(plain(f.time(summer)) == "4:30 AM")
        #expect(f.list(["A", "B", "C"]) == "A, B, and C")
    }

    @Test func arabic() {
        let egypt = formatter("ar-EG")
        // CLDR 46 (Foundation's ICU): a comma before the year, a no-break space before the period.
        #expect(egypt.date(summer) == "الجمعة، ١٢ يونيو، ٢٠٢٦")
        #expect(egypt.time(summer) == "٩:٣٠\u{00A0}ص")
        #expect(egypt.integer(1234) == "١٬٢٣٤")
        #expect(egypt.number(1234.5) == "١٬٢٣٤٫٥")
        let arabic = formatter("ar")
        #expect(arabic.integer(1234) == "1,234")
        #expect(arabic.number(1234.5) == "1,234.5")
        #expect(arabic.date(summer) == "الجمعة، 12 يونيو، 2026")
        #expect(arabic.list(["يوسف", "مريم"]).contains("و"))
    }

    @Test func chineseAndOthers() {
        #expect(formatter("zh").date(summer) == "2026年6月12日 星期五")
        #expect(formatter("zh-Hant", "Asia/Hong_Kong").date(summer) == "2026年6月12日 星期五")
        #expect(formatter("zh-Hant").list(["甲", "乙", "丙"]) == "甲、乙和丙")
        #expect(plain(formatter("ru").date(summer)) == "пятница, 12 июня 2026 г.")
        #expect(formatter("ru").list(["A", "B", "C"]) == "A, B и C")
        #expect(formatter("pl").time(summer) == "09:30")
        #expect(plain(formatter("pl").integer(1234567)) == "1 234 567")
    }

    @Test func zoneAndCalendar() {
        let late = instant("2026-06-12T23:30:00Z")
        #expect(formatter("en-GB").date(late) == "Saturday, 13 June 2026")
        #expect(formatter("en-GB", "America/New_York").date(late) == "Friday, 12 June 2026")
        #expect(formatter("en-GB", "Asia/Kolkata").time(late) == "05:00")
        // Gregorian dates for Saudi Arabia unless asked otherwise.
        #expect(formatter("ar-SA", "Asia/Riyadh").date(summer).contains("يونيو"))
        #expect(formatter("en-u-ca-islamic").date(summer).contains("AH"))
    }

    @Test func extensionsDoNotCrash() {
        #expect(formatter("ar-u-nu-arab").integer(7) == "٧")
        #expect(formatter("ar-u-nu-arab").time(summer) == "٩:٣٠\u{00A0}ص")
        #expect(formatter("en-GB-x-school").time(summer) == "09:30")
    }
}
