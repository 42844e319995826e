import LiaisonModel
import Mustache

/// A template whose shape would take Mustache's recursive parser or renderer down: refused, with the tag.
struct TemplateShapeError: Error, Sendable {
    var code: String
    var message: String
    var line: Int
    var column: Int

    /// One pass over the scanned tags: nesting depth, a section inside a section of the same name (each level
    /// repeats the whole list again: 16 levels of three students is 43 million copies), and set-delimiter tags
    /// (after one, neither this scan nor the catalog-key scan sees the tags).
    static func check(_ tags: [TemplateScanner.Tag], limits: InputLimits, html: Bool = false) throws(TemplateShapeError) {
        var open: [TemplateScanner.Tag] = []
        for tag in tags {
            switch tag.sigil {
            case "{" where html, "&" where html:
                // Roster and event data written into HTML unescaped is markup a parent or an export can inject.
                throw TemplateShapeError(
                    code: "template.unescaped",
                    message: "{{\(tag.sigil == "{" ? "{" : "&")\(tag.name)\(tag.sigil == "{" ? "}" : "")}} writes its value into the HTML without escaping, so a name or a title could add markup or scripts to a letter; write {{\(tag.name)}}.",
                    line: tag.line, column: tag.column)
            case "=":
                throw TemplateShapeError(
                    code: "template.set-delimiter",
                    message: "Set-delimiter tags ({{=<% %>=}}) are not supported: Liaison checks templates by their {{…}} tags. Keep the default delimiters.",
                    line: tag.line, column: tag.column)
            case "#", "^", "$", "<":
                if tag.sigil == "#", let outer = open.first(where: { $0.sigil == "#" && $0.name == tag.name }) {
                    throw TemplateShapeError(
                        code: "template.nested-repeat",
                        message: "The section {{#\(tag.name)}} opens inside the section {{#\(tag.name)}} of line \(outer.line), which repeats it for every item of every item; close the outer one first.",
                        line: tag.line, column: tag.column)
                }
                open.append(tag)
                if open.count > limits.nesting {
                    throw TemplateShapeError(
                        code: "limit.nesting",
                        message: "Sections are nested \(open.count) deep here. \(limits.advice(.nesting))",
                        line: tag.line, column: tag.column)
                }
            case "/":
                if let index = open.lastIndex(where: { $0.name == tag.name }) { open.removeSubrange(index...) }
            default:
                break
            }
        }
    }
}

extension TemplateSet {
    /// Partials and template parts that include themselves (directly, through others, or as a layout), and
    /// chains longer than the limit: one diagnostic each with the chain, and the files taken out, so that nothing
    /// renders them (Mustache would recurse until the stack runs out).
    mutating func removeEndlessPartials() -> [Diagnostic] {
        var files: [String: TemplateFile] = partials
        for template in templates.values {
            for (part, file) in template.parts { files["\(template.name)/\(part.rawValue)"] = file }
            for (locale, parts) in template.overrides {
                for (part, file) in parts { files["\(template.name)/\(locale.rawValue)/\(part.rawValue)"] = file }
            }
        }
        // A block override given to a layout ({{<layout}}{{$b}}…{{/b}}{{/layout}}) is rendered wherever a file of
        // that render expands {{$b}}, at any depth, and the outermost override wins: a partial named inside it
        // counts as included by every file that expands b (a layout, or a partial it reaches, that the partial
        // inherits again would recurse forever otherwise).
        var overrideIncludes: [String: Set<String>] = [:]
        var expandedBlocks: [String: Set<String>] = [:]
        for (name, file) in files {
            var open: [(sigil: String, name: String)] = []
            for tag in file.tags {
                if tag.sigil == ">" || tag.sigil == "<" {
                    for index in open.indices where index > 0 && open[index].sigil == "$" && open[index - 1].sigil == "<" {
                        overrideIncludes[open[index].name, default: []].insert(tag.name)
                    }
                }
                switch tag.sigil {
                case "#", "^", "<":
                    open.append((tag.sigil, tag.name))
                case "$":
                    if open.last?.sigil != "<" { expandedBlocks[name, default: []].insert(tag.name) }
                    open.append((tag.sigil, tag.name))
                case "/":
                    if let index = open.lastIndex(where: { $0.name == tag.name }) { open.removeSubrange(index...) }
                default:
                    break
                }
            }
        }
        var diagnostics: [Diagnostic] = []
        var removed = Set<String>()
        // Longest chain below each name, memoised; `nil` while the name is on the current path.
        var depth: [String: Int?] = [:]
        var path: [String] = []

        func visit(_ name: String) -> Int {
            if let known = depth[name] {
                if let known { return known }
                // On the path already: a cycle. Report it at the include that closes it.
                let start = path.lastIndex(of: name) ?? 0
                let cycle = Array(path[start...]) + [name]
                let closing = files[path.last ?? name]?.partials.first(where: { $0.name == name })?.location
                    ?? SourceLocation(file: files[name]?.path ?? name)
                if removed.insert(name).inserted {
                    diagnostics.append(.error(
                        "template.partial-cycle",
                        "The partial \(name) includes itself: \(cycle.joined(separator: " → ")). Mustache would include it forever; remove one of these includes.",
                        at: closing))
                }
                removed.formUnion(cycle)
                return 0
            }
            guard let file = files[name] else { return 0 }
            depth[name] = .some(nil)
            path.append(name)
            var deepest = 0
            let throughBlocks = (expandedBlocks[name] ?? []).flatMap { overrideIncludes[$0] ?? [] }
            for use in file.partials.map(\.name) + Set(throughBlocks).sorted() { deepest = max(deepest, visit(use) + 1) }
            path.removeLast()
            depth[name] = deepest
            return deepest
        }
        for name in files.keys.sorted() {
            let chain = visit(name)
            if chain > limits.partialChain, name.contains("/"), removed.insert(name).inserted {
                diagnostics.append(.error(
                    "limit.partial-chain",
                    "This template reaches partials \(chain) includes deep. \(limits.advice(.partialChain))",
                    at: SourceLocation(file: files[name]?.path ?? name)))
            }
        }
        guard !removed.isEmpty else { return diagnostics }
        endless = removed
        for name in removed { partials[name] = nil }
        for (key, var template) in templates {
            for (part, _) in template.parts where removed.contains("\(template.name)/\(part.rawValue)") { template.parts[part] = nil }
            for (locale, parts) in template.overrides {
                for (part, _) in parts where removed.contains("\(template.name)/\(locale.rawValue)/\(part.rawValue)") {
                    template.overrides[locale]?[part] = nil
                }
            }
            templates[key] = template
        }
        return diagnostics
    }
}

/// Counts the items Mustache renders from lists in one part of one message and stops them at the limit, so no
/// template and no event data can make a render run for minutes (nested lists multiply).
package final class RenderBudget: @unchecked Sendable {
    let limit: Int
    private(set) var used = 0
    var exceeded: Bool { used > limit }

    package init(limit: Int) { self.limit = limit }

    /// Called once per item; `false` once the budget is spent (the render goes on without more items).
    func spend() -> Bool {
        used += 1
        return used <= limit
    }

    func reset() { used = 0 }
}

/// A list as Mustache sees it, each item paid for from a ``RenderBudget``.
struct BudgetedList: MustacheSequence, MustacheTransformable {
    var items: [Any]
    var budget: RenderBudget

    struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Any]>
        var budget: RenderBudget
        mutating func next() -> Any? {
            guard let item = base.next(), budget.spend() else { return nil }
            return item
        }
    }

    func makeIterator() -> Iterator { Iterator(base: items.makeIterator(), budget: budget) }

    func transform(_ name: String) -> Any? { items.transform(name) }
}
