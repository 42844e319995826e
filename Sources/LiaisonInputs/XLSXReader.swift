import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LiaisonModel
import ZIPFoundation

/// Reads the sheets of an Excel workbook (`.xlsx`: Office Open XML, a ZIP of XML parts, as Excel, LibreOffice and
/// KoboToolbox save an XLSForm) as tables of text, so a form can be read from the file its author saved.
///
/// Every cell is text: shared and inline strings as written, numbers as stored, booleans `TRUE`/`FALSE`, a formula
/// by its saved value. A table's rows keep the sheet's row numbers as lines and its column numbers, so a problem is
/// reported at `form.xlsx#survey:12`. Bounded: the file, each part it unpacks and the number of cells have limits
/// (a ZIP that claims a small size and unpacks to gigabytes is stopped at the limit).
public enum XLSXReader {
    /// Unpacked size allowed for one part (a sheet, the shared strings): a form is a few hundred kilobytes.
    public static let partBytes = 16 << 20
    /// Cells allowed in one sheet.
    public static let sheetCells = 200_000

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func isWorkbook(_ path: String) -> Bool { path.lowercased().hasSuffix(".xlsx") }

    /// The workbook's sheets by name (as written), each with the first row that has a value as its header; or why
    /// the file cannot be read.
    public static func sheets(path: String, limits: InputLimits = .standard) -> Result<[String: CSVTable], ReadError> {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > limits.fileBytes {
                return .failure(ReadError(description: "the file is larger than \(limits.fileBytes >> 20) MB"))
            }
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
            let workbook = try part("xl/workbook.xml", of: archive)
            let relations = try part("xl/_rels/workbook.xml.rels", of: archive)
            let strings = try optionalPart("xl/sharedStrings.xml", of: archive).map(SharedStrings.read) ?? []
            let targets = Relationships.read(relations)
            var tables: [String: CSVTable] = [:]
            for (name, id) in SheetList.read(workbook) {
                guard let target = targets[id] else { continue }
                let location = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
                let rows = try SheetRows.read(try part(location, of: archive), strings: strings)
                tables[name] = table(rows, file: "\(path)#\(name)", limits: limits)
            }
            return .success(tables)
        } catch let error as ReadError {
            return .failure(error)
        } catch {
            return .failure(ReadError(description: "it is not an Excel workbook (.xlsx) that can be read (\(type(of: error)))"))
        }
    }

    /// Rows (sheet row number, cells by column number) as a table: the first row with a value is the header.
    static func table(_ rows: [(line: Int, cells: [Int: String])], file: String, limits: InputLimits) -> CSVTable {
        guard let headerIndex = rows.firstIndex(where: { $0.cells.values.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }) else {
            return CSVTable(file: file, header: [], records: [])
        }
        let headerRow = rows[headerIndex]
        let width = min(limits.columns, headerRow.cells.keys.max() ?? 0)
        let header = (1...max(width, 1)).map { (headerRow.cells[$0] ?? "").trimmingCharacters(in: .whitespaces) }
        let records = rows[(headerIndex + 1)...].compactMap { row -> CSVRecord? in
            let fields = (1...max(width, 1)).map { row.cells[$0] ?? "" }
            guard fields.contains(where: { !$0.isEmpty }) else { return nil }
            return CSVRecord(line: row.line, fields: fields, fieldColumns: Array(1...max(width, 1)))
        }
        return CSVTable(file: file, header: header, records: records, headerLine: headerRow.line)
    }

    private static func part(_ path: String, of archive: Archive) throws -> Data {
        guard let data = try optionalPart(path, of: archive) else {
            throw ReadError(description: "the workbook has no \(path)")
        }
        return data
    }

    /// A part unpacked, refused beyond ``partBytes`` whatever the ZIP directory claims.
    private static func optionalPart(_ path: String, of archive: Archive) throws -> Data? {
        guard let entry = archive[path] else { return nil }
        guard entry.uncompressedSize <= UInt64(partBytes) else {
            throw ReadError(description: "\(path) unpacks to more than \(partBytes >> 20) MB")
        }
        var data = Data()
        _ = try archive.extract(entry, skipCRC32: false) { chunk in
            guard data.count + chunk.count <= partBytes else {
                throw ReadError(description: "\(path) unpacks to more than \(partBytes >> 20) MB")
            }
            data.append(chunk)
        }
        // A workbook's parts never declare a DTD; one that does is not expanded (entity bombs), only refused.
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw ReadError(description: "\(path) declares a document type, which a workbook never does")
        }
        return data
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
}

