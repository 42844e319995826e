import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LiaisonModel

/// Reads sheets of an Excel workbook (`.xlsx`: Office Open XML, a ZIP of XML parts, as Excel, LibreOffice and
/// KoboToolbox save an XLSForm) as tables of text, so a form can be read from the file its author saved.
///
/// Every cell is text: shared and inline strings as written, numbers as stored, booleans `TRUE`/`FALSE`, a formula
/// by its saved value. A table's rows keep the sheet's row numbers as lines and its column numbers, so a problem is
/// reported at `form.xlsx#survey:12`. Bounded so that a damaged or hostile file fails with a message instead of
/// hanging or filling memory: the file, each part and all parts together, the cells of a sheet, a cell's text and a
/// sheet's text (shared strings counted at every use), rows and columns within Excel's own limits; parts must be
/// UTF-8 without a document type (so no entity is ever expanded).
public enum XLSXReader {
    /// Unpacked size allowed for one part (a sheet, the shared strings): a form is a few hundred kilobytes.
    public static let partBytes = 16 << 20
    /// Unpacked size allowed for all the parts read from one workbook.
    public static let workbookBytes = 48 << 20
    /// Cells with a value allowed in one sheet.
    public static let sheetCells = 200_000
    /// Fields of a sheet's table (rows under the header × the header's columns).
    public static let sheetFields = 2_000_000
    /// Excel's last row.
    static let maxRow = 1_048_576

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func isWorkbook(_ path: String) -> Bool { path.lowercased().hasSuffix(".xlsx") }

    /// The sheets read, by name as written, and the names of every sheet of the workbook (for a message).
    public struct Sheets: Sendable {
        public var tables: [String: CSVTable]
        public var names: [String]
    }

    /// The sheets named in `names` (compared without case; a workbook's other sheets are not read), by their name as
    /// written, each with the first row that has a value as its header; or why the file cannot be read.
    public static func sheets(path: String, names: Set<String>, limits: InputLimits = .standard) -> Result<Sheets, ReadError> {
        let bytes: [UInt8]
        switch Support.readFile(path, limit: limits.fileBytes) {
        case .problem(let diagnostic): return .failure(ReadError(description: diagnostic.message))
        case .value(let read): bytes = read
        }
        do {
            var parts = try Parts(archive: ZipReader(bytes))
            // The workbook part: where the package's relationships say, else where Excel puts it.
            let root = try parts.optional("_rels/.rels").map { Relationships.read($0, part: "_rels/.rels") } ?? []
            let workbookPath = root.first { $0.type.hasSuffix("/officeDocument") }.map { resolve($0.target, from: "") } ?? "xl/workbook.xml"
            let workbook = try parts.required(workbookPath)
            let relationsPath = relationships(of: workbookPath)
            let relations = try parts.optional(relationsPath).map { Relationships.read($0, part: relationsPath) } ?? []
            let folder = String(workbookPath.prefix(upTo: workbookPath.lastIndex(of: "/").map { workbookPath.index(after: $0) } ?? workbookPath.startIndex))
            let stringsPath = relations.first { $0.type.hasSuffix("/sharedStrings") }.map { resolve($0.target, from: folder) } ?? folder + "sharedStrings.xml"
            let strings = try parts.optional(stringsPath).map { try SharedStrings.read($0, part: stringsPath, cellBytes: limits.lineBytes) } ?? []
            let targets = Dictionary(relations.map { ($0.id, resolve($0.target, from: folder)) }, uniquingKeysWith: { first, _ in first })
            let wanted = Set(names.map { $0.lowercased() })
            var tables: [String: CSVTable] = [:]
            var read = Set<String>()
            let listed = try SheetList.read(workbook, part: workbookPath)
            for (name, id) in listed where wanted.contains(name.lowercased()) {
                guard tables.keys.allSatisfy({ $0.lowercased() != name.lowercased() }) else { continue }
                guard let target = targets[id] else { throw ReadError(description: "the sheet \(name) has no part in the workbook (relationship \(id) is missing)") }
                guard read.insert(target.lowercased()).inserted else { continue }
                let rows = try SheetRows.read(try parts.required(target), sheet: name, strings: strings, limits: limits)
                tables[name] = try table(rows, file: "\(path)#\(name)", limits: limits)
            }
            return .success(Sheets(tables: tables, names: listed.map(\.0)))
        } catch let error as ReadError {
            return .failure(error)
        } catch let error as ZipReader.ReadError {
            return .failure(ReadError(description: error.description))
        } catch {
            return .failure(ReadError(description: "it cannot be read (\(type(of: error)))"))
        }
    }

