import Foundation
import Hummingbird
import HummingbirdTesting
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonServer

@Suite("Unsubscribe pages (RFC 8058)")
struct UnsubscribePageTests {
    func unsubscribeToken(_ fixture: Fixture, _ guardian: String) async throws -> String {
        try await fixture.ledger.issueUnsubscribeTokens(category: .newsletters, occurrence: "newsletter@1", guardianIDs: [guardian], now: now)[guardian]!
    }

    /// The reported failure: the one-click link of every newsletter answered 404. A mail client's POST of
    /// `List-Unsubscribe=One-Click` records the opt-out at once, with no further step.
    @Test("One-click POST records the opt-out at once")
    func oneClick() async throws {
        let fixture = try Fixture()
        let token = try await unsubscribeToken(fixture, "G2")
        #expect(!token.contains("G2"), "the link names no roster id")
        try await fixture.test { client in
            let (headers, body) = form("List-Unsubscribe=One-Click")
            try await client.execute(uri: "/u/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("You will no longer receive the school’s newsletters"))
            }
            // Again: still fine, nothing more recorded.
            try await client.execute(uri: "/u/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await fixture.ledger.optedOut(category: .newsletters) == ["G2"])
        #expect(try await fixture.ledger.optOuts(guardianID: "G2").map(\.via) == ["link"])
    }

    /// Mail scanners fetch links: GET shows a page in the guardian's language with a button, and records nothing.
    @Test("GET shows a localized page with a button and records nothing")
    func getPage() async throws {
        let fixture = try Fixture()
        let token = try await unsubscribeToken(fixture, "G1")
        try await fixture.test { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/u/\(token)", method: .get) { response in
                    #expect(response.status == .ok)
                    let html = response.text
                    #expect(html.contains("<html lang=\"ar\" dir=\"rtl\">"))
                    #expect(html.contains("إيقاف النشرات الإخبارية"))
                    #expect(html.contains("<form method=\"post\">"))
                    #expect(html.contains("name=\"List-Unsubscribe\" value=\"One-Click\""))
                    #expect(!html.contains("<script"))
                }
            }
            #expect(try await fixture.ledger.optedOut(category: .newsletters).isEmpty)
            // The page's button posts the one-click form; afterwards the page says it is done.
            let (headers, body) = form("List-Unsubscribe=One-Click")
            try await client.execute(uri: "/u/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.text.contains("لن تصلك النشرات الإخبارية للمدرسة بعد الآن"))
            }
            try await client.execute(uri: "/u/\(token)", method: .get) { response in
                #expect(!response.text.contains("<form"))
                #expect(response.text.contains("لن تصلك النشرات الإخبارية"))
            }
        }
    }

    @Test("Unknown tokens are 404; a POST without the one-click field records nothing")
    func refusals() async throws {
        let fixture = try Fixture()
        let token = try await unsubscribeToken(fixture, "G2")
        // An acknowledgement token is not an unsubscribe token.
        let ackToken = try await fixture.token("newsletter", "G2")
        try await fixture.test { client in
            try await client.execute(uri: "/u/\(ackToken)", method: .get) { response in #expect(response.status == .notFound) }
            try await client.execute(uri: "/u/nothing-here", method: .get) { response in #expect(response.status == .notFound) }
            let (headers, body) = form("List-Unsubscribe=Maybe")
            try await client.execute(uri: "/u/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try await fixture.ledger.optedOut(category: .newsletters).isEmpty)
    }
}
