import LiaisonCrypto
import Foundation
import LiaisonModel
import GRDB

/// The default ledger: SQLite through GRDB, in WAL mode with `synchronous = FULL`, like `SQLiteOutboxStore`. It may
/// share the outbox's file: in one process they share its pool (``SQLiteFile``), each running its own migrations;
/// another process's writers wait for them up to the busy timeout.
///
/// Every change is made in an IMMEDIATE transaction, so two answers for the same (event, guardian), from two tasks or two
/// processes, are decided one after the other against the current answer. Answers given at the same time are written
/// together, several in one transaction (group commit, see `acknowledge`).
public final class SQLiteAckLedger: AckLedger {
    let writer: any DatabaseWriter
    /// Answers waiting for their group commit (see `acknowledge`).
    private let answers = Locked(AnswerQueue())
    /// The database file, or `nil` in memory.
    public let path: String?

    /// How long a write waits for another connection or process holding the file.
    public static let busyTimeout: TimeInterval = SQLiteFile.busyTimeout
    /// Random bytes in a token: 128 bits, 22 base64url characters.
    static let tokenBytes = 16

    /// Opens (creating the file and its folder if needed) and migrates the ledger at `path`; the file may be the outbox's.
    public init(path: String) throws {
        let (pool, path) = try SQLiteFile.open(path: path, migrator: AckSchema.migrator)
        self.writer = pool
        self.path = path
    }

    private init(writer: any DatabaseWriter) {
        self.writer = writer
        self.path = nil
    }

    /// A private in-memory ledger, for tests.
    public static func inMemory() throws -> SQLiteAckLedger {
        SQLiteAckLedger(writer: try SQLiteFile.inMemory(label: "LiaisonAckLedger", migrator: AckSchema.migrator))
    }


    // MARK: - Tokens

