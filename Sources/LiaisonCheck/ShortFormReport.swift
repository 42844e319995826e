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
            sizes += measure(event, name: event.id, snapshot: snapshot, ackURL: ackURL, now: now) { _ in event }
            // A meeting families book: its confirmation too, for a household that booked every class it can, with an
            // interpreter (the longest letter).
            if let plan = event.signUp {
                sizes += measure(event.confirming(BookingConfirmation(familyID: "", times: [], released: [], changeUntil: plan.bookUntil, changedAt: now)),
                                 name: "\(event.id) (booking confirmation)", snapshot: snapshot, ackURL: ackURL, now: now) { recipient in
                    let times = plan.groups(for: recipient.students).compactMap { group in
                        plan.slots(of: group).first.map {
                            BookingConfirmation.Time(group: group, start: $0.start, end: $0.end, host: $0.host, interpreter: recipient.guardian.language, sequence: 1)
                        }
                    }
                    return event.confirming(BookingConfirmation(
                        familyID: recipient.guardian.familyID, times: times, released: [], changeUntil: plan.bookUntil, changedAt: now))
                }
            }
        }
        return sizes
    }

    /// The worst SMS per catalog language of `letter`'s template, one guardian per language and number of children
    /// standing for the others; `event` gives each one's letter.
    private static func measure(
        _ letter: Event, name: String, snapshot: SchoolSnapshot, ackURL: String, now: Date, event: (Recipient) -> Event
    ) -> [ShortFormSize] {
        guard let template = snapshot.templates.template(named: letter.template), template.has(.sms) else { return [] }
        var seen = Set<String>()
        var worst: [LanguageTag: ShortFormSize] = [:]
        for recipient in letter.audience.recipients(in: snapshot.roster) {
            guard seen.insert("\(recipient.guardian.language.rawValue) \(min(recipient.students.count, 9))").inserted else { continue }
            let request = RenderRequest(
                event: event(recipient), recipient: recipient, progress: snapshot.progressByStudent, ackURL: ackURL, now: now,
                includeHTML: false, includeShort: true)
            guard let rendered = try? snapshot.renderer.render(request), let sms = rendered.sms else { continue }
            let segments = SMSSegments(sms)
            let catalog = rendered.chain.resolved
            if let known = worst[catalog], known.parts >= segments.parts, known.characters >= sms.count { continue }
            worst[catalog] = ShortFormSize(
                event: name, template: letter.template, language: catalog.rawValue, characters: sms.count,
                encoding: segments.encoding.rawValue, parts: segments.parts, limit: template.smsPartLimit)
        }
        return worst.values.sorted { $0.language < $1.language }
    }
}
