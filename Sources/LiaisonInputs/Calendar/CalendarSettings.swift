import Foundation
import LiaisonModel
import Yams

/// One calendar named in liaison.yaml: an `.ics` file, or an https address polled on an interval.
public struct CalendarSource: Sendable, Hashable {
    /// Letters, digits and `-`: the start of the ids of its occurrences.
    public var name: String
    /// The file (joined with the configuration's folder). For a URL calendar, the cached copy the fetcher writes.
    public var file: String
    public var url: String?
    /// How often a URL calendar is fetched again.
    public var poll: Duration
    public var origin: SourceLocation?
}

/// A rule mapping calendar events to notification plans: the first rule whose `match` fits an event decides
/// how families are told about it.
public struct CalendarRule: Sendable, Hashable {
    /// All given conditions must hold; within a list, any item may match (case-insensitive).
    public struct Match: Sendable, Hashable {
        /// The event has one of these CATEGORIES.
        public var categories: [String] = []
        /// SUMMARY contains one of these words or phrases.
        public var keywords: [String] = []
        /// The event comes from one of these calendars (by name).
        public var calendars: [String] = []
    }

    /// Who is told: a fixed audience, or the grades, classes, students and families named by the event's CATEGORIES.
    public enum AudienceSource: Sendable, Hashable {
        case fixed(Audience)
        case categories
    }

    public var match: Match
    public var kind: EventKind
    public var template: String
    public var audience: AudienceSource
    public var priority: Priority
    /// Reminders relative to each occurrence's start.
    public var plan: NotificationPlan
    public var rsvp: [RSVPOption]
    /// Replaces the SUMMARY as title (to give translations).
    public var title: LocalizedText?
    public var data: [String: DataValue]
    /// The data name the event's DESCRIPTION is given under (`description`, or `note` for the alert templates).
    public var descriptionKey = "description"
    /// A data name that receives the occurrence's number in its series (`issue` for a weekly newsletter),
    /// counting from `numberFrom`.
    public var numberKey: String?
    public var numberFrom = 1
    /// Where the rule is written in liaison.yaml.
    public var origin: SourceLocation?

    /// Whether this rule applies to an occurrence.
    public func matches(_ occurrence: CalendarOccurrence) -> Bool {
        let categories = Set(occurrence.categories.map { $0.lowercased() })
        if !match.categories.isEmpty, !match.categories.contains(where: { categories.contains($0.lowercased()) }) { return false }
        let summary = occurrence.summary.lowercased()
        if !match.keywords.isEmpty, !match.keywords.contains(where: { summary.contains($0.lowercased()) }) { return false }
        if !match.calendars.isEmpty, !match.calendars.contains(where: { $0.lowercased() == occurrence.calendar.lowercased() }) { return false }
        return true
    }

    /// `category "Sports Day" and summary "sports"`.
    public var matchDescription: String {
        var parts: [String] = []
        if !match.categories.isEmpty { parts.append("category " + match.categories.map { "\"\($0)\"" }.joined(separator: " or ")) }
        if !match.keywords.isEmpty { parts.append("summary " + match.keywords.map { "\"\($0)\"" }.joined(separator: " or ")) }
        if !match.calendars.isEmpty { parts.append("calendar " + match.calendars.joined(separator: " or ")) }
        return parts.isEmpty ? "every event" : parts.joined(separator: " and ")
    }
}

/// The `calendars:`, `calendar_rules:` and `calendar_horizon:` sections of liaison.yaml.
public struct CalendarSettings: Sendable, Hashable {
    public var sources: [CalendarSource] = []
    public var rules: [CalendarRule] = []
    /// How far ahead occurrences are expanded, in days (default 365; at most 3 years).
    public var horizonDays = 365

    public init() {}

    /// The expansion window from a moment.
    public func window(from now: Date) -> DateInterval {
        DateInterval(start: now, duration: Double(horizonDays) * 86_400)
    }
}

/// Reads the calendar sections from the nodes the configuration reader collected.
struct CalendarSettingsReader {
    let folder: String
    let school: School
    var report: YAMLDiagnostics
    var usable = true

    static let sourceKeys = ["name", "file", "url", "poll"]
    static let ruleKeys = [
        "match", "kind", "template", "audience", "priority", "notify", "rsvp", "title", "data", "description_as", "number_as", "number_from",
    ]
    static let matchKeys = ["category", "categories", "summary", "calendar"]

