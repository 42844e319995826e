import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore

/// The desk's page frame: a skip link, the school's name, the sections the member of staff may open, who is signed
/// in with a sign-out button, then the page. No script and no external resource; one inline stylesheet with a
/// print variant (the Not reached list is printed for phoning).
enum DeskLayout {
    struct Section {
        let path: String
        let key: String
        let action: DeskAccess.Action?
    }

    static let sections = [
        Section(path: "/desk", key: "desk.nav.today", action: nil),
        Section(path: "/desk/events", key: "desk.nav.events", action: .followMessages),
        Section(path: "/desk/meetings", key: "desk.nav.meetings", action: .followMessages),
        Section(path: "/desk/compose", key: "desk.nav.compose", action: .compose),
        Section(path: "/desk/alerts", key: "desk.nav.alerts", action: .alerts),
        Section(path: "/desk/not-reached", key: "desk.nav.not_reached", action: .recordPhoneCall),
        Section(path: "/desk/families", key: "desk.nav.families", action: .families),
        Section(path: "/desk/health", key: "desk.nav.health", action: .health),
        Section(path: "/desk/staff", key: "desk.nav.staff", action: .manageStaff),
    ]

    /// A whole desk page. `current` is the path of the section shown (marked `aria-current`).
    static func page(
        _ text: DeskText, title: String, user: DeskUser?, current: String?, body: String, schoolName: String
    ) -> String {
        var header = "<header class=\"top\">\n<p class=\"school\">\(HTML.escape(schoolName)) · \(text.html("desk.name"))</p>\n"
        if let user {
            header += "<nav aria-label=\"\(text.html("desk.nav.label"))\"><ul>\n"
            for section in sections where section.action.map(user.access.may) ?? true {
                let mark = section.path == current ? " aria-current=\"page\"" : ""
                header += "<li><a href=\"\(section.path)\"\(mark)>\(text.html(section.key))</a></li>\n"
            }
            header += "</ul></nav>\n"
            header += "<form method=\"post\" action=\"/desk/logout\" class=\"signout\">\(user.csrfField)"
                + "<span>\(text.html("desk.signed_in_as", ["name": .string(user.staff.name), "role": .string(text("desk.role.\(user.staff.role.rawValue)"))]))</span> "
                + "<button type=\"submit\">\(text.html("desk.sign_out"))</button></form>\n"
        }
        header += "</header>\n"
        let opening = HTML.opening(
            lang: text.language.rawValue, rtl: text.isRightToLeft, title: "\(title) – \(text("desk.name"))", style: style,
            extraHead: user == nil ? "" : "<script src=\"\(DeskScript.path)\" defer></script>")
        return """
            \(opening)
            <body data-live-pause="\(text.html("desk.live.pause"))" data-live-resume="\(text.html("desk.live.resume"))">
            <a class="skip" href="#main">\(text.html("desk.skip_to_content"))</a>
            \(header)<main id="main" tabindex="-1">
            <h1>\(HTML.escape(title))</h1>
            \(body)
            </main>
            </body>
            </html>
            """
    }

    /// Delivery counts as a table: a row per value of `row` among `tallies` (in order, named by `rowName`), a column
    /// per state; captioned by the catalog message `caption`, the rows' column headed by `rowHeader`.
    static func tallyTable(
        _ tallies: [DeliveryTally], row: (DeliveryTally) -> String, rowName: (String) -> String, states: [DeliveryState],
        caption: String, rowHeader: String, text: DeskText
    ) -> String {
        var html = "<table><caption>\(text.html(caption))</caption><thead><tr><th scope=\"col\">\(text.html(rowHeader))</th>"
        for state in states { html += "<th scope=\"col\">\(text.html("desk.state.\(state.rawValue)"))</th>" }
        html += "</tr></thead><tbody>\n"
        for value in Array(Set(tallies.map(row))).sorted() {
            html += "<tr><th scope=\"row\">\(HTML.escape(rowName(value)))</th>"
            for state in states {
                html += "<td>\(HTML.escape(text.integer(tallies.filter { row($0) == value && $0.state == state }.reduce(0) { $0 + $1.count })))</td>"
            }
            html += "</tr>\n"
        }
        return scrolling(html + "</tbody></table>", label: text(caption))
    }

