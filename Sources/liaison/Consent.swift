import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// `liaison consent status`: where a permission slip stands, by class.
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Permission slips: who agreed, who refused, and the children still without an answer, by class.",
        subcommands: [ConsentStatus.self]
    )
}

/// One child on a permission slip, as the status lists it.
struct ConsentRow: Encodable {
    var className: String
    var student: String
    var name: String
    /// given, refused or outstanding.
    var answer: String
    var signedAs: String?
    var answeredAt: Date?
    /// For a child still without an answer: the guardians' languages and contacts (the list to phone).
    var languages: [String]
    var contacts: [String]

    enum CodingKeys: String, CodingKey {
        case className = "class", student, name, answer, signedAs, answeredAt, languages, contacts
    }

    init(_ child: ConsentTally.Child, roster: Roster) {
        className = child.student.className
        student = child.student.id
        name = child.student.displayName
        answer = child.answer?.decision.rawValue ?? "outstanding"
        signedAs = child.answer?.typedName
        answeredAt = child.answer?.answeredAt
        let guardians = child.answer == nil ? roster.guardians(of: child.student.id) : []
        languages = Array(Set(guardians.map(\.language.rawValue))).sorted()
        contacts = guardians.flatMap { [$0.phone, $0.email].compactMap { $0 } }
    }
}

struct ConsentStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Each class's count of yes, no and no answer, then every child still without an answer.")

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The event's id (an event with consent:).")
    var event: String

    @Option(help: "table, json or csv.")
    var format: ListFormat = .table

    @Flag(help: "List every child, not only those still without an answer.")
    var all = false

    struct Report: Encodable {
        var event: String
        var deadline: Date
        var classes: [ClassCount]
        var children: [ConsentRow]
    }

    struct ClassCount: Encodable {
        var className: String
        var children: Int
        var given: Int
        var refused: Int
        var outstanding: Int

        enum CodingKeys: String, CodingKey { case className = "class", children, given, refused, outstanding }
    }

    func run() async throws {
        let snapshot = try loadSchool(options, crossCheck: false)
        let event = try snapshot.requireEvent(self.event)
        guard let consent = event.consent else {
            printError("\(self.event) has no permission slip (an event with consent: in \(snapshot.configuration.schedule)).")
            throw ExitCode(1)
        }
        let store = try SQLiteFormStore(path: snapshot.configuration.delivery.sqlitePath)
        let tally = ConsentTally(recipients: event.audience.recipients(in: snapshot.roster), records: try await store.consents(eventID: event.id))
        let classes = tally.byClass.map {
            ClassCount(className: $0.className, children: $0.children, given: $0.given, refused: $0.refused, outstanding: $0.outstanding)
        }
        let rows = (all ? tally.children : tally.outstanding).map { ConsentRow($0, roster: snapshot.roster) }
        let formatter = LocaleFormatter(locale: snapshot.school.defaultLocale, timeZone: event.timeZone)
        switch format {
        case .json:
            try printJSON(Report(event: event.id, deadline: consent.deadline, classes: classes, children: rows))
        case .csv:
            print(CSVLine.join(["class", "student", "name", "answer", "signed_as", "answered_at", "languages", "contacts"]))
            for row in rows {
                print(CSVLine.join([
                    row.className, row.student, row.name, row.answer, row.signedAs ?? "",
                    row.answeredAt.map { ISO8601DateFormatter().string(from: $0) } ?? "", row.languages.joined(separator: " "),
                    row.contacts.joined(separator: " "),
                ]))
            }
        case .table:
            let outstanding = classes.reduce(0) { $0 + $1.outstanding }
            print("\(event.id): \(tally.children.count) child(ren); \(outstanding) without an answer; answers close \(formatter.dateTime(consent.deadline))")
            print(Table(["class", "children", "yes", "no", "no answer"], classes.map {
                [$0.className, "\($0.children)", "\($0.given)", "\($0.refused)", "\($0.outstanding)"]
            }).lines.joined(separator: "\n"))
            guard !rows.isEmpty else { return }
            print(all ? "\nEvery child:" : "\nStill without an answer (the list to phone):")
            print(Table(["class", "child", "answer", "signed as", "languages", "contacts"], rows.map {
                [$0.className, $0.name, $0.answer, $0.signedAs ?? "", $0.languages.joined(separator: " "), $0.contacts.joined(separator: " ")]
            }).lines.joined(separator: "\n"))
        }
    }
}
