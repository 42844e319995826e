import Foundation
import Testing
@testable import LiaisonDelivery

@Suite("Body encodings")
struct BodyEncodingTests {
    func qp(_ text: String) -> String { QuotedPrintable.encode(BodyEncoding.canonicalBytes(text)) }

    /// Quoted-printable invariants: 7-bit, lines ≤ 76, no trailing white space, decodes to the canonical bytes.
    func checkQP(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let canonical = BodyEncoding.canonicalBytes(text)
        let encoded = QuotedPrintable.encode(canonical)
        #expect(encoded.utf8.allSatisfy { $0 < 0x80 }, sourceLocation: sourceLocation)
        for line in encoded.crlfLines {
            #expect(line.utf8.count <= 76, "\(line) is \(line.utf8.count) long", sourceLocation: sourceLocation)
            #expect(line.last != " " && line.last != "\t", "trailing white space in \(line)", sourceLocation: sourceLocation)
        }
        #expect(Decode.qp(Array(encoded.utf8)) == canonical, sourceLocation: sourceLocation)
    }

    @Test func lineEndsBecomeCRLF() {
        #expect(BodyEncoding.canonicalBytes("a\nb\r\nc\rd") == Array("a\r\nb\r\nc\r\nd\r\n".utf8))
        #expect(BodyEncoding.canonicalBytes("a\r\r\n\n") == Array("a\r\n\r\n\r\n".utf8))
        #expect(BodyEncoding.canonicalBytes("done\n") == Array("done\r\n".utf8))
        #expect(BodyEncoding.canonicalBytes("") == [])
    }

    @Test func qpEscapes() {
        #expect(qp("a=b") == "a=3Db\r\n")
        #expect(qp("café") == "caf=C3=A9\r\n")
        #expect(qp("tab\there") == "tab\there\r\n")
        #expect(qp("bell\u{7}") == "bell=07\r\n")
        #expect(qp("nul\0") == "nul=00\r\n")
        #expect(qp("~!\"#$%&'()*+,-./:;<>?@[\\]^_`{|}") == "~!\"#$%&'()*+,-./:;<>?@[\\]^_`{|}\r\n")
    }

    @Test func qpTrailingWhiteSpaceIsEncoded() {
        #expect(qp("end \nnext\t\n \n") == "end=20\r\nnext=09\r\n=20\r\n")
        #expect(qp("two  \n") == "two =20\r\n")
    }

    @Test func qpLineStartsSafeForOldTransports() {
        #expect(qp("From here\n.\n.x\nFrom\nfrom us") == "=46rom here\r\n=2E\r\n=2Ex\r\nFrom\r\nfrom us\r\n")
        #expect(qp("From \n") == "From=20\r\n")
    }

    @Test func qpExactly76NeedsNoSoftBreak() {
        let line = String(repeating: "a", count: 76)
        #expect(qp(line) == line + "\r\n")
    }

    @Test func qp77BreaksSoftly() {
        let line = String(repeating: "a", count: 77)
        #expect(qp(line) == String(repeating: "a", count: 75) + "=\r\naa\r\n")
        checkQP(line)
    }

    @Test func qpTrailingSpaceAtTheEdge() {
        // 75 letters and a final space: the space becomes =20, which no longer fits.
        let text = String(repeating: "a", count: 75) + " "
        #expect(qp(text) == String(repeating: "a", count: 75) + "=\r\n=20\r\n")
        // 73 letters and a final space: "=20" ends the line at exactly 76.
        #expect(qp(String(repeating: "a", count: 73) + " ") == String(repeating: "a", count: 73) + "=20\r\n")
        checkQP(text)
    }

    @Test func qpSoftBreaksNeverSplitAnEscape() {
        let text = String(repeating: "a", count: 74) + "é"  // 74 + "=C3=A9" = 80
        let encoded = qp(text)
        #expect(encoded == String(repeating: "a", count: 74) + "=\r\n=C3=A9\r\n")
        for count in 60...80 { checkQP(String(repeating: "b", count: count) + "éé=ü x ") }
    }

    @Test func qpSoftBreakAtALineStartingDot() {
        let text = String(repeating: "a", count: 75) + ".x"
        #expect(qp(text) == String(repeating: "a", count: 75) + "=\r\n=2Ex\r\n")
        checkQP(text)
    }

    @Test func qpRoundTripsMixedText() {
        checkQP("Kính gửi quý phụ huynh,\n\nNgày hội thể thao sẽ diễn ra vào thứ Sáu 12/6. \nXin cảm ơn!  \n")
        checkQP(String(repeating: "Zebranie z rodzicami – środa, 18 listopada, godz. 18:00 = sala 12. ", count: 5))
        checkQP("no final newline")
        checkQP("\n\n\n")
    }

    @Test func qpWithoutFinalLineBreakEndsSoftly() {
        #expect(QuotedPrintable.encode(Array("abc".utf8)) == "abc=\r\n")
    }

