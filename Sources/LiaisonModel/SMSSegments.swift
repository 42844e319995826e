/// How many parts an SMS takes (3GPP TS 23.038 and 23.040): GSM 7-bit when every character is in the GSM default
/// alphabet or its extension table (160 septets alone, 153 a part when concatenated; an extension character costs
/// two and is never split), otherwise UCS-2 (70 UTF-16 units alone, 67 a part; a surrogate pair is never split).
public struct SMSSegments: Sendable, Hashable, CustomStringConvertible {
    public enum Encoding: String, Sendable, Hashable, Codable {
        case gsm7 = "GSM-7"
        case ucs2 = "UCS-2"
    }

    public var encoding: Encoding
    /// Septets (GSM-7) or UTF-16 units (UCS-2).
    public var units: Int
    public var parts: Int

    public var description: String { "\(parts) part\(parts == 1 ? "" : "s") (\(encoding.rawValue), \(units) units)" }

    /// The GSM 03.38 default alphabet.
    static let basic: Set<Unicode.Scalar> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà".unicodeScalars)
    /// The extension table, reached by an escape: two septets each.
    static let extended: Set<Unicode.Scalar> = Set("^{}\\[~]|€\u{0C}".unicodeScalars)

    public init(_ text: String) {
        var septets: [Int] = []
        septets.reserveCapacity(text.utf8.count)
        var gsm = true
        for character in text.unicodeScalars {
            if Self.basic.contains(character) {
                septets.append(1)
            } else if Self.extended.contains(character) {
                septets.append(2)
            } else {
                gsm = false
                break
            }
        }
        if gsm {
            encoding = .gsm7
            (units, parts) = Self.count(septets, single: 160, part: 153)
        } else {
            encoding = .ucs2
            (units, parts) = Self.count(text.unicodeScalars.map { $0.value > 0xFFFF ? 2 : 1 }, single: 70, part: 67)
        }
    }

    /// Units in total, and parts filled greedily without splitting a character.
    private static func count(_ costs: [Int], single: Int, part: Int) -> (Int, Int) {
        let total = costs.reduce(0, +)
        if total == 0 { return (0, 0) }
        if total <= single { return (total, 1) }
        var parts = 1
        var used = 0
        for cost in costs {
            if used + cost > part {
                parts += 1
                used = 0
            }
            used += cost
        }
        return (total, parts)
    }
}
