/// Syntax checks for the addresses in a roster (RFC 5321 mailbox, without quoted local parts or IP literals).
public enum EmailAddress {
    /// Why an address is unusable, or `nil` when it looks deliverable.
    /// The punctuation allowed before the @ (RFC 5322 atext, and dots).
    static let localAllowed = Set("!#$%&'*+-/=?^_`{|}~.")

    public static func problem(with address: String) -> String? {
        // Nearly every address is ASCII and fine: checked byte by byte; anything else gets the full check (and its words).
        isPlainValidASCII(address) ? nil : fullCheck(address)
    }

    /// ``problem(with:)`` character by character, for any address.
    static func fullCheck(_ address: String) -> String? {
        if address.contains(where: \.isWhitespace) { return "it contains white space" }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return parts.count < 2 ? "it has no @" : "it has more than one @" }
        let local = parts[0], domain = parts[1]
        if local.isEmpty { return "nothing before the @" }
        if local.utf8.count > 64 { return "the part before the @ is longer than 64 characters" }
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") { return "misplaced dots before the @" }
        if let bad = local.first(where: { !($0.isLetter || $0.isNumber || Self.localAllowed.contains($0)) }) {
            return "the character \"\(bad)\" is not allowed before the @"
        }
        if domain.isEmpty { return "nothing after the @" }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count < 2 { return "the domain \"\(domain)\" has no dot" }
        for label in labels {
            if label.isEmpty { return "the domain \"\(domain)\" has an empty label" }
            if label.hasPrefix("-") || label.hasSuffix("-") { return "a domain label starts or ends with a hyphen" }
            if label.utf8.count > 63 { return "a domain label is longer than 63 characters" }
            if let bad = label.first(where: { !($0.isLetter || $0.isNumber || $0 == "-") }) {
                return "the character \"\(bad)\" is not allowed in the domain"
            }
        }
        if let last = labels.last, last.allSatisfy(\.isNumber) { return "the domain ends in a number" }
        return nil
    }

    /// Whether `address` is ASCII and passes every check of ``problem(with:)`` (false does not mean invalid).
    static func isPlainValidASCII(_ address: String) -> Bool {
        address.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), !bytes[(at + 1)...].contains(UInt8(ascii: "@")) else { return false }
            let local = bytes[..<at]
            guard !local.isEmpty, local.count <= 64, local.first != UInt8(ascii: "."), local.last != UInt8(ascii: ".") else { return false }
            var previous: UInt8 = 0
            for byte in local {
                guard isAlphanumeric(byte) || localPunctuation.contains(byte) else { return false }
                if byte == UInt8(ascii: "."), previous == byte { return false }
                previous = byte
            }
            var labels = 0
            var labelStart = at + 1
            var lastLabelAllDigits = false
            for index in (at + 1)...bytes.count {
                guard index == bytes.count || bytes[index] == UInt8(ascii: ".") else {
                    guard isAlphanumeric(bytes[index]) || bytes[index] == UInt8(ascii: "-") else { return false }
                    continue
                }
                let label = bytes[labelStart..<index]
                guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
                lastLabelAllDigits = label.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                labels += 1
                labelStart = index + 1
            }
            return labels >= 2 && !lastLabelAllDigits
        } ?? false
    }

    private static let localPunctuation = Set("!#$%&'*+-/=?^_`{|}~.".utf8)

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
