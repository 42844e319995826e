/// A string compared as written, by its UTF-8 bytes, for cache keys. Swift's `==` on strings is canonical
/// equivalence, so a name typed decomposed (NFD) would otherwise find the entry made for its composed (NFC) twin,
/// and a message would not carry exactly the text it was given.
public struct ExactText: Hashable, Sendable {
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    public static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        lhs.text.utf8.elementsEqual(rhs.text.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(0xFF as UInt8)  // no UTF-8 byte: ends the string, so that ["ab", "c"] and ["a", "bc"] differ
    }
}
