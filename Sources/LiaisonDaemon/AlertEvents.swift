import Foundation
import LiaisonCheck
import LiaisonLocalization
import LiaisonModel

/// Turns alerts into the events their messages are rendered from: the guardians' alert (template `alert-<kind>`),
/// the notice to staff on call when nobody answers (`alert-staff`), and the notice that someone answered
/// (`alert-answered`).
enum AlertEvents {
    /// The guardians' event: urgent, for the one student, titled with the catalog's subject in every language.
    static func guardians(_ alert: Alert, snapshot: SchoolSnapshot) -> Event {
        let student = snapshot.roster.student(alert.studentID)
        var event = Event(
            id: alert.id, kind: .alert, title: title(alert, student: student, snapshot: snapshot), start: alert.raisedAt,
            timeZone: snapshot.school.timeZone, audience: Audience(students: [alert.studentID]), template: alert.kind.template,
            priority: .urgent)
        event.note = alert.noteText
        return event
    }

    /// The staff's event: what happened, how long nobody has answered, and every guardian's contacts to phone.
    static func staff(_ alert: Alert, round: String, snapshot: SchoolSnapshot, now: Date, reached: [String]) -> Event {
        var event = guardians(alert, snapshot: snapshot)
        event.template = "alert-staff"
        event.data = facts(alert, snapshot: snapshot)
        event.data["minutes"] = .int(max(0, Int(now.timeIntervalSince(alert.raisedAt) / 60)))
        event.data["round"] = .string(round)
        event.data["reached"] = .int(reached.count)
        return event
    }

    /// The notice that an alert was answered, to the staff on call.
    static func answered(_ alert: Alert, snapshot: SchoolSnapshot, by name: String, relationship: String?) -> Event {
        var event = guardians(alert, snapshot: snapshot)
        event.template = "alert-answered"
        event.data = facts(alert, snapshot: snapshot)
        event.data["answered_by"] = .string(name)
        if let relationship { event.data["relationship"] = .string(relationship) }
        event.data["answered_at"] = .string(clock(alert.acknowledgedAt ?? alert.raisedAt, zone: snapshot.school.timeZone))
        event.data["via"] = .string(alert.acknowledgedVia ?? "")
        event.data["minutes"] = .int(max(0, Int((alert.acknowledgedAt ?? alert.raisedAt).timeIntervalSince(alert.raisedAt) / 60)))
        return event
    }

    private static func facts(_ alert: Alert, snapshot: SchoolSnapshot) -> [String: DataValue] {
        let roster = snapshot.roster
        let student = roster.student(alert.studentID)
        let guardians: [DataValue] = roster.guardianships(of: alert.studentID).compactMap { link in
            guard let guardian = roster.guardian(link.guardianID) else { return nil }
            return .map([
                "name": .string(guardian.displayName), "relationship": .string(link.relationship ?? ""),
                "primary": .bool(link.isPrimary), "phone": .string(guardian.phone ?? ""), "email": .string(guardian.email ?? ""),
                "language": .string(guardian.language.rawValue),
            ])
        }
        return [
            "alert_id": .string(alert.id), "kind": .string(alert.kind.rawValue), "note": .string(alert.note),
            "student_name": .string(student?.displayName ?? alert.studentID), "class": .string(student?.className ?? ""),
            "raised_at": .string(clock(alert.raisedAt, zone: snapshot.school.timeZone)), "raised_by": .string(alert.raisedBy),
            "guardians": .list(guardians),
            // The footer tells staff why they get this, instead of the families' wording.
            "staff_notice": .bool(true),
        ]
    }

    /// `11:20` in the school's zone: staff read times on the school's clock.
    static func clock(_ date: Date, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = parts.minute ?? 0
        return "\(parts.hour ?? 0):\(minute < 10 ? "0" : "")\(minute)"
    }

    /// The catalog's subject (`alert.<kind>.subject`, with the child's given name) in every catalog language.
    private static func title(_ alert: Alert, student: Student?, snapshot: SchoolSnapshot) -> LocalizedText {
        let key = "alert.\(alert.kind.rawValue).subject"
        let child = MessageArgument.string(student?.givenName ?? alert.studentID)
        let formatter = MessageFormatter()
        var translations: [LanguageTag: String] = [:]
        for (locale, catalog) in snapshot.catalogs.catalogs {
            guard let message = catalog.messages[key], message.isTranslated || catalog.isSource,
                let text = try? formatter.format(message.text, locale: locale, timeZone: snapshot.school.timeZone, arguments: ["child": child])
            else { continue }
            translations[locale] = text
        }
        let base = translations[snapshot.school.defaultLocale]
            ?? snapshot.catalogs.sourceLocale.flatMap { translations[$0] }
            ?? "\(alert.kind.rawValue.capitalized): \(student?.displayName ?? alert.studentID)"
        return LocalizedText(base, translations: translations)
    }
}
