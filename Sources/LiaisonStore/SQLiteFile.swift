import Foundation
import GRDB

/// Opens Liaison's SQLite file the one way every store uses it: WAL, `synchronous = FULL` (nothing is confirmed
/// before it is on disk), a busy timeout so several processes can share the file, and migrations run safely.
enum SQLiteFile {
    /// How long a writer waits for another process's transaction.
    static let busyTimeout: TimeInterval = 30

    /// A pool on the file at `path` (its folder created if needed), migrated with `migrator`.
    static func open(path: String, label: String, migrator: DatabaseMigrator) throws -> (pool: DatabasePool, path: String) {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let pool = try DatabasePool(path: url.path, configuration: configuration(label: label))
        // GRDB sets synchronous = NORMAL with WAL; we never acknowledge before the WAL is synced.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try migrate(pool, with: migrator)
        return (pool, url.path)
    }

    /// A private in-memory database, for tests.
    static func inMemory(label: String, migrator: DatabaseMigrator) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(configuration: configuration(label: label))
        try migrate(queue, with: migrator)
        return queue
    }

    static func configuration(label: String) -> Configuration {
        var config = Configuration()
        config.label = label
        config.busyMode = .timeout(busyTimeout)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return config
    }

    private static func migrate(_ writer: any DatabaseWriter, with migrator: DatabaseMigrator) throws {
        do {
            try migrator.migrate(writer)
        } catch {
            // Another process may have run the same migration between our check and our transaction: look again.
            try migrator.migrate(writer)
        }
    }
}
