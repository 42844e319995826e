import Foundation
import Testing
@testable import LiaisonDelivery

@Suite("Encoded words and folding")
struct HeaderEncodingTests {
    /// Every invariant a subject field must keep, whatever its text.
    func checkSubject(_ subject: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let field = unstructuredField(subject)
        let expected = subject.trimmingCharacters(in: .whitespaces)
        #expect(Decode.unstructured(field) == expected, "round trip of \(field)", sourceLocation: sourceLocation)
        #expect(field.utf8.allSatisfy { $0 < 0x80 }, sourceLocation: sourceLocation)
        for line in field.crlfLines {
            let limit = Decode.encodedWords(String(line)).isEmpty ? 78 : 76
            #expect(line.utf8.count <= limit, "line \(line) is \(line.utf8.count) long", sourceLocation: sourceLocation)
            #expect(!line.allSatisfy { $0 == " " }, "blank continuation line", sourceLocation: sourceLocation)
        }
        for line in field.crlfLines.dropFirst() {
            #expect(line.first == " " || line.first == "\t", "continuation without white space", sourceLocation: sourceLocation)
        }
        // Each encoded word is within 75 characters, valid UTF-8 on its own, and (for text whose clusters fit in a
        // word) ends on a grapheme boundary.
        for word in Decode.encodedWords(field) {
            #expect(word.utf8.count <= 75, "\(word) is \(word.utf8.count) long", sourceLocation: sourceLocation)
            let bytes = Decode.wordBytes(word)
            #expect(String(validating: bytes, as: UTF8.self) != nil, "\(word) splits a UTF-8 sequence", sourceLocation: sourceLocation)
        }
    }

    /// The decoded text of each encoded word, in order.
    func decodedWords(_ field: String) -> [String] {
        Decode.encodedWords(field).map { String(decoding: Decode.wordBytes($0), as: UTF8.self) }
    }

    @Test func asciiSubjectStaysReadable() {
        #expect(unstructuredField("Field trip on Friday") == "Subject: Field trip on Friday")
        #expect(unstructuredField("  padded   inside\tand out  ") == "Subject: padded   inside\tand out")
        #expect(unstructuredField("") == "Subject:")
    }

    @Test func longAsciiSubjectFoldsAtWhiteSpace() {
        let subject = "Reminder: the parent-teacher conferences for grades three, four and five take place "
            + "on Thursday and Friday evenings; please book a time slot by Wednesday noon"
        let field = unstructuredField(subject)
        #expect(Decode.encodedWords(field).isEmpty)
        #expect(field.crlfLines.count == 3)
        #expect(field.replacingOccurrences(of: "\r\n", with: "") == "Subject: " + subject)
        checkSubject(subject)
    }

    @Test func overlongAsciiWordIsEncodedSoItCanBeSplit() {
        let url = "https://school.example.org/" + String(repeating: "very-long-path-segment/", count: 5)
        checkSubject("See " + url + " today")
        #expect(!Decode.encodedWords(unstructuredField("See " + url)).isEmpty)
    }

    @Test func encodedWordLookalikeIsEncoded() {
        let subject = "Literal =?UTF-8?B?SGk=?= is not a word"
        let field = unstructuredField(subject)
        #expect(Decode.encodedWords(field).count >= 1)
        #expect(!field.contains("SGk=?= is"))
        checkSubject(subject)
    }

    @Test func wordStartIsFoundAnywhere() {
        for (text, found) in [("=?", true), ("a=?b", true), ("==?", true), ("?=", false), ("=", false), ("", false), ("= ?", false), ("é=?", true)] {
            #expect(EncodedWord.hasWordStart(text.utf8) == found, "\(text)")
        }
    }

    @Test func mostlyAsciiUsesQAndEncodesOnlyTheWordsThatNeedIt() {
        let field = unstructuredField("Reunión de padres – jueves")
        #expect(field == "Subject: =?UTF-8?Q?Reuni=C3=B3n?= de padres =?UTF-8?B?4oCT?= jueves")
        checkSubject("Reunión de padres – jueves")
    }

