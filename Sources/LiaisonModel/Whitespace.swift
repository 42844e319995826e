/// Trimming white space as Foundation's `CharacterSet.whitespaces` and `.whitespacesAndNewlines` define it (space
/// separators, tab and U+200B; plus line and paragraph separators, LF, VT, FF, CR and NEL), without NSString:
/// it runs once or more per message.
public enum Whitespace {
    /// Whether `scalar` is in `CharacterSet.whitespaces` (or, with `newlines`, `.whitespacesAndNewlines`).
    @inlinable
    public static func contains(_ scalar: Unicode.Scalar, newlines: Bool) -> Bool {
        switch scalar.value {
        case 0x20, 0x09: return true
        case 0x0A...0x0D, 0x85: return newlines
        case 0..<0x80: return false
        case 0x2028, 0x2029: return newlines
        case 0x200B: return true  // ZERO WIDTH SPACE: Foundation's set has it (CoreFoundation's list), though it is Cf
        default: return scalar.properties.generalCategory == .spaceSeparator
        }
    }

    /// `text` without white space at either end (the same string, not a copy, when there is none).
    public static func trim<Text: StringProtocol>(_ text: Text, newlines: Bool = false) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !contains($0, newlines: newlines) }) else { return "" }
        let last = scalars.lastIndex(where: { !contains($0, newlines: newlines) })!
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return String(text) }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// `text` on one line: split at line breaks (as `Character.isNewline` finds them), each line trimmed, blank
    /// ones dropped, the rest joined with a space. A subject line, for instance.
    public static func singleLine(_ text: String) -> String {
        // Most texts have no line break: then only the ends are trimmed. Line breaks in UTF-8: 0A–0D, C2 85
        // (NEL), E2 80 A8 and E2 80 A9 (line and paragraph separators).
        let breaks = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for index in bytes.indices {
                switch bytes[index] {
                case 0x0A...0x0D: return true
                case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0x85: return true
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    return true
                default: continue
                }
            }
            return false
        } ?? true
        if !breaks { return trim(text) }
        return text.split(whereSeparator: \.isNewline).map { trim($0) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// `text` as a note of several lines may be kept (an alert's note, a staff message): line ends made LF, tabs
    /// kept, every other control character (NUL, ESC, DEL, C0, C1) dropped, the ends trimmed. A NUL once cut a stored
    /// note short while the sent one was whole.
    public static func multilineControlsRemoved(_ text: String) -> String {
        let lines = unixLineEnds(text)
        return String(String.UnicodeScalarView(lines.unicodeScalars.filter { scalar in
            scalar == "\n" || scalar == "\t" || !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
        })).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `text` with every CRLF and lone CR made LF, as a file saved on Windows (or an old Mac) reads on Linux; the same
    /// string when it has no CR.
    public static func unixLineEnds(_ text: String) -> String {
        guard text.utf8.contains(0x0D) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for byte in text.utf8 {
            if byte == 0x0A, previousWasCR {
                previousWasCR = false
                continue  // the LF of a CRLF, already written
            }
            previousWasCR = byte == 0x0D
            out.append(previousWasCR ? 0x0A : byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` made safe for a mail header, an SMS or a page title: line breaks and tabs (CR, LF, VT, FF, NEL, U+2028,
    /// U+2029) become a space, other control characters (NUL, ESC, DEL, C1) are dropped, runs of spaces collapse and
    /// the ends are trimmed; `nil` when `text` has none of them (the common case, checked on the bytes).
    public static func controlsRemoved(_ text: String) -> String? {
        var found = false
        for byte in text.utf8 where byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == 0xE2 {
            if byte == 0xC2 || byte == 0xE2 {
                // Possibly C1 (C2 80–9F) or a line/paragraph separator (E2 80 A8/A9): look at the scalars.
                if text.unicodeScalars.contains(where: { (0x80...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 }) {
                    found = true
                    break
                }
                continue
            }
            found = true
            break
        }
        guard found else { return nil }
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09...0x0D, 0x85, 0x2028, 0x2029, 0x20:
                pendingSpace = !scalars.isEmpty
            case 0x00...0x1F, 0x7F, 0x80...0x9F:
                continue
            default:
                if pendingSpace { scalars.append(" ") }
                pendingSpace = false
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Whether `text` is empty or white space only.
    public static func isBlank<Text: StringProtocol>(_ text: Text, newlines: Bool = true) -> Bool {
        text.unicodeScalars.allSatisfy { contains($0, newlines: newlines) }
    }
}
