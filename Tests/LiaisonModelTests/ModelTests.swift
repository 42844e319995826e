import Foundation
import Testing
@testable import LiaisonModel

@Suite struct LanguageTagTests {
    @Test(arguments: [
        ("zh-hant-hk", "zh-Hant-HK"), ("ZH_tw", "zh-TW"), ("es-419", "es-419"), ("en", "en"), ("sr-latn-rs", "sr-Latn-RS"),
        ("de-CH-1996", "de-CH-1996"), ("en-US-x-twain", "en-US-x-twain"), (" ar ", "ar"), ("so", "so"), ("yue-Hant", "yue-Hant"),
    ])
    func canonicalCase(input: String, expected: String) {
        #expect(LanguageTag(input)?.rawValue == expected)
    }

    @Test(arguments: ["", "e", "english!", "zh--Hant", "zh-Hant-", "123", "en-US-US", "ar-toolongsubtag"])
    func rejectsMalformed(input: String) {
        #expect(LanguageTag(input) == nil)
    }

    @Test func subtags() {
        let tag: LanguageTag = "zh-Hant-HK"
        #expect(tag.language == "zh")
        #expect(tag.script == "Hant")
        #expect(tag.region == "HK")
        #expect(tag.truncated == "zh-Hant")
        #expect((LanguageTag("en") as LanguageTag).truncated == nil)
    }
}

@Suite struct ReminderTests {
    @Test func parses() {
        #expect(Reminder("-7d") == Reminder(days: -7))
        #expect(Reminder("-1d at 18:00") == Reminder(days: -1, at: TimeOfDay(hour: 18, minute: 0)))
        #expect(Reminder("-2h") == Reminder(hours: -2))
        #expect(Reminder("-1d12h") == Reminder(days: -1, hours: -12))
        #expect(Reminder("-2w") == Reminder(days: -14))
        #expect(Reminder("0d at 08:00") == Reminder(at: TimeOfDay(hour: 8, minute: 0)))
        for bad in ["", "-", "7", "-7x", "-1d at 25:00", "-1h at 18:00", "-1d1d", "soon"] {
            #expect(Reminder(bad) == nil, "\(bad) should not parse")
        }
    }

    @Test func dayOffsetsKeepWallClockAcrossDaylightSaving() throws {
        let london = try #require(TimeZone(identifier: "Europe/London"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = london
        // Clocks go forward on Sunday 28 March 2027: an event on Tuesday 30 March at 09:00 BST.
        let start = try #require(calendar.date(from: DateComponents(year: 2027, month: 3, day: 30, hour: 9)))
        let weekBefore = try #require(Reminder("-7d")?.fireDate(forEventStart: start, in: london))
        #expect(calendar.dateComponents([.month, .day, .hour], from: weekBefore) == DateComponents(month: 3, day: 23, hour: 9))
        #expect(start.timeIntervalSince(weekBefore) == 7 * 86_400 - 3_600)
        let evening = try #require(Reminder("-1d at 18:00")?.fireDate(forEventStart: start, in: london))
        #expect(calendar.dateComponents([.month, .day, .hour, .minute], from: evening) == DateComponents(month: 3, day: 29, hour: 18, minute: 0))
        let twoHours = try #require(Reminder("-2h")?.fireDate(forEventStart: start, in: london))
        #expect(start.timeIntervalSince(twoHours) == 7_200)
    }
}

@Suite struct QuietHoursTests {
    @Test func wrapsMidnight() throws {
        let quiet = try #require(QuietHours("21:00-07:00"))
        #expect(quiet.contains(TimeOfDay(hour: 22, minute: 0)!))
        #expect(quiet.contains(TimeOfDay(hour: 6, minute: 59)!))
        #expect(!quiet.contains(TimeOfDay(hour: 7, minute: 0)!))
        #expect(!quiet.contains(TimeOfDay(hour: 12, minute: 0)!))
        #expect(QuietHours("07:00-07:00") == nil)
        #expect(QuietHours("9pm-7am") == nil)
    }

    @Test func nextAllowedIsTheEndOfTheWindowInTheGuardiansZone() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let quiet = try #require(QuietHours("21:00-07:00"))
        let lateEvening = try #require(ISO8601DateFormatter().date(from: "2026-12-01T21:30:00Z"))  // 22:30 in Berlin
        let next = quiet.nextAllowed(after: lateEvening, in: berlin)
        #expect(next == ISO8601DateFormatter().date(from: "2026-12-02T06:00:00Z"))  // 07:00 in Berlin
        let noon = try #require(ISO8601DateFormatter().date(from: "2026-12-01T11:00:00Z"))
        #expect(quiet.nextAllowed(after: noon, in: berlin) == noon)
    }
}

