import Foundation
import LiaisonLocalization
import LiaisonModel

/// Which text of a letter is in another language than the letter, marked (``LanguageRun``) as the context is built:
/// staff text (titles, locations, free data, comments) resolved to a language the reader does not read, and catalog
/// messages that fell back along the chain.
struct LanguageMarking: Sendable {
    /// The language the letter is written in.
    let letter: LanguageTag
    /// The language staff text is written in when it says nothing else.
    let schoolDefault: LanguageTag
    /// The label of a machine translation, in the letter's language, by the language translated from.
    var machineNotes: [LanguageTag: String] = [:]

    /// The languages machine translations of `event`'s staff text into `letter` were made from.
    static func machineSources(of event: Event, letter: LanguageTag) -> Set<LanguageTag> {
        var sources = Set<LanguageTag>()
        for field in StaffText.fields(of: event) {
            for (language, machine) in field.text.machine where LanguageDisplayName.sameWriting(language, letter) {
                sources.insert(machine.from)
            }
        }
        return sources
    }

    /// `text` marked when `language` is not written as the letter is.
    func mark(_ text: String, in language: LanguageTag) -> String {
        let text = LanguageRun.removingReserved(text)
        return LanguageDisplayName.sameWriting(language, letter) ? text : LanguageRun.mark(text, language: language)
    }

    /// Staff text in the reader's version along `chain`, marked when that version is another language's.
    /// A machine translation into the letter's language, when there is one and no person's, comes first, labelled,
    /// with the original after it (marked as its language).
    func staff(_ text: LocalizedText, chain: LocaleChain) -> String {
        let (resolved, found) = text.resolve(along: chain.candidates)
        let language = text.language(of: found, schoolDefault: schoolDefault)
        if !LanguageDisplayName.sameWriting(language, letter), !text.machine.isEmpty,
            let machine = text.machine.first(where: { LanguageDisplayName.sameWriting($0.key, letter) })?.value,
            let note = machineNotes[machine.from]
        {
            return LanguageRun.removingReserved(machine.text) + " " + note + " " + LanguageRun.mark(LanguageRun.removingReserved(resolved), language: language)
        }
        return mark(resolved, in: language)
    }

    /// Free text from a schedule, written in the school's language unless it belongs to none.
    func plain(_ text: String) -> String {
        LanguageRun.isLanguageNeutral(text) ? LanguageRun.removingReserved(text) : mark(text, in: schoolDefault)
    }

    /// Staff text that may or may not have versions per language (a progress line's subject and comment): free
    /// text as ``plain(_:)`` marks it when it has none, else resolved as ``staff(_:chain:)`` does.
    func text(_ text: LocalizedText, chain: LocaleChain) -> String {
        text.translations.isEmpty && text.machine.isEmpty && text.baseLanguage == nil ? plain(text.base) : staff(text, chain: chain)
    }

    /// An event's free data for a template, each text resolved and marked.
    func data(_ value: DataValue, chain: LocaleChain) -> TemplateValue {
        switch value {
        case .string(let text): .string(plain(text))
        case .text(let text): .string(staff(text, chain: chain))
        case .list(let items): .list(items.map { data($0, chain: chain) })
        case .map(let map): .map(map.sorted { $0.key < $1.key }.map { ($0.key, data($0.value, chain: chain)) })
        default: TemplateValue(data: value)
        }
    }

    /// The languages marked in `value`'s strings that the reader would see labelled, in order of first appearance.
    static func languages(in value: TemplateValue, letter: LanguageTag) -> [LanguageTag] {
        var found: [LanguageTag] = []
        func walk(_ value: TemplateValue) {
            switch value {
            case .string(let text):
                guard LanguageRun.hasMarks(text) else { return }
                for case .open(let tag) in LanguageRun.pieces(of: text)
                where !LanguageDisplayName.sameWriting(tag, letter) && !found.contains(where: { LanguageDisplayName.sameWriting($0, tag) }) {
                    found.append(tag)
                }
            case .list(let items): items.forEach(walk)
            case .map(let pairs): pairs.forEach { walk($0.value) }
            default: break
            }
        }
        walk(value)
        return found
    }
}

/// Turns the marks in a rendered letter into what its reader sees: in HTML a `<span lang dir>` (which also isolates
/// the run's direction) followed by the language's name in the reader's language; in text the run between FSI and
/// PDI when its direction differs from the letter's, followed by the name. Marks inside a tag, a `<title>` or a
/// `<style>` are removed, as are marks of text the reader's language already covers.
public struct LanguageLabels: Sendable {
    let letter: LanguageTag
    let direction: TextDirection

    public init(letter: LanguageTag, direction: TextDirection) {
        self.letter = letter
        self.direction = direction
    }

    func label(_ language: LanguageTag) -> String {
        "(" + LanguageDisplayName.name(of: language, in: letter) + ")"
    }

