import Foundation
import LiaisonModel
import Testing

@testable import LiaisonLocalization

/// ICU (CLDR 42) puts U+202F before AM/PM and U+00A0 in some numbers; compare with plain spaces.
func plain(_ text: String) -> String {
    text.replacingOccurrences(of: "\u{202F}", with: " ").replacingOccurrences(of: "\u{00A0}", with: " ")
}

func zone(_ identifier: String) -> TimeZone {
    TimeZone(identifier: identifier)!
}

/// `2026-06-12T08:30:00Z` style, in UTC.
func instant(_ text: String) -> Date {
    try! Date(text, strategy: .iso8601)
}

@Suite struct PluralFormattingTests {
    let formatter = MessageFormatter()

    func format(_ pattern: String, _ locale: LanguageTag, _ arguments: [String: MessageArgument]) throws -> String {
        try formatter.format(pattern, locale: locale, timeZone: zone("UTC"), arguments: arguments)
    }

    static let arabic = """
        {children_count, plural, zero {لا يوجد أطفال} one {طفل واحد} two {طفلان} few {# أطفال} many {# طفلًا} \
        other {# طفل}}
        """

    /// Only the arguments a pattern uses are handed to ICU: the text is the same whether twenty others come along
    /// or none, for plain, plural, select, number and date arguments.
    @Test func unusedArgumentsChangeNothing() throws {
        let patterns: [(String, LanguageTag)] = [
            ("Dear {guardian},", "en"), (Self.arabic, "ar"), ("{kind, select, trip {Trip} other {Event}} on {start, date, long}", "fr"),
            ("{n, number} {n, plural, one {child} other {children}} of {school}", "en"), ("No arguments at all", "en"),
        ]
        let used: [String: MessageArgument] = [
            "guardian": .string("Zoë"), "children_count": .integer(3), "kind": .string("trip"), "start": .date(instant("2026-06-12T08:30:00Z")),
            "n": .integer(2), "school": .string("Riverside"),
        ]
        var crowd = used
        for index in 0..<20 { crowd["extra\(index)"] = index.isMultiple(of: 2) ? .string("x\(index)") : .integer(index) }
        for (pattern, locale) in patterns {
            let alone = try format(pattern, locale, used)
            #expect(try format(pattern, locale, crowd) == alone)
            #expect(try MessageFormatter().format(pattern, locale: locale, timeZone: zone("UTC"), arguments: crowd) == alone)
        }
    }

    @Test func arabicHasSixForms() throws {
        let expected: [(Int, String)] = [
            (0, "لا يوجد أطفال"), (1, "طفل واحد"), (2, "طفلان"), (3, "3 أطفال"), (11, "11 طفلًا"), (100, "100 طفل"),
        ]
        var outputs = Set<String>()
        for (count, text) in expected {
            let output = try format(Self.arabic, "ar", ["children_count": .integer(count)])
            #expect(output == text, "\(count)")
            outputs.insert(output)
        }
        #expect(outputs.count == 6)
        // Egyptian Arabic writes the numbers in Arabic-Indic digits.
        #expect(try format(Self.arabic, "ar-EG", ["children_count": .integer(3)]) == "٣ أطفال")
        #expect(try format(Self.arabic, "ar-EG", ["children_count": .integer(11)]) == "١١ طفلًا")
    }

    static let categories = "{n, plural, zero {zero #} one {one #} two {two #} few {few #} many {many #} other {other #}}"

    @Test(arguments: [
        ("ru", [(1.0, "one 1"), (2, "few 2"), (5, "many 5"), (21, "one 21"), (22, "few 22"), (25, "many 25"), (1.5, "other 1,5")]),
        ("uk", [(1.0, "one 1"), (2, "few 2"), (5, "many 5"), (21, "one 21"), (22, "few 22"), (25, "many 25"), (1.5, "other 1,5")]),
        ("pl", [(1.0, "one 1"), (2, "few 2"), (5, "many 5"), (21, "many 21"), (22, "few 22"), (25, "many 25"), (1.5, "other 1,5")]),
        ("cy", [(0.0, "zero 0"), (1, "one 1"), (2, "two 2"), (3, "few 3"), (6, "many 6"), (4, "other 4")]),
        ("zh", [(0.0, "other 0"), (1, "other 1"), (2, "other 2"), (5, "other 5"), (21, "other 21")]),
        ("vi", [(0.0, "other 0"), (1, "other 1"), (2, "other 2"), (5, "other 5"), (1.5, "other 1,5")]),
    ] as [(String, [(Double, String)])])
    func pluralCategories(locale: String, cases: [(Double, String)]) throws {
        let tag = LanguageTag(locale)!
        for (number, expected) in cases {
            let argument: MessageArgument = number == number.rounded() ? .integer(Int(number)) : .number(number)
            #expect(try format(Self.categories, tag, ["n": argument]) == expected, "\(locale) \(number)")
            #expect(PluralRules.category(of: number, locale: tag) == String(expected.split(separator: " ")[0]))
        }
    }

