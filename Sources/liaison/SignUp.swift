import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonLocalization
import LiaisonModel
import LiaisonRender
import LiaisonStore

/// `liaison signup status|calendar`: the meetings families book a time for.
struct SignUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signup",
        abstract: "Meetings families book a time for: bookings, families still to book, a teacher's day.",
        subcommands: [SignUpStatus.self, SignUpCalendar.self]
    )
}

/// The meeting named, with its plan; exits 1 for an event without slots.
func requireSignUp(_ id: String, in snapshot: SchoolSnapshot) throws -> (Event, SignUpPlan) {
    let event = try snapshot.requireEvent(id)
    guard let plan = event.signUp else {
        printError("\(id) has no slots to book (a meeting with slots: in \(snapshot.configuration.schedule)).")
        throw ExitCode(1)
    }
    return (event, plan)
}

struct SignUpStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Each time with the families booked and interpreters asked for; the families still to book.")

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The meeting's event id.")
    var event: String

    @Option(help: "table, json or csv.")
    var format: ListFormat = .table

    struct Report: Encodable {
        var event: String
        var bookUntil: Date
        var slots: [SlotRow]
        var unbooked: [UnbookedFamily]
    }

    func run() async throws {
        let snapshot = try loadSchool(options, crossCheck: false)
        let (event, plan) = try requireSignUp(self.event, in: snapshot)
        let store = try SQLiteFormStore(path: snapshot.configuration.delivery.sqlitePath)
        // A discussion invites its sample only: the others are not "still to book".
        let invited = event.discussion == nil ? nil : Set(try await store.sample(surveyID: event.id)?.draw.households ?? [])
        let (slots, unbooked) = plan.status(of: event, roster: snapshot.roster, bookings: try await store.bookings(eventID: event.id), invited: invited)
        let formatter = LocaleFormatter(locale: snapshot.school.defaultLocale, timeZone: event.timeZone)
        switch format {
        case .json:
            try printJSON(Report(event: event.id, bookUntil: plan.bookUntil, slots: slots, unbooked: unbooked))
        case .csv:
            print(CSVLine.safeJoin(["kind", "group", "time", "host", "family", "children", "interpreter", "languages", "contacts"]))
            for slot in slots {
                let time = "\(formatter.time(slot.start))-\(formatter.time(slot.end))"
                if slot.booked.isEmpty { print(CSVLine.safeJoin(["free", slot.group, time, slot.host ?? "", "", "", "", "", ""])) }
                for family in slot.booked {
                    print(CSVLine.safeJoin(["booked", slot.group, time, slot.host ?? "", family.family, family.children.joined(separator: "; "), family.interpreter ?? "", "", ""]))
                }
            }
            for family in unbooked {
                print(CSVLine.safeJoin(["not-booked", family.groups.joined(separator: " "), "", "", family.family, family.name, "", family.languages.joined(separator: " "), family.contacts.joined(separator: " ")]))
            }
        case .table:
            let booked = slots.reduce(0) { $0 + $1.booked.count }
            print("\(event.id): \(booked) of \(slots.reduce(0) { $0 + $1.capacity }) places booked; \(unbooked.count) household(s) still to book; bookings close \(formatter.dateTime(plan.bookUntil))")
            let rows = slots.map { slot in
                [slot.group, "\(formatter.time(slot.start))–\(formatter.time(slot.end))", slot.host ?? "-",
                 slot.booked.isEmpty ? "free" : slot.booked.map { $0.children.joined(separator: ", ") }.joined(separator: " / "),
                 slot.booked.compactMap(\.interpreter).map { LanguageDisplayName.name(of: LanguageTag($0) ?? "en", in: "en") }.joined(separator: ", ")]
            }
            print(Table(["class", "time", "with", "booked", "interpreter"], rows).lines.joined(separator: "\n"))
            if !unbooked.isEmpty {
                print("\nStill to book (the list to phone):")
                print(Table(["family", "classes", "languages", "contacts"], unbooked.map {
                    [$0.name, $0.groups.joined(separator: " "), $0.languages.joined(separator: " "), $0.contacts.joined(separator: " ")]
                }).lines.joined(separator: "\n"))
            }
        }
    }
}

struct SignUpCalendar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "A teacher's meetings as an iCalendar file: each booked time with the child and any interpreter asked for.")

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The meeting's event id.")
    var event: String

    @Option(help: "The staff member (staff file id): their classes' times.")
    var staff: String

    @Option(help: "Write to this file (made 0600: it names children) instead of standard output.")
    var output: String?

    func run() async throws {
        let snapshot = try loadSchool(options, crossCheck: false)
        let (event, plan) = try requireSignUp(self.event, in: snapshot)
        let member = try staffMember(staff, in: snapshot)
        let store = try SQLiteFormStore(path: snapshot.configuration.delivery.sqlitePath)
        let (slots, _) = plan.status(of: event, roster: snapshot.roster, bookings: try await store.bookings(eventID: event.id))
        let items = StaffMeetingCalendar.items(
            event: event, slots: slots, classes: member.role == .teacher ? Set(member.classes) : nil, language: member.language ?? snapshot.school.defaultLocale)
        let document = StaffMeetingCalendar.document(items, school: snapshot.school.name, name: event.title.base, now: Date())
        if let output {
            try writePrivateFile(document, to: output)
        } else {
            print(document, terminator: "")
        }
    }
}