    @Test func adjacentNonAsciiWordsShareOneRunWithTheirSpaces() {
        let field = unstructuredField("Ngày hội thể thao – thứ Sáu 12/6")
        #expect(decodedWords(field) == ["Ngày hội thể", "– thứ Sáu"])
        #expect(Decode.fieldValue(field).contains("?= thao =?"))
        #expect(field.hasSuffix("?= 12/6"))
        checkSubject("Ngày hội thể thao – thứ Sáu 12/6")
    }

    @Test func qEncodesSpecialsInPhraseSafeForm() {
        #expect(EncodedWord.word(Array("a_b?c=d e\"f(".utf8), .q) == "=?UTF-8?Q?a=5Fb=3Fc=3Dd_e=22f=28?=")
        #expect(EncodedWord.word(Array("é".utf8), .b) == "=?UTF-8?B?w6k=?=")
    }

    @Test func nonLatinScriptsUseB() {
        for text in ["دعوة لاجتماع أولياء الأمور", "家长会邀请：王小明（三年级）", "Приглашение на родительское собрание"] {
            #expect(EncodedWord.preferredEncoding(for: text) == .b)
            let field = unstructuredField(text)
            #expect(field.contains("=?UTF-8?B?"))
            checkSubject(text)
        }
        #expect(EncodedWord.preferredEncoding(for: "Zebranie z rodzicami – środa") == .q)
    }

    @Test func firstWordFitsTheSubjectLine() {
        let field = unstructuredField(String(repeating: "家", count: 40))
        let first = field.crlfLines[0]
        #expect(first.hasPrefix("Subject: =?UTF-8?B?"))
        #expect(first.utf8.count <= 76)
        #expect(first.utf8.count >= 70, "the first line should be used, not left nearly empty")
        checkSubject(String(repeating: "家", count: 40))
    }

    @Test func longChineseSplitsOnCharacters() {
        let subject = "家长会邀请：王小明（三年级）。请于十一月二十日星期五下午四点到学校礼堂参加家长会，届时班主任将介绍本学期的学习情况。"
        let words = decodedWords(unstructuredField(subject))
        #expect(words.count > 3)
        #expect(words.joined() == subject)
        // 45 bytes (15 characters) fill a B word exactly: 60 characters of base64 + 12.
        #expect(Decode.encodedWords(unstructuredField(subject)).dropFirst().allSatisfy { $0.utf8.count <= 75 })
        #expect(Decode.encodedWords(unstructuredField(subject)).dropFirst().first?.utf8.count == 72)
        checkSubject(subject)
    }

    @Test func longArabicAndRussianFoldIntoManyLines() {
        let arabic = "دعوة لاجتماع أولياء الأمور يوم الخميس القادم في قاعة المدرسة الساعة السادسة مساءً لمناقشة نتائج الفصل الأول"
        let russian = "Приглашение на родительское собрание в четверг в шесть часов вечера в актовом зале школы, "
            + "просим подтвердить участие до среды"
        for text in [arabic, russian] {
            let field = unstructuredField(text)
            #expect(field.crlfLines.count >= 3)
            checkSubject(text)
        }
    }

    @Test func emojiAndZWJSequencesStayWhole() {
        let family = "👨‍👩‍👧‍👦"
        let subject = "Spring concert 🎉🎶 " + String(repeating: family, count: 4) + " 🇻🇳🇸🇴 ok"
        let field = unstructuredField(subject)
        let words = decodedWords(field)
        for word in words {
            #expect(word.unicodeScalars.first != "\u{200D}" && word.unicodeScalars.last != "\u{200D}", "ZWJ split in \(word)")
        }
        #expect(!words.contains { $0 == "🇻" || $0 == "🇳" }, "flag split")
        checkGraphemeSplits(subject)
        checkSubject(subject)
    }

