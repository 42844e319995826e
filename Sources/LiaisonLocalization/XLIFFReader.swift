import CLibXML2
import CXMLShim
import Foundation
import LiaisonModel

/// Reads XLIFF 2.0 and 1.2 documents with libxml2 (no network, no external entities, entities left unexpanded).
enum XLIFFReader {
    static let namespace20 = "urn:oasis:names:tc:xliff:document:2.0"
    static let namespace12 = "urn:oasis:names:tc:xliff:document:1.2"

    /// One translation unit.
    struct Unit {
        var id: String
        var source: String
        /// nil when the unit has no `<target>`.
        var target: String?
        /// A target exists, is not empty, and no segment is `state="initial"` (2.0) / `new`, `needs-translation` (1.2).
        var isTranslated: Bool
        var note: String?
        var line: Int
    }

    /// Units sharing a source and a target language: the whole document in 2.0, one `<file>` in 1.2.
    struct Section {
        var sourceLanguage: LanguageTag
        /// nil for a source catalog.
        var targetLanguage: LanguageTag?
        var units: [Unit]
        var line: Int
    }

    /// Reads every XLIFF file (`*.xliff`, `*.xlf`, not hidden) of each folder in name order, each within the file size
    /// limit; a folder that does not exist gives nothing. `what` names the files in a size error ("catalog").
    static func readFolders(
        _ directories: [String], limits: InputLimits, what: String
    ) -> (files: [(folder: Int, path: String, sections: [Section])], diagnostics: [Diagnostic]) {
        var files: [(folder: Int, path: String, sections: [Section])] = []
        var diagnostics: [Diagnostic] = []
        for (folder, directory) in directories.enumerated() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() where CatalogSet.isCatalogFile(name) {
                let path = CatalogSet.join(directory, name)
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
                else { continue }
                if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limits.fileBytes {
                    diagnostics.append(.error("limit.file-size", "The \(what) is \(size) bytes. \(limits.advice(.fileBytes))", at: SourceLocation(file: path)))
                    continue
                }
                guard let data = FileManager.default.contents(atPath: path) else {
                    diagnostics.append(.error("catalog.xml-syntax", "cannot read the file", at: SourceLocation(file: path)))
                    continue
                }
                let (sections, problems) = read(data, file: path)
                diagnostics += problems
                files.append((folder, path, sections))
            }
        }
        return (files, diagnostics)
    }

    static func read(_ data: Data, file: String) -> (sections: [Section], diagnostics: [Diagnostic]) {
        cxml_initialize()
        var diagnostics: [Diagnostic] = []
        guard let document = parse(data, file: file, diagnostics: &diagnostics) else { return ([], diagnostics) }
        defer { xmlFreeDoc(document) }

        guard let root = xmlDocGetRootElement(document), localName(root) == "xliff" else {
            diagnostics.append(.error("catalog.not-xliff", "the root element is not <xliff>", at: SourceLocation(file: file, line: 1)))
            return ([], diagnostics)
        }
        let rootLine = line(root)
        let version = attribute(root, "version")
        let ns = namespace(root)
        if ns == namespace20 || (ns == nil && version?.hasPrefix("2.") == true) {
            return (read20(root, namespace: ns, file: file, diagnostics: &diagnostics), diagnostics)
        }
        if ns == namespace12 || (ns == nil && version?.hasPrefix("1.") == true) {
            return (read12(root, namespace: ns, file: file, diagnostics: &diagnostics), diagnostics)
        }
        let found = ns.map { "namespace \($0)" } ?? "no namespace or version"
        diagnostics.append(
            .error(
                "catalog.not-xliff", "not an XLIFF 1.2 or 2.0 document (\(found))",
                at: SourceLocation(file: file, line: rootLine)))
        return ([], diagnostics)
    }

    // MARK: XLIFF 2.0

    private static func read20(
        _ root: xmlNodePtr, namespace ns: String?, file: String, diagnostics: inout [Diagnostic]
    ) -> [Section] {
        let rootLine = line(root)
        guard let (source, target) = languages(
            of: root, sourceAttribute: "srcLang", targetAttribute: "trgLang", file: file, diagnostics: &diagnostics)
        else { return [] }
        var units: [Unit] = []
        func collect(_ container: xmlNodePtr) {
            for child in children(container, namespace: ns) {
                switch localName(child) {
                case "unit": if let unit = unit20(child, namespace: ns, file: file, diagnostics: &diagnostics) { units.append(unit) }
                case "group", "file": collect(child)
                default: break
                }
            }
        }
        collect(root)
        return [Section(sourceLanguage: source, targetLanguage: target, units: units, line: rootLine)]
    }

    private static func unit20(
        _ node: xmlNodePtr, namespace ns: String?, file: String, diagnostics: inout [Diagnostic]
    ) -> Unit? {
        guard let id = unitID(node, file: file, diagnostics: &diagnostics) else { return nil }
        var source = ""
        var target = ""
        var hasTarget = false
        var untranslated = false
        var segments = 0
        var notes: [String] = []
        for child in children(node, namespace: ns) {
            switch localName(child) {
            case "notes":
                notes += children(child, namespace: ns).filter { localName($0) == "note" }.map(text)
            case "segment", "ignorable":
                let isSegment = localName(child) == "segment"
                let parts = children(child, namespace: ns)
                let segmentSource = parts.first { localName($0) == "source" }.map(text) ?? ""
                let segmentTarget = parts.first { localName($0) == "target" }.map(text)
                source += segmentSource
                if isSegment {
                    segments += 1
                    if let segmentTarget { hasTarget = true; target += segmentTarget }
                    let state = attribute(child, "state")
                    if state == "initial" || (segmentTarget ?? "").isEmpty && !segmentSource.isEmpty {
                        untranslated = true
                    }
                } else {
                    target += segmentTarget ?? segmentSource
                }
            default:
                break
            }
        }
        return Unit(
            id: id, source: source, target: hasTarget ? target : nil,
            isTranslated: segments > 0 && hasTarget && !untranslated && !target.isEmpty,
            note: notes.isEmpty ? nil : notes.joined(separator: "\n"), line: line(node))
    }

    // MARK: XLIFF 1.2

    private static func read12(
        _ root: xmlNodePtr, namespace ns: String?, file: String, diagnostics: inout [Diagnostic]
    ) -> [Section] {
        var sections: [Section] = []
        for fileNode in children(root, namespace: ns) where localName(fileNode) == "file" {
            guard let (source, target) = languages(
                of: fileNode, sourceAttribute: "source-language", targetAttribute: "target-language", file: file,
                diagnostics: &diagnostics)
            else { continue }
            var units: [Unit] = []
            func collect(_ container: xmlNodePtr) {
                for child in children(container, namespace: ns) {
                    switch localName(child) {
                    case "trans-unit":
                        if let unit = unit12(child, namespace: ns, file: file, diagnostics: &diagnostics) { units.append(unit) }
                    case "body", "group": collect(child)
                    default: break
                    }
                }
            }
            collect(fileNode)
            sections.append(Section(sourceLanguage: source, targetLanguage: target, units: units, line: line(fileNode)))
        }
        return sections
    }

    private static let untranslatedStates12: Set<String> = ["new", "needs-translation"]

    private static func unit12(
        _ node: xmlNodePtr, namespace ns: String?, file: String, diagnostics: inout [Diagnostic]
    ) -> Unit? {
        guard let id = unitID(node, file: file, diagnostics: &diagnostics) else { return nil }
        let parts = children(node, namespace: ns)
        let source = parts.first { localName($0) == "source" }.map(text) ?? ""
        let targetNode = parts.first { localName($0) == "target" }
        let target = targetNode.map(text)
        let state = targetNode.flatMap { attribute($0, "state") }
        let notes = parts.filter { localName($0) == "note" }.map(text)
        let translated = !(target ?? "").isEmpty && !untranslatedStates12.contains(state ?? "")
        return Unit(
            id: id, source: source, target: target, isTranslated: translated,
            note: notes.isEmpty ? nil : notes.joined(separator: "\n"), line: line(node))
    }

    // MARK: Shared

    private static func languages(
        of node: xmlNodePtr, sourceAttribute: String, targetAttribute: String, file: String,
        diagnostics: inout [Diagnostic]
    ) -> (LanguageTag, LanguageTag?)? {
        let at = SourceLocation(file: file, line: line(node), field: sourceAttribute)
        guard let sourceText = attribute(node, sourceAttribute), !sourceText.trimmingCharacters(in: .whitespaces).isEmpty
        else {
            diagnostics.append(
                .error(
                    "catalog.missing-language", "<\(localName(node))> names no source language (\(sourceAttribute))",
                    at: at))
            return nil
        }
        guard let source = LanguageTag(sourceText) else {
            diagnostics.append(
                .error("catalog.invalid-language", "\(sourceAttribute)=\"\(sourceText)\" is not a BCP 47 language tag", at: at))
            return nil
        }
        guard let targetText = attribute(node, targetAttribute), !targetText.trimmingCharacters(in: .whitespaces).isEmpty
        else { return (source, nil) }
        guard let target = LanguageTag(targetText) else {
            diagnostics.append(
                .error(
                    "catalog.invalid-language", "\(targetAttribute)=\"\(targetText)\" is not a BCP 47 language tag",
                    at: at.field(targetAttribute)))
            return nil
        }
        return (source, target)
    }

    private static func unitID(_ node: xmlNodePtr, file: String, diagnostics: inout [Diagnostic]) -> String? {
        if let id = attribute(node, "id"), !id.isEmpty { return id }
        diagnostics.append(
            .error(
                "catalog.not-xliff", "<\(localName(node))> without an id (the id is the message key); skipped",
                at: SourceLocation(file: file, line: line(node), field: "id")))
        return nil
    }

    // MARK: libxml2

    /// The first error libxml2 reports while parsing.
    private final class ParseErrors {
        var first: (line: Int, column: Int?, message: String)?
    }

    private static func parse(_ data: Data, file: String, diagnostics: inout [Diagnostic]) -> xmlDocPtr? {
        let errors = ParseErrors()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_NOCDATA.rawValue)
        var bytes = [UInt8](data)
        let count = bytes.count
        bytes.append(0)
        var document: xmlDocPtr?
        var wellFormed = false
        bytes.withUnsafeBufferPointer { buffer in
            do {
                let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
                // A push parser lets the error handler be installed before anything is read. The first four bytes
                // go in first so that libxml2 detects the encoding (byte-order mark, UTF-16) from them.
                let head = min(4, count)
                guard let context = xmlCreatePushParserCtxt(nil, nil, base, Int32(head), file) else { return }
                defer { xmlFreeParserCtxt(context) }
                xmlCtxtUseOptions(context, options)
                context.pointee._private = Unmanaged.passUnretained(errors).toOpaque()
                context.pointee.sax.pointee.serror = { userData, error in
                    guard let userData, let error, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
                    let context = userData.assumingMemoryBound(to: xmlParserCtxt.self)
                    guard let box = context.pointee._private else { return }
                    let errors = Unmanaged<ParseErrors>.fromOpaque(box).takeUnretainedValue()
                    guard errors.first == nil else { return }
                    let message = error.pointee.message.map { String(cString: $0) } ?? "XML error \(error.pointee.code)"
                    errors.first = (
                        Int(error.pointee.line), error.pointee.int2 > 0 ? Int(error.pointee.int2) : nil,
                        message.trimmingCharacters(in: .whitespacesAndNewlines)
                    )
                }
                _ = xmlParseChunk(context, base + head, Int32(count - head), 1)
                document = context.pointee.myDoc
                wellFormed = context.pointee.wellFormed != 0
                context.pointee.myDoc = nil
                context.pointee._private = nil
            }
        }
        if wellFormed, let document {
            // Entities a catalog declares for itself are expanded wherever their text is read: 20,000 uses of one
            // 10 kB entity is 200 MB per read. A catalog has no use for them; the five XML ones still work.
            guard let subset = document.pointee.intSubset, subset.pointee.entities != nil || subset.pointee.pentities != nil else {
                return document
            }
            xmlFreeDoc(document)
            let line = data.firstRange(of: Data("<!ENTITY".utf8)).map { data[..<$0.lowerBound].count(where: { $0 == 0x0A }) + 1 } ?? 1
            diagnostics.append(.error(
                "catalog.entity",
                "The catalog declares its own entities (<!ENTITY …>), which Liaison does not expand; write the text itself (&amp;, &lt;, &gt;, &quot;, &apos; and &#…; still work).",
                at: SourceLocation(file: file, line: line)))
            return nil
        }
        if let document { xmlFreeDoc(document) }
        let first = errors.first ?? (1, nil, "not well-formed XML")
        diagnostics.append(
            .error(
                "catalog.xml-syntax", "XML syntax error: \(first.message)",
                at: SourceLocation(file: file, line: max(first.line, 1), column: first.column)))
        return nil
    }

    static func localName(_ node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    static func namespace(_ node: xmlNodePtr) -> String? {
        node.pointee.ns?.pointee.href.map { String(cString: $0) }
    }

    static func line(_ node: xmlNodePtr) -> Int {
        Int(xmlGetLineNo(node))
    }

    /// Element children in `ns` (nil: in no namespace); elements of other namespaces (extensions) are skipped.
    static func children(_ node: xmlNodePtr, namespace ns: String?) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE, namespace(current) == ns { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { cxml_free(value) }
        return String(cString: value)
    }

    /// The text content, inline elements (`<ph>`, `<pc>`, `<g>`) included.
    static func text(_ node: xmlNodePtr) -> String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { cxml_free(content) }
        return String(cString: content)
    }
}