    @Test func slavicSentences() throws {
        let russian = "{n, plural, one {# ребёнок} few {# ребёнка} many {# детей} other {# ребёнка}}"
        #expect(try [1, 2, 5, 21, 22, 25].map { try format(russian, "ru", ["n": .integer($0)]) } == [
            "1 ребёнок", "2 ребёнка", "5 детей", "21 ребёнок", "22 ребёнка", "25 детей",
        ])
        #expect(try format(russian, "ru", ["n": .number(1.5)]) == "1,5 ребёнка")
        let polish = "{n, plural, one {# dziecko} few {# dzieci} many {# dzieci} other {# dziecka}}"
        #expect(try [1, 2, 5, 21, 22, 25].map { try format(polish, "pl", ["n": .integer($0)]) } == [
            "1 dziecko", "2 dzieci", "5 dzieci", "21 dzieci", "22 dzieci", "25 dzieci",
        ])
        #expect(try format(polish, "pl", ["n": .number(1.5)]) == "1,5 dziecka")
        let ukrainian = "{n, plural, one {# день} few {# дні} many {# днів} other {# дня}}"
        #expect(try [1, 2, 5, 21, 22, 25].map { try format(ukrainian, "uk", ["n": .integer($0)]) } == [
            "1 день", "2 дні", "5 днів", "21 день", "22 дні", "25 днів",
        ])
    }

    @Test func chineseAndVietnameseHaveOnlyOther() throws {
        #expect(PluralRules.categories(for: "zh") == ["other"])
        #expect(PluralRules.categories(for: "vi") == ["other"])
        #expect(try format("{n, plural, other {# 个孩子}}", "zh", ["n": .integer(1)]) == "1 个孩子")
        #expect(try format("{n, plural, other {# 個孩子}}", "zh-Hant", ["n": .integer(3)]) == "3 個孩子")
        #expect(try format("{n, plural, other {# con}}", "vi", ["n": .integer(2)]) == "2 con")
    }

    @Test func explicitValuesWinOverCategories() throws {
        let pattern = "{n, plural, =0 {no children} one {your child} other {your # children}}"
        #expect(try format(pattern, "en", ["n": .integer(0)]) == "no children")
        #expect(try format(pattern, "en", ["n": .integer(1)]) == "your child")
        #expect(try format(pattern, "en", ["n": .integer(4)]) == "your 4 children")
    }

    @Test func englishOrdinals() throws {
        let pattern = "{n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}"
        let outputs = try [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map { try format(pattern, "en", ["n": .integer($0)]) }
        #expect(outputs == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"])
        #expect(PluralRules.categories(for: "en", ordinal: true) == ["one", "two", "few", "other"])
        #expect(PluralRules.category(of: 22, locale: "en", ordinal: true) == "two")
    }

    @Test func select() throws {
        let pattern = "{relationship, select, mother {Dear mother} father {Dear father} other {Dear carer}} of {child}"
        #expect(try format(pattern, "en", ["relationship": .string("mother"), "child": .string("Yusuf")]) == "Dear mother of Yusuf")
        #expect(try format(pattern, "en", ["relationship": .string("aunt"), "child": .string("Mariam")]) == "Dear carer of Mariam")
        // A number given to a select is matched by its text.
        let grade = "{grade, select, 3 {Year 3} other {another year}}"
        #expect(try format(grade, "en", ["grade": .integer(3)]) == "Year 3")
        #expect(try format(grade, "en", ["grade": .number(4)]) == "another year")
        // A numeric string given to a plural is used as a number.
        #expect(try format("{n, plural, one {# day} other {# days}}", "en", ["n": .string("1")]) == "1 day")
    }

    @Test func nestedSelectAndPlural() throws {
        let pattern = """
            {relationship, select, mother {{n, plural, one {Your child} other {Your # children}}} \
            other {{n, plural, one {The child} other {The # children}}}}
            """
        #expect(try format(pattern, "en", ["relationship": .string("mother"), "n": .integer(2)]) == "Your 2 children")
        #expect(try format(pattern, "en", ["relationship": .string("x"), "n": .integer(1)]) == "The child")
    }

    @Test func missingArgumentsStayVisible() throws {
        #expect(try format("Dear {guardian}, {n, plural, one {#} other {#}}", "en", [:]) == "Dear {guardian}, {n}")
    }

    @Test func numbersFollowTheLocale() throws {
        #expect(try format("{n, number}", "ar", ["n": .number(1234.5)]) == "1,234.5")
        #expect(try format("{n, number}", "ar-EG", ["n": .number(1234.5)]) == "١٬٢٣٤٫٥")
        #expect(try format("{n, number}", "ar-u-nu-arab", ["n": .integer(7)]) == "٧")
        #expect(plain(try format("{n, number}", "ru", ["n": .number(1234.5)])) == "1 234,5")
        #expect(try format("{n, number}", "de", ["n": .number(1234.5)]) == "1.234,5")
        #expect(try format("{n, number, integer}", "en", ["n": .number(2.6)]) == "3")
    }
}

