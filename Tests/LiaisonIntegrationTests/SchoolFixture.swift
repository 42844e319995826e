import Foundation
import LiaisonTestSupport

/// A generated school in a temporary folder: `count` guardians, one child each, using the shipped templates and
/// catalogs, with a relay pointing at a local SMTP server.
struct SchoolFixture {
    let folder: URL
    var config: String { folder.appendingPathComponent("liaison.yaml").path }

    static let languages = ["en", "ar", "ru", "pl", "zh-Hant", "vi", "so", "es", "fa", "uk"]

    /// `sendAt` gives `open-day` a planned send (`notify: send_at:`, school time, e.g. `2030-06-05T10:00`); `lease`
    /// sets `store: lease:` (e.g. `2s`).
    init(
        guardians count: Int, smtpPort: Int, repositoryRoot: URL, sendAt: String? = nil, lease: String? = nil,
        email: (Int) -> String = { "parent\(String(format: "%05d", $0))@example.net" }
    ) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-school-\(UUID().uuidString)")
        let roster = folder.appendingPathComponent("roster")
        try FileManager.default.createDirectory(at: roster, withIntermediateDirectories: true)
        var families = "family_id,family_name\n"
        var guardians = "guardian_id,family_id,given_name,family_name,email,language\n"
        var students = "student_id,given_name,family_name,grade,class\n"
        var links = "guardian_id,student_id,relationship,primary\n"
        for index in 0..<count {
            let id = String(format: "%05d", index)
            families += "F\(id),Family \(id)\n"
            guardians += "G\(id),F\(id),Parent,\(id),\(email(index)),\(Self.languages[index % Self.languages.count])\n"
            students += "S\(id),Child,\(id),\(index % 6 + 1),\(index % 6 + 1)A\n"
            links += "G\(id),S\(id),parent,yes\n"
        }
        try families.write(to: roster.appendingPathComponent("families.csv"), atomically: true, encoding: .utf8)
        try guardians.write(to: roster.appendingPathComponent("guardians.csv"), atomically: true, encoding: .utf8)
        try students.write(to: roster.appendingPathComponent("students.csv"), atomically: true, encoding: .utf8)
        try links.write(to: roster.appendingPathComponent("guardianships.csv"), atomically: true, encoding: .utf8)
        let events = """
        events:
          - id: open-day
            kind: announcement
            title: Open Day
            start: 2030-06-12T09:30
            end: 2030-06-12T12:00
            location: Main hall
            audience: everyone
            template: announcement
        """ + (sendAt.map { "\n    notify:\n      send_at: [\($0)]" } ?? "") + "\n"
        try events.write(to: folder.appendingPathComponent("events.yaml"), atomically: true, encoding: .utf8)
        let root = repositoryRoot.path
        let yaml = """
        school:
          name: Load Test School
          default_locale: en-GB
          time_zone: Europe/London
          base_url: https://liaison.load.example
          contact:
            email: office@load.example
            phone: "+44 20 7946 0000"
        roster:
          families: roster/families.csv
          guardians: roster/guardians.csv
          students: roster/students.csv
          guardianships: roster/guardianships.csv
        schedule: events.yaml
        templates: \(root)/templates
        locales: \(root)/locales
        channels:
          email:
            from: office@load.example
            relays:
              - name: local
                url: smtp://127.0.0.1:\(smtpPort)/liaison.test
                tls: none
                max_connections: 8
        store:
          sqlite: state/outbox.sqlite
        """ + (lease.map { "\n  lease: \($0)" } ?? "") + "\n"
        try yaml.write(to: folder.appendingPathComponent("liaison.yaml"), atomically: true, encoding: .utf8)
    }

    /// Replaces text in a roster or config file (to "fix" an address).
    func edit(_ file: String, replacing old: String, with new: String) throws {
        let url = folder.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

/// The `liaison` executable built next to the test bundle.
let liaisonExecutable: URL = {
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("liaison").path), folder.path != "/" {
        folder = folder.deletingLastPathComponent()
    }
    return folder.appendingPathComponent("liaison")
}()

/// Runs `liaison` to the end; returns its exit status and output (standard output and error together).
func runLiaison(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let result = try runProgram(at: liaisonExecutable, arguments, mergeErrors: true)
    return (result.status, result.output)
}

/// Runs `liaison` with arguments; returns the process (started) and its output pipe.
func startLiaison(_ arguments: [String]) throws -> (Process, Pipe) {
    let process = Process()
    process.executableURL = liaisonExecutable
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    return (process, output)
}

/// A copy of the bundled demo school in a temporary folder, reading the repository's templates and catalogs, with
/// no state of its own yet.
struct DemoSchoolCopy {
    let folder: URL
    var config: URL { folder.appendingPathComponent("liaison.yaml") }

    init(prefix: String) throws {
        let demo = LocalServer.repositoryRoot.appendingPathComponent("examples/demo-school")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: demo, to: folder)
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(".liaison"))
        let root = LocalServer.repositoryRoot.path
        let yaml = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "templates: ../../templates", with: "templates: \(root)/templates")
            .replacingOccurrences(of: "locales: ../../locales", with: "locales: \(root)/locales")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
