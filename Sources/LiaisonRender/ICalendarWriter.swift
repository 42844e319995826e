import Foundation
import LiaisonModel

/// An iCalendar file (RFC 5545) of a few events: a family's booked meetings, a teacher's day. Times in UTC, text
/// escaped, lines folded at 75 octets without splitting a character, CRLF line ends.
public struct ICalendarWriter: Sendable {
    public struct Item: Sendable, Hashable {
        public var uid: String
        public var start: Date
        public var end: Date
        public var summary: String
        public var location: String?
        public var description: String?
        /// Grows with each change of the entry (RFC 5545 `SEQUENCE`), so a calendar keeps the newest version.
        public var sequence: Int?
        /// A cancelled entry (`STATUS:CANCELLED`): a calendar that has it under the same UID drops or strikes it.
        public var cancelled: Bool

        public init(
            uid: String, start: Date, end: Date, summary: String, location: String? = nil, description: String? = nil, sequence: Int? = nil,
            cancelled: Bool = false
        ) {
            self.uid = uid
            self.sequence = sequence
            self.cancelled = cancelled
            self.start = start
            self.end = end
            self.summary = summary
            self.location = location
            self.description = description
        }
    }

    /// `PRODID` names the school, so a calendar shows where the entries came from.
    public var productName: String
    /// Who publishes the entries (`ORGANIZER`, which RFC 5546 asks of an entry sent with METHOD:PUBLISH): the school's
    /// name and address.
    public var organizer: (name: String, address: String)?

    public init(productName: String, organizer: (name: String, address: String)? = nil) {
        self.productName = productName
        self.organizer = organizer
    }

    public func document(_ items: [Item], stamp: Date, name: String? = nil) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Liaison//\(Self.escape(productName))//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
        if let name { lines.append("X-WR-CALNAME:\(Self.escape(name))") }
        for item in items {
            lines += [
                "BEGIN:VEVENT", "UID:\(Self.escape(item.uid))", "DTSTAMP:\(Self.utc(stamp))", "DTSTART:\(Self.utc(item.start))",
                "DTEND:\(Self.utc(item.end))", "SUMMARY:\(Self.escape(item.summary))",
            ]
            if let organizer, EmailAddress.problem(with: organizer.address) == nil {
                // A parameter value is quoted and may not hold a quote (RFC 5545 3.2).
                let name = String(organizer.name.unicodeScalars.filter { $0 != "\"" && $0.properties.generalCategory != .control }.map(Character.init))
                lines.append("ORGANIZER;CN=\"\(name)\":mailto:\(organizer.address)")
            }
            if let location = item.location { lines.append("LOCATION:\(Self.escape(location))") }
            if let description = item.description { lines.append("DESCRIPTION:\(Self.escape(description))") }
            if let sequence = item.sequence { lines.append("SEQUENCE:\(max(0, sequence))") }
            lines.append(item.cancelled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED")
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20270330T143000Z`.
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", p.year ?? 0, p.month ?? 0, p.day ?? 0, p.hour ?? 0, p.minute ?? 0, p.second ?? 0)
    }

    /// TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks; other control characters dropped.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case ";": result += "\\;"
            case ",": result += "\\,"
            case "\n": result += "\\n"
            case "\r": continue
            default:
                if scalar.properties.generalCategory == .control { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Folds a content line into 75-octet pieces (continuations start with a space), never inside a character.
    static func fold(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var pieces: [String] = []
        var current = ""
        var size = 0
        for character in line {
            let width = character.utf8.count
            let limit = pieces.isEmpty ? 75 : 74
            if size + width > limit, !current.isEmpty {
                pieces.append(current)
                current = ""
                size = 0
            }
            current.append(character)
            size += width
        }
        pieces.append(current)
        return pieces.joined(separator: "\r\n ")
    }
}