    /// Plain text or a subject line.
    public func text(_ text: String) -> String {
        guard LanguageRun.hasMarks(text) else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count + 64)
        var stack: [(language: LanguageTag, shown: Bool, isolated: Bool)] = []
        for piece in LanguageRun.pieces(of: text) {
            switch piece {
            case .text(let run): output += run
            case .open(let language):
                let around = stack.last(where: \.shown)?.language ?? letter
                let shown = !LanguageDisplayName.sameWriting(language, around)
                let isolated = shown && TextDirection(for: language) != TextDirection(for: around)
                if isolated { output.unicodeScalars.append(BidiIsolation.open) }
                stack.append((language, shown, isolated))
            case .close:
                guard let run = stack.popLast() else { continue }
                if run.isolated { output.unicodeScalars.append(BidiIsolation.close) }
                if run.shown { output += " " + label(run.language) }
            }
        }
        return output
    }

    /// An HTML letter or page.
    public func html(_ html: String) -> String {
        guard LanguageRun.hasMarks(html) else { return html }
        var output = ""
        output.reserveCapacity(html.utf8.count + 256)
        var scanner = HTMLPlace()
        var stack: [(language: LanguageTag, shown: Bool)] = []
        for piece in LanguageRun.pieces(of: html) {
            switch piece {
            case .text(let run):
                output += run
                scanner.advance(over: run)
            case .open(let language):
                let around = stack.last(where: \.shown)?.language ?? letter
                let shown = scanner.inText && !LanguageDisplayName.sameWriting(language, around)
                if shown { output += "<span lang=\"\(language.rawValue)\" dir=\"\(TextDirection(for: language).rawValue)\">" }
                stack.append((language, shown))
            case .close:
                guard let run = stack.popLast() else { continue }
                guard run.shown else { continue }
                let around = stack.last(where: \.shown)?.language
                let lang = around == nil ? "" : " lang=\"\(letter.rawValue)\" dir=\"\(direction.rawValue)\""
                output += "</span> <span class=\"language-label\"\(lang)>\(HTMLEscape.text(label(run.language)))</span>"
            }
        }
        return output
    }
}

/// Where in an HTML document a scanner stands: inside a tag, inside an element whose content is not markup
/// (`title`, `style`, `script`, `textarea`), or in text where an element may start.
struct HTMLPlace {
    private var inTag = false
    private var tagName: [UInt8] = []
    private var readingName = false
    private var closing = false
    /// The raw-text element we are inside, by name.
    private var rawElement: [UInt8]?
    private static let rawElements: [[UInt8]] = ["title", "style", "script", "textarea"].map { Array($0.utf8) }

    var inText: Bool { !inTag && rawElement == nil }

    mutating func advance(over text: Substring) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                // Between tags only a `<` matters: skip to it.
                if !inTag {
                    guard let found = memchr(base + offset, Int32(UInt8(ascii: "<")), bytes.count - offset) else { return }
                    offset = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
                }
                advance(byte: bytes[offset])
                offset += 1
            }
        }
        if done == nil { advanceByteByByte(over: text) }
    }

    /// The plain reference for ``advance(over:)``, which skips text between tags.
    mutating func advanceByteByByte(over text: Substring) {
        for byte in text.utf8 { advance(byte: byte) }
    }

    private mutating func advance(byte: UInt8) {
        if inTag {
            if readingName {
                if (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) {
                    tagName.append(byte | 0x20)
                    return
                }
                if byte == UInt8(ascii: "/") && tagName.isEmpty {
                    closing = true
                    return
                }
                readingName = false
            }
            if byte == UInt8(ascii: ">") {
                inTag = false
                if closing {
                    if rawElement == tagName { rawElement = nil }
                } else if rawElement == nil, Self.rawElements.contains(tagName) {
                    rawElement = tagName
                }
            }
        } else if byte == UInt8(ascii: "<") {
            inTag = true
            readingName = true
            closing = false
            tagName.removeAll(keepingCapacity: true)
        }
    }
}

/// Escaping for text written into HTML by Swift code.
enum HTMLEscape {
    static func text(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") })
        else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }
}

/// Short forms (SMS, voice) as sent: each line trimmed, runs of blank lines one blank line, none at either end.
enum ShortText {
    /// Typography outside the SMS alphabet (GSM 03.38) and its plain equivalent: one no-break space (ICU puts U+202F
    /// before "PM") or dash in a title would turn a whole message into UCS-2 and cut each part from 160 characters
    /// to 70. Replaced only when that makes the whole message GSM-7 (a Chinese or Arabic text keeps its typography).
    static let plain: [Character: String] = [
        "\u{00A0}": " ", "\u{202F}": " ", "\u{2009}": " ", "\u{2007}": " ",
        "\u{2013}": "-", "\u{2014}": "-", "\u{2018}": "'", "\u{2019}": "'", "\u{201C}": "\"", "\u{201D}": "\"", "\u{2026}": "...",
    ]

    static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        var text = text
        if text.contains(where: { plain[$0] != nil }) {
            let mapped = text.map { plain[$0] ?? String($0) }.joined()
            if SMSSegments(mapped).encoding == .gsm7 { text = mapped }
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed()
            let kept = Substring(String(trimmed))
            if kept.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(kept)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
