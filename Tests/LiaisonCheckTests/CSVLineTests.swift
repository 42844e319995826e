import Testing
import LiaisonCheck

@Suite struct CSVLineTests {
    @Test func plainCellsStayAsTheyAre() {
        #expect(CSVLine.join(["G1", "Layla Haddad", "ar", ""]) == "G1,Layla Haddad,ar,")
    }

    /// A relay's multi-line reply (CRLF, one Character in Swift), a lone CR or LF, a comma or a quote makes a quoted cell.
    @Test func cellsThatWouldBreakTheLineAreQuoted() {
        #expect(CSVLine.join(["451 4.7.1 first\r\n451 4.7.1 second", "x"]) == "\"451 4.7.1 first\r\n451 4.7.1 second\",x")
        #expect(CSVLine.join(["a\rb", "c\nd"]) == "\"a\rb\",\"c\nd\"")
        #expect(CSVLine.join(["Haddad, Layla", "say \"hi\""]) == "\"Haddad, Layla\",\"say \"\"hi\"\"\"")
    }
}
