import Foundation
import LiaisonModel
import Testing

/// What a household is told after a change on its booking page: its times now, the times it gave up, and nothing
/// for a change that changed nothing.
struct BookingConfirmationTests {
    let at = Date(timeIntervalSince1970: 1_800_000_000)
    var plan: SignUpPlan {
        SignUpPlan(
            slots: [
                MeetingSlot(id: "3A-1600", group: "3A", start: at + 3600, end: at + 4200, capacity: 1, host: "Daniel Okafor"),
                MeetingSlot(id: "3A-1610", group: "3A", start: at + 4200, end: at + 4800, capacity: 1, host: "Daniel Okafor"),
                MeetingSlot(id: "5B-1600", group: "5B", start: at + 3600, end: at + 4200, capacity: 2),
            ],
            bookUntil: at + 1800)
    }

    func booking(_ slot: String, _ family: String = "F1", interpreter: String? = nil, at seconds: TimeInterval) -> SlotBooking {
        SlotBooking(
            eventID: "meetings", group: String(slot.prefix(2)), slotID: slot, familyID: family, guardianID: "G1", interpreter: interpreter,
            bookedAt: at + seconds)
    }

    @Test func aFirstBookingIsConfirmedWithItsTimeHostAndInterpreter() throws {
        let after = [booking("3A-1610", interpreter: "so", at: 10), booking("3A-1600", "F2", at: 5)]
        let confirmation = try #require(plan.confirmation(familyID: "F1", before: [booking("3A-1600", "F2", at: 5)], after: after, revision: 1, at: at + 10))
        #expect(confirmation.times.count == 1 && confirmation.released.isEmpty)
        let time = try #require(confirmation.times.first)
        #expect(time.group == "3A" && time.start == at + 4200 && time.end == at + 4800 && time.host == "Daniel Okafor")
        #expect(time.interpreter == LanguageTag("so") && time.sequence == 1)
        #expect(confirmation.changeUntil == at + 1800 && confirmation.familyID == "F1")
    }

    @Test func aSecondClickOrAnotherFamilysChangeConfirmsNothing() {
        let same = [booking("3A-1610", at: 10)]
        #expect(plan.confirmation(familyID: "F1", before: same, after: same, revision: 2, at: at + 20) == nil)
        #expect(plan.confirmation(familyID: "F1", before: same, after: same + [booking("5B-1600", "F2", at: 20)], revision: 2, at: at + 20) == nil)
    }

    @Test func aMoveOrANewInterpreterRequestIsConfirmedAndTimesComeInOrder() throws {
        let before = [booking("3A-1610", at: 10), booking("5B-1600", at: 11)]
        let moved = try #require(plan.confirmation(familyID: "F1", before: before, after: [booking("3A-1600", at: 30), before[1]], revision: 3, at: at + 30))
        #expect(moved.times.map(\.group) == ["3A", "5B"] && moved.times[0].start == at + 3600 && moved.released.isEmpty)
        let interpreter = try #require(plan.confirmation(
            familyID: "F1", before: before, after: [booking("3A-1610", interpreter: "ar", at: 10), before[1]], revision: 4, at: at + 40))
        #expect(interpreter.times.first { $0.group == "3A" }?.interpreter == LanguageTag("ar"))
    }

    @Test func aCancellationReleasesTheTimeWithAHigherSequence() throws {
        let before = [booking("3A-1610", at: 10)]
        let cancelled = try #require(plan.confirmation(familyID: "F1", before: before, after: [], revision: 5, at: at + 60))
        #expect(cancelled.times.isEmpty)
        #expect(cancelled.released.map(\.group) == ["3A"] && cancelled.released[0].sequence == 5)
        // Booked and cancelled again before a letter went: nothing to say.
        #expect(plan.confirmation(familyID: "F1", before: [], after: [], revision: 2, at: at + 70) == nil)
        // One calendar entry per class booked, whatever the time: a move updates it.
        let school = School(name: "Riverside", defaultLocale: "en", timeZone: .gmt, baseURL: URL(string: "https://liaison.riverside.example"))
        #expect(BookingConfirmation.calendarUID(eventID: "meetings", group: "3A", familyID: "F1", school: school) == "meetings/3A/F1@liaison.riverside.example")
    }

    @Test func theConfirmationsEventAsksNothing() {
        var event = Event(id: "meetings", kind: .meeting, title: LocalizedText("Meetings"), start: at + 3600, timeZone: .gmt, audience: .everyone, template: "meeting")
        event.signUp = plan
        event.data["signup"] = .map(["reminder": .bool(true)])
        let letter = event.confirming(BookingConfirmation(familyID: "F1", times: [], released: [], changeUntil: at, changedAt: at))
        #expect(letter.template == "booking" && letter.signUp == nil && !letter.dependsOnAnswers && letter.data["signup"] == nil)
        #expect(letter.id == "meetings" && letter.booking?.familyID == "F1")
        var urgent = event
        urgent.priority = .urgent
        #expect(urgent.confirming(BookingConfirmation(familyID: "F1", times: [], released: [], changeUntil: at, changedAt: at)).priority == .normal)
    }
}
