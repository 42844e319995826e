import Foundation
@testable import LiaisonInputs
import LiaisonModel
import Testing

/// A form written as an XLSForm (ODK, KoboToolbox), as a workbook or saved one CSV per sheet: the questions Liaison
/// asks, labels per language from `label::Language (code)` columns, and what it cannot ask refused at its line and column.
struct XLSFormTests {
    let school = School(name: "Riverside", defaultLocale: "en", timeZone: TimeZone(identifier: "Europe/London")!)
    /// Workbooks written by openpyxl and XlsxWriter (Fixtures/xlsform/make_fixtures.py).
    static let workbooks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/xlsform").path

    @Test(arguments: ["spring.xlsx", "spring-xlsxwriter.xlsx"])
    func aWorkbookIsReadAsItsSheets(file: String) throws {
        let (form, diagnostics) = XLSFormLoader.load(path: Self.workbooks + "/" + file, school: school)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let read = try #require(form)
        #expect(read.id == file.replacingOccurrences(of: ".xlsx", with: ""))
        #expect(read.privacy == .anonymous && read.minGroup == 6, "the settings sheet (named Settings) and its number cell")
        #expect(read.questions.map(\.id) == ["welcome", "recommend", "informed", "contact", "better"])
        #expect(read.questions.map(\.kind) == [.scale5, .rating10, .single, .multiple, .longText])
        #expect(read.questions.map(\.required) == [true, false, true, false, false], "a TRUE cell and a yes")
        guard case .inline(let welcome) = read.questions[0].text else { Issue.record("no inline label"); return }
        #expect(welcome.base == "My child is made welcome")
        #expect(welcome.translations["so"] == "Ilmahayga waa la soo dhoweeyaa" && welcome.translations["ar"] == "يُرحَّب بطفلي")
        #expect(read.questions[3].choices.map(\.id) == ["email", "sms"])
        #expect(read.origin?.file.hasSuffix(file) == true)
    }

    @Test func aWorkbookThatCannotBeReadSaysWhy() {
        let (none, missing) = XLSFormLoader.load(path: Self.workbooks + "/no-survey.xlsx", school: school)
        #expect(none == nil && missing.contains { $0.code == "form.missing-sheet" && $0.message.contains("questions") }, "\(missing)")
        let (big, oversized) = XLSFormLoader.load(path: Self.workbooks + "/oversized.xlsx", school: school)
        #expect(big == nil && oversized.contains { $0.code == "form.unreadable" && $0.message.contains("16 MB") }, "\(oversized)")
        let (laughs, entities) = XLSFormLoader.load(path: Self.workbooks + "/entities.xlsx", school: school)
        #expect(laughs == nil && entities.contains { $0.code == "form.unreadable" && $0.message.contains("document type") }, "\(entities)")
        // Damaged or hostile workbooks fail with a reason, never a hang, a crash or gigabytes of memory.
        for (file, reason) in [
            ("utf16.xlsx", "not UTF-8"), ("ebcdic.xlsx", "not UTF-8"), ("utf7.xlsx", "not UTF-8"), ("row-overflow.xlsx", "row numbered"),
            ("wide.xlsx", "2000000 cells"),
            ("cut-stream.xlsx", "does not end properly"),
        ] {
            let (form, problems) = XLSFormLoader.load(path: Self.workbooks + "/" + file, school: school)
            #expect(form == nil && problems.contains { $0.code == "form.unreadable" && $0.message.contains(reason) }, "\(file): \(problems)")
        }
        let fixture = Fixture()
        let text = fixture.write("forms/typed.xlsx", "type,name,label\ntext,ok,Fine?\n")
        let (notZip, unreadable) = XLSFormLoader.load(path: text, school: school)
        #expect(notZip == nil && unreadable.contains { $0.code == "form.unreadable" && $0.location?.file == text }, "\(unreadable)")
    }

    @Test func aProblemInAWorkbookIsReportedAtItsSheetRowAndColumn() throws {
        // Rows keep the sheet's numbers, blank rows and all: the table a workbook's sheet becomes.
        let table = try XLSXReader.table(
            [(1, [1: "type", 2: "name", 3: "label"]), (3, [1: "range", 2: "size", 3: "How big?", 4: "ignored"]), (4, [:])],
            file: "forms/x.xlsx#survey", limits: .standard)
        #expect(table.header == ["type", "name", "label"] && table.records.map(\.line) == [3])
        #expect(table.location(of: "label", in: table.records[0]).description.contains("forms/x.xlsx#survey:3"))
        #expect(XLSXReader.unescaped("Line_x000D_two _x005F_x0041_ a_x_b") == "Line\rtwo _x0041_ a_x_b")
        #expect(XLSXReader.column(of: "AA12") == 27 && XLSXReader.column(of: "C5") == 3 && XLSXReader.column(of: "12") == nil)
    }

