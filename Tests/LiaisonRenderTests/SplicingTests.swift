import Foundation
import Testing
@testable import LiaisonRender

/// Filling skeletons must give exactly what Mustache renders for the same context.
@Suite struct SplicingTests {
    /// Writes `files` (path → text) under a fresh folder and loads it as a template set.
    static func load(_ files: [String: String], errorsAllowed: Bool = false) throws -> TemplateSet {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("splicing-\(UUID().uuidString)")
        for (path, text) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let (set, diagnostics) = TemplateSet.load(directories: [folder.path])
        #expect(errorsAllowed || diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        return set
    }

    /// The spliced and the direct render of `name`, the spliced one twice (making and then using the skeleton).
    static func both(_ set: TemplateSet, _ name: String, _ context: TemplateValue) -> (spliced: String?, again: String?, direct: String?) {
        var direct: DirectContext?
        let parts = ContextParts(context)
        let spliced = try? set.render(context, parts: parts, direct: &direct, named: name)
        let again = try? set.render(context, parts: parts, direct: &direct, named: name)
        return (spliced, again, set.library.render(context.mustacheValue, withTemplate: name))
    }

    static func context(name: String, items: [String], ack: String?, count: Int) -> TemplateValue {
        var pairs: [(key: String, value: TemplateValue)] = [
            ("guardian", .map([("name", .string(name)), ("given_name", .string(""))])),
            ("items", .list(items.map { .string($0) })),
            ("count", .int(count)),
            ("ratio", .double(0.5)),
            ("flag", .bool(count > 1)),
            ("t", .map([("common", .map([("greeting", .string("Dear \(name),")), ("bye", .string("Bye & <thanks>"))]))])),
        ]
        if let ack { pairs.append(("ack_url", .string(ack))) }
        return .map(pairs)
    }

    static var contexts: [TemplateValue] { [
        context(name: "Layla", items: ["pen", "paper"], ack: "https://x.example/a/1?b=2&c=3", count: 2),
        context(name: "O'Brien <\"Pat\"> & co", items: [], ack: nil, count: 0),
        context(name: "ليلى", items: ["a\nb", "&\u{301}x"], ack: "https://x.example/a/2", count: 1),
        context(name: "  spaced  ", items: ["only"], ack: "", count: 3),
        context(name: "", items: ["x", "", "y"], ack: "z", count: 1),
        context(name: "Line\n", items: ["ends\n", "two\r\n", "cr\r"], ack: "z\n", count: 2),
    ] }

    static let files: [String: String] = [
        "letter/html.mustache": """
            {{<layout}}{{$body}}<p>{{t.common.greeting}}</p>
            <p title="{{guardian.name}}">{{guardian.name}} {{count}} {{ratio}}</p>
            {{#items}}{{#first()}}<ul>
            {{/first()}}  <li>{{.}}</li>
            {{#last()}}</ul>{{/last()}}{{/items}}{{^items}}<p>none</p>{{/items}}
            {{#flag}}<b>many</b>{{/flag}}{{#guardian.given_name}}[{{guardian.given_name}}]{{/guardian.given_name}}
            {{>ack}}
            {{/body}}{{/layout}}
            """,
        "letter/subject.mustache": "{{t.common.greeting}} {{guardian.name}}",
        "letter/text.mustache": "{{t.common.greeting}} {{{guardian.name}}} {{&guardian.name}}\n{{#items}}\n- {{.}}\n{{/items}}\n  {{>list-text}}\n{{t.common.bye}}\n",
        "_partials/layout.mustache": "<html><body>\n{{$body}}{{/body}}\n</body></html>\n",
        "_partials/ack.mustache": "{{#ack_url}}\n  <a href=\"{{ack_url}}\">{{guardian.name}}</a>\n{{/ack_url}}\n",
        "_partials/list-text.mustache": "{{%CONTENT_TYPE:TEXT}}{{#items}}\n* {{.}} & {{guardian.name}}\n{{/items}}\n",
        "plain/subject.mustache": "{{t.common.greeting}} {{#items}}{{.}}|{{/items}}",
        "plain/html.mustache": "<p>{{guardian.name}}</p>\n{{#items}}\n<li>{{.}}</li>\n{{/items}}\n{{>ack}}\n",
        "shout/subject.mustache": "{{uppercased(guardian.name)}}",
        "shout/html.mustache": "<p>{{#sorted(items)}}{{.}} {{/sorted(items)}}</p>",
    ]