@Suite struct DateArgumentTests {
    let formatter = MessageFormatter()
    let pattern = "{start, date, long} {start, time, short}"

    @Test func londonAcrossTheClockChange() throws {
        let winter = try formatter.format(pattern, locale: "en-GB", timeZone: zone("Europe/London"), arguments: ["start": .date(instant("2026-01-15T09:30:00Z"))])
        let summer = try formatter.format(pattern, locale: "en-GB", timeZone: zone("Europe/London"), arguments: ["start": .date(instant("2026-06-12T08:30:00Z"))])
        #expect(winter == "15 January 2026 09:30")
        #expect(summer == "12 June 2026 09:30")
        // Late in the evening UTC is already the next day in London in summer.
        let late = try formatter.format(pattern, locale: "en-GB", timeZone: zone("Europe/London"), arguments: ["start": .date(instant("2026-06-12T23:30:00Z"))])
        #expect(late == "13 June 2026 00:30")
    }

    @Test func newYorkAcrossTheClockChange() throws {
        // Clocks go forward in New York on 8 March 2026.
        let before = try formatter.format(pattern, locale: "en-US", timeZone: zone("America/New_York"), arguments: ["start": .date(instant("2026-03-07T14:30:00Z"))])
        let after = try formatter.format(pattern, locale: "en-US", timeZone: zone("America/New_York"), arguments: ["start": .date(instant("2026-03-09T13:30:00Z"))])
        #expect(plain(before) == "March 7, 2026 9:30 AM")
        #expect(plain(after) == "March 9, 2026 9:30 AM")
        let late = try formatter.format(pattern, locale: "en-US", timeZone: zone("America/New_York"), arguments: ["start": .date(instant("2026-06-13T02:00:00Z"))])
        #expect(plain(late) == "June 12, 2026 10:00 PM")
    }

    @Test func dateInsidePluralBranchUsesTheZone() throws {
        let nested = """
            {children_count, plural, one {Your child: {start, date, long} at {start, time, short}} \
            other {Your # children: {start, date, ::EEEEdMMMM} at {start, time, short}}}
            """
        let start = instant("2026-06-13T02:00:00Z")
        let newYork = try formatter.format(nested, locale: "en-US", timeZone: zone("America/New_York"), arguments: ["children_count": .integer(1), "start": .date(start)])
        let london = try formatter.format(nested, locale: "en-GB", timeZone: zone("Europe/London"), arguments: ["children_count": .integer(1), "start": .date(start)])
        #expect(plain(newYork) == "Your child: June 12, 2026 at 10:00 PM")
        #expect(london == "Your child: 13 June 2026 at 03:00")
        let skeleton = try formatter.format(nested, locale: "en-GB", timeZone: zone("America/New_York"), arguments: ["children_count": .integer(2), "start": .date(start)])
        #expect(skeleton == "Your 2 children: Friday 12 June at 22:00")  // CLDR 46's en-GB EEEEdMMMM: no comma
    }

