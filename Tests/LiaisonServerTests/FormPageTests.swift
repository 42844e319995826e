import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonServer

/// A survey's form page: in the guardian's language, saved on every post, sent once it is complete; anonymous
/// answers cannot be found again; nothing after the close.
@Suite("Form pages")
struct FormPageTests {
    static func survey(_ privacy: FormPrivacy, closesIn: TimeInterval = 7 * day) -> Event {
        let form = FormDefinition(id: "autumn", questions: [
            FormQuestion(id: "welcome", kind: .scale5, text: .key("survey.q.welcome"), required: true),
            FormQuestion(id: "contact", kind: .multiple, text: .key("survey.q.contact"), choices: [
                FormChoice(id: "email", text: .key("survey.q.contact_email")), FormChoice(id: "sms", text: .key("survey.q.contact_sms")),
            ]),
            FormQuestion(id: "better", kind: .longText, text: .inline(LocalizedText("What could we do better?", translations: ["ar": "ما الذي يمكننا تحسينه؟"]))),
        ], privacy: privacy)
        var event = Event(
            id: "autumn-survey", kind: .survey, title: LocalizedText("Autumn survey", translations: ["ar": "استبيان الخريف"]),
            start: now.addingTimeInterval(closesIn), timeZone: london, audience: .everyone, template: "survey")
        event.survey = SurveySettings(form: form, semester: "2026-autumn")
        return event
    }

    @Test("The form is in Arabic, right to left, with every question and no script")
    func arabicForm() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try Fixture(extraEvents: [Self.survey(.confidential)], forms: forms)
        let token = try await fixture.token("autumn-survey", "G1")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                #expect(html.contains("<html lang=\"ar\" dir=\"rtl\">"))
                #expect(html.contains("استبيان الخريف"))
                #expect(html.contains("ما الذي يمكننا تحسينه؟"))
                #expect(html.contains("type=\"radio\" id=\"q-welcome-0\" name=\"q.welcome\" value=\"1\""))
                #expect(html.contains("type=\"checkbox\""))
                #expect(html.contains("<textarea id=\"q-better\""))
                #expect(html.contains("name=\"action\" value=\"submit\""))
                #expect(!html.contains("<script"))
                #expect(!html.contains("survey.q."), "a catalog key shown instead of its text")
            }
        }
    }

    @Test("Saving keeps what was typed; sending asks for the required answers, then records once and can change")
    func saveThenSend() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try Fixture(extraEvents: [Self.survey(.confidential)], forms: forms)
        let token = try await fixture.token("autumn-survey", "G2")
        try await fixture.test { client in
            let (headers, body) = form("q.contact=email&q.contact=sms&q.better=More+clubs&action=submit")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                // The required question is missing: listed first, linked to, and marked beside it.
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("role=\"alert\""))
                #expect(response.text.contains("href=\"#q-welcome\""))
                #expect(response.text.contains("aria-invalid=\"true\""))
                #expect(response.text.contains(">More clubs</textarea>"))
                #expect(response.text.contains("value=\"sms\" checked"))
            }
            #expect(try await forms.hasAnswered(eventID: "autumn-survey", familyID: "F2") == false)
            #expect(try await forms.draft(eventID: "autumn-survey", familyID: "F2")?.answers["better"] == .text("More clubs"))
            let (headers2, body2) = form("q.welcome=4&q.contact=email&q.better=More+clubs&action=submit")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers2, body: body2) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("Thank you. Your answers have been received."))
                #expect(response.text.contains("value=\"4\" checked"))
            }
            #expect(try await forms.answeredHouseholds(surveyID: "autumn-survey") == ["F2"])
            let (headers3, body3) = form("q.welcome=5&action=submit")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers3, body: body3) { response in
                #expect(response.status == .ok)
            }
            let responses = try await forms.responses(eventID: "autumn-survey")
            #expect(responses.count == 1)
            #expect(responses.first?.answers["welcome"] == .choice("5"))
        }
    }

    @Test("An anonymous survey is sent once and cannot be changed or found again")
    func anonymous() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try Fixture(extraEvents: [Self.survey(.anonymous)], forms: forms)
        let token = try await fixture.token("autumn-survey", "G3")
        try await fixture.test { client in
            let (headers, body) = form("q.welcome=2&action=submit")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("<html lang=\"ru\""))
                #expect(!response.text.contains("<form"))
            }
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(!response.text.contains("<form"))
                #expect(!response.text.contains("value=\"2\" checked"))
            }
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .conflict)
            }
        }
        let responses = try await forms.responses(eventID: "autumn-survey")
        #expect(responses.count == 1 && responses.first?.familyID == nil)
    }

    @Test("A survey invited as anonymous stays anonymous when its form is edited to confidential afterwards")
    func promisedPrivacyHolds() async throws {
        let forms = try SQLiteFormStore.inMemory()
        _ = try await forms.keepInvitation(KeptInvitation(eventID: "autumn-survey", occurrence: "autumn-survey@1", privacy: .anonymous, at: now))
        let fixture = try Fixture(extraEvents: [Self.survey(.confidential)], forms: forms)
        let token = try await fixture.token("autumn-survey", "G3")
        try await fixture.test { client in
            let (headers, body) = form("q.welcome=2&action=submit")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(!response.text.contains("<form"), "answers sent anonymously cannot be changed")
            }
        }
        let responses = try await forms.responses(eventID: "autumn-survey")
        #expect(responses.count == 1 && responses.first?.familyID == nil, "stored with no link to the household")
        #expect(try await forms.draft(eventID: "autumn-survey", familyID: "F3") == nil)
    }

    @Test("After the close the page says so and records nothing")
    func closed() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try Fixture(extraEvents: [Self.survey(.confidential, closesIn: -day)], forms: forms)
        let token = try await fixture.token("autumn-survey", "G2")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(!response.text.contains("<form"))
            }
            let (headers, body) = form("q.welcome=2&action=submit")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .conflict)
            }
        }
        #expect(try await forms.responses(eventID: "autumn-survey").isEmpty)
    }
}
