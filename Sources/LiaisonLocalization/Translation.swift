import Foundation
import LiaisonCurl
import LiaisonModel

/// A machine translation engine. Its output is only ever a labelled fallback: never used where a person's
/// translation exists, always shown with the original (see ``MachineTranslator``).
public protocol Translator: Sendable {
    /// The engine and its version, for the label's log line and the cache key (`apertium eng-spa 0.8.1-2`).
    func engine(from source: LanguageTag, to target: LanguageTag) -> String?
    /// `text` in `target`; nil when the engine has no such pair. Throws when the engine fails or runs out of time.
    func translate(_ text: String, from source: LanguageTag, to target: LanguageTag, timeout: Duration) async throws -> String?
}

/// Why an engine gave nothing.
public struct TranslationError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Apertium, run on this machine (`apertium -u eng-spa`): a rule-based engine with language pairs as Debian
/// packages (`apertium-eng-spa`). Nothing leaves the machine.
public struct ApertiumTranslator: Translator {
    public let executable: String
    /// Installed modes (`eng-spa`) with the version of the package that provides each, read once.
    public let modes: [String: String]

    public init(executable: String = "/usr/bin/apertium", modesFolder: String = "/usr/share/apertium/modes") {
        self.executable = executable
        var modes: [String: String] = [:]
        for file in (try? FileManager.default.contentsOfDirectory(atPath: modesFolder)) ?? [] where file.hasSuffix(".mode") {
            let mode = String(file.dropLast(5))
            let parts = mode.split(separator: "-")
            guard parts.count >= 2 else { continue }
            modes[mode] = Self.packageVersion("apertium-\(parts[0])-\(parts[1])") ?? Self.packageVersion("apertium-\(parts[1])-\(parts[0])") ?? "unknown"
        }
        self.modes = modes
    }

    /// Whether the program is there and has at least one pair.
    public var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) && !modes.isEmpty }

    /// The mode for a pair: ISO 639-3 codes (`eng-spa`).
    func mode(from source: LanguageTag, to target: LanguageTag) -> String? {
        guard let from = Self.alpha3(source), let to = Self.alpha3(target) else { return nil }
        let mode = "\(from)-\(to)"
        return modes[mode] != nil ? mode : nil
    }

    public func engine(from source: LanguageTag, to target: LanguageTag) -> String? {
        mode(from: source, to: target).map { "apertium \($0) \(modes[$0] ?? "unknown")" }
    }

    public func translate(_ text: String, from source: LanguageTag, to target: LanguageTag, timeout: Duration) async throws -> String? {
        guard let mode = mode(from: source, to: target) else { return nil }
        let output = try await BoundedProcess.run(executable, ["-u", mode], input: Data(text.utf8), timeout: timeout, outputLimit: 1 << 20)
        guard let translated = String(data: output, encoding: .utf8) else { throw TranslationError("apertium wrote text that is not UTF-8") }
        return translated.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func alpha3(_ tag: LanguageTag) -> String? {
        Locale.LanguageCode(tag.language).identifier(.alpha3)
    }

    static func packageVersion(_ package: String) -> String? {
        guard let output = try? BoundedProcess.runBlocking("/usr/bin/dpkg-query", ["-W", "-f", "${Version}", package]),
            !output.isEmpty
        else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Any service that speaks the LibreTranslate API (`POST /translate`), self-hosted: the school's own server, never a
/// public one with family text. The key comes from a file, never the configuration.
public struct LibreTranslateTranslator: Translator {
    public let url: String
    public let apiKey: String?
    /// `libretranslate <host>`: the engine in log lines and the cache key (the API says no version).
    public let name: String
    let curl: CurlEngine

    public init(url: String, apiKey: String?, curl: CurlEngine = CurlEngine(name: "translate", maxConnections: 2)) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.apiKey = apiKey
        self.curl = curl
        name = "libretranslate \(URL(string: url)?.host ?? url)"
    }

    public func engine(from source: LanguageTag, to target: LanguageTag) -> String? { name }

    public func translate(_ text: String, from source: LanguageTag, to target: LanguageTag, timeout: Duration) async throws -> String? {
        var body: [String: String] = ["q": text, "source": source.language, "target": target.language, "format": "text"]
        if let apiKey { body["api_key"] = apiKey }
        let json = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let response = try await curl.perform(CurlRequest(
            url: "\(url)/translate", method: "POST", headers: ["Content-Type: application/json", "Accept: application/json"],
            body: Array(json), timeout: timeout, connectTimeout: min(timeout, .seconds(5))))
        guard response.completed else { throw TranslationError("the translation service did not answer: \(response.errorMessage)") }
        if response.responseCode == 400, String(decoding: response.body, as: UTF8.self).contains("not supported") { return nil }
        guard response.responseCode == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let translated = object["translatedText"] as? String
        else { throw TranslationError("the translation service answered \(response.responseCode)") }
        return translated
    }
}

/// Runs a program with its input, its output bounded and its time limited; the program is killed when time runs out.
enum BoundedProcess {
    static func run(_ executable: String, _ arguments: [String], input: Data, timeout: Duration, outputLimit: Int) async throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        let (exits, exit) = AsyncStream.makeStream(of: Void.self)
        process.terminationHandler = { _ in exit.finish() }
        try process.run()
        // The pipes are read and written on threads of their own, never on the concurrency pool: a hung engine must
        // not hold one of its few threads (an alert is being planned on them).
        let collected = Locked(Data())
        let (readerDone, finishReader) = AsyncStream.makeStream(of: Void.self)
        let pid = process.processIdentifier
        DispatchQueue.global(qos: .userInitiated).async {
            let handle = stdout.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                let over = collected.withLock { data -> Bool in
                    data.append(chunk)
                    return data.count > outputLimit
                }
                if over {
                    kill(pid, SIGKILL)
                    break
                }
            }
            finishReader.finish()
        }
        DispatchQueue.global(qos: .userInitiated).async {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        let exited = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in exits {}
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !exited {
            // SIGKILL: a child inherits an ignored SIGTERM from a parent that handles its own signals (the daemon).
            kill(process.processIdentifier, SIGKILL)
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            throw TranslationError("\(URL(fileURLWithPath: executable).lastPathComponent) did not finish within \(String(format: "%.1f", seconds)) s and was stopped")
        }
        for await _ in readerDone {}
        let output = collected.withLock { $0 }
        guard output.count <= outputLimit else { throw TranslationError("the output passed \(outputLimit) bytes") }
        guard process.terminationStatus == 0 else {
            throw TranslationError("\(URL(fileURLWithPath: executable).lastPathComponent) exited with status \(process.terminationStatus)")
        }
        return output
    }

    static func runBlocking(_ executable: String, _ arguments: [String]) throws -> Data {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return Data() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : Data()
    }
}