    @Test func base64() {
        #expect(Base64.encode(Array("".utf8)) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let lines = Base64.encodeLines(bytes)
        #expect(lines.hasSuffix("\r\n"))
        let split = lines.crlfLines.dropLast()
        #expect(split.dropLast().allSatisfy { $0.utf8.count == 76 })
        #expect(split.last!.utf8.count <= 76)
        #expect(Array(Data(base64Encoded: split.joined())!) == bytes)
        #expect(lines == Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed]) + "\r\n")
    }

    /// Random texts: base64 lines agree with Foundation's, the length formula with the lines, and the choice (made
    /// without writing the longer encoding) with encoding both.
    @Test func randomTextsChooseTheShorterEncoding() {
        let pieces = ["a", " ", "\t", "\n", "\r\n", "=", ".", "From ", "دعوة", "家长会", "é", String(repeating: "x", count: 80), "\u{1}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0...40, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let bytes = BodyEncoding.canonicalBytes(text)
            let b64 = Base64.encodeLines(bytes)
            let foundation = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            #expect(b64 == (bytes.isEmpty ? "" : foundation + "\r\n"))
            #expect(Base64.linesLength(bytes.count) == b64.utf8.count)
            let qp = QuotedPrintable.encode(bytes)
            var copy = text
            let shape = copy.withUTF8 { BodyEncoding.canonicalShape($0) }
            #expect(shape.count == bytes.count)
            #expect(shape.nonASCII == bytes.filter { $0 >= 0x80 }.count)
            let chosen = BodyEncoding.encode(text)
            #expect(chosen.encoding == (b64.utf8.count < qp.utf8.count ? .base64 : .quotedPrintable))
            #expect(chosen.body == (chosen.encoding == .base64 ? b64 : qp))
        }
    }