    @Test func untypedDateArgumentUsesTheZone() throws {
        let start = instant("2026-06-12T23:30:00Z")
        let london = try formatter.format("{start}", locale: "en-GB", timeZone: zone("Europe/London"), arguments: ["start": .date(start)])
        let newYork = try formatter.format("{start}", locale: "en-GB", timeZone: zone("America/New_York"), arguments: ["start": .date(start)])
        #expect(london == "13/06/2026, 00:30")
        #expect(newYork == "12/06/2026, 19:30")
    }

    @Test func arabicAndChineseDates() throws {
        let start = instant("2026-06-12T08:30:00Z")
        let arabic = try formatter.format("{start, date, full}", locale: "ar-EG", timeZone: zone("Europe/London"), arguments: ["start": .date(start)])
        #expect(arabic == "الجمعة، ١٢ يونيو، ٢٠٢٦")
        let chinese = try formatter.format("{start, date, full}", locale: "zh-Hant", timeZone: zone("Asia/Hong_Kong"), arguments: ["start": .date(start)])
        #expect(chinese == "2026年6月12日 星期五")
        // Saudi Arabia's CLDR calendar is Hijri; letters stay Gregorian unless the tag asks.
        let saudi = try formatter.format("{start, date, long}", locale: "ar-SA", timeZone: zone("Asia/Riyadh"), arguments: ["start": .date(start)])
        #expect(saudi.contains("يونيو"))
    }

    @Test func fixedOffsetZones() throws {
        let start = instant("2026-06-12T08:30:00Z")
        let output = try formatter.format("{start, time, short}", locale: "en-GB", timeZone: TimeZone(secondsFromGMT: 3 * 3600)!, arguments: ["start": .date(start)])
        #expect(output == "11:30")
    }

    @Test func unknownTimeZoneIsAnError() {
        #expect(throws: MessageFormatError.self) {
            try CompiledMessage(pattern: "{start, date}", locale: "en", timeZone: "Mars/Olympus_Mons")
        }
    }
}

@Suite struct FormatErrorTests {
    let formatter = MessageFormatter()

    @Test func unclosedBraceIsLocated() {
        do {
            _ = try formatter.format("Dear\n{guardian, select, other {x}} {child", locale: "en", timeZone: zone("UTC"), arguments: [:])
            Issue.record("no error")
        } catch {
            #expect(error.code == "U_UNMATCHED_BRACES")
            #expect(error.offset == 35)
            #expect(error.line == 2)
            #expect(error.column == 31)
            #expect(error.message.contains("line 2, column 31"))
        }
    }

    @Test func unclosedPluralIsLocatedWhereICUSees() {
        do {
            _ = try formatter.format("Hello {n, plural, one {x} other {y}", locale: "en", timeZone: zone("UTC"), arguments: [:])
            Issue.record("no error")
        } catch {
            #expect(error.code == "U_PATTERN_SYNTAX_ERROR")
            #expect(error.offset == 17)
        }
    }

    @Test func syntaxErrorOffsetCountsCharacters() throws {
        // The emoji is two UTF-16 units but one character.
        do {
            try formatter.validate("👋 hello\n{a b}", locale: "en", timeZone: zone("UTC"))
            Issue.record("no error")
        } catch {
            #expect(error.code == "U_PATTERN_SYNTAX_ERROR")
            #expect(error.offset == 9)
            #expect(error.line == 2)
            #expect(error.column == 2)
        }
    }

    @Test func missingOtherNamesTheArgument() {
        do {
            _ = try formatter.format("Hi {k, plural, one {x} other {y}} {n, plural, one {# child}}", locale: "en", timeZone: zone("UTC"), arguments: ["n": .integer(1)])
            Issue.record("no error")
        } catch {
            #expect(error.code == "U_DEFAULT_KEYWORD_MISSING")
            #expect(error.message.contains("'n'"))
            #expect(error.offset == 34)
        }
    }

    @Test func unknownArgumentTypeIsLocated() {
        do {
            _ = try formatter.format("Hi {n, colour}", locale: "en", timeZone: zone("UTC"), arguments: [:])
            Issue.record("no error")
        } catch {
            #expect(error.offset == 3)
            #expect(error.message.contains("colour"))
        }
    }

