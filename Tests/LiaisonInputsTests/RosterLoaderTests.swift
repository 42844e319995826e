import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

@Suite struct RosterLoaderTests {
    func write(_ fixture: Fixture, families: String, guardians: String, students: String, guardianships: String) -> RosterFiles {
        RosterFiles(
            families: fixture.write("roster/families.csv", families),
            guardians: fixture.write("roster/guardians.csv", guardians),
            students: fixture.write("roster/students.csv", students),
            guardianships: fixture.write("roster/guardianships.csv", guardianships))
    }

    @Test func goodRoster() throws {
        let fixture = Fixture()
        let files = write(
            fixture,
            families: "family_id,family_name\nF001,Haddad\nF002,Chen\nF003,Okafor\n",
            guardians: """
                guardian_id,family_id,given_name,family_name,email,phone,chat_id,language,channels,time_zone,quiet_hours\r
                G001,F001,Layla,Haddad,layla.haddad@Example.NET,+44 7700 900101,,ar,email;sms,,21:00-07:00\r
                G002,F002,Wei,Chen,,(+852) 9123-4567,,zh_hant_hk,,Asia/Hong_Kong,\r
                G003,F003,Ada,Okafor,,,ada#chat,yo,,,\r
                G004,F001,Omar,Haddad,omar@example.net,+447700900104,,ar,"SMS, Email | voice",,\r

                """,
            students: "student_id,given_name,family_name,grade,class\nS001,Yusuf,Haddad,3,3A\nS002,Mei,Chen,5,5B\nS003,Tobi,Okafor,5,5A",
            guardianships: "guardian_id,student_id,relationship,primary\nG001,S001,mother,yes\nG004,S001,father,no\nG002,S002,father,TRUE\nG003,S003,,1\n")
        let (roster, diagnostics) = RosterLoader.load(files)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        #expect(roster.families.map(\.id) == ["F001", "F002", "F003"])
        #expect(roster.guardians.map(\.id) == ["G001", "G002", "G003", "G004"])
        let layla = try #require(roster.guardian("G001"))
        #expect(layla.email == "layla.haddad@example.net")
        #expect(layla.phone == "+447700900101")
        #expect(layla.channels == [.email, .sms])
        #expect(layla.quietHours?.description == "21:00-07:00")
        #expect(layla.origin?.line == 2)
        #expect(layla.origin?.file == files.guardians)
        let wei = try #require(roster.guardian("G002"))
        #expect(wei.phone == "+85291234567")
        #expect(wei.channels == [.sms])
        #expect(wei.language.rawValue == "zh-Hant-HK")
        #expect(wei.timeZone?.identifier == "Asia/Hong_Kong")
        #expect(roster.guardian("G003")?.channels == [.chat])
        #expect(roster.guardian("G003")?.chatID == "ada#chat")
        #expect(roster.guardian("G004")?.channels == [.sms, .email, .voice])
        #expect(roster.students.map(\.className) == ["3A", "5B", "5A"])
        #expect(roster.guardians(of: "S001").map(\.id) == ["G001", "G004"])
        #expect(roster.guardianships.first { $0.studentID == "S002" }?.isPrimary == true)
        #expect(roster.guardianships.first { $0.studentID == "S003" }?.relationship == nil)
    }

