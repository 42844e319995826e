import ArgumentParser
import Foundation

@main
struct Liaison: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liaison",
        abstract: "Keeps a school and its families in touch, each family in its own language.",
        subcommands: [Check.self, Preview.self, Send.self, Outbox.self, Retry.self, Status.self, Ack.self, Locales.self]
    )
}

/// Options every command that reads the school's configuration shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "The school's liaison.yaml.")
    var config: String = "liaison.yaml"
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// Writes to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
