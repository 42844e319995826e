import LiaisonCrypto
import Foundation
import GRDB
import LiaisonModel

/// The audit log of administrative actions (alerts raised, sends, exports, erasures, retention): who did what, when.
/// Append-only: no row is ever changed or deleted (SQLite triggers refuse it), and each row carries a SHA-256 chained
/// over the one before, so a row removed or edited behind Liaison's back shows up in ``SQLiteAuditLog/verify()``.
public protocol AuditLog: Sendable {
    /// Appends an entry; durable when it returns.
    func append(_ entry: AuditEntry) async throws
    /// Entries at or after `since`, oldest first, at most `limit`.
    func entries(since: Date?, limit: Int) async throws -> [AuditEntry]
}

/// The audit log in Liaison's SQLite file (its own migrator, like the ledger's and the journal's).
public final class SQLiteAuditLog: AuditLog {
    let writer: any DatabaseWriter

    public init(path: String) throws {
        writer = try SQLiteFile.open(path: path, migrator: Self.migrator).pool
    }

    private init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// A private in-memory log, for tests.
    public static func inMemory() throws -> SQLiteAuditLog {
        SQLiteAuditLog(writer: try SQLiteFile.inMemory(label: "LiaisonAuditLog", migrator: migrator))
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("audit-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_log (
                        id INTEGER PRIMARY KEY,
                        at REAL NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        detail TEXT NOT NULL,
                        -- SHA-256 (hex) of the previous row's chain and this row's fields
                        chain TEXT NOT NULL
                    );
                    CREATE INDEX audit_log_at ON audit_log (at);
                    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    """)
        }
        return migrator
    }

    public func append(_ entry: AuditEntry) async throws {
        try await writer.write { db in
            let previous = try String.fetchOne(db, sql: "SELECT chain FROM audit_log ORDER BY id DESC LIMIT 1") ?? ""
            try db.execute(
                sql: "INSERT INTO audit_log (at, actor, action, subject, detail, chain) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    entry.at.timeIntervalSince1970, entry.actor, entry.action.rawValue, entry.subject, entry.detail,
                    Self.chain(previous, entry),
                ])
        }
    }

    public func entries(since: Date?, limit: Int) async throws -> [AuditEntry] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT at, actor, action, subject, detail FROM audit_log WHERE at >= ? ORDER BY id LIMIT ?",
                arguments: [since?.timeIntervalSince1970 ?? -Double.infinity, max(0, limit)]
            ).map(Self.entry)
        }
    }

    /// The id of the first row whose chain does not follow from the rows before it (edited, inserted or removed
    /// behind Liaison's back), or nil when the whole log is intact; and how many rows were checked.
    public func verify() async throws -> (broken: Int64?, checked: Int) {
        try await writer.read { db in
            var previous = ""
            var checked = 0
            let cursor = try Row.fetchCursor(db, sql: "SELECT id, at, actor, action, subject, detail, chain FROM audit_log ORDER BY id")
            while let row = try cursor.next() {
                let entry = Self.entry(Row(["at": row["at"], "actor": row["actor"], "action": row["action"], "subject": row["subject"], "detail": row["detail"]]))
                let stored: String = row["chain"]
                guard stored == Self.chain(previous, entry) else { return (row["id"], checked) }
                previous = stored
                checked += 1
            }
            return (nil, checked)
        }
    }

    static func entry(_ row: Row) -> AuditEntry {
        let action: String = row["action"]
        return AuditEntry(
            at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"],
            action: AuditEntry.Action(rawValue: action), subject: row["subject"], detail: row["detail"])
    }

    /// SHA-256 over the previous chain and the entry's fields, each length-prefixed (no two entries hash alike).
    static func chain(_ previous: String, _ entry: AuditEntry) -> String {
        var hasher = SHA256()
        for field in [previous, String(entry.at.timeIntervalSince1970), entry.actor, entry.action.rawValue, entry.subject, entry.detail] {
            let bytes = Array(field.utf8)
            hasher.update(data: Array("\(bytes.count):".utf8))
            hasher.update(data: bytes)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// How a family appears in the audit log: a digest of its id, so the log proves an export or erasure without
    /// naming the family (the office can check a given id against it with `liaison audit --family ID`).
    public static func familySubject(_ familyID: String) -> String {
        let digest = SHA256.hash(data: Data("liaison-family:\(familyID)".utf8))
        return "family:" + digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// How an API token appears as an actor: a digest, never the token.
    public static func tokenActor(_ token: String) -> String {
        let digest = SHA256.hash(data: Data("liaison-api-token:\(token)".utf8))
        return "api:" + digest.prefix(4).map { String(format: "%02x", $0) }.joined()
    }
}
