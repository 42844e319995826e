import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonServer

@Suite("Gateway API, health and metrics")
struct APITests {
    @Test("The API refuses a request without a bearer token or with a wrong one")
    func unauthorized() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            for bearer in [nil, "wrong-token", apiToken + "x", String(apiToken.dropLast())] {
                let (headers, body) = json(#"{"event": "open-evening", "guardian": "G1", "answer": "attending"}"#, bearer: bearer)
                try await client.execute(uri: "/v1/acks", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
            }
            try await client.execute(uri: "/v1/events/open-evening/acks", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
        #expect(try await fixture.ledger.acknowledgements(eventID: "open-evening").isEmpty)
    }

    @Test("The API records by token and by event and guardian, and lists the answers")
    func records() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("newsletter", "G3")
        try await fixture.test { client in
            let (headers, body) = json(#"{"token": "\#(token)", "answer": "read"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.text.contains(#""outcome":"recorded""#))
                #expect(response.text.contains(#""guardian":"G3""#))
            }
            let (headers2, body2) = json(#"{"event": "open-evening", "guardian": "G1", "answer": "attending", "via": "sms"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers2, body: body2) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains(#""outcome":"recorded""#))
            }
            let (headers3, body3) = json(#"{"event": "open-evening", "guardian": "G1", "answer": "maybe", "via": "sms"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers3, body: body3) { response in
                #expect(response.text.contains(#""outcome":"changed""#))
                #expect(response.text.contains(#""previous":"attending""#))
            }
            let (headers4, body4) = json(#"{"event": "open-evening", "guardian": "G1", "answer": "perhaps"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers4, body: body4) { response in
                #expect(response.status == .badRequest)
            }
            let (headers5, body5) = json(#"{"event": "sports-day", "guardian": "G1", "answer": "attending"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers5, body: body5) { response in
                #expect(response.status == .conflict)
                #expect(response.text.contains(#""outcome":"too-late""#))
            }
            let (headers6, body6) = json(#"{"event": "open-evening", "guardian": "G404", "answer": "maybe"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers6, body: body6) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(
                uri: "/v1/events/open-evening/acks", method: .get, headers: [.authorization: "Bearer \(apiToken)"]
            ) { response in
                #expect(response.status == .ok)
                let reply = try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any]
                let acks = reply?["acknowledgements"] as? [[String: Any]]
                #expect(acks?.count == 1)
                #expect(acks?.first?["guardian"] as? String == "G1")
                #expect(acks?.first?["answer"] as? String == "maybe")
                #expect(acks?.first?["via"] as? String == "sms")
            }
        }
        #expect(try await fixture.ledger.acknowledgement(eventID: "newsletter", guardianID: "G3")?.via == "api")
    }

