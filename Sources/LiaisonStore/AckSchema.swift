import GRDB

/// The acknowledgement ledger's schema: its own migrator, so it can live in the outbox's file (both migrators record
/// their steps in `grdb_migrations`, under different identifiers, and each ignores the other's) or in a file of its own.
///
/// Dates are seconds since 1970-01-01T00:00:00Z (REAL), as in the outbox. The triggers are SQLite's; in PostgreSQL the
/// same append-only rule is a `REVOKE UPDATE, DELETE` on `ack_history` (or a trigger function).
enum AckSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("ack-v1") { db in
            try db.execute(
                sql: """
                    -- One row per link issued: the SHA-256 of its token, never the token.
                    CREATE TABLE ack_links (
                        id INTEGER PRIMARY KEY,
                        token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
                        event_id TEXT NOT NULL,
                        occurrence TEXT NOT NULL,
                        guardian_id TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX ack_links_key ON ack_links (occurrence, guardian_id);
                    -- The current answer of each guardian for each event.
                    CREATE TABLE acks (
                        id INTEGER PRIMARY KEY,
                        event_id TEXT NOT NULL,
                        guardian_id TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        at REAL NOT NULL,
                        via TEXT NOT NULL,
                        occurrence TEXT,
                        UNIQUE (event_id, guardian_id)
                    );
                    -- Every answer recorded or changed, in the order recorded. Never updated nor deleted.
                    CREATE TABLE ack_history (
                        id INTEGER PRIMARY KEY,
                        event_id TEXT NOT NULL,
                        guardian_id TEXT NOT NULL,
                        answer TEXT NOT NULL,
                        at REAL NOT NULL,
                        via TEXT NOT NULL,
                        occurrence TEXT,
                        -- the answer it replaced, NULL for a first answer
                        previous TEXT
                    );
                    CREATE INDEX ack_history_key ON ack_history (event_id, guardian_id, id);
                    CREATE INDEX ack_history_event_at ON ack_history (event_id, at);
                    CREATE TRIGGER ack_history_no_update BEFORE UPDATE ON ack_history
                    BEGIN SELECT RAISE(ABORT, 'ack_history is append-only'); END;
                    CREATE TRIGGER ack_history_no_delete BEFORE DELETE ON ack_history
                    BEGIN SELECT RAISE(ABORT, 'ack_history is append-only'); END;
                    """)
        }
        migrator.registerMigration("optout-v1") { db in
            try db.execute(
                sql: """
                    -- One row per unsubscribe link issued: the SHA-256 of its token, never the token.
                    CREATE TABLE optout_links (
                        id INTEGER PRIMARY KEY,
                        token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
                        category TEXT NOT NULL,
                        occurrence TEXT NOT NULL,
                        guardian_id TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    -- Who does not want a category of messages, since when and how they said so.
                    CREATE TABLE optouts (
                        guardian_id TEXT NOT NULL,
                        category TEXT NOT NULL,
                        at REAL NOT NULL,
                        via TEXT NOT NULL,
                        PRIMARY KEY (guardian_id, category)
                    );
                    """)
        }
        migrator.registerMigration("ack-v2-retention") { db in
            // The history stays append-only against edits, but its rows may go when the retention policy or a
            // family's erasure says so: only inside a transaction that holds the release row (see
            // `SQLiteAckLedger.release`), which no other connection ever sees.
            try db.execute(
                sql: """
                    CREATE TABLE ack_history_release (id INTEGER PRIMARY KEY CHECK (id = 1));
                    DROP TRIGGER ack_history_no_delete;
                    CREATE TRIGGER ack_history_no_delete BEFORE DELETE ON ack_history
                    WHEN NOT EXISTS (SELECT 1 FROM ack_history_release)
                    BEGIN SELECT RAISE(ABORT, 'ack_history is append-only (rows go only by retention or erasure)'); END;
                    """)
        }
        return migrator
    }
}