    /// Rows (sheet row number, cells by column number) as a table: the first row with a value is the header.
    static func table(_ rows: [(line: Int, cells: [Int: String])], file: String, limits: InputLimits) throws(ReadError) -> CSVTable {
        guard let headerIndex = rows.firstIndex(where: { $0.cells.values.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }) else {
            return CSVTable(file: file, header: [], records: [])
        }
        let headerRow = rows[headerIndex]
        let width = max(1, min(limits.columns, headerRow.cells.keys.max() ?? 0))
        guard (rows.count - headerIndex) * width <= sheetFields else {
            throw ReadError(description: "the sheet \(file) has more than \(sheetFields) cells under its header (rows × the header's columns)")
        }
        let header = (1...width).map { (headerRow.cells[$0] ?? "").trimmingCharacters(in: .whitespaces) }
        let records = rows[(headerIndex + 1)...].compactMap { row -> CSVRecord? in
            let fields = (1...width).map { row.cells[$0] ?? "" }
            guard fields.contains(where: { !$0.isEmpty }) else { return nil }
            return CSVRecord(line: row.line, fields: fields, fieldColumns: Array(1...width))
        }
        return CSVTable(file: file, header: header, records: records, headerLine: headerRow.line)
    }

    /// Column number of a cell reference (`C12` → 3; `AA1` → 27).
    static func column(of reference: String) -> Int? {
        var column = 0
        for scalar in reference.unicodeScalars {
            guard ("A"..."Z").contains(scalar) else { break }
            column = column * 26 + Int(scalar.value - 64)
            guard column <= 16_384 else { return nil }
        }
        return column > 0 ? column : nil
    }

