import Foundation
import LiaisonModel
import Testing
@testable import LiaisonRender

/// Templates that would take Mustache's recursive parser or renderer down are refused with the place and the chain;
/// each case here once crashed `liaison check` or hung it.
@Suite struct TemplateLimitsTests {
    static func load(_ files: [String: String], limits: InputLimits = .standard) throws -> (TemplateSet, [Diagnostic]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString)")
        for (path, text) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return TemplateSet.load(directories: [folder.path], limits: limits)
    }

    static func errors(_ diagnostics: [Diagnostic], _ code: String) -> [Diagnostic] {
        diagnostics.filter { $0.severity == .error && $0.code == code }
    }

    static let letter = ["note/subject.mustache": "Note", "note/html.mustache": "<p>{{>body}}</p>"]

    @Test func aPartialThatIncludesItselfIsRefusedWithTheChainAndNeverRendered() throws {
        let (set, diagnostics) = try Self.load(Self.letter.merging(["_partials/body.mustache": "x{{>body}}"]) { $1 })
        let cycle = try #require(Self.errors(diagnostics, "template.partial-cycle").first)
        #expect(cycle.message.contains("body → body"))
        #expect(cycle.location?.line == 1 && cycle.location?.column == 2)
        #expect(set.partials["body"] == nil)
        // The letter that uses it renders without it instead of recursing.
        var direct: DirectContext?
        #expect(try set.render(.map([]), parts: nil, direct: &direct, named: "note/html") == "<p></p>")
        #expect(Self.errors(diagnostics, "template.unknown-partial").isEmpty)
    }

    @Test func twoPartialsIncludingEachOtherAndASelfInheritingLayoutAreRefused() throws {
        let (_, mutual) = try Self.load(Self.letter.merging([
            "_partials/body.mustache": "{{>footer}}", "_partials/footer.mustache": "{{>body}}",
        ]) { $1 })
        let cycle = try #require(Self.errors(mutual, "template.partial-cycle").first)
        #expect(cycle.message.contains("body → footer → body"))

        let (_, layout) = try Self.load([
            "note/subject.mustache": "Note", "note/html.mustache": "{{<layout}}{{$main}}hi{{/main}}{{/layout}}",
            "_partials/layout.mustache": "{{<layout}}{{$main}}x{{/main}}{{/layout}}",
        ])
        #expect(Self.errors(layout, "template.partial-cycle").first?.message.contains("layout → layout") == true)
    }

    @Test func aBlockOverrideIncludingAPartialThatInheritsTheLayoutAgainIsRefused() throws {
        // fuzz/regressions/render/block-override-includes-its-parent.mustache: the layout expands the letter's
        // block, which includes q, which inherits the layout again without overriding the block.
        let files = [
            "note/subject.mustache": "Note", "note/html.mustache": "{{<p}}{{$b}}{{>q}}{{/b}}{{/p}}",
            "_partials/p.mustache": "<div>{{$b}}{{/b}}</div>", "_partials/q.mustache": "{{<p}}{{/p}}",
        ]
        let (set, diagnostics) = try Self.load(files)
        let cycle = try #require(Self.errors(diagnostics, "template.partial-cycle").first)
        #expect(cycle.message.contains("p → q → p"))
        #expect(set.partials["p"] == nil && set.partials["q"] == nil)
        var direct: DirectContext?
        #expect(try set.render(.map([]), parts: nil, direct: &direct, named: "note/html") == "")

        // The same layout with an override that includes a partial not leading back to it is fine.
        let (fine, none) = try Self.load(files.merging(["_partials/q.mustache": "<p>q</p>"]) { $1 })
        #expect(none.filter { $0.severity == .error }.isEmpty, "\(none)")
        var again: DirectContext?
        #expect(try fine.render(.map([]), parts: nil, direct: &again, named: "note/html") == "<div><p>q</p></div>")
    }

    @Test func aChainOfPartialsPastTheLimitIsRefused() throws {
        var files = Self.letter
        for level in 0..<4 { files["_partials/\(level == 0 ? "body" : "p\(level)").mustache"] = "{{>p\(level + 1)}}" }
        files["_partials/p4.mustache"] = "end"
        var limits = InputLimits()
        limits.partialChain = 3
        let (set, diagnostics) = try Self.load(files, limits: limits)
        let refused = try #require(Self.errors(diagnostics, "limit.partial-chain").first)
        #expect(refused.message.contains("limits.partial_chain"))
        #expect(set.template(named: "note")?.parts[.html] == nil)
        // Within the standard limit the same chain is fine.
        let (_, fine) = try Self.load(files)
        #expect(fine.filter { $0.severity == .error }.isEmpty, "\(fine)")
    }

    @Test func sectionsNestedPastTheLimitAreRefusedBeforeMustacheParsesThem() throws {
        let deep = (0..<600).map { "{{#a\($0)}}" }.joined() + "x" + (0..<600).reversed().map { "{{/a\($0)}}" }.joined()
        let (_, diagnostics) = try Self.load(["note/subject.mustache": "Note", "note/html.mustache": deep])
        let refused = try #require(Self.errors(diagnostics, "limit.nesting").first)
        #expect(refused.location?.line == 1)
        #expect(refused.message.contains("limits.nesting"))
        // Unclosed inverted sections count too.
        let (_, inverted) = try Self.load(["note/subject.mustache": "Note", "note/html.mustache": String(repeating: "{{^a}}", count: 600)])
        #expect(!Self.errors(inverted, "limit.nesting").isEmpty)
        // Exactly at the limit renders.
        let limit = InputLimits.standard.nesting
        let atLimit = (0..<limit).map { "{{#a\($0)}}" }.joined() + "x" + (0..<limit).reversed().map { "{{/a\($0)}}" }.joined()
        let (set, fine) = try Self.load(["note/subject.mustache": "Note", "note/html.mustache": atLimit])
        #expect(fine.filter { $0.severity == .error }.isEmpty, "\(fine)")
        let context = TemplateValue.map((0..<limit).map { ("a\($0)", .bool(true)) })
        var direct: DirectContext?
        #expect(try set.render(context, parts: nil, direct: &direct, named: "note/html") == "x")
    }

    @Test func aSectionInsideItselfAndSetDelimitersAreRefused() throws {
        let nested = String(repeating: "{{#students}}", count: 16) + "{{name}}" + String(repeating: "{{/students}}", count: 16)
        let (_, diagnostics) = try Self.load(["note/subject.mustache": "Note", "note/html.mustache": nested])
        let refused = try #require(Self.errors(diagnostics, "template.nested-repeat").first)
        #expect(refused.location?.column == 14)
        let (_, delimiters) = try Self.load(["note/subject.mustache": "Note", "note/html.mustache": "{{=<% %>=}}<%#a%><%/a%>"])
        #expect(!Self.errors(delimiters, "template.set-delimiter").isEmpty)
    }

    @Test func nestedListsStopAtTheRepeatBudgetWithAClearError() throws {
        let template = "{{#a}}{{#b}}{{#c}}{{#d}}x{{/d}}{{/c}}{{/b}}{{/a}}"
        var limits = InputLimits()
        limits.templateRepeats = 5_000
        let (set, diagnostics) = try Self.load(["note/subject.mustache": "Note", "note/html.mustache": template], limits: limits)
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty)
        let list = TemplateValue.list((0..<20).map { .int($0) })
        let context = TemplateValue.map([("a", list), ("b", list), ("c", list), ("d", list)])
        var direct: DirectContext?
        #expect(throws: RenderError.self) { try set.render(context, parts: nil, direct: &direct, named: "note/html") }
        do {
            _ = try set.render(context, parts: ContextParts(context), direct: &direct, named: "note/html")
            Issue.record("the spliced render went past the budget too")
        } catch {
            #expect(error.message.contains("limits.template_repeats"))
        }
        // A small list renders in full, and the budget starts again for each part.
        let small = TemplateValue.map([("a", .list([.int(1), .int(2)])), ("b", .list([.int(1)])), ("c", .list([.int(1)])), ("d", .list([.int(1)]))])
        var again: DirectContext?
        #expect(try set.render(small, parts: nil, direct: &again, named: "note/html") == "xx")
        #expect(try set.render(small, parts: nil, direct: &again, named: "note/html") == "xx")
    }

    @Test func unescapedTagsAreRefusedInHTMLAndAllowedInPlainText() throws {
        let (_, html) = try Self.load(["note/subject.mustache": "{{{event.title}}}", "note/html.mustache": "<p>{{{guardian.name}}} {{&data.link}}</p>"])
        let refused = Self.errors(html, "template.unescaped")
        #expect(refused.map(\.location?.column) == [4])  // the first one stops the file
        #expect(refused.first?.message.contains("{{guardian.name}}") == true)
        let (_, text) = try Self.load(["note/subject.mustache": "{{{event.title}}}", "note/html.mustache": "<p>{{guardian.name}}</p>", "note/text.mustache": "{{&guardian.name}}"])
        #expect(Self.errors(text, "template.unescaped").isEmpty)
    }

    @Test func aTemplateFileLargerThanTheLimitIsNotRead() throws {
        var limits = InputLimits()
        limits.fileBytes = 1_000
        let (_, diagnostics) = try Self.load(["note/subject.mustache": "Note", "note/html.mustache": String(repeating: "a", count: 2_000)], limits: limits)
        #expect(!Self.errors(diagnostics, "limit.file-size").isEmpty)
    }
}