    mutating func read(_ values: [String: Node]) -> CalendarSettings {
        var settings = CalendarSettings()
        if let node = values["calendar_horizon"], !node.isNull {
            let raw = node.rawScalar?.trimmingCharacters(in: .whitespaces) ?? ""
            if let days = Self.days(raw), (1...1_096).contains(days) {
                settings.horizonDays = days
            } else {
                error("config.invalid-value", "calendar_horizon must be a length such as 365d, 52w, 12m (months) or 1y, of at most 3 years, not \"\(raw)\"", node, "calendar_horizon")
            }
        }
        if let node = values["calendars"] {
            var names = Set<String>()
            for (index, item) in sequence(node, path: "calendars").enumerated() {
                let path = KeyPath.item("calendars", index)
                if let source = source(item, path: path) {
                    if !names.insert(source.name.lowercased()).inserted {
                        error("config.invalid-value", "the calendar name \"\(source.name)\" is used twice; names make event ids and must differ", item, path)
                        continue
                    }
                    settings.sources.append(source)
                }
            }
        }
        if let node = values["calendar_rules"] {
            for (index, item) in sequence(node, path: "calendar_rules").enumerated() {
                if let rule = rule(item, path: KeyPath.item("calendar_rules", index)) { settings.rules.append(rule) }
            }
            if !settings.rules.isEmpty, settings.sources.isEmpty {
                report.warning("config.unknown-key", "calendar_rules are given but no calendars: they apply to nothing", node, "calendar_rules")
            }
        }
        return settings
    }

    /// `365d`, `52w`, `12m` (months, counted as 30.44 days), `1y`.
    static func days(_ text: String) -> Int? {
        guard let unit = text.last, let value = Int(text.dropLast().trimmingCharacters(in: .whitespaces)), value > 0 else { return nil }
        switch unit {
        case "d": return value
        case "w": return value * 7
        case "m": return Int((Double(value) * 30.44).rounded(.up))
        case "y": return value * 366
        default: return nil
        }
    }

    private mutating func error(_ code: String, _ message: String, _ node: Node?, _ path: String) {
        report.error(code, message, node, path)
        usable = false
    }

    private mutating func sequence(_ node: Node, path: String) -> [Node] {
        if node.isNull { return [] }
        guard case .sequence(let items) = node else {
            error("config.invalid-value", "\(path) must be a list (each entry starting with \"- \"), not \(node.kindDescription)", node, path)
            return []
        }
        return Array(items)
    }

