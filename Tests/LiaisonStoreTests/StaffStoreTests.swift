import Foundation
import GRDB
import LiaisonModel
@testable import LiaisonStore
import Testing

/// The desk's accounts and sessions in SQLite: tokens stored only as hashes, sessions that end, a lockout counted
/// across processes.
struct StaffStoreTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let lifetime = SessionLifetime(idle: 3600, absolute: 8 * 3600)

    func file() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("liaison-staff-\(UUID().uuidString).sqlite").path
    }

    @Test func sessionsAreKeptAsHashesAndEndWhenIdleOrOld() async throws {
        let path = file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SQLiteStaffStore(path: path)
        #expect(try await store.create(StaffAccount(staffID: "clarke", passwordHash: "$2b$12$x", createdAt: start)))
        #expect(try await !store.create(StaffAccount(staffID: "clarke", passwordHash: "$2b$12$y", createdAt: start)))
        let token = "session-token-0123456789abcdefghijklmnop"
        try await store.openSession(token: token, staffID: "clarke", now: start, lifetime: lifetime)
        #expect(try await store.session(token: token, now: start.addingTimeInterval(60), lifetime: lifetime)?.staffID == "clarke")
        #expect(try await store.session(token: token + "x", now: start, lifetime: lifetime) == nil)

        // Nothing in the file holds the token itself.
        let queue = try DatabaseQueue(path: path)
        let stored = try await queue.read { db in try Data.fetchAll(db, sql: "SELECT token_hash FROM staff_sessions") }
        #expect(stored.count == 1 && stored[0].count == 32)
        let raw = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(raw.range(of: Data(token.utf8)) == nil)

        // Used every 50 minutes it lives on, up to the absolute limit; idle for an hour, it ends.
        var now = start
        for _ in 1...8 {
            now = now.addingTimeInterval(50 * 60)
            let alive = try await store.session(token: token, now: now, lifetime: lifetime) != nil
            #expect(alive == (now < start.addingTimeInterval(8 * 3600)), "at \(now.timeIntervalSince(start) / 60) min")
        }
        let idle = "session-token-idle-0123456789abcdefghijkl"
        try await store.openSession(token: idle, staffID: "clarke", now: start, lifetime: lifetime)
        #expect(try await store.session(token: idle, now: start.addingTimeInterval(3600), lifetime: lifetime) == nil)
        #expect(try await store.purgeSessions(now: start.addingTimeInterval(9 * 3600)) == 2)
    }

    @Test func disablingOrResettingEndsEverySession() async throws {
        let store = try SQLiteStaffStore.inMemory()
        _ = try await store.create(StaffAccount(staffID: "okafor", passwordHash: "$2b$12$x", createdAt: start))
        let token = "okafor-session-0123456789abcdefghijklmnop"
        try await store.openSession(token: token, staffID: "okafor", now: start, lifetime: lifetime)
        #expect(try await store.setDisabled(staffID: "okafor", true))
        #expect(try await store.session(token: token, now: start, lifetime: lifetime) == nil)
        #expect(try await store.setDisabled(staffID: "okafor", false))
        try await store.openSession(token: token, staffID: "okafor", now: start, lifetime: lifetime)
        #expect(try await store.resetPassword(staffID: "okafor", hash: "$2b$12$z", totpSecret: .some([1, 2, 3]), now: start))
        #expect(try await store.session(token: token, now: start, lifetime: lifetime) == nil)
        let account = try #require(try await store.account("okafor"))
        #expect(account.passwordHash == "$2b$12$z" && account.totpSecret == [1, 2, 3])
        #expect(try await !store.setDisabled(staffID: "nobody", true))
        #expect(try await !store.resetPassword(staffID: "nobody", hash: "h", totpSecret: nil, now: start))
    }

    @Test func failuresFromTwoProcessesAddUpAndASignInClearsThem() async throws {
        let path = file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try SQLiteStaffStore(path: path)
        _ = try await first.create(StaffAccount(staffID: "nowak", passwordHash: "$2b$12$x", createdAt: start))
        // A second store on the same file, as a second process would open it.
        let second = try SQLiteStaffStore(path: path)
        let policy = AccountLockout()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<6 {
                group.addTask { _ = try await (index % 2 == 0 ? first : second).recordFailure(staffID: "nowak", policy: policy, now: start) }
            }
            try await group.waitForAll()
        }
        let account = try #require(try await first.account("nowak"))
        #expect(account.lockout.failures == 6)
        #expect(policy.isLocked(account.lockout, at: start))
        #expect(try await second.recordSignIn(staffID: "nowak", totpStep: 42, now: start))
        let after = try #require(try await first.account("nowak"))
        #expect(after.lockout == AccountLockout.State() && after.totpStep == 42 && after.lastSignInAt == start)
        // The same TOTP step again (a code overheard, or two sign-ins racing with one code) is refused.
        #expect(try await !first.recordSignIn(staffID: "nowak", totpStep: 42, now: start))
        #expect(try await first.recordSignIn(staffID: "nowak", totpStep: 43, now: start))
        #expect(try await first.recordSignIn(staffID: "nowak", totpStep: nil, now: start))
    }

    /// Attempts are claimed before their password is checked: a burst of simultaneous guesses from two processes
    /// gets exactly as many tries as the lockout allows.
    @Test func simultaneousGuessesGetNoMoreTriesThanTheLockoutAllows() async throws {
        let path = file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try SQLiteStaffStore(path: path)
        let second = try SQLiteStaffStore(path: path)
        _ = try await first.create(StaffAccount(staffID: "okafor", passwordHash: "$2b$12$x", createdAt: start))
        let policy = AccountLockout()
        let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask { try await (index % 2 == 0 ? first : second).claimAttempt(staffID: "okafor", policy: policy, now: start) != nil }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(granted == policy.maxFailures)
        // After the lock, a right password (a sign-in) clears it and the next claim is granted.
        #expect(try await first.claimAttempt(staffID: "okafor", policy: policy, now: start.addingTimeInterval(15 * 60)) != nil)
    }

    @Test func theDesksOwnRefreshDoesNotKeepASessionAlive() async throws {
        let store = try SQLiteStaffStore.inMemory()
        _ = try await store.create(StaffAccount(staffID: "patel", passwordHash: "$2b$12$x", createdAt: start))
        let token = "patel-session-0123456789abcdefghijklmnop"
        try await store.openSession(token: token, staffID: "patel", now: start, lifetime: lifetime)
        // Refreshed every 10 minutes by the page's script for 70 minutes: the idle hour still ends it.
        for minutes in stride(from: 10, through: 50, by: 10) {
            #expect(try await store.session(token: token, now: start.addingTimeInterval(Double(minutes) * 60), lifetime: lifetime, touch: false) != nil)
        }
        #expect(try await store.session(token: token, now: start.addingTimeInterval(61 * 60), lifetime: lifetime, touch: false) == nil)
    }

    /// A calendar address: kept only as a hash, one per member of staff (a new one ends the old), ended by a
    /// disabled account or a password reset.
    @Test func aCalendarAddressIsAHashOneAtATimeAndEndsWithTheAccount() async throws {
        let store = try SQLiteStaffStore.inMemory()
        #expect(try await store.create(StaffAccount(staffID: "okafor", passwordHash: "$2b$12$x", createdAt: start)))
        let first = "first-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        let second = "second-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        try await store.replaceFeedToken(staffID: "okafor", token: first, now: start)
        #expect(try await store.feedOwner(token: first) == "okafor")
        #expect(try await store.feedMade(staffID: "okafor") == start)
        let kept = try await store.writer.read { db in try Data.fetchAll(db, sql: "SELECT token_hash FROM staff_feeds") }
        #expect(kept.count == 1 && !kept.contains(Data(first.utf8)))
        try await store.replaceFeedToken(staffID: "okafor", token: second, now: start.addingTimeInterval(60))
        #expect(try await store.feedOwner(token: first) == nil)
        #expect(try await store.feedOwner(token: second) == "okafor")
        #expect(try await store.resetPassword(staffID: "okafor", hash: "$2b$12$z", totpSecret: nil, now: start.addingTimeInterval(120)))
        #expect(try await store.feedOwner(token: second) == nil)
        #expect(try await store.feedMade(staffID: "okafor") == nil)
        // Disabled, then enabled again: the address made before does not come back.
        try await store.replaceFeedToken(staffID: "okafor", token: first, now: start.addingTimeInterval(180))
        #expect(try await store.setDisabled(staffID: "okafor", true))
        #expect(try await store.setDisabled(staffID: "okafor", false))
        #expect(try await store.feedOwner(token: first) == nil)
        try await store.replaceFeedToken(staffID: "okafor", token: second, now: start.addingTimeInterval(240))
        try await store.removeFeed(staffID: "okafor")
        #expect(try await store.feedOwner(token: second) == nil)
        #expect(try await store.feedMade(staffID: "okafor") == nil)
    }
}