@Suite struct AudienceTests {
    let roster = Roster(
        families: [Family(id: "F1", name: "Haddad"), Family(id: "F2", name: "Nguyen"), Family(id: "F3", name: "Kowalski")],
        guardians: [
            Guardian(id: "G1", familyID: "F1", givenName: "Layla", familyName: "Haddad", email: "l@example.net", language: "ar"),
            Guardian(id: "G2", familyID: "F1", givenName: "Omar", familyName: "Haddad", email: "o@example.net", language: "en"),
            Guardian(id: "G3", familyID: "F2", givenName: "Lan", familyName: "Nguyen", email: "n@example.net", language: "vi"),
            Guardian(id: "G4", familyID: "F3", givenName: "Anna", familyName: "Kowalska", email: "a@example.net", language: "pl"),
        ],
        students: [
            Student(id: "S1", givenName: "Yusuf", familyName: "Haddad", grade: "3", className: "3A"),
            Student(id: "S2", givenName: "Mariam", familyName: "Haddad", grade: "5", className: "5B"),
            Student(id: "S3", givenName: "Minh", familyName: "Nguyen", grade: "5", className: "5A"),
            Student(id: "S4", givenName: "Zofia", familyName: "Kowalska", grade: "1", className: "1A"),
        ],
        guardianships: [
            Guardianship(guardianID: "G1", studentID: "S1", isPrimary: true),
            Guardianship(guardianID: "G1", studentID: "S2", isPrimary: true),
            Guardianship(guardianID: "G2", studentID: "S1"),
            Guardianship(guardianID: "G2", studentID: "S2"),
            Guardianship(guardianID: "G3", studentID: "S3", isPrimary: true),
            Guardianship(guardianID: "G4", studentID: "S4", isPrimary: true),
        ])

    @Test func wholeSchoolReachesEachGuardianOnceWithAllChildren() {
        let recipients = Audience.everyone.recipients(in: roster)
        #expect(recipients.map(\.guardian.id) == ["G1", "G2", "G3", "G4"])
        #expect(recipients[0].students.map(\.id) == ["S1", "S2"])
    }

    @Test func gradeNamesOnlyTheChildrenConcerned() {
        let recipients = Audience(grades: ["5"]).recipients(in: roster)
        #expect(recipients.map(\.guardian.id) == ["G1", "G2", "G3"])
        #expect(recipients[0].students.map(\.id) == ["S2"])
    }

    @Test func unionOfClassesStudentsAndFamilies() {
        let recipients = Audience(classes: ["3A"], families: ["F3"]).recipients(in: roster)
        #expect(recipients.map(\.guardian.id) == ["G1", "G2", "G4"])
        #expect(recipients[0].students.map(\.id) == ["S1"])
        #expect(roster.guardians(of: "S1").map(\.id) == ["G1", "G2"])
    }

    @Test func unknownNamesAreListed() {
        let unknown = Audience(grades: ["9"], classes: ["3A", "7Z"], students: ["S9"]).unknownMembers(in: roster)
        #expect(unknown.grades == ["9"])
        #expect(unknown.classes == ["7Z"])
        #expect(unknown.students == ["S9"])
    }
}

@Suite struct EmailAddressTests {
    @Test(arguments: ["layla.haddad@example.net", "o'brien+school@mail.example.org", "王芳@例子.中国"])
    func accepts(address: String) {
        #expect(EmailAddress.problem(with: address) == nil)
    }

    @Test(arguments: ["layla.haddad", "a@@example.net", "a b@example.net", "@example.net", "a@", "a@localhost", "a..b@example.net", "a@example..net", "a@-x.example", "a@example.123"])
    func rejects(address: String) {
        #expect(EmailAddress.problem(with: address) != nil)
    }

    /// A line break of any kind (CRLF is one Character in Swift) is white space, however the address reaches the check.
    @Test(arguments: ["a\r\nb@example.net", "a@example.net\r\n", "\u{00A0}a@example.net", "a\tb@example.net", "王\r\n芳@例子.中国"])
    func lineBreaksAndSpacesAreWhiteSpace(address: String) {
        #expect(EmailAddress.problem(with: address) == "it contains white space")
    }

