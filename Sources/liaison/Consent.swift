import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonLocalization
import LiaisonModel
import LiaisonServer
import LiaisonStore

/// `liaison consent status`: where a permission slip stands, by class.
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Permission slips: who agreed, who refused, and the children still without an answer, by class.",
        subcommands: [ConsentStatus.self, ConsentRecordCommand.self]
    )
}

/// The event named, with its permission slip; exits 1 for an event without one.
func requireConsent(_ id: String, in snapshot: SchoolSnapshot) throws -> (Event, ConsentSettings) {
    let event = try snapshot.requireEvent(id)
    guard let consent = event.consent else {
        printError("\(id) has no permission slip (an event with consent: in \(snapshot.configuration.schedule)).")
        throw ExitCode(1)
    }
    return (event, consent)
}

/// One child on a permission slip, as the status lists it.
struct ConsentRow: Encodable {
    var className: String
    var student: String
    var name: String
    /// given, refused or outstanding.
    var answer: String
    /// The child's households answered differently (the refusal counts): the office should call.
    var conflict: Bool
    var signedAs: String?
    var answeredAt: Date?
    /// For a child still without an answer: the guardians' languages and contacts (the list to phone).
    var languages: [String]
    var contacts: [String]

    enum CodingKeys: String, CodingKey {
        case className = "class", student, name, answer, conflict, signedAs, answeredAt, languages, contacts
    }

    init(_ child: ConsentTally.Child, roster: Roster) {
        className = child.student.className
        student = child.student.id
        name = child.student.displayName
        answer = child.answer?.decision.rawValue ?? "outstanding"
        conflict = child.conflict
        signedAs = child.answer?.typedName
        answeredAt = child.answer?.answeredAt
        let guardians = child.answer == nil || child.conflict ? roster.guardians(of: child.student.id) : []
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
        let (event, consent) = try requireConsent(self.event, in: snapshot)
        let store = try SQLiteFormStore(path: snapshot.configuration.delivery.sqlitePath)
        let tally = ConsentTally(recipients: event.audience.recipients(in: snapshot.roster), records: try await store.consents(eventID: event.id))
        let classes = tally.byClass.map {
            ClassCount(className: $0.className, children: $0.children, given: $0.given, refused: $0.refused, outstanding: $0.outstanding)
        }
        // Still to call: children without an answer, and children whose households disagree.
        let rows = (all ? tally.children : tally.children.filter { $0.answer == nil || $0.conflict }).map { ConsentRow($0, roster: snapshot.roster) }
        let formatter = LocaleFormatter(locale: snapshot.school.defaultLocale, timeZone: event.timeZone)
        switch format {
        case .json:
            try printJSON(Report(event: event.id, deadline: consent.deadline, classes: classes, children: rows))
        case .csv:
            // UTF-8 with a byte order mark (so spreadsheets open it), names typed by families made formula-safe.
            var lines = [CSVLine.join(["class", "student", "name", "answer", "conflict", "signed_as", "answered_at", "languages", "contacts"])]
            for row in rows {
                lines.append(CSVLine.safeJoin([
                    row.className, row.student, row.name, row.answer, row.conflict ? "yes" : "", row.signedAs ?? "",
                    row.answeredAt.map { ISO8601DateFormatter().string(from: $0) } ?? "", row.languages.joined(separator: " "),
                    row.contacts.joined(separator: " "),
                ]))
            }
            print("\u{FEFF}" + lines.joined(separator: "\r\n"), terminator: "\r\n")
        case .table:
            let outstanding = classes.reduce(0) { $0 + $1.outstanding }
            print("\(event.id): \(tally.children.count) child(ren); \(outstanding) without an answer; answers close \(formatter.dateTime(consent.deadline))")
            print(Table(["class", "children", "yes", "no", "no answer"], classes.map {
                [$0.className, "\($0.children)", "\($0.given)", "\($0.refused)", "\($0.outstanding)"]
            }).lines.joined(separator: "\n"))
            guard !rows.isEmpty else { return }
            print(all ? "\nEvery child:" : "\nStill without an answer, or answered differently by two households (the list to phone):")
            print(Table(["class", "child", "answer", "signed as", "languages", "contacts"], rows.map {
                [$0.className, $0.name, $0.answer + ($0.conflict ? " (households disagree)" : ""), $0.signedAs ?? "", $0.languages.joined(separator: " "), $0.contacts.joined(separator: " ")]
            }).lines.joined(separator: "\n"))
        }
    }
}

/// `liaison consent record`: an answer a guardian gave by phone or on paper, kept like one given on the page (with
/// the office's words in place of a typed name).
struct ConsentRecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a permission slip's answer a guardian gave by phone or on paper.",
        discussion: "Until the deadline, or after it with --late (the office decides). The audit log records who recorded it.")

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The event's id (an event with consent:).")
    var event: String

    @Option(help: "The child's student id.")
    var student: String

    @Option(help: "The guardian who answered (a guardian of the child).")
    var guardian: String

    @Option(help: "given or refused.")
    var answer: String

    @Option(help: "How the answer came: phone or paper.")
    var via: String = "phone"

    @Option(help: "Who took the answer, for the record and the audit log (default: the system user).")
    var by: String?

    @Flag(help: "Record it although the deadline has passed.")
    var late = false

    func run() async throws {
        let snapshot = try loadSchool(options, crossCheck: false)
        let (event, consent) = try requireConsent(self.event, in: snapshot)
        guard let decision = ConsentDecision(rawValue: answer) else { throw ValidationError("--answer is given or refused, not \(answer).") }
        guard ["phone", "paper"].contains(via) else { throw ValidationError("--via is phone or paper, not \(via).") }
        guard let recipient = event.audience.recipients(in: snapshot.roster).first(where: { $0.guardian.id == guardian }),
              recipient.students.contains(where: { $0.id == student })
        else {
            printError("\(guardian) is not a guardian of \(student) that \(event.id) concerns (see liaison consent status \(event.id) --all).")
            throw ExitCode(1)
        }
        let actor = auditActor(by)
        let now = Date()
        let record = ConsentRecord(
            eventID: event.id, studentID: student, familyID: recipient.guardian.familyID, guardianID: guardian, decision: decision,
            typedName: "(\(via), recorded by \(actor))", answeredAt: now)
        let store = try SQLiteFormStore(path: snapshot.configuration.delivery.sqlitePath)
        guard try await store.recordConsent([record], deadline: late ? .distantFuture : consent.deadline, now: now) else {
            printError("Too late: answers to \(event.id) closed \(ISO8601DateFormatter().string(from: consent.deadline)); add --late to record it anyway.")
            throw ExitCode(1)
        }
        // The household's guardians whose children are all answered: what is still queued for them is withdrawn.
        let done = ConsentTally.answeredGuardians(
            of: recipient.guardian.familyID, recipients: event.audience.recipients(in: snapshot.roster), records: try await store.consents(eventID: event.id))
        _ = try await AnsweredReminders(outbox: try SQLiteOutboxStore(path: snapshot.configuration.delivery.sqlitePath))
            .withdraw(event: event, guardianIDs: done, now: now)
        try await SQLiteAuditLog(path: snapshot.configuration.delivery.sqlitePath).append(AuditEntry(
            at: now, actor: actor, action: .consentRecorded, subject: event.id, detail: "answer=\(decision.rawValue) via=\(via)\(late ? " late" : "")"))
        print("Recorded: \(decision.rawValue) for \(student), from \(guardian) by \(via).")
    }
}
