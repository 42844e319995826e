import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonServer

@Suite("Acknowledgement pages")
struct AckPageTests {
    @Test("GET shows the page in Arabic, right to left, with one button per RSVP option")
    func arabicPage() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("open-evening", "G1")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = response.text
                #expect(html.contains("<html lang=\"ar\" dir=\"rtl\">"))
                #expect(html.contains("الأمسية المفتوحة"))
                #expect(html.contains("<p class=\"school\" dir=\"auto\">Riverside Primary School</p>"))
                #expect(html.contains("يُرجى اختيار إجابتكم"))
                #expect(html.contains("<title>الأمسية المفتوحة – Riverside Primary School</title>"))
                #expect(html.contains("<button type=\"submit\" name=\"answer\" value=\"attending\">نعم، سأحضر</button>"))
                #expect(html.contains("value=\"not-attending\""))
                #expect(html.contains("value=\"maybe\""))
                #expect(!html.contains("<script"))
            }
        }
    }

    @Test("The page follows the guardian's fallback chain: zh-Hant-HK reads zh-Hant, pt-BR the school's English")
    func fallbackChain() async throws {
        let fixture = try Fixture()
        let hongKong = try await fixture.token("open-evening", "G4")
        let brazil = try await fixture.token("open-evening", "G5")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(hongKong)", method: .get) { response in
                #expect(response.text.contains("<html lang=\"zh-Hant\" dir=\"ltr\">"))
                #expect(response.text.contains("請選擇您的回覆"))
            }
            try await client.execute(uri: "/a/\(brazil)", method: .get) { response in
                #expect(response.text.contains("<html lang=\"en\" dir=\"ltr\">"))
                #expect(response.text.contains("Please choose your answer"))
                #expect(response.text.contains(">Yes, I will come</button>"))
            }
        }
    }

    @Test("GET never records anything")
    func getDoesNotRecord() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("newsletter", "G2")
        try await fixture.test { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/a/\(token)", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.text.contains("value=\"read\""))
                    #expect(response.text.contains("<html lang=\"en\" dir=\"ltr\">"))
                }
            }
        }
        #expect(try await fixture.ledger.acknowledgement(eventID: "newsletter", guardianID: "G2") == nil)
        #expect(try await fixture.ledger.history(eventID: "newsletter", guardianID: "G2").isEmpty)
    }

    @Test("POST records the answer, a second POST changes it, and GET then shows it")
    func postRecordsAndChanges() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("open-evening", "G2")
        try await fixture.test { client in
            let (headers, body) = form("answer=attending")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("Anna"))
                #expect(response.text.contains("Yes, I will come"))
            }
            let (headers2, body2) = form("answer=not-attending")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers2, body: body2) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.text.contains("No, I cannot come"))
            }
        }
        let current = try await fixture.ledger.acknowledgement(eventID: "open-evening", guardianID: "G2")
        #expect(current?.answer == "not-attending")
        #expect(current?.via == "page")
        #expect(try await fixture.ledger.history(eventID: "open-evening", guardianID: "G2").map(\.answer) == ["attending", "not-attending"])
    }

    @Test("The read button records read")
    func readButton() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("newsletter", "G3")
        try await fixture.test { client in
            let (headers, body) = form("answer=read")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("<html lang=\"ru\" dir=\"ltr\">"))
            }
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(!response.text.contains("<button"))
            }
        }
        #expect(try await fixture.ledger.acknowledgement(eventID: "newsletter", guardianID: "G3")?.answer == "read")
    }

    @Test("POST after the event started answers a too-late page and records nothing")
    func tooLate() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("sports-day", "G2")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(!response.text.contains("<button"))
                #expect(response.text.contains("+44 20 7946 0000"))
            }
            let (headers, body) = form("answer=attending")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .conflict)
                #expect(response.text.contains("+44 20 7946 0000"))
            }
        }
        #expect(try await fixture.ledger.acknowledgement(eventID: "sports-day", guardianID: "G2") == nil)
    }

    @Test("An answer that is not offered is refused with 400, another content type with 415")
    func invalidAnswer() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("open-evening", "G1")
        try await fixture.test { client in
            let (headers, body) = form("answer=bogus")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("dir=\"rtl\""))
            }
            try await client.execute(
                uri: "/a/\(token)", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "answer=attending")
            ) { response in
                #expect(response.status == .unsupportedMediaType)
            }
        }
        #expect(try await fixture.ledger.acknowledgement(eventID: "open-evening", guardianID: "G1") == nil)
    }

    @Test("An unknown token answers a 404 page in the school's language")
    func unknownToken() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            try await client.execute(uri: "/a/not-a-token", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.text.contains("<html lang=\"en\" dir=\"ltr\">"))
                #expect(response.text.contains("+44 20 7946 0000"))
            }
            let (headers, body) = form("answer=read")
            try await client.execute(uri: "/a/not-a-token", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("Every response carries the security headers")
    func securityHeaders() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("open-evening", "G1")
        try await fixture.test { client in
            for uri in ["/a/\(token)", "/a/unknown", "/healthz", "/no-such-route"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.headers[.cacheControl] == "no-store")
                    #expect(response.headers[HeaderName("Referrer-Policy")!] == "no-referrer")
                    #expect(response.headers[HeaderName("X-Content-Type-Options")!] == "nosniff")
                    #expect(response.headers[HeaderName("X-Frame-Options")!] == "DENY")
                    let csp = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(csp.contains("default-src 'none'"))
                    #expect(!csp.contains("script-src"))
                }
            }
        }
    }

    @Test("A failing ledger answers a plain 500, with the security headers")
    func failingLedger() async throws {
        let site = AckSite(
            school: makeSchool(), events: makeEvents(), roster: makeRoster(), catalogs: catalogs, ledger: FailingLedger())
        let http = LiaisonHTTP(site: { site }, apiTokens: [apiToken], now: { now })
        try await RouterClient.run(http.router()) { client in
            try await client.execute(uri: "/a/sometoken", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(!response.text.contains("disk"))
            }
        }
    }

    @Test("The application serves the pages on a real socket")
    func live() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("open-evening", "G3")
        try await LiveClient.run({ fixture.http.application(host: "127.0.0.1", port: 0, onRunning: $0) }) { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("<html lang=\"ru\" dir=\"ltr\">"))
            }
            let (headers, body) = form("answer=attending")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("Спасибо, Olga."))
            }
        }
        #expect(try await fixture.ledger.acknowledgement(eventID: "open-evening", guardianID: "G3")?.answer == "attending")
    }

    @Test("A hostile event title is escaped")
    func escaping() async throws {
        let fixture = try Fixture(title: LocalizedText("<script>alert(\"x\")</script> & 'more'"))
        let token = try await fixture.token("open-evening", "G2")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(!response.text.contains("<script>"))
                #expect(response.text.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39;"))
            }
        }
    }

    @Test("Form bodies decode")
    func formParsing() {
        #expect(AckPages.parseForm("answer=not-attending&x=1") == ["answer": "not-attending", "x": "1"])
        #expect(AckPages.parseForm("answer=a+b%26c&answer=second") == ["answer": "a b&c"])
        #expect(AckPages.mediaType(of: "Application/X-WWW-Form-Urlencoded; charset=UTF-8") == "application/x-www-form-urlencoded")
    }

    /// Issue 16: a page formats dates exactly as the letters do: a British family read from the `en` catalog sees
    /// "Sunday 13 December 2026 at 18:00" (en-GB), not the US "December 13, 2026 at 6:00 PM".
    @Test("Pages format dates as the letters do (en-GB from the en catalog)")
    func pageDatesFollowTheLetters() async throws {
        var roster = makeRoster()
        roster = Roster(
            families: roster.families,
            guardians: roster.guardians + [Guardian(id: "G6", familyID: "F2", givenName: "Tom", familyName: "Smith", language: "en-GB")],
            students: roster.students, guardianships: roster.guardianships)
        let fixture = try Fixture(roster: roster)
        let token = try await fixture.token("open-evening", "G6")
        let event = try #require(makeEvents().first)
        let british = LocaleFormatter(locale: "en-GB", timeZone: london).dateTime(event.start)
        let american = LocaleFormatter(locale: "en", timeZone: london).dateTime(event.start)
        #expect(british != american)
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.text.contains("<html lang=\"en\" dir=\"ltr\">"))
                #expect(response.text.contains(HTML.escape(british)), "\(british)")
                #expect(!response.text.contains(HTML.escape(american)))
            }
        }
    }

    /// Issue 16: the office's phone number reads in order on Arabic and Persian pages ("+44 20 7946 0000", not
    /// "0000 7946 20 44+"): it is isolated left to right inside the sentence.
    @Test("The office phone is isolated left to right on right-to-left pages")
    func phoneIsIsolated() throws {
        let site = AckSite(school: makeSchool(), events: makeEvents(), roster: makeRoster(), catalogs: catalogs, ledger: try SQLiteAckLedger.inMemory())
        for language: LanguageTag in ["ar", "fa", "en"] {
            let text = PageText(site: site, language: language)
            let sentence = text("ack.page.not_found", ["phone": .string(text.officeContact)])
            #expect(sentence.contains("\u{2066}+44 20 7946 0000\u{2069}"), "\(language): \(sentence)")
        }
    }
}

