import FuzzDriver
import FuzzSupport
import LiaisonInputs
import LiaisonModel

// Roster CSV: the RFC 4180 reader on the whole input, then the roster loader (four files, checked and
// cross-referenced) on the input's parts, then the shared-contacts merge on the roster it gives.
//
// Input: the whole input is one CSV file for `CSVReader`. Split at `%%` lines it is families.csv,
// guardians.csv, students.csv, guardianships.csv, progress.csv, the staff file (staff.csv), and a OneRoster export's
// orgs.csv, users.csv, classes.csv and enrollments.csv (read as a roster and for its teachers), in that order; files
// the input does not give are small valid ones.

let defaults: [String] = [
    "family_id,family_name\nF1,Haddad\nF2,Nguyen\n",
    "guardian_id,family_id,given_name,family_name,email,phone,language,channels,time_zone,quiet_hours\n"
        + "G1,F1,Layla,Haddad,layla@example.net,+447700900123,ar,email;sms,Europe/London,21:00-07:00\n"
        + "G2,F2,Minh,Nguyen,minh@example.net,,vi,email,,\n",
    "student_id,given_name,family_name,grade,class\nS1,Omar,Haddad,5,5B\nS2,An,Nguyen,3,3A\n",
    "guardian_id,student_id,relationship,primary\nG1,S1,mother,yes\nG2,S2,father,no\n",
    "student_id,subject,mark,comment,teacher\nS1,Maths,A,Good work,Ms Price\n",
    "staff_id,name,role,classes,email,language\na.ali,Amina Ali,teacher,5B 3A,a.ali@school.example,ar\noffice,Office,office,,,\n",
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nO1,active,,Riverside,school,RS,\n",
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n"
        + "U1,active,,true,O1,student,s1,,Omar,Haddad,,S1,,,,P1,05,\n"
        + "P1,active,,true,O1,parent,layla,,Layla,Haddad,,G1,layla@example.net,+447700900123,,U1,,\n"
        + "T1,active,,true,O1,teacher,t1,,Amina,Ali,,T-5B,a.ali@school.example,,,,,\n",
    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
        + "C1,active,,Class 5B,05,K1,5B,homeroom,Room 5B,O1,Y1,,,\n",
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n"
        + "E1,active,,C1,O1,U1,student,false,,\nE2,active,,C1,O1,T1,teacher,true,,\n",
]
let names = ["families.csv", "guardians.csv", "students.csv", "guardianships.csv", "progress.csv", "staff.csv"]
let oneRoster = ["orgs.csv", "users.csv", "classes.csv", "enrollments.csv"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)

    // The reader alone, with everything a loader asks of a table (of the first rows and columns: the harness's
    // own work must not grow with the input, or a timeout would point at it).
    let (table, diagnostics) = CSVReader.read(input.bytes, file: "fuzz.csv")
    for diagnostic in diagnostics { _ = diagnostic.description }
    FuzzLog.show("csv", diagnostics.map(\.description))
    if let table {
        for record in (table.records + table.rejected).prefix(100) {
            for column in table.header.prefix(32) {
                _ = table.value(column, in: record)
                _ = table.nonEmpty(column, in: record)
                _ = table.location(of: column, in: record).description
            }
            _ = table.location(of: "no-such-column", in: record)
        }
        for column in table.header.prefix(32) { _ = table.headerLocation(of: column) }
    }

    // The roster loader on the parts.
    var paths: [String] = []
    for (index, name) in names.enumerated() {
        paths.append(Scratch.save(input.part(index) ?? Array(defaults[index].utf8), to: "roster/\(name)"))
    }
    for (offset, name) in oneRoster.enumerated() {
        let index = names.count + offset
        _ = Scratch.save(input.part(index) ?? Array(defaults[index].utf8), to: "oneroster/\(name)")
    }
    let files = RosterFiles(families: paths[0], guardians: paths[1], students: paths[2], guardianships: paths[3])
    let (roster, rosterDiagnostics) = RosterLoader.load(files)
    for diagnostic in rosterDiagnostics { _ = diagnostic.description }
    FuzzLog.show("roster", rosterDiagnostics.map(\.description))
    let (_, mergeDiagnostics) = SharedContacts.merge(roster)
    for diagnostic in mergeDiagnostics { _ = diagnostic.description }
    let (_, progressDiagnostics) = ProgressLoader.load(path: paths[4])
    for diagnostic in progressDiagnostics { _ = diagnostic.description }

    // The staff file, against the roster's classes; a OneRoster export as a roster and for its teachers.
    let (staff, staffDiagnostics) = StaffLoader.load(path: paths[5], knownClasses: Set(roster.students.map(\.className)))
    for diagnostic in staffDiagnostics { _ = diagnostic.description }
    FuzzLog.show("staff: \(staff.count)", staffDiagnostics.map(\.description))
    let source = OneRosterSource(folder: Scratch.path("oneroster"))
    let (exported, exportDiagnostics) = OneRosterLoader.load(source, defaultLocale: "en-GB")
    for diagnostic in exportDiagnostics { _ = diagnostic.description }
    FuzzLog.show("oneroster: \(exported.guardians.count) guardians", exportDiagnostics.map(\.description))
    let (teachers, teacherDiagnostics) = OneRosterTeachers.load(source)
    for diagnostic in teacherDiagnostics { _ = diagnostic.description }
    _ = OneRosterTeachers.merge(file: staff, teachers: teachers)
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver with this target.
@_cdecl("fuzz_csv_main")
public func fuzz_csv_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    liaison_fuzz_run(argc, argv, fuzzCSV)
}
