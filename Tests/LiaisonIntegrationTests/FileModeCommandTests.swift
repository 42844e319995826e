import Foundation
import LiaisonTestSupport
import Testing

/// `liaison send` run with the umask most logins have (022) leaves the families' data to its own user: the state
/// folder and the SQLite file, the dry run's folder and letters (reported: 0755 folders and 0644 files).
@Suite(.serialized) struct FileModeCommandTests {
    func mode(_ path: String) -> String {
        var info = stat()
        return lstat(path, &info) == 0 ? String(info.st_mode & 0o777, radix: 8) : "missing"
    }

    /// Runs `liaison` through `sh`, which sets the umask first.
    func runWithUmask022(_ arguments: [String]) throws -> ProgramOutput {
        try runProgram("sh", ["-c", "umask 022 && exec \"$0\" \"$@\"", liaisonExecutable.path] + arguments, mergeErrors: true)
    }

    @Test func sendAndDryRunLeaveOwnerOnlyFiles() throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try SchoolFixture(guardians: 3, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot)
        defer { school.remove() }
        let sent = try runWithUmask022(["send", "open-day", "--config", school.config])
        #expect(sent.status == 0, "\(sent.output)")
        #expect(server.logLines().count == 3)
        let state = school.folder.appendingPathComponent("state").path
        #expect(mode(state) == "700")
        #expect(mode(state + "/outbox.sqlite") == "600")

        let dry = try runWithUmask022(["send", "open-day", "--dry-run", "--config", school.config])
        #expect(dry.status == 0, "\(dry.output)")
        let files = school.folder.appendingPathComponent(".liaison").path
        #expect(mode(files) == "700")
        let letters = try #require(FileManager.default.enumerator(atPath: files)?.allObjects as? [String])
        let eml = letters.filter { $0.hasSuffix(".eml") }
        #expect(eml.count == 3, "\(letters)")
        for relative in letters {
            let path = files + "/" + relative
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            #expect(mode(path) == (isFolder.boolValue ? "700" : "600"), "\(relative)")
        }
    }

    /// `liaison serve` under the test's umask (022 here): its state folder, database and the last good copy of the
    /// roster are owner-only from the first start, with nothing to tighten afterwards.
    @Test func serveKeepsItsStateOwnerOnly() throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let school = try SchoolFixture(guardians: 2, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot)
        defer { school.remove() }
        let daemon = try DaemonProcess(config: school.config)
        defer { daemon.stop() }
        let state = school.folder.appendingPathComponent("state").path
        #expect(mode(state) == "700")
        #expect(mode(state + "/outbox.sqlite") == "600")
        let copied = try #require(FileManager.default.enumerator(atPath: state + "/last-good")?.allObjects as? [String])
        #expect(copied.contains { $0.hasSuffix("guardians.csv") }, "\(copied)")
        for relative in copied {
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: state + "/last-good/" + relative, isDirectory: &isFolder)
            #expect(mode(state + "/last-good/" + relative) == (isFolder.boolValue ? "700" : "600"), "\(relative)")
        }
        #expect(daemon.logs("tightened").isEmpty, "a fresh start has nothing to tighten: \(daemon.logs("tightened"))")
    }
}
