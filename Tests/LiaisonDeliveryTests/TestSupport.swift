import Foundation
@testable import LiaisonDelivery

/// Small decoders for checking the builder's output from the other side.
enum Decode {
    /// Unfolds a header field and returns its value (after "Name: ").
    static func fieldValue(_ field: String) -> String {
        let unfolded = field.replacingOccurrences(of: "\r\n", with: "")
        let colon = unfolded.firstIndex(of: ":")!
        var value = unfolded[unfolded.index(after: colon)...]
        while value.first == " " { value.removeFirst() }
        return String(value)
    }

    /// The encoded words of a header field, in order.
    static func encodedWords(_ field: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?="#)
        let range = NSRange(field.startIndex..., in: field)
        return pattern.matches(in: field, range: range).map { String(field[Range($0.range, in: field)!]) }
    }

    /// The bytes of one encoded word.
    static func wordBytes(_ word: String) -> [UInt8] {
        let parts = word.dropFirst(2).dropLast(2).split(separator: "?", omittingEmptySubsequences: false)
        precondition(parts.count == 3, "not an encoded word: \(word)")
        if parts[1].uppercased() == "B" { return Array(Data(base64Encoded: String(parts[2]))!) }
        return qp(Array(parts[2].utf8), underscoreIsSpace: true)
    }

    /// Decodes unstructured text the RFC 2047 way: encoded words are decoded, white space between two adjacent
    /// encoded words disappears. Returns nil when a word is not valid UTF-8 on its own.
    static func unstructured(_ field: String) -> String? {
        let value = fieldValue(field)
        let pattern = try! NSRegularExpression(pattern: #"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?="#)
        var result = ""
        var position = value.startIndex
        var lastWasEncoded = false
        for match in pattern.matches(in: value, range: NSRange(value.startIndex..., in: value)) {
            let range = Range(match.range, in: value)!
            let between = value[position..<range.lowerBound]
            if !(lastWasEncoded && between.allSatisfy({ $0 == " " || $0 == "\t" })) { result += between }
            guard let text = String(validating: wordBytes(String(value[range])), as: UTF8.self) else { return nil }
            result += text
            position = range.upperBound
            lastWasEncoded = true
        }
        result += value[position...]
        return result
    }

    /// Quoted-printable decoding (soft breaks removed, CRLF kept).
    static func qp(_ bytes: [UInt8], underscoreIsSpace: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        func hex(_ b: UInt8) -> UInt8 { b <= 0x39 ? b - 0x30 : b - 0x41 + 10 }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x3D {
                if bytes[index + 1] == 0x0D { index += 3; continue }  // soft break
                output.append(hex(bytes[index + 1]) << 4 | hex(bytes[index + 2]))
                index += 3
            } else {
                output.append(underscoreIsSpace && byte == 0x5F ? 0x20 : byte)
                index += 1
            }
        }
        return output
    }

    /// UTF-8 offsets of the grapheme-cluster boundaries of a string.
    static func graphemeBoundaries(_ text: String) -> Set<Int> {
        var offsets: Set<Int> = [text.utf8.count]
        for index in text.indices { offsets.insert(text.utf8.distance(from: text.startIndex, to: index)) }
        return offsets
    }
}

extension String {
    var crlfLines: [Substring] { split(separator: "\r\n", omittingEmptySubsequences: false) }
}

/// Writes one header field with the builder's writer.
func unstructuredField(_ value: String, name: String = "Subject") -> String {
    var writer = HeaderFieldWriter(name: name)
    writer.appendUnstructured(value)
    return writer.text
}

func phraseField(_ name: String) -> String {
    var writer = HeaderFieldWriter(name: "From")
    writer.appendPhrase(name)
    writer.append("<a@example.org>")
    return writer.text
}