    @Test func splicedRendersEqualMustache() throws {
        let set = try Self.load(Self.files)
        #expect(set.spliceable.contains("letter/html"))
        #expect(set.spliceable.contains("letter/text"))
        for context in Self.contexts {
            for name in ["letter/html", "letter/subject", "letter/text", "plain/subject", "plain/html", "shout/subject", "shout/html"] {
                let result = Self.both(set, name, context)
                #expect(result.direct != nil)
                #expect(result.spliced == result.direct, "\(name)")
                #expect(result.again == result.direct, "\(name)")
            }
        }
    }

    /// Templates saved with Windows line ends (CRLF) render exactly as the same templates saved with LF.
    @Test func windowsLineEndsRenderAsUnixOnes() throws {
        let unix = try Self.load(Self.files)
        let windows = try Self.load(Self.files.mapValues { $0.replacingOccurrences(of: "\n", with: "\r\n") })
        #expect(Self.files.values.contains { $0.contains("\n") })
        for context in Self.contexts {
            for name in ["letter/html", "letter/subject", "letter/text", "plain/subject", "plain/html", "shout/subject", "shout/html"] {
                let expected = Self.both(unix, name, context).direct
                let result = Self.both(windows, name, context)
                #expect(result.direct == expected, "\(name)")
                #expect(result.spliced == expected, "\(name)")
            }
        }
    }

    @Test func transformsOnStringsAreNotSpliced() throws {
        let set = try Self.load(Self.files)
        #expect(!set.spliceable.contains("shout/subject"))
        #expect(!set.spliceable.contains("shout/html"))
    }

    @Test func partialsOutsidePartialsAreNotSpliced() throws {
        let set = try Self.load([
            "a/subject.mustache": "{{uppercased(guardian.name)}}", "a/html.mustache": "x",
            "b/subject.mustache": "{{>a/subject}}", "b/html.mustache": "y",
        ], errorsAllowed: true)  // check reports the partial as unknown; Mustache still finds the registered part
        #expect(!set.spliceable.contains("b/subject"))
        #expect(set.spliceable.contains("a/html") == false)
    }

    @Test func keysCannotPassForStructure() {
        let a = ContextParts(.map([("a", .map([("b", .string("x"))]))]))
        let b = ContextParts(.map([("a{1b", .string("x"))]))
        #expect(a?.shape != b?.shape)
    }

    @Test func stringsEndingALineAreNotedAndIndentationFound() throws {
        #expect(ContextParts(.map([("a", .string("line\n"))]))?.endsLine == true)
        #expect(ContextParts(.map([("a", .string("line\r"))]))?.endsLine == true)
        #expect(ContextParts(.map([("a", .string("line"))]))?.endsLine == false)
        #expect(ContextParts(.map([("a", .other(Date()))])) == nil)
        #expect(TemplateSplicing.mayIndent(sources: ["a\n  {{>p}}\nb"]))
        #expect(TemplateSplicing.mayIndent(sources: ["\t{{$block}}x{{/block}}"]))
        #expect(!TemplateSplicing.mayIndent(sources: ["{{>p}}\nx {{>q}}\n{{$b}}{{/b}}"]))
        let set = try Self.load(Self.files)
        #expect(!set.indentFree.contains("letter/text"))
        #expect(set.indentFree.contains("plain/html"))
        let parts = ContextParts(.map([("a", .string("x")), ("b", .string("")), ("c", .list([.string("y")]))]))
        #expect(parts?.strings == ["x", "y"])
    }

