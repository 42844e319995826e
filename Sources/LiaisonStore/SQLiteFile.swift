import Foundation
import GRDB

/// Opens Liaison's SQLite file the one way every store uses it: WAL, `synchronous = FULL` (nothing is confirmed
/// before it is on disk), a busy timeout so several processes can share the file, and migrations run safely.
enum SQLiteFile {
    /// How long a writer waits for another process's transaction.
    static let busyTimeout: TimeInterval = 30

    /// A pool on the file at `path` (its folder created if needed), migrated with `migrator`. The file and its folder
    /// hold every family's addresses and messages: they are made (or tightened to) 0600 and 0700 first, see
    /// ``PrivateFiles``.
    ///
    /// Stores on the same file in one process (the outbox, the acknowledgement ledger, the daemon's journal) share one
    /// pool, so their writes queue on its one writer connection instead of meeting at SQLite's file lock, where a
    /// waiting connection sleeps in steps of milliseconds. Other processes still wait on the lock (busy timeout).
    static func open(path: String, migrator: DatabaseMigrator) throws -> (pool: DatabasePool, path: String) {
        let url = URL(fileURLWithPath: path)
        let pool = try OpenPools.shared.pool(for: url.standardizedFileURL.path) {
            // Only here, before this process has a connection on the file (see PrivateFiles.database).
            try PrivateFiles.folder(url.deletingLastPathComponent().path)
            try PrivateFiles.database(url.path)
            let pool = try DatabasePool(path: url.path, configuration: configuration(label: "Liaison"))
            // GRDB sets synchronous = NORMAL with WAL; we never acknowledge before the WAL is synced.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            return pool
        }
        try migrate(pool, with: migrator)
        return (pool, url.path)
    }

    /// The pools open in this process, by file; a pool closes when the last store using it is released.
    private final class OpenPools: @unchecked Sendable {
        static let shared = OpenPools()
        private let lock = NSLock()
        private var pools: [String: WeakPool] = [:]

        private final class WeakPool {
            weak var pool: DatabasePool?
            init(_ pool: DatabasePool) { self.pool = pool }
        }

        func pool(for path: String, open: () throws -> DatabasePool) throws -> DatabasePool {
            try lock.withLock {
                if let pool = pools[path]?.pool { return pool }
                let pool = try open()
                pools = pools.filter { $0.value.pool != nil }
                pools[path] = WeakPool(pool)
                return pool
            }
        }
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
