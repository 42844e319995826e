import Foundation
import GRDB
import LiaisonModel

/// Retention and erasure in the outbox: what goes when `RetentionPolicy` says so, and every row of guardians whose
/// family is erased.
extension SQLiteOutboxStore {
    /// The text of final letters last changed before `bodiesBefore` is removed (the row stays, marked, and is never
    /// queued again); final rows last changed before `recordsBefore` go with their attempts. Bases no message uses
    /// any more are blanked. Returns how many bodies and rows went.
    public func applyRetention(bodiesBefore: Date, recordsBefore: Date, now: Date) async throws -> (bodies: Int, records: Int) {
        let result = try await writer.write { db -> (Int, Int) in
            let records = try Self.deleteRows(db, where: "state IN ('sent', 'failed', 'cancelled') AND updated_at < ?", [recordsBefore.timeIntervalSince1970])
            try db.execute(
                sql: """
                    UPDATE messages SET base_id = NULL, body = json_object(
                        'subject', '', 'text', '', 'language', d.language,
                        'messageClass', COALESCE(CASE WHEN json_valid(messages.body) THEN json_extract(messages.body, '$.messageClass') END, 'normal'))
                    FROM deliveries AS d
                    WHERE d.id = messages.delivery_id AND d.purged_at IS NULL
                        AND d.state IN ('sent', 'failed', 'cancelled') AND d.updated_at < ?
                    """, arguments: [bodiesBefore.timeIntervalSince1970])
            try db.execute(
                sql: """
                    UPDATE deliveries SET purged_at = ?
                    WHERE purged_at IS NULL AND state IN ('sent', 'failed', 'cancelled') AND updated_at < ?
                    """, arguments: [now.timeIntervalSince1970, bodiesBefore.timeIntervalSince1970])
            let bodies = db.changesCount
            try Self.blankUnusedBases(db)
            return (bodies, records)
        }
        bases.forget()
        return result
    }

    /// Every row for these guardians, in any state (letters still waiting are withdrawn), with its message and
    /// attempts; returns the keys removed (the file channel's copies are found by them).
    public func erase(guardianIDs: Set<String>) async throws -> [DeliveryKey] {
        guard !guardianIDs.isEmpty else { return [] }
        let ids = Array(guardianIDs)
        let keys = try await writer.write { db -> [DeliveryKey] in
            let marks = databaseQuestionMarks(count: ids.count)
            let keys = try Row.fetchAll(
                db, sql: "SELECT occurrence, guardian_id, channel FROM deliveries WHERE guardian_id IN (\(marks))",
                arguments: StatementArguments(ids)
            ).map { DeliveryKey(occurrence: $0[0], guardianID: $0[1], channel: ChannelKind(rawValue: $0[2])) }
            _ = try Self.deleteRows(db, where: "guardian_id IN (\(marks))", StatementArguments(ids))
            try db.execute(sql: "DELETE FROM attempts WHERE guardian_id IN (\(marks))", arguments: StatementArguments(ids))
            try Self.blankUnusedBases(db)
            return keys
        }
        bases.forget()
        return keys
    }

    /// Deletes the deliveries matching `filter`, their messages and attempts; returns how many deliveries went.
    private static func deleteRows(_ db: Database, where filter: String, _ arguments: StatementArguments) throws -> Int {
        try db.execute(
            sql: """
                CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY, occurrence TEXT, guardian_id TEXT, channel TEXT);
                DELETE FROM temp.doomed;
                """)
        try db.execute(
            sql: "INSERT INTO temp.doomed SELECT id, occurrence, guardian_id, channel FROM deliveries WHERE \(filter)", arguments: arguments)
        try db.execute(
            sql: """
                DELETE FROM messages WHERE delivery_id IN (SELECT id FROM temp.doomed);
                DELETE FROM attempts WHERE EXISTS (
                    SELECT 1 FROM temp.doomed AS d
                    WHERE d.occurrence = attempts.occurrence AND d.guardian_id = attempts.guardian_id AND d.channel = attempts.channel);
                DELETE FROM deliveries WHERE id IN (SELECT id FROM temp.doomed);
                """)
        let count = db.changesCount
        try db.execute(sql: "DELETE FROM temp.doomed")
        return count
    }

