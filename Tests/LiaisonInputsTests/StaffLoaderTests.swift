import Foundation
import LiaisonModel
@testable import LiaisonInputs
import Testing

/// The staff file: roles and classes read, every problem reported at its file, line and column.
struct StaffLoaderTests {
    @Test func readsRolesClassesAndLanguages() {
        let fixture = Fixture()
        let path = fixture.write("staff.csv", """
            staff_id,name,role,classes,email,language
            clarke,Joanne Clarke,admin,,office@school.example,en-GB
            a.ali,Amina Ali,Teacher,"3A, 3B;4A",a.ali@school.example,ar
            haddad,Layla Haddad,nurse,,,

            """)
        let (staff, diagnostics) = StaffLoader.load(path: path, knownClasses: ["3A", "3B", "4A"])
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(staff.map(\.id) == ["clarke", "a.ali", "haddad"])
        #expect(staff[1].role == .teacher && staff[1].classes == ["3A", "3B", "4A"] && staff[1].language == "ar")
        #expect(staff[0].role == .admin && staff[0].classes.isEmpty && staff[0].email == "office@school.example")
        #expect(staff[2].language == nil && staff[2].email == nil)
    }

    @Test func everyProblemNamesItsLineAndColumn() {
        let fixture = Fixture()
        let path = fixture.write("staff.csv", """
            staff_id,name,role,classes,shoe_size
            clarke,Joanne Clarke,headmaster,,
            clarke,Joanne Again,office,,
            bad id,Someone,office,,
            okafor,Daniel Okafor,teacher,3A 9Z,
            nowak,,teacher,4A,
            newbie,New Teacher,teacher,,

            """)
        let (staff, diagnostics) = StaffLoader.load(path: path, knownClasses: ["3A", "4A"])
        // Rows with errors are left out; a warning (an unknown class, a teacher without classes) keeps the row.
        #expect(staff.map(\.id) == ["okafor", "newbie"])
        func found(_ code: String, line: Int, field: String) -> Bool {
            diagnostics.contains { $0.code == code && $0.location?.line == line && $0.location?.field == field && $0.location?.file == path }
        }
        #expect(found("csv.unknown-column", line: 1, field: "shoe_size"), "\(diagnostics)")
        #expect(found("staff.invalid-role", line: 2, field: "role"), "\(diagnostics)")
        #expect(found("staff.duplicate-id", line: 3, field: "staff_id"), "\(diagnostics)")
        #expect(found("staff.invalid-id", line: 4, field: "staff_id"), "\(diagnostics)")
        #expect(found("staff.unknown-class", line: 5, field: "classes"), "\(diagnostics)")
        #expect(found("staff.missing-value", line: 6, field: "name"), "\(diagnostics)")
        #expect(found("staff.no-classes", line: 7, field: "classes"), "\(diagnostics)")
        #expect(diagnostics.first { $0.code == "staff.invalid-role" }?.message.contains("admin, office, teacher, nurse") == true)
    }

    @Test func aMissingColumnStopsTheFile() {
        let fixture = Fixture()
        let path = fixture.write("staff.csv", "staff_id,name\nclarke,Joanne Clarke\n")
        let (staff, diagnostics) = StaffLoader.load(path: path, knownClasses: [])
        #expect(staff.isEmpty)
        #expect(diagnostics.contains { $0.code == "csv.missing-column" && $0.message.contains("\"role\"") })
    }
}