    @Test func damagedMarkersRefuseTheSkeleton() {
        #expect(Skeleton(rendered: "a \(Skeleton.marker(0)) b", strings: 1) != nil)
        #expect(Skeleton(rendered: "a \(Skeleton.marker(1)) b", strings: 1) == nil)
        #expect(Skeleton(rendered: "a \(Skeleton.marker(0).uppercased()) b", strings: 1) == nil)
        #expect(Skeleton(rendered: "a \u{E000}aZ0 b", strings: 1) == nil)
        #expect(Skeleton(rendered: "a \u{E000}aZ0&\u{E001} b", strings: 1) == nil)
        let escaped = Skeleton(rendered: "<\u{E000}aZ0&amp;&quot;\u{E001}>", strings: 1)
        #expect(escaped?.fill(["a&b"]) == "<a&amp;b>")
        let json = Skeleton(rendered: "[\"\u{E000}aZ0&\\\"\u{E001}\"]", strings: 1)
        #expect(json?.fill(["q\""], json: { $0.replacingOccurrences(of: "\"", with: "\\\"") }) == #"["q\""]"#)
    }

    /// The repository's own templates, for contexts of the renderer's shape.
    @Test func repositoryTemplatesSpliceLikeMustache() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let (set, _) = TemplateSet.load(directories: [root.appendingPathComponent("templates").path])
        let names = set.templates.values.flatMap { template in
            TemplatePart.allCases.filter { template.parts[$0] != nil }.map { "\(template.name)/\($0.rawValue)" }
                + template.overrides.flatMap { locale, parts in parts.keys.map { "\(template.name)/\(locale.rawValue)/\($0.rawValue)" } }
        }
        #expect(names.count > 10)
        for (index, name) in ["Ngozi", "O'Hara & <Sons>", "Zoë \"Z\""].enumerated() {
            let student: TemplateValue = .map([
                ("id", .string("S\(index)")), ("name", .string("Child \(name)")), ("given_name", .string("Child")),
                ("grade", .string("\(index)")), ("class", .string("")),
                ("progress", .list((0..<index).map { .map([("subject", .string("Maths \($0)")), ("mark", .string("A<")), ("comment", .string("ok"))]) })),
                ("has_progress", .bool(index > 0)),
            ])
            let context: TemplateValue = .map([
                ("lang", .string("en")), ("dir", .string("ltr")),
                ("school", .map([("name", .string("River & Lake")), ("phone", .string("+44 1"))])),
                ("guardian", .map([("name", .string(name)), ("given_name", .string(name)), ("family_name", .string(""))])),
                ("children", .string("Child")), ("children_count", .int(1)),
                ("event", .map([("id", .string("e")), ("title", .string("Open <Day>")), ("date", .string("Friday")), ("all_day", .bool(index == 1)),
                                ("urgent", .bool(index == 2)), ("time", .string("09:30")), ("location", .string(index == 0 ? "" : "Hall"))])),
                ("rsvp", .map([("options", .list([.map([("id", .string("yes")), ("label", .string("Yes & no"))])])), ("any", .bool(index != 1))])),
                ("data", .map([("bring", .list(index == 0 ? [] : [.string("water"), .string("hat & \"sun\"")]))])),
                ("t", .map([("common", .map([("greeting", .string("Dear \(name),")), ("signoff", .string("Regards"))])),
                            ("announcement", .map([("subject", .string("Open & <day>"))]))])),
                ("ack_url", .string("https://x.example/a/\(index)?q=1&r=2")),
                ("students", .list([student])),
            ])
            for name in names {
                let result = Self.both(set, name, context)
                #expect(result.spliced == result.direct, "\(name)")
                #expect(result.again == result.direct, "\(name)")
            }
        }
    }
}

/// The skeleton's HTML escaping writes what swift-mustache writes for `{{x}}`, also where a special character is
/// part of a longer character (a combining mark after it, a prepended mark before it), which Mustache leaves alone.
@Suite struct HTMLEscapingTests {
    @Test func agreesWithMustache() throws {
        let set = try SplicingTests.load(["e/html.mustache": "{{x}}", "e/subject.mustache": "x"])
        let pieces = ["a", "<", ">", "&", "\"", "'", "\u{301}", "\u{600}", "é", "王", "👩‍👩‍👧", " ", "\r\n", "&amp;", "\u{200D}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...10, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            var escaped = ""
            Skeleton.appendEscaped(text, to: &escaped)
            let direct = set.library.render(["x": text], withTemplate: "e/html")
            #expect(escaped == direct, "\(Array(text.unicodeScalars))")
        }
    }
}

