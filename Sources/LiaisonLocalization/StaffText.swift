import Foundation
import LiaisonModel

/// The text of an event that staff wrote (title, location, RSVP labels, free data), field by field, so that it can
/// be sent to translators as XLIFF and their translations taken back.
///
/// A field is named by its path in the event: `title`, `location`, `rsvp.attending`, `data.note`,
/// `data.items[2].body` (list items counted from 1). An XLIFF unit's id is `event-id/path`.
public enum StaffText {
    /// One field of staff text.
    public struct Field: Sendable, Hashable {
        public var path: String
        public var text: LocalizedText
    }

    /// Every field of `event` that is written in words (web addresses, numbers and the like are left out).
    public static func fields(of event: Event) -> [Field] {
        var fields = [Field(path: "title", text: event.title)]
        if let location = event.location { fields.append(Field(path: "location", text: location)) }
        for option in event.rsvp {
            if let label = option.label { fields.append(Field(path: "rsvp.\(option.id)", text: label)) }
        }
        func walk(_ value: DataValue, path: String) {
            switch value {
            case .string(let text) where !LanguageRun.isLanguageNeutral(text):
                fields.append(Field(path: path, text: LocalizedText(text)))
            case .text(let text): fields.append(Field(path: path, text: text))
            case .list(let items): for (index, item) in items.enumerated() { walk(item, path: "\(path)[\(index + 1)]") }
            case .map(let map): for key in map.keys.sorted() { walk(map[key]!, path: "\(path).\(key)") }
            default: break
            }
        }
        for key in event.data.keys.sorted() { walk(event.data[key]!, path: "data.\(key)") }
        return fields
    }

    /// The fields of `event` a reader of `letter` (reached along `chain`) gets in another language than the letter's.
    public static func untranslated(in event: Event, chain: LocaleChain, letter: LanguageTag, schoolDefault: LanguageTag) -> [Field] {
        fields(of: event).filter { field in
            let resolved = field.text.resolve(along: chain.candidates).language
            return !LanguageDisplayName.sameWriting(field.text.language(of: resolved, schoolDefault: schoolDefault), letter)
        }
    }

    /// `event` with `text` as the `language` version of the field at `path`; nil when the event has no such field.
    public static func adding(_ text: String, language: LanguageTag, at path: String, to event: Event) -> Event? {
        changing(path, in: event) { $0.translations[language] = text }
    }

    /// `event` with a machine translation for the field at `path`; nil when the event has no such field.
    public static func adding(machine: MachineText, language: LanguageTag, at path: String, to event: Event) -> Event? {
        changing(path, in: event) { $0.machine[language] = machine }
    }

    /// `event` with the field at `path` changed by `add`; nil when the event has no such field.
    static func changing(_ path: String, in event: Event, _ add: (inout LocalizedText) -> Void) -> Event? {
        var event = event
        switch path {
        case "title":
            add(&event.title)
            return event
        case "location":
            guard event.location != nil else { return nil }
            add(&event.location!)
            return event
        default: break
        }
        if path.hasPrefix("rsvp.") {
            let id = String(path.dropFirst(5))
            guard let index = event.rsvp.firstIndex(where: { $0.id == id }), event.rsvp[index].label != nil else { return nil }
            add(&event.rsvp[index].label!)
            return event
        }
        guard path.hasPrefix("data.") else { return nil }
        var steps = steps(of: String(path.dropFirst(5)))[...]
        guard case .key(let first)? = steps.popFirst(), let value = event.data[first],
            let changed = changing(at: steps, in: value, add)
        else { return nil }
        event.data[first] = changed
        return event
    }

    private enum Step: Equatable {
        case key(String)
        case item(Int)
    }

    /// `note`, `items[2].body` → key, item, key.
    private static func steps(of path: String) -> [Step] {
        var steps: [Step] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var name = Substring(part)
            var items: [Int] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "[") {
                guard let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) else { return [] }
                items.insert(index, at: 0)
                name = name[..<open]
            }
            steps.append(.key(String(name)))
            steps += items.map(Step.item)
        }
        return steps
    }

    private static func changing(at steps: ArraySlice<Step>, in value: DataValue, _ add: (inout LocalizedText) -> Void) -> DataValue? {
        var steps = steps
        guard let step = steps.popFirst() else {
            var localized: LocalizedText
            switch value {
            case .string(let base): localized = LocalizedText(base)
            case .text(let text): localized = text
            default: return nil
            }
            add(&localized)
            return .text(localized)
        }
        switch (step, value) {
        case (.key(let key), .map(var map)):
            guard let inner = map[key], let changed = changing(at: steps, in: inner, add) else { return nil }
            map[key] = changed
            return .map(map)
        case (.item(let index), .list(var items)):
            guard (1...items.count).contains(index), let changed = changing(at: steps, in: items[index - 1], add)
            else { return nil }
            items[index - 1] = changed
            return .list(items)
        default: return nil
        }
    }
}

