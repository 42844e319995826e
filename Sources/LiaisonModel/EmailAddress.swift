/// Syntax checks for the addresses in a roster (RFC 5321 mailbox, without quoted local parts or IP literals).
public enum EmailAddress {
    /// Why an address is unusable, or `nil` when it looks deliverable.
    /// The punctuation allowed before the @ (RFC 5322 atext, and dots).
    static let localAllowed = Set("!#$%&'*+-/=?^_`{|}~.")

    public static func problem(with address: String) -> String? {
        if address.contains(where: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }) { return "it contains white space" }
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
}
