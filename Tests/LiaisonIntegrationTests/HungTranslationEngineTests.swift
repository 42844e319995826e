import Foundation
import LiaisonLocalization
import LiaisonModel
import Testing

/// A machine translation engine that hangs, timed in this serial target: an urgent alert waits for it only its
/// short limit, and the engine's process is killed.
@Suite struct HungTranslationEngineTests {
    static let english: LanguageTag = "en-GB"

    static func alert(note: LocalizedText) -> Event {
        var event = Event(
            id: "sickness", kind: .alert, title: LocalizedText("Your child is unwell"), start: Date(timeIntervalSince1970: 1_800_000_000),
            timeZone: TimeZone(identifier: "Europe/London")!, audience: .everyone, template: "alert-sickness", priority: .urgent)
        event.data = ["note": .text(note)]
        return event
    }

    static func chain(_ tag: LanguageTag) -> LocaleChain {
        LocaleChain(requested: tag, candidates: [tag, english], available: [tag, english], resolved: tag, fallbackKind: .none)
    }

    @Test("An engine that hangs does not hold up an urgent alert: it is stopped, and the original goes")
    func hungEngine() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("hung-engine-\(UUID().uuidString)")
        try "#!/bin/sh\nexec sleep 60\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: script.path)
        defer { try? FileManager.default.removeItem(at: script) }
        let hung = ApertiumTranslator(executable: script.path)
        var lines: [String] = []
        let log = LogLines()
        let translator = MachineTranslator(translator: hung, urgentTimeout: .milliseconds(500)) { log.append($0) }
        let clock = ContinuousClock()
        let started = clock.now
        let event = await translator.prepare(Self.alert(note: LocalizedText("She is unwell.")), chains: [Self.chain("es")], schoolDefault: Self.english)
        let took = clock.now - started
        // Far from the minute the engine would take (this target runs one test at a time, so nothing else holds the
        // concurrency pool).
        #expect(took < .seconds(3), "\(took)")
        try await Task.sleep(for: .milliseconds(200))
        let left = try runPgrep(script.lastPathComponent)
        #expect(left.isEmpty, "the hung engine is still running: \(left)")
        guard case .text(let note)? = event.data["note"] else { return }
        #expect(note.machine.isEmpty)
        lines = log.lines
        #expect(lines.contains { $0.contains("failed") && $0.contains("the original goes") })
        #expect(!lines.contains { $0.contains("She is unwell") })  // the log names fields, never family text
    }
}

/// Processes whose command line mentions `name`.
func runPgrep(_ name: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
    process.arguments = ["-af", name]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.contains("pgrep") }.joined(separator: "\n")
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
