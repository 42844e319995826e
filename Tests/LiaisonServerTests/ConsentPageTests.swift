import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonServer

/// A permission slip's page: a yes or no for each of the household's children the event concerns, signed with a typed
/// name; refused without a name or a choice, changeable until the deadline, closed after it.
@Suite("Permission slip pages")
struct ConsentPageTests {
    /// Layla Haddad (Arabic) has Yusuf in 3A and Mariam in 4B; Anna Smith has Tom in 4B. The trip is for grades 3 and 4.
    static func roster() -> Roster {
        var roster = makeRoster()
        roster = Roster(
            families: roster.families, guardians: roster.guardians,
            students: [
                Student(id: "S1", givenName: "Yusuf", familyName: "Haddad", grade: "3", className: "3A"),
                Student(id: "S2", givenName: "Mariam", familyName: "Haddad", grade: "4", className: "4B"),
                Student(id: "S3", givenName: "Tom", familyName: "Smith", grade: "4", className: "4B"),
            ],
            guardianships: [
                Guardianship(guardianID: "G1", studentID: "S1"), Guardianship(guardianID: "G1", studentID: "S2"),
                Guardianship(guardianID: "G2", studentID: "S3"),
            ])
        return roster
    }

    /// The roster with a second home for Mariam (her father, Omar, family F9) and Layla's partner Sami (F1), guardian
    /// of Yusuf only.
    static func blendedRoster() -> Roster {
        let base = roster()
        return Roster(
            families: base.families + [Family(id: "F9", name: "Haddad (father)")],
            guardians: base.guardians + [
                Guardian(id: "G9", familyID: "F9", givenName: "Omar", familyName: "Haddad", language: "en"),
                Guardian(id: "G6", familyID: "F1", givenName: "Sami", familyName: "Nasser", language: "en"),
            ],
            students: base.students,
            guardianships: base.guardianships + [Guardianship(guardianID: "G9", studentID: "S2"), Guardianship(guardianID: "G6", studentID: "S1")])
    }

    static func trip(deadline: TimeInterval = 3 * day, statement: FormText? = .key("consent.statement.outing")) -> Event {
        var event = Event(
            id: "trip", kind: .announcement, title: LocalizedText("Museum visit", translations: ["ar": "زيارة المتحف"]),
            start: now.addingTimeInterval(5 * day), timeZone: london, audience: Audience(grades: ["3", "4"]), template: "permission",
            plan: NotificationPlan(sendAt: [now.addingTimeInterval(-2 * day), now.addingTimeInterval(day)]))
        event.consent = ConsentSettings(deadline: now.addingTimeInterval(deadline), statement: statement)
        return event
    }