    @Test func everyRosterProblemHasItsLineAndField() throws {
        let fixture = Fixture()
        let files = write(
            fixture,
            families: "family_id,family_name\nF001,Haddad\nF002,Chen\nF001,Again\n,Nobody\n",
            guardians: """
                guardian_id,family_id,given_name,family_name,email,phone,chat_id,language,channels,time_zone,quiet_hours,nickname
                G001,F001,Layla,Haddad,layla@example.net,+447700900101,,ar,email;sms,,21:00-07:00,
                G002,F009,Wei,Chen,wei@example.net,,,zh,,,,
                G003,F002,,Chen,ming@example.net,,,zh,,,,
                G004,F002,Ann,Chen,ann@@example,,,en,,,,
                G005,F002,Bo,Chen,,0044 7700 900105,,en,,,,
                G006,F002,Cy,Chen,cy@example.net,,,english!,,,,
                G007,F002,Di,Chen,di@example.net,,,en,email;fax,,,
                G008,F002,Ed,Chen,ed@example.net,,,en,sms,,,
                G009,F002,Flo,Chen,,,,en,,,,
                G010,F002,Gus,Chen,gus@example.net,,,en,,Mars/Base,,
                G011,F002,Hal,Chen,hal@example.net,,,en,,,9pm-7am,
                G001,F002,Ivy,Chen,ivy@example.net,,,en,,,,
                G012,F002,Joy,Chen,joy@example.net,,,en,,,,

                """,
            students: "student_id,given_name,family_name,grade,class\nS001,Yusuf,Haddad,3,3A\nS002,Mei,Chen,5,5B\nS003,Tobi,Okafor,5,5A\nS002,Dup,Chen,5,5B\nS004,,X,1,1A\n",
            guardianships: "guardian_id,student_id,relationship,primary\nG001,S001,mother,no\nG002,S001,father,no\nG099,S002,aunt,yes\nG001,S099,mother,yes\nG001,S002,mother,maybe\nG001,S001,mother,yes\n")
        let (roster, d) = RosterLoader.load(files)
        let expected: [(String, String, Int, String?)] = [
            ("roster.duplicate-id", "families.csv", 4, "family_id"),
            ("roster.missing-value", "families.csv", 5, "family_id"),
            ("csv.unknown-column", "guardians.csv", 1, "nickname"),
            ("roster.unknown-family", "guardians.csv", 3, "family_id"),
            ("roster.missing-value", "guardians.csv", 4, "given_name"),
            ("roster.invalid-email", "guardians.csv", 5, "email"),
            ("roster.invalid-phone", "guardians.csv", 6, "phone"),
            ("roster.invalid-language", "guardians.csv", 7, "language"),
            ("roster.invalid-channel", "guardians.csv", 8, "channels"),
            ("roster.no-address", "guardians.csv", 9, "channels"),
            ("roster.no-contact", "guardians.csv", 10, nil),
            ("roster.invalid-time-zone", "guardians.csv", 11, "time_zone"),
            ("roster.invalid-quiet-hours", "guardians.csv", 12, "quiet_hours"),
            ("roster.duplicate-id", "guardians.csv", 13, "guardian_id"),
            ("roster.guardian-without-students", "guardians.csv", 14, "guardian_id"),
            ("roster.student-without-guardians", "students.csv", 4, "student_id"),
            ("roster.duplicate-id", "students.csv", 5, "student_id"),
            ("roster.missing-value", "students.csv", 6, "given_name"),
            ("roster.unknown-guardian", "guardianships.csv", 4, "guardian_id"),
            ("roster.unknown-student", "guardianships.csv", 5, "student_id"),
            ("roster.invalid-boolean", "guardianships.csv", 6, "primary"),
            ("roster.duplicate-id", "guardianships.csv", 7, "student_id"),
            ("roster.no-primary", "guardianships.csv", 2, "primary"),
        ]
        for (code, file, line, field) in expected {
            #expect(d.has(code, line: line, field: field, file: file), "missing \(code) \(file):\(line) [\(field ?? "-")]\n\(d.listing)")
        }
        #expect(d.first { $0.code == "roster.duplicate-id" && $0.location?.file == files.families }?.message.contains("line 2") == true)
        #expect(d.first("roster.invalid-channel")?.message.contains("fax") == true)
        #expect(d.first("roster.invalid-email")?.message.contains("more than one @") == true)
        let warnings = Set(d.filter { $0.severity == .warning }.codes)
        #expect(warnings == ["csv.unknown-column", "roster.guardian-without-students", "roster.student-without-guardians", "roster.no-primary"])
        // Rows with errors are left out; a link to a guardian left out for its own error is not reported again.
        #expect(roster.guardians.map(\.id) == ["G001", "G012"])
        #expect(roster.families.map(\.id) == ["F001", "F002"])
        #expect(roster.students.map(\.id) == ["S001", "S002", "S003"])
        #expect(roster.guardianships.count == 1)
        #expect(!d.has("roster.unknown-guardian", line: 3))
    }

