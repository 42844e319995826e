import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

let demoSchool = inputsTestsFolder.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples/demo-school").path

@Suite struct OneRosterLoaderTests {
    /// The OneRoster export of the demo school (Tests/Support/oneroster_export.py) loads to the same people,
    /// links, classes, languages and households as its four CSV files.
    @Test func demoExportIsEquivalentToTheCSVRoster() throws {
        let source = OneRosterSource(folder: demoSchool + "/oneroster", languagesFile: demoSchool + "/oneroster/languages.csv")
        let (roster, diagnostics) = OneRosterLoader.load(source, defaultLocale: "en-GB")
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        let (csvRoster, _) = RosterLoader.load(RosterFiles(
            families: demoSchool + "/roster/families.csv", guardians: demoSchool + "/roster/guardians.csv",
            students: demoSchool + "/roster/students.csv", guardianships: demoSchool + "/roster/guardianships.csv"))

        func people(_ roster: Roster) -> [String] {
            roster.guardians.map { "\($0.id)|\($0.givenName)|\($0.familyName)|\($0.email ?? "")|\($0.phone ?? "")|\($0.language)" }.sorted()
        }
        func pupils(_ roster: Roster) -> [String] {
            roster.students.map { "\($0.id)|\($0.givenName)|\($0.familyName)|\($0.grade)|\($0.className)" }.sorted()
        }
        func links(_ roster: Roster) -> [String] {
            roster.guardianships.map { "\($0.guardianID)>\($0.studentID)|\($0.isPrimary)" }.sorted()
        }
        func households(_ roster: Roster) -> Set<Set<String>> {
            Set(Dictionary(grouping: roster.guardians, by: \.familyID).values.map { Set($0.map(\.id)) })
        }
        #expect(roster.guardians.count == 83 && roster.students.count == 70 && roster.families.count == 51)
        #expect(people(roster) == people(csvRoster))
        #expect(pupils(roster) == pupils(csvRoster))
        #expect(links(roster) == links(csvRoster))
        #expect(households(roster) == households(csvRoster))
        // OneRoster has no households: each is named after its members' family name.
        for family in roster.families {
            let names = Set(roster.guardians(inFamily: family.id).map(\.familyName))
            #expect(names.contains(family.name) || roster.students.contains { $0.familyName == family.name }, "\(family)")
        }
        // Teachers and the choir (not a homeroom) are ignored; relationships are the OneRoster roles.
        #expect(roster.guardianships.allSatisfy { OneRosterLoader.guardianRoles.contains($0.relationship ?? "") })
    }

    @Test func languageColumnUnknownLinksAndMissingLanguages() throws {
        let fixture = Fixture()
        fixture.write("or/orgs.csv", "sourcedId,status,dateLastModified,name,type\norg1,active,,Hillside School,school\n")
        fixture.write("or/users.csv", """
            sourcedId,status,role,givenName,familyName,identifier,email,sms,phone,agentSourcedIds,grades,metadata.language
            u1,active,student,Mia,Kowalska,,,,,"u2,u3",KG,
            u2,active,parent,Anna,Kowalska,,anna@example.pl,,,u1,,pl
            u3,active,guardian,Piotr,Nowak,,,+48 600 100 200,,,,(unknown)
            u4,active,relative,Ola,Kowalska,,ola@example.pl,,,u9,,
            u5,tobedeleted,parent,Old,Entry,,old@example.pl,,,u1,,pl
            u6,active,parent,Nobody,Reachable,,,,0600,u1,,pl
            u7,active,aide,Sam,Helper,,sam@example.pl,,,,,
            """)
        fixture.write("or/classes.csv", "sourcedId,title,classCode,classType\nc1,Reception Robins,,homeroom\n")
        fixture.write("or/enrollments.csv", "sourcedId,classSourcedId,userSourcedId,role\ne1,c1,u1,student\ne2,c9,u1,student\n")
        let source = OneRosterSource(folder: fixture.path("or"), languageColumn: "metadata.language")
        let (roster, d) = OneRosterLoader.load(source, defaultLocale: "en")
        #expect(roster.students.map(\.className) == ["Reception Robins"])
        #expect(roster.students.map(\.grade) == ["KG"])
        #expect(roster.guardians.map(\.id) == ["u2", "u3", "u4"])
        #expect(roster.guardian("u2")?.language == "pl")
        #expect(roster.guardian("u3")?.phone == "+48600100200" && roster.guardian("u3")?.language == "en")
        #expect(roster.guardians(of: "u1").map(\.id) == ["u2", "u3"])  // the student's agents, primary first
        #expect(roster.guardianships(of: "u1").first?.isPrimary == true)
        #expect(d.has("oneroster.invalid-language", line: 4, field: "metadata.language"), "\(d.listing)")
        #expect(d.has("oneroster.no-language", line: 5))
        #expect(d.has("oneroster.unknown-user", line: 5, field: "agentSourcedIds"))
        #expect(d.has("roster.no-contact", line: 7))
        #expect(d.has("roster.invalid-phone", line: 7, field: "phone"))
        #expect(d.has("oneroster.unknown-class", line: 3))
        #expect(!d.contains { $0.location?.line == 6 || $0.location?.line == 8 })  // deleted and staff rows are skipped
    }

    @Test func missingColumnsAndFiles() {
        let fixture = Fixture()
        fixture.write("or/users.csv", "sourcedId,givenName\nu1,Mia\n")
        let (roster, d) = OneRosterLoader.load(OneRosterSource(folder: fixture.path("or"), languageColumn: "lang"), defaultLocale: "en")
        #expect(roster.guardians.isEmpty)
        #expect(d.has("oneroster.missing-column", line: 1, field: "role"))
        #expect(d.has("config.missing-file", file: "orgs.csv"))
    }
}

/// A OneRoster export's teachers become desk staff with their classes; a staff file overrides them by id.
@Suite struct OneRosterTeachersTests {
    @Test func demoExportTeachersTeachTheirClasses() {
        let source = OneRosterSource(folder: demoSchool + "/oneroster", languagesFile: demoSchool + "/oneroster/languages.csv")
        let (teachers, diagnostics) = OneRosterTeachers.load(source)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        let byID = Dictionary(uniqueKeysWithValues: teachers.map { ($0.id, $0) })
        #expect(byID["teacher.3a"]?.classes == ["3A"])
        #expect(byID["teacher.3a"]?.role == .teacher)
        #expect(byID["teacher.3a"]?.name == "Teacher 3A")
        #expect(byID["teacher.3a"]?.email == "teacher.3a@riverside.example")
        #expect(teachers.count >= 12)

        let file = [DeskStaff(id: "teacher.3a", name: "Daniel Okafor", role: .teacher, classes: ["3A", "3B"]),
                    DeskStaff(id: "clarke", name: "Joanne Clarke", role: .admin)]
        let merged = OneRosterTeachers.merge(file: file, teachers: teachers)
        #expect(merged.filter { $0.id == "teacher.3a" }.count == 1)
        #expect(merged.first { $0.id == "teacher.3a" }?.classes == ["3A", "3B"])
        #expect(merged.count == teachers.count + 1)
    }
}
