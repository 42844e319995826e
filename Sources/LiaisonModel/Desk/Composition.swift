import Foundation

/// A one-off message written on the desk: a kind of notice, a title and a text from staff, an audience, and when to
/// send it. It becomes an ``Event`` (template `notice`) that the scheduler sends like any other, through the one
/// planner and queue; cancelling it cancels the event, which withdraws what is still queued.
public struct Composition: Sendable, Hashable, Codable, Identifiable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case announcement
        case reminder
        /// The school is closed on `date`.
        case closure
    }

    public enum Status: String, Sendable, Hashable, Codable {
        case planned
        case cancelled
    }

    public var id: String
    public var kind: Kind
    /// In the school's language, with any translations the author gave.
    public var title: String
    public var titleTranslations: [LanguageTag: String] = [:]
    public var body: String
    public var bodyTranslations: [LanguageTag: String] = [:]
    public var audience: Audience
    /// When it goes out (at once: the moment it was written).
    public var sendAt: Date
    /// What it is about: the day of a closure, or the time of what a reminder or announcement is for.
    public var date: Date?
    /// True when `date` is a whole day.
    public var allDay: Bool
    /// `staff:<id>`.
    public var composedBy: String
    public var composedAt: Date
    public var status: Status = .planned

    public init(
        id: String, kind: Kind, title: String, body: String, audience: Audience, sendAt: Date, date: Date?, allDay: Bool, composedBy: String,
        composedAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.body = body
        self.audience = audience
        self.sendAt = sendAt
        self.date = date
        self.allDay = allDay
        self.composedBy = composedBy
        self.composedAt = composedAt
    }

    /// `compose-<UTC time>-<author>-<random>`: readable in the outbox, unique (two authors whose ids differ only in
    /// punctuation, two previews in one second).
    public static func makeID(by staffID: String, at date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime]
        let stamp = formatter.string(from: date).replacingOccurrences(of: ":", with: "")
        let author = staffID.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(24)
        return "compose-\(stamp)-\(author)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }

    /// How long a message without a date of its own stays relevant (its links work, a late send still goes).
    public static let relevance: TimeInterval = 7 * 86_400

    /// The event the scheduler sends. Its start is when the message stops being worth sending: the end of a closure
    /// day, the time of what it is about, or a week after the send.
    public func event(timeZone: TimeZone, schoolDefault: LanguageTag) -> Event {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start: Date
        if let date {
            start = allDay ? (calendar.date(byAdding: DateComponents(day: 1, second: -1), to: calendar.startOfDay(for: date)) ?? date) : date
        } else {
            start = sendAt.addingTimeInterval(Self.relevance)
        }
        var event = Event(
            id: id, kind: .announcement, title: LocalizedText(title, translations: titleTranslations, baseLanguage: schoolDefault),
            start: start, timeZone: timeZone, allDay: date == nil || allDay, audience: audience, template: "notice",
            plan: NotificationPlan(sendAt: [sendAt]))
        event.isCancelled = status == .cancelled
        event.data = [
            // One flag a kind: the notice template's sections.
            "announcement": .bool(kind == .announcement), "reminder": .bool(kind == .reminder), "closure": .bool(kind == .closure),
            "body": .text(LocalizedText(body, translations: bodyTranslations, baseLanguage: schoolDefault)),
            "has_date": .bool(date != nil),
        ]
        return event
    }

    /// What is wrong with it as written (nil: it can be sent): a title and a text, an audience, a date in the future
    /// for a closure, a send before what it is about.
    public func problem(now: Date, timeZone: TimeZone) -> String? {
        if title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "title" }
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "body" }
        if title.count > 200 { return "title-long" }
        if body.count > 5000 { return "body-long" }
        if audience.isEmpty { return "audience" }
        if kind == .closure, date == nil { return "date" }
        if sendAt < now.addingTimeInterval(-60) { return "send-past" }
        if date != nil, event(timeZone: timeZone, schoolDefault: "en").start <= sendAt { return "date-past" }
        return nil
    }
}
