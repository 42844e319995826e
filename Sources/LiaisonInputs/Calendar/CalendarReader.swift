import Foundation
import LiaisonModel

/// Reads an iCalendar file (RFC 5545) and expands its events into occurrences inside a window.
///
/// Problems are reported with file and line (`calendar.*` codes) and only the event concerned is left out:
/// the rest of the calendar is still used.
public enum CalendarReader {
    /// Reads the file at `path`. `name` names the calendar in occurrence ids; floating times and dates are read
    /// in the calendar's X-WR-TIMEZONE, or else in `fallbackZone` (the school's).
    public static func read(path: String, name: String, window: DateInterval, fallbackZone: TimeZone) -> ([CalendarOccurrence], [Diagnostic]) {
        switch Support.readFile(path) {
        case .problem(let diagnostic): return ([], [diagnostic])
        case .value(let bytes): return read(bytes, file: path, name: name, window: window, fallbackZone: fallbackZone)
        }
    }

    public static func read(_ bytes: [UInt8], file: String, name: String, window: DateInterval, fallbackZone: TimeZone) -> ([CalendarOccurrence], [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let (lines, lineProblems) = ContentLineReader.read(bytes, file: file)
        diagnostics += lineProblems
        let (roots, treeProblems) = CalendarComponent.tree(lines, file: file)
        diagnostics += treeProblems
        let calendars = roots.filter { $0.name == "VCALENDAR" }
        if calendars.isEmpty {
            diagnostics.append(.error("calendar.syntax", "the file has no BEGIN:VCALENDAR … END:VCALENDAR: it is not an iCalendar file", at: SourceLocation(file: file, line: 1)))
            return ([], diagnostics)
        }
        var occurrences: [CalendarOccurrence] = []
        for calendar in calendars {
            var reader = ComponentReader(file: file, name: name, calendar: calendar, fallbackZone: fallbackZone)
            occurrences += reader.occurrences(in: window)
            diagnostics += reader.diagnostics
        }
        occurrences.sort { ($0.start, $0.id) < ($1.start, $1.id) }
        return (occurrences, diagnostics)
    }
}

/// Reads one VCALENDAR: its zones, then its events.
private struct ComponentReader {
    let file: String
    let name: String
    let calendar: CalendarComponent
    var diagnostics: [Diagnostic] = []
    /// Zones by TZID, from the calendar's VTIMEZONE blocks.
    var zones: [String: CalendarZone] = [:]
    var defaultZone: CalendarZone

    init(file: String, name: String, calendar: CalendarComponent, fallbackZone: TimeZone) {
        self.file = file
        self.name = name
        self.calendar = calendar
        defaultZone = .system(fallbackZone)
        if let line = calendar.property("X-WR-TIMEZONE") {
            let text = CalendarText.unescape(line.value).trimmingCharacters(in: .whitespaces)
            if let zone = ComponentReader.knownZone(text) {
                defaultZone = .system(zone)
            } else {
                diagnostics.append(.warning("calendar.unknown-time-zone", "X-WR-TIMEZONE \"\(text)\" is not a time zone Liaison knows; floating times are read in \(fallbackZone.identifier)", at: location(line)))
            }
        }
        for component in calendar.components("VTIMEZONE") { defineZone(component) }
    }

    func location(_ line: ContentLine, field: String? = nil) -> SourceLocation {
        SourceLocation(file: file, line: line.line, field: field ?? line.name)
    }

    // MARK: Zones

