import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonDaemon
import LiaisonDelivery
import LiaisonModel
import LiaisonPlan
import LiaisonRender

struct Preview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print exactly what one guardian would receive for an event."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case html
        case eml
    }

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The event id from the schedule.")
    var event: String

    @Option(help: "The guardian id from the roster.")
    var guardian: String

    @Option(help: "text (the plain-text part), html, or eml (the whole email as it would be sent).")
    var format: Format = .text

    @Option(help: "Render as if sent at this time (ISO 8601, e.g. 2026-06-05T18:00:00Z); default: the event's first planned send, else now.")
    var at: String?

    func run() async throws {
        // One guardian's letter: the school is loaded, not cross-checked (`liaison check` does that).
        let snapshot = try loadSchool(options, crossCheck: false)
        var event = try snapshot.requireEvent(event)
        guard let guardian = snapshot.roster.guardian(guardian) else {
            printError("No guardian \"\(self.guardian)\" in \(snapshot.configuration.roster.guardians).")
            throw ExitCode(1)
        }
        guard let recipient = event.audience.recipients(in: snapshot.roster).first(where: { $0.guardian.id == guardian.id }) else {
            printError("Guardian \(guardian.id) is not in the audience of \(event.id) (\(event.audience)); nothing would be sent.")
            throw ExitCode(1)
        }
        let now = try sendTime(for: event)
        // What the guardian would receive includes the machine translation `liaison send` would make.
        do {
            if let translator = try MachineTranslation.make(snapshot.configuration.translation, sqlitePath: nil, log: { printError("note: \($0)") }) {
                event = await translator.prepare(
                    event, chains: [snapshot.renderer.chain(for: guardian.language)], schoolDefault: snapshot.school.defaultLocale)
            }
        } catch {
            printError("warning: machine translation is off: \(error)")
        }
        let ackURL = (snapshot.school.baseURL?.absoluteString ?? "https://liaison.invalid").trimmingSuffix("/") + "/a/PREVIEW-\(event.id)-\(guardian.id)"
        let request = RenderRequest(event: event, recipient: recipient, progress: snapshot.progressByStudent, ackURL: ackURL, now: now)
        let message: RenderedMessage
        do {
            message = try snapshot.renderer.render(request)
        } catch {
            printError("Cannot render \(event.id) for \(guardian.id): \(error.message)")
            throw ExitCode(1)
        }
        if message.chain.fallbackKind == .otherLanguage {
            printError("note: \(guardian.id) reads \(guardian.language); no catalog, so the message is in \(message.language) (\(message.chain)).")
        }
        if !message.fallbacks.isEmpty {
            printError("note: \(message.fallbacks.count) message(s) fell back: \(message.fallbacks.map(\.description).joined(separator: ", "))")
        }
        switch format {
        case .text:
            print("Subject: \(message.subject)\n")
            print(message.text, terminator: "")
        case .html:
            // A byte test: "\r\n" is one Character, so hasSuffix("\n") is false for a CRLF ending.
            print(message.html, terminator: message.html.utf8.last == 0x0A ? "" : "\n")
        case .eml:
            guard guardian.email != nil else {
                printError("Guardian \(guardian.id) has no email address; an .eml preview needs one.")
                throw ExitCode(1)
            }
            // The same planner and composer `liaison send` uses, so the preview is the email as it would go out.
            let planner = Planner(
                renderer: snapshot.renderer, roster: snapshot.roster, progress: snapshot.progressByStudent, available: [.email])
            let base = (snapshot.school.baseURL?.absoluteString ?? "https://liaison.invalid").trimmingSuffix("/")
            let (deliveries, problems) = await planner.plan(
                event, occurrence: event.id, sendAt: now, now: now, only: guardian.id,
                ackURL: { _ in ackURL }, unsubscribeURL: { _ in "\(base)/u/PREVIEW" })
            guard let delivery = deliveries.first else {
                printError("Nothing would be emailed: \(problems.map(\.description).joined(separator: "; "))")
                throw ExitCode(1)
            }
            let composer = MailComposer.school(snapshot.school, settings: snapshot.configuration.delivery)
            print(try composer.mime(for: delivery, date: now), terminator: "")
        }
    }

    private func sendTime(for event: Event) throws -> Date {
        if let at {
            guard let date = ISO8601DateFormatter().date(from: at) else {
                throw ValidationError("--at \(at) is not an ISO 8601 time such as 2026-06-05T18:00:00Z.")
            }
            return date
        }
        let planned = event.plan.sendAt + event.plan.reminders.compactMap { $0.fireDate(forEventStart: event.start, in: event.timeZone) }
        return planned.min() ?? Date()
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
