import Foundation
import LiaisonModel
import LiaisonTestSupport
import Testing
@testable import LiaisonLocalization

/// The LibreTranslate back-end against a real HTTP service that speaks the LibreTranslate API and translates with
/// Apertium (Tests/Support/libretranslate_server.py): what the client sends, what it makes of each answer.
@Suite struct LibreTranslateTests {
    let english: LanguageTag = "en-GB"
    let text = "The hall doors will be open between songs."

    @Test("Translates through the service, with its key, as the engine itself does; a pair it lacks is none, not an error")
    func translatesWithItsKey() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-libretranslate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyFile = folder.appendingPathComponent("key")
        try "k-\(UUID().uuidString)\n".write(to: keyFile, atomically: true, encoding: .utf8)
        let key = try String(contentsOf: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try LocalServer(script: "libretranslate_server.py", arguments: ["--key-file", keyFile.path, "--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let service = LibreTranslateTranslator(url: "http://127.0.0.1:\(server.port)/", apiKey: key)

        let spanish = try await service.translate(text, from: english, to: "es", timeout: .seconds(20))
        let direct = try await ApertiumTranslator().translate(text, from: english, to: "es", timeout: .seconds(20))
        #expect(spanish != nil && spanish == direct, "\(spanish ?? "nil") / \(direct ?? "nil")")
        #expect(spanish?.contains("puertas") == true)
        #expect(service.engine(from: english, to: "es") == "libretranslate 127.0.0.1")

        // LibreTranslate's codes are the language alone; the text goes as plain text with the key.
        let request = try #require(server.logLines().first)
        #expect(request["path"] as? String == "/translate")
        #expect(request["content_type"] as? String == "application/json")
        #expect(request["source"] as? String == "en" && request["target"] as? String == "es")
        #expect(request["format"] as? String == "text")
        #expect(request["api_key"] as? String == key)
        #expect(request["q_length"] as? Int == text.count)

        #expect(try await service.translate(text, from: english, to: "so", timeout: .seconds(20)) == nil)

        let wrongKey = LibreTranslateTranslator(url: "http://127.0.0.1:\(server.port)", apiKey: "not-the-key")
        await #expect(throws: TranslationError.self) { try await wrongKey.translate(text, from: english, to: "es", timeout: .seconds(20)) }
        let noKey = LibreTranslateTranslator(url: "http://127.0.0.1:\(server.port)", apiKey: nil)
        await #expect(throws: TranslationError.self) { try await noKey.translate(text, from: english, to: "es", timeout: .seconds(20)) }
    }

    @Test("A service that does not answer in time is an error, never a wait without end")
    func hungService() async throws {
        let server = try LocalServer(script: "libretranslate_server.py", arguments: ["--delay", "30"])
        defer { server.stop() }
        let service = LibreTranslateTranslator(url: "http://127.0.0.1:\(server.port)", apiKey: nil)
        await #expect(throws: TranslationError.self) { try await service.translate(text, from: english, to: "es", timeout: .seconds(1)) }
    }

    @Test("Nothing listening is an error the caller can fall back from")
    func nothingListening() async throws {
        let service = LibreTranslateTranslator(url: "http://127.0.0.1:9", apiKey: nil)
        await #expect(throws: TranslationError.self) { try await service.translate(text, from: english, to: "es", timeout: .seconds(5)) }
    }
}
