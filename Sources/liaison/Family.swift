import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonDaemon
import LiaisonModel
import LiaisonStore

/// `liaison family export|erase`: one family's records (UK GDPR Art. 15 and 17).
struct FamilyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "family",
        abstract: "Export or erase everything Liaison holds about one family.",
        subcommands: [FamilyExportCommand.self, FamilyEraseCommand.self]
    )
}

/// Who a family's records belong to, from the command line.
struct FamilySelection: ParsableArguments {
    @Argument(help: "The family id (as in the roster).")
    var family: String

    @Option(name: .customLong("guardian"), help: "A guardian of the family no longer on the roster (repeat for each).")
    var guardians: [String] = []

    @Option(name: .customLong("student"), help: "A child of the family no longer on the roster (repeat for each).")
    var students: [String] = []

    @Option(help: "Who is doing this, for the audit log (default: the system user).")
    var by: String?

    /// The family's guardians and children, or exit 1 when nobody can be named.
    func members(_ snapshot: SchoolSnapshot) throws -> FamilyRecords.Members {
        let members = FamilyRecords.Members(familyID: family, roster: snapshot.roster, guardians: guardians, students: students)
        guard !members.guardianIDs.isEmpty else {
            printError(
                "No family \"\(family)\" with guardians on the roster. If it has left, name its guardians (and children) with "
                    + "--guardian ID and --student ID: Liaison's records know them only by id.")
            throw ExitCode(1)
        }
        return members
    }

    var actor: String { auditActor(by) }
}

/// `--by`, else the system user who ran the command (`sudo`'s caller first).
func auditActor(_ by: String?) -> String {
    let environment = ProcessInfo.processInfo.environment
    let name = by ?? environment["SUDO_USER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? "unknown"
    return String((Whitespace.controlsRemoved(name) ?? name).prefix(80))
}

struct FamilyExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write everything held about one family as JSON: contacts, letters, answers, opt-outs, alerts.",
        discussion: "The file is created 0600. The audit log records the export (the family by a digest of its id)."
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var selection: FamilySelection

    @Option(name: [.short, .long], help: "Write to this file (default: standard output).")
    var output: String?

    func run() async throws {
        let snapshot = try loadSchool(options)
        let members = try selection.members(snapshot)
        let records = try FamilyRecords(delivery: snapshot.configuration.delivery)
        let now = Date()
        let export = try await records.export(members, roster: snapshot.roster, school: snapshot.school, now: now)
        let data = try export.json() + Data("\n".utf8)
        if let output {
            try PrivateFiles.write(data, to: output)
            printError("Wrote \(output): \(export.guardians.count) guardian(s), \(export.students.count) child(ren), \(export.letters.count) letter(s), \(export.answers.count) answer(s), \(export.alerts.count) alert(s).")
        } else {
            FileHandle.standardOutput.write(data)
        }
        try await records.audit.append(
            AuditEntry(
                at: now, actor: selection.actor, action: .familyExported, subject: SQLiteAuditLog.familySubject(members.familyID),
                detail: "letters=\(export.letters.count) answers=\(export.answers.count) alerts=\(export.alerts.count)"))
    }
}

struct FamilyEraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Remove everything held about one family: letters (waiting ones withdrawn), answers, links, opt-outs, alerts, files.",
        discussion: """
            Links in letters already sent stop working. Alerts about a child who also has guardians outside the family \
            are kept (they are that family's record too). The audit log records who erased the family (by a digest of \
            its id) and how much went. Remove the family from the roster too, or the next send reaches them again.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var selection: FamilySelection

    @Flag(help: "Erase (without it, only shows what would go).")
    var yes = false

    func run() async throws {
        let snapshot = try loadSchool(options)
        let members = try selection.members(snapshot)
        let records = try FamilyRecords(delivery: snapshot.configuration.delivery)
        let now = Date()
        guard yes else {
            let export = try await records.export(members, roster: snapshot.roster, school: snapshot.school, now: now)
            printError(
                "Would erase: \(members.guardianIDs.count) guardian(s)' \(export.letters.count) letter(s), \(export.answers.count) answer(s), "
                    + "\(export.optOuts.count) opt-out(s) and up to \(export.alerts.count) alert(s). Nothing erased: run again with --yes.")
            throw ExitCode(1)
        }
        let erasure = try await records.erase(members, roster: snapshot.roster, actor: selection.actor, now: now)
        print(
            "Erased: \(erasure.letters) letter(s), \(erasure.answersAndLinks) answer(s), link(s) and opt-out(s), \(erasure.alerts) alert(s), "
                + "\(erasure.files) file(s)." + (erasure.sharedAlertsKept > 0 ? " Kept \(erasure.sharedAlertsKept) alert(s) about a child with guardians in another family." : ""))
        if !snapshot.roster.guardians(inFamily: members.familyID).isEmpty {
            printError("warning: the roster still lists family \(members.familyID): remove it there, or the next send reaches them again.")
        }
    }
}
