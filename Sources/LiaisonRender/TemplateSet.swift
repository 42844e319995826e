import Foundation
import LiaisonModel
import Mustache

/// The three parts of a message a template folder provides.
public enum TemplatePart: String, Sendable, CaseIterable, Hashable {
    case subject
    case html
    case text
    /// The short form sent by SMS (and chat): a few lines, a link, counted in SMS parts.
    case sms
    /// What a voice gateway reads aloud: written for text-to-speech, no links.
    case voice

    /// Subjects and text bodies are plain text: Mustache must not HTML-escape them.
    var isPlainText: Bool { self != .html }
}

/// One `.mustache` file, parsed.
public struct TemplateFile: Sendable {
    /// Path as found under the configured folder.
    public var path: String
    public var source: String
    var template: MustacheTemplate
    /// Catalog keys used as `{{t.<key>}}`, outside and inside a `{{#students}}` section.
    var keys: Set<String>
    var studentKeys: Set<String>
    /// Partials used through `{{>name}}` or `{{<name}}`, with where they are used.
    var partials: [(name: String, location: SourceLocation)]
    /// Every tag, scanned once.
    var tags: [TemplateScanner.Tag]
}

/// A template folder: the base parts and the letters translators wrote for one language.
public struct MessageTemplate: Sendable {
    public var name: String
    public var folder: String
    var parts: [TemplatePart: TemplateFile]
    var overrides: [LanguageTag: [TemplatePart: TemplateFile]]

    /// The languages that have a letter of their own.
    public var overrideLocales: [LanguageTag] { overrides.keys.sorted() }

    /// The most SMS parts the short form may take: `{{! max-sms-parts: N }}` in sms.mustache, else 3.
    public var smsPartLimit: Int {
        guard let source = parts[.sms]?.source, let range = source.range(of: "max-sms-parts:") else { return 3 }
        let digits = source[range.upperBound...].drop { $0 == " " }.prefix { $0.isASCII && $0.isNumber }
        return Int(digits).map { max(1, $0) } ?? 3
    }

    /// Whether the template has a part of its own for `part` (in any language).
    public func has(_ part: TemplatePart) -> Bool { parts[part] != nil || overrides.values.contains { $0[part] != nil } }
}

/// The Mustache value of one message's context, kept between its parts, and the budget its lists spend.
struct DirectContext {
    var value: Any
    var budget: RenderBudget
}

/// Every template and partial from the configured folders, parsed once.
public struct TemplateSet: Sendable {
    public internal(set) var templates: [String: MessageTemplate] = [:]
    var partials: [String: TemplateFile] = [:]
    var library = MustacheLibrary()
    /// Registered names whose renders may be spliced (``TemplateSplicing``), and their skeletons.
    var spliceable: Set<String> = []
    /// Spliceable names that indent no partial or block: strings ending a line may be spliced into them too.
    var indentFree: Set<String> = []
    var skeletons = SkeletonCache<Skeleton>()
    /// The text skeletons of HTML-only templates (``TextSkeleton``), by the HTML part's name and shape.
    var textSkeletons = SkeletonCache<TextSkeleton>()
    /// How deep, how long and how much a template may go (``InputLimits``).
    var limits = InputLimits.standard
    /// Names taken out because they include themselves or reach too deep (``removeEndlessPartials()``).
    var endless: Set<String> = []

    static let textPragma = "{{%CONTENT_TYPE:TEXT}}"

    public init() {}

    /// The template names (folder names), sorted.
    public var names: [String] { templates.keys.sorted() }

    public func template(named name: String) -> MessageTemplate? { templates[name] }

