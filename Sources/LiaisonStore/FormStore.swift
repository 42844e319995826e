import Foundation
import GRDB
import LiaisonCrypto
import LiaisonModel

/// A household's answers to a form while it is being filled in (and, for a confidential survey, afterwards).
public struct FormDraft: Sendable, Hashable {
    public var eventID: String
    public var familyID: String
    /// The guardian who saved last.
    public var guardianID: String
    public var language: String
    public var answers: [String: FormAnswer]
    public var savedAt: Date
    /// When the answers were first sent (nil: saved for later only).
    public var submittedAt: Date?
}

/// What the form store keeps about one household (`liaison family export`).
public struct FamilyFormRecords: Sendable, Hashable {
    public var drafts: [FormDraft]
    /// The surveys it sent answers to.
    public var answered: [String]
    public var bookings: [SlotBooking]
    /// Its signed permission slips, every answer kept.
    public var consents: [ConsentRecord]
}

/// A response as results read it: a confidential one names its household, an anonymous one only its groups.
public struct StoredResponse: Sendable, Hashable {
    public var familyID: String?
    public var groups: [String]?
    public var language: String
    public var answers: [String: FormAnswer]
    /// The day it was sent (`2026-12-07`, the school's calendar): no finer time is kept for anonymous answers.
    public var day: String
}

/// One save of a form page.
public struct FormSave: Sendable {
    public var eventID: String
    public var familyID: String
    public var guardianID: String
    public var language: String
    public var answers: [String: FormAnswer]
    public var privacy: FormPrivacy
    /// The household's groups (its children's classes), kept with an anonymous response instead of the household.
    public var groups: [String]
    /// Send the answers (else: save them for later).
    public var submit: Bool
    public var closesAt: Date
    public var now: Date
    public var timeZone: TimeZone

    public init(
        eventID: String, familyID: String, guardianID: String, language: String, answers: [String: FormAnswer], privacy: FormPrivacy,
        groups: [String], submit: Bool, closesAt: Date, now: Date, timeZone: TimeZone
    ) {
        self.eventID = eventID
        self.familyID = familyID
        self.guardianID = guardianID
        self.language = language
        self.answers = answers
        self.privacy = privacy
        self.groups = groups
        self.submit = submit
        self.closesAt = closesAt
        self.now = now
        self.timeZone = timeZone
    }
}

/// What a save did.
public enum FormSaveOutcome: Sendable, Hashable {
    /// Kept for later.
    case saved
    /// Sent (a confidential survey's answers sent again are updated).
    case submitted
    /// The form closed: nothing recorded.
    case closed
    /// An anonymous survey this household has answered already: its answers cannot be found again, so not changed.
    case alreadyAnswered
}

/// Forms' answers, the has-answered marks and the surveys' samples.
public protocol FormStore: SurveyRegistry {
    func draft(eventID: String, familyID: String) async throws -> FormDraft?
    func hasAnswered(eventID: String, familyID: String) async throws -> Bool
    /// Saves or sends a household's answers, in one transaction. An anonymous response, when sent, is written with a
    /// random id, its group and its day only (no language), and the draft that linked it to the household is deleted.
    func save(_ save: FormSave) async throws -> FormSaveOutcome
    /// The sent responses of a form.
    func responses(eventID: String) async throws -> [StoredResponse]