    @Test("The page asks for each of the household's children, in Arabic, with the statement; a signed answer is kept per child")
    func answer() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try Fixture(roster: Self.roster(), extraEvents: [Self.trip()], forms: forms)
        let token = try await fixture.token("trip", "G1")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                #expect(html.contains("<html lang=\"ar\" dir=\"rtl\">"))
                #expect(html.contains("name=\"c.S1\" value=\"given\"") && html.contains("name=\"c.S2\" value=\"refused\""))
                #expect(!html.contains("c.S3"), "another family's child is not on this household's slip")
                #expect(html.contains("id=\"name\" name=\"name\""))
                #expect(!html.contains("<script"))
            }
            let (headers, body) = form("c.S1=given&c.S2=refused&c.S3=given&name=%E2%80%AELayla%20%20Haddad%0A")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("role=\"status\""))
                #expect(response.text.contains("name=\"c.S1\" value=\"given\" checked"))
                #expect(response.text.contains("name=\"c.S2\" value=\"refused\" checked"))
            }
        }
        let records = try await forms.consents(eventID: "trip")
        #expect(records.count == 2, "Tom is not Layla's child: his field is ignored")
        #expect(Set(records.map(\.studentID)) == ["S1", "S2"])
        #expect(records.allSatisfy { $0.typedName == "Layla Haddad" && $0.guardianID == "G1" && $0.familyID == "F1" && $0.answeredAt == now })
        let ack = try await fixture.ledger.acknowledgement(eventID: "trip", guardianID: "G1")
        #expect(ack?.answer == "read", "answering the slip counts as reading the letter")
    }

    @Test("Without a name or without a choice nothing is kept, and the page says what is missing, keeping what was chosen")
    func refused() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try Fixture(roster: Self.roster(), extraEvents: [Self.trip()], forms: forms)
        let token = try await fixture.token("trip", "G1")
        try await fixture.test { client in
            let (headers, body) = form("c.S1=given&name=%20%09")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("role=\"alert\""))
                #expect(response.text.contains("href=\"#name\""))
                #expect(response.text.contains("name=\"c.S1\" value=\"given\" checked"))
            }
            let (headers2, body2) = form("c.S1=maybe&name=Layla")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers2, body: body2) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("href=\"#child-0\""))
                #expect(response.text.contains("value=\"Layla\""))
            }
        }
        #expect(try await forms.consents(eventID: "trip").isEmpty)
    }

    @Test("An answer changed before the deadline replaces the first, which stays in the history; after the deadline the page only shows")
    func changeAndClose() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let first = ConsentRecord(
            eventID: "trip", studentID: "S2", familyID: "F1", guardianID: "G1", decision: .refused, typedName: "L. Haddad",
            answeredAt: now.addingTimeInterval(-3600))
        #expect(try await forms.recordConsent([first], deadline: now.addingTimeInterval(day), now: now.addingTimeInterval(-3600)))
        let fixture = try Fixture(roster: Self.roster(), extraEvents: [Self.trip()], forms: forms)
        let token = try await fixture.token("trip", "G1")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.text.contains("name=\"c.S2\" value=\"refused\" checked"))
                #expect(response.text.contains("L. Haddad"))
            }
            let (headers, body) = form("c.S2=given&name=Layla%20Haddad")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
            }
        }
        let records = try await forms.consents(eventID: "trip")
        #expect(records.map(\.decision) == [.refused, .given])
        #expect(ConsentTally.current(records)["S2"]?.decision == .given)

        let closed = try Fixture(roster: Self.roster(), extraEvents: [Self.trip(deadline: -day)], forms: forms)
        let closedToken = try await closed.token("trip", "G1")
        try await closed.test { client in
            try await client.execute(uri: "/a/\(closedToken)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(!response.text.contains("<form"))
                #expect(response.text.contains("Layla Haddad"))
            }
            let (headers, body) = form("c.S2=refused&name=Layla")
            try await client.execute(uri: "/a/\(closedToken)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .conflict)
            }
        }
        #expect(try await forms.consents(eventID: "trip").count == 2)
    }

    @Test("The school's own statement in another language than the page's is marked as such")
    func inlineStatement() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let statement = FormText.inline(LocalizedText("The coach leaves at nine."))
        let fixture = try Fixture(roster: Self.roster(), extraEvents: [Self.trip(statement: statement)], forms: forms)
        let token = try await fixture.token("trip", "G1")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.text.contains("The coach leaves at nine."))
                #expect(response.text.contains("lang=\"en\""), "English on an Arabic page is labelled with its language")
            }
        }
    }

    @Test("A guardian answers for their own children only; another household's answer shows without its name, and its refusal counts")
    func twoHomes() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let refusal = ConsentRecord(
            eventID: "trip", studentID: "S2", familyID: "F9", guardianID: "G9", decision: .refused, typedName: "Omar Haddad", answeredAt: now.addingTimeInterval(-60))
        _ = try await forms.recordConsent([refusal], deadline: now.addingTimeInterval(day), now: now.addingTimeInterval(-60))
        let fixture = try Fixture(roster: Self.blendedRoster(), extraEvents: [Self.trip()], forms: forms)
        let sami = try await fixture.token("trip", "G6")
        let layla = try await fixture.token("trip", "G1")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(sami)", method: .get) { response in
                #expect(response.text.contains("c.S1") && !response.text.contains("c.S2"), "Sami is not Mariam's guardian")
            }
            try await client.execute(uri: "/a/\(layla)", method: .get) { response in
                #expect(!response.text.contains("Omar Haddad"), "the other household's typed name is not shown")
                #expect(response.text.contains("name=\"c.S2\" value=\"given\">"), "Layla's own answer is not pre-filled from Omar's")
            }
            let (headers, body) = form("c.S2=given&name=Layla%20Haddad")
            try await client.execute(uri: "/a/\(layla)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
            }
        }
        let records = try await forms.consents(eventID: "trip")
        #expect(ConsentTally.current(records)["S2"]?.decision == .refused, "a refusal from either home counts")
        #expect(ConsentTally.conflicts(records) == ["S2"])
    }

    @Test("Once every child of a guardian is answered, the reminders queued for them are withdrawn and the desk counts them as reached")
    func remindersWithdrawn() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let trip = Self.trip()
        let reminder = SendSchedule.sends(for: trip)[1].occurrence
        let fixture = try Fixture(roster: Self.roster(), extraEvents: [trip], forms: forms)
        _ = try await fixture.outbox.enqueue([
            Delivery(
                key: DeliveryKey(occurrence: reminder, guardianID: "G1", channel: .email), eventID: "trip", address: "g1@example.org",
                recipientName: "Layla", notBefore: now.addingTimeInterval(day), createdAt: now, message: OutboundMessage(subject: "s", text: "t", language: "ar")),
            Delivery(
                key: DeliveryKey(occurrence: reminder, guardianID: "G2", channel: .email), eventID: "trip", address: "g2@example.org",
                recipientName: "Anna", notBefore: now.addingTimeInterval(day), createdAt: now, message: OutboundMessage(subject: "s", text: "t", language: "en")),
        ])
        let token = try await fixture.token("trip", "G1")
        try await fixture.test { client in
            let (headers, body) = form("c.S1=given&name=Layla")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in #expect(response.status == .ok) }
        }
        // Mariam still has no answer: nothing withdrawn, no acknowledgement yet.
        #expect(try await fixture.outbox.deliveries(matching: DeliveryQuery(guardianID: "G1")).map(\.state) == [.queued])
        #expect(try await fixture.ledger.acknowledgement(eventID: "trip", guardianID: "G1") == nil)
        try await fixture.test { client in
            let (headers, body) = form("c.S2=refused&name=Layla")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in #expect(response.status == .ok) }
        }
        #expect(try await fixture.outbox.deliveries(matching: DeliveryQuery(guardianID: "G1")).map(\.state) == [.cancelled])
        #expect(try await fixture.outbox.deliveries(matching: DeliveryQuery(guardianID: "G2")).map(\.state) == [.queued])
        #expect(try await fixture.ledger.acknowledgement(eventID: "trip", guardianID: "G1")?.answer == "read")
    }
}
