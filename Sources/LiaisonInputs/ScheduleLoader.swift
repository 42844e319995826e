import Foundation
import LiaisonModel
import Yams

public enum ScheduleLoader {
    /// The keys of an event. To add one, list it here and read it in `EventReader.read`.
    public static let eventKeys = [
        "id", "kind", "title", "start", "end", "time_zone", "location", "audience", "template", "priority",
        "notify", "rsvp", "data", "status", "form", "sample", "semester", "slots", "consent",
    ]
    /// Keys every event must have (schedule.missing-key).
    public static let requiredEventKeys = ["id", "kind", "title", "start", "audience", "template"]
    public static let notifyKeys = ["send_at", "reminders"]
    public static let rsvpKeys = ["id", "label"]
    public static let slotKeys = ["length", "capacity", "per", "book_until", "breaks", "interpreter"]
    /// `consent:` of an event (a permission slip): its deadline and what the guardian agrees to (`key:` or `text:`).
    public static let consentKeys = ["deadline", "key", "text"]
    public static let sampleKeys = ["fraction", "stratum", "seed", "exclude_recent", "expected_response"]
    public static let audienceKeys = ["grades", "classes", "students", "families"]
    /// Words accepted for an audience of the whole school.
    public static let wholeSchoolWords = ["everyone", "all", "whole-school", "whole school", "everybody"]

    /// The folder of the forms that surveys name: `forms/` beside the schedule.
    public static func formsFolder(ofSchedule schedule: String) -> String {
        URL(fileURLWithPath: schedule).deletingLastPathComponent().appendingPathComponent("forms").path
    }

