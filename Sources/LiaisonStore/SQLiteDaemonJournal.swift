import Foundation
import GRDB
import LiaisonModel

/// The daemon's journal in SQLite, usually in the outbox's file (its own migrator, like the ack ledger's).
public final class SQLiteDaemonJournal: DaemonJournal {
    let writer: any DatabaseWriter

    /// Opens (creating if needed) and migrates the journal at `path`; the file may be the outbox's.
    public init(path: String) throws {
        writer = try SQLiteFile.open(path: path, migrator: Self.migrator).pool
    }

    private init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// A private in-memory journal, for tests.
    public static func inMemory() throws -> SQLiteDaemonJournal {
        SQLiteDaemonJournal(writer: try SQLiteFile.inMemory(label: "LiaisonDaemonJournal", migrator: migrator))
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("daemon-v1") { db in
            try db.execute(
                sql: """
                    -- What the scheduler did with each planned send (one row per occurrence).
                    CREATE TABLE schedule_entries (
                        occurrence TEXT PRIMARY KEY,
                        event_id TEXT NOT NULL,
                        due_at REAL NOT NULL,
                        outcome TEXT NOT NULL,
                        reason TEXT,
                        fingerprint TEXT NOT NULL,
                        recorded_at REAL NOT NULL
                    );
                    CREATE INDEX schedule_entries_event ON schedule_entries (event_id, due_at);
                    CREATE TABLE alerts (
                        id TEXT PRIMARY KEY,
                        student_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        note TEXT NOT NULL,
                        raised_at REAL NOT NULL,
                        raised_by TEXT NOT NULL,
                        status TEXT NOT NULL,
                        acknowledged_at REAL,
                        acknowledged_by TEXT,
                        acknowledged_via TEXT
                    );
                    CREATE INDEX alerts_status ON alerts (status, raised_at);
                    -- Every round of every escalation, once.
                    CREATE TABLE alert_rounds (
                        alert_id TEXT NOT NULL,
                        round TEXT NOT NULL,
                        ran_at REAL NOT NULL,
                        recipients TEXT NOT NULL,
                        PRIMARY KEY (alert_id, round)
                    );
                    """)
        }
        // Alert notes in other languages: a JSON object from language tag to text.
        migrator.registerMigration("daemon-v2-note-translations") { db in
            try db.execute(sql: "ALTER TABLE alerts ADD COLUMN note_translations TEXT NOT NULL DEFAULT '{}'")
        }
        // Messages written on the desk, kept whole as JSON: the schedule of the school plus these is what the
        // scheduler sends and reconciles.
        migrator.registerMigration("daemon-v3-compositions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE compositions (
                        id TEXT PRIMARY KEY,
                        composed_at REAL NOT NULL,
                        send_at REAL NOT NULL,
                        status TEXT NOT NULL,
                        json TEXT NOT NULL
                    )
                    """)
        }
        return migrator
    }

    // MARK: - Schedule

    public func record(_ entry: ScheduleEntry) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO schedule_entries (occurrence, event_id, due_at, outcome, reason, fingerprint, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (occurrence) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason,
                        fingerprint = excluded.fingerprint, recorded_at = excluded.recorded_at
                    """,
                arguments: [
                    entry.occurrence, entry.eventID, entry.dueAt.timeIntervalSince1970, entry.outcome.rawValue, entry.reason,
                    entry.fingerprint, entry.recordedAt.timeIntervalSince1970,
                ])
        }
    }

    public func scheduleEntries(eventID: String?) async throws -> [ScheduleEntry] {
        try await writer.read { db in
            let sql = "SELECT occurrence, event_id, due_at, outcome, reason, fingerprint, recorded_at FROM schedule_entries"
            let rows = eventID == nil
                ? try Row.fetchAll(db, sql: sql + " ORDER BY due_at, occurrence")
                : try Row.fetchAll(db, sql: sql + " WHERE event_id = ? ORDER BY due_at, occurrence", arguments: [eventID])
            return try rows.map { row in
                let raw: String = row[3]
                guard let outcome = ScheduleEntry.Outcome(rawValue: raw) else { throw OutboxStoreError.corruptRow("schedule outcome \(raw)") }
                return ScheduleEntry(
                    occurrence: row[0], eventID: row[1], dueAt: Date(timeIntervalSince1970: row[2]), outcome: outcome,
                    reason: row[4], fingerprint: row[5], recordedAt: Date(timeIntervalSince1970: row[6]))
            }
        }
    }

    // MARK: - Compositions

    static func compositionJSON(_ composition: Composition) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(composition), as: UTF8.self)
    }

    public func save(_ composition: Composition) async throws -> Bool {
        let json = try Self.compositionJSON(composition)
        return try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO compositions (id, composed_at, send_at, status, json) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                arguments: [
                    composition.id, composition.composedAt.timeIntervalSince1970, composition.sendAt.timeIntervalSince1970,
                    composition.status.rawValue, json,
                ])
            return db.changesCount == 1
        }
    }

    public func update(_ composition: Composition) async throws {
        let json = try Self.compositionJSON(composition)
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE compositions SET status = ?, json = ? WHERE id = ?", arguments: [composition.status.rawValue, json, composition.id])
        }
    }

    public func compositions(since: Date) async throws -> [Composition] {
        let rows = try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT json FROM compositions WHERE composed_at >= ?1 OR send_at >= ?1 ORDER BY composed_at",
                arguments: [since.timeIntervalSince1970])
        }
        return try rows.map { try JSONDecoder().decode(Composition.self, from: Data($0.utf8)) }
    }

    // MARK: - Alerts

    static let alertColumns =
        "id, student_id, kind, note, raised_at, raised_by, status, acknowledged_at, acknowledged_by, acknowledged_via, note_translations"

    public func open(_ alert: Alert) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO alerts (\(Self.alertColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: Self.arguments(alert))
        }
    }

    public func update(_ alert: Alert) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE alerts SET status = ?, acknowledged_at = ?, acknowledged_by = ?, acknowledged_via = ? WHERE id = ?",
                arguments: [
                    alert.status.rawValue, alert.acknowledgedAt?.timeIntervalSince1970, alert.acknowledgedBy, alert.acknowledgedVia,
                    alert.id,
                ])
        }
    }

    public func alert(_ id: String) async throws -> Alert? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.alertColumns) FROM alerts WHERE id = ?", arguments: [id]).map(Self.alert)
        }
    }

    public func activeAlerts() async throws -> [Alert] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.alertColumns) FROM alerts WHERE status IN ('open', 'exhausted') ORDER BY raised_at, id"
            ).map(Self.alert)
        }
    }

    public func alerts(limit: Int) async throws -> [Alert] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.alertColumns) FROM alerts ORDER BY raised_at DESC, id DESC LIMIT ?", arguments: [limit]
            ).map(Self.alert)
        }
    }

    public func recordRound(_ round: AlertRound) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO alert_rounds (alert_id, round, ran_at, recipients) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [round.alertID, round.round, round.ranAt.timeIntervalSince1970, round.recipients.joined(separator: " ")])
            return db.changesCount == 1
        }
    }

    public func rounds(alertID: String) async throws -> [AlertRound] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT alert_id, round, ran_at, recipients FROM alert_rounds WHERE alert_id = ? ORDER BY ran_at, round",
                arguments: [alertID]
            ).map { row in
                let recipients: String = row[3]
                return AlertRound(
                    alertID: row[0], round: row[1], ranAt: Date(timeIntervalSince1970: row[2]),
                    recipients: recipients.split(separator: " ").map(String.init))
            }
        }
    }

    private static func arguments(_ alert: Alert) -> StatementArguments {
        [
            alert.id, alert.studentID, alert.kind.rawValue, alert.note, alert.raisedAt.timeIntervalSince1970, alert.raisedBy,
            alert.status.rawValue, alert.acknowledgedAt?.timeIntervalSince1970, alert.acknowledgedBy, alert.acknowledgedVia,
            translationsJSON(alert.noteTranslations),
        ]
    }

    /// `{"so": "…"}`, keys sorted.
    static func translationsJSON(_ translations: [LanguageTag: String]) -> String {
        let object = Dictionary(uniqueKeysWithValues: translations.map { ($0.key.rawValue, $0.value) })
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The versions a `note_translations` column holds; entries that are not a tag and a text are left out.
    static func translations(fromJSON text: String) -> [LanguageTag: String] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return [:] }
        var translations: [LanguageTag: String] = [:]
        for (key, value) in object {
            if let language = LanguageTag(key), let text = value as? String { translations[language] = text }
        }
        return translations
    }

    static func alert(_ row: Row) throws -> Alert {
        let kind: String = row[2]
        let status: String = row[6]
        guard let parsedKind = AlertKind(rawValue: kind), let parsedStatus = Alert.Status(rawValue: status) else {
            throw OutboxStoreError.corruptRow("alert \(String(describing: row[0] as String?)) kind \(kind) status \(status)")
        }
        let acknowledgedAt: Double? = row[7]
        var alert = Alert(
            id: row[0], studentID: row[1], kind: parsedKind, note: row[3], raisedAt: Date(timeIntervalSince1970: row[4]),
            raisedBy: row[5], status: parsedStatus, acknowledgedAt: acknowledgedAt.map(Date.init(timeIntervalSince1970:)),
            acknowledgedBy: row[8], acknowledgedVia: row[9])
        alert.noteTranslations = translations(fromJSON: row[10])
        return alert
    }
}