    @Test("The API wants JSON it understands")
    func badRequests() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            var (headers, body) = json(#"{"event": "open-evening", "guardian": "G1", "answer": "maybe"}"#)
            headers[.contentType] = "text/plain"
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            for text in ["not json", #"{"answer": "read"}"#, #"{"event": "open-evening", "guardian": "G1"}"#,
                         #"{"event": "open-evening", "guardian": "G1", "answer": "maybe", "via": "SMS gateway!"}"#] {
                let (headers, body) = json(text)
                try await client.execute(uri: "/v1/acks", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .badRequest, "\(text)")
                    #expect(response.text.contains(#""error":"#))
                }
            }
            let (headers2, body2) = json(#"{"token": "no-such-token", "answer": "read"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers2, body: body2) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(
                uri: "/v1/events/no-such-event/acks", method: .get, headers: [.authorization: "Bearer \(apiToken)"]
            ) { response in
                #expect(response.status == .notFound)
            }
        }
        #expect(try await fixture.ledger.acknowledgements(eventID: "open-evening").isEmpty)
    }

    @Test("Only guardians in the event's audience can be answered for, and page and staff cannot be claimed as via")
    func audienceAndVia() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            // G2 has no children at the school: open-evening (everyone) was never sent to them.
            let (headers, body) = json(#"{"event": "open-evening", "guardian": "G2", "answer": "attending", "via": "sms"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .forbidden)
                #expect(response.text.contains("not-in-audience"))
            }
            for via in ["page", "staff", "office"] {
                let (headers, body) = json(#"{"event": "open-evening", "guardian": "G1", "answer": "attending", "via": "\#(via)"}"#)
                try await client.execute(uri: "/v1/acks", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .badRequest, "\(via)")
                }
            }
            let (headers2, body2) = json(#"{"event": "open-evening", "guardian": "G1", "answer": "attending", "via": "voice"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers2, body: body2) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await fixture.ledger.acknowledgement(eventID: "open-evening", guardianID: "G2") == nil)
        #expect(try await fixture.ledger.acknowledgement(eventID: "open-evening", guardianID: "G1")?.via == "voice")
    }

    @Test("Links stop working after the event's lifetime, and for a guardian no longer on the roster")
    func linksExpire() async throws {
        // sports-day was yesterday: with links kept 12 hours after an event, its link no longer works.
        let short = try Fixture(links: LinkLifetime(afterEvent: .seconds(12 * 3600)))
        let old = try await short.token("sports-day", "G1")
        let current = try await short.token("open-evening", "G1")
        try await short.test { client in
            try await client.execute(uri: "/a/\(old)", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/a/\(current)", method: .get) { response in
                #expect(response.status == .ok)
            }
            let (headers, body) = json(#"{"token": "\#(old)", "answer": "read"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .notFound)
            }
        }
        // The family left: G1 is gone from the roster, and so are their links.
        let roster = makeRoster()
        let left = try Fixture(roster: Roster(
            families: roster.families, guardians: roster.guardians.filter { $0.id != "G1" }, students: roster.students, guardianships: []))
        let token = try await left.token("open-evening", "G1")
        try await left.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
        #expect(try await short.ledger.acknowledgement(eventID: "sports-day", guardianID: "G1") == nil)
    }

    @Test("healthz is always ok; readyz waits for the site")
    func health() async throws {
        try await Fixture().test { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text == "ok\n")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        try await Fixture(loaded: false).test { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test("metrics counts acknowledgements by via, requests by route and status, and the outbox by state")
    func metrics() async throws {
        let fixture = try Fixture()
        let token = try await fixture.token("open-evening", "G2")
        try await fixture.test { client in
            let (headers, body) = form("answer=attending")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { _ in }
            let (headers2, body2) = json(#"{"event": "open-evening", "guardian": "G1", "answer": "attending", "via": "sms"}"#)
            try await client.execute(uri: "/v1/acks", method: .post, headers: headers2, body: body2) { _ in }
            try await client.execute(uri: "/a/unknown", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(apiToken)"]) { response in
                #expect(response.status == .ok)
                let text = response.text
                #expect(text.contains(#"liaison_acknowledgements_total{via="page"} 1"#))
                #expect(text.contains(#"liaison_acknowledgements_total{via="sms"} 1"#))
                #expect(text.contains(#"liaison_http_requests_total{route="/a/{token}",method="POST",status="200"} 1"#))
                #expect(text.contains(#"liaison_http_requests_total{route="/a/{token}",method="GET",status="404"} 1"#))
                #expect(text.contains(#"liaison_outbox_deliveries{state="queued"} 0"#))
                #expect(!text.contains(token))
            }
        }
    }

    /// Reported: `/metrics` answered anyone who reached the acknowledgement pages' address, giving away queue depths,
    /// delivery counts by language and request rates.
    @Test("metrics on the main address want the API token; the metrics address serves them alone, without one")
    func metricsAreNotPublic() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            for bearer in [nil, "Bearer wrong-token", "Basic \(apiToken)"] {
                var headers = HTTPFields()
                if let bearer { headers[.authorization] = bearer }
                try await client.execute(uri: "/metrics", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(bearer ?? "no token")")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    #expect(!response.text.contains("liaison_"))
                }
            }
        }
        try await RouterClient.run(fixture.http.metricsRouter()) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains(#"liaison_outbox_deliveries{state="queued"} 0"#))
            }
            for uri in ["/v1/events", "/a/anything", "/healthz"] {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(apiToken)"]) { response in
                    #expect(response.status == .notFound, "the metrics address serves nothing else: \(uri)")
                }
            }
        }
    }

    @Test("Secrets compare in full")
    func constantTime() {
        #expect(constantTimeEquals("abc", "abc"))
        #expect(!constantTimeEquals("abc", "abd"))
        #expect(!constantTimeEquals("abc", "abcd"))
        #expect(!constantTimeEquals("", "a"))
    }
}