    /// The byte-level check for ASCII addresses agrees with the character-level one on every printable ASCII address.
    @Test func fastPathAgreesWithTheFullCheck() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "Z", "0", "9", ".", "-", "@", "_", "+", "'", "!", "~", "(", ",", ":", "example", "net", "123", "x-y", ".."]
        var valid = 0
        for _ in 0..<20_000 {
            func random(_ count: ClosedRange<Int>) -> String {
                (0..<Int.random(in: count, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            }
            // Half shaped like an address (local@label.label), half anything.
            let address = Bool.random(using: &generator) ? random(1...8) : random(1...3) + "@" + random(1...2) + "." + random(1...2)
            let fast = EmailAddress.isPlainValidASCII(address)
            #expect(fast == (EmailAddress.fullCheck(address) == nil), "\(address)")
            if fast { valid += 1 }
        }
        #expect(valid > 20, "the generator should make some valid addresses too")
        #expect(EmailAddress.isPlainValidASCII(String(repeating: "a", count: 64) + "@example.net"))
        #expect(!EmailAddress.isPlainValidASCII(String(repeating: "a", count: 65) + "@example.net"))
        #expect(!EmailAddress.isPlainValidASCII("a@" + String(repeating: "b", count: 64) + ".net"))
    }
}

@Suite struct SendScheduleTests {
    let london = TimeZone(identifier: "Europe/London")!

    func event(start: String, sendAt: [String] = [], reminders: [String] = []) -> Event {
        let parse = { (text: String) in ISO8601DateFormatter().date(from: text)! }
        return Event(
            id: "parents-evening", kind: .meeting, title: LocalizedText("Parents' evening"), start: parse(start),
            timeZone: london, audience: .everyone, template: "meeting",
            plan: NotificationPlan(sendAt: sendAt.map(parse), reminders: reminders.compactMap(Reminder.init)))
    }

    @Test func remindersAcrossTheSpringChangeKeepWallClockTime() {
        // Tuesday 30 March 2027 15:30 BST; clocks went forward on Sunday 28 March.
        let meeting = event(start: "2027-03-30T14:30:00Z", sendAt: ["2027-03-16T16:00:00Z"], reminders: ["-7d", "-1d at 18:00"])
        let sends = SendSchedule.sends(for: meeting)
        #expect(sends.map(\.occurrence) == [
            "parents-evening@2027-03-16T16:00:00Z",
            "parents-evening@2027-03-23T15:30:00Z",  // 15:30 GMT a week before: the same wall-clock time
            "parents-evening@2027-03-29T17:00:00Z",  // 18:00 BST the day before
        ])
    }

    @Test func afterDowntimeOnlyTheLatestDueSendGoes() {
        let meeting = event(start: "2027-03-30T14:30:00Z", sendAt: ["2027-03-16T16:00:00Z"], reminders: ["-7d", "-1d at 18:00"])
        let sends = SendSchedule.sends(for: meeting)
        let now = ISO8601DateFormatter().date(from: "2027-03-24T09:00:00Z")!
        let (due, skipped) = SendSchedule.due(sends, event: meeting, now: now)
        #expect(due.map(\.occurrence) == ["parents-evening@2027-03-23T15:30:00Z"])
        #expect(skipped.count == 1)
        let after = ISO8601DateFormatter().date(from: "2027-03-30T16:00:00Z")!
        let late = SendSchedule.due(sends, event: meeting, now: after)
        #expect(late.due.isEmpty)
        #expect(late.skipped.count == 3)
        #expect(late.skipped.allSatisfy { $0.reason.contains("started") })
    }
}

@Suite struct EscalationPolicyTests {
    let raised = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func standardPolicyWidensThenRepeats() {
        let rounds = EscalationPolicy.standard.rounds(raisedAt: raised)
        #expect(rounds.map(\.id) == ["step-1", "step-2", "step-3", "repeat-1", "repeat-2", "repeat-3", "repeat-4"])
        #expect(rounds.map { $0.at.timeIntervalSince(raised) } == [0, 600, 1200, 2100, 3000, 3900, 4800])
        #expect(rounds[0].targets == [.primaryGuardians])
        #expect(rounds[2].targets == [.staffOnCall])
        #expect(rounds[3].targets == [.primaryGuardians, .allGuardians, .staffOnCall])
    }