    /// Loads `templates/<name>/{subject,html,text}.mustache`, `templates/<name>/<locale>/…` and
    /// `templates/_partials/*.mustache` from each folder; later folders replace earlier ones file by file.
    /// Problems become diagnostics (`template.*`); the files that parse are kept.
    public static func load(directories: [String], limits: InputLimits = .standard) -> (TemplateSet, [Diagnostic]) {
        var set = TemplateSet()
        set.limits = limits
        var diagnostics: [Diagnostic] = []
        let fileManager = FileManager.default
        for directory in directories {
            guard let entries = try? fileManager.contentsOfDirectory(atPath: directory) else {
                diagnostics.append(.error("config.missing-file", "The templates folder \(directory) cannot be read.", at: SourceLocation(file: directory)))
                continue
            }
            for entry in entries.sorted() where !entry.hasPrefix(".") {
                let folder = (directory as NSString).appendingPathComponent(entry)
                guard isDirectory(folder) else { continue }
                if entry == "_partials" {
                    for file in (try? fileManager.contentsOfDirectory(atPath: folder))?.sorted() ?? [] where file.hasSuffix(".mustache") {
                        let name = String(file.dropLast(".mustache".count))
                        let path = (folder as NSString).appendingPathComponent(file)
                        if let parsed = parse(path: path, plainText: name.hasSuffix("-text"), limits: limits, diagnostics: &diagnostics) {
                            set.partials[name] = parsed
                        }
                    }
                    continue
                }
                var template = set.templates[entry] ?? MessageTemplate(name: entry, folder: folder, parts: [:], overrides: [:])
                template.folder = folder
                for part in TemplatePart.allCases {
                    let path = (folder as NSString).appendingPathComponent("\(part.rawValue).mustache")
                    guard fileManager.fileExists(atPath: path) else { continue }
                    if let parsed = parse(path: path, plainText: part.isPlainText, limits: limits, diagnostics: &diagnostics) {
                        template.parts[part] = parsed
                    } else {
                        template.parts[part] = nil
                    }
                }
                for sub in (try? fileManager.contentsOfDirectory(atPath: folder))?.sorted() ?? [] where !sub.hasPrefix(".") {
                    let subfolder = (folder as NSString).appendingPathComponent(sub)
                    guard isDirectory(subfolder) else { continue }
                    guard let locale = LanguageTag(sub) else {
                        diagnostics.append(.warning(
                            "template.unknown-locale",
                            "The folder \(sub) in template \(entry) is not a language tag, so it is ignored; name it after a language such as fa or zh-Hant.",
                            at: SourceLocation(file: subfolder)))
                        continue
                    }
                    for part in TemplatePart.allCases {
                        let path = (subfolder as NSString).appendingPathComponent("\(part.rawValue).mustache")
                        guard fileManager.fileExists(atPath: path) else { continue }
                        if let parsed = parse(path: path, plainText: part.isPlainText, limits: limits, diagnostics: &diagnostics) {
                            template.overrides[locale, default: [:]][part] = parsed
                        }
                    }
                }
                set.templates[entry] = template
            }
        }
        for template in set.templates.values.sorted(by: { $0.name < $1.name }) {
            for part in [TemplatePart.subject, .html] where template.parts[part] == nil {
                let path = (template.folder as NSString).appendingPathComponent("\(part.rawValue).mustache")
                if !FileManager.default.fileExists(atPath: path) {
                    diagnostics.append(.error(
                        "template.missing-file",
                        "Template \(template.name) has no \(part.rawValue).mustache; every template needs a subject and an HTML body.",
                        at: SourceLocation(file: path)))
                }
            }
        }
        diagnostics += set.removeEndlessPartials()
        set.registerAll()
        diagnostics += set.unknownPartials()
        return (set, diagnostics)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }

    private static func parse(path: String, plainText: Bool, limits: InputLimits, diagnostics: inout [Diagnostic]) -> TemplateFile? {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limits.fileBytes {
            diagnostics.append(.error(
                "limit.file-size", "The template is \(size) bytes, too large to be a template. \(limits.advice(.fileBytes))",
                at: SourceLocation(file: path)))
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            diagnostics.append(.error("template.syntax", "The template cannot be read as UTF-8 text.", at: SourceLocation(file: path)))
            return nil
        }
        // A template saved with Windows line ends renders as one saved with LF: no CR reaches a text or an SMS.
        let source = Whitespace.unixLineEnds(text)
        do {
            return try TemplateFile(path: path, source: source, plainText: plainText, limits: limits)
        } catch let error as TemplateShapeError {
            diagnostics.append(.error(error.code, error.message, at: SourceLocation(file: path, line: error.line, column: error.column)))
        } catch let error as MustacheTemplate.ParserError {
            var column = error.context.columnNumber
            if plainText, error.context.lineNumber == 1 { column = max(1, column - textPragma.count) }
            diagnostics.append(.error(
                "template.syntax",
                "Mustache syntax error: \(describe(error.error)).",
                at: SourceLocation(file: path, line: error.context.lineNumber, column: column)))
        } catch {
            diagnostics.append(.error("template.syntax", "Mustache syntax error: \(error).", at: SourceLocation(file: path)))
        }
        return nil
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "a closing tag {{/…}} does not match the section it closes"
        case .unfinishedName: return "a tag is not finished (missing }})"
        case .expectedSectionEnd: return "a section {{#…}} or {{^…}} is never closed with {{/…}}"
        case .invalidSetDelimiter: return "a set-delimiter tag is malformed"
        case .transformAppliedToInheritanceSection: return "a transform is applied to an inheritance section"
        case .illegalTokenInsideInheritSection: return "an inheritance section contains a tag it may not hold"
        case .textInsideInheritSection: return "an inheritance section contains text outside its blocks"
        case .invalidConfigVariableSyntax: return "a pragma {{%…}} is malformed"
        case .unrecognisedConfigVariable: return "a pragma {{%…}} is not known"
        }
    }

    private mutating func registerAll() {
        var library = MustacheLibrary()
        var spliceable = Set<String>()
        var indentFree = Set<String>()
        for (name, partial) in partials {
            library.register(partial.template, named: name)
        }
        for template in templates.values {
            // A partial that is not under _partials (another template's part, say) is not scanned: render directly.
            let files = reachableFiles(of: template)
            let spliced = files.allSatisfy { $0.partials.allSatisfy { partials[$0.name] != nil } }
                && TemplateSplicing.isSpliceable(files)
            let unindented = spliced && !TemplateSplicing.mayIndent(tags: files.map(\.tags))
            var names: [String] = []
            for (part, file) in template.parts {
                library.register(file.template, named: "\(template.name)/\(part.rawValue)")
                names.append("\(template.name)/\(part.rawValue)")
            }
            for (locale, parts) in template.overrides {
                for (part, file) in parts {
                    library.register(file.template, named: "\(template.name)/\(locale.rawValue)/\(part.rawValue)")
                    names.append("\(template.name)/\(locale.rawValue)/\(part.rawValue)")
                }
            }
            if spliced { spliceable.formUnion(names) }
            if unindented { indentFree.formUnion(names) }
        }
        self.library = library
        self.spliceable = spliceable
        self.indentFree = indentFree
        self.skeletons = SkeletonCache()
        self.textSkeletons = SkeletonCache()
    }

    /// The text part of a template that has only HTML: its text skeleton for the context's shape filled with the
    /// context's strings when it applies (``TextSkeleton``), else `html` (the template `name` rendered) converted.
    func plainText<Failure: Error>(
        ofHTML html: () throws(Failure) -> String, context: TemplateValue, parts: ContextParts?, named name: String
    ) throws(Failure) -> String {
        if let parts, let spliced = splicedText(context, parts: parts, named: name) { return spliced }
        return HTMLText.plainText(fromHTML: try html())
    }

    /// The text of the HTML-only template `name` from its text skeleton for the context's shape; `nil` when the
    /// template or the context's strings need the full conversion.
    func splicedText(_ context: TemplateValue, parts: ContextParts, named name: String) -> String? {
        guard spliceable.contains(name), !parts.endsLine || indentFree.contains(name) else { return nil }
        func htmlSkeleton() -> Skeleton? {
            skeletons.skeleton(name, parts: parts) {
                let budget = RenderBudget(limit: limits.templateRepeats)
                let made = Skeleton.make(context, parts: parts, budget: budget) { library.render($0, withTemplate: name) }
                return budget.exceeded ? nil : made
            }
        }
        let text = textSkeletons.skeleton(name, parts: parts) {
            htmlSkeleton().flatMap { TextSkeleton(html: $0, strings: parts.strings.count) }
        }
        switch text?.attempt(parts.strings) {
        case .text(let filled): return filled
        case .otherLinks(let links, let folded):
            // The strings write a link otherwise than the markers did: the variant for how they write them.
            let variant = textSkeletons.skeleton(name + "\u{0}" + links.map(\.key).joined(separator: ","), parts: parts) {
                htmlSkeleton().flatMap { TextSkeleton(html: $0, strings: parts.strings.count, links: links) }
            }
            return variant?.fill(folded: folded, links: links)
        case .refused, nil: return nil
        }
    }

    /// Renders the registered template `name` for `context`: by filling the skeleton of the context's shape when
    /// `parts` (the context taken apart) is given and the template allows it, else through Mustache (`direct` keeps
    /// the Mustache value of the context between the parts of one message).
    /// Lists are rendered within ``InputLimits/templateRepeats`` items per part: past it, the render is refused.
    func render(
        _ context: TemplateValue, parts: ContextParts?, direct: inout DirectContext?, named name: String
    ) throws(RenderError) -> String? {
        if let parts, spliceable.contains(name), !parts.endsLine || indentFree.contains(name) {
            let skeleton = skeletons.skeleton(name, parts: parts) {
                let budget = RenderBudget(limit: limits.templateRepeats)
                let made = Skeleton.make(context, parts: parts, budget: budget) { library.render($0, withTemplate: name) }
                return budget.exceeded ? nil : made
            }
            if let skeleton { return skeleton.fill(parts.strings) }
        }
        if direct == nil {
            let budget = RenderBudget(limit: limits.templateRepeats)
            direct = DirectContext(value: context.mustacheValue({ $0 }, budget: budget), budget: budget)
        }
        direct!.budget.reset()
        let rendered = library.render(direct!.value, withTemplate: name)
        if direct!.budget.exceeded {
            throw RenderError(
                "Template part \(name) repeats its lists more than \(limits.templateRepeats) times in one message (lists nested in lists?); "
                    + "render fewer items or raise limits.template_repeats in liaison.yaml.")
        }
        return rendered
    }

    private func allFiles(of template: MessageTemplate) -> [TemplateFile] {
        Array(template.parts.values) + template.overrides.values.flatMap(\.values)
    }

    private func unknownPartials() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let files = templates.values.flatMap(allFiles(of:)) + Array(partials.values)
        for file in files.sorted(by: { $0.path < $1.path }) {
            for use in file.partials where partials[use.name] == nil && !endless.contains(use.name) {
                diagnostics.append(.error(
                    "template.unknown-partial",
                    "The partial \"\(use.name)\" does not exist; add templates/_partials/\(use.name).mustache or fix the name.",
                    at: use.location))
            }
        }
        return diagnostics
    }

    /// The files of `template` and every partial they reach.
    func reachableFiles(of template: MessageTemplate) -> [TemplateFile] {
        var result = allFiles(of: template)
        var seen = Set<String>()
        var queue = result.flatMap { $0.partials.map(\.name) }
        while let name = queue.popLast() {
            guard seen.insert(name).inserted, let partial = partials[name] else { continue }
            result.append(partial)
            queue += partial.partials.map(\.name)
        }
        return result
    }

    /// Catalog keys the template uses (`{{t.<key>}}`), with where each is used; partials included.
    public func messageUses(in name: String) -> [(key: String, location: SourceLocation)] {
        guard let template = templates[name] else { return [] }
        return reachableFiles(of: template).flatMap { file in
            file.tags.compactMap { tag -> (String, SourceLocation)? in
                guard let key = tag.messageKey else { return nil }
                return (key, SourceLocation(file: file.path, line: tag.line, column: tag.column, field: "t.\(key)"))
            }
        }
    }

    /// Every catalog key any template or partial uses.
    public var allMessageKeys: Set<String> {
        Set(templates.values.flatMap(allFiles(of:)).flatMap { $0.keys.union($0.studentKeys) }
            + partials.values.flatMap { $0.keys.union($0.studentKeys) })
    }

    /// Keys used by `template` outside and inside `{{#students}}`.
    func keys(for template: MessageTemplate) -> (global: Set<String>, perStudent: Set<String>) {
        var global = Set<String>()
        var perStudent = Set<String>()
        for file in reachableFiles(of: template) {
            global.formUnion(file.keys)
            perStudent.formUnion(file.studentKeys)
        }
        return (global, perStudent)
    }
}

