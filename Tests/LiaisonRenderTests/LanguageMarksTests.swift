import Foundation
import LiaisonLocalization
import LiaisonModel
import Testing
@testable import LiaisonRender

/// Text in another language than the letter's is labelled where it stands, never passed silently.
@Suite struct LanguageMarksTests {
    let english: LanguageTag = "en-GB"

    @Test("Marks survive as pieces, nest, and keep white space outside")
    func pieces() {
        let marked = LanguageRun.mark("  Bring a coat\n", language: english)
        #expect(marked.hasPrefix("  \u{E010}en-GB\u{E011}Bring a coat\u{E012}"))
        #expect(marked.hasSuffix("\u{E012}\n"))
        #expect(LanguageRun.removingMarks(marked) == "  Bring a coat\n")
        #expect(LanguageRun.hasMarks(marked))
        #expect(!LanguageRun.hasMarks("Ein Text mit Ü und 中文 und \u{E013}"))
        let nested = LanguageRun.mark("Hello " + LanguageRun.mark("Hola", language: "es") + "!", language: "en")
        #expect(LanguageRun.pieces(of: nested) == [.open("en"), .text("Hello "), .open("es"), .text("Hola"), .close, .text("!"), .close])
    }

    @Test("Broken marks lose their markers and keep their text; a bad tag cannot inject anything")
    func brokenMarks() {
        #expect(LanguageRun.pieces(of: "a\u{E012}b") == [.text("a"), .text("b")])
        #expect(LanguageRun.pieces(of: "\u{E010}en\u{E011}open") == [.open("en"), .text("open"), .close])
        #expect(LanguageRun.removingMarks("\u{E010}\"><script>\u{E011}x\u{E012}") == "\"><script>x")
        let labels = LanguageLabels(letter: "so", direction: .ltr)
        #expect(!labels.html("<p>\u{E010}\"><script>\u{E011}x\u{E012}</p>").contains("<script>\u{E011}"))
        #expect(!labels.html("<p>\u{E010}\"><script>\u{E011}x\u{E012}</p>").contains("<span lang=\"\\\""))
    }