    /// An IANA name, a Windows name, or an IANA name after a vendor prefix (`/mozilla.org/20050126_1/Europe/London`).
    static func knownZone(_ text: String) -> TimeZone? {
        let name = text.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\"")))
        guard !name.isEmpty else { return nil }
        if name.contains("/"), let zone = TimeZone(identifier: name), zone.identifier.contains("/") || name == zone.identifier { return zone }
        if let zone = WindowsZones.zone(named: name) { return zone }
        if ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z"].contains(name) { return TimeZone(identifier: "UTC") }
        let parts = name.split(separator: "/")
        for count in [3, 2] where parts.count > count {
            let tail = parts.suffix(count).joined(separator: "/")
            if let zone = TimeZone(identifier: tail), zone.identifier == tail { return zone }
        }
        return nil
    }

    mutating func defineZone(_ component: CalendarComponent) {
        guard let tzidLine = component.property("TZID") else {
            diagnostics.append(.error("calendar.missing-property", "this VTIMEZONE has no TZID; it is ignored", at: SourceLocation(file: file, line: component.line, field: "TZID")))
            return
        }
        let tzid = tzidLine.value.trimmingCharacters(in: .whitespaces)
        if let zone = ComponentReader.knownZone(tzid) {
            zones[tzid] = .system(zone)
            return
        }
        if let location = component.property("X-LIC-LOCATION"), let zone = ComponentReader.knownZone(CalendarText.unescape(location.value)) {
            zones[tzid] = .system(zone)
            return
        }
        var observances: [DefinedZone.Observance] = []
        for observance in component.components where observance.name == "STANDARD" || observance.name == "DAYLIGHT" {
            guard let startLine = observance.property("DTSTART"), let start = CalendarTime.parseWall(startLine.value),
                  let fromLine = observance.property("TZOFFSETFROM"), let from = DefinedZone.offset(fromLine.value),
                  let toLine = observance.property("TZOFFSETTO"), let to = DefinedZone.offset(toLine.value)
            else {
                diagnostics.append(.error("calendar.invalid-time-zone", "the \(observance.name) part of VTIMEZONE \(tzid) needs DTSTART, TZOFFSETFROM and TZOFFSETTO (like +0100); it is ignored", at: SourceLocation(file: file, line: observance.line, field: "VTIMEZONE")))
                continue
            }
            var rule: RecurrenceRule?
            if let ruleLine = observance.property("RRULE") {
                do {
                    rule = try RecurrenceRule.parse(ruleLine.value, untilZone: .utc)
                } catch {
                    diagnostics.append(.error("calendar.invalid-rrule", "the RRULE of VTIMEZONE \(tzid) cannot be used: \(error.message)", at: location(ruleLine)))
                    continue
                }
            }
            let dates = observance.properties("RDATE").flatMap { $0.value.split(separator: ",") }.compactMap { CalendarTime.parseWall(String($0))?.wall }
            observances.append(.init(start: start.wall, offsetFrom: from, offsetTo: to, rule: rule, dates: dates))
        }
        if observances.isEmpty {
            diagnostics.append(.error("calendar.invalid-time-zone", "VTIMEZONE \(tzid) defines no usable STANDARD or DAYLIGHT part; times in it cannot be read", at: SourceLocation(file: file, line: component.line, field: "VTIMEZONE")))
            return
        }
        zones[tzid] = .defined(DefinedZone(tzid: tzid, observances: observances))
    }

    /// The zone named by a TZID parameter; reports an unknown one.
    mutating func zone(_ tzid: String, _ line: ContentLine) -> CalendarZone? {
        let key = tzid.trimmingCharacters(in: .whitespaces)
        if let zone = zones[key] { return zone }
        if let zone = ComponentReader.knownZone(key) {
            zones[key] = .system(zone)
            return .system(zone)
        }
        diagnostics.append(.error("calendar.unknown-time-zone", "TZID \"\(key)\" is neither defined by a VTIMEZONE in this file nor an IANA or Windows time zone name; this event is left out", at: location(line)))
        return nil
    }

    // MARK: Values

    /// One DATE or DATE-TIME value (or several, comma-separated, for RDATE and EXDATE).
    mutating func times(_ line: ContentLine) -> [CalendarTime]? {
        var form: TimeForm = .floating
        if let tzid = line.parameter("TZID") {
            guard let zone = zone(tzid, line) else { return nil }
            form = .zoned(zone)
        }
        var result: [CalendarTime] = []
        for item in line.value.split(separator: ",") {
            let text = item.split(separator: "/").first.map(String.init) ?? ""  // a PERIOD's start
            guard let parsed = CalendarTime.parseWall(text) else {
                diagnostics.append(.error("calendar.invalid-date", "\(line.name) \"\(line.value)\" is not a date (20270611) or a date-time (20270611T093000, …Z for UTC); this event is left out", at: location(line)))
                return nil
            }
            let valueType = line.parameter("VALUE")?.uppercased()
            if parsed.isDate || valueType == "DATE" {
                result.append(CalendarTime(wall: WallTime(day: parsed.wall.day), form: .date))
            } else {
                result.append(CalendarTime(wall: parsed.wall, form: parsed.utc ? .utc : form))
            }
        }
        return result
    }

    /// The longest DURATION read: ten years. Longer is a typing slip, and a length near `Int.max` would
    /// overflow every sum it takes part in.
    static let longestDuration = 10 * 366 * 86_400

    /// DURATION (RFC 5545 §3.3.6) in seconds: `PT1H30M`, `P1D`, `P2W`; `nil` when malformed or longer than
    /// ``longestDuration``.
    static func duration(_ text: String) -> Int? {
        var body = Substring(text.trimmingCharacters(in: .whitespaces).uppercased())
        var sign = 1
        if body.first == "-" { sign = -1; body = body.dropFirst() } else if body.first == "+" { body = body.dropFirst() }
        guard body.first == "P" else { return nil }
        body = body.dropFirst()
        var total = 0, number = "", inTime = false, any = false
        for character in body {
            if character.isNumber { number.append(character); continue }
            if character == "T" { inTime = true; continue }
            guard number.count <= 12, let value = Int(number) else { return nil }
            let unit: Int
            switch (character, inTime) {
            case ("W", false): unit = 604_800
            case ("D", false): unit = 86_400
            case ("H", true): unit = 3_600
            case ("M", true): unit = 60
            case ("S", true): unit = 1
            default: return nil
            }
            // At most 12 digits times at most 604,800 fits easily; the sum is checked against the cap each step.
            total += value * unit
            guard total <= longestDuration else { return nil }
            number = ""
            any = true
        }
        return any && number.isEmpty ? sign * total : nil
    }

    // MARK: Events

    mutating func entry(_ component: CalendarComponent) -> CalendarEntry? {
        let beginning = SourceLocation(file: file, line: component.line, field: "VEVENT")
        guard let startLine = component.property("DTSTART") else {
            diagnostics.append(.error("calendar.missing-property", "this VEVENT has no DTSTART, so it has no date; it is left out", at: beginning.field("DTSTART")))
            return nil
        }
        guard let start = times(startLine)?.first else { return nil }
        let summary = component.property("SUMMARY").map { CalendarText.unescape($0.value).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        var uid = component.property("UID").map { $0.value.trimmingCharacters(in: .whitespaces) } ?? ""
        if uid.isEmpty {
            uid = "no-uid:\(summary):\(startLine.value)"
            diagnostics.append(.warning("calendar.missing-property", "this VEVENT has no UID; its identity is taken from its summary and start, so editing either makes it a new event", at: beginning.field("UID")))
        }
        var entry = CalendarEntry(uid: uid, start: start, line: component.line)
        // A summary becomes a subject line and an SMS: one line, direction controls kept inside an isolate.
        let oneLine = Whitespace.controlsRemoved(summary) ?? summary
        entry.summary = BidiIsolation.contained(oneLine) ?? oneLine
        entry.summaryLanguage = component.property("SUMMARY")?.parameter("LANGUAGE")
        entry.details = component.property("DESCRIPTION").map { CalendarText.unescape($0.value) }.flatMap { $0.isEmpty ? nil : $0 }
        entry.location = component.property("LOCATION").map { CalendarText.unescape($0.value) }.flatMap { $0.isEmpty ? nil : $0 }
        entry.url = component.property("URL").map { $0.value.trimmingCharacters(in: .whitespaces) }
        entry.categories = component.properties("CATEGORIES").flatMap { CalendarText.list($0.value) }
        entry.cancelled = component.property("STATUS")?.value.trimmingCharacters(in: .whitespaces).uppercased() == "CANCELLED"

        if let endLine = component.property("DTEND") {
            guard let end = times(endLine)?.first else { return nil }
            let length = end.wall.wallSeconds - start.wall.wallSeconds
            let sameZone = end.form == start.form
            let exact = Int(end.instant(fallback: defaultZone).timeIntervalSince(start.instant(fallback: defaultZone)))
            if (sameZone ? length : exact) < 0 {
                diagnostics.append(.warning("calendar.invalid-date", "DTEND is before DTSTART; the end is ignored", at: location(endLine)))
            } else {
                entry.end = end
                entry.length = sameZone ? length : exact
            }
        } else if let durationLine = component.property("DURATION") {
            if let seconds = ComponentReader.duration(durationLine.value), seconds >= 0 {
                entry.length = seconds
            } else {
                diagnostics.append(.warning("calendar.invalid-date", "DURATION \"\(durationLine.value)\" is not a duration like PT1H30M or P1D of at most ten years; it is ignored", at: location(durationLine)))
            }
        } else if start.isDate {
            entry.length = 86_400
        }
        for ruleLine in component.properties("RRULE") {
            do {
                let rule = try RecurrenceRule.parse(ruleLine.value, untilZone: start.form == .date ? .floating : start.form)
                entry.rules.append(rule)
            } catch {
                let code = error.unsupported ? "calendar.unsupported-rrule" : "calendar.invalid-rrule"
                diagnostics.append(.error(code, "RRULE \"\(ruleLine.value)\" cannot be used: \(error.message); this event is left out", at: location(ruleLine)))
                return nil
            }
        }
        for dateLine in component.properties("RDATE") {
            guard let values = times(dateLine) else { return nil }
            entry.dates += values
        }
        for exceptionLine in component.properties("EXDATE") {
            guard let values = times(exceptionLine) else { return nil }
            entry.exceptions += values
        }
        if let recurrenceLine = component.property("RECURRENCE-ID") {
            guard let value = times(recurrenceLine)?.first else { return nil }
            if recurrenceLine.parameter("RANGE")?.uppercased() == "THISANDFUTURE" {
                diagnostics.append(.warning("calendar.unsupported-rrule", "RANGE=THISANDFUTURE is not supported: only the one occurrence is changed", at: location(recurrenceLine)))
            }
            entry.recurrenceID = value
        }
        return entry
    }

    mutating func occurrences(in window: DateInterval) -> [CalendarOccurrence] {
        var masters: [String: CalendarEntry] = [:]
        var order: [String] = []
        var overrides: [String: [CalendarEntry]] = [:]
        for component in calendar.components("VEVENT") {
            guard let entry = entry(component) else { continue }
            if entry.recurrenceID != nil {
                overrides[entry.uid, default: []].append(entry)
            } else if let first = masters[entry.uid] {
                diagnostics.append(.warning("calendar.duplicate-uid", "UID \(entry.uid) is already used by the event on line \(first.line); this one is left out", at: SourceLocation(file: file, line: entry.line, field: "UID")))
            } else {
                masters[entry.uid] = entry
                order.append(entry.uid)
            }
        }
        for uid in overrides.keys.sorted() where masters[uid] == nil { order.append(uid) }
        var result: [CalendarOccurrence] = []
        for uid in order {
            result += expand(master: masters[uid], overrides: overrides[uid] ?? [], window: window)
        }
        return result
    }

    /// How far (in days) a wall time here can be from the UTC wall time of the same instant, with room to
    /// spare: a day for real zones, ten for a VTIMEZONE (its offsets may be written up to ±99:59).
    static func dayMargin(_ zone: CalendarZone) -> Int {
        switch zone {
        case .utc: 1
        case .system: 2
        case .defined: 10
        }
    }

    /// The start an override replaces (its RECURRENCE-ID; for dates, midnight UTC of the day).
    func originalStart(_ recurrenceID: CalendarTime, zone: CalendarZone) -> Date {
        recurrenceID.isDate ? Date(timeIntervalSince1970: Double(recurrenceID.wall.day * 86_400)) : recurrenceID.instant(fallback: zone)
    }

    /// The recurrence set of one UID (RFC 5545 §3.8.5): DTSTART, RRULE and RDATE, less EXDATE, with
    /// RECURRENCE-ID overrides replacing or cancelling single occurrences.
    ///
    /// Occurrences are numbered from DTSTART, but only those inside the window are made: the rule's starts on
    /// days well before the window are counted by ``RecurrenceSeries`` (arithmetically where it can), and made
    /// only near a date the file names (RDATE, EXDATE, RECURRENCE-ID), where they may be moved, removed or
    /// doubled. A daily rule from year 1 makes a few hundred starts, not 740,000.
    func expand(master: CalendarEntry?, overrides: [CalendarEntry], window: DateInterval) -> [CalendarOccurrence] {
        enum Made {
            case master(CalendarEntry, start: Date, wall: WallTime, recurring: Bool)
            case override(CalendarEntry, start: Date, wall: WallTime)
            var start: Date {
                switch self {
                case .master(_, let start, _, _), .override(_, let start, _): start
                }
            }
        }
        var byOriginal: [Date: Made] = [:]
        // Starts of the rules on days before `firstDay` are before the window: `series` counts them, and
        // `madeEarly` lists those made all the same (near dates the file names).
        var series: RecurrenceSeries?
        var firstDay = Int.min
        var madeEarly = Set<Int>()
        var dayOf: (Date) -> Int = { _ in 0 }
        if let master, !master.cancelled {
            let zone = master.start.zone(fallback: defaultZone)
            let lastDay = zone.wall(at: window.end).day + 1
            let margin = ComponentReader.dayMargin(zone)
            firstDay = zone.wall(at: window.start).day - margin - 1
            let second = master.start.wall.second
            let starts = RecurrenceSeries(rules: master.rules, start: master.start.wall, zone: zone, through: lastDay)
            series = starts
            let isDate = master.start.isDate
            dayOf = { isDate ? Int(($0.timeIntervalSince1970 / 86_400).rounded(.down)) : zone.wall(at: $0).day }
            // Each start by its instant, with the wall time it was written or generated as.
            var walls: [Date: WallTime] = [:]
            func make(_ day: Int) {
                let wall = WallTime(day: day, second: second)
                walls[isDate ? Date(timeIntervalSince1970: Double(wall.wallSeconds)) : zone.instant(for: wall)] = wall
            }
            for day in starts.days(from: firstDay, through: lastDay) { make(day) }
            func makeStarts(near day: Int) {
                guard day - margin < firstDay else { return }
                for near in starts.days(from: day - margin, through: min(day + margin, firstDay - 1)) where madeEarly.insert(near).inserted {
                    make(near)
                }
            }
            for date in master.dates {
                makeStarts(near: isDate ? date.wall.day : dayOf(date.instant(fallback: zone)))
            }
            for exception in master.exceptions {
                makeStarts(near: isDate || exception.isDate ? exception.wall.day : dayOf(exception.instant(fallback: zone)))
            }
            for override in overrides {
                guard let recurrenceID = override.recurrenceID else { continue }
                makeStarts(near: dayOf(originalStart(recurrenceID, zone: zone)))
            }
            for date in master.dates {
                if isDate {
                    walls[Date(timeIntervalSince1970: Double(date.wall.day * 86_400))] = WallTime(day: date.wall.day)
                } else {
                    let instant = date.instant(fallback: zone)
                    walls[instant] = zone.wall(at: instant)
                }
            }
            var exceptedDays = Set<Int>()
            for exception in master.exceptions {
                if isDate || exception.isDate {
                    exceptedDays.insert(exception.wall.day)
                } else {
                    walls[exception.instant(fallback: zone)] = nil
                }
            }
            // One pass for every whole-day exception: thousands of EXDATEs on a long rule stay linear.
            if !exceptedDays.isEmpty { walls = walls.filter { !exceptedDays.contains($0.value.day) } }
            let recurring = !master.rules.isEmpty || !master.dates.isEmpty
            for (instant, wall) in walls {
                byOriginal[instant] = .master(master, start: instant, wall: wall, recurring: recurring)
            }
        }
        for override in overrides {
            guard let recurrenceID = override.recurrenceID else { continue }
            let zone = master?.start.zone(fallback: defaultZone) ?? override.start.zone(fallback: defaultZone)
            let original = originalStart(recurrenceID, zone: zone)
            if override.cancelled {
                byOriginal[original] = nil
                continue
            }
            let start = override.start.isDate ? Date(timeIntervalSince1970: Double(override.start.wall.day * 86_400)) : override.start.instant(fallback: defaultZone)
            let wall = override.start.form == .utc ? zone.wall(at: start) : override.start.wall
            byOriginal[original] = .override(override, start: start, wall: wall)
        }
        // The starts counted but not made, on days before `day`: all of them come before an original on that day
        // (those near a date the file names were made, and every start keeps DTSTART's time of day).
        let madeEarlyDays = madeEarly.sorted()
        let countedBeforeWindow = series.map { $0.count(before: firstDay) - madeEarlyDays.count } ?? 0
        func unmadeStarts(before day: Int) -> Int {
            guard let series else { return 0 }
            guard day < firstDay else { return countedBeforeWindow }
            return series.count(before: day) - RecurrenceSeries.lowerBound(madeEarlyDays, day)
        }
        var result: [CalendarOccurrence] = []
        for (index, (original, made)) in byOriginal.sorted(by: { $0.key < $1.key }).enumerated()
        where window.start <= made.start && made.start < window.end {
            var occurrence: CalendarOccurrence
            let day: Int
            switch made {
            case .master(let entry, let start, let wall, let recurring):
                occurrence = self.occurrence(entry, original: original, start: start, wall: wall, recurring: recurring)
                day = wall.day
            case .override(let entry, let start, let wall):
                occurrence = self.occurrence(entry, original: original, start: start, wall: wall, recurring: true)
                day = dayOf(original)
            }
            occurrence.number = index + 1 + unmadeStarts(before: day)
            result.append(occurrence)
        }
        return result
    }

    /// An occurrence of an entry at an instant (for dates, midnight UTC of the day stands for the day). `wall` is
    /// the start as written or generated: the end is that wall time plus the event's length, each resolved in
    /// the zone on its own (RFC 5545 §3.3.5), so a start in a clock-change gap does not move the end.
    func occurrence(_ entry: CalendarEntry, original: Date, start: Date, wall: WallTime, recurring: Bool) -> CalendarOccurrence {
        let zone = entry.start.zone(fallback: defaultZone)
        let allDay = entry.start.isDate
        var startInstant = start
        var end: Date?
        if allDay {
            let day = Int(start.timeIntervalSince1970 / 86_400)
            startInstant = defaultZone.instant(for: WallTime(day: day))
            if let length = entry.length, length > 86_400 {
                end = defaultZone.instant(for: WallTime(wallSeconds: day * 86_400 + length))
            }
        } else if let length = entry.length {
            // Wall-clock length: an evening event across a clock change still ends at its written time.
            end = zone.instant(for: WallTime(wallSeconds: wall.wallSeconds + length))
        }
        let stamp = allDay
            ? WallTime(wallSeconds: Int(original.timeIntervalSince1970)).compact(dateOnly: true)
            : WallTime(wallSeconds: Int(original.timeIntervalSince1970)).compact() + "Z"
        return CalendarOccurrence(
            id: "\(name)-\(FNV1a.hex(entry.uid).prefix(10))-\(stamp)", calendar: name, uid: entry.uid, originalStart: original,
            start: startInstant, end: end, allDay: allDay, zone: allDay ? defaultZone : zone, summary: entry.summary,
            summaryLanguage: entry.summaryLanguage, details: entry.details, location: entry.location,
            categories: entry.categories, url: entry.url, recurring: recurring,
            origin: SourceLocation(file: file, line: entry.line, field: "VEVENT"))
    }
}
