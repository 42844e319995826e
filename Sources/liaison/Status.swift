import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonModel
import LiaisonServer
import LiaisonStore

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Who was reached and who acknowledged an event; the families the office should phone.",
        discussion: "The table lists, by class, the households nobody in which has acknowledged, with their language and every contact."
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The event id.")
    var event: String

    @Option(help: "table, json or csv (json and csv list every guardian).")
    var format: ListFormat = .table

    typealias Row = EventStatusReport.Row

    func run() async throws {
        let snapshot = try loadSchool(options)
        let event = try snapshot.requireEvent(event)
        let path = snapshot.configuration.delivery.sqlitePath
        let store = try SQLiteOutboxStore(path: path)
        let ledger = try SQLiteAckLedger(path: path)
        let deliveries = try await store.deliveries(matching: DeliveryQuery(eventID: event.id))
        let answers = try await ledger.acknowledgements(eventID: event.id)
        let renderer = snapshot.renderer
        let rows = EventStatusReport(
            event: event, recipients: event.audience.recipients(in: snapshot.roster), deliveries: deliveries, answers: answers,
            isFallback: { renderer.chain(for: $0).fallbackKind == .otherLanguage }
        ).rows
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        case .csv:
            print("guardian,name,family,classes,language,letter_language,fallback,delivered,failed,pending,acknowledged,answer,email,phone")
            for row in rows {
                let cells = [row.guardian, row.name, row.family, row.classes.joined(separator: " "), row.language, row.letterLanguage ?? "",
                             "\(row.fallback)", row.delivered.joined(separator: " "), row.failed.joined(separator: "; "),
                             row.pending.joined(separator: " "), "\(row.acknowledged)", row.answer ?? "", row.email ?? "", row.phone ?? ""]
                print(CSVLine.join(cells))
            }
        case .table:
            printTable(rows, event: event, roster: snapshot.roster)
        }
    }

    private func printTable(_ rows: [Row], event: Event, roster: Roster) {
        let reached = rows.filter { !$0.delivered.isEmpty }.count
        let acknowledged = rows.filter(\.acknowledged).count
        print("\(event.id): \(rows.count) guardians; \(reached) reached, \(acknowledged) acknowledged, \(rows.count - reached) not reached")
        var answers: [String: Int] = [:]
        for row in rows { if let answer = row.answer { answers[answer, default: 0] += 1 } }
        if !answers.isEmpty {
            print("Answers: " + answers.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        // Households in which nobody acknowledged, by class: the office's phone list.
        let byFamily = Dictionary(grouping: rows, by: \.family)
        var byClass: [String: [[String]]] = [:]
        for (family, members) in byFamily where !members.contains(where: \.acknowledged) {
            let classes = Set(members.flatMap(\.classes)).sorted()
            let state = members.contains { !$0.delivered.isEmpty } ? "not acknowledged" : (members.contains { !$0.failed.isEmpty } ? "FAILED" : "not reached yet")
            let familyName = roster.family(family)?.name ?? family
            let contacts = members.map { member in
                let parts = [member.name, member.language + (member.fallback ? " (no catalog)" : ""), member.phone, member.email].compactMap { $0 }
                return parts.joined(separator: " ")
            }.joined(separator: " / ")
            for className in classes.isEmpty ? ["-"] : classes {
                byClass[className, default: []].append([familyName, state, contacts])
            }
        }
        guard !byClass.isEmpty else {
            print("Every household has acknowledged.")
            return
        }
        print("")
        print("To phone (households without an acknowledgement)")
        for className in byClass.keys.sorted() {
            print("")
            print("Class \(className)")
            print(Table(["family", "state", "guardians: language, phone, email"], byClass[className]!.sorted { $0[0] < $1[0] }).lines.joined(separator: "\n"))
        }
    }
}