    /// A roster large enough that guardians' rows are checked in slices at the same time: repeated ids (across
    /// slices and within one), bad rows in every slice and a row without an id are all reported in file order,
    /// with the first use of an id kept, exactly as one pass over the file would.
    @Test func largeRostersReportInFileOrder() {
        let fixture = Fixture()
        let count = 4_000
        var guardians = "guardian_id,family_id,given_name,family_name,email,language\n"
        var expected: [(line: Int, code: String)] = []
        var kept: [String] = []
        var used: Set<String> = []
        for index in 0..<count {
            let line = index + 2
            var id = String(format: "G%05d", index)
            var email = "p\(index)@example.net"
            var language = "en"
            switch index {
            case 3_500, 3_999: id = "G00010"  // an id from the first slice, used again near the end
            case 2_001: id = "G02000"  // again at once, within a slice
            case 1_999: id = ""
            default: break
            }
            if index % 997 == 5 { email = "not an address" }
            if index % 1_301 == 7 { language = "??" }
            guardians += "\(id),F1,Name\(index),Family,\(email),\(language)\n"
            if id.isEmpty {
                expected.append((line, "roster.missing-value"))
                if index % 997 == 5 { expected.append((line, "roster.invalid-email")) }
                if index % 1_301 == 7 { expected.append((line, "roster.invalid-language")) }
                continue
            }
            if used.contains(id) {
                expected.append((line, "roster.duplicate-id"))
                continue
            }
            used.insert(id)
            var ok = true
            if index % 997 == 5 { expected.append((line, "roster.invalid-email")); ok = false }
            if index % 1_301 == 7 { expected.append((line, "roster.invalid-language")); ok = false }
            if ok { kept.append(id) }
        }
        let links = "guardian_id,student_id,relationship,primary\n" + kept.map { "\($0),S1,parent,no\n" }.joined()
        let files = write(
            fixture, families: "family_id,family_name\nF1,Family\n", guardians: guardians,
            students: "student_id,given_name,family_name,grade,class\nS1,Child,Family,1,1A\n", guardianships: links)
        let (roster, diagnostics) = RosterLoader.load(files)
        let found = diagnostics.filter { $0.location?.file == files.guardians }.map { ($0.location?.line ?? 0, $0.code) }
        #expect(found.map(\.0) == expected.map(\.line))
        #expect(found.map(\.1) == expected.map(\.code))
        #expect(roster.guardians.map(\.id) == kept)
    }

    @Test func missingColumnMakesTheFileUnusable() {
        let fixture = Fixture()
        let files = write(
            fixture,
            families: "family_id\nF001\n",
            guardians: "guardian_id,family_id,given_name,email,lang\nG001,F001,Ann,ann@example.net,en\n",
            students: "student_id,given_name,grade,class\nS001,Bo,1,1A\n",
            guardianships: "guardian_id,student_id\nG001,S001\n")
        let (roster, d) = RosterLoader.load(files)
        let missing = d.first("csv.missing-column")
        #expect(missing?.location?.line == 1)
        #expect(missing?.location?.field == "language")
        #expect(missing?.message.contains("lang") == true)
        #expect(roster.guardians.isEmpty)
        // The guardian id is still known, so the link is not called unknown.
        #expect(!d.codes.contains("roster.unknown-guardian"))
    }

    @Test func missingRosterFileIsReported() {
        let fixture = Fixture()
        var files = write(fixture, families: "family_id\nF1\n", guardians: "x\n", students: "x\n", guardianships: "x\n")
        files.students = fixture.path("roster/nope.csv")
        let (_, d) = RosterLoader.load(files)
        #expect(d.has("config.missing-file", file: "nope.csv"))
    }

