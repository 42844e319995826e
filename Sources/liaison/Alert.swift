import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonCurl
import LiaisonModel

struct RaiseAlert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "Raise an urgent sickness or accident alert through the running daemon.",
        discussion: """
            The alert goes at once, on every channel, to the student's guardians in their languages, and escalates \
            until someone acknowledges. Needs `liaison serve` running; the API token comes from $LIAISON_API_TOKEN, \
            else the first of the server's tokens ($LIAISON_API_TOKENS or server.api_tokens_file).
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "The student id from the roster.")
    var student: String

    @Option(help: "sickness or accident.")
    var kind: String

    @Option(help: "What happened, as the office would say it on the phone.")
    var note: String = ""

    @Option(name: .customLong("note-in"), help: ArgumentHelp("The note in another language, as TAG=TEXT (so=\"Ayaan wuu xanuunsan yahay\"); repeat for each.", valueName: "tag=text"))
    var noteIn: [String] = []

    @Option(help: "Who raises it, for the record.")
    var by: String = NSUserName()

    @Option(help: "The daemon's address (default: server.listen of liaison.yaml).")
    var server: String?

    func validate() throws {
        guard AlertKind(rawValue: kind.lowercased()) != nil else { throw ValidationError("--kind must be sickness or accident") }
        _ = try noteTranslations()
    }

    /// `--note-in` as language tag → text.
    func noteTranslations() throws -> [String: String] {
        var translations: [String: String] = [:]
        for item in noteIn {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let language = LanguageTag(parts[0]) else {
                throw ValidationError("--note-in takes TAG=TEXT, e.g. so=\"…\"; \"\(item.prefix(20))\" is not")
            }
            guard translations[language.rawValue] == nil else { throw ValidationError("--note-in gives \(language) twice") }
            translations[language.rawValue] = parts[1]
        }
        guard translations.isEmpty || !note.isEmpty else { throw ValidationError("give --note in the school's language too") }
        return translations
    }

    func run() async throws {
        let snapshot = try loadSchool(options)
        let settings = snapshot.configuration.server
        let host = settings.host == "0.0.0.0" ? "127.0.0.1" : settings.host
        let base = server ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(settings.port)"
        let token = ProcessInfo.processInfo.environment["LIAISON_API_TOKEN"] ?? settings.resolveTokens().first
        guard let token else {
            printError("No API token: set LIAISON_API_TOKEN (or the server's \(settings.apiTokens)).")
            throw ExitCode(1)
        }
        var body: [String: Any] = ["student": student, "kind": kind.lowercased(), "note": note, "raised_by": by]
        let translations = try noteTranslations()
        if !translations.isEmpty { body["note_translations"] = translations }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let engine = CurlEngine(name: "alert", maxConnections: 1)
        defer { engine.shutdown() }
        let request = CurlRequest(
            url: base.trimmingSuffix("/") + "/v1/alerts", headers: ["Content-Type: application/json", "Authorization: Bearer \(token)"],
            body: Array(data), timeout: .seconds(30))
        let response = try await engine.perform(request)
        guard response.completed else {
            printError("The daemon at \(base) does not answer (\(response.errorMessage)). Is `liaison serve` running?")
            throw ExitCode(1)
        }
        let text = String(decoding: response.body, as: UTF8.self)
        guard response.responseCode == 201 else {
            printError("The daemon refused the alert (HTTP \(response.responseCode)): \(text)")
            throw ExitCode(1)
        }
        print(text)
    }
}
