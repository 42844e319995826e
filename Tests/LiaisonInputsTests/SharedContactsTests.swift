import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

@Suite struct SharedContactsTests {
    func roster(_ guardians: String) -> (Roster, [Diagnostic]) {
        let fixture = Fixture()
        let files = RosterFiles(
            families: fixture.write("families.csv", "family_id,family_name\nF1,Haddad\nF2,Brown\nF3,Okafor\nF4,Lin\n"),
            guardians: fixture.write("guardians.csv", guardians),
            students: fixture.write("students.csv", "student_id,given_name,family_name,grade,class\nS1,Yusuf,Haddad,3,3A\nS2,Amy,Brown,5,5B\nS3,Ada,Okafor,1,1A\nS4,Bo,Lin,2,2A\nS5,Mei,Lin,4,4A\n"),
            guardianships: fixture.write("guardianships.csv", "guardian_id,student_id,primary\nG1,S1,yes\nG2,S2,yes\nG3,S3,yes\nG4,S3,no\nG5,S4,yes\nG6,S5,yes\nG7,S4,no\n"))
        let (loaded, problems) = RosterLoader.load(files)
        #expect(problems.isEmpty, "\(problems.listing)")
        return SharedContacts.merge(loaded)
    }

    @Test func sharedEmailAcrossFamiliesIsOneRecipientNamingAllChildren() throws {
        let (merged, notes) = roster("""
            guardian_id,family_id,given_name,family_name,email,phone,language
            G1,F1,Huda,Haddad,huda@example.net,,ar
            G2,F2,Huda,Haddad, HUDA@Example.NET ,+447700900222,ar
            G3,F3,Ngozi,Okafor,,+44 7700 900111,en
            G4,F3,Ngozi,Okafor,ngozi@example.org,+447700900111,en
            G5,F4,Wei,Lin,wei@example.cn,+447700900333,zh-Hans
            G6,F4,Jun,Lin,jun@example.cn,+447700900333,zh-Hans
            G7,F4,Wei,Lin,,+447700900333,en
            """)
        // G2 is G1 (same email, another family); G4 is G3 (same phone, G3 has no email). G5 and G6 share a
        // landline but have their own emails: both stay. G7 shares the phone and has no email: it joins G5.
        #expect(merged.guardians.map(\.id) == ["G1", "G3", "G5", "G6"])
        let recipients = Audience.everyone.recipients(in: merged)
        #expect(recipients.count == 4)
        let huda = try #require(recipients.first { $0.guardian.id == "G1" })
        #expect(huda.students.map(\.id) == ["S1", "S2"])
        #expect(huda.guardian.phone == "+447700900222")
        #expect(merged.guardian("G3")?.email == "ngozi@example.org")
        #expect(merged.guardians(of: "S3").map(\.id) == ["G3"])
        #expect(recipients.first { $0.guardian.id == "G5" }?.students.map(\.id) == ["S4"])
        // A class audience reaches the merged guardian once, about the one child in it.
        #expect(Audience(classes: ["5B"]).recipients(in: merged).map(\.guardian.id) == ["G1"])

        #expect(notes.count == 3, "\(notes.listing)")
        let first = try #require(notes.first { $0.message.contains("G1, G2") })
        #expect(first.severity == .note && first.code == "roster.shared-contact")
        #expect(first.message.contains("Yusuf, Amy") && first.location?.line == 3)
        let languages = try #require(notes.first { $0.message.contains("G5, G7") })
        #expect(languages.severity == .warning && languages.message.contains("en and zh-Hans"))
    }

    @Test func nothingSharedChangesNothing() {
        let (merged, notes) = roster("""
            guardian_id,family_id,given_name,family_name,email,phone,language
            G1,F1,Huda,Haddad,huda@example.net,,ar
            G2,F2,Amy,Brown,amy@example.net,,en
            G3,F3,Ngozi,Okafor,ngozi@example.org,,en
            G4,F3,Obi,Okafor,obi@example.org,,en
            G5,F4,Wei,Lin,wei@example.cn,,zh-Hans
            G6,F4,Jun,Lin,jun@example.cn,,zh-Hans
            G7,F4,Lan,Lin,lan@example.cn,,zh-Hans
            """)
        #expect(notes.isEmpty)
        #expect(merged.guardians.count == 7 && merged.guardianships.count == 7)
    }
}