    @Test func combiningMarksStayWithTheirBase() {
        // Vietnamese in NFD: every vowel carries one or two combining marks.
        let decomposed = "Ngày hội thể thao của trường Tiểu học Nguyễn Bỉnh Khiêm vào thứ Sáu".decomposedStringWithCanonicalMapping
        #expect(decomposed.unicodeScalars.count > decomposed.count)
        checkGraphemeSplits(decomposed)
        checkSubject(decomposed)
        let devanagari = "अभिभावक-शिक्षक बैठक शुक्रवार को विद्यालय के सभागार में होगी कृपया समय पर पहुँचें"
        checkGraphemeSplits(devanagari)
        checkSubject(devanagari)
    }

    @Test func clusterTooLongForOneWordFallsBackToScalars() {
        let zalgo = "Z" + String(repeating: "\u{0336}\u{0334}", count: 20) + "a"  // one 81-byte cluster, then "a"
        #expect(zalgo.count == 2)
        let field = unstructuredField(zalgo)
        #expect(Decode.encodedWords(field).count >= 2)
        checkSubject(zalgo)
    }

    /// Written as one run of encoded words, every word ends on a grapheme boundary (all clusters here fit in a word).
    func checkGraphemeSplits(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        var writer = HeaderFieldWriter(name: "Subject")
        writer.appendEncoded(text)
        let boundaries = Decode.graphemeBoundaries(text)
        var offset = 0
        let words = Decode.encodedWords(writer.text)
        #expect(words.count > 1, sourceLocation: sourceLocation)
        for word in words {
            offset += Decode.wordBytes(word).count
            #expect(boundaries.contains(offset), "word ending at byte \(offset) splits a grapheme cluster", sourceLocation: sourceLocation)
        }
        #expect(offset == text.utf8.count, sourceLocation: sourceLocation)
        #expect(Decode.unstructured(writer.text) == text, sourceLocation: sourceLocation)
    }

    @Test func phrases() {
        #expect(phraseField("Ngozi Okafor") == "From: Ngozi Okafor <a@example.org>")
        #expect(phraseField("Okafor, Ngozi") == "From: \"Okafor, Ngozi\" <a@example.org>")
        #expect(phraseField("Dr. Ann \"Annie\" O'Neil \\ PTA") == #"From: "Dr. Ann \"Annie\" O'Neil \\ PTA" <a@example.org>"#)
        #expect(phraseField("a  b") == "From: \"a  b\" <a@example.org>")
        #expect(phraseField("=?x?=") == "From: =?UTF-8?B?PT94Pz0=?= <a@example.org>")
        #expect(phraseField("José Martínez") == "From: =?UTF-8?Q?Jos=C3=A9_Mart=C3=ADnez?= <a@example.org>")
        #expect(phraseField("王芳") == "From: =?UTF-8?B?546L6Iqz?= <a@example.org>")
    }

    @Test func multiWordNamesSplitAfterSpaces() {
        let name = "Иванова Мария Петровна, председатель родительского комитета"
        let words = decodedWords(phraseField(name))
        #expect(words.count >= 3)
        #expect(words.joined() == name)
        for word in words.dropLast() { #expect(word.hasSuffix(" "), "\(word) should end after a space") }
        // A single long word is split between grapheme clusters instead.
        let long = String(repeating: "Ковальчук", count: 6)
        #expect(decodedWords(phraseField(long)).joined() == long)
    }

    @Test func longPhrasesFold() {
        let name = "Parent Teacher Association of the Lincoln Elementary School District Number Seven"
        let field = phraseField(name)
        #expect(field.crlfLines.count == 2)
        #expect(field.crlfLines.allSatisfy { $0.utf8.count <= 78 })
        let quoted = "Okafor-Adeyemi, Ngozi Chiamaka (Parent Teacher Association treasurer, Lincoln)"
        let quotedField = phraseField(quoted)
        #expect(quotedField.crlfLines.allSatisfy { $0.utf8.count <= 76 }, "too long to quote on a line: encoded instead")
        #expect(decodedWords(quotedField).joined() == quoted)
        let arabic = "جمعية أولياء الأمور والمعلمين في مدرسة لينكولن الابتدائية"
        #expect(decodedWords(phraseField(arabic)).joined() == arabic)
        #expect(phraseField(arabic).crlfLines.allSatisfy { $0.utf8.count <= 76 })
    }
}
