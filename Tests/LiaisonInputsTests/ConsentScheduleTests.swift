import Foundation
import LiaisonInputs
import LiaisonModel
import Testing

/// `consent:` of an event in events.yaml: `yes`, or a deadline and a statement; what it cannot go with is refused at
/// file:line, and a send planned after the deadline is warned about.
struct ConsentScheduleTests {
    let school = School(name: "Riverside", defaultLocale: "en", timeZone: TimeZone(identifier: "Europe/London")!)

    func load(_ events: String) -> ([Event], [Diagnostic]) {
        let fixture = Fixture()
        return ScheduleLoader.load(path: fixture.write("events.yaml", "events:\n" + events), school: school)
    }

    @Test func aSlipWithItsDeadlineAndStatementOrJustYes() throws {
        let (events, diagnostics) = load("""
              - id: trip
                kind: announcement
                title: Zoo
                start: 2027-06-12T09:00
                audience: {grades: ["4"]}
                template: permission
                consent:
                  deadline: 2027-06-08T17:00
                  text: {en: "We travel by coach.", so: "Waxaan ku safraynaa bas."}
                notify: {send_at: [2027-06-01T16:00], reminders: ["-2d at 17:00"]}
              - id: fair
                kind: meeting
                title: Fair
                start: 2027-06-13T09:00
                audience: everyone
                template: permission
                consent: yes
            """)
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        let trip = try #require(events.first)
        #expect(trip.consent?.deadline == ISO8601DateFormatter().date(from: "2027-06-08T16:00:00Z"))
        guard case .inline(let statement)? = trip.consent?.statement else { Issue.record("no inline statement"); return }
        #expect(statement.base == "We travel by coach." && statement.translations["so"] == "Waxaan ku safraynaa bas.")
        // The reminder on the 10th falls after the deadline of the 8th.
        #expect(diagnostics.map(\.code) == ["schedule.consent-after-deadline"])
        #expect(diagnostics.first?.location?.line == 11)
        #expect(events.last?.consent == ConsentSettings(deadline: events.last!.start))
    }

    @Test func whatASlipCannotGoWithIsRefusedAtItsLine() {
        let (events, diagnostics) = load("""
              - id: alert
                kind: alert
                title: Sick
                start: 2027-06-12T09:00
                audience: {students: [S1]}
                template: alert-sickness
                consent: yes
              - id: rsvp
                kind: announcement
                title: Fair
                start: 2027-06-13T09:00
                audience: everyone
                template: permission
                rsvp: [{id: attending}]
                consent: yes
              - id: late
                kind: announcement
                title: Late
                start: 2027-06-13T09:00
                audience: everyone
                template: permission
                consent: {deadline: 2027-06-14T09:00, colour: red}
            """)
        #expect(events.isEmpty)
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.location?.line) == [8, 15, 23])
        #expect(diagnostics.contains { $0.code == "schedule.unknown-key" && $0.location?.field == "events[2].consent.colour" })
    }

    @Test func aDateAloneIsTheWholeDayAndANewsletterCannotBeASlip() throws {
        let (events, diagnostics) = load("""
              - id: trip
                kind: announcement
                title: Zoo
                start: 2027-06-12T09:00
                audience: everyone
                template: permission
                consent: {deadline: 2027-06-08}
              - id: letter
                kind: newsletter
                title: News
                start: 2027-06-12
                audience: everyone
                template: newsletter
                consent: yes
            """)
        #expect(events.map(\.id) == ["trip"])
        // 23:59 in London (summer time) on the 8th.
        #expect(events.first?.consent?.deadline == ISO8601DateFormatter().date(from: "2027-06-08T22:59:00Z"))
        #expect(diagnostics.filter { $0.severity == .error }.map(\.location?.line) == [15])
    }
}
