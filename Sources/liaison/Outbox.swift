import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonDelivery
import LiaisonInputs
import LiaisonModel
import LiaisonStore

enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case csv
}

extension DeliveryState: ExpressibleByArgument {}

/// Opens the school's outbox without loading the roster and templates.
func openOutbox(_ options: ConfigOptions) throws -> (SQLiteOutboxStore, LiaisonConfiguration) {
    let (configuration, diagnostics) = ConfigurationLoader.load(path: options.config)
    guard let configuration else {
        for diagnostic in diagnostics { printError(diagnostic.description) }
        throw ExitCode(1)
    }
    return (try SQLiteOutboxStore(path: configuration.delivery.sqlitePath), configuration)
}

struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the outbox: every delivery and its state.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Only deliveries in this state (queued, sending, sent, retry, failed, cancelled); repeatable.")
    var state: [DeliveryState] = []

    @Option(help: "Only deliveries of this event.")
    var event: String?

    @Option(help: "Only deliveries to this guardian.")
    var guardian: String?

    @Option(help: "table, json or csv.")
    var format: ListFormat = .table

    @Flag(help: "Include every attempt of each delivery (json only).")
    var attempts = false

    func run() async throws {
        let (store, _) = try openOutbox(options)
        let query = DeliveryQuery(states: state.isEmpty ? nil : Set(state), eventID: event, guardianID: guardian)
        let rows = try await store.deliveries(matching: query)
        let formatter = ISO8601DateFormatter()
        let columns = ["event", "occurrence", "guardian", "channel", "address", "language", "state", "attempts", "not_before", "updated", "last_reply"]
        func cells(_ delivery: Delivery) -> [String] {
            [delivery.eventID, delivery.key.occurrence, delivery.key.guardianID, delivery.key.channel.rawValue, delivery.address,
             delivery.message.language, delivery.state.rawValue, "\(delivery.attempts)", formatter.string(from: delivery.notBefore),
             formatter.string(from: delivery.updatedAt), delivery.lastReply ?? ""]
        }
        switch format {
        case .table:
            print(Table(columns, rows.map(cells)).lines.joined(separator: "\n"))
            print("\(rows.count) deliveries")
        case .csv:
            print(columns.joined(separator: ","))
            for row in rows {
                print(CSVLine.join(cells(row)))
            }
        case .json:
            var objects: [[String: Any]] = []
            for row in rows {
                var object = Dictionary(uniqueKeysWithValues: zip(columns, cells(row)).map { ($0, $1 as Any) })
                object["attempts"] = row.attempts
                object["subject"] = row.message.subject
                if attempts {
                    object["history"] = try await store.attempts(for: row.key).map { attempt -> [String: Any] in
                        ["number": attempt.number, "started": formatter.string(from: attempt.startedAt),
                         "finished": formatter.string(from: attempt.finishedAt), "target": attempt.target,
                         "outcome": attempt.outcome.rawValue, "reply": attempt.reply]
                    }
                }
                objects.append(object)
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

struct Retry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Queue failed deliveries again (after fixing an address in the roster) and send them, with those waiting to be retried.",
        discussion: """
            Addresses are refreshed from the current roster before the deliveries are queued again. Deliveries waiting \
            for their next try (a relay that was down, a temporary refusal) are tried now instead of at their backoff.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Only failed deliveries of this event.")
    var event: String?

    @Option(help: "Only failed deliveries to this guardian.")
    var guardian: String?

    @Option(help: "Who is doing this, for the audit log (default: the system user).")
    var by: String?

    func run() async throws {
        let snapshot = try loadSchool(options, sending: true)
        let settings = snapshot.configuration.delivery
        let store = try SQLiteOutboxStore(path: settings.sqlitePath)
        let outcome = try await FailedRetry.run(store: store, roster: snapshot.roster, eventID: event, guardianID: guardian, now: Date())
        let (requeued, waiting) = (outcome.requeued, outcome.expedited)
        printError("Queued \(requeued) failed delivery(ies) again (\(outcome.corrected) with a corrected address); \(waiting) waiting to be retried are tried now.")
        guard requeued + waiting > 0 else { return }
        try await SQLiteAuditLog(path: settings.sqlitePath).append(AuditEntry(
            at: Date(), actor: auditActor(by), action: .retry, subject: event ?? "all",
            detail: outcome.auditDetail + (guardian == nil ? "" : " one_guardian")))
        let channelSet = try ChannelSet.make(settings: settings, school: snapshot.school)
        // Claims renewed while this runs, so a daemon beside it never takes them for a crash's leftovers.
        let leases = LeaseKeeper(store: store, duration: settings.lease)
        let dispatcher = Dispatcher(
            store: store, channels: channelSet.channels, policy: settings.retry, leases: leases,
            links: try SQLiteAckLedger(path: settings.sqlitePath))
        let bar = ProgressBar(total: requeued + waiting)
        let renewing = Task { await leases.run(recovering: false, failed: { printError("warning: could not renew this run's claims: \($0)") }) }
        defer { renewing.cancel() }
        let totals = try await dispatcher.drain(progress: { bar.update($0) })
        bar.finish()
        await channelSet.shutdown()
        print("sent \(totals.sent), retrying \(totals.retrying), failed \(totals.failed)")
    }
}
