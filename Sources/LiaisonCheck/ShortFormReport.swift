import Foundation
import LiaisonLocalization
import LiaisonModel
import LiaisonRender

/// The SMS form of each event still to come, per catalog language: its length in SMS parts against the template's
/// limit (`max-sms-parts` in sms.mustache), so that an office sees an alert that would go out in six parts, and
/// again at every escalation round, before it does.
public struct ShortFormSize: Sendable, Codable, Hashable {
    public var event: String
    public var template: String
    /// The catalog the text is written from.
    public var language: String
    public var characters: Int
    public var encoding: String
    public var parts: Int
    public var limit: Int
}

enum ShortFormReport {
    static func sizes(_ snapshot: SchoolSnapshot, now: Date) -> [ShortFormSize] {
        let base = snapshot.school.baseURL?.absoluteString ?? "https://liaison.example"
        let ackURL = "\(base.hasSuffix("/") ? String(base.dropLast()) : base)/a/\(LinkPlaceholder.ack)"
        var sizes: [ShortFormSize] = []
        for event in snapshot.events where !event.isCancelled && (event.end ?? event.start) >= now {
            sizes += measure(event, template: event.template, name: event.id, snapshot: snapshot, ackURL: ackURL, now: now) { _ in event }
            // A meeting families book: its confirmation too, the longest a household could get.
            if let plan = event.signUp {
                sizes += measure(event, template: BookingConfirmation.template, name: "\(event.id) (booking confirmation)", snapshot: snapshot, ackURL: ackURL, now: now) {
                    plan.exampleConfirmation(for: $0, at: now).map(event.confirming)
                }
            }
        }
        return sizes
    }

    /// The worst SMS per catalog language of `template` for `event`'s audience, one guardian per language and
    /// number of children standing for the others; `letter` gives each one's letter (nil: none).
    private static func measure(
        _ event: Event, template name: String, name report: String, snapshot: SchoolSnapshot, ackURL: String, now: Date,
        letter: (Recipient) -> Event?
    ) -> [ShortFormSize] {
        guard let template = snapshot.templates.template(named: name), template.has(.sms) else { return [] }
        var seen = Set<String>()
        var worst: [LanguageTag: ShortFormSize] = [:]
        for recipient in event.audience.recipients(in: snapshot.roster) {
            guard seen.insert("\(recipient.guardian.language.rawValue) \(min(recipient.students.count, 9))").inserted,
                  let letter = letter(recipient) else { continue }
            let request = RenderRequest(
                event: letter, recipient: recipient, progress: snapshot.progressByStudent, ackURL: ackURL, now: now,
                includeHTML: false, includeShort: true)
            guard let rendered = try? snapshot.renderer.render(request), let sms = rendered.sms else { continue }
            let segments = SMSSegments(sms)
            let catalog = rendered.chain.resolved
            if let known = worst[catalog], known.parts >= segments.parts, known.characters >= sms.count { continue }
            worst[catalog] = ShortFormSize(
                event: report, template: name, language: catalog.rawValue, characters: sms.count,
                encoding: segments.encoding.rawValue, parts: segments.parts, limit: template.smsPartLimit)
        }
        return worst.values.sorted { $0.language < $1.language }
    }
}
