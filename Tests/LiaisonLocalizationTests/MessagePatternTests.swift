import Foundation
import LiaisonModel
import Testing

@testable import LiaisonLocalization

@Suite struct MessagePatternTests {
    typealias Argument = MessagePatternInfo.Argument

    @Test func listsArgumentsNestedToo() throws {
        let pattern = """
            Dear {guardian}, {children_count, plural, =0 {none} one {{child} on {start, date, long}} \
            other {# children: {children}}} {issue, selectordinal, one {#st} two {#nd} few {#rd} other {#th}} \
            {start, time, short} {days, number, integer} {relationship, select, mother {m} other {o}}
            """
        let info = try MessagePattern.analyze(pattern, locale: "en")
        #expect(info.arguments == [
            Argument(name: "guardian", kind: .simple),
            Argument(name: "children_count", kind: .plural, selectors: ["=0", "one", "other"]),
            Argument(name: "child", kind: .simple),
            Argument(name: "start", kind: .date, style: "long"),
            Argument(name: "children", kind: .simple),
            Argument(name: "issue", kind: .selectordinal, selectors: ["one", "two", "few", "other"]),
            Argument(name: "start", kind: .time, style: "short"),
            Argument(name: "days", kind: .number, style: "integer"),
            Argument(name: "relationship", kind: .select, selectors: ["mother", "other"]),
        ])
        #expect(info.argumentNames == ["guardian", "children_count", "child", "start", "children", "issue", "days", "relationship"])
        #expect(info.missingCategories.isEmpty)
        #expect(info.lacksOther.isEmpty)
    }

    @Test func russianWithOneAndOtherLacksFewAndMany() throws {
        let info = try MessagePattern.analyze("{children_count, plural, one {# ребёнок} other {# детей}}", locale: "ru")
        #expect(info.missingCategories == [.init(argument: "children_count", kind: .plural, missing: ["few", "many"])])
        #expect(info.lacksOther.isEmpty)
    }

    @Test func explicitValuesDoNotCountAsCategories() throws {
        let info = try MessagePattern.analyze(
            "{n, plural, =0 {a} =1 {b} =2 {c} few {d} many {e} other {f}}", locale: "ar")
        #expect(info.missingCategories == [.init(argument: "n", kind: .plural, missing: ["zero", "one", "two"])])
    }

    @Test func ordinalCategories() throws {
        let info = try MessagePattern.analyze("{n, selectordinal, one {#st} other {#th}}", locale: "en")
        #expect(info.missingCategories == [.init(argument: "n", kind: .selectordinal, missing: ["two", "few"])])
        let welsh = try MessagePattern.analyze("{n, selectordinal, other {#}}", locale: "cy")
        #expect(welsh.missingCategories.first?.missing == ["zero", "one", "two", "few", "many"])
    }

    @Test func categoriesOnlyMillionsOrDecimalsTakeAreNotRequired() throws {
        // French `many` is for "1 000 000 de …"; Lithuanian `many` only for decimals.
        #expect(try MessagePattern.analyze("{n, plural, one {# enfant} other {# enfants}}", locale: "fr").missingCategories.isEmpty)
        #expect(PluralRules.categories(for: "fr") == ["one", "many", "other"])
        #expect(PluralRules.requiredCategories(for: "fr") == ["one", "other"])
        #expect(PluralRules.requiredCategories(for: "lt") == ["one", "few", "other"])
        #expect(PluralRules.requiredCategories(for: "ru") == ["one", "few", "many"])
    }

    @Test func lacksOtherIsReportedNotThrown() throws {
        let info = try MessagePattern.analyze(
            "{n, plural, one {# child}} and {r, select, mother {m}} {k, plural, one {x} other {y}}", locale: "en")
        #expect(info.lacksOther == ["n", "r"])
        #expect(info.arguments.map(\.selectors) == [["one"], ["mother"], ["one", "other"]])
        let nested = try MessagePattern.analyze("{a, select, x {{n, plural, one {#}}} other {y}}", locale: "en")
        #expect(nested.lacksOther == ["n"])
        #expect(nested.arguments.map(\.name) == ["a", "n"])
    }

    @Test func quotingIsRespected() throws {
        let info = try MessagePattern.analyze("It''s '{not_an_argument}' {n, plural, one {'#' {x}} other {#}}", locale: "en")
        #expect(info.argumentNames == ["n", "x"])
    }

    @Test func syntaxErrorThrowsWithPlace() {
        do {
            _ = try MessagePattern.analyze("Hello\n{n, plural, one {x} other {y}} {a b}", locale: "en")
            Issue.record("no error")
        } catch {
            #expect(error.code == "U_PATTERN_SYNTAX_ERROR")
            #expect(error.offset == 38)
            #expect(error.line == 2)
            #expect(error.column == 33)
        }
    }

    @Test func unknownTypeThrowsWithPlace() {
        do {
            _ = try MessagePattern.analyze("Hi {n, colour}", locale: "en")
            Issue.record("no error")
        } catch {
            #expect(error.offset == 3)
            #expect(error.message.contains("colour"))
        }
    }
}

@Suite struct PluralRulesTests {
    @Test func cardinalCategories() {
        #expect(PluralRules.categories(for: "ar") == ["zero", "one", "two", "few", "many", "other"])
        #expect(PluralRules.orderedCategories(for: "ar") == ["zero", "one", "two", "few", "many", "other"])
        #expect(PluralRules.categories(for: "ru") == ["one", "few", "many", "other"])
        #expect(PluralRules.categories(for: "pl") == ["one", "few", "many", "other"])
        #expect(PluralRules.categories(for: "cy") == ["zero", "one", "two", "few", "many", "other"])
        #expect(PluralRules.categories(for: "zh") == ["other"])
        #expect(PluralRules.categories(for: "zh-Hant-HK") == ["other"])
        #expect(PluralRules.categories(for: "en") == ["one", "other"])
    }

    @Test func selection() {
        #expect(PluralRules.category(of: 0, locale: "ar") == "zero")
        #expect(PluralRules.category(of: 3, locale: "ar") == "few")
        #expect(PluralRules.category(of: 11, locale: "ar") == "many")
        #expect(PluralRules.category(of: 100, locale: "ar") == "other")
        #expect(PluralRules.category(of: 1.5, locale: "ru") == "other")
        #expect(PluralRules.category(of: 6, locale: "cy") == "many")
        #expect(PluralRules.category(of: 3, locale: "en", ordinal: true) == "few")
    }
}

@Suite struct TextDirectionTests {
    @Test(arguments: ["ar", "ar-EG", "fa", "fa-AF", "ur", "he", "ps", "ckb", "yi", "dv", "ug", "sd", "az-Arab", "pa-Arab"])
    func rightToLeft(tag: String) {
        #expect(TextDirection(for: LanguageTag(tag)!) == .rtl)
    }

    @Test(arguments: ["en", "zh-Hant", "zh-Hans", "az", "sr-Latn", "so", "ru", "hi", "pa"])
    func leftToRight(tag: String) {
        #expect(TextDirection(for: LanguageTag(tag)!) == .ltr)
    }
}