    @Test func wrongValueTypeIsReported() {
        do {
            _ = try formatter.format("{n, plural, one {#} other {#}}", locale: "en", timeZone: zone("UTC"), arguments: ["n": .string("many")])
            Issue.record("no error")
        } catch {
            #expect(error.message.contains("'n'"))
        }
    }

    @Test func errorsAreCachedAndRepeatable() {
        for _ in 0..<3 {
            #expect(throws: MessageFormatError.self) {
                try formatter.format("{", locale: "en", timeZone: zone("UTC"), arguments: [:])
            }
        }
    }
}

@Suite struct ConcurrencyTests {
    static let zones = ["Europe/London", "America/New_York", "Asia/Tokyo", "Asia/Kolkata", "UTC", "Australia/Sydney"]
    static let locales: [LanguageTag] = ["en-GB", "ar-EG", "ru", "zh-Hant", "pl"]
    static let patterns = [
        "{start, date, long} {start, time, short}",
        "{n, plural, one {{start, date, ::EEEEdMMMM} {start, time, short}} other {# × {start, date, long} {start, time, short}}}",
        "{start} / {n, number}",
    ]

    @Test func manyTasksWithDifferentZones() async throws {
        let start = instant("2026-06-12T23:30:00Z")
        // Expected values, one at a time, each from a formatter of its own.
        var expected: [String: String] = [:]
        for zone in Self.zones {
            for locale in Self.locales {
                for (index, pattern) in Self.patterns.enumerated() {
                    let value = try MessageFormatter().format(pattern, locale: locale, timeZone: TimeZone(identifier: zone)!, arguments: ["start": .date(start), "n": .integer(index + 1)])
                    expected["\(zone)|\(locale)|\(index)"] = value
                }
            }
        }
        // The zone shows: London and New York disagree on the day.
        #expect(expected["Europe/London|en-GB|0"] == "13 June 2026 00:30")
        #expect(expected["America/New_York|en-GB|0"] == "12 June 2026 19:30")
        #expect(expected["Asia/Tokyo|en-GB|0"] == "13 June 2026 08:30")

        let shared = MessageFormatter()
        let results = try await withThrowingTaskGroup(of: (String, String, String).self) { group in
            for round in 0..<400 {
                let zone = Self.zones[round % Self.zones.count]
                let locale = Self.locales[(round / Self.zones.count) % Self.locales.count]
                let index = round % Self.patterns.count
                group.addTask {
                    let key = "\(zone)|\(locale)|\(index)"
                    let value = try shared.format(Self.patterns[index], locale: locale, timeZone: TimeZone(identifier: zone)!, arguments: ["start": .date(start), "n": .integer(index + 1)])
                    let formatted = LocaleFormatter(locale: locale, timeZone: TimeZone(identifier: zone)!).time(start)
                    return (key, value, formatted)
                }
            }
            var collected: [(String, String, String)] = []
            for try await result in group { collected.append(result) }
            return collected
        }
        #expect(results.count == 400)
        for (key, value, _) in results {
            #expect(value == expected[key], "\(key)")
        }
        let londonTimes = Set(results.filter { $0.0.hasPrefix("Europe/London|en-GB") }.map(\.2))
        #expect(londonTimes == ["00:30"])
    }
}

/// Values that are canonically equivalent but written differently (NFC and NFD) come out as they were given: the
/// memo of formatted texts tells them apart, though Swift's `==` on strings does not.
@Suite struct ExactValueTests {
    @Test func composedAndDecomposedNamesKeepTheirBytes() throws {
        let formatter = MessageFormatter()
        let composed = "Zo\u{EB}", decomposed = "Zoe\u{308}"
        #expect(composed == decomposed)  // Swift compares canonically
        let en = LanguageTag("en-GB"), zone = TimeZone(identifier: "Europe/London")!
        for name in [composed, decomposed, composed] {
            let text = try formatter.format("Dear {guardian},", locale: en, timeZone: zone, arguments: ["guardian": .string(name)])
            #expect(Array(text.utf8) == Array("Dear \(name),".utf8))
            let prepared = formatter.prepare("Hello {guardian}", locale: en, timeZone: zone)
            #expect(Array(try prepared.format(["guardian": .string(name)]).utf8) == Array("Hello \(name)".utf8))
        }
    }
}
