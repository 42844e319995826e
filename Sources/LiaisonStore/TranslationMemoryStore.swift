import LiaisonCrypto
import Foundation
import GRDB
import LiaisonModel

/// Machine translations in Liaison's SQLite file, keyed by a SHA-256 of engine, pair and source (the source itself is
/// not kept). A translation of an alert note is family data: ``purge(before:)`` removes what the retention policy
/// no longer keeps, and a failure to read or write only costs a call to the engine.
public final class SQLiteTranslationMemory: TranslationMemory {
    let writer: any DatabaseWriter
    let clock: @Sendable () -> Date

    public init(path: String, clock: @escaping @Sendable () -> Date = Date.init) throws {
        writer = try SQLiteFile.open(path: path, migrator: Self.migrator).pool
        self.clock = clock
    }

    private init(writer: any DatabaseWriter, clock: @escaping @Sendable () -> Date) {
        self.writer = writer
        self.clock = clock
    }

    /// A private in-memory memory, for tests.
    public static func inMemory(clock: @escaping @Sendable () -> Date = Date.init) throws -> SQLiteTranslationMemory {
        SQLiteTranslationMemory(writer: try SQLiteFile.inMemory(label: "LiaisonTranslationMemory", migrator: migrator), clock: clock)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("translation-memory-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE machine_translations (
                        key TEXT PRIMARY KEY,
                        engine TEXT NOT NULL,
                        source_language TEXT NOT NULL,
                        target_language TEXT NOT NULL,
                        translation TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX machine_translations_created ON machine_translations (created_at);
                    """)
        }
        return migrator
    }

    static func key(_ engine: String, _ from: LanguageTag, _ to: LanguageTag, _ source: String) -> String {
        let digest = SHA256.hash(data: Data("\(engine)\u{1F}\(from.rawValue)\u{1F}\(to.rawValue)\u{1F}\(source)".utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    public func translation(engine: String, from: LanguageTag, to: LanguageTag, source: String) async -> String? {
        let key = Self.key(engine, from, to, source)
        return try? await writer.read { db in
            try String.fetchOne(db, sql: "SELECT translation FROM machine_translations WHERE key = ?", arguments: [key])
        }
    }

    public func remember(engine: String, from: LanguageTag, to: LanguageTag, source: String, translation: String) async {
        let key = Self.key(engine, from, to, source)
        let now = clock().timeIntervalSince1970
        try? await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO machine_translations (key, engine, source_language, target_language, translation, created_at)
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING
                    """,
                arguments: [key, engine, from.rawValue, to.rawValue, translation, now])
        }
    }

    /// Removes translations made before `cutoff`; returns how many.
    @discardableResult
    public func purge(before cutoff: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM machine_translations WHERE created_at < ?", arguments: [cutoff.timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// How many translations are kept.
    public func count() async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM machine_translations") ?? 0 }
    }
}
