import Foundation
import LiaisonModel
import Testing
@testable import LiaisonStore

/// Machine translations kept on disk: found again, source text never stored, gone when retention says so.
@Suite struct TranslationMemoryTests {
    @Test func remembersByEnginePairAndSourceAndPurges() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("liaison.sqlite").path
        let day: TimeInterval = 86_400
        let clock = Locked(Date(timeIntervalSince1970: 1_800_000_000))
        let memory = try SQLiteTranslationMemory(path: path, clock: { clock.value })
        let source = "Lucía has a sore throat and a temperature of 38.1 °C."
        await memory.remember(engine: "apertium eng-spa 0.8.1-2", from: "en-GB", to: "es", source: source, translation: "Lucía tiene dolor de garganta.")
        #expect(await memory.translation(engine: "apertium eng-spa 0.8.1-2", from: "en-GB", to: "es", source: source) == "Lucía tiene dolor de garganta.")
        #expect(await memory.translation(engine: "apertium eng-spa 0.9.0", from: "en-GB", to: "es", source: source) == nil)  // another version
        #expect(await memory.translation(engine: "apertium eng-spa 0.8.1-2", from: "en-GB", to: "es", source: source + " ") == nil)
        // The source is kept only as a digest.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data("sore throat".utf8)) == nil)
        clock.value = clock.value.addingTimeInterval(10 * day)
        await memory.remember(engine: "e", from: "en-GB", to: "es", source: "later", translation: "más tarde")
        #expect(try await memory.purge(before: clock.value.addingTimeInterval(-day)) == 1)
        #expect(try await memory.count() == 1)
        #expect(await memory.translation(engine: "apertium eng-spa 0.8.1-2", from: "en-GB", to: "es", source: source) == nil)
    }
}