    @Test func aSurveySheetWithChoicesAndSettingsIsAForm() throws {
        let fixture = Fixture()
        let path = fixture.write("forms/spring.csv", """
            type,name,label::English (en),label::Somali (so),required,appearance,parameters
            note,intro,Thank you for taking part,Mahadsanid,,,
            range,welcome,My child is made welcome,Ilmahayga waa la soo dhoweeyaa,yes,,start=1 end=5
            range,recommend,Would you recommend the school?,Ma ku talin lahayd dugsiga?,,,start=0 end=10 step=1
            select_one yes_no,informed,I feel informed,Waan la socdaa,true,,
            select_multiple contact,contact,How should we reach you?,Sideen kula soo xiriirnaa?,,,
            text,better,What could we do better?,Maxaan si fiican u samayn karnaa?,,multiline,
            text,name_of_club,A club you would like,,,,
            """)
        fixture.write("forms/spring.choices.csv", """
            list_name,name,label::English (en),label::Somali (so)
            yes_no,yes,Yes,Haa
            yes_no,no,No,Maya
            contact,email,E-mail,Iimayl
            contact,sms,"Text message, SMS",Fariin qoraal ah
            """)
        fixture.write("forms/spring.settings.csv", "form_title,privacy,min_group\nSpring,anonymous,6\n")
        let (form, diagnostics) = XLSFormLoader.load(path: path, school: school)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let read = try #require(form)
        #expect(read.id == "spring" && read.privacy == .anonymous && read.minGroup == 6 && read.minGroupText == 10)
        #expect(read.questions.map(\.id) == ["welcome", "recommend", "informed", "contact", "better", "name_of_club"])
        #expect(read.questions.map(\.kind) == [.scale5, .rating10, .single, .multiple, .longText, .shortText])
        #expect(read.questions.map(\.required) == [true, false, true, false, false, false])
        guard case .inline(let welcome) = read.questions[0].text else { Issue.record("no inline label"); return }
        #expect(welcome.base == "My child is made welcome" && welcome.translations["so"] == "Ilmahayga waa la soo dhoweeyaa")
        #expect(read.questions[3].choices.map(\.id) == ["email", "sms"])
        guard case .inline(let sms) = read.questions[3].choices[1].text else { Issue.record("no inline choice"); return }
        #expect(sms.base == "Text message, SMS")
        // A label in the school's language only: Somali readers get it marked as English.
        guard case .inline(let club) = read.questions[5].text else { Issue.record("no inline label"); return }
        #expect(club.translations["so"] == nil)
    }

    @Test func whatLiaisonCannotAskIsRefusedAtItsLine() {
        let fixture = Fixture()
        let path = fixture.write("forms/bad.csv", """
            type,name,label,parameters
            integer,age,How old is your child?,
            select_one colours,colour,Favourite colour,
            range,scale,How much,start=1 end=7
            text,bad name,Name,
            text,ok,,
            """)
        fixture.write("forms/bad.choices.csv", "list_name,name,label\nsizes,s,Small\n")
        let (form, diagnostics) = XLSFormLoader.load(path: path, school: school)
        #expect(form == nil)
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.code) == ["form.unsupported-type", "form.unknown-list", "form.unsupported-type", "form.invalid-id", "form.missing-key"])
        #expect(errors.map(\.location?.line) == [2, 3, 4, 5, 6])
        #expect(diagnostics.contains { $0.code == "form.unused-list" && $0.location?.file.hasSuffix("bad.choices.csv") == true })
    }

    @Test func aSurveyEventNamesItsXLSForm() throws {
        let fixture = Fixture()
        fixture.write("forms/quick.csv", "type,name,label\nselect_one yn,ok,All well?\n")
        fixture.write("forms/quick.choices.csv", "list_name,name,label\nyn,yes,Yes\nyn,no,No\n")
        let events = fixture.write("events.yaml", """
            events:
              - id: quick
                kind: survey
                title: Quick survey
                start: 2027-03-01T17:00
                audience: everyone
                template: survey
                form: forms/quick.csv
            """)
        let (loaded, diagnostics) = ScheduleLoader.load(path: events, school: school)
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        let survey = try #require(loaded.first?.survey)
        #expect(survey.form.questions.map(\.id) == ["ok"] && survey.form.questions[0].choices.count == 2)
    }
}