/// The byte-level line clean-up of HTML to text agrees with the character-level one it shortcuts.
@Suite struct PlainTextFinishTests {
    @Test func agreesWithCharacters() {
        let pieces = ["a", " ", "\t", "\n", "\n\n\n", "سلام", "\u{600} ", "e\u{301} ", "x\r\ny", "  \n", "- item", "", "کودک\t"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            if let fast = PlainTextWriter.finishBytes(text) {
                #expect(fast == PlainTextWriter.finishCharacters(text), "\(Array(text.unicodeScalars))")
            }
        }
        #expect(PlainTextWriter.finishBytes("a\r\nb") == nil)
        #expect(PlainTextWriter.finishBytes("\u{600} \n") == nil)
        #expect(PlainTextWriter.finishBytes("\n\na  \n\n\nb\t\n\n") == "a\n\nb\n")
    }
}

/// The text of an HTML-only letter, spliced from its text skeleton, is exactly the conversion of that guardian's HTML.
@Suite struct TextSplicingTests {
    /// Strings that keep the skeleton (plain words) and strings that must fall back (white space the converter
    /// folds, control characters, link addresses that change how a link is written).
    static let pool = [
        "Ngozi", "O'Hara & <Sons>", "Zoë \"Z\" Adébáyọ̀", "ليلى حداد", "王芳", "Child One", "+44 20 7946 0000",
        "https://x.example/a/1?q=1&r=2", "  leading", "trailing ", "two  spaces", "line\nbreak", "tab\there", "nb\u{00A0}sp",
        "e\u{301} \u{301}x", "mailto:office@x.example", "MAILTO:Office@x.example", "tel:+4420", "#top", "javascript:alert(1)",
        "office@x.example", "x\u{7}bell", "1", "Open Day", "- dash", "> quote",
    ]

    static let ordinary = ["9:30\u{202F}AM", "12\u{00A0}June 2030", "two  spaces", "line\nbreak", "Ngozi", "O'Hara & <Sons>", "Zoë \"Z\" Adébáyọ̀", "ليلى حداد", "王芳", "Child One", "https://x.example/a/1?q=1&r=2"]

    static let template = """
        <html><head><title>{{title}}</title><style>p { x: "{{a}}" }</style></head><body>
        <h1>{{title}}</h1>
        <h2>Notes for {{a}} and {{b}}</h2>
        <h3>About {{a}}</h3>
        <p>{{greeting}} {{a}}, and {{b}}.</p>
        <ul>{{#items}}<li>{{.}}</li>{{/items}}</ul>
        <ol start="{{n}}"><li>{{a}}</li></ol>
        <table><tr><th>{{a}}</th><td>{{b}}</td></tr></table>
        <blockquote>{{c}}</blockquote>
        <pre>{{c}}  kept</pre>
        <p><a href="{{url}}">{{label}}</a> <a href="mailto:{{email}}">{{email}}</a> <a href="tel:{{phone}}">{{phone}}</a>
        <a href="{{url}}">{{url}}</a> <a href="{{url}}"></a> <img alt="{{a}}" src="x.png"></p>
        </body></html>
        """

    static func context(_ values: [String]) -> TemplateValue {
        .map([
            ("title", .string(values[0])), ("a", .string(values[1])), ("b", .string(values[2])), ("c", .string(values[3])),
            ("greeting", .string("Dear")), ("items", .list([.string(values[4]), .string(values[5])])), ("n", .string("2")),
            ("url", .string(values[6])), ("label", .string(values[7])), ("email", .string(values[8])), ("phone", .string(values[9])),
        ])
    }