    @Test("The byte scanner splits as the plain scalar reference does, on random marked text")
    func piecesMatchReference() {
        let alphabet: [String] = ["\u{E010}", "\u{E011}", "\u{E012}", "\u{E013}", "\u{E00F}", "en", "so", "-", "Latn", "zh-Hant", " ", "a", "é", "\u{0301}", "ع", "中", "\u{EE}", "👩‍👧", String(repeating: "x", count: 70), "\n"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<4000 {
            let text = (0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
            #expect(LanguageRun.pieces(of: text) == Self.referencePieces(of: text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(LanguageRun.hasMarks(text) == text.unicodeScalars.contains { (0xE010...0xE012).contains($0.value) })
        }
    }

    @Test("The HTML scanner that skips to the next tag stands where the byte-by-byte reference does")
    func htmlPlaceMatchesReference() {
        let alphabet = ["<", ">", "/", "title", "TITLE", "style", "p", "span", " ", "a", "é", "=\"x\"", "\n", "ع"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var fast = HTMLPlace(), reference = HTMLPlace()
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let chunk = (0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
                fast.advance(over: Substring(chunk))
                reference.advanceByteByByte(over: Substring(chunk))
                #expect(fast.inText == reference.inText, "\(chunk)")
            }
        }
    }

    @Test("Web and e-mail addresses and numbers belong to no language; words do")
    func neutral() {
        for text in ["https://riverside.example/trip", "office@riverside.example", "tel:+442079460000", "12:30", "+44 20 7946 0000", " "] {
            #expect(LanguageRun.isLanguageNeutral(text), "\(text)")
        }
        for text in ["Kingswood", "Bring a coat", "see https://riverside.example", "38.4 °C"] {
            #expect(!LanguageRun.isLanguageNeutral(text), "\(text)")
        }
    }

    @Test("HTML: a span with lang and dir, then the language named in the reader's language")
    func html() {
        let labels = LanguageLabels(letter: "so", direction: .ltr)
        let html = "<li>" + LanguageRun.mark("A warm coat", language: english) + "</li>"
        #expect(labels.html(html) == "<li><span lang=\"en-GB\" dir=\"ltr\">A warm coat</span> <span class=\"language-label\">(Ingiriisi)</span></li>")
    }

    @Test("HTML: marks inside a tag, the title or a style are removed, not turned into markup")
    func htmlPlaces() {
        let labels = LanguageLabels(letter: "ar", direction: .rtl)
        let coat = LanguageRun.mark("Coat", language: english)
        let html = "<title>\(coat)</title><style>p{}</style><a href=\"\(coat)\" title=\"\(coat)\">\(coat)</a><TITLE>x</TITLE>\(coat)"
        let out = labels.html(html)
        #expect(out.hasPrefix("<title>Coat</title><style>p{}</style><a href=\"Coat\" title=\"Coat\"><span lang=\"en-GB\" dir=\"ltr\">Coat</span>"))
        #expect(out.hasSuffix("<TITLE>x</TITLE><span lang=\"en-GB\" dir=\"ltr\">Coat</span> <span class=\"language-label\">(الإنجليزية)</span>"))
        #expect(!LanguageRun.hasMarks(out))
    }

    @Test("Text: isolated only where the direction changes; same language and script is not labelled")
    func text() {
        let arabic = LanguageLabels(letter: "ar", direction: .rtl)
        #expect(arabic.text("> " + LanguageRun.mark("his writing.", language: english)) == "> \u{2068}his writing.\u{2069} (الإنجليزية)")
        let spanish = LanguageLabels(letter: "es", direction: .ltr)
        #expect(spanish.text(LanguageRun.mark("Coat", language: english)) == "Coat (inglés)")
        let british = LanguageLabels(letter: "en", direction: .ltr)
        #expect(british.text(LanguageRun.mark("Coat", language: english)) == "Coat")
        let traditional = LanguageLabels(letter: "zh-Hant", direction: .ltr)
        #expect(traditional.text(LanguageRun.mark("学校", language: "zh-Hans")).hasPrefix("学校 ("))
        #expect(traditional.text(LanguageRun.mark("學校", language: "zh-Hant-HK")) == "學校")
    }

    @Test("Staff text resolves along the chain and is marked only when the reader gets another language")
    func staffText() {
        let marking = LanguageMarking(letter: "so", schoolDefault: english)
        let chain = LocaleChain(requested: "so", candidates: ["so", "en"], available: ["so", "en"], resolved: "so", fallbackKind: .none)
        let note = LocalizedText("Ayaan has a temperature.", translations: ["so": "Ayaan wuxuu qabaa qandho."])
        #expect(marking.staff(note, chain: chain) == "Ayaan wuxuu qabaa qandho.")
        let untranslated = LocalizedText("Bring a coat")
        #expect(marking.staff(untranslated, chain: chain) == LanguageRun.mark("Bring a coat", language: english))
        let polish = LocalizedText("Zabierz płaszcz", baseLanguage: "pl")
        #expect(marking.staff(polish, chain: chain) == LanguageRun.mark("Zabierz płaszcz", language: "pl"))
        let data = marking.data(.map(["link": .string("https://x.example"), "n": .int(3), "bring": .list([.string("Coat")])]), chain: chain)
        #expect(LanguageMarking.languages(in: data, letter: "so") == [english])
        #expect(LanguageMarking.languages(in: data, letter: "en") == [])
    }

    /// The plain reference for ``LanguageRun/pieces(of:)``: scalar by scalar through the string.
    static func referencePieces(of text: String) -> [LanguageRun.Piece] {
        let open: Unicode.Scalar = "\u{E010}", separator: Unicode.Scalar = "\u{E011}", close: Unicode.Scalar = "\u{E012}"
        guard text.unicodeScalars.contains(where: { (open...close).contains($0) }) else { return text.isEmpty ? [] : [.text(Substring(text))] }
        var pieces: [LanguageRun.Piece] = []
        var depth = 0
        var index = text.startIndex
        var runStart = index
        let scalars = text.unicodeScalars
        func flush(upTo end: String.Index) {
            if runStart < end { pieces.append(.text(text[runStart..<end])) }
        }
        while index < text.endIndex {
            let scalar = scalars[index]
            if scalar == open {
                flush(upTo: index)
                var tagEnd = scalars.index(after: index)
                while tagEnd < text.endIndex, scalars[tagEnd] != separator, scalars[tagEnd] != open, scalars[tagEnd] != close,
                    text.distance(from: index, to: tagEnd) < 64
                {
                    tagEnd = scalars.index(after: tagEnd)
                }
                if tagEnd < text.endIndex, scalars[tagEnd] == separator,
                    let tag = LanguageTag(String(text[scalars.index(after: index)..<tagEnd]))
                {
                    pieces.append(.open(tag))
                    depth += 1
                    index = scalars.index(after: tagEnd)
                } else {
                    // Not a mark after all: the open character is dropped and what follows is text.
                    index = scalars.index(after: index)
                }
                runStart = index
                continue
            }
            if scalar == close || scalar == separator {
                flush(upTo: index)
                if scalar == close, depth > 0 {
                    pieces.append(.close)
                    depth -= 1
                }
                index = scalars.index(after: index)
                runStart = index
                continue
            }
            index = scalars.index(after: index)
        }
        flush(upTo: text.endIndex)
        pieces.append(contentsOf: repeatElement(.close, count: depth))
        return pieces
    }
}

/// Short forms (SMS): typography outside the SMS alphabet becomes plain when that keeps the message GSM-7.
struct ShortTextTests {
    @Test func typographyIsPlainWhenThatKeepsAnSMSInGSM7() {
        let english = ShortText.tidy("Riverside: Year 3 parent\u{2013}teacher meetings\nClass 3A 4:30\u{202F}PM\u{2013}4:40\u{202F}PM \u{201C}Hall\u{201D}\u{2026}")
        #expect(english == "Riverside: Year 3 parent-teacher meetings\nClass 3A 4:30 PM-4:40 PM \"Hall\"...")
        #expect(SMSSegments(english).encoding == .gsm7)
        // Already UCS-2 (Chinese): its typography stays.
        let chinese = "三年级家长会\u{2013}“面谈”"
        #expect(ShortText.tidy(chinese) == chinese)
    }
}