    /// Books `slot` for a household's group (moving its booking there from another slot), in one transaction that
    /// counts the slot's bookings first: a slot never holds more than its capacity, whatever runs at once.
    func book(_ slot: MeetingSlot, eventID: String, familyID: String, guardianID: String, interpreter: String?, bookUntil: Date, now: Date)
        async throws -> BookingOutcome
    /// Cancels a household's booking in `group`; nil after the deadline, else whether there was one.
    func cancelBooking(eventID: String, group: String, familyID: String, bookUntil: Date, now: Date) async throws -> Bool?
    func bookings(eventID: String) async throws -> [SlotBooking]
    /// The number of changes made to a household's bookings of an event (0: none), counted in the transactions that
    /// make them: the sequence of its calendar entries, the key of its confirmations.
    func bookingRevision(eventID: String, familyID: String) async throws -> Int
    /// Households whose bookings changed since their last confirmation was queued, oldest change first.
    func pendingBookingChanges(limit: Int) async throws -> [BookingChange]
    /// Records that the confirmation of `change` was queued, describing `described` (the household's bookings then):
    /// the next confirmation says what changed since. False when a later revision was confirmed meanwhile (another
    /// process), and nothing changed.
    @discardableResult
    func markConfirmed(_ change: BookingChange, described: [SlotBooking]) async throws -> Bool
    /// The household's revision now and the last one confirmed.
    func bookingState(eventID: String, familyID: String) async throws -> (revision: Int, confirmed: Int)

    /// Keeps a household's signed answers of a permission slip (one per child), in one transaction; false (nothing
    /// kept) once `deadline` has passed.
    func recordConsent(_ records: [ConsentRecord], deadline: Date, now: Date) async throws -> Bool
}

/// ``FormStore`` in Liaison's SQLite file.
public final class SQLiteFormStore: FormStore {
    let writer: any DatabaseWriter

    public init(path: String) throws {
        writer = try SQLiteFile.open(path: path, migrator: Self.migrator).pool
    }

    private init(writer: any DatabaseWriter) { self.writer = writer }