    @Test func dueRoundsRunOnceAndStopOnAcknowledgement() {
        let policy = EscalationPolicy.standard
        #expect(policy.dueRounds(raisedAt: raised, now: raised, acknowledgedAt: nil, done: []).map(\.id) == ["step-1"])
        let later = raised.addingTimeInterval(700)
        #expect(policy.dueRounds(raisedAt: raised, now: later, acknowledgedAt: nil, done: ["step-1"]).map(\.id) == ["step-2"])
        // After downtime every missed round is due at once (each goes out once).
        let muchLater = raised.addingTimeInterval(2200)
        #expect(policy.dueRounds(raisedAt: raised, now: muchLater, acknowledgedAt: nil, done: ["step-1"]).map(\.id) == ["step-2", "step-3", "repeat-1"])
        let acknowledged = raised.addingTimeInterval(300)
        #expect(policy.dueRounds(raisedAt: raised, now: muchLater, acknowledgedAt: acknowledged, done: ["step-1"]).isEmpty)
        #expect(policy.nextRound(raisedAt: raised, after: later, acknowledgedAt: nil)?.id == "step-3")
        #expect(policy.nextRound(raisedAt: raised, after: later, acknowledgedAt: acknowledged) == nil)
        #expect(policy.nextRound(raisedAt: raised, after: raised.addingTimeInterval(5000), acknowledgedAt: nil) == nil)
    }

    @Test func policyOfSecondsForTests() {
        let policy = EscalationPolicy(
            steps: [.init(after: .seconds(2), target: .allGuardians), .init(after: .zero, target: .primaryGuardians)],
            repeatEvery: .seconds(1), maxRepeats: 2)
        #expect(policy.rounds(raisedAt: raised).map { $0.at.timeIntervalSince(raised) } == [0, 2, 3, 4])
        #expect(policy.rounds(raisedAt: raised).first?.targets == [.primaryGuardians])
    }
}

@Suite struct WhitespaceTests {
    @Test func trimsAsFoundationDoes() {
        let pieces = [" ", "\t", "\n", "\r\n", "\u{00A0}", "\u{202F}", "\u{3000}", "\u{2028}", "\u{85}", "\u{200B}", "\u{180E}", "\u{FEFF}", "\u{1680}", "\u{205F}", "\u{0B}", "a", "é", "ب", "x y", "👩‍👧"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(Whitespace.trim(text) == text.trimmingCharacters(in: .whitespaces), "\(text.unicodeScalars.map(\.value))")
            #expect(Whitespace.trim(text, newlines: true) == text.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(Whitespace.isBlank(text) == text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        }
    }

    /// One line, as subjects are made: the same as splitting at every `isNewline` character, trimming each line
    /// and joining the non-blank ones with a space.
    @Test func singleLineJoinsTrimmedLines() {
        let pieces = [" ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}", "\u{2027}", "\u{202A}",
                      "\u{00A0}", "\u{3000}", "a", "é", "ب", "中", "x y", "👩‍👧", "\u{C2}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let expected = text.split(whereSeparator: \.isNewline).map { Whitespace.trim($0) }.filter { !$0.isEmpty }.joined(separator: " ")
            #expect(Whitespace.singleLine(text) == expected, "\(text.unicodeScalars.map(\.value))")
        }
        #expect(Whitespace.singleLine("  Open Day: الأربعاء  ") == "Open Day: الأربعاء")
        #expect(Whitespace.singleLine("Open Day\n  12 June \r\n\n") == "Open Day 12 June")
    }

    /// Canonically equivalent spellings are different keys; the same spelling is the same key.
    @Test func exactTextComparesBytes() {
        let composed = "Zo\u{EB}", decomposed = "Zoe\u{308}"
        #expect(composed == decomposed)
        #expect(ExactText(composed) != ExactText(decomposed))
        #expect(ExactText(composed) == ExactText("Zo" + "\u{EB}"))
        #expect(Set([ExactText(composed), ExactText(decomposed), ExactText(composed)]).count == 2)
    }

    /// CRLF and a lone CR become LF, nothing else changes: the same as splitting the scalars at CR LF, CR or LF.
    @Test func unixLineEndsMatchSplittingAtEveryLineEnd() {
        let pieces = ["\r", "\n", "\r\n", "\n\r", "a", "é", "中", " ", "\u{2028}", "\u{85}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...10, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            var expected = String.UnicodeScalarView()
            var scalars = Array(text.unicodeScalars)[...]
            while let scalar = scalars.popFirst() {
                if scalar == "\r" {
                    if scalars.first == "\n" { scalars.removeFirst() }
                    expected.append("\n")
                } else {
                    expected.append(scalar)
                }
            }
            #expect(Whitespace.unixLineEnds(text) == String(expected), "\(text.unicodeScalars.map(\.value))")
        }
    }
}
