import Foundation
import LiaisonModel
import LiaisonTestSupport
import Testing
@testable import LiaisonInputs

@Suite struct CSVReaderTests {
    @Test func quotedCommasAndDoubledQuotes() throws {
        let (table, diagnostics) = csv("id,name,note\n1,\"Nguyễn \"\"Tony\"\" Văn\",\"a, b, c\"\n")
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        let t = try #require(table)
        #expect(t.header == ["id", "name", "note"])
        #expect(t.records.count == 1)
        #expect(t.records[0].fields == ["1", "Nguyễn \"Tony\" Văn", "a, b, c"])
        #expect(t.value("name", in: t.records[0]) == "Nguyễn \"Tony\" Văn")
        #expect(t.value("NOTE", in: t.records[0]) == "a, b, c")
        #expect(t.value("missing", in: t.records[0]) == nil)
    }

    @Test(arguments: ["\r\n", "\n", "\r"])
    func lineBreaksInsideQuotesKeepLineNumbers(_ newline: String) throws {
        let text = ["id,comment", "1,\"first line", "second line", "third\"", "2,plain", "3,\"x\"\"", "y\""].joined(separator: newline) + newline
        let (table, diagnostics) = csv(text)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        let t = try #require(table)
        #expect(t.records.map(\.line) == [2, 5, 6])
        #expect(t.records[0].fields[1] == "first line\nsecond line\nthird")
        #expect(t.records[2].fields[1] == "x\"\ny")
        #expect(t.records[1].fields == ["2", "plain"])
    }

    @Test func fieldLinesAndColumnsOfMultiLineRecords() throws {
        let (table, _) = csv("a,b,c\nx,\"one\ntwo\",z\n")
        let record = try #require(table?.records.first)
        #expect(record.fieldLines == [2, 2, 3])
        #expect(record.fieldColumns[0] == 1)
        #expect(record.fieldColumns[1] == 3)
        #expect(table!.location(of: "c", in: record).line == 3)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let (table, diagnostics) = CSVReader.read([0xEF, 0xBB, 0xBF] + Array("id,name\n1,Ana\n".utf8), file: "bom.csv")
        #expect(diagnostics.isEmpty)
        #expect(table?.header == ["id", "name"])
        #expect(table?.value("id", in: table!.records[0]) == "1")
    }

    @Test func lineEndingsAndMissingFinalNewlineGiveTheSameRecords() throws {
        let variants = ["id,name\r\n1,Ana\r\n2,Bo\r\n", "id,name\n1,Ana\n2,Bo\n", "id,name\n1,Ana\n2,Bo", "id,name\r1,Ana\r2,Bo", "id,name\r\n1,Ana\r\n2,Bo"]
        for text in variants {
            let (table, diagnostics) = csv(text)
            #expect(diagnostics.isEmpty)
            #expect(table?.records.map(\.fields) == [["1", "Ana"], ["2", "Bo"]], "\(text.debugDescription)")
            #expect(table?.records.map(\.line) == [2, 3])
        }
    }

    @Test func emptyFieldsAndBlankLines() throws {
        let (table, diagnostics) = csv("a,b,c\n\n1,,3\n   \n\"\",x,\n,,\n4,\"\",6")
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        let t = try #require(table)
        #expect(t.records.map(\.fields) == [["1", "", "3"], ["", "x", ""], ["4", "", "6"]])
        #expect(t.records.map(\.line) == [3, 5, 7])
    }

    @Test func valuesAreTrimmedAndSpacesAroundQuotesTolerated() throws {
        let (table, diagnostics) = csv("a,b\n  x  , \"y, z\" \n")
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        let t = try #require(table)
        #expect(t.value("a", in: t.records[0]) == "x")
        #expect(t.value("b", in: t.records[0]) == "y, z")
    }

    @Test func unterminatedQuoteAtEndOfFileNamesTheOpeningLine() throws {
        let (table, diagnostics) = csv("id,name\n1,Ana\n2,\"Bo\n3,Cy\n4,Di")
        let error = try #require(diagnostics.first("csv.unterminated-quote"))
        #expect(error.location?.line == 3)
        #expect(error.location?.column == 3)
        #expect(error.location?.field == "name")
        // Reading resumes on the line after the opening quote.
        #expect(table?.records.map(\.fields) == [["1", "Ana"], ["3", "Cy"], ["4", "Di"]])
    }