    /// A private in-memory store, for tests.
    public static func inMemory() throws -> SQLiteFormStore {
        SQLiteFormStore(writer: try SQLiteFile.inMemory(label: "LiaisonForms", migrator: migrator))
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("forms-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE survey_samples (
                        survey_id TEXT PRIMARY KEY,
                        semester TEXT NOT NULL,
                        drawn_at REAL NOT NULL,
                        draw_json TEXT NOT NULL
                    );
                    CREATE TABLE form_drafts (
                        event_id TEXT NOT NULL,
                        family_id TEXT NOT NULL,
                        guardian_id TEXT NOT NULL,
                        language TEXT NOT NULL,
                        answers_json TEXT NOT NULL,
                        saved_at REAL NOT NULL,
                        submitted_at REAL,
                        submitted_day TEXT,
                        PRIMARY KEY (event_id, family_id)
                    );
                    CREATE TABLE form_anonymous (
                        response_id TEXT PRIMARY KEY,
                        event_id TEXT NOT NULL,
                        groups_json TEXT NOT NULL,
                        language TEXT NOT NULL,
                        answers_json TEXT NOT NULL,
                        day TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX form_anonymous_event ON form_anonymous (event_id);
                    CREATE TABLE form_answered (
                        event_id TEXT NOT NULL,
                        family_id TEXT NOT NULL,
                        PRIMARY KEY (event_id, family_id)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("forms-v2-bookings") { db in
            try db.execute(
                sql: """
                    CREATE TABLE slot_bookings (
                        event_id TEXT NOT NULL,
                        grp TEXT NOT NULL,
                        family_id TEXT NOT NULL,
                        slot_id TEXT NOT NULL,
                        guardian_id TEXT NOT NULL,
                        interpreter TEXT,
                        booked_at REAL NOT NULL,
                        PRIMARY KEY (event_id, grp, family_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX slot_bookings_slot ON slot_bookings (event_id, slot_id);
                    """)
        }
        migrator.registerMigration("forms-v3-consent") { db in
            // Every answer is kept (the latest per child counts): the slip's history, as paper slips would be filed.
            try db.execute(
                sql: """
                    CREATE TABLE consent_records (
                        event_id TEXT NOT NULL,
                        student_id TEXT NOT NULL,
                        family_id TEXT NOT NULL,
                        guardian_id TEXT NOT NULL,
                        decision TEXT NOT NULL,
                        typed_name TEXT NOT NULL,
                        answered_at REAL NOT NULL
                    );
                    CREATE INDEX consent_records_event ON consent_records (event_id, student_id);
                    CREATE INDEX consent_records_family ON consent_records (family_id);
                    """)
        }
        migrator.registerMigration("forms-v4-invitations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE form_invitations (
                        event_id TEXT PRIMARY KEY,
                        occurrence TEXT NOT NULL,
                        privacy TEXT,
                        at REAL NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("forms-v5-booking-changes") { db in
            // Each change of a household's bookings counts a revision in the transaction that makes it; a revision
            // newer than the one last confirmed is a confirmation still to queue (restart-safe: the daemon queues it
            // from here, keyed by the revision, so it is queued once whoever runs it and however often).
            try db.execute(
                sql: """
                    CREATE TABLE booking_changes (
                        event_id TEXT NOT NULL,
                        family_id TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        changed_at REAL NOT NULL,
                        confirmed_revision INTEGER NOT NULL DEFAULT 0,
                        -- the household's bookings the last confirmation described (JSON)
                        confirmed_json TEXT NOT NULL DEFAULT '[]',
                        PRIMARY KEY (event_id, family_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX booking_changes_pending ON booking_changes (changed_at) WHERE revision > confirmed_revision;
                    """)
            // Bookings made before: counted once and taken as told, so a later change is told against them.
            let existing = try Row.fetchAll(db, sql: "SELECT * FROM slot_bookings").map(Self.booking)
            for (key, bookings) in Dictionary(grouping: existing, by: { [$0.eventID, $0.familyID] }) {
                try db.execute(
                    sql: "INSERT INTO booking_changes (event_id, family_id, revision, changed_at, confirmed_revision, confirmed_json) VALUES (?, ?, 1, ?, 1, ?)",
                    arguments: [key[0], key[1], bookings.map(\.bookedAt.timeIntervalSince1970).max() ?? 0, Self.json(bookings)])
            }
        }
        return migrator
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? { try? JSONDecoder().decode(type, from: Data(text.utf8)) }

    /// `2026-12-07` in `timeZone`.
    static func day(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    static func draft(_ row: Row) -> FormDraft {
        FormDraft(
            eventID: row["event_id"], familyID: row["family_id"], guardianID: row["guardian_id"], language: row["language"],
            answers: decode([String: FormAnswer].self, row["answers_json"]) ?? [:],
            savedAt: Date(timeIntervalSince1970: row["saved_at"]),
            submittedAt: (row["submitted_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    public func draft(eventID: String, familyID: String) async throws -> FormDraft? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM form_drafts WHERE event_id = ? AND family_id = ?", arguments: [eventID, familyID])
                .map(Self.draft)
        }
    }

    public func hasAnswered(eventID: String, familyID: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM form_answered WHERE event_id = ? AND family_id = ?)", arguments: [eventID, familyID]
            ) ?? false
        }
    }

    public func save(_ save: FormSave) async throws -> FormSaveOutcome {
        guard save.now < save.closesAt else { return .closed }
        let day = Self.day(save.now, in: save.timeZone)
        let outcome: FormSaveOutcome = try await writer.write { db in
            let answered = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM form_answered WHERE event_id = ? AND family_id = ?)",
                arguments: [save.eventID, save.familyID]) ?? false
            if save.privacy == .anonymous, answered { return .alreadyAnswered }
            let answers = Self.json(save.answers)
            if save.privacy == .anonymous, save.submit {
                // The response leaves no trace of its household: a random id (rows come back in no order of time),
                // its group and its day, no language; the draft that linked it is deleted with secure_delete on, and
                // the has-answered mark carries no time.
                try db.execute(sql: "PRAGMA secure_delete = ON")
                try db.execute(
                    sql: "INSERT INTO form_anonymous (response_id, event_id, groups_json, language, answers_json, day) VALUES (?, ?, ?, '', ?, ?)",
                    arguments: [hexString(SecureRandom.bytes(16)), save.eventID, Self.json(save.groups.sorted()), answers, day])
                try db.execute(
                    sql: "DELETE FROM form_drafts WHERE event_id = ? AND family_id = ?", arguments: [save.eventID, save.familyID])
                try db.execute(sql: "INSERT INTO form_answered (event_id, family_id) VALUES (?, ?)", arguments: [save.eventID, save.familyID])
                return .submitted
            }
            try db.execute(
                sql: """
                    INSERT INTO form_drafts (event_id, family_id, guardian_id, language, answers_json, saved_at, submitted_at, submitted_day)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (event_id, family_id) DO UPDATE SET guardian_id = excluded.guardian_id, language = excluded.language,
                        answers_json = excluded.answers_json, saved_at = excluded.saved_at,
                        submitted_at = coalesce(form_drafts.submitted_at, excluded.submitted_at),
                        submitted_day = coalesce(form_drafts.submitted_day, excluded.submitted_day)
                    """,
                arguments: [
                    save.eventID, save.familyID, save.guardianID, save.language, answers, save.now.timeIntervalSince1970,
                    save.submit && save.privacy == .confidential ? save.now.timeIntervalSince1970 : nil,
                    save.submit && save.privacy == .confidential ? day : nil,
                ])
            guard save.submit else { return .saved }
            try db.execute(
                sql: "INSERT INTO form_answered (event_id, family_id) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [save.eventID, save.familyID])
            return .submitted
        }
        // The deleted draft may linger in the write-ahead log until a checkpoint: copy it back into the file (where
        // secure_delete has overwritten it) and empty the log. Readers may hold it back; the next checkpoint then does.
        if outcome == .submitted, save.privacy == .anonymous {
            try? await writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        return outcome
    }

    public func responses(eventID: String) async throws -> [StoredResponse] {
        try await writer.read { db in
            let confidential = try Row.fetchAll(
                db, sql: "SELECT * FROM form_drafts WHERE event_id = ? AND submitted_at IS NOT NULL ORDER BY family_id", arguments: [eventID]
            ).map { row in
                StoredResponse(
                    familyID: row["family_id"], groups: nil, language: row["language"],
                    answers: Self.decode([String: FormAnswer].self, row["answers_json"]) ?? [:], day: row["submitted_day"] ?? "")
            }
            let anonymous = try Row.fetchAll(
                db, sql: "SELECT * FROM form_anonymous WHERE event_id = ? ORDER BY response_id", arguments: [eventID]
            ).map { row in
                StoredResponse(
                    familyID: nil, groups: Self.decode([String].self, row["groups_json"]) ?? [], language: row["language"],
                    answers: Self.decode([String: FormAnswer].self, row["answers_json"]) ?? [:], day: row["day"])
            }
            return confidential + anonymous
        }
    }

    // MARK: - A family's records, retention

    /// What is kept about one household: its saved or sent (confidential) answers, the surveys it answered, its
    /// bookings. Anonymous answers are not among them: nothing links them to the household.
    public func records(familyID: String) async throws -> FamilyFormRecords {
        try await writer.read { db in
            let drafts = try Row.fetchAll(db, sql: "SELECT * FROM form_drafts WHERE family_id = ? ORDER BY event_id", arguments: [familyID]).map(Self.draft)
            let answered = try String.fetchAll(db, sql: "SELECT event_id FROM form_answered WHERE family_id = ? ORDER BY event_id", arguments: [familyID])
            let bookings = try Row.fetchAll(db, sql: "SELECT * FROM slot_bookings WHERE family_id = ? ORDER BY event_id, grp", arguments: [familyID]).map(Self.booking)
            let consents = try Row.fetchAll(
                db, sql: "SELECT * FROM consent_records WHERE family_id = ? ORDER BY event_id, answered_at, rowid", arguments: [familyID]
            ).compactMap(Self.consent)
            return FamilyFormRecords(drafts: drafts, answered: answered, bookings: bookings, consents: consents)
        }
    }

    /// Removes a household's answers, marks and bookings, and its id from the samples kept; returns the rows removed.
    public func erase(familyID: String) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            var removed = 0
            for table in ["form_drafts", "form_answered", "slot_bookings", "consent_records", "booking_changes"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE family_id = ?", arguments: [familyID])
                removed += db.changesCount
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM survey_samples") {
                guard var sample = Self.sample(row), sample.draw.households.contains(familyID) else { continue }
                sample.draw.households.removeAll { $0 == familyID }
                try db.execute(sql: "UPDATE survey_samples SET draw_json = ? WHERE survey_id = ?", arguments: [Self.json(sample.draw), sample.surveyID])
                removed += 1
            }
            return removed
        }
    }

    /// Removes the answers saved but never sent for `eventIDs` (anonymous surveys that closed: the only rows that
    /// still linked a household to what it wrote); returns how many.
    public func purgeDrafts(eventIDs: Set<String>) async throws -> Int {
        guard !eventIDs.isEmpty else { return 0 }
        return try await writer.write { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            var removed = 0
            for eventID in eventIDs.sorted() {
                try db.execute(sql: "DELETE FROM form_drafts WHERE event_id = ?", arguments: [eventID])
                removed += db.changesCount
            }
            return removed
        }
    }

    /// Removes answers saved or sent before `cutoff`, bookings made and permission slips signed before it, and samples drawn before it with the
    /// has-answered marks of their surveys; returns the rows removed.
    public func applyRetention(before cutoff: Date) async throws -> Int {
        try await writer.write { db in
            let time = cutoff.timeIntervalSince1970
            var removed = 0
            try db.execute(sql: "DELETE FROM form_drafts WHERE saved_at < ?", arguments: [time])
            removed += db.changesCount
            try db.execute(sql: "DELETE FROM slot_bookings WHERE booked_at < ?", arguments: [time])
            removed += db.changesCount
            // Kept as a count alone (what the last letter described goes): a later change keeps counting up, so its
            // letter's key and its calendar entries' sequence never fall back to one the outbox or a phone has.
            try db.execute(
                sql: "UPDATE booking_changes SET confirmed_json = '[]', confirmed_revision = revision WHERE changed_at < ? AND confirmed_json <> '[]'",
                arguments: [time])
            removed += db.changesCount
            try db.execute(sql: "DELETE FROM consent_records WHERE answered_at < ?", arguments: [time])
            removed += db.changesCount
            try db.execute(
                sql: "DELETE FROM form_answered WHERE event_id IN (SELECT survey_id FROM survey_samples WHERE drawn_at < ?)", arguments: [time])
            removed += db.changesCount
            try db.execute(sql: "DELETE FROM survey_samples WHERE drawn_at < ?", arguments: [time])
            removed += db.changesCount
            try db.execute(sql: "DELETE FROM form_invitations WHERE at < ?", arguments: [time])
            removed += db.changesCount
            return removed
        }
    }

    // MARK: - Bookings

    public func book(
        _ slot: MeetingSlot, eventID: String, familyID: String, guardianID: String, interpreter: String?, bookUntil: Date, now: Date
    ) async throws -> BookingOutcome {
        guard now < bookUntil else { return .closed }
        return try await writer.write { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT slot_id, interpreter FROM slot_bookings WHERE event_id = ? AND grp = ? AND family_id = ?",
                arguments: [eventID, slot.group, familyID])
            let current: String? = row?["slot_id"]
            if current == slot.id {
                let asked: String? = row?["interpreter"]
                try db.execute(
                    sql: "UPDATE slot_bookings SET interpreter = ?, guardian_id = ? WHERE event_id = ? AND grp = ? AND family_id = ?",
                    arguments: [interpreter, guardianID, eventID, slot.group, familyID])
                // The same time again (a second click): a change only if the interpreter request changed.
                if asked != interpreter { try Self.countChange(db, eventID: eventID, familyID: familyID, now: now) }
                return .unchanged
            }
            let taken = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM slot_bookings WHERE event_id = ? AND slot_id = ?", arguments: [eventID, slot.id]) ?? 0
            guard taken < slot.capacity else { return .full }
            try db.execute(
                sql: """
                    INSERT INTO slot_bookings (event_id, grp, family_id, slot_id, guardian_id, interpreter, booked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (event_id, grp, family_id) DO UPDATE SET slot_id = excluded.slot_id, guardian_id = excluded.guardian_id,
                        interpreter = excluded.interpreter, booked_at = excluded.booked_at
                    """,
                arguments: [eventID, slot.group, familyID, slot.id, guardianID, interpreter, now.timeIntervalSince1970])
            try Self.countChange(db, eventID: eventID, familyID: familyID, now: now)
            return current.map { .moved(from: $0) } ?? .booked
        }
    }

