import Foundation
import GRDB
import LiaisonCrypto
import LiaisonModel

/// A staff member's sign-in: the password's bcrypt hash, an optional TOTP secret, and the state of their lockout.
/// Who they are (name, role, classes) comes from the staff file, not from here.
public struct StaffAccount: Sendable, Hashable {
    public var staffID: String
    /// bcrypt (`$2b$…`), never the password.
    public var passwordHash: String
    /// The TOTP secret, when they enrolled an authenticator app.
    public var totpSecret: [UInt8]?
    /// The last TOTP step accepted (a code is never accepted twice).
    public var totpStep: Int64?
    public var disabled: Bool
    public var lockout: AccountLockout.State
    public var createdAt: Date
    public var passwordChangedAt: Date
    public var lastSignInAt: Date?

    public init(staffID: String, passwordHash: String, totpSecret: [UInt8]? = nil, createdAt: Date) {
        self.staffID = staffID
        self.passwordHash = passwordHash
        self.totpSecret = totpSecret
        totpStep = nil
        disabled = false
        lockout = AccountLockout.State()
        self.createdAt = createdAt
        passwordChangedAt = createdAt
        lastSignInAt = nil
    }
}

/// A signed-in browser: known by the SHA-256 of its cookie's token, never the token.
public struct StaffSession: Sendable, Hashable {
    public var staffID: String
    public var createdAt: Date
    public var lastSeenAt: Date
    public var expiresAt: Date
}

/// How long a desk session lasts: ``idle`` without a request, at most ``absolute`` in all (a school day).
public struct SessionLifetime: Sendable, Hashable {
    public var idle: TimeInterval
    public var absolute: TimeInterval

    public init(idle: TimeInterval = 2 * 3600, absolute: TimeInterval = 12 * 3600) {
        self.idle = idle
        self.absolute = absolute
    }
}

/// The desk's accounts and sessions.
public protocol StaffStore: Sendable {
    func account(_ staffID: String) async throws -> StaffAccount?
    func accounts() async throws -> [StaffAccount]
    /// Adds an account; false when the staff member already has one.
    func create(_ account: StaffAccount) async throws -> Bool
    /// A new password (and TOTP secret: `.some(nil)` removes it, nil keeps it); clears the lockout and ends every
    /// session and the calendar address.
    func resetPassword(staffID: String, hash: String, totpSecret: [UInt8]??, now: Date) async throws -> Bool
    /// Disables or enables an account; disabling ends every session and the calendar address. False when there is no
    /// such account.
    func setDisabled(staffID: String, _ disabled: Bool) async throws -> Bool
    /// Counts a wrong password (or code) under `policy`, in one transaction so two processes count both.
    func recordFailure(staffID: String, policy: AccountLockout, now: Date) async throws -> AccountLockout.State
    /// Claims a sign-in attempt before its password is checked: nil when the account is locked, else its state with
    /// the attempt counted as a failure (a right password then clears it). In one transaction, so that a burst of
    /// simultaneous guesses gets no more tries than ``AccountLockout/maxFailures``.
    func claimAttempt(staffID: String, policy: AccountLockout, now: Date) async throws -> AccountLockout.State?
    /// A right password: the lockout cleared, the TOTP step remembered. False when `totpStep` is not after the last
    /// step accepted (the same code used twice, by two sign-ins at once): the sign-in must be refused.
    func recordSignIn(staffID: String, totpStep: Int64?, now: Date) async throws -> Bool
    func openSession(token: String, staffID: String, now: Date, lifetime: SessionLifetime) async throws
    /// The session behind `token` if it is live at `now`, else nil; `touch` moves its last use forward (a person's
    /// request does; the desk's own refresh of a page left open does not, so an unattended desk still times out).
    func session(token: String, now: Date, lifetime: SessionLifetime, touch: Bool) async throws -> StaffSession?
    func closeSession(token: String) async throws
    /// Removes sessions that ended before `now` (idle too long included); returns how many.
    func purgeSessions(now: Date, lifetime: SessionLifetime) async throws -> Int
    func liveSessions(now: Date) async throws -> Int

    /// Keeps a new calendar address for a member of staff (its token, hashed); their earlier address stops working.
    func replaceFeedToken(staffID: String, token: String, now: Date) async throws
    /// Whose calendar address `token` is, when their account is still enabled.
    func feedOwner(token: String) async throws -> String?
    /// When the member of staff's current calendar address was made, if they have one.
    func feedMade(staffID: String) async throws -> Date?
    /// Ends the member of staff's calendar address, if they have one.
    func removeFeed(staffID: String) async throws
}

/// ``StaffStore`` in Liaison's SQLite file.
public final class SQLiteStaffStore: StaffStore {
    let writer: any DatabaseWriter

    public init(path: String) throws {
        writer = try SQLiteFile.open(path: path, migrator: Self.migrator).pool
    }

    private init(writer: any DatabaseWriter) { self.writer = writer }