extension TemplateFile {
    /// Scans the tags first: a shape Mustache's recursive parser or renderer cannot survive (sections nested past
    /// the limit, a section repeating inside itself, delimiters the scanner cannot follow) is refused before parsing.
    init(path: String, source: String, plainText: Bool, limits: InputLimits = .standard) throws {
        self.path = path
        self.source = source
        let tags = TemplateScanner.tags(in: source)
        try TemplateShapeError.check(tags, limits: limits, html: !plainText)
        self.template = try MustacheTemplate(string: plainText ? TemplateSet.textPragma + source : source)
        var keys = Set<String>()
        var studentKeys = Set<String>()
        var partials: [(String, SourceLocation)] = []
        var sections: [String] = []
        for tag in tags {
            switch tag.sigil {
            case "#", "^", "$":
                sections.append(tag.name)
            case "/":
                if let index = sections.lastIndex(of: tag.name) { sections.removeSubrange(index...) }
            case ">", "<":
                partials.append((tag.name, SourceLocation(file: path, line: tag.line, column: tag.column, field: "{{\(tag.sigil)\(tag.name)}}")))
                if tag.sigil == "<" { sections.append(tag.name) }
            default:
                break
            }
            if let key = tag.messageKey {
                if sections.contains("students") {
                    studentKeys.insert(key)
                } else {
                    keys.insert(key)
                }
            }
        }
        self.keys = keys
        self.studentKeys = studentKeys
        self.partials = partials
        self.tags = tags
    }
}

