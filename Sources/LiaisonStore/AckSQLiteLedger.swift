import Crypto
import Foundation
import LiaisonModel
import GRDB

/// The default ledger: SQLite through GRDB, in WAL mode with `synchronous = FULL`, like `SQLiteOutboxStore`. It may
/// share the outbox's file: in one process they share its pool (``SQLiteFile``), each running its own migrations;
/// another process's writers wait for them up to the busy timeout.
///
/// Every change is one IMMEDIATE transaction, so two answers for the same (event, guardian), from two tasks or two
/// processes, are decided one after the other against the current answer.
public final class SQLiteAckLedger: AckLedger {
    let writer: any DatabaseWriter
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
        let createdAt = AckCodec.seconds(now)
        // Drawn and hashed before the transaction, which holds the file's write lock.
        let drawn = zip(guardianIDs, Self.newTokens(guardianIDs.count)).map { guardianID, token in
            (guardianID: guardianID, token: token, hash: Self.hash(token))
        }
        // One transaction for the whole batch: one fsync instead of one per guardian.
        return try await writer.write { db in
            var tokens: [String: String] = [:]
            tokens.reserveCapacity(drawn.count)
            let statement = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO ack_links (token_hash, event_id, occurrence, guardian_id, created_at)
                VALUES (?, ?, ?, ?, ?)
                """)
            for (guardianID, first, firstHash) in drawn {
                var (token, hash) = (first, firstHash)
                while true {
                    try statement.execute(arguments: [hash, eventID, occurrence, guardianID, createdAt])
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

    private static let ackColumns = "event_id, guardian_id, answer, at, via, occurrence"

    public func acknowledge(
        eventID: String, guardianID: String, answer: String, via: String, occurrence: String?, at: Date, changeUntil: Date?
    ) async throws -> AckOutcome {
        let atSeconds = AckCodec.seconds(at)
        return try await writer.write { db in
            let current = try String.fetchOne(
                db, sql: "SELECT answer FROM acks WHERE event_id = ? AND guardian_id = ?", arguments: [eventID, guardianID])
            let outcome: AckOutcome
            if let current {
                // The same answer again, or a read receipt after an answer (reading a reminder keeps the RSVP).
                if current == answer || answer == Acknowledgement.read { return .unchanged }
                if let changeUntil, at >= changeUntil { return .tooLate(deadline: changeUntil) }
                try db.execute(
                    sql: """
                        UPDATE acks SET answer = ?, at = ?, via = ?, occurrence = ?
                        WHERE event_id = ? AND guardian_id = ?
                        """, arguments: [answer, atSeconds, via, occurrence, eventID, guardianID])
                outcome = .changed(from: current)
            } else {
                try db.execute(
                    sql: "INSERT INTO acks (\(Self.ackColumns)) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [eventID, guardianID, answer, atSeconds, via, occurrence])
                outcome = .recorded
            }
            try db.execute(
                sql: "INSERT INTO ack_history (\(Self.ackColumns), previous) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [eventID, guardianID, answer, atSeconds, via, occurrence, current])
            return outcome
        }
    }

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
