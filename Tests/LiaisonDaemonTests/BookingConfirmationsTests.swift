import Foundation
import LiaisonModel
import LiaisonPlan
import LiaisonStore
import Logging
import Testing
@testable import LiaisonDaemon

/// Booking confirmations queued from the changes the form store counted: once per change whoever runs the pass, an
/// older letter still waiting replaced, a change undone before any letter went told nobody.
@Suite struct BookingConfirmationsTests {
    @Test func eachChangeIsConfirmedOnceAndAWaitingOlderLetterIsReplaced() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try DaemonFixture(forms: forms)
        let event = try #require(fixture.state.scheduleEvents(of: fixture.state.school).first { $0.id == "year3-meetings-2026" })
        let plan = try #require(event.signUp)
        let recipients = event.audience.recipients(in: DaemonFixture.school.roster)
        let recipient = try #require(recipients.first { $0.guardian.email != nil && !plan.groups(for: $0.students).isEmpty })
        let family = recipient.guardian.familyID
        let group = try #require(plan.groups(for: recipient.students).first)
        let (first, second) = (plan.slots(of: group)[0], plan.slots(of: group)[1])
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-04T10:00:00Z"))
        let confirmations = BookingConfirmations(
            state: fixture.state, forms: forms, queuing: fixture.queuing, outbox: fixture.outbox, channels: { [.email, .sms, .voice] },
            wakeup: Wakeup(), logger: Logger(label: "test"))
        func book(_ slot: MeetingSlot, at seconds: TimeInterval) async throws {
            _ = try await forms.book(
                slot, eventID: event.id, familyID: family, guardianID: recipient.guardian.id, interpreter: nil, bookUntil: plan.bookUntil,
                now: now + seconds)
        }
        func letters() async throws -> [Delivery] {
            try await fixture.outbox.deliveries(matching: DeliveryQuery(eventID: event.id)).filter { $0.key.occurrence.contains("#booking-") }
        }
        let household = Set(recipients.filter { $0.guardian.familyID == family }.map(\.guardian.id))

        try await book(first, at: 0)
        // Two passes at once (two processes): one letter per guardian and channel.
        async let a = confirmations.pass(now: now + 1)
        async let b = confirmations.pass(now: now + 1)
        _ = try await (a, b)
        #expect(try await confirmations.pass(now: now + 2) == 0, "nothing pending any more")
        var rows = try await letters()
        #expect(Set(rows.map(\.key.occurrence)) == ["\(event.id)#booking-\(family)-r1"])
        #expect(Set(rows.map(\.key.guardianID)) == household, "every guardian of the household, no one else")
        #expect(rows.count == Set(rows.map(\.key)).count)
        #expect(rows.filter { $0.key.channel == .email }.allSatisfy { $0.message.calendar?.contains("SEQUENCE:1") == true })

        // Moved while the first letter still waits (nothing sends in this test): the first is replaced.
        try await book(second, at: 60)
        #expect(try await confirmations.pass(now: now + 61) == 1)
        rows = try await letters()
        #expect(rows.filter { $0.key.occurrence.hasSuffix("-r1") }.allSatisfy { $0.state == .cancelled })
        let moved = rows.filter { $0.key.occurrence.hasSuffix("-r2") }
        #expect(!moved.isEmpty && moved.allSatisfy { $0.state == .queued })
        #expect(moved.first { $0.key.channel == .email }?.message.calendar?.contains("SEQUENCE:2") == true)

        // Cancelled and booked again before a pass: the household's bookings are what the last letter said.
        _ = try await forms.cancelBooking(eventID: event.id, group: group, familyID: family, bookUntil: plan.bookUntil, now: now + 120)
        try await book(second, at: 121)
        #expect(try await confirmations.pass(now: now + 122) == 0)
        #expect(try await forms.pendingBookingChanges(limit: 10).isEmpty)
        #expect(try await letters().count == rows.count)
        #expect(try await forms.bookingRevision(eventID: event.id, familyID: family) == 4)
    }
}