    @Test func phoneNormalisation() {
        #expect(RosterLoader.normalizedPhone("+44 (0)20") == nil)
        #expect(RosterLoader.normalizedPhone("+44 20 7946-0000") == "+442079460000")
        #expect(RosterLoader.normalizedPhone("+1 (555) 010.9999") == "+15550109999")
        #expect(RosterLoader.normalizedPhone("07700900123") == nil)
        #expect(RosterLoader.normalizedPhone("+1234567") == nil)
        #expect(RosterLoader.normalizedPhone("+1234567890123456") == nil)
        #expect(RosterLoader.normalizedPhone("+44 7700 9001a1") == nil)
        #expect(RosterLoader.normalizedPhone("+44\u{00A0}7700\u{2011}900123") == "+447700900123")
    }

    /// The byte-level reading of ASCII numbers gives what the character-level one does.
    @Test func asciiPhonesReadLikeCharacters() {
        let pieces = ["+", "+44", "0", "7", "7700", "900", " ", "-", ".", "(", ")", "\t", "\r\n", "a", "12345678901234"]
        var generator = SystemRandomNumberGenerator()
        var numbers = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 1...7, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let fast = RosterLoader.normalizedASCIIPhone(text)
            #expect(fast.map { $0.isEmpty ? nil : $0 } == .some(RosterLoader.normalizedPhoneByCharacter(text)), "\(text)")
            if fast?.isEmpty == false { numbers += 1 }
        }
        #expect(numbers > 100)
    }

    @Test func booleansAndChannelLists() {
        #expect(RosterLoader.boolean("Yes") == true)
        #expect(RosterLoader.boolean("FALSE") == false)
        #expect(RosterLoader.boolean("") == false)
        #expect(RosterLoader.boolean("maybe") == nil)
        #expect(RosterLoader.channelNames("Email; SMS|voice ,chat") == ["email", "sms", "voice", "chat"])
    }
}

@Suite struct SuggestionTests {
    /// Equally close names: the same suggestion whatever order the candidates come in (a set's order changes per run).
    @Test func tiesAreBrokenBySortedOrder() {
        let candidates = ["G019", "G009", "G090", "G199", "X123"]
        for _ in 0..<50 {
            #expect(Support.suggestion(for: "G099", among: candidates.shuffled()) == "G009")
        }
        #expect(Support.suggestion(for: "G099", among: Set(candidates)) == "G009")
        #expect(Support.suggestion(for: "guardain_id", among: ["guardian_id", "family_id"].shuffled()) == "guardian_id")
        #expect(Support.suggestion(for: "zzzz", among: candidates) == nil)
    }
}

@Suite struct LanguageNameTests {

    /// Issue 16: language names typed where a tag belongs are read as their tag with a warning at the field; a word
    /// that is neither is refused at its line, never a silent letter in the school's default language.
    @Test func languageNamesAreReadAsTheirTags() throws {
        let fixture = Fixture()
        let names = ["Arabic", "farsi", "Somali", "العربية", "Tiếng Việt", "Chinese (Traditional)", "Mandarin", "ar", "Klingonese"]
        let rows = names.enumerated().map { index, name in "G\(index),F1,Name,Family,g\(index)@example.net,\"\(name)\"" }
        let files = RosterLoaderTests().write(
            fixture, families: "family_id,family_name\nF1,Family\n",
            guardians: "guardian_id,family_id,given_name,family_name,email,language\n" + rows.joined(separator: "\n") + "\n",
            students: "student_id,given_name,family_name,grade,class\nS1,Kid,Family,1,1A\n",
            guardianships: "guardian_id,student_id,relationship,primary\nG0,S1,mother,yes\n")
        let (roster, diagnostics) = RosterLoader.load(files)
        let read = roster.guardians.map { "\($0.id)=\($0.language)" }
        #expect(read == ["G0=ar", "G1=fa", "G2=so", "G3=ar", "G4=vi", "G5=zh-Hant", "G6=zh", "G7=ar"])
        let warned = diagnostics.filter { $0.code == "roster.language-name" }
        #expect(warned.count == 7 && warned.allSatisfy { $0.severity == .warning && $0.location?.field == "language" })
        #expect(warned.first?.location?.line == 2 && warned.first?.message.contains("read as ar") == true)
        let refused = try #require(diagnostics.first { $0.code == "roster.invalid-language" })
        #expect(refused.severity == .error && refused.location?.line == 10 && refused.message.contains("Klingonese"))
    }
}