    /// A private in-memory store, for tests.
    public static func inMemory() throws -> SQLiteStaffStore {
        SQLiteStaffStore(writer: try SQLiteFile.inMemory(label: "LiaisonStaff", migrator: migrator))
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("staff-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE staff_accounts (
                        staff_id TEXT PRIMARY KEY,
                        password_hash TEXT NOT NULL,
                        totp_secret BLOB,
                        totp_step INTEGER,
                        disabled INTEGER NOT NULL DEFAULT 0,
                        failures INTEGER NOT NULL DEFAULT 0,
                        locked_until REAL,
                        created_at REAL NOT NULL,
                        password_changed_at REAL NOT NULL,
                        last_sign_in_at REAL
                    );
                    CREATE TABLE staff_sessions (
                        token_hash BLOB PRIMARY KEY,
                        staff_id TEXT NOT NULL REFERENCES staff_accounts (staff_id) ON DELETE CASCADE,
                        created_at REAL NOT NULL,
                        last_seen_at REAL NOT NULL,
                        expires_at REAL NOT NULL
                    );
                    CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);
                    """)
        }
        migrator.registerMigration("staff-v2-feeds") { db in
            // A calendar address a phone subscribes to (no cookie there): one per member of staff, its token hashed.
            try db.execute(
                sql: """
                    CREATE TABLE staff_feeds (
                        staff_id TEXT PRIMARY KEY REFERENCES staff_accounts (staff_id) ON DELETE CASCADE,
                        token_hash BLOB NOT NULL UNIQUE,
                        created_at REAL NOT NULL
                    );
                    """)
        }
        return migrator
    }

    static func tokenHash(_ token: String) -> Data { Data(SHA256.hash(data: Array("liaison-desk-session:\(token)".utf8))) }
    static func feedHash(_ token: String) -> Data { Data(SHA256.hash(data: Array("liaison-staff-feed:\(token)".utf8))) }

    public func replaceFeedToken(staffID: String, token: String, now: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO staff_feeds (staff_id, token_hash, created_at) VALUES (?, ?, ?)
                    ON CONFLICT (staff_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at
                    """,
                arguments: [staffID, Self.feedHash(token), now.timeIntervalSince1970])
        }
    }

    public func feedOwner(token: String) async throws -> String? {
        try await writer.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT f.staff_id FROM staff_feeds f JOIN staff_accounts a ON a.staff_id = f.staff_id
                    WHERE f.token_hash = ? AND a.disabled = 0
                    """,
                arguments: [Self.feedHash(token)])
        }
    }

    public func removeFeed(staffID: String) async throws {
        try await writer.write { db in try db.execute(sql: "DELETE FROM staff_feeds WHERE staff_id = ?", arguments: [staffID]) }
    }

    public func feedMade(staffID: String) async throws -> Date? {
        try await writer.read { db in
            try Double.fetchOne(db, sql: "SELECT created_at FROM staff_feeds WHERE staff_id = ?", arguments: [staffID])
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    static func account(_ row: Row) -> StaffAccount {
        var account = StaffAccount(
            staffID: row["staff_id"], passwordHash: row["password_hash"],
            totpSecret: (row["totp_secret"] as Data?).map { [UInt8]($0) }, createdAt: Date(timeIntervalSince1970: row["created_at"]))
        account.totpStep = row["totp_step"]
        account.disabled = row["disabled"]
        account.lockout = AccountLockout.State(
            failures: row["failures"], lockedUntil: (row["locked_until"] as Double?).map(Date.init(timeIntervalSince1970:)))
        account.passwordChangedAt = Date(timeIntervalSince1970: row["password_changed_at"])
        account.lastSignInAt = (row["last_sign_in_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        return account
    }

    public func account(_ staffID: String) async throws -> StaffAccount? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM staff_accounts WHERE staff_id = ?", arguments: [staffID]).map(Self.account)
        }
    }

    public func accounts() async throws -> [StaffAccount] {
        try await writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM staff_accounts ORDER BY staff_id").map(Self.account) }
    }

    public func create(_ account: StaffAccount) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO staff_accounts (staff_id, password_hash, totp_secret, created_at, password_changed_at)
                    VALUES (?, ?, ?, ?, ?) ON CONFLICT (staff_id) DO NOTHING
                    """,
                arguments: [
                    account.staffID, account.passwordHash, account.totpSecret.map { Data($0) }, account.createdAt.timeIntervalSince1970,
                    account.passwordChangedAt.timeIntervalSince1970,
                ])
            return db.changesCount == 1
        }
    }

    public func resetPassword(staffID: String, hash: String, totpSecret: [UInt8]??, now: Date) async throws -> Bool {
        try await writer.write { db in
            var sql = "UPDATE staff_accounts SET password_hash = ?, password_changed_at = ?, failures = 0, locked_until = NULL"
            var arguments: StatementArguments = [hash, now.timeIntervalSince1970]
            if let totpSecret {
                sql += ", totp_secret = ?, totp_step = NULL"
                _ = arguments.append(contentsOf: [totpSecret.map { Data($0) }])
            }
            _ = arguments.append(contentsOf: [staffID])
            try db.execute(sql: sql + " WHERE staff_id = ?", arguments: arguments)
            guard db.changesCount == 1 else { return false }
            // A reset is for an account that may be in other hands: its sessions and calendar address end with it.
            try db.execute(sql: "DELETE FROM staff_sessions WHERE staff_id = ?", arguments: [staffID])
            try db.execute(sql: "DELETE FROM staff_feeds WHERE staff_id = ?", arguments: [staffID])
            return true
        }
    }

    public func setDisabled(staffID: String, _ disabled: Bool) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "UPDATE staff_accounts SET disabled = ? WHERE staff_id = ?", arguments: [disabled, staffID])
            guard db.changesCount == 1 else { return false }
            if disabled {
                // Disabled for a reason (a lost phone, someone leaving): the calendar address ends too, for good.
                try db.execute(sql: "DELETE FROM staff_sessions WHERE staff_id = ?", arguments: [staffID])
                try db.execute(sql: "DELETE FROM staff_feeds WHERE staff_id = ?", arguments: [staffID])
            }
            return true
        }
    }

    public func recordFailure(staffID: String, policy: AccountLockout, now: Date) async throws -> AccountLockout.State {
        try await writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM staff_accounts WHERE staff_id = ?", arguments: [staffID]) else {
                return AccountLockout.State()
            }
            let next = policy.failed(Self.account(row).lockout, at: now)
            try db.execute(
                sql: "UPDATE staff_accounts SET failures = ?, locked_until = ? WHERE staff_id = ?",
                arguments: [next.failures, next.lockedUntil?.timeIntervalSince1970, staffID])
            return next
        }
    }

    public func claimAttempt(staffID: String, policy: AccountLockout, now: Date) async throws -> AccountLockout.State? {
        try await writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM staff_accounts WHERE staff_id = ?", arguments: [staffID]) else {
                return AccountLockout.State()
            }
            let current = Self.account(row).lockout
            guard !policy.isLocked(current, at: now) else { return nil }
            let next = policy.failed(current, at: now)
            try db.execute(
                sql: "UPDATE staff_accounts SET failures = ?, locked_until = ? WHERE staff_id = ?",
                arguments: [next.failures, next.lockedUntil?.timeIntervalSince1970, staffID])
            return next
        }
    }

    public func recordSignIn(staffID: String, totpStep: Int64?, now: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE staff_accounts SET failures = 0, locked_until = NULL, last_sign_in_at = ?,
                    totp_step = coalesce(?, totp_step) WHERE staff_id = ? AND (? IS NULL OR totp_step IS NULL OR totp_step < ?)
                    """,
                arguments: [now.timeIntervalSince1970, totpStep, staffID, totpStep, totpStep])
            return db.changesCount == 1
        }
    }

    public func openSession(token: String, staffID: String, now: Date, lifetime: SessionLifetime) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    Self.tokenHash(token), staffID, now.timeIntervalSince1970, now.timeIntervalSince1970,
                    now.addingTimeInterval(lifetime.absolute).timeIntervalSince1970,
                ])
        }
    }

    public func session(token: String, now: Date, lifetime: SessionLifetime, touch: Bool = true) async throws -> StaffSession? {
        let hash = Self.tokenHash(token)
        let found: StaffSession? = try await writer.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT s.* FROM staff_sessions s JOIN staff_accounts a USING (staff_id)
                    WHERE s.token_hash = ? AND a.disabled = 0
                    """,
                arguments: [hash]
            ).map { row in
                StaffSession(
                    staffID: row["staff_id"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    lastSeenAt: Date(timeIntervalSince1970: row["last_seen_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
            }
        }
        guard var session = found else { return nil }
        guard now < session.expiresAt, now.timeIntervalSince(session.lastSeenAt) < lifetime.idle else { return nil }
        // At most one write a minute per session: page views do not queue behind the outbox's writes.
        if touch, now.timeIntervalSince(session.lastSeenAt) >= 60 {
            session.lastSeenAt = now
            try await writer.write { db in
                try db.execute(
                    sql: "UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?", arguments: [now.timeIntervalSince1970, hash])
            }
        }
        return session
    }

    public func closeSession(token: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM staff_sessions WHERE token_hash = ?", arguments: [Self.tokenHash(token)])
        }
    }

    /// Removes sessions past their absolute end, and those idle longer than `lifetime.idle`.
    public func purgeSessions(now: Date, lifetime: SessionLifetime = SessionLifetime()) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql: "DELETE FROM staff_sessions WHERE expires_at <= ? OR last_seen_at <= ?",
                arguments: [now.timeIntervalSince1970, now.addingTimeInterval(-lifetime.idle).timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func liveSessions(now: Date) async throws -> Int {
        try await writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM staff_sessions WHERE expires_at > ?", arguments: [now.timeIntervalSince1970]) ?? 0
        }
    }
}
