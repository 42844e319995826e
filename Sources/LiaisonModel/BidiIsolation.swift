/// Keeps explicit direction controls inside the text that carries them. A U+202E (RIGHT-TO-LEFT OVERRIDE) in a
/// guardian's name or an event title would otherwise reverse the rest of a subject line, an SMS or a page title
/// after it; HTML bodies isolate values with CSS, plain text needs the Unicode isolates (UAX #9: a PDI closes every
/// embedding and override opened inside its isolate).
public enum BidiIsolation {
    /// FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE.
    public static let open: Unicode.Scalar = "\u{2068}"
    public static let close: Unicode.Scalar = "\u{2069}"

    /// Whether `scalar` is an explicit embedding, override or isolate control (U+202A–U+202E, U+2066–U+2069).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// `text` between FSI and PDI when it holds direction controls; `nil` when it holds none (checked on the bytes:
    /// every control starts with E2 80 or E2 81).
    public static func contained(_ text: String) -> String? {
        guard text.utf8.contains(0xE2), text.unicodeScalars.contains(where: isControl) else { return nil }
        return String(open) + text + String(close)
    }

    /// `text` inside a left-to-right isolate (LRI … PDI): a phone number or an e-mail address keeps its order inside
    /// Arabic or Persian text ("+44 20 7946 0000", not "0000 7946 20 44+"). Empty text stays empty.
    public static func leftToRight(_ text: String) -> String {
        text.isEmpty ? text : "\u{2066}" + text + "\u{2069}"
    }
}
