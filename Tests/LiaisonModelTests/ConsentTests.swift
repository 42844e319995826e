import Foundation
import LiaisonModel
import Testing

/// Permission slips' pure rules: reading a posted slip, the latest answer per child, the tally by class.
struct ConsentTests {
    let yusuf = Student(id: "S1", givenName: "Yusuf", familyName: "Haddad", grade: "4", className: "4A")
    let mariam = Student(id: "S2", givenName: "Mariam", familyName: "Haddad", grade: "4", className: "4B")
    let tom = Student(id: "S3", givenName: "Tom", familyName: "Smith", grade: "4", className: "4B")

    @Test func aPostedSlipKeepsOnlyTheHouseholdsChildrenAndACleanName() {
        let answer = ConsentAnswer(
            fields: ["c.S1": ["given"], "c.S2": ["no"], "c.S3": ["given"], "name": ["  Layla\u{202E}\tHaddad\u{0007}\n "]],
            children: [yusuf, mariam])
        #expect(answer.decisions == ["S1": .given], "an unknown value and another household's child are ignored")
        #expect(answer.typedName == "Layla Haddad", "direction and control characters go; white space runs become one space")
        #expect(answer.problems.isEmpty)
    }

    @Test func aSlipWithoutANameOrAChoiceOrWithALongNameHasProblems() {
        #expect(ConsentAnswer(fields: ["name": ["Layla"]], children: [yusuf]).problems == [.noChoice])
        #expect(ConsentAnswer(fields: ["c.S1": ["refused"], "name": [" \u{200B}"]], children: [yusuf]).problems == [.noName])
        #expect(ConsentAnswer(fields: ["c.S1": ["given"], "name": ["محمد\u{200C}رضا"]], children: [yusuf]).typedName == "محمد\u{200C}رضا", "a Persian name keeps its joiner")
        #expect(ConsentAnswer(fields: ["c.S1": ["refused"]], children: [yusuf]).problems == [.noName])
        let long = String(repeating: "é", count: ConsentAnswer.maxNameLength + 1)
        #expect(ConsentAnswer(fields: ["c.S1": ["given"], "name": [long]], children: [yusuf]).problems == [.nameTooLong])
    }

    @Test func theLatestAnswerCountsAndTheTallyIsByClass() {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        func record(_ student: String, _ family: String, _ decision: ConsentDecision, _ seconds: TimeInterval) -> ConsentRecord {
            ConsentRecord(eventID: "trip", studentID: student, familyID: family, guardianID: "G", decision: decision, typedName: "N", answeredAt: at + seconds)
        }
        let records = [record("S2", "F1", .refused, 0), record("S1", "F1", .given, 10), record("S2", "F1", .given, 20)]
        #expect(ConsentTally.current(records)["S2"]?.decision == .given)
        #expect(ConsentTally.current(records.reversed())["S2"]?.decision == .given, "by time, not by order")
        let layla = Guardian(id: "G1", familyID: "F1", givenName: "Layla", familyName: "Haddad", language: "ar")
        let omar = Guardian(id: "G9", familyID: "F9", givenName: "Omar", familyName: "Haddad", language: "ar")
        let anna = Guardian(id: "G2", familyID: "F2", givenName: "Anna", familyName: "Smith", language: "en")
        // Mariam's father lives apart (family F9): both households are reached about her.
        let recipients = [
            Recipient(guardian: layla, students: [yusuf, mariam]), Recipient(guardian: omar, students: [mariam]),
            Recipient(guardian: anna, students: [tom]),
        ]
        let tally = ConsentTally(recipients: recipients, records: records)
        // Mariam's other home refuses later: the refusal counts, and the two homes disagree.
        let refused = ConsentTally(recipients: recipients, records: records + [record("S2", "F9", .refused, 30)])
        #expect(refused.children[1].answer?.decision == .refused && refused.children[1].conflict)
        let agreed = ConsentTally(recipients: recipients, records: records + [record("S2", "F9", .refused, 30), record("S2", "F9", .given, 40)])
        #expect(agreed.children[1].answer?.decision == .given && !agreed.children[1].conflict)
        #expect(tally.children.map(\.student.id) == ["S1", "S2", "S3"])
        #expect(tally.children[1].familyIDs == ["F1", "F9"])
        #expect(tally.outstanding.map(\.student.id) == ["S3"])
        #expect(tally.outstandingHouseholds == ["F2"])
        #expect(tally.byClass.map(\.className) == ["4A", "4B"])
        #expect(tally.byClass[1].children == 2 && tally.byClass[1].given == 1 && tally.byClass[1].outstanding == 1)
    }
}