/// An alert's note is on the acknowledgement page too: a family reached by SMS only reads it there, marked when it
/// is in another language than the page.
@Suite struct AlertNotePageTests {
    @Test func theNoteIsShownAndMarked() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        var alert = Event(
            id: "sickness-s1", kind: .alert, title: LocalizedText("Your child is unwell", translations: ["ar": "طفلكم متوعّك"]),
            start: now.addingTimeInterval(-600), timeZone: london, audience: .everyone, template: "alert-sickness", priority: .urgent)
        alert.data = ["note": .string("Yusuf has a temperature of 38.4 °C & is resting.")]
        let site = AckSite(school: makeSchool(), events: [alert], roster: makeRoster(), catalogs: catalogs, ledger: ledger)
        let http = LiaisonHTTP(site: { site }, apiTokens: [apiToken], now: { now })
        let arabic = try await ledger.issueToken(eventID: alert.id, occurrence: "\(alert.id)@1", guardianID: "G1", now: now)
        let english = try await ledger.issueToken(eventID: alert.id, occurrence: "\(alert.id)@1", guardianID: "G2", now: now)
        try await RouterClient.run(http.router()) { client in
            try await client.execute(uri: "/a/\(arabic)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains(
                    "<blockquote class=\"note\"><span lang=\"en\" dir=\"ltr\">Yusuf has a temperature of 38.4 °C &amp; is resting.</span> "
                        + "<span class=\"language-label\">(الإنجليزية)</span></blockquote>"))
            }
            try await client.execute(uri: "/a/\(english)", method: .get) { response in
                #expect(response.text.contains("<blockquote class=\"note\">Yusuf has a temperature of 38.4 °C &amp; is resting.</blockquote>"))
            }
        }
    }
}

