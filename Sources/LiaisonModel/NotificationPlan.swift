import Foundation

/// When the messages for an event go out.
public struct NotificationPlan: Hashable, Sendable {
    /// Absolute times to send at.
    public var sendAt: [Date]
    /// Times relative to the event's start.
    public var reminders: [Reminder]

    public init(sendAt: [Date] = [], reminders: [Reminder] = []) {
        self.sendAt = sendAt
        self.reminders = reminders
    }

    /// True when the plan sends nothing by itself (the event is only sent by hand, `liaison send`).
    public var isEmpty: Bool { sendAt.isEmpty && reminders.isEmpty }
}

/// A reminder relative to an event's start, such as `-7d` or `-1d at 18:00` or `-2h`.
///
/// Day offsets move in calendar days in the school's time zone (so across a daylight-saving change a
/// reminder `-1d` still fires at the same wall-clock time); hour and minute offsets are exact durations.
public struct Reminder: Hashable, Sendable, CustomStringConvertible {
    public var days: Int
    public var hours: Int
    public var minutes: Int
    /// A wall-clock time for the reminder on the day reached by `days`.
    public var at: TimeOfDay?

    public init(days: Int = 0, hours: Int = 0, minutes: Int = 0, at: TimeOfDay? = nil) {
        self.days = days
        self.hours = hours
        self.minutes = minutes
        self.at = at
    }

    /// Parses `-7d`, `-1d at 18:00`, `-2h`, `-90m`, `-1d12h`, `0d at 08:00`.
    public init?(_ text: String) {
        var body = text.trimmingCharacters(in: .whitespaces)
        var at: TimeOfDay?
        if let range = body.range(of: " at ") {
            guard let time = TimeOfDay(String(body[range.upperBound...])) else { return nil }
            at = time
            body = String(body[..<range.lowerBound]).trimmingCharacters(in: .whitespaces)
        }
        var sign = 1
        if body.hasPrefix("-") {
            sign = -1
            body.removeFirst()
        } else if body.hasPrefix("+") {
            body.removeFirst()
        }
        guard !body.isEmpty else { return nil }
        var days = 0, hours = 0, minutes = 0
        var number = ""
        var seen = Set<Character>()
        for character in body {
            if character.isASCII, character.isNumber {
                number.append(character)
                continue
            }
            guard let value = Int(number), !seen.contains(character) else { return nil }
            seen.insert(character)
            switch character {
            case "d": days = value
            case "w": days += value * 7
            case "h": hours = value
            case "m": minutes = value
            default: return nil
            }
            number = ""
        }
        guard number.isEmpty else { return nil }
        if at != nil, hours != 0 || minutes != 0 { return nil }
        self.init(days: sign * days, hours: sign * hours, minutes: sign * minutes, at: at)
    }

    /// When this reminder fires for an event starting at `start`, counted in `timeZone`.
    public func fireDate(forEventStart start: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard var date = calendar.date(byAdding: .day, value: days, to: start, wrappingComponents: false) else { return nil }
        if let at {
            date = calendar.date(bySettingHour: at.hour, minute: at.minute, second: 0, of: date) ?? date
        }
        return date.addingTimeInterval(TimeInterval(hours * 3600 + minutes * 60))
    }

    public var description: String {
        var text = ""
        let negative = days < 0 || hours < 0 || minutes < 0
        text += negative ? "-" : "+"
        if days != 0 { text += "\(abs(days))d" }
        if hours != 0 { text += "\(abs(hours))h" }
        if minutes != 0 { text += "\(abs(minutes))m" }
        if days == 0 && hours == 0 && minutes == 0 { text += "0d" }
        if let at { text += " at \(at)" }
        return text
    }
}