    /// A relationship target as a part name: relative to `folder` (or the package root when it starts with `/`),
    /// with `.` and `..` resolved and percent-encoding undone.
    static func resolve(_ target: String, from folder: String) -> String {
        let decoded = target.removingPercentEncoding ?? target
        let joined = decoded.hasPrefix("/") ? String(decoded.dropFirst()) : folder + decoded
        var parts: [Substring] = []
        for piece in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if piece == "." { continue }
            if piece == ".." { _ = parts.popLast() } else { parts.append(piece) }
        }
        return parts.joined(separator: "/")
    }

    /// Text with Excel's `_xHHHH_` escapes (a carriage return is written `_x000D_`) undone; `_x005F_` escapes an
    /// underscore that would otherwise start one.
    static func unescaped(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "_x") {
            result += rest[..<start.lowerBound]
            let after = rest[start.upperBound...]
            let hex = after.prefix(4)
            if hex.count == 4, after.dropFirst(4).first == "_", let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                result.unicodeScalars.append(scalar)
                rest = after.dropFirst(5)
            } else {
                result += "_x"
                rest = after
            }
        }
        return result + rest
    }

    /// `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`.
    static func relationships(of part: String) -> String {
        guard let slash = part.lastIndex(of: "/") else { return "_rels/\(part).rels" }
        return "\(part[...slash])_rels/\(part[part.index(after: slash)...]).rels"
    }

    /// The parts read from one archive, within the workbook's byte budget.
    struct Parts {
        let archive: ZipReader
        var spent = 0

        mutating func optional(_ name: String) throws -> Data? {
            guard archive.contains(name) else { return nil }
            return try required(name)
        }

        mutating func required(_ name: String) throws -> Data {
            guard let bytes = try archive.data(name, limit: partBytes) else {
                throw ReadError(description: "the workbook has no \(name)")
            }
            spent += bytes.count
            guard spent <= workbookBytes else {
                throw ReadError(description: "the parts of the workbook Liaison reads come to more than \(workbookBytes >> 20) MB together")
            }
            try checkText(bytes, part: name)
            return Data(bytes)
        }

        /// Valid UTF-8 starting with `<` (after an optional byte-order mark), any declared encoding UTF-8, no document
        /// type: the parser (which expands entities) then never meets an entity to expand, in any encoding.
        private func checkText(_ bytes: [UInt8], part: String) throws {
            let notUTF8 = ReadError(description: "\(part) is not UTF-8, as a workbook's parts are")
            let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
            guard body.drop(while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }).first == 0x3C, !body.contains(0), String(validating: body, as: UTF8.self) != nil else { throw notUTF8 }
            if body.starts(with: Array("<?xml".utf8)) {
                // The declaration ends within its first kilobyte, and names UTF-8 if it names an encoding.
                guard let end = body.prefix(1024).firstRange(of: Array("?>".utf8)) else { throw notUTF8 }
                let declaration = String(decoding: body[body.startIndex..<end.lowerBound], as: UTF8.self).lowercased()
                if let encoding = declaration.range(of: "encoding") {
                    let value = declaration[encoding.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
                    guard value.hasPrefix("utf-8") || value.hasPrefix("utf8") else { throw notUTF8 }
                }
            }
            let data = Data(bytes)
            if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
                throw ReadError(description: "\(part) declares a document type, which a workbook never does")
            }
        }
    }
}

/// One SAX pass over a part: the text of the current element, and the first error with its line.
private class PartReader: NSObject, XMLParserDelegate {
    var text = ""
    var problem: String?

    func run(_ data: Data, part: String) throws {
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = self
        let parsed = parser.parse()
        if let problem { throw XLSXReader.ReadError(description: problem) }
        if !parsed {
            throw XLSXReader.ReadError(description: "\(part) is not well-formed XML (line \(parser.lineNumber))")
        }
    }

    func stop(_ parser: XMLParser, _ message: String) {
        if problem == nil { problem = message }
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, foundCDATA block: Data) { text += String(decoding: block, as: UTF8.self) }

    // Declared here so the subclasses' versions are the ones the parser calls (the conformance is this class's).
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {}
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {}
}

/// The workbook part: the sheets' names and relationship ids, in order.
private final class SheetList: PartReader {
    var sheets: [(String, String)] = []

    static func read(_ data: Data, part: String) throws -> [(String, String)] {
        let reader = SheetList()
        try reader.run(data, part: part)
        return reader.sheets
    }

    override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard local(name) == "sheet", let sheet = attributes["name"],
              let id = attributes.first(where: { local($0.key) == "id" && $0.key.contains(":") })?.value else { return }
        sheets.append((sheet, id))
    }
}

/// A part's relationships: id, type and target.
private final class Relationships: PartReader {
    var relations: [(id: String, type: String, target: String)] = []

    static func read(_ data: Data, part: String) -> [(id: String, type: String, target: String)] {
        let reader = Relationships()
        // Unreadable relationships leave the defaults (Excel's part names) to be tried.
        try? reader.run(data, part: part)
        return reader.relations
    }

    override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard local(name) == "Relationship", let id = attributes["Id"], let target = attributes["Target"] else { return }
        relations.append((id, attributes["Type"] ?? "", target))
    }
}

/// The shared strings: each `<si>`'s text (its runs joined; phonetic guides left out).
private final class SharedStrings: PartReader {
    var strings: [String] = []
    private var current = ""
    private var inPhonetic = false
    private let cellBytes: Int

    init(cellBytes: Int) { self.cellBytes = cellBytes }

