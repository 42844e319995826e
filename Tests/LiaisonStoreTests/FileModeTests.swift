import Foundation
import LiaisonModel
import LiaisonTestSupport
import Testing
@testable import LiaisonStore

/// The mode bits of a file or folder (`stat`), or nil when it does not exist.
func mode(_ path: String) -> mode_t? {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode & 0o777 : nil
}

/// Runs `body` with the umask most systems give a login (022: new files readable by everyone), then puts it back.
func withUmask022<T>(_ body: () async throws -> T) async rethrows -> T {
    let previous = umask(0o022)
    defer { umask(previous) }
    return try await body()
}

/// The SQLite state holds every family's addresses and messages: it is the service user's alone whatever the umask
/// (reported: created 0644 in a 0755 folder under the usual umask 022, readable by every user of the server).
@Suite(.serialized) struct FileModeTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-modes-\(UUID().uuidString)").path

    @Test func aNewDatabaseAndItsFolderAreOwnerOnly() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/state/liaison.sqlite"
        try await withUmask022 {
            let store = try SQLiteOutboxStore(path: path)
            _ = try await store.enqueue([makeDelivery(key("sports-day", "G1"))])
            let journal = try SQLiteDaemonJournal(path: path)
            #expect(mode(folder) == 0o700 && mode(folder + "/state") == 0o700, "folders created for the state")
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(mode(file) == 0o600, "\(file): \(String(mode(file) ?? 0, radix: 8))")
            }
            _ = journal
        }
    }

    @Test func anExistingDatabaseOpenToOthersIsTightenedWithANotice() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/liaison.sqlite"
        do {
            let store = try SQLiteOutboxStore(path: path)
            _ = try await store.enqueue([makeDelivery(key("sports-day", "G1"))])
        }
        let wal = path + "-wal"
        FileManager.default.createFile(atPath: wal, contents: nil)
        for (file, wide) in [(folder, 0o755), (path, 0o644), (wal, 0o644)] { chmod(file, mode_t(wide)) }
        let notices = Locked<[String]>([])
        let previous = PrivateFiles.notices.value
        PrivateFiles.notices.value = { notice in notices.withLock { $0.append(notice) } }
        defer { PrivateFiles.notices.value = previous }

        let store = try SQLiteOutboxStore(path: path)
        #expect(try await store.counts(eventID: nil)[.queued] == 1, "the data is still there")
        #expect(mode(folder) == 0o700)
        #expect(mode(path) == 0o600)
        #expect(mode(wal) == 0o600)
        let mine = notices.value.filter { $0.contains(folder) }
        for (file, wide, tight) in [(folder, "755", "700"), (path, "644", "600"), (wal, "644", "600")] {
            #expect(mine.contains { $0.hasPrefix("tightened \(file) from \(wide) to \(tight)") }, "\(notices.value)")
        }
        #expect(!mine.contains { $0.contains("G1") || $0.contains("parent@example.org") }, "no family's data in a notice")
    }

    /// Opening a second store on the file, in a process that already has one open, must not touch SQLite's locks:
    /// closing any descriptor of the file drops them all. Seen with the first version of these modes: another
    /// process (here Python's sqlite3) closing its connection took itself for the last one, checkpointed and deleted
    /// the WAL, and this process's later writes went to the deleted file, never seen by anyone else.
    @Test func openingAnotherStoreKeepsSQLitesLocks() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/liaison.sqlite"
        let store = try SQLiteOutboxStore(path: path)
        _ = try await store.enqueue([makeDelivery(key("sports-day", "G1"))])
        let ledger = try SQLiteAckLedger(path: path)
        let journal = try SQLiteDaemonJournal(path: path)
        func countElsewhere() throws -> String {
            let script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute('SELECT count(*) FROM deliveries').fetchone()[0]); c.close()"
            return try runProgram("python3", ["-c", script, path]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try countElsewhere() == "1")
        _ = try await store.enqueue([makeDelivery(key("sports-day", "G2"))])
        #expect(try countElsewhere() == "2", "a write after another process closed its connection is seen")
        #expect(FileManager.default.fileExists(atPath: path + "-wal"), "the WAL of this open database is still there")
        _ = (ledger, journal)
    }
}