    @Test func splicedTextEqualsTheConversion() throws {
        // Two variants: one whose list start and preformatted text hold strings (no text skeleton), one without.
        let withHeading = Self.template
        let plain = Self.template.replacingOccurrences(of: "start=\"{{n}}\"", with: "start=\"2\"")
            .replacingOccurrences(of: "<pre>{{c}}  kept</pre>", with: "<pre>kept  as  it  is</pre>")
        let set = try SplicingTests.load(["t/html.mustache": plain, "t/subject.mustache": "x", "u/html.mustache": withHeading, "u/subject.mustache": "x"])
        var generator = SystemRandomNumberGenerator()
        var spliced = 0
        for round in 0..<400 {
            // Every other round only plain words and ordinary addresses, which should take the spliced path.
            let pool = round.isMultiple(of: 2) ? Self.pool : Self.ordinary
            var values = (0..<10).map { _ in pool.randomElement(using: &generator)! }
            if !round.isMultiple(of: 2) {
                // A link whose label and address differ, as in letters (else the label alone is written).
                values[6] = "https://x.example/a/\(round)?q=1&r=2"
                values[7] = "Open Day"
            }
            let context = Self.context(values)
            for name in ["t/html", "u/html"] {
                var direct: DirectContext?
                let parts = ContextParts(context)
                let html = try #require(try set.render(context, parts: parts, direct: &direct, named: name))
                let expected = HTMLText.plainText(fromHTML: html)
                #expect(set.plainText(ofHTML: { html }, context: context, parts: parts, named: name) == expected, "\(name) \(values)")
                if name == "t/html", let skeleton = set.textSkeletons.skeleton(name, parts: parts!, make: { nil }),
                   skeleton.fill(parts!.strings) != nil {
                    spliced += 1
                }
            }
            if round == 0 {
                // The list start holds a string: that template never gets a text skeleton.
                let parts = try #require(ContextParts(context))
                #expect(set.textSkeletons.skeleton("u/html", parts: parts, make: { nil }) == nil)
            }
        }
        #expect(spliced > 60, "ordinary strings should mostly take the spliced path")
    }

    @Test("A phone isolated in its link, dialled as digits, is written once and still spliced")
    func isolatedPhoneLinksSplice() throws {
        let html = "<html><body><p>{{name}}: <a href=\"tel:{{uri}}\">\u{2066}{{phone}}\u{2069}</a>, <a href=\"mailto:{{email}}\">\u{2066}{{email}}\u{2069}</a></p></body></html>"
        let set = try SplicingTests.load(["t/html.mustache": html, "t/subject.mustache": "x"])
        func letter(_ name: String, phone: String, uri: String) throws -> (text: String, expected: String, spliced: Bool) {
            let context = TemplateValue.map([
                ("name", .string(name)), ("uri", .string(uri)), ("phone", .string(phone)), ("email", .string("office@school.example")),
            ])
            let parts = try #require(ContextParts(context))
            var direct: DirectContext?
            let rendered = try #require(try set.render(context, parts: parts, direct: &direct, named: "t/html"))
            let text = set.plainText(ofHTML: { rendered }, context: context, parts: parts, named: "t/html")
            return (text, HTMLText.plainText(fromHTML: rendered), set.splicedText(context, parts: parts, named: "t/html") != nil)
        }
        let first = try letter("Amina", phone: "+44 20 7946 0000", uri: "+442079460000")
        #expect(first.text == first.expected)
        #expect(!first.text.contains("<tel:") && !first.text.contains("<office@"))
        #expect(first.spliced)
        let second = try letter("Ly", phone: "+44 20 7946 0000", uri: "+442079460000")
        #expect(second.spliced && second.text == second.expected)
        // Another number behind the label: written with its address, as the markers had it.
        let other = try letter("Bashir", phone: "+44 20 7946 0000", uri: "+441632960000")
        #expect(other.text == other.expected)
        #expect(other.text.contains("<+441632960000>"))
        #expect(other.spliced)
    }

    /// Every ASCII byte, the language marks and the isolates (and their neighbours) in random strings: the byte path
    /// folds (or refuses) exactly as the scalar path.
    @Test func asciiFoldingAgreesWithTheScalarPath() {
        var generator = SystemRandomNumberGenerator()
        let common: [[UInt8]] = [[0x20], [0x20], [0x09], [0x0A], [0x0D], [0x61], [0x62]]
            + ["\u{E010}", "\u{E011}", "\u{E012}", "\u{E013}", "\u{2066}", "\u{2069}", "\u{206A}", "\u{2065}", "\u{0301}", "é"].map { Array($0.utf8) }
        for _ in 0..<8000 {
            let bytes = (0..<Int.random(in: 0...8, using: &generator)).flatMap { _ in
                Bool.random(using: &generator) ? common.randomElement(using: &generator)! : [UInt8.random(in: 0...0x7F, using: &generator)]
            }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(TextSkeleton.folded(text) == TextSkeleton.foldedByScalars(text), "\(bytes)")
        }
    }