    public func issueToken(eventID: String, occurrence: String, guardianID: String, now: Date) async throws -> String {
        let createdAt = AckCodec.seconds(now)
        // A collision of 128-bit random tokens does not happen; if the UNIQUE index ever says otherwise, draw again.
        var attempt = 0
        while true {
            attempt += 1
            let token = Self.newToken()
            let hash = Self.hash(token)
            do {
                try await writer.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO ack_links (token_hash, event_id, occurrence, guardian_id, created_at)
                            VALUES (?, ?, ?, ?, ?)
                            """, arguments: [hash, eventID, occurrence, guardianID, createdAt])
                }
                return token
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT && attempt < 3 {
                continue
            }
        }
    }

    public func issueTokens(eventID: String, occurrence: String, guardianIDs: [String], now: Date) async throws -> [String: String] {
        try await issueHashedTokens(
            guardianIDs: guardianIDs,
            insert: "INSERT OR IGNORE INTO ack_links (token_hash, event_id, occurrence, guardian_id, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: { hash, guardianID in [hash, eventID, occurrence, guardianID, AckCodec.seconds(now)] })
    }

    /// A fresh token per guardian, stored as its hash by `insert` (an `INSERT OR IGNORE` whose arguments `arguments`
    /// gives for a hash and a guardian id), all in one transaction: one fsync instead of one per guardian.
    func issueHashedTokens(
        guardianIDs: [String], insert: String, arguments: @escaping @Sendable (Data, String) -> StatementArguments
    ) async throws -> [String: String] {
        guard !guardianIDs.isEmpty else { return [:] }
        // Drawn and hashed before the transaction, which holds the file's write lock.
        let drawn = zip(guardianIDs, Self.newTokens(guardianIDs.count)).map { guardianID, token in
            (guardianID: guardianID, token: token, hash: Self.hash(token))
        }
        return try await writer.write { db in
            var tokens: [String: String] = [:]
            tokens.reserveCapacity(drawn.count)
            let statement = try db.makeStatement(sql: insert)
            for (guardianID, first, firstHash) in drawn {
                var (token, hash) = (first, firstHash)
                while true {
                    try statement.execute(arguments: arguments(hash, guardianID))
                    if db.changesCount == 1 { break }
                    // A 128-bit collision never happens; if it did, draw again.
                    token = Self.newToken()
                    hash = Self.hash(token)
                }
                tokens[guardianID] = token
            }
            return tokens
        }
    }

    public func issueTokens(_ requests: [LinkTokenRequest], now: Date) async throws -> [String] {
        guard !requests.isEmpty else { return [] }
        let createdAt = AckCodec.seconds(now)
        // Drawn and hashed before the transaction, which holds the file's write lock.
        let drawn = Self.newTokens(requests.count).map { ($0, Self.hash($0)) }
        return try await writer.write { db in
            let ack = try db.makeStatement(
                sql: "INSERT OR IGNORE INTO ack_links (token_hash, event_id, occurrence, guardian_id, created_at) VALUES (?, ?, ?, ?, ?)")
            let unsubscribe = try db.makeStatement(
                sql: "INSERT OR IGNORE INTO optout_links (token_hash, category, occurrence, guardian_id, created_at) VALUES (?, ?, ?, ?, ?)")
            var tokens: [String] = []
            tokens.reserveCapacity(requests.count)
            for (request, (first, firstHash)) in zip(requests, drawn) {
                var (token, hash) = (first, firstHash)
                while true {
                    switch request.kind {
                    case .ack(let eventID):
                        try ack.execute(arguments: [hash, eventID, request.occurrence, request.guardianID, createdAt])
                    case .unsubscribe(let category):
                        try unsubscribe.execute(arguments: [hash, category.rawValue, request.occurrence, request.guardianID, createdAt])
                    }
                    if db.changesCount == 1 { break }
                    // A 128-bit collision never happens; if it did, draw again.
                    token = Self.newToken()
                    hash = Self.hash(token)
                }
                tokens.append(token)
            }
            return tokens
        }
    }

    public func link(forToken token: String) async throws -> AckLink? {
        // The format check looks only at length and alphabet, never compares secret bytes; the lookup is by the hash.
        guard Self.isWellFormed(token) else { return nil }
        let hash = Self.hash(token)
        return try await writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT event_id, guardian_id, occurrence, created_at FROM ack_links WHERE token_hash = ?",
                    arguments: [hash])
            else { return nil }
            return AckLink(eventID: row[0], guardianID: row[1], occurrence: row[2], createdAt: AckCodec.date(row[3]))
        }
    }

    /// 128 bits from the system's cryptographic generator, base64url without padding.
    static func newToken() -> String {
        newTokens(1)[0]
    }

    /// `count` tokens, their bits drawn from the kernel's generator in one request (glibc's `arc4random_buf` is
    /// getrandom(2)) rather than one per 8 bytes as `SystemRandomNumberGenerator` does.
    static func newTokens(_ count: Int) -> [String] {
        var bytes = [UInt8](repeating: 0, count: count * tokenBytes)
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            #if canImport(Glibc)
            arc4random_buf(base, buffer.count)
            #else
            var generator = SystemRandomNumberGenerator()
            for offset in stride(from: 0, to: buffer.count, by: 8) {
                withUnsafeBytes(of: generator.next() as UInt64) { word in
                    (base + offset).copyMemory(from: word.baseAddress!, byteCount: min(8, buffer.count - offset))
                }
            }
            #endif
        }
        return (0..<count).map { Base64URL.encode(Array(bytes[$0 * tokenBytes ..< ($0 + 1) * tokenBytes])) }
    }


    /// What is stored for a token: the SHA-256 of its text.
    static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// Base64url, at least as long as the tokens issued and at most 128 characters (longer input is not hashed).
    static func isWellFormed(_ token: String) -> Bool {
        let utf8 = token.utf8
        guard utf8.count >= 22, utf8.count <= 128 else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default: false
            }
        }
    }

    // MARK: - Answers

    static let ackColumns = "event_id, guardian_id, answer, at, via, occurrence"

    /// One `acknowledge` call: its answer, and where its outcome goes once the transaction holding it is durable.
    struct PendingAnswer: Sendable {
        var eventID: String
        var guardianID: String
        var answer: String
        var via: String
        var occurrence: String?
        var at: Date
        var changeUntil: Date?
        var reply: CheckedContinuation<AckOutcome, any Error>
    }

    /// The answers waiting for the next group commit, and whether a commit is under way.
    struct AnswerQueue: Sendable {
        var waiting: [PendingAnswer] = []
        var committing = false
    }

    /// Most answers written by one transaction: a burst is written in several, so the outbox's writes (an alert's
    /// claims and results), queued on the same writer connection, get their turn between them.
    static let maxAnswersPerCommit = 256

    /// Answers are written by group commit, like the dispatcher's results: one transaction at a time, each with every
    /// answer that arrived while the previous one was being written (up to ``maxAnswersPerCommit``), so a burst of
    /// thousands costs a few fsyncs instead of one each. Within a transaction the answers are decided one after the
    /// other, in the order they arrived, against the current answer, exactly as one transaction each would decide them;
    /// a call returns once the transaction holding its answer is committed, and if that transaction fails, every call
    /// in it fails and none of its answers is recorded.
    public func acknowledge(
        eventID: String, guardianID: String, answer: String, via: String, occurrence: String?, at: Date, changeUntil: Date?
    ) async throws -> AckOutcome {
        try await withCheckedThrowingContinuation { reply in
            let pending = PendingAnswer(
                eventID: eventID, guardianID: guardianID, answer: answer, via: via, occurrence: occurrence, at: at,
                changeUntil: changeUntil, reply: reply)
            let startCommitting = answers.withLock { queue -> Bool in
                queue.waiting.append(pending)
                guard !queue.committing else { return false }
                queue.committing = true
                return true
            }
            if startCommitting {
                Task { await self.commitWaitingAnswers() }
            }
        }
    }

    /// Writes the waiting answers, a transaction at a time, until none is left.
    private func commitWaitingAnswers() async {
        while true {
            let batch = answers.withLock { queue -> [PendingAnswer] in
                let batch = Array(queue.waiting.prefix(Self.maxAnswersPerCommit))
                queue.waiting.removeFirst(batch.count)
                if batch.isEmpty { queue.committing = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let outcomes = try await writer.write { db in try Self.record(batch, db) }
                for (pending, outcome) in zip(batch, outcomes) { pending.reply.resume(returning: outcome) }
            } catch {
                for pending in batch { pending.reply.resume(throwing: error) }
            }
        }
    }

    /// Decides and writes `batch` in order, inside the caller's transaction: each answer sees those before it.
    private static func record(_ batch: [PendingAnswer], _ db: Database) throws -> [AckOutcome] {
        let current = try db.cachedStatement(sql: "SELECT answer FROM acks WHERE event_id = ? AND guardian_id = ?")
        let update = try db.cachedStatement(
            sql: "UPDATE acks SET answer = ?, at = ?, via = ?, occurrence = ? WHERE event_id = ? AND guardian_id = ?")
        let insert = try db.cachedStatement(sql: "INSERT INTO acks (\(ackColumns)) VALUES (?, ?, ?, ?, ?, ?)")
        let append = try db.cachedStatement(
            sql: "INSERT INTO ack_history (\(ackColumns), previous) VALUES (?, ?, ?, ?, ?, ?, ?)")
        return try batch.map { pending -> AckOutcome in
            let atSeconds = AckCodec.seconds(pending.at)
            let previous = try String.fetchOne(current, arguments: [pending.eventID, pending.guardianID])
            let outcome: AckOutcome
            if let previous {
                // The same answer again, or a read receipt after an answer (reading a reminder keeps the RSVP).
                if previous == pending.answer || pending.answer == Acknowledgement.read { return .unchanged }
                if let changeUntil = pending.changeUntil, pending.at >= changeUntil { return .tooLate(deadline: changeUntil) }
                try update.execute(arguments: [
                    pending.answer, atSeconds, pending.via, pending.occurrence, pending.eventID, pending.guardianID,
                ])
                outcome = .changed(from: previous)
            } else {
                try insert.execute(arguments: [
                    pending.eventID, pending.guardianID, pending.answer, atSeconds, pending.via, pending.occurrence,
                ])
                outcome = .recorded
            }
            try append.execute(arguments: [
                pending.eventID, pending.guardianID, pending.answer, atSeconds, pending.via, pending.occurrence, previous,
            ])
            return outcome
        }
    }

    /// How many answers wait for a commit (not counting those being written), and whether one is under way; for tests.
    var answerQueue: (waiting: Int, committing: Bool) { answers.withLock { ($0.waiting.count, $0.committing) } }

    public func acknowledgement(eventID: String, guardianID: String) async throws -> Acknowledgement? {
        try await writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.ackColumns) FROM acks WHERE event_id = ? AND guardian_id = ?",
                arguments: [eventID, guardianID]
            ).map(AckCodec.acknowledgement)
        }
    }

    public func acknowledgements(eventID: String) async throws -> [Acknowledgement] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.ackColumns) FROM acks WHERE event_id = ? ORDER BY at, id", arguments: [eventID]
            ).map(AckCodec.acknowledgement)
        }
    }

    public func history(eventID: String, guardianID: String) async throws -> [Acknowledgement] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.ackColumns) FROM ack_history WHERE event_id = ? AND guardian_id = ? ORDER BY id",
                arguments: [eventID, guardianID]
            ).map(AckCodec.acknowledgement)
        }
    }

    public func firstAcknowledgement(eventID: String, since: Date) async throws -> Acknowledgement? {
        try await writer.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT \(Self.ackColumns) FROM ack_history WHERE event_id = ? AND at >= ? ORDER BY at, id LIMIT 1",
                arguments: [eventID, AckCodec.seconds(since)]
            ).map(AckCodec.acknowledgement)
        }
    }

    // MARK: - For tests and diagnostics

    /// The writer connection's value of a pragma (`journal_mode`, `synchronous`, `busy_timeout`).
    func pragma(_ name: String) throws -> String? {
        try writer.writeWithoutTransaction { db in
            try DatabaseValue.fetchOne(db, sql: "PRAGMA \(name)").map(AckCodec.text)
        }
    }

    /// Every value a query returns, as text (blobs as lowercase hex), to look at the stored rows directly.
    func rawRows(_ sql: String) async throws -> [[String]] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: sql).map { row in row.databaseValues.map(AckCodec.text) }
        }
    }

    /// Runs a statement on the writer, to check what the schema refuses.
    func rawExecute(_ sql: String) async throws {
        try await writer.write { db in try db.execute(sql: sql) }
    }
}

/// Conversions between model values and stored columns.
enum AckCodec {
    static func seconds(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    /// Reads a row selected with `SQLiteAckLedger.ackColumns`.
    static func acknowledgement(_ row: Row) -> Acknowledgement {
        Acknowledgement(eventID: row[0], guardianID: row[1], answer: row[2], at: date(row[3]), via: row[4], occurrence: row[5])
    }

    static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL"
        case .int64(let int): String(int)
        case .double(let double): String(double)
        case .string(let string): string
        case .blob(let data): data.map { String(format: "%02x", $0) }.joined()
        }
    }
}