    /// Long texts (the non-ASCII count is kept in byte-wide lanes, flushed every 255 words): exact counts, all
    /// non-ASCII included.
    @Test func canonicalShapeOfLongTexts() {
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 7, 8, 2039, 2040, 2041, 4096, 20_000] {
            for pieces in [["家"], ["é", "a", "\n"], ["a"], ["😀", "\r\n", "x"]] {
                var text = ""
                while text.utf8.count < count { text += pieces.randomElement(using: &generator)! }
                var copy = text
                let shape = copy.withUTF8 { BodyEncoding.canonicalShape($0) }
                #expect(shape.count == BodyEncoding.canonicalBytes(text).count)
                #expect(shape.nonASCII == text.utf8.filter { $0 >= 0x80 }.count, "\(count) \(pieces)")
            }
        }
    }

    /// Random texts with every kind of line end, short and long lines, escapes, leading periods and `From `: the
    /// canonical bytes equal a plain split-and-join, and quoted-printable keeps its invariants, escapes a `.` or `F`
    /// starting a line, and leaves a short clean line exactly as it was.
    @Test func randomTextsCanonicalAndQuotedPrintable() {
        let pieces = ["a", "b c", " ", "\t", "\n", "\r\n", "\r", "=", ".", "From ", "é", "中", String(repeating: "x", count: 70),
                      "<p class=\"a\">", "\u{1}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let text = (0..<Int.random(in: 0...30, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            var lines: [String] = []
            var line = ""
            var scalars = Array(text.unicodeScalars)[...]
            while let scalar = scalars.popFirst() {
                if scalar == "\r" || scalar == "\n" {
                    if scalar == "\r", scalars.first == "\n" { scalars.removeFirst() }
                    lines.append(line)
                    line = ""
                } else {
                    line.unicodeScalars.append(scalar)
                }
            }
            if !line.isEmpty { lines.append(line) }
            let canonical = BodyEncoding.canonicalBytes(text)
            #expect(canonical == Array(lines.map { $0 + "\r\n" }.joined().utf8), "\(Array(text.utf8))")
            checkQP(text)
            let encoded = QuotedPrintable.encode(canonical)
            for line in encoded.crlfLines {
                #expect(!line.hasPrefix(".") && !line.hasPrefix("From "), "\(line)")
            }
            if let source = lines.first, !source.isEmpty, source.utf8.count <= 76,
               source.utf8.allSatisfy({ (0x20...0x7E).contains($0) && $0 != 0x3D }), source.last != " ",
               !source.hasPrefix("."), !source.hasPrefix("From ") {
                #expect(encoded.crlfLines.first.map(String.init) == source)
            }
        }
    }

    /// An independent, byte-by-byte quoted-printable encoder with the same rules (greedy soft breaks, the last token
    /// of a line may reach column 76; `.` and the `F` of `From ` escaped at the start of a physical line).
    static func referenceQP(_ canonical: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        let hex = Array("0123456789ABCDEF".utf8)
        var lines: [[UInt8]] = [[]]
        var index = 0
        while index < canonical.count {
            if canonical[index] == 0x0D, index + 1 < canonical.count, canonical[index + 1] == 0x0A {
                lines.append([])
                index += 2
            } else {
                lines[lines.count - 1].append(canonical[index])
                index += 1
            }
        }
        let endsWithBreak = lines.last?.isEmpty ?? true
        if endsWithBreak { lines.removeLast() }
        for (number, line) in lines.enumerated() {
            var column = 0
            for (position, byte) in line.enumerated() {
                let isLast = position == line.count - 1
                var escape = !(byte >= 0x21 && byte <= 0x7E && byte != 0x3D) && !((byte == 0x20 || byte == 0x09) && !isLast)
                let rest = Array(line[position...])
                if column == 0, !escape, byte == 0x2E || (byte == 0x46 && rest.starts(with: Array("From ".utf8)) && position + 4 != line.count - 1) {
                    escape = true
                }
                let width = escape ? 3 : 1
                if column + width > (isLast ? 76 : 75) {
                    out += Array("=\r\n".utf8)
                    column = 0
                    if !escape, byte == 0x2E || (byte == 0x46 && rest.starts(with: Array("From ".utf8)) && position + 4 != line.count - 1) {
                        escape = true
                    }
                }
                if escape {
                    out += [0x3D, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                    column += 3
                } else {
                    out.append(byte)
                    column += 1
                }
            }
            if number < lines.count - 1 || endsWithBreak { out += [0x0D, 0x0A] } else { out += Array("=\r\n".utf8) }
        }
        return out
    }

    /// Long lines of clean text (copied a stretch at a time) and lines with escapes at every position: the same
    /// bytes as the reference encoder.
    @Test func quotedPrintableMatchesAByteByByteReference() {
        let pieces = [String(repeating: "abcdefghij", count: 9), "x", " ", "\t", "=", ".", "From ", "é", "\n", "\r\n",
                      String(repeating: "y", count: 74), String(repeating: "z", count: 75), String(repeating: "w", count: 76), "F", "\u{1}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let canonical = BodyEncoding.canonicalBytes(text)
            #expect(QuotedPrintable.encodeBytes(canonical) == Self.referenceQP(canonical), "\(text.debugDescription)")
            #expect(QuotedPrintable.encodeText(text) == Self.referenceQP(canonical), "\(text.debugDescription)")
        }
    }

    /// Every ASCII byte and some others, at every offset of long lines (the clean-stretch test reads eight bytes
    /// at a time): the same bytes as the reference encoder, from the text and from its canonical form.
    @Test func everyByteAtEveryOffsetMatchesTheReference() {
        let specials: [UInt8] = Array(0x00...0x7F) + [0xC3, 0xA9]
        for byte in specials where byte != 0x0A && byte != 0x0D {
            for offset in 0..<80 {
                var line = Array(repeating: UInt8(ascii: "a"), count: 150)
                line[offset] = byte
                if byte == 0xC3 { line[offset + 1] = 0xA9 }  // é, whole
                let text = String(decoding: line + [0x0A] + line, as: UTF8.self)
                let canonical = BodyEncoding.canonicalBytes(text)
                #expect(QuotedPrintable.encodeText(text) == Self.referenceQP(canonical), "byte \(byte) at \(offset)")
                #expect(QuotedPrintable.encodeBytes(canonical) == Self.referenceQP(canonical), "byte \(byte) at \(offset)")
            }
        }
    }

    @Test func encodingChoice() {
        #expect(BodyEncoding.encode("Dear families,\nthe school is closed on Monday.\n").encoding == .quotedPrintable)
        #expect(BodyEncoding.encode("Reunión de padres y madres el jueves a las seis.\n").encoding == .quotedPrintable)
        #expect(BodyEncoding.encode("家长会邀请：王小明（三年级）\n请准时参加。\n").encoding == .base64)
        #expect(BodyEncoding.encode("دعوة لاجتماع أولياء الأمور\n").encoding == .base64)
        #expect(BodyEncoding.encode("Приглашение на родительское собрание\n").encoding == .base64)
        let chinese = BodyEncoding.encode("家长会邀请\r\n")
        #expect(Array(Data(base64Encoded: chinese.body.replacingOccurrences(of: "\r\n", with: ""))!) == Array("家长会邀请\r\n".utf8))
    }

    @Test func sha256Vectors() {
        #expect(StableHash.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(StableHash.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(StableHash.sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(StableHash.sha256Hex(String(repeating: "a", count: 1000))
            == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        #expect(StableHash.sha256Hex(String(repeating: "x", count: 55)).count == 64)  // padding edge: 55 and 56 bytes
        #expect(StableHash.sha256Hex(String(repeating: "x", count: 56)) != StableHash.sha256Hex(String(repeating: "x", count: 55)))
    }

    @Test func punycode() {
        #expect(Punycode.encode("bücher") == "bcher-kva")
        #expect(Punycode.encode("münchen") == "mnchen-3ya")
        #expect(Punycode.asciiDomain("例え.テスト") == "xn--r8jz45g.xn--zckzah")
        #expect(Punycode.asciiDomain("Bücher.Example") == "xn--bcher-kva.example")
        #expect(Punycode.asciiDomain("مثال.إختبار") == "xn--mgbh0fb.xn--kgbechtv")
        #expect(Punycode.asciiDomain("school.example.org") == "school.example.org")
    }
}