/// One SAX pass over a part: the element path and the text of the current element.
private class PartReader: NSObject, XMLParserDelegate {
    var text = ""
    var failed = false

    func run(_ data: Data) {
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = self
        if !parser.parse() { failed = true }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    // Declared here so the subclasses' versions are the ones the parser calls (the conformance is this class's).
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {}
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {}
}

/// `xl/workbook.xml`: the sheets' names and relationship ids, in order.
private final class SheetList: PartReader {
    var sheets: [(String, String)] = []

    static func read(_ data: Data) -> [(String, String)] {
        let reader = SheetList()
        reader.run(data)
        return reader.sheets
    }

    override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard local(name) == "sheet", let sheet = attributes["name"],
              let id = attributes.first(where: { local($0.key) == "id" && $0.key.contains(":") })?.value else { return }
        sheets.append((sheet, id))
    }
}

/// `xl/_rels/workbook.xml.rels`: where each relationship id points.
private final class Relationships: PartReader {
    var targets: [String: String] = [:]

    static func read(_ data: Data) -> [String: String] {
        let reader = Relationships()
        reader.run(data)
        return reader.targets
    }

    override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard local(name) == "Relationship", let id = attributes["Id"], let target = attributes["Target"] else { return }
        targets[id] = target
    }
}

/// `xl/sharedStrings.xml`: each `<si>`'s text (its runs joined; phonetic guides left out).
private final class SharedStrings: PartReader {
    var strings: [String] = []
    private var current = ""
    private var inPhonetic = false

    static func read(_ data: Data) -> [String] {
        let reader = SharedStrings()
        reader.run(data)
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
        case "si": strings.append(current)
        default: break
        }
    }
}

/// A worksheet's rows: each row's number and its cells' text by column number.
private final class SheetRows: PartReader {
    var rows: [(line: Int, cells: [Int: String])] = []
    private let strings: [String]
    private var row = 0
    private var cells: [Int: String] = [:]
    private var cellColumn = 0
    private var cellType = "n"
    private var value = ""
    private var inline = ""
    private var count = 0
    var tooLarge = false

    init(strings: [String]) { self.strings = strings }

    static func read(_ data: Data, strings: [String]) throws -> [(line: Int, cells: [Int: String])] {
        let reader = SheetRows(strings: strings)
        reader.run(data)
        if reader.tooLarge { throw XLSXReader.ReadError(description: "a sheet has more than \(XLSXReader.sheetCells) cells") }
        if reader.failed { throw XLSXReader.ReadError(description: "a sheet is not well-formed XML") }
        return reader.rows
    }

    override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch local(name) {
        case "row":
            row = attributes["r"].flatMap { Int($0) } ?? row + 1
            cells = [:]
            cellColumn = 0
        case "c":
            cellColumn = attributes["r"].flatMap(XLSXReader.column(of:)) ?? cellColumn + 1
            cellType = attributes["t"] ?? "n"
            value = ""
            inline = ""
            count += 1
            if count > XLSXReader.sheetCells {
                tooLarge = true
                parser.abortParsing()
            }
        case "v", "t": text = ""
        default: break
        }
    }

    override func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch local(name) {
        case "v": value = text
        case "t": inline += text
        case "c":
            let cell: String
            switch cellType {
            case "s": cell = Int(value).flatMap { $0 >= 0 && $0 < strings.count ? strings[$0] : nil } ?? ""
            case "inlineStr": cell = inline
            case "b": cell = value == "1" ? "TRUE" : "FALSE"
            case "e": cell = ""
            default: cell = value
            }
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
