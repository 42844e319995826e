import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonModel
import LiaisonStore

struct Ack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Record an acknowledgement or answer the office took by phone or in person.",
        discussion: "Answers can change until the event starts; the history keeps every answer."
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The event id.")
    var event: String

    @Option(help: "The guardian id.")
    var guardian: String

    @Option(help: "\"read\" (the default) or one of the event's RSVP option ids.")
    var answer: String = Acknowledgement.read

    @Option(help: "Who took the answer, for the audit log (default: the system user).")
    var by: String?

    func run() async throws {
        let snapshot = try loadSchool(options)
        let event = try snapshot.requireEvent(event)
        guard snapshot.roster.guardian(guardian) != nil else {
            printError("No guardian \"\(guardian)\" in the roster.")
            throw ExitCode(1)
        }
        let options = event.rsvp.map(\.id)
        guard answer == Acknowledgement.read || options.contains(answer) else {
            throw ValidationError("\(answer) is not an answer to \(event.id); use read" + (options.isEmpty ? "" : " or one of \(options.joined(separator: ", "))") + ".")
        }
        let ledger = try SQLiteAckLedger(path: snapshot.configuration.delivery.sqlitePath)
        let outcome = try await ledger.acknowledge(
            eventID: event.id, guardianID: guardian, answer: answer, via: "staff", occurrence: nil, at: Date(), changeUntil: event.start)
        if case .tooLate = outcome {} else if case .unchanged = outcome {} else {
            try await SQLiteAuditLog(path: snapshot.configuration.delivery.sqlitePath).append(AuditEntry(
                at: Date(), actor: auditActor(by), action: .ackRecorded, subject: event.id, detail: "answer=\(answer) via=staff"))
        }
        switch outcome {
        case .recorded: print("Recorded: \(guardian) answered \(answer) for \(event.id).")
        case .changed(let from): print("Changed: \(guardian) answered \(answer) for \(event.id) (was \(from)).")
        case .unchanged: print("Unchanged: \(guardian) had already answered that.")
        case .tooLate(let deadline):
            printError("Too late: answers to \(event.id) could change until \(ISO8601DateFormatter().string(from: deadline)).")
            throw ExitCode(1)
        }
    }
}
