import Foundation
import LiaisonModel

/// How one calendar event (all its occurrences in the window) maps to a notification plan, for `check`.
public struct CalendarMapping: Sendable, Hashable, Codable {
    public var calendar: String
    public var uid: String
    public var summary: String
    public var occurrences: Int
    public var firstStart: Date
    /// The id of the first occurrence (`liaison send` and `preview` take it).
    public var firstID: String
    /// 1-based number of the rule in calendar_rules, when one matched.
    public var rule: Int?
    /// What the rule matched on, its kind, template, audience and reminders.
    public var plan: String?
    /// Why it is not sent, when it is not.
    public var problem: String?
    public var origin: SourceLocation
}

/// Turns calendar occurrences into events with the first rule that matches each; the others are listed, not sent.
public enum CalendarMapper {
    public struct Result: Sendable {
        public var events: [Event] = []
        public var mappings: [CalendarMapping] = []
        public var diagnostics: [Diagnostic] = []
    }

    /// Maps occurrences (in time order) with `rules`; `roster` resolves audiences named by CATEGORIES.
    public static func map(_ occurrences: [CalendarOccurrence], rules: [CalendarRule], roster: Roster, school: School) -> Result {
        var result = Result()
        var groups: [String: [CalendarOccurrence]] = [:]
        var order: [String] = []
        for occurrence in occurrences {
            let key = occurrence.calendar + "\u{0}" + occurrence.uid
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(occurrence)
        }
        let vocabulary = AudienceVocabulary(roster)
        for key in order {
            let group = groups[key]!
            let first = group[0]
            var mapping = CalendarMapping(
                calendar: first.calendar, uid: first.uid, summary: first.summary, occurrences: group.count, firstStart: first.start,
                firstID: first.id, origin: first.origin)
            let ruleIndex = rules.firstIndex { rule in group.contains(where: rule.matches) }
            guard let ruleIndex else {
                mapping.problem = "no rule matches: not sent"
                result.diagnostics.append(.note(
                    "calendar.unmatched-event",
                    "\"\(first.summary)\" (\(group.count) occurrence\(group.count == 1 ? "" : "s") in the window) matches no calendar rule; it is not sent. Add a rule to calendar_rules if families should hear about it.",
                    at: first.origin))
                result.mappings.append(mapping)
                continue
            }
            let rule = rules[ruleIndex]
            mapping.rule = ruleIndex + 1
            var sent = 0
            for occurrence in group where rule.matches(occurrence) {
                let audience: Audience
                switch rule.audience {
                case .fixed(let fixed): audience = fixed
                case .categories: audience = vocabulary.audience(from: occurrence.categories)
                }
                if audience.isEmpty {
                    if mapping.problem == nil {
                        mapping.problem = "no category names a grade, class, student or family of the roster: not sent"
                        result.diagnostics.append(.warning(
                            "calendar.no-audience",
                            "\"\(occurrence.summary)\" matches rule \(ruleIndex + 1), whose audience comes from the event's categories, but none of \(occurrence.categories.isEmpty ? "its (no) categories" : occurrence.categories.map { "\"\($0)\"" }.joined(separator: ", ")) names a grade (\"Year 5\"), class (\"3A\"), student or family of the roster; it is not sent.",
                            at: occurrence.origin))
                    }
                    continue
                }
                result.events.append(event(occurrence, rule: rule, audience: audience, school: school))
                sent += 1
            }
            let audienceText: String
            switch rule.audience {
            case .fixed(let fixed): audienceText = fixed.description
            case .categories: audienceText = result.events.last.map { "from categories: \($0.audience)" } ?? "from categories"
            }
            let reminders = rule.plan.reminders.map(\.description).joined(separator: ", ")
            mapping.plan = "rule \(ruleIndex + 1) (\(rule.matchDescription)): \(rule.kind.rawValue), template \(rule.template), \(audienceText)"
                + (reminders.isEmpty ? ", no reminders" : ", reminders \(reminders)")
                + (rule.rsvp.isEmpty ? "" : ", RSVP " + rule.rsvp.map(\.id).joined(separator: "/"))
            if sent < group.count, mapping.problem == nil {
                mapping.problem = "\(group.count - sent) moved occurrence(s) no longer match the rule"
            }
            result.mappings.append(mapping)
        }
        return result
    }

    /// The event for one occurrence under a rule.
    static func event(_ occurrence: CalendarOccurrence, rule: CalendarRule, audience: Audience, school: School) -> Event {
        var title = LocalizedText(occurrence.summary)
        if let language = occurrence.summaryLanguage.flatMap(LanguageTag.init) { title.translations[language] = occurrence.summary }
        if let ruleTitle = rule.title { title = ruleTitle }
        var data = rule.data
        if let details = occurrence.details { data[rule.descriptionKey] = .string(details) }
        if let url = occurrence.url { data["url"] = .string(url) }
        if let key = rule.numberKey { data[key] = .int(rule.numberFrom + occurrence.number - 1) }
        data["categories"] = .list(occurrence.categories.map { .string($0) })
        return Event(
            id: occurrence.id, kind: rule.kind, title: title, start: occurrence.start, end: occurrence.end,
            timeZone: occurrence.allDay ? school.timeZone : occurrence.zone.timeZone, allDay: occurrence.allDay,
            location: occurrence.location.map { LocalizedText($0) }, audience: audience, template: rule.template,
            priority: rule.priority, plan: rule.plan, rsvp: rule.rsvp, data: data, origin: occurrence.origin)
    }
}

/// The roster's grades, classes, students and families, to read an audience from calendar categories:
/// `Year 5` or `Grade 5` names a grade, `Class 3A` or `3A` a class, `S014` a student, `F022` a family, and
/// `Everyone` or `Whole school` the whole school.
struct AudienceVocabulary {
    var grades: [String: String] = [:]
    var classes: [String: String] = [:]
    var students: [String: String] = [:]
    var families: [String: String] = [:]

    init(_ roster: Roster) {
        for grade in roster.grades { grades[grade.lowercased()] = grade }
        for name in roster.classNames { classes[name.lowercased()] = name }
        for student in roster.students { students[student.id.lowercased()] = student.id }
        for family in roster.families { families[family.id.lowercased()] = family.id }
    }

    static let gradePrefixes = ["year ", "grade ", "yr ", "y"]
    static let classPrefixes = ["class ", "form "]

    func audience(from categories: [String]) -> Audience {
        var audience = Audience()
        func add(_ value: String, to list: inout [String]) { if !list.contains(value) { list.append(value) } }
        for category in categories {
            let name = category.trimmingCharacters(in: .whitespaces).lowercased()
            if ScheduleLoader.wholeSchoolWords.contains(name) {
                return .everyone
            } else if let grade = Self.strip(name, Self.gradePrefixes).flatMap({ grades[$0] }) {
                add(grade, to: &audience.grades)
            } else if let className = classes[name] ?? Self.strip(name, Self.classPrefixes).flatMap({ classes[$0] }) {
                add(className, to: &audience.classes)
            } else if let student = students[name] {
                add(student, to: &audience.students)
            } else if let family = families[name] {
                add(family, to: &audience.families)
            }
        }
        return audience
    }

    private static func strip(_ name: String, _ prefixes: [String]) -> String? {
        for prefix in prefixes where name.hasPrefix(prefix) && name.count > prefix.count {
            return String(name.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