    @Test func brokenHeaderGivesNoTable() {
        let (table, diagnostics) = csv("id,\"name\n1,Ana\n")
        #expect(table == nil)
        #expect(diagnostics.codes == ["csv.unterminated-quote"])
        #expect(diagnostics.first?.location?.line == 1)
    }

    @Test func strayQuotes() throws {
        let (table, diagnostics) = csv("id,name\n1,Ab\"c\n2,\"Bo\"x\n3,Cy\n")
        let stray = diagnostics.with("csv.stray-quote")
        #expect(stray.count == 2)
        #expect(stray[0].location?.line == 2)
        #expect(stray[0].location?.column == 5)
        #expect(stray[0].location?.field == "name")
        #expect(stray[1].location?.line == 3)
        #expect(stray[1].location?.column == 7)
        #expect(table?.records.map(\.fields) == [["3", "Cy"]])
    }

    @Test func fieldCountMismatch() throws {
        let (table, diagnostics) = csv("a,b,c\n1,2\n1,2,3\n1,2,3,4\n")
        let errors = diagnostics.with("csv.field-count")
        #expect(errors.map { $0.location?.line } == [2, 4])
        #expect(errors[1].location?.column == 7)
        #expect(errors[0].message.contains("2 fields"))
        #expect(table?.records.count == 1)
        #expect(table?.rejected.count == 2)
    }

    @Test func invalidUTF8NamesLineColumnAndField() throws {
        var bytes = Array("id,name\n1,Ana\n2,Jos".utf8)
        bytes.append(0xE9)  // Latin-1 é
        bytes += Array("\n3,Cy\n".utf8)
        let (table, diagnostics) = CSVReader.read(bytes, file: "latin1.csv")
        let error = try #require(diagnostics.first("csv.invalid-utf8"))
        #expect(error.location?.line == 3)
        #expect(error.location?.column == 6)
        #expect(error.location?.field == "name")
        #expect(error.message.contains("0xE9"))
        #expect(diagnostics.count == 1)
        #expect(table?.records.count == 3)
    }

    @Test func utf16IsRefused() {
        let (table, diagnostics) = CSVReader.read([0xFF, 0xFE, 0x61, 0x00], file: "u16.csv")
        #expect(table == nil)
        #expect(diagnostics.codes == ["csv.invalid-utf8"])
    }

    @Test func emptyFileHasNoHeader() {
        for text in ["", "\n\n  \n", "\u{FEFF}"] {
            let (table, diagnostics) = csv(text)
            #expect(table == nil)
            #expect(diagnostics.codes == ["csv.empty-file"])
        }
    }

    @Test func headerOnlyIsAnEmptyTable() throws {
        let (table, diagnostics) = csv("id,name\n")
        #expect(diagnostics.isEmpty)
        #expect(table?.records.isEmpty == true)
    }

    @Test func duplicateColumn() {
        let (table, diagnostics) = csv("id,name,Name\n1,a,b\n")
        let error = diagnostics.first("csv.duplicate-column")
        #expect(error?.location?.line == 1)
        #expect(error?.location?.field == "Name")
        #expect(table.map { $0.value("name", in: $0.records[0]) } == "a")
    }

    @Test func missingFileIsReported() {
        let (table, diagnostics) = CSVReader.read(contentsOf: "/nonexistent/liaison/x.csv")
        #expect(table == nil)
        #expect(diagnostics.codes == ["config.missing-file"])
    }

    @Test func randomInputNeverCrashesAndKeepsInvariants() {
        var generator = SeededGenerator(seed: 42)
        let alphabet: [[UInt8]] = [[0x2C], [0x22], [0x22, 0x22], [0x0D], [0x0A], [0x0D, 0x0A], [0x61], [0x20], [0xC3, 0xA9], [0xFF], [0xE2, 0x82]]
        for _ in 0..<400 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<200, using: &generator) {
                bytes += alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
            }
            let (table, diagnostics) = CSVReader.read(bytes, file: "fuzz.csv")
            if let table {
                for record in table.records {
                    #expect(record.fields.count == table.header.count)
                    #expect(record.line >= table.headerLine)
                    #expect(record.fieldLines.allSatisfy { $0 >= record.line })
                }
            }
            for diagnostic in diagnostics {
                #expect(diagnostic.location?.file == "fuzz.csv")
            }
        }
    }
}
