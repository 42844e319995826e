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
            guard let template = snapshot.templates.template(named: event.template), template.has(.sms) else { continue }
            var seen = Set<String>()
            var worst: [LanguageTag: ShortFormSize] = [:]
            for recipient in event.audience.recipients(in: snapshot.roster) {
                // One guardian per language and number of children stands for the others.
                guard seen.insert("\(recipient.guardian.language.rawValue) \(min(recipient.students.count, 9))").inserted else { continue }
                let request = RenderRequest(
                    event: event, recipient: recipient, progress: snapshot.progressByStudent, ackURL: ackURL, now: now,
                    includeHTML: false, includeShort: true)
                guard let rendered = try? snapshot.renderer.render(request), let sms = rendered.sms else { continue }
                let segments = SMSSegments(sms)
                let catalog = rendered.chain.resolved
                if let known = worst[catalog], known.parts >= segments.parts, known.characters >= sms.count { continue }
                worst[catalog] = ShortFormSize(
                    event: event.id, template: event.template, language: catalog.rawValue, characters: sms.count,
                    encoding: segments.encoding.rawValue, parts: segments.parts, limit: template.smsPartLimit)
            }
            sizes += worst.values.sorted { $0.language < $1.language }
        }
        return sizes
    }
}
