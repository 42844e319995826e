import Foundation
import GRDB
import LiaisonModel

/// Opt-outs live with the acknowledgements (same file, migration `optout-v1`): unsubscribe links stored as the
/// hashes of their tokens, and one row per (guardian, category) a family does not want.
extension SQLiteAckLedger {
    public func issueUnsubscribeTokens(
        category: MessageCategory, occurrence: String, guardianIDs: [String], now: Date
    ) async throws -> [String: String] {
        try await issueHashedTokens(
            guardianIDs: guardianIDs,
            insert: "INSERT OR IGNORE INTO optout_links (token_hash, category, occurrence, guardian_id, created_at) VALUES (?, ?, ?, ?, ?)",
            arguments: { hash, guardianID in [hash, category.rawValue, occurrence, guardianID, AckCodec.seconds(now)] })
    }

    public func optedOut(category: MessageCategory) async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT guardian_id FROM optouts WHERE category = ?", arguments: [category.rawValue]))
        }
    }

    public func unsubscribeLink(forToken token: String) async throws -> UnsubscribeLink? {
        guard Self.isWellFormed(token) else { return nil }
        let hash = Self.hash(token)
        return try await writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT guardian_id, category, occurrence, created_at FROM optout_links WHERE token_hash = ?",
                    arguments: [hash])
            else { return nil }
            return UnsubscribeLink(
                guardianID: row[0], category: MessageCategory(rawValue: row[1]), occurrence: row[2], createdAt: AckCodec.date(row[3]))
        }
    }

    public func optOut(guardianID: String, category: MessageCategory, via: String, at: Date) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO optouts (guardian_id, category, at, via) VALUES (?, ?, ?, ?)",
                arguments: [guardianID, category.rawValue, AckCodec.seconds(at), via])
            return db.changesCount == 1
        }
    }

    public func optIn(guardianID: String, category: MessageCategory) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                sql: "DELETE FROM optouts WHERE guardian_id = ? AND category = ?", arguments: [guardianID, category.rawValue])
            return db.changesCount == 1
        }
    }

    public func optOuts(guardianID: String) async throws -> [(category: MessageCategory, at: Date, via: String)] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT category, at, via FROM optouts WHERE guardian_id = ? ORDER BY category", arguments: [guardianID]
            ).map { (MessageCategory(rawValue: $0[0]), AckCodec.date($0[1]), $0[2]) }
        }
    }
}