    static func read(_ data: Data, part: String, cellBytes: Int) throws -> [String] {
        let reader = SharedStrings(cellBytes: cellBytes)
        try reader.run(data, part: part)
        return reader.strings
    }

    override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch local(name) {
        case "si": current = ""
        case "rPh": inPhonetic = true
        case "t": text = ""
        default: break
        }
    }

    override func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch local(name) {
        case "t": if !inPhonetic { current += text }
        case "rPh": inPhonetic = false
        case "si":
            guard current.utf8.count <= cellBytes else { return stop(parser, "a shared string is longer than \(cellBytes >> 10) kB") }
            strings.append(XLSXReader.unescaped(current))
        default: break
        }
    }
}

/// A worksheet's rows: each row's number and its cells' text by column number, within the sheet's limits.
private final class SheetRows: PartReader {
    var rows: [(line: Int, cells: [Int: String])] = []
    private let strings: [String]
    private let sheet: String
    private let cellBytes: Int
    private let textBytes: Int
    private var row = 0
    private var cells: [Int: String] = [:]
    private var cellColumn = 0
    private var cellType = "n"
    private var value = ""
    private var inline = ""
    private var count = 0
    private var spent = 0
    private var inPhonetic = false

    init(strings: [String], sheet: String, limits: InputLimits) {
        self.strings = strings
        self.sheet = sheet
        cellBytes = limits.lineBytes
        textBytes = limits.fileBytes
    }

    static func read(_ data: Data, sheet: String, strings: [String], limits: InputLimits) throws -> [(line: Int, cells: [Int: String])] {
        let reader = SheetRows(strings: strings, sheet: sheet, limits: limits)
        try reader.run(data, part: "the sheet \(sheet)")
        return reader.rows
    }

    override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch local(name) {
        case "row":
            let number = attributes["r"].map { Int($0) ?? 0 } ?? row + 1
            guard number > row, number <= XLSXReader.maxRow else {
                return stop(parser, "the sheet \(sheet) has a row numbered \(attributes["r"] ?? "\(number)") after row \(row) (line \(parser.lineNumber))")
            }
            row = number
            cells = [:]
            cellColumn = 0
        case "c":
            cellColumn = attributes["r"].flatMap(XLSXReader.column(of:)) ?? cellColumn + 1
            guard cellColumn <= 16_384 else { return stop(parser, "the sheet \(sheet) has a cell past column XFD (line \(parser.lineNumber))") }
            cellType = attributes["t"] ?? "n"
            value = ""
            inline = ""
            inPhonetic = false
        case "rPh": inPhonetic = true
        case "v", "t": text = ""
        default: break
        }
    }

    override func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch local(name) {
        case "v": value = text
        case "t": if !inPhonetic { inline += text }
        case "rPh": inPhonetic = false
        case "c":
            let cell: String
            switch cellType {
            case "s": cell = Int(value).flatMap { $0 >= 0 && $0 < strings.count ? strings[$0] : nil } ?? ""
            case "inlineStr": cell = XLSXReader.unescaped(inline)
            case "b": cell = value == "1" ? "TRUE" : (value == "0" ? "FALSE" : "")
            case "e": cell = ""
            default: cell = value
            }
            if !cell.isEmpty {
                count += 1
                if count > XLSXReader.sheetCells { return stop(parser, "the sheet \(sheet) has more than \(XLSXReader.sheetCells) cells with a value") }
            }
            let size = cell.utf8.count
            guard size <= cellBytes else { return stop(parser, "a cell of the sheet \(sheet) is longer than \(cellBytes >> 10) kB (row \(row))") }
            spent += size
            guard spent <= textBytes else { return stop(parser, "the sheet \(sheet) holds more than \(textBytes >> 20) MB of text") }
            if !cell.isEmpty { cells[cellColumn] = cell }
        case "row":
            if !cells.isEmpty { rows.append((row, cells)) }
        default: break
        }
    }
}

/// An element's name without its prefix.
private func local(_ name: String) -> Substring {
    name.split(separator: ":").last ?? Substring(name)
}
