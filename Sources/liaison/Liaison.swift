import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonInputs
import LiaisonModel

@main
struct Liaison: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liaison",
        abstract: "Keeps a school and its families in touch, each family in its own language.",
        subcommands: [
            Serve.self, Check.self, Preview.self, Send.self, RaiseAlert.self, Outbox.self, Retry.self, Status.self, Ack.self, Locales.self,
            FamilyCommand.self, RetentionCommand.self, AuditCommand.self, StaffCommand.self, SurveyCommand.self, SignUpCommand.self, ConsentCommand.self,
        ]
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

/// Loads the school named by `--config`. Prints the check report and exits 1 when the configuration cannot be
/// used, or, when `strict`, when it has any error. A command that is `sending` also repeats the warnings about how
/// the channels protect what they carry (a password allowed in clear, certificates not checked).
func loadSchool(_ options: ConfigOptions, strict: Bool = false, sending: Bool = false, crossCheck: Bool = true) throws -> SchoolSnapshot {
    let (loaded, report) = SchoolLoader.load(configPath: options.config, crossCheck: crossCheck || strict || sending)
    guard let snapshot = loaded, !strict || report.passed else {
        printError(report.text())
        if strict { printError("Fix the errors above first (liaison check shows them).") }
        throw ExitCode(1)
    }
    if sending {
        for diagnostic in report.diagnostics where DeliverySettings.transportWarningCodes.contains(diagnostic.code) {
            printError(diagnostic.description)
        }
    }
    return snapshot
}

extension SchoolSnapshot {
    /// The event with this id, or exit 1 naming the events there are.
    func requireEvent(_ id: String) throws -> Event {
        guard let event = event(id) else {
            printError("No event \"\(id)\" in \(configuration.schedule). Events: \(events.map(\.id).joined(separator: ", "))")
            throw ExitCode(1)
        }
        return event
    }
}