    /// The map of an entry with its keys checked; `nil` (reported) when it is not a map.
    private mutating func entries(_ node: Node, path: String, known: [String]) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            error("config.invalid-value", "each entry of \(path) must be a map of keys (\(known.prefix(3).joined(separator: ", ")), …), not \(node.kindDescription)", node, path)
            return nil
        }
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.rawScalar ?? "?"
            guard known.contains(key) else {
                report.warning("config.unknown-key", "Liaison does not know the key \"\(key)\"\(Support.didYouMean(key, among: known)); it is ignored", keyNode, KeyPath.child(path, key))
                continue
            }
            values[key] = value
        }
        return values
    }

    private func text(_ node: Node?) -> String? {
        guard let raw = node?.rawScalar?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty, node?.isNull == false else { return nil }
        return raw
    }

    private mutating func source(_ node: Node, path: String) -> CalendarSource? {
        guard let values = entries(node, path: path, known: Self.sourceKeys) else { return nil }
        guard let name = text(values["name"]) else {
            error("config.missing-key", "a calendar needs a name: (letters, digits and -), used in the ids of its events", node, KeyPath.child(path, "name"))
            return nil
        }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            error("config.invalid-value", "calendar name \"\(name)\" may hold only letters, digits and - (it starts the ids of its events)", values["name"], KeyPath.child(path, "name"))
            return nil
        }
        let file = text(values["file"]), url = text(values["url"])
        var poll = Duration.seconds(900)
        if let raw = text(values["poll"]) {
            if let reminder = Reminder(raw), reminder.at == nil, reminder.days >= 0, reminder.hours >= 0, reminder.minutes >= 0,
               case let seconds = reminder.days * 86_400 + reminder.hours * 3_600 + reminder.minutes * 60, seconds >= 60 {
                poll = .seconds(seconds)
            } else {
                error("config.invalid-value", "poll must be an interval of at least a minute such as 15m, 1h or 1d, not \"\(raw)\"", values["poll"], KeyPath.child(path, "poll"))
            }
        }
        switch (file, url) {
        case (let file?, nil):
            let joined = Support.join(folder, file)
            if Support.state(of: joined) != .file {
                report.error("config.missing-file", "the calendar file \(joined) named by \(path).file does not exist", values["file"], KeyPath.child(path, "file"))
            }
            return CalendarSource(name: name, file: joined, url: nil, poll: poll, origin: report.location(node, path))
        case (nil, let url?):
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "https" || scheme == "http" || scheme == "webcal",
                  parsed.host?.isEmpty == false
            else {
                error("config.invalid-value", "calendar url \"\(url)\" is not an https:// (or webcal://) address", values["url"], KeyPath.child(path, "url"))
                return nil
            }
            let cache = Support.join(Support.join(folder, ".liaison/calendars"), name + ".ics")
            return CalendarSource(name: name, file: cache, url: url, poll: poll, origin: report.location(node, path))
        default:
            error("config.missing-key", "a calendar needs either file: (an .ics file) or url: (an https address), not both", node, path)
            return nil
        }
    }

    private mutating func rule(_ node: Node, path: String) -> CalendarRule? {
        var reader = ScheduleLoader.EventReader(report: report, school: school, path: path, node: node)
        reader.requiredKeys = ["kind", "audience"]
        defer {
            report = reader.report
            if !reader.ok { usable = false }
        }
        guard reader.collectKeys(known: Self.ruleKeys, what: "calendar rule") else { return nil }
        var match = CalendarRule.Match()
        if let matchNode = reader.keys["match"]?.value {
            let matchPath = KeyPath.child(path, "match")
            guard let values = entriesOf(matchNode, path: matchPath, reader: &reader) else { return nil }
            match.categories = names(values["category"], reader: &reader, path: KeyPath.child(matchPath, "category"))
                + names(values["categories"], reader: &reader, path: KeyPath.child(matchPath, "categories"))
            match.keywords = names(values["summary"], reader: &reader, path: KeyPath.child(matchPath, "summary"))
            match.calendars = names(values["calendar"], reader: &reader, path: KeyPath.child(matchPath, "calendar"))
        } else {
            reader.fail("config.missing-key", "a calendar rule needs match: with category, summary or calendar (the events it applies to)", node, KeyPath.child(path, "match"))
        }
        let kind = reader.readKind()
        var audience: CalendarRule.AudienceSource?
        if let audienceNode = reader.keys["audience"]?.value, audienceNode.rawScalar?.trimmingCharacters(in: .whitespaces).lowercased() == "categories" {
            audience = .categories
        } else if let fixed = reader.readAudience() {
            audience = .fixed(fixed)
        }
        let template = reader.readTemplate(kind: kind)
        let priority = reader.readPriority(kind: kind)
        if let notify = reader.keys["notify"]?.value, case .mapping(let mapping) = notify,
           let sendAt = mapping.first(where: { $0.key.rawScalar == "send_at" }) {
            reader.fail("config.invalid-value", "a calendar rule's notify takes reminders only (relative to each event's start, such as \"-7d\" or \"0d at 15:30\"), not send_at", sendAt.key, KeyPath.child(path, "notify.send_at"))
        }
        let plan = reader.readNotify(zone: school.timeZone)
        let rsvp = reader.readRSVP()
        let title = reader.localized("title", required: false)
        let data = reader.readData()
        var dataNames: [String: String] = [:]
        for key in ["description_as", "number_as"] {
            guard let name = reader.text(key) else { continue }
            if name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                dataNames[key] = name
            } else {
                reader.fail("config.invalid-value", "\(key) must be a data name (letters, digits and _), not \"\(name)\"", reader.keys[key]?.value, KeyPath.child(path, key))
            }
        }
        var numberFrom = 1
        if let raw = reader.text("number_from") {
            if let value = Int(raw) {
                numberFrom = value
            } else {
                reader.fail("config.invalid-value", "number_from must be a whole number, not \"\(raw)\"", reader.keys["number_from"]?.value, KeyPath.child(path, "number_from"))
            }
        }
        guard reader.ok, let kind, let template, let audience else { return nil }
        var rule = CalendarRule(
            match: match, kind: kind, template: template, audience: audience, priority: priority, plan: plan, rsvp: rsvp,
            title: title, data: data, origin: reader.report.location(node, path))
        if let name = dataNames["description_as"] { rule.descriptionKey = name }
        rule.numberKey = dataNames["number_as"]
        rule.numberFrom = numberFrom
        return rule
    }

    private func entriesOf(_ node: Node, path: String, reader: inout ScheduleLoader.EventReader) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            reader.fail("config.invalid-value", "match must be a map of category, summary and calendar, not \(node.kindDescription)", node, path)
            return nil
        }
        var values: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.rawScalar ?? "?"
            if Self.matchKeys.contains(key) {
                values[key] = value
            } else {
                reader.fail("config.invalid-value", "match does not take \"\(key)\"\(Support.didYouMean(key, among: Self.matchKeys)): use category, summary or calendar", keyNode, KeyPath.child(path, key))
            }
        }
        if values.isEmpty {
            reader.fail("config.invalid-value", "match names nothing: give a category, a summary word or a calendar", node, path)
        }
        return values
    }

    /// A name or a list of names.
    private func names(_ node: Node?, reader: inout ScheduleLoader.EventReader, path: String) -> [String] {
        guard let node, !node.isNull else { return [] }
        switch node {
        case .scalar(let scalar):
            let name = scalar.string.trimmingCharacters(in: .whitespaces)
            return name.isEmpty ? [] : [name]
        case .sequence(let items):
            return items.compactMap { $0.rawScalar?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default:
            reader.fail("config.invalid-value", "this must be a name or a list of names, not \(node.kindDescription)", node, path)
            return []
        }
    }
}