/// Translations of staff text: XLIFF files a translator returned, read from the `translations` folders.
public struct StaffTranslations: Sendable {
    public struct Entry: Sendable {
        public var eventID: String
        public var path: String
        public var language: LanguageTag
        /// The text the translator translated (a translation of other words than the event's now is not used).
        public var source: String
        public var target: String
        public var location: SourceLocation
    }

    public var entries: [Entry] = []

    public init(entries: [Entry] = []) {
        self.entries = entries
    }

    /// Reads every `.xliff`/`.xlf` file in `directories` (missing folders are fine: there is nothing to import yet).
    public static func load(directories: [String], limits: InputLimits = .standard) -> (StaffTranslations, [Diagnostic]) {
        var translations = StaffTranslations()
        var diagnostics: [Diagnostic] = []
        let (files, problems) = XLIFFReader.readFolders(directories, limits: limits, what: "translation file")
        diagnostics += problems
        for (_, path, sections) in files {
            for section in sections {
                guard let language = section.targetLanguage else {
                    diagnostics.append(
                        .warning(
                            "staff-text.no-target-language", "the file names no target language (trgLang); it is left out",
                            at: SourceLocation(file: path, line: section.line)))
                    continue
                }
                for unit in section.units where unit.isTranslated {
                    let at = SourceLocation(file: path, line: unit.line, field: unit.id)
                    guard let slash = unit.id.firstIndex(of: "/"), let target = unit.target else {
                        diagnostics.append(
                            .warning("staff-text.invalid-id", "the unit id \"\(unit.id)\" is not event-id/field; it is left out", at: at))
                        continue
                    }
                    translations.entries.append(
                        Entry(
                            eventID: String(unit.id[..<slash]), path: String(unit.id[unit.id.index(after: slash)...]),
                            language: language, source: unit.source, target: target, location: at))
                }
            }
        }
        return (translations, diagnostics)
    }

    /// `events` with the translations whose source is still the field's text; the others reported.
    public func apply(to events: [Event]) -> ([Event], [Diagnostic]) {
        guard !entries.isEmpty else { return (events, []) }
        var events = events
        var index: [String: Int] = [:]
        for (position, event) in events.enumerated() where index[event.id] == nil { index[event.id] = position }
        var diagnostics: [Diagnostic] = []
        for entry in entries {
            guard let position = index[entry.eventID] else {
                diagnostics.append(
                    .warning("staff-text.unknown-event", "no event has the id \"\(entry.eventID)\" (an event removed since?); the translation is left out", at: entry.location))
                continue
            }
            let event = events[position]
            guard let field = StaffText.fields(of: event).first(where: { $0.path == entry.path }) else {
                diagnostics.append(
                    .warning("staff-text.unknown-field", "\(entry.eventID) has no text at \(entry.path); the translation is left out", at: entry.location))
                continue
            }
            guard Self.normalized(field.text.base) == Self.normalized(entry.source) else {
                diagnostics.append(
                    .warning(
                        "staff-text.stale",
                        "the \(entry.language) translation of \(entry.eventID) \(entry.path) is of other words than the event has now; it is not used (export again: liaison locales export --event \(entry.eventID))",
                        at: entry.location))
                continue
            }
            // A version written in the schedule wins over an imported one.
            if field.text.translations[entry.language] != nil { continue }
            if let changed = StaffText.adding(entry.target, language: entry.language, at: entry.path, to: event) {
                events[position] = changed
            }
        }
        return (events, diagnostics)
    }

    /// Text compared for staleness: white space runs as one space, trimmed.
    static func normalized(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

extension XLIFFWriter {
    /// An XLIFF 2.0 document of the staff text of `events` that readers of `language` would get untranslated: one
    /// unit per field (id `event-id/path`), the text in the school's language as source, an empty target, and a
    /// note naming the event. Dropped into a `translations` folder once translated, it is read back.
    public static func staffDocument(
        for language: LanguageTag, events: [Event], chain: LocaleChain, schoolDefault: LanguageTag
    ) -> (document: String, units: Int) {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- Text written by school staff, for translation into \(escape(language.rawValue, attribute: false)). Fill in each <target>, \
            set state="translated", and give the file back: it goes into the school's translations folder. -->
            <xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" \
            srcLang="\(escape(schoolDefault.rawValue, attribute: true))" trgLang="\(escape(language.rawValue, attribute: true))">
              <file id="staff-text">

            """
        var units = 0
        for event in events {
            let fields = StaffText.untranslated(in: event, chain: chain, letter: language, schoolDefault: schoolDefault)
            for field in fields {
                units += 1
                let when = ISO8601DateFormatter.string(from: event.start, timeZone: event.timeZone, formatOptions: [.withFullDate])
                xml += untranslatedUnit(id: "\(event.id)/\(field.path)", notes: ["\(event.title.base) (\(when)): \(field.path)"], source: field.text.base)
            }
        }
        xml += "  </file>\n</xliff>\n"
        return (xml, units)
    }
}