    /// A part of a page the desk's script refreshes in place (`id` must be unique on the page).
    /// `announce`: a screen reader reads the change out (a status line; never a whole table).
    static func live(_ id: String, announce: Bool = false, _ html: String) -> String {
        "<div id=\"\(id)\" data-live\(announce ? " aria-live=\"polite\"" : "")>\(html)</div>\n"
    }

    /// A wide table in a region that scrolls sideways on a phone: focusable, so a keyboard can scroll it, and named.
    static func scrolling(_ table: String, label: String) -> String {
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"\(HTML.escape(label))\">\(table)</div>\n"
    }

    /// Colours meet WCAG AA contrast (4.5:1 for text) on white; focus is always visible; tables scroll sideways on a
    /// phone instead of squeezing; logical properties keep the layout right in Arabic.
    static let style =
        "body{font-family:system-ui,sans-serif;font-size:1rem;line-height:1.5;margin:0;color:#1a1a1a;background:#fff}"
        + "main{padding:0 1rem 2rem;max-width:72rem}main:focus{outline:none}"
        + ".top{background:#1e3a5f;color:#fff;padding:.5rem 1rem}.top a{color:#fff}.school{margin:0;font-weight:bold}"
        + "code.secret{word-break:break-all;font-size:1.05em}"
        + "nav ul{list-style:none;margin:.3rem 0;padding:0;display:flex;flex-wrap:wrap;gap:.2rem 1rem}"
        + "nav a{display:inline-block;padding:.4rem 0;min-height:24px}nav a[aria-current=page]{font-weight:bold;text-decoration-thickness:3px}"
        + ".signout{margin:.2rem 0}.signout button{background:none;color:#fff;border:1px solid #fff;padding:.2rem .6rem;min-height:32px}"
        + ".skip{position:absolute;inset-inline-start:-999px}.skip:focus{position:static;display:block;padding:.5rem;background:#ffd;color:#000}"
        + "h1{font-size:1.5rem;margin:1rem 0 .5rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}"
        + "a{color:#0b4f9c}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible"
        + "{outline:3px solid #b45309;outline-offset:2px}"
        + ".scroll{overflow-x:auto}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #999;padding:.3rem .5rem;text-align:start;vertical-align:top}"
        + "th{background:#eef2f7}caption{text-align:start;font-weight:bold;padding:.3rem 0}"
        + "label{display:block;margin:.6rem 0 .2rem;font-weight:bold}"
        + "input,select,textarea{font:inherit;padding:.4rem;border:1px solid #555;border-radius:3px;max-width:100%;box-sizing:border-box}"
        + "input[type=text],input[type=password],input[type=search],select,textarea{width:24rem}"
        + "button{font:inherit;padding:.45rem 1rem;min-height:44px;border-radius:3px;border:1px solid #1e3a5f;background:#1e3a5f;color:#fff;cursor:pointer}"
        + "button.secondary{background:#fff;color:#1e3a5f}button.danger{background:#9b1c1c;border-color:#9b1c1c}"
        + ".inline{display:inline}.message{padding:.6rem .8rem;border-inline-start:5px solid #1e3a5f;background:#eef2f7}"
        + ".error{border-color:#9b1c1c;background:#fdecec}.ok{border-color:#166534;background:#e8f5ec}"
        + ".muted{color:#4a4a4a}.urgent{color:#9b1c1c;font-weight:bold}.figure{font-size:1.6rem;font-weight:bold}"
        + ".cards{display:flex;flex-wrap:wrap;gap:1rem}.card{border:1px solid #999;border-radius:4px;padding:.6rem .8rem;min-width:12rem}"
        + ".household{border-top:2px solid #1e3a5f;padding:.4rem 0;break-inside:avoid}.household h3{margin:.2rem 0;font-size:1.05rem}"
        + "ul.contacts{margin:.2rem 0;padding-inline-start:1.2rem}"
        + ".live-toggle{min-height:32px;padding:.2rem .6rem;margin:0 0 .5rem}"
        + ".preview{flex:1 1 18rem;max-width:36rem}.letter{white-space:pre-wrap;border:1px solid #ccc;padding:.5rem;background:#fafafa;font-size:.95rem}"
        + "@media print{.top,.skip,form,.no-print{display:none}body{font-size:11pt}main{padding:0}a{color:#000;text-decoration:none}"
        + ".household{page-break-inside:avoid}}"
}
