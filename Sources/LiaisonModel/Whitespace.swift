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

    /// `text` without white space at either end.
    public static func trim<Text: StringProtocol>(_ text: Text, newlines: Bool = false) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !contains($0, newlines: newlines) }) else { return "" }
        let last = scalars.lastIndex(where: { !contains($0, newlines: newlines) })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// Whether `text` is empty or white space only.
    public static func isBlank<Text: StringProtocol>(_ text: Text, newlines: Bool = true) -> Bool {
        text.unicodeScalars.allSatisfy { contains($0, newlines: newlines) }
    }
}