    /// Reads events.yaml: times are resolved in the event's zone (default: the school's). Invalid events are
    /// reported (schedule.* codes) and left out; the others are kept, in the order written.
    public static func load(path: String, school: School) -> ([Event], [Diagnostic]) {
        let root: Node?
        switch YAMLSource.load(path: path, syntaxCode: "schedule.yaml-syntax") {
        case .problem(let diagnostic): return ([], [diagnostic])
        case .value(let node): root = node
        }
        var report = YAMLDiagnostics(file: path)
        guard let root, !root.isNull else {
            report.diagnostics.append(.error("schedule.missing-key", "the schedule is empty: it needs an events: list", at: SourceLocation(file: path, line: 1, field: "events")))
            return ([], report.diagnostics)
        }
        guard case .mapping(let top) = root else {
            report.error("schedule.invalid-value", "the schedule must be a map with an events: list, not \(root.kindDescription)", root, nil)
            return ([], report.diagnostics)
        }
        var eventsNode: Node?
        for (key, value) in top {
            if key.rawScalar == "events" {
                eventsNode = value
            } else {
                let name = key.rawScalar ?? "?"
                report.warning("schedule.unknown-key", "Liaison does not know the key \"\(name)\"\(Support.didYouMean(name, among: ["events"])); it is ignored", key, name)
            }
        }
        guard let eventsNode else {
            report.error("schedule.missing-key", "the schedule has no events: list", root, "events")
            return ([], report.diagnostics)
        }
        if eventsNode.isNull { return ([], report.diagnostics) }
        guard case .sequence(let items) = eventsNode else {
            report.error("schedule.invalid-value", "events must be a list (each event starts with \"- id:\"), not \(eventsNode.kindDescription)", eventsNode, "events")
            return ([], report.diagnostics)
        }
        var events: [Event] = []
        var idLines: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            var reader = EventReader(report: report, school: school, path: KeyPath.item("events", index), node: item)
            let event = reader.read(idLines: &idLines)
            report = reader.report
            if let event { events.append(event) }
        }
        return (events, report.diagnostics)
    }

    /// Reads one event's map. Calendar rules (`calendar_rules:` in liaison.yaml) are read with it too, with
    /// their own keys and required keys.
    struct EventReader {
        var report: YAMLDiagnostics
        let school: School
        let path: String
        let node: Node
        var ok = true
        var keys: [String: (key: Node, value: Node)] = [:]
        var requiredKeys = ScheduleLoader.requiredEventKeys

        init(report: YAMLDiagnostics, school: School, path: String, node: Node) {
            self.report = report
            self.school = school
            self.path = path
            self.node = node
        }

        func field(_ key: String) -> String { KeyPath.child(path, key) }

        func required(_ key: String) -> Bool { requiredKeys.contains(key) }

        mutating func fail(_ code: String, _ message: String, _ at: Node?, _ fieldPath: String) {
            report.error(code, message, at, fieldPath)
            ok = false
        }

        /// The value of a key, or `nil` (reported when required) when absent or empty.
        mutating func value(_ key: String, required: Bool = false) -> Node? {
            guard let entry = keys[key], !entry.value.isNull else {
                if required {
                    let written = keys[key] != nil ? "has an empty \(key)" : "has no \(key)"
                    fail("schedule.missing-key", "the event \(written)", keys[key]?.key ?? node, field(key))
                }
                return nil
            }
            return entry.value
        }

        /// A single value as trimmed text.
        mutating func text(_ key: String, required: Bool = false) -> String? {
            guard let node = value(key, required: required) else { return nil }
            guard let raw = node.rawScalar else {
                fail("schedule.invalid-value", "\(key) must be a single value, not \(node.kindDescription)", node, field(key))
                return nil
            }
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty, required {
                fail("schedule.missing-key", "the event has an empty \(key)", node, field(key))
                return nil
            }
            return trimmed.isEmpty ? nil : trimmed
        }

        /// Collects the keys of the map (unknown ones are reported); false when the node is not a map.
        mutating func collectKeys(known: [String], what: String = "event") -> Bool {
            guard case .mapping(let mapping) = node else {
                fail("schedule.invalid-value", "each \(what) must be a map of keys (\(known.prefix(3).map { $0 + ":" }.joined(separator: ", ")), …), not \(node.kindDescription)", node, path)
                return false
            }
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.rawScalar else {
                    fail("schedule.invalid-value", "a key must be a plain name, not \(keyNode.kindDescription)", keyNode, path)
                    continue
                }
                if known.contains(key) {
                    keys[key] = (keyNode, valueNode)
                } else {
                    report.warning("schedule.unknown-key", "Liaison does not know the \(what) key \"\(key)\"\(Support.didYouMean(key, among: known)); it is ignored", keyNode, field(key))
                }
            }
            return true
        }

        mutating func read(idLines: inout [String: Int]) -> Event? {
            guard collectKeys(known: ScheduleLoader.eventKeys) else { return nil }

            let id = text("id", required: required("id"))
            if let id, let bad = id.unicodeScalars.first(where: { "@#/ ".unicodeScalars.contains($0) || $0.properties.generalCategory == .control }) {
                // An id is part of every delivery key: `@` starts a send time, `#` a resend or round, `/` separates the
                // key's parts; white space and control characters would break logs and links.
                fail(
                    "schedule.invalid-id",
                    "the id \"\(id)\" contains \(bad == " " ? "a space" : "\"\(bad.escaped(asASCII: true))\""): use letters, digits, - and _; this event is left out",
                    keys["id"]?.value, field("id"))
            } else if let id {
                if let first = idLines[id] {
                    fail("schedule.duplicate-id", "the id \"\(id)\" is already used by the event on line \(first); this event is left out", keys["id"]?.value, field("id"))
                } else {
                    idLines[id] = node.mark?.line ?? 0
                }
            }
            let kind = readKind()
            let title = localized("title", required: required("title"))

            var zone = school.timeZone
            if let raw = text("time_zone") {
                if let eventZone = TimeZone(identifier: raw) {
                    zone = eventZone
                } else {
                    fail("schedule.invalid-time-zone", "time_zone \"\(raw)\" is not an IANA time zone (for example Europe/London)", keys["time_zone"]?.value, field("time_zone"))
                }
            }
            let start = date("start", node: value("start", required: required("start")), path: field("start"), zone: zone)
            let end = date("end", node: value("end"), path: field("end"), zone: zone)
            if let start, let end, end.date < start.date {
                fail("schedule.end-before-start", "the event ends before it starts", keys["end"]?.value, field("end"))
            }
            let location = localized("location", required: false)
            let audience = readAudience()
            let template = readTemplate(kind: kind)
            let priority = readPriority(kind: kind)
            var cancelled = false
            if let raw = text("status") {
                switch raw.lowercased() {
                case "cancelled", "canceled": cancelled = true
                case "confirmed", "scheduled": cancelled = false
                default:
                    fail("schedule.invalid-value", "status \"\(raw)\" is not confirmed or cancelled", keys["status"]?.value, field("status"))
                }
            }
            let plan = readNotify(zone: zone)
            let rsvp = readRSVP()
            let data = readData()
            let survey = readSurvey(kind: kind, start: start?.date, zone: zone)
            let slotRules = readSlots(kind: kind, start: start?.date, end: end?.date, zone: zone)
            let discussion = slotRules == nil ? nil : readDiscussion(start: start?.date, zone: zone)
            let consent = readConsent(kind: kind, start: start?.date, zone: zone, plan: plan, rsvp: rsvp, hasSlots: slotRules != nil)

            guard ok, let id, let kind, let title, let start, let audience, let template else { return nil }
            var event = Event(
                id: id, kind: kind, title: title, start: start.date, end: end?.date, timeZone: zone, allDay: start.allDay,
                location: location, audience: audience, template: template, priority: priority, plan: plan, rsvp: rsvp,
                data: data, origin: report.location(node, path))
            event.isCancelled = cancelled
            event.survey = survey
            event.slotRules = slotRules
            event.discussion = discussion
            event.consent = consent
            return event
        }

        mutating func readKind() -> EventKind? {
            guard let raw = text("kind", required: required("kind")) else { return nil }
            let kind = EventKind(rawValue: raw.lowercased().replacingOccurrences(of: "_", with: "-"))
            if kind == nil {
                let names = EventKind.allCases.map(\.rawValue)
                fail("schedule.invalid-kind", "kind \"\(raw)\" is not one of \(names.joined(separator: ", "))\(Support.didYouMean(raw, among: names))", keys["kind"]?.value, field("kind"))
            }
            return kind
        }

        /// The template folder; without a template key (when it is not required) the kind's name.
        mutating func readTemplate(kind: EventKind?) -> String? {
            var template: String? = keys["template"] == nil && !required("template") ? kind?.rawValue : nil
            if let raw = text("template", required: required("template")) {
                if raw.contains("/") || raw.contains("\\") || raw.hasPrefix(".") {
                    fail("schedule.invalid-value", "template \"\(raw)\" must be the name of a folder under templates/, not a path", keys["template"]?.value, field("template"))
                } else {
                    template = raw
                }
            }
            return template
        }

        mutating func readPriority(kind: EventKind?) -> Priority {
            var priority: Priority = kind == .alert ? .urgent : .normal
            if let raw = text("priority") {
                if let value = Priority(rawValue: raw.lowercased()) {
                    priority = value
                } else {
                    fail("schedule.invalid-priority", "priority \"\(raw)\" is not normal or urgent", keys["priority"]?.value, field("priority"))
                }
            }
            return priority
        }

        // MARK: Dates

        mutating func date(_ name: String, node: Node?, path: String, zone: TimeZone) -> ScheduleDate? {
            guard let node else { return nil }
            guard let raw = node.rawScalar else {
                fail("schedule.invalid-date", "\(name) must be a date, not \(node.kindDescription)", node, path)
                return nil
            }
            guard let parsed = ScheduleDate.parse(raw, in: zone) else {
                fail("schedule.invalid-date", "\(name) \"\(raw)\" is not a date: write 2026-06-12T09:30 (local time), 2026-06-12T09:30+01:00 or 2026-06-12 (all day)", node, path)
                return nil
            }
            if let from = parsed.shiftedFrom, let to = parsed.shiftedTo {
                report.warning("schedule.nonexistent-time", "\(raw) does not exist in \(zone.identifier) (the clocks go forward past \(from)); \(to) is used instead", node, path)
            }
            return parsed
        }

        // MARK: Localized text

        mutating func localized(_ key: String, required: Bool) -> LocalizedText? {
            guard let node = value(key, required: required) else { return nil }
            // A title becomes a subject line, an SMS and a page title: one line, no control characters.
            return localizedText(node, path: field(key), name: key, required: required, singleLine: key == "title" || key == "location")
        }

        /// `text` without line breaks and control characters when `singleLine`, with a warning at the value.
        mutating func oneLine(_ text: String, _ singleLine: Bool, _ node: Node, _ path: String, _ name: String) -> String {
            guard singleLine else { return text }
            guard let cleaned = Whitespace.controlsRemoved(text) else { return BidiIsolation.contained(text) ?? text }
            report.warning(
                "schedule.control-character",
                "the \(name) holds a line break or control character, which cannot go into a subject line or an SMS; it is read with them removed",
                node, path)
            return BidiIsolation.contained(cleaned) ?? cleaned
        }

        mutating func localizedText(_ node: Node, path: String, name: String, required: Bool, singleLine: Bool = false) -> LocalizedText? {
            switch node {
            case .scalar(let scalar):
                let text = oneLine(scalar.string.trimmingCharacters(in: .whitespacesAndNewlines), singleLine, node, path, name)
                if text.isEmpty {
                    if required { fail("schedule.missing-key", "\(name) is empty", node, path) }
                    return nil
                }
                return LocalizedText(text)
            case .mapping(let mapping):
                var translations: [LanguageTag: String] = [:]
                var first: (text: String, tag: LanguageTag)?
                for (keyNode, valueNode) in mapping {
                    let rawTag = keyNode.rawScalar ?? ""
                    let entryPath = KeyPath.child(path, rawTag)
                    guard let tag = LanguageTag(rawTag) else {
                        fail("schedule.invalid-locale", "\"\(rawTag)\" is not a BCP 47 language tag (for example en, ar, zh-Hant)", keyNode, entryPath)
                        continue
                    }
                    guard let raw = valueNode.rawScalar?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
                        fail("schedule.invalid-value", "the \(name) in \(rawTag) must be text, not \(valueNode.kindDescription)", valueNode, entryPath)
                        continue
                    }
                    let text = oneLine(raw, singleLine, valueNode, entryPath, name)
                    if translations[tag] == nil { translations[tag] = text }
                    if first == nil { first = (text, tag) }
                }
                guard let first else {
                    if ok { fail("schedule.invalid-value", "\(name) has no text in any language", node, path) }
                    return nil
                }
                if let base = translations[school.defaultLocale] { return LocalizedText(base, translations: translations) }
                return LocalizedText(first.text, translations: translations, baseLanguage: first.tag)
            default:
                fail("schedule.invalid-value", "\(name) must be text or a map from language to text, not \(node.kindDescription)", node, path)
                return nil
            }
        }

        // MARK: Audience

        mutating func readAudience() -> Audience? {
            guard let node = value("audience", required: required("audience")) else { return nil }
            let path = field("audience")
            switch node {
            case .scalar(let scalar):
                let word = scalar.string.trimmingCharacters(in: .whitespaces).lowercased()
                if ScheduleLoader.wholeSchoolWords.contains(word) { return .everyone }
                fail("schedule.invalid-audience", "audience \"\(scalar.string)\" is not understood: write everyone, or a map of grades, classes, students and families", node, path)
                return nil
            case .mapping(let mapping):
                var audience = Audience()
                var valid = true
                for (keyNode, valueNode) in mapping {
                    let key = keyNode.rawScalar ?? "?"
                    let keyPath = KeyPath.child(path, key)
                    guard ScheduleLoader.audienceKeys.contains(key) else {
                        fail("schedule.invalid-audience", "audience does not take \"\(key)\"\(Support.didYouMean(key, among: ScheduleLoader.audienceKeys)): use grades, classes, students or families", keyNode, keyPath)
                        valid = false
                        continue
                    }
                    guard let names = nameList(valueNode, path: keyPath) else {
                        valid = false
                        continue
                    }
                    switch key {
                    case "grades": audience.grades += names
                    case "classes": audience.classes += names
                    case "students": audience.students += names
                    default: audience.families += names
                    }
                }
                guard valid else { return nil }
                if audience.isEmpty {
                    fail("schedule.invalid-audience", "the audience names nobody", node, path)
                    return nil
                }
                return audience
            default:
                fail("schedule.invalid-audience", "audience must be everyone or a map of grades, classes, students and families, not \(node.kindDescription)", node, path)
                return nil
            }
        }

        /// A name or a list of names (`5`, `"5, 6"`, `[5, 6]`), numbers read as written.
        mutating func nameList(_ node: Node, path: String) -> [String]? {
            if node.isNull { return [] }
            switch node {
            case .scalar(let scalar):
                return scalar.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            case .sequence(let sequence):
                var names: [String] = []
                for (index, item) in sequence.enumerated() {
                    guard let raw = item.rawScalar else {
                        fail("schedule.invalid-audience", "each entry must be a name or number, not \(item.kindDescription)", item, KeyPath.item(path, index))
                        return nil
                    }
                    let name = raw.trimmingCharacters(in: .whitespaces)
                    if !name.isEmpty, !names.contains(name) { names.append(name) }
                }
                return names
            default:
                fail("schedule.invalid-audience", "this must be a name or a list of names, not \(node.kindDescription)", node, path)
                return nil
            }
        }

        // MARK: Notify

        mutating func readNotify(zone: TimeZone) -> NotificationPlan {
            var plan = NotificationPlan()
            guard let node = value("notify") else { return plan }
            let path = field("notify")
            guard case .mapping(let mapping) = node else {
                fail("schedule.invalid-value", "notify must be a map with send_at and reminders, not \(node.kindDescription)", node, path)
                return plan
            }
            for (keyNode, valueNode) in mapping {
                let key = keyNode.rawScalar ?? "?"
                let keyPath = KeyPath.child(path, key)
                switch key {
                case "send_at":
                    for (item, itemPath) in items(valueNode, path: keyPath) {
                        if let parsed = date("send_at", node: item, path: itemPath, zone: zone) { plan.sendAt.append(parsed.date) }
                    }
                case "reminders":
                    for (item, itemPath) in items(valueNode, path: keyPath) {
                        guard let raw = item.rawScalar, let reminder = Reminder(raw) else {
                            let written = item.rawScalar.map { "\"\($0)\"" } ?? item.kindDescription
                            fail("schedule.invalid-reminder", "reminder \(written) is not understood: write -7d, -1d at 18:00, -2h or -30m (before the start)", item, itemPath)
                            continue
                        }
                        plan.reminders.append(reminder)
                    }
                default:
                    report.warning("schedule.unknown-key", "notify does not take \"\(key)\"\(Support.didYouMean(key, among: ScheduleLoader.notifyKeys)); it is ignored", keyNode, keyPath)
                }
            }
            return plan
        }

        /// A single value or a list, with the path of each item.
        func items(_ node: Node, path: String) -> [(Node, String)] {
            if node.isNull { return [] }
            if case .sequence(let sequence) = node {
                return sequence.enumerated().map { ($1, KeyPath.item(path, $0)) }
            }
            return [(node, path)]
        }

        // MARK: Survey

        /// `form:` (a form file, relative to the schedule), `sample:` and `semester:` of a survey.
        mutating func readSurvey(kind: EventKind?, start: Date?, zone: TimeZone) -> SurveySettings? {
            let formPath = text("form")
            guard let formPath else {
                // A meeting with slots and a sample is a discussion (readDiscussion).
                if kind == .meeting, keys["slots"] != nil { return nil }
                for key in ["sample", "semester"] where keys[key] != nil {
                    fail("schedule.missing-key", "\(key) belongs to a survey with a form (form: forms/<name>.yaml) or a meeting with slots (a discussion)", keys[key]?.key, field(key))
                }
                return nil
            }
            guard kind == .survey else {
                fail("schedule.invalid-value", "form: is for events of kind survey", keys["form"]?.key, field("form"))
                return nil
            }
            // Forms live in the forms/ folder beside the schedule (the daemon watches it and keeps it with the last good copy).
            let name = formPath.hasPrefix("forms/") ? String(formPath.dropFirst("forms/".count)) : formPath
            guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
                fail("schedule.invalid-value", "form \"\(formPath)\" must name a file in the forms/ folder beside the schedule (form: forms/autumn-survey.yaml)", keys["form"]?.value, field("form"))
                return nil
            }
            let known = name.hasSuffix(".yaml") || name.hasSuffix(".yml") || XLSFormLoader.isXLSForm(name)
            let resolved = ScheduleLoader.formsFolder(ofSchedule: report.file) + "/" + (known ? name : name + ".yaml")
            // A form in YAML, or an XLSForm: the workbook (.xlsx) or its sheets saved as CSV (one file per sheet).
            let (form, problems) = XLSFormLoader.isXLSForm(resolved)
                ? XLSFormLoader.load(path: resolved, school: school) : FormLoader.load(path: resolved, school: school)
            report.diagnostics += problems
            guard let form else {
                fail("schedule.invalid-form", "the form \(formPath) could not be read (see the problems in it); this survey is left out", keys["form"]?.value, field("form"))
                return nil
            }
            let sampling = readSample()
            let semester = text("semester") ?? start.map { SurveySettings.semester(of: $0, in: zone) } ?? ""
            return SurveySettings(form: form, sampling: sampling, semester: semester)
        }

        /// `sample: 30%`, or a map of `fraction`, `stratum` (class, grade, school), `seed`, `exclude_recent`
        /// (semesters) and `expected_response`.
        mutating func readSample() -> SamplingSettings? {
            guard let node = value("sample") else { return nil }
            let path = field("sample")
            var settings = SamplingSettings()
            if let raw = node.rawScalar {
                guard let fraction = share(raw, node: node, path: path, name: "sample") else { return nil }
                settings.fraction = fraction
                return settings
            }
            guard case .mapping(let mapping) = node else {
                fail("schedule.invalid-value", "sample is a share (30%) or a map with fraction, stratum, seed, exclude_recent and expected_response", node, path)
                return nil
            }
            for (keyNode, valueNode) in mapping {
                let key = keyNode.rawScalar ?? "?"
                let keyPath = KeyPath.child(path, key)
                let raw = valueNode.rawScalar?.trimmingCharacters(in: .whitespaces) ?? ""
                switch key {
                case "fraction": settings.fraction = share(raw, node: valueNode, path: keyPath, name: "fraction") ?? settings.fraction
                case "expected_response":
                    settings.expectedResponse = share(raw, node: valueNode, path: keyPath, name: "expected_response") ?? settings.expectedResponse
                case "stratum":
                    if let stratum = SurveySampling.Stratum(rawValue: raw.lowercased()) { settings.stratum = stratum } else {
                        fail("schedule.invalid-value", "stratum \"\(raw)\" is not class, grade or school", valueNode, keyPath)
                    }
                case "seed":
                    if let seed = UInt64(raw) { settings.seed = seed } else {
                        fail("schedule.invalid-value", "seed must be a whole number (0 to 18446744073709551615), not \"\(raw)\"", valueNode, keyPath)
                    }
                case "exclude_recent":
                    if let count = Int(raw.replacingOccurrences(of: " semesters", with: "").replacingOccurrences(of: " semester", with: "")), (0...20).contains(count) {
                        settings.excludeRecentSemesters = count
                    } else {
                        fail("schedule.invalid-value", "exclude_recent is a number of semesters from 0 to 20, not \"\(raw)\"", valueNode, keyPath)
                    }
                default:
                    report.warning("schedule.unknown-key", "sample does not take \"\(key)\"\(Support.didYouMean(key, among: ScheduleLoader.sampleKeys)); it is ignored", keyNode, keyPath)
                }
            }
            return settings
        }

        /// `true`/`yes` or `false`/`no`; nil (reported) otherwise.
        mutating func flag(_ raw: String, name: String, node: Node?, path: String) -> Bool? {
            switch raw.lowercased() {
            case "true", "yes": return true
            case "false", "no": return false
            default:
                fail("schedule.invalid-value", "\(name) is true or false, not \"\(raw)\"", node, path)
                return nil
            }
        }

        /// `30%` or `0.3` as a share above 0 and at most 1.
        mutating func share(_ raw: String, node: Node, path: String, name: String) -> Double? {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            let value = trimmed.hasSuffix("%") ? Double(trimmed.dropLast().trimmingCharacters(in: .whitespaces)).map { $0 / 100 } : Double(trimmed)
            guard let value, value > 0, value <= 1 else {
                fail("schedule.invalid-value", "\(name) is a share such as 30% (above 0, at most 100%), not \"\(raw)\"", node, path)
                return nil
            }
            return value
        }

        // MARK: Slots

        /// `slots:` of a meeting: `length` (10m), `capacity` (1), `per` (class or event), `book_until`, `breaks`
        /// (["16:00-16:20"]) and `interpreter` (true).
        mutating func readSlots(kind: EventKind?, start: Date?, end: Date?, zone: TimeZone) -> SlotRules? {
            guard let node = value("slots") else { return nil }
            let path = field("slots")
            guard kind == .meeting else {
                fail("schedule.invalid-value", "slots: are for events of kind meeting", keys["slots"]?.key, path)
                return nil
            }
            guard case .mapping(let mapping) = node else {
                fail("schedule.invalid-value", "slots must be a map with length, capacity, per, book_until, breaks and interpreter", node, path)
                return nil
            }
            guard let start, let end, end > start else {
                fail("schedule.missing-key", "a meeting with slots needs a start and an end, a later time the same day", keys["end"]?.key ?? node, field("end"))
                return nil
            }
            var rules = SlotRules(minutes: 10)
            for (keyNode, valueNode) in mapping {
                let key = keyNode.rawScalar ?? "?"
                let keyPath = KeyPath.child(path, key)
                let raw = valueNode.rawScalar?.trimmingCharacters(in: .whitespaces) ?? ""
                switch key {
                case "length":
                    guard let reminder = Reminder(raw), reminder.days == 0, reminder.at == nil,
                          case let minutes = reminder.hours * 60 + reminder.minutes, (1...480).contains(minutes)
                    else {
                        fail("schedule.invalid-value", "length is a duration such as 10m or 1h (at most 8h), not \"\(raw)\"", valueNode, keyPath)
                        continue
                    }
                    rules.minutes = minutes
                case "capacity":
                    guard let capacity = Int(raw), (1...1000).contains(capacity) else {
                        fail("schedule.invalid-value", "capacity is a number of households from 1 to 1000, not \"\(raw)\"", valueNode, keyPath)
                        continue
                    }
                    rules.capacity = capacity
                case "per":
                    switch raw.lowercased() {
                    case "class": rules.perClass = true
                    case "event": rules.perClass = false
                    default: fail("schedule.invalid-value", "per is class or event, not \"\(raw)\"", valueNode, keyPath)
                    }
                case "book_until":
                    rules.bookUntil = date("book_until", node: valueNode, path: keyPath, zone: zone)?.date
                case "interpreter":
                    rules.interpreter = flag(raw, name: "interpreter", node: valueNode, path: keyPath) ?? rules.interpreter
                case "breaks":
                    for (item, itemPath) in items(valueNode, path: keyPath) {
                        let text = item.rawScalar ?? ""
                        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
                        guard parts.count == 2, let from = TimeOfDay(parts[0]), let to = TimeOfDay(parts[1]),
                              case let lower = from.hour * 60 + from.minute, case let upper = to.hour * 60 + to.minute, upper > lower
                        else {
                            fail("schedule.invalid-value", "a break is a time range such as 16:00-16:20, not \"\(text)\"", item, itemPath)
                            continue
                        }
                        rules.breaks.append(lower...upper)
                    }
                default:
                    report.warning("schedule.unknown-key", "slots does not take \"\(key)\"\(Support.didYouMean(key, among: ScheduleLoader.slotKeys)); it is ignored", keyNode, keyPath)
                }
            }
            if end.timeIntervalSince(start) > 86_400 {
                fail("schedule.invalid-value", "a meeting with slots lasts at most a day", keys["end"]?.value, field("end"))
                return nil
            }
            return rules
        }

        /// `sample:` (and `semester:`) of a meeting with slots: the discussion variant of a semester's survey, where
        /// the households drawn are invited to book a place.
        mutating func readDiscussion(start: Date?, zone: TimeZone) -> DiscussionSettings? {
            guard keys["sample"] != nil else {
                if keys["semester"] != nil {
                    fail("schedule.missing-key", "semester belongs to a sample: give the meeting sample: (such as 30%) to invite a random share of households", keys["semester"]?.key, field("semester"))
                }
                return nil
            }
            guard let sampling = readSample() else { return nil }
            let semester = text("semester") ?? start.map { SurveySettings.semester(of: $0, in: zone) } ?? ""
            return DiscussionSettings(sampling: sampling, semester: semester)
        }

        // MARK: Permission slips

        /// `consent:` of an event: `yes` (answers until the start), or a map with `deadline` and the statement the
        /// guardian agrees to (`key:` a catalog key, or `text:` per language).
        mutating func readConsent(kind: EventKind?, start: Date?, zone: TimeZone, plan: NotificationPlan, rsvp: [RSVPOption], hasSlots: Bool)
            -> ConsentSettings?
        {
            guard let node = value("consent") else { return nil }
            let path = field("consent")
            if let raw = node.rawScalar {
                guard let wanted = flag(raw.trimmingCharacters(in: .whitespaces), name: "consent", node: node, path: path), wanted else { return nil }
            }
            switch kind {
            case .alert?, .survey?, .newsletter?, .progressLetter?:
                // A newsletter goes only to families that did not unsubscribe: a slip must reach every child's home.
                fail("schedule.invalid-value", "consent: is for an announcement or a meeting families agree to (a trip, an activity), not a \(kind?.rawValue ?? "")", keys["consent"]?.key, path)
                return nil
            default: break
            }
            if !rsvp.isEmpty {
                fail("schedule.invalid-value", "an event with consent: takes no rsvp: the permission slip is the answer (yes or no for each child)", keys["rsvp"]?.key, field("rsvp"))
                return nil
            }
            if hasSlots {
                fail("schedule.invalid-value", "an event with consent: takes no slots: give the permission slip its own event", keys["slots"]?.key, field("slots"))
                return nil
            }
            guard let start else { return nil }
            var settings = ConsentSettings(deadline: start)
            if node.rawScalar == nil {
                var reader = EventReader(report: report, school: school, path: path, node: node)
                guard reader.collectKeys(known: ScheduleLoader.consentKeys, what: "consent") else {
                    report = reader.report
                    ok = false
                    return nil
                }
                if let deadline = reader.date("deadline", node: reader.value("deadline"), path: reader.field("deadline"), zone: zone) {
                    // A date alone is the whole of that day (families told "by 11 December" answer on the 11th).
                    settings.deadline = deadline.allDay ? Self.endOfDay(deadline.date, in: zone) : deadline.date
                }
                if reader.keys["key"] != nil || reader.keys["text"] != nil { settings.statement = reader.formText(what: "consent statement") }
                report = reader.report
                if !reader.ok {
                    ok = false
                    return nil
                }
            }
            if settings.deadline > start {
                fail("schedule.invalid-value", "the consent deadline is after the event starts: answers are needed before it", keys["consent"]?.value, field("consent"))
                return nil
            }
            let late = plan.sendAt.filter { $0 >= settings.deadline }
                + plan.reminders.compactMap { $0.fireDate(forEventStart: start, in: zone) }.filter { $0 >= settings.deadline }
            if !late.isEmpty {
                // Such a send would ask households still to answer for a slip no longer taken.
                report.warning(
                    "schedule.consent-after-deadline",
                    "\(late.count) planned send(s) fall at or after the consent deadline: they reach nobody, as answers are closed by then; plan them before the deadline",
                    keys["notify"]?.key ?? keys["consent"]?.key, field("notify"))
            }
            return settings
        }

        /// The last minute of the day `date` starts, in `zone` (23:59).
        static func endOfDay(_ date: Date, in zone: TimeZone) -> Date {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let next = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: date)) ?? date.addingTimeInterval(86_400)
            return next.addingTimeInterval(-60)
        }

        // MARK: RSVP

        mutating func readRSVP() -> [RSVPOption] {
            guard let node = value("rsvp") else { return [] }
            let path = field("rsvp")
            guard case .sequence(let sequence) = node else {
                fail("schedule.invalid-rsvp", "rsvp must be a list of options (- id: attending), not \(node.kindDescription)", node, path)
                return []
            }
            var options: [RSVPOption] = []
            var lines: [String: Int] = [:]
            for (index, item) in sequence.enumerated() {
                let itemPath = KeyPath.item(path, index)
                var id: String?
                var idNode = item
                var label: LocalizedText?
                switch item {
                case .scalar(let scalar):
                    id = scalar.string.trimmingCharacters(in: .whitespaces)
                case .mapping(let mapping):
                    for (keyNode, valueNode) in mapping {
                        let key = keyNode.rawScalar ?? "?"
                        switch key {
                        case "id":
                            id = valueNode.rawScalar?.trimmingCharacters(in: .whitespaces)
                            idNode = valueNode
                        case "label":
                            if !valueNode.isNull {
                                label = localizedText(valueNode, path: KeyPath.child(itemPath, "label"), name: "label", required: false)
                            }
                        default:
                            report.warning("schedule.unknown-key", "an rsvp option does not take \"\(key)\"\(Support.didYouMean(key, among: ScheduleLoader.rsvpKeys)); it is ignored", keyNode, KeyPath.child(itemPath, key))
                        }
                    }
                default:
                    break
                }
                guard let id, !id.isEmpty else {
                    fail("schedule.invalid-rsvp", "this rsvp option has no id", item, itemPath)
                    continue
                }
                guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                    fail("schedule.invalid-rsvp", "rsvp id \"\(id)\" may hold only letters, digits, - and _ (it names the catalog message rsvp.\(id))", idNode, itemPath)
                    continue
                }
                if let first = lines[id] {
                    fail("schedule.invalid-rsvp", "rsvp id \"\(id)\" is already used on line \(first)", idNode, itemPath)
                    continue
                }
                lines[id] = idNode.mark?.line ?? 0
                options.append(RSVPOption(id: id, label: label))
            }
            return options
        }

        // MARK: Data

        mutating func readData() -> [String: DataValue] {
            guard let node = value("data") else { return [:] }
            let path = field("data")
            guard case .mapping = node else {
                fail("schedule.invalid-value", "data must be a map of names to values, not \(node.kindDescription)", node, path)
                return [:]
            }
            var budget = 50_000
            guard case .map(let map)? = DataConversion.value(node, budget: &budget, defaultLanguage: school.defaultLocale) else {
                fail("schedule.invalid-value", "data is too large or too deeply nested, or has a key that is not a plain name", node, path)
                return [:]
            }
            for (key, found) in Self.scriptURLs(in: .map(map), path: path) {
                fail(
                    "schedule.unsafe-url",
                    "\(key) is a \(found) URL, which a letter must not link to (it runs code or hides content in the reader's mail program); link to an https page",
                    node, key)
            }
            return map
        }

        /// Text values that are `javascript:`, `vbscript:` or `data:` URLs (as browsers read a scheme: case and any
        /// tab, line break or leading space ignored), with their key paths.
        static func scriptURLs(in value: DataValue, path: String) -> [(path: String, scheme: String)] {
            switch value {
            case .string(let text):
                let scheme = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value > 0x20 }).prefix(11)).lowercased()
                for unsafe in ["javascript:", "vbscript:", "data:"] where scheme.hasPrefix(unsafe) { return [(path, String(unsafe.dropLast()))] }
                return []
            case .list(let items):
                return items.enumerated().flatMap { scriptURLs(in: $0.element, path: "\(path)[\($0.offset + 1)]") }
            case .map(let map):
                return map.keys.sorted().flatMap { scriptURLs(in: map[$0]!, path: KeyPath.child(path, $0)) }
            case .text(let text):
                return ([(nil, text.base)] + text.translations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }).flatMap { tag, value in
                    scriptURLs(in: .string(value), path: tag.map { KeyPath.child(path, $0.rawValue) } ?? path)
                }
            default:
                return []
            }
        }
    }
}
