import ArgumentParser
import Foundation
import LiaisonDaemon
import LiaisonModel
import LiaisonStore

/// `liaison retention`: the retention policy, and applying it now (the daemon applies it every hour).
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Show the retention policy; with --apply, remove what it says is kept too long now.",
        discussion: "The daemon applies the policy every hour by itself; this is for a school without the daemon, or to see it work."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Remove what the policy says goes (recorded in the audit log).")
    var apply = false

    @Option(help: "Who is doing this, for the audit log (default: the system user).")
    var by: String?

    @Option(help: "text or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let snapshot = try loadSchool(options)
        let policy = snapshot.configuration.retention
        var sweep: FamilyRecords.Sweep?
        if apply {
            let records = try FamilyRecords(delivery: snapshot.configuration.delivery)
            sweep = try await records.applyRetention(policy, actor: auditActor(by), now: Date())
        }
        switch format {
        case .json:
            var object: [String: Any] = ["policy_days": Dictionary(uniqueKeysWithValues: RetentionPolicy.Kind.allCases.map { ($0.rawValue, policy[$0]) })]
            if let sweep {
                object["removed"] = [
                    "message_bodies": sweep.bodies, "delivery_records": sweep.deliveryRecords, "answers_and_links": sweep.answersAndLinks,
                    "alert_notes": sweep.alertNotes, "alerts": sweep.alerts, "files": sweep.files,
                ]
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            print("what                days kept")
            for kind in RetentionPolicy.Kind.allCases {
                print(kind.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0) + String(policy[kind]))
            }
            if let sweep {
                print("\nRemoved: \(sweep.bodies) letter text(s), \(sweep.deliveryRecords) delivery record(s), \(sweep.answersAndLinks) answer(s) and link(s), "
                    + "\(sweep.alertNotes) alert note(s), \(sweep.alerts) alert(s), \(sweep.files) file(s).")
            }
        }
    }
}

/// `liaison audit`: the audit log of administrative actions.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: alerts raised, sends, exports, erasures, retention; who, when.",
        discussion: "Append-only, each row chained to the one before by SHA-256: --verify checks that nothing was changed or removed."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Only entries at or after this moment (ISO 8601, e.g. 2026-12-01T00:00:00Z).")
    var since: String?

    @Option(help: "Only entries about this family (the log names it by a digest of its id).")
    var family: String?

    @Option(help: "At most this many entries.")
    var limit = 1000

    @Flag(help: "Check the chain of the whole log; exit 1 if a row was changed, inserted or removed.")
    var verify = false

    @Option(help: "table, json or csv.")
    var format: AuditFormat = .table

    enum AuditFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    func run() async throws {
        let snapshot = try loadSchool(options)
        let log = try SQLiteAuditLog(path: snapshot.configuration.delivery.sqlitePath)
        if verify {
            let (broken, checked) = try await log.verify()
            if let broken {
                printError("The audit log was changed: row \(broken) does not follow from the \(checked) before it.")
                throw ExitCode(1)
            }
            printError("The audit log is intact: \(checked) entr\(checked == 1 ? "y" : "ies") checked.")
        }
        var start: Date?
        if let since {
            guard let date = ISO8601DateFormatter().date(from: since) else { throw ValidationError("--since wants an ISO 8601 moment, such as 2026-12-01T00:00:00Z") }
            start = date
        }
        var entries = try await log.entries(since: start, limit: limit)
        if let family { entries = entries.filter { $0.subject == SQLiteAuditLog.familySubject(family) } }
        let stamp = ISO8601DateFormatter()
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
        case .csv:
            print("at,actor,action,subject,detail")
            for entry in entries {
                print([stamp.string(from: entry.at), entry.actor, entry.action.rawValue, entry.subject, entry.detail].map(Self.csv).joined(separator: ","))
            }
        case .table:
            guard !entries.isEmpty else {
                if !verify { printError("The audit log has no entries" + (since == nil ? "." : " since \(since!).")) }
                return
            }
            let rows = entries.map { [stamp.string(from: $0.at), $0.actor, $0.action.rawValue, $0.subject, $0.detail] }
            let header = ["at", "actor", "action", "subject", "detail"]
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                print(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
        }
    }

    static func csv(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
