import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

@Suite struct ProgressLoaderTests {
    @Test func progressRecordsAndProblems() throws {
        let fixture = Fixture()
        let path = fixture.write("progress.csv", """
            student_id,subject,mark,comment,teacher
            S001,Mathematics,A,"Confident with fractions, careful with units.",Ms Okafor
            S001,English,B+,,
            S002,,A,x,
            S001,mathematics,A-,"Again,
            on two lines",Mr X

            """)
        let (records, d) = ProgressLoader.load(path: path)
        #expect(records.count == 3)
        #expect(records[0].comment.base == "Confident with fractions, careful with units.")
        #expect(records[0].teacher == "Ms Okafor")
        #expect(records[0].origin?.line == 2)
        #expect(records[1].teacher == nil)
        #expect(records[1].comment.base == "")
        #expect(records[2].comment.base == "Again,\non two lines")
        #expect(d.has("progress.missing-value", line: 4, field: "subject"))
        #expect(d.has("progress.duplicate", line: 5, field: "subject"))
        #expect(d.first("progress.duplicate")?.severity == .warning)
        #expect(d.first("progress.duplicate")?.message.contains("line 2") == true)
        #expect(d.count == 2)
    }

    @Test func missingAndUnknownColumns() {
        let fixture = Fixture()
        let path = fixture.write("progress.csv", "student_id,subject,mark,teacher,grade\nS001,Maths,A,Ms O,5\n")
        let (records, d) = ProgressLoader.load(path: path)
        #expect(records.isEmpty)
        #expect(d.has("csv.missing-column", line: 1, field: "comment"))
        #expect(d.has("csv.unknown-column", line: 1, field: "grade"))
    }

    @Test func teacherColumnIsOptional() {
        let fixture = Fixture()
        let path = fixture.write("progress.csv", "\u{FEFF}student_id,subject,mark,comment\r\nS001,Maths,A,Good\r\n")
        let (records, d) = ProgressLoader.load(path: path)
        #expect(d.isEmpty)
        #expect(records == [ProgressRecord(studentID: "S001", subject: "Maths", mark: "A", comment: "Good", teacher: nil, origin: records.first?.origin)])
    }

    @Test("Subjects and comments may carry versions per language in subject:TAG and comment:TAG columns")
    func versionsPerLanguage() {
        let fixture = Fixture()
        let path = fixture.write(
            "progress.csv",
            "student_id,subject,mark,comment,Subject:SO,comment:so,comment:ar-EG,comment:zz-?,comment:ar_EG\n"
                + "S001,Maths,A,Good work,Xisaab,Shaqo fiican,عمل جيد,x,again\n"
                + "S002,Science,B,Careful,,,,,\n")
        let (records, d) = ProgressLoader.load(path: path)
        #expect(records.count == 2)
        #expect(records.first?.subject == LocalizedText("Maths", translations: ["so": "Xisaab"]))
        #expect(records.first?.comment == LocalizedText("Good work", translations: ["so": "Shaqo fiican", "ar-EG": "عمل جيد"]))
        // Empty cells are no version.
        #expect(records.last?.comment == LocalizedText("Careful"))
        #expect(d.has("csv.unknown-column", line: 1, field: "comment:zz-?"))
        #expect(d.has("csv.duplicate-column", line: 1, field: "comment:ar_EG"))
        #expect(d.count == 2)
    }
}