/// A page message the reader's catalog lacks is shown in the language it falls back to, marked and labelled there
/// (Somali has no ack.page.change_until), never passed off as Somali.
@Suite struct PageFallbackTests {
    @Test func aSomaliPageMarksItsEnglishMessages() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        let roster = Roster(
            families: [Family(id: "F9", name: "Warsame")],
            guardians: [Guardian(id: "G9", familyID: "F9", givenName: "Hodan", familyName: "Warsame", language: "so")],
            students: [], guardianships: [])
        let site = AckSite(school: makeSchool(), events: makeEvents(), roster: roster, catalogs: catalogs, ledger: ledger)
        let http = LiaisonHTTP(site: { site }, apiTokens: [apiToken], now: { now })
        let token = try await ledger.issueToken(eventID: "open-evening", occurrence: "open-evening@1", guardianID: "G9", now: now)
        try await RouterClient.run(http.router()) { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("<html lang=\"so\""))
                #expect(response.text.contains("<p class=\"note\"><span lang=\"en\" dir=\"ltr\">"), "\(response.text)")
                #expect(response.text.contains("<span class=\"language-label\">(Ingiriisi)</span>"))
                #expect(!response.text.unicodeScalars.contains { (0xE010...0xE012).contains($0.value) })
            }
        }
    }
}

/// The RSVP choices are one group named by the question, with the current answer pressed.
@Suite struct RSVPGroupTests {
    @Test func theCurrentAnswerIsPressed() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("open-evening", "G2")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.text.contains("<fieldset>\n<legend>"))
                #expect(!response.text.contains("aria-pressed"))
            }
            let (headers, body) = form("answer=maybe")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { #expect($0.status == .ok) }
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.text.contains("value=\"maybe\" class=\"current\" aria-pressed=\"true\"><span aria-hidden=\"true\">✓ </span>"))
                #expect(response.text.components(separatedBy: "aria-pressed").count == 2)
            }
        }
    }
}

/// Each page's title names the event and what happened, in the reader's language.
@Suite struct PageTitleTests {
    @Test func titlesNameTheEventAndTheOutcome() async throws {
        let fixture = try Fixture()
        let russian = try await fixture.token("open-evening", "G3")
        let late = try await fixture.token("sports-day", "G2")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(russian)", method: .get) { response in
                #expect(response.text.contains("<title>Open evening – Riverside Primary School</title>"), "\(response.text)")
            }
            let (headers, body) = form("answer=attending")
            try await client.execute(uri: "/a/\(russian)", method: .post, headers: headers, body: body) { response in
                #expect(response.text.contains("<title>Спасибо: Open evening</title>"))
            }
            let (badHeaders, badBody) = form("answer=dancing")
            try await client.execute(uri: "/a/\(russian)", method: .post, headers: badHeaders, body: badBody) { response in
                #expect(response.text.contains("<title>Ответ не записан: Open evening</title>"))
            }
            try await client.execute(uri: "/a/\(late)", method: .get) { response in
                #expect(response.text.contains("<title>Answers are closed: Sports Day</title>"))
            }
        }
    }
}