    /// Every scalar that makes one character with a space before it passes the cheap filter (so the filter never
    /// hides a join); the filter is only a shortcut to the exact test.
    @Test func theJoinFilterMissesNoScalarThatJoinsASpace() {
        var joining = 0
        for value in UInt32(0x300)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if (" " + String(scalar)).count == 1 {
                joining += 1
                #expect(TextSkeleton.mayJoinSpace(scalar), "U+\(String(value, radix: 16))")
            }
        }
        #expect(joining > 2000)
    }

    @Test func foldedStrings() {
        #expect(TextSkeleton.folded("Zoë Adébáyọ̀ & <Sons>") == "Zoë Adébáyọ̀ & <Sons>")
        #expect(TextSkeleton.folded("ليلى حداد") == "ليلى حداد")
        #expect(TextSkeleton.folded("9:30\u{202F}AM, 12\u{00A0}June") == "9:30 AM, 12 June")
        #expect(TextSkeleton.folded("a  b\n\tc") == "a b c")
        for text in [" a", "a ", "\na", "a\u{7}", "\u{301}a", "a\u{600}", "\u{E000}"] {
            #expect(TextSkeleton.folded(text) == nil, "\(Array(text.unicodeScalars))")
        }
    }
}

/// The byte-level tag scanner against a character-by-character reading of the same text.
@Suite struct TemplateScannerTests {
    struct Expected: Equatable {
        var sigil: String, name: String, line: Int, column: Int, indented: Bool
    }

    /// The reference: characters, positions counted per character, lines split at LF.
    static func reference(_ source: String) -> [Expected] {
        var tags: [Expected] = []
        let characters = Array(source)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        var line = 1, column = 1, index = 0
        func starts(_ text: String, at position: Int) -> Bool {
            let pattern = Array(text)
            return position + pattern.count <= characters.count && Array(characters[position..<position + pattern.count]) == pattern
        }
        while index < characters.count {
            if starts("{{", at: index) {
                var close = index + 2
                while close < characters.count, !starts("}}", at: close) { close += 1 }
                guard close < characters.count else { break }
                var body = String(characters[(index + 2)..<close]).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
                var sigil = ""
                if let first = body.first, "#^/>&<$!%{=".contains(first) {
                    sigil = String(first)
                    body = String(body.dropFirst()).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
                }
                var end = close + 2
                if sigil == "{", end < characters.count, characters[end] == "}" { end += 1 }
                if sigil != "!" {
                    let before = lines[line - 1].prefix(column - 1)
                    tags.append(Expected(sigil: sigil, name: body, line: line, column: column,
                                         indented: !before.isEmpty && before.allSatisfy { $0 == " " || $0 == "\t" }))
                }
                for character in characters[index..<end] {
                    if character == "\n" { line += 1; column = 1 } else { column += 1 }
                }
                index = end
                continue
            }
            if characters[index] == "\n" { line += 1; column = 1 } else { column += 1 }
            index += 1
        }
        return tags
    }

    @Test func randomTemplatesScanAsCharacterByCharacter() {
        let pieces = ["{{", "}}", "}}}", "{{{", "#", ">", "!", "&", " ", "\t", "\n", "name", "t.greeting", "é", "ليلى", "👩‍👧", "{", "}", "x"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let source = (0..<Int.random(in: 0...24, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let scanned = TemplateScanner.tags(in: source).map {
                Expected(sigil: $0.sigil, name: $0.name, line: $0.line, column: $0.column, indented: $0.indented)
            }
            #expect(scanned == Self.reference(source), "\(source.debugDescription)")
        }
    }

    @Test func positionsCountCharacters() {
        let tags = TemplateScanner.tags(in: "ليلى {{name}}\n  {{> footer }}\n{{! note\n}}{{{raw}}}")
        #expect(tags.map(\.name) == ["name", "footer", "raw"])
        #expect(tags.map(\.line) == [1, 2, 4])
        #expect(tags.map(\.column) == [6, 3, 3])
        #expect(tags.map(\.indented) == [false, true, false])
    }
}