    /// A base holds the first letter of its group whole (a name, a class): once no message is written against it,
    /// its text goes. The row stays (ids are never reused for a different text).
    private static func blankUnusedBases(_ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE message_bases SET body = '{"subject":"","text":"","language":""}'
                WHERE body != '{"subject":"","text":"","language":""}'
                    AND NOT EXISTS (SELECT 1 FROM messages WHERE messages.base_id = message_bases.id)
                """)
    }
}

extension SQLiteAckLedger {
    /// Answers, their history and link records older than `before` go. Returns how many rows went.
    public func applyRetention(before: Date) async throws -> Int {
        let cutoff = AckCodec.seconds(before)
        return try await writer.write { db in
            try Self.released(db) {
                var removed = 0
                for sql in [
                    "DELETE FROM ack_history WHERE at < ?", "DELETE FROM acks WHERE at < ?",
                    "DELETE FROM ack_links WHERE created_at < ?", "DELETE FROM optout_links WHERE created_at < ?",
                ] {
                    try db.execute(sql: sql, arguments: [cutoff])
                    removed += db.changesCount
                }
                return removed
            }
        }
    }

    /// Every answer, history row, link and opt-out of these guardians. Returns how many rows went.
    public func erase(guardianIDs: Set<String>) async throws -> Int {
        guard !guardianIDs.isEmpty else { return 0 }
        let ids = Array(guardianIDs)
        return try await writer.write { db in
            try Self.released(db) {
                let marks = databaseQuestionMarks(count: ids.count)
                var removed = 0
                for table in ["ack_history", "acks", "ack_links", "optout_links", "optouts"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE guardian_id IN (\(marks))", arguments: StatementArguments(ids))
                    removed += db.changesCount
                }
                return removed
            }
        }
    }

    /// Every answer these guardians gave (the history, oldest first), for an export.
    public func answers(guardianIDs: Set<String>) async throws -> [Acknowledgement] {
        let ids = Array(guardianIDs)
        guard !ids.isEmpty else { return [] }
        return try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.ackColumns) FROM ack_history WHERE guardian_id IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY id",
                arguments: StatementArguments(ids)
            ).map(AckCodec.acknowledgement)
        }
    }

    /// Runs `body` with the history's delete guard lifted, inside the caller's transaction only.
    private static func released<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.execute(sql: "INSERT OR IGNORE INTO ack_history_release (id) VALUES (1)")
        defer { try? db.execute(sql: "DELETE FROM ack_history_release") }
        return try body()
    }
}

extension SQLiteDaemonJournal {
    /// Notes of closed alerts raised before `notesBefore` are removed; closed alerts raised before `recordsBefore` go
    /// with their rounds. Returns how many notes and alerts went.
    public func applyRetention(notesBefore: Date, recordsBefore: Date) async throws -> (notes: Int, alerts: Int) {
        try await writer.write { db in
            let closed = "status IN ('acknowledged', 'exhausted') AND raised_at < ?"
            try db.execute(
                sql: "DELETE FROM alert_rounds WHERE alert_id IN (SELECT id FROM alerts WHERE \(closed))",
                arguments: [recordsBefore.timeIntervalSince1970])
            try db.execute(sql: "DELETE FROM alerts WHERE \(closed)", arguments: [recordsBefore.timeIntervalSince1970])
            let alerts = db.changesCount
            try db.execute(sql: "UPDATE alerts SET note = '', note_translations = '{}' WHERE (note != '' OR note_translations != '{}') AND \(closed)", arguments: [notesBefore.timeIntervalSince1970])
            return (db.changesCount, alerts)
        }
    }

    /// Messages written on the desk whose send time (and that of anything about them) is before `cutoff`; returns
    /// how many went.
    public func purgeCompositions(sentBefore cutoff: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM compositions WHERE send_at < ?", arguments: [cutoff.timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// Alerts about these students, oldest first, for an export.
    public func alerts(studentIDs: Set<String>) async throws -> [Alert] {
        let ids = Array(studentIDs)
        guard !ids.isEmpty else { return [] }
        return try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.alertColumns) FROM alerts WHERE student_id IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY raised_at, id",
                arguments: StatementArguments(ids)
            ).map(Self.alert)
        }
    }

    /// Every alert about these students, with its rounds. Returns how many alerts went.
    public func erase(studentIDs: Set<String>) async throws -> Int {
        let ids = Array(studentIDs)
        guard !ids.isEmpty else { return 0 }
        return try await writer.write { db in
            let marks = databaseQuestionMarks(count: ids.count)
            try db.execute(
                sql: "DELETE FROM alert_rounds WHERE alert_id IN (SELECT id FROM alerts WHERE student_id IN (\(marks)))",
                arguments: StatementArguments(ids))
            try db.execute(sql: "DELETE FROM alerts WHERE student_id IN (\(marks))", arguments: StatementArguments(ids))
            return db.changesCount
        }
    }
}
