import Foundation
import LiaisonLocalization
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonServer

/// The desk's event page sections for what families answered: a permission slip by class, a meeting's bookings, a
/// survey's results as charts and tables; a teacher sees only their classes, and no survey results.
struct DeskFormSectionTests {
    static let deskCatalogs: CatalogSet = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return CatalogSet.load(directories: [root.appendingPathComponent("locales/desk").path]).0
    }()

    func site(roster: Roster, events: [Event], forms: SQLiteFormStore) throws -> AckSite {
        var site = AckSite(school: makeSchool(), events: events, roster: roster, catalogs: catalogs, ledger: try SQLiteAckLedger.inMemory())
        site.deskCatalogs = Self.deskCatalogs
        site.forms = forms
        return site
    }

    let office = DeskAccess(role: .office)
    let teacher3A = DeskAccess(role: .teacher, classes: ["3A"])

    @Test func aPermissionSlipByClassWithTheChildrenStillToAnswer() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let trip = ConsentPageTests.trip()
        let consent = try #require(trip.consent)
        _ = try await forms.recordConsent(
            [ConsentRecord(eventID: "trip", studentID: "S2", familyID: "F1", guardianID: "G1", decision: .refused, typedName: "Layla Haddad", answeredAt: now)],
            deadline: consent.deadline, now: now)
        let site = try site(roster: ConsentPageTests.roster(), events: [trip], forms: forms)
        let text = DeskText(site: site, staff: nil)
        let html = try await DeskFormSections.html(trip, site: site, access: office, text: text, now: now)
        #expect(html.contains("Permission slip"))
        #expect(html.contains("2 children have no answer yet."))
        // 3A: Yusuf without an answer; 4B: Mariam refused, Tom without an answer.
        #expect(html.contains("<tr><th scope=\"row\">3A</th><td>1</td><td>0</td><td>0</td><td>1</td></tr>"))
        #expect(html.contains("<tr><th scope=\"row\">4B</th><td>2</td><td>0</td><td>1</td><td>1</td></tr>"))
        #expect(html.contains("Yusuf Haddad") && html.contains("Tom Smith") && !html.contains(">Mariam Haddad<"))

        let teacher = try await DeskFormSections.html(trip, site: site, access: teacher3A, text: text, now: now)
        #expect(teacher.contains("1 child has no answer yet."))
        #expect(!teacher.contains("4B") && !teacher.contains("Tom Smith"))
    }

    @Test func aMeetingsBookingsAndTheHouseholdsStillToBook() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let meeting = SignUpPageTests.meeting()
        let plan = try #require(meeting.signUp)
        let site = try site(roster: makeRoster(), events: [meeting], forms: forms)
        let text = DeskText(site: site, staff: nil)
        let before = try await DeskFormSections.html(meeting, site: site, access: office, text: text, now: now)
        #expect(before.contains("1 household still to book.") && before.contains("/desk/families/F1"))
        _ = try await forms.book(plan.slots(of: "3A")[1], eventID: "meetings", familyID: "F1", guardianID: "G1", interpreter: "ar", bookUntil: plan.bookUntil, now: now)
        let after = try await DeskFormSections.html(meeting, site: site, access: office, text: text, now: now)
        #expect(after.contains("1 of \(plan.slots.count) places booked; every household has booked."))
        #expect(after.contains("Yusuf Haddad") && after.contains("Arabic"))
        let other = try await DeskFormSections.html(meeting, site: site, access: DeskAccess(role: .teacher, classes: ["5B"]), text: text, now: now)
        #expect(!other.contains("Yusuf") && other.contains("0 of 0 places booked"))
    }

    @Test func surveyResultsAsBarsAndTablesForTheOfficeOnly() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let families = (1...6).map { Family(id: "F\($0)", name: "Family \($0)") }
        let guardians = (1...6).map { Guardian(id: "G\($0)", familyID: "F\($0)", givenName: "G", familyName: "\($0)", language: "en") }
        let students = (1...6).map { Student(id: "S\($0)", givenName: "S", familyName: "\($0)", grade: "5", className: "5A") }
        let roster = Roster(
            families: families, guardians: guardians, students: students,
            guardianships: (1...6).map { Guardianship(guardianID: "G\($0)", studentID: "S\($0)") })
        let form = FormDefinition(id: "f", questions: [FormQuestion(id: "welcome", kind: .scale5, text: .key("survey.q.welcome"), required: true)])
        var survey = Event(
            id: "survey", kind: .survey, title: LocalizedText("Survey"), start: now.addingTimeInterval(day), timeZone: london,
            audience: .everyone, template: "survey")
        survey.survey = SurveySettings(form: form, semester: "2026-autumn")
        for index in 1...6 {
            _ = try await forms.save(FormSave(
                eventID: "survey", familyID: "F\(index)", guardianID: "G\(index)", language: "en",
                answers: ["welcome": .choice(index <= 4 ? "5" : "2")], privacy: .confidential, groups: ["5A"], submit: true,
                closesAt: survey.start, now: now, timeZone: london))
        }
        let site = try site(roster: roster, events: [survey], forms: forms)
        let text = DeskText(site: site, staff: nil)
        let html = try await DeskFormSections.html(survey, site: site, access: office, text: text, now: now)
        #expect(html.contains("Survey results") && html.contains("6 responses."))
        #expect(html.contains("<svg") && html.contains("role=\"img\""))
        #expect(html.contains("4 (67%)") && html.contains("2 (33%)"), "\(html)")
        #expect(html.contains("<th scope=\"row\">5A</th><td>6</td>"))
        #expect(!html.contains("<script"))
        let teacher = try await DeskFormSections.html(survey, site: site, access: DeskAccess(role: .teacher, classes: ["5A"]), text: text, now: now)
        #expect(teacher.isEmpty)

        // Too few answers for even the whole school's figures: no chart of zeros.
        let few = try SQLiteFormStore.inMemory()
        for index in 1...3 {
            _ = try await few.save(FormSave(
                eventID: "survey", familyID: "F\(index)", guardianID: "G\(index)", language: "en", answers: ["welcome": .choice("5")],
                privacy: .confidential, groups: ["5A"], submit: true, closesAt: survey.start, now: now, timeZone: london))
        }
        let fewSite = try self.site(roster: roster, events: [survey], forms: few)
        let hidden = try await DeskFormSections.html(survey, site: fewSite, access: office, text: text, now: now)
        #expect(!hidden.contains("<svg") && hidden.contains("Fewer than 5 answers: hidden."), "\(hidden)")

        // Anonymous and still open: rates only.
        var anonymous = survey
        anonymous.survey?.form.privacy = .anonymous
        let open = try await DeskFormSections.html(anonymous, site: site, access: office, text: text, now: now)
        #expect(open.contains("shown once it closes") && !open.contains("<svg"))
    }
}