/// Finds the `{{…}}` tags of a template with their positions (default delimiters only).
enum TemplateScanner {
    struct Tag: Sendable {
        var sigil: String
        var name: String
        /// Lines counted by LF; the column in characters, from 1.
        var line: Int
        var column: Int
        /// Only spaces and tabs, at least one, stand before the tag on its line (Mustache indents a partial there).
        var indented: Bool = false

        /// The catalog key when the tag is `{{t.<key>}}` (also triple or `&` form).
        var messageKey: String? {
            guard sigil.isEmpty || sigil == "&" || sigil == "{", name.hasPrefix("t."), name.count > 2 else { return nil }
            return String(name.dropFirst(2))
        }
    }

    private static let sigils = Set("#^/>&<$!%{=".utf8)

    /// One pass over the UTF-8 bytes; characters are counted only for a column on a line with non-ASCII text.
    static func tags(in source: String) -> [Tag] {
        var source = source
        return source.withUTF8 { bytes in
            var tags: [Tag] = []
            var line = 1
            var lineStart = 0
            var index = 0
            let count = bytes.count
            func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
            func text(_ range: Range<Int>) -> String {
                var start = range.lowerBound, end = range.upperBound
                while start < end, isBlank(bytes[start]) { start += 1 }
                while end > start, isBlank(bytes[end - 1]) { end -= 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            }
            while index + 1 < count {
                let byte = bytes[index]
                if byte == 0x0A {
                    line += 1
                    lineStart = index + 1
                    index += 1
                    continue
                }
                guard byte == 0x7B, bytes[index + 1] == 0x7B else {
                    index += 1
                    continue
                }
                // The closing braces.
                var close = index + 2
                while close + 1 < count, !(bytes[close] == 0x7D && bytes[close + 1] == 0x7D) { close += 1 }
                guard close + 1 < count else { break }
                var bodyStart = index + 2
                while bodyStart < close, isBlank(bytes[bodyStart]) { bodyStart += 1 }
                var sigil = ""
                if bodyStart < close, sigils.contains(bytes[bodyStart]) {
                    sigil = String(UnicodeScalar(bytes[bodyStart]))
                    bodyStart += 1
                }
                var end = close + 2
                if sigil == "{", end < count, bytes[end] == 0x7D { end += 1 }
                if sigil != "!" {
                    let before = UnsafeBufferPointer(rebasing: bytes[lineStart..<index])
                    let column = before.allSatisfy { $0 < 0x80 } ? before.count + 1 : String(decoding: before, as: UTF8.self).count + 1
                    tags.append(Tag(sigil: sigil, name: text(bodyStart..<close), line: line, column: column,
                                    indented: !before.isEmpty && before.allSatisfy(isBlank)))
                }
                // Line breaks inside the tag (a comment, say) still count.
                for inner in index..<end where bytes[inner] == 0x0A {
                    line += 1
                    lineStart = inner + 1
                }
                index = end
            }
            return tags
        }
    }
}
