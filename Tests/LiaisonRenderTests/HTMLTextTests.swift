import Testing
@testable import LiaisonRender

@Suite struct HTMLTextTests {
    @Test func headingsParagraphsAndLinks() {
        let html = """
        <!DOCTYPE html><html lang="en"><head><title>x</title><style>p{color:red}</style></head>
        <body><h1>Sports   Day</h1>
        <p>Dear Layla,</p>
        <p>Sports Day is on <strong>Friday</strong>.<br>Please bring water.</p>
        <p><a href="https://liaison.example/a/abc">I have read this</a></p>
        <p>Write to <a href="mailto:office@school.example">office@school.example</a>.</p>
        <script>alert(1)</script>
        </body></html>
        """
        let expected = """
        Sports Day
        ==========

        Dear Layla,

        Sports Day is on Friday.
        Please bring water.

        I have read this <https://liaison.example/a/abc>

        Write to office@school.example.

        """
        #expect(HTMLText.plainText(fromHTML: html) == expected)
    }

    @Test func listsAndTables() {
        let html = """
        <h2>Bring</h2><ul><li>Water bottle</li><li>Sun hat<ul><li>with a name label</li></ul></li></ul>
        <ol start="3"><li>First</li><li>Second</li></ol>
        <table><tr><th>Subject</th><th>Mark</th></tr><tr><td>Maths</td><td>A</td></tr></table>
        """
        let expected = """
        Bring
        -----

        - Water bottle
        - Sun hat
          - with a name label

        3. First
        4. Second

        Subject | Mark
        Maths | A

        """
        #expect(HTMLText.plainText(fromHTML: html) == expected)
    }

    @Test func rightToLeftTextAndEntitiesSurvive() {
        let html = "<html lang=\"ar\" dir=\"rtl\"><body><p>عزيزتي ليلى،</p><p>A &amp; B &lt;3</p></body></html>"
        #expect(HTMLText.plainText(fromHTML: html) == "عزيزتي ليلى،\n\nA & B <3\n")
    }

    @Test func emptyInput() {
        #expect(HTMLText.plainText(fromHTML: "") == "")
        #expect(HTMLText.plainText(fromHTML: "<p>  </p>") == "")
    }
}