    public func cancelBooking(eventID: String, group: String, familyID: String, bookUntil: Date, now: Date) async throws -> Bool? {
        guard now < bookUntil else { return nil }
        return try await writer.write { db in
            try db.execute(
                sql: "DELETE FROM slot_bookings WHERE event_id = ? AND grp = ? AND family_id = ?", arguments: [eventID, group, familyID])
            guard db.changesCount > 0 else { return false }
            try Self.countChange(db, eventID: eventID, familyID: familyID, now: now)
            return true
        }
    }

    /// Counts a change of a household's bookings, in the transaction that makes it.
    private static func countChange(_ db: Database, eventID: String, familyID: String, now: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO booking_changes (event_id, family_id, revision, changed_at) VALUES (?, ?, 1, ?)
                ON CONFLICT (event_id, family_id) DO UPDATE SET revision = revision + 1, changed_at = excluded.changed_at
                """,
            arguments: [eventID, familyID, now.timeIntervalSince1970])
    }

    public func bookingRevision(eventID: String, familyID: String) async throws -> Int {
        try await writer.read { db in
            try Int.fetchOne(db, sql: "SELECT revision FROM booking_changes WHERE event_id = ? AND family_id = ?", arguments: [eventID, familyID]) ?? 0
        }
    }

    public func pendingBookingChanges(limit: Int) async throws -> [BookingChange] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM booking_changes WHERE revision > confirmed_revision ORDER BY changed_at LIMIT ?", arguments: [max(1, limit)]
            ).map { row in
                BookingChange(
                    eventID: row["event_id"], familyID: row["family_id"], revision: row["revision"],
                    changedAt: Date(timeIntervalSince1970: row["changed_at"]),
                    confirmed: Self.decode([SlotBooking].self, row["confirmed_json"]) ?? [])
            }
        }
    }

    @discardableResult
    public func markConfirmed(_ change: BookingChange, described: [SlotBooking]) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE booking_changes SET confirmed_revision = ?, confirmed_json = ?
                    WHERE event_id = ? AND family_id = ? AND confirmed_revision < ? AND revision >= ?
                    """,
                arguments: [change.revision, Self.json(described), change.eventID, change.familyID, change.revision, change.revision])
            return db.changesCount > 0
        }
    }

    public func bookingState(eventID: String, familyID: String) async throws -> (revision: Int, confirmed: Int) {
        try await writer.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT revision, confirmed_revision FROM booking_changes WHERE event_id = ? AND family_id = ?", arguments: [eventID, familyID])
            return (row?["revision"] ?? 0, row?["confirmed_revision"] ?? 0)
        }
    }

    public func bookings(eventID: String) async throws -> [SlotBooking] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM slot_bookings WHERE event_id = ? ORDER BY slot_id, booked_at", arguments: [eventID])
                .map(Self.booking)
        }
    }

    static func booking(_ row: Row) -> SlotBooking {
        SlotBooking(
            eventID: row["event_id"], group: row["grp"], slotID: row["slot_id"], familyID: row["family_id"],
            guardianID: row["guardian_id"], interpreter: row["interpreter"], bookedAt: Date(timeIntervalSince1970: row["booked_at"]))
    }

    // MARK: - Permission slips

    public func recordConsent(_ records: [ConsentRecord], deadline: Date, now: Date) async throws -> Bool {
        guard now < deadline else { return false }
        guard !records.isEmpty else { return true }
        try await writer.write { db in
            for record in records {
                try db.execute(
                    sql: """
                        INSERT INTO consent_records (event_id, student_id, family_id, guardian_id, decision, typed_name, answered_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        record.eventID, record.studentID, record.familyID, record.guardianID, record.decision.rawValue, record.typedName,
                        record.answeredAt.timeIntervalSince1970,
                    ])
            }
        }
        return true
    }

    public func consents(eventID: String) async throws -> [ConsentRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM consent_records WHERE event_id = ? ORDER BY answered_at, rowid", arguments: [eventID])
                .compactMap(Self.consent)
        }
    }

    static func consent(_ row: Row) -> ConsentRecord? {
        guard let decision = ConsentDecision(rawValue: row["decision"]) else { return nil }
        return ConsentRecord(
            eventID: row["event_id"], studentID: row["student_id"], familyID: row["family_id"], guardianID: row["guardian_id"],
            decision: decision, typedName: row["typed_name"], answeredAt: Date(timeIntervalSince1970: row["answered_at"]))
    }

    // MARK: - SurveyRegistry

    public func keepInvitation(_ invitation: KeptInvitation) async throws -> KeptInvitation {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO form_invitations (event_id, occurrence, privacy, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [invitation.eventID, invitation.occurrence, invitation.privacy?.rawValue, invitation.at.timeIntervalSince1970])
            return try Row.fetchOne(db, sql: "SELECT * FROM form_invitations WHERE event_id = ?", arguments: [invitation.eventID])
                .map(Self.invitation) ?? invitation
        }
    }

    public func invitation(eventID: String) async throws -> KeptInvitation? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM form_invitations WHERE event_id = ?", arguments: [eventID]).map(Self.invitation)
        }
    }

    static func invitation(_ row: Row) -> KeptInvitation {
        KeptInvitation(
            eventID: row["event_id"], occurrence: row["occurrence"], privacy: (row["privacy"] as String?).flatMap(FormPrivacy.init(rawValue:)),
            at: Date(timeIntervalSince1970: row["at"]))
    }

    public func sample(surveyID: String) async throws -> StoredSample? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM survey_samples WHERE survey_id = ?", arguments: [surveyID]).flatMap(Self.sample)
        }
    }

    static func sample(_ row: Row) -> StoredSample? {
        guard let draw = decode(SurveySampling.Draw.self, row["draw_json"]) else { return nil }
        return StoredSample(surveyID: row["survey_id"], semester: row["semester"], draw: draw, drawnAt: Date(timeIntervalSince1970: row["drawn_at"]))
    }

    public func keepSample(_ sample: StoredSample) async throws -> StoredSample {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO survey_samples (survey_id, semester, drawn_at, draw_json) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [sample.surveyID, sample.semester, sample.drawnAt.timeIntervalSince1970, Self.json(sample.draw)])
            return try Row.fetchOne(db, sql: "SELECT * FROM survey_samples WHERE survey_id = ?", arguments: [sample.surveyID])
                .flatMap(Self.sample) ?? sample
        }
    }

    public func samples() async throws -> [StoredSample] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM survey_samples ORDER BY drawn_at, survey_id").compactMap(Self.sample)
        }
    }

    public func answeredHouseholds(surveyID: String) async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT family_id FROM form_answered WHERE event_id = ?", arguments: [surveyID]))
        }
    }
}
