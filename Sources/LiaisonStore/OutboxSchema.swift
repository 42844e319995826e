import GRDB

/// The outbox schema, versioned (v1; outbox-v2: messages in their own table; outbox-v3: messages written against
/// shared bases; outbox-v4: claims with owners, fencing tokens and leases). Plain SQL that PostgreSQL also accepts (bar `INTEGER PRIMARY KEY` → identity,
/// `REAL` → double precision).
///
/// Dates are stored as seconds since 1970-01-01T00:00:00Z (REAL), so they sort and compare as numbers.
enum OutboxSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE deliveries (
                        id INTEGER PRIMARY KEY,
                        occurrence TEXT NOT NULL,
                        guardian_id TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        address TEXT NOT NULL,
                        recipient_name TEXT NOT NULL,
                        priority TEXT NOT NULL,
                        -- 0 urgent, 1 normal: the order in which due deliveries are claimed
                        priority_rank INTEGER NOT NULL,
                        state TEXT NOT NULL
                            CHECK (state IN ('queued', 'sending', 'sent', 'retry', 'failed', 'cancelled')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        not_before REAL NOT NULL,
                        deadline REAL,
                        -- when it last entered the queue (enqueue or requeue): the policy deadline counts from here
                        queued_at REAL NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        last_reply TEXT,
                        message TEXT NOT NULL,
                        UNIQUE (occurrence, guardian_id, channel)
                    );
                    CREATE INDEX deliveries_due ON deliveries (priority_rank, not_before, created_at)
                        WHERE state IN ('queued', 'retry');
                    CREATE INDEX deliveries_state ON deliveries (state, not_before);
                    -- event_id alone: a state change then touches no event index entry
                    CREATE INDEX deliveries_event ON deliveries (event_id);
                    CREATE TABLE attempts (
                        id INTEGER PRIMARY KEY,
                        occurrence TEXT NOT NULL,
                        guardian_id TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        number INTEGER NOT NULL,
                        started_at REAL NOT NULL,
                        finished_at REAL NOT NULL,
                        target TEXT NOT NULL,
                        outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed', 'interrupted')),
                        reply TEXT NOT NULL
                    );
                    CREATE INDEX attempts_key ON attempts (occurrence, guardian_id, channel, number);
                    """)
        }
        migrator.registerMigration("outbox-v2") { db in
            // The message moves to a table of its own: claiming and recording results then rewrite a row of about
            // 200 bytes instead of several kilobytes. The language it was written in becomes a column, for summaries.
            try db.execute(
                sql: """
                    CREATE TABLE messages (
                        -- deliveries.id
                        delivery_id INTEGER PRIMARY KEY,
                        body TEXT NOT NULL
                    );
                    INSERT INTO messages (delivery_id, body) SELECT id, message FROM deliveries;
                    ALTER TABLE deliveries ADD COLUMN language TEXT NOT NULL DEFAULT '';
                    UPDATE deliveries SET language = COALESCE(
                        CASE WHEN json_valid(message) THEN json_extract(message, '$.language') END, '');
                    ALTER TABLE deliveries DROP COLUMN message;
                    """)
        }
        migrator.registerMigration("outbox-v3") { db in
            // Messages of one occurrence and language share most of their lines: one of them is stored once as their
            // base, and each message's text and HTML may be written as the lines it shares with it plus its own
            // (`MessageJSON`, `LineDelta`). A row whose base_id is NULL is written whole.
            try db.execute(
                sql: """
                    CREATE TABLE message_bases (
                        id INTEGER PRIMARY KEY,
                        body TEXT NOT NULL
                    );
                    ALTER TABLE messages ADD COLUMN base_id INTEGER REFERENCES message_bases (id);
                    """)
        }
        migrator.registerMigration("outbox-v4") { db in
            // Claims carry their owner, a fencing token and a lease: a row `sending` is taken back only once its lease
            // ran out, so several processes can share the outbox. Rows left `sending` by an older Liaison have no
            // lease and count as expired. `claim_tokens` hands out the fencing tokens, one per claiming transaction.
            try db.execute(
                sql: """
                    ALTER TABLE deliveries ADD COLUMN claim_owner TEXT;
                    ALTER TABLE deliveries ADD COLUMN claim_token INTEGER;
                    ALTER TABLE deliveries ADD COLUMN lease_until REAL;
                    CREATE INDEX deliveries_leases ON deliveries (lease_until) WHERE state = 'sending';
                    CREATE TABLE claim_tokens (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
                    INSERT INTO claim_tokens (id, last) VALUES (1, 0);
                    """)
        }
        migrator.registerMigration("outbox-v5") { db in
            // Retention: a final row whose message text was removed (see `RetentionPolicy`) is marked, and never
            // queued again (there is nothing left to send).
            try db.execute(sql: "ALTER TABLE deliveries ADD COLUMN purged_at REAL")
        }
        return migrator
    }
}
