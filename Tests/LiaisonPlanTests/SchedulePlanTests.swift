import Foundation
import LiaisonModel
import LiaisonPlan
import Testing

/// The scheduler's decisions, as a pure function of the schedule, the journal and the time.
@Suite struct SchedulePlanTests {
    let concert = demoSchool.events.first { $0.id == "winter-concert-2026" }!
    var sends: [ScheduledSend] { SendSchedule.sends(for: concert) }

    @Test func nothingBeforeTheFirstSendThenItOnce() {
        let before = SchedulePlan.pass(events: [concert], recorded: [], now: sends[0].at.addingTimeInterval(-1))
        #expect(before.actions.isEmpty)
        #expect(before.next == sends[0].at)
        let due = SchedulePlan.pass(events: [concert], recorded: [], now: sends[0].at)
        #expect(due.actions == [.queue(concert, sends[0])])
        #expect(due.next == sends[1].at)
        // Recorded (by the scheduler or by `liaison send`): not again, across restarts.
        #expect(SchedulePlan.pass(events: [concert], recorded: [sends[0].occurrence], now: sends[0].at.addingTimeInterval(60)).actions.isEmpty)
    }

    /// After downtime over both sends, only the latest goes; the earlier is recorded as superseded.
    @Test func afterDowntimeOnlyTheLatestGoes() {
        let late = SchedulePlan.pass(events: [concert], recorded: [], now: sends[1].at.addingTimeInterval(600))
        #expect(late.actions.count == 2)
        guard case .skip(_, let skipped, let reason) = late.actions[0], case .queue(_, let queued) = late.actions[1] else {
            Issue.record("\(late.actions)")
            return
        }
        #expect(skipped == sends[0] && reason.hasPrefix("superseded by the later send"))
        #expect(queued == sends[1])
    }

    /// Once the event has started nothing goes: every send not recorded is skipped, and nothing more is planned.
    @Test func nothingOnceTheEventHasStarted() {
        let after = SchedulePlan.pass(events: [concert], recorded: [sends[0].occurrence], now: concert.start.addingTimeInterval(1))
        #expect(after.actions.count == 1)
        if case .skip(_, let send, let reason) = after.actions[0] {
            #expect(send == sends[1] && reason == "the event started before this could be sent")
        } else {
            Issue.record("\(after.actions)")
        }
        #expect(after.next == nil)
        var cancelled = concert
        cancelled.isCancelled = true
        #expect(SchedulePlan.pass(events: [cancelled], recorded: [], now: sends[0].at).actions.isEmpty)
    }

    @Test func whatIsWithdrawnOnReload() {
        let planned = sends[0].occurrence
        #expect(SchedulePlan.withdrawal(of: planned, event: concert) == nil)
        #expect(SchedulePlan.withdrawal(of: planned, event: nil) == "the event is no longer in the schedule")
        var cancelled = concert
        cancelled.isCancelled = true
        #expect(SchedulePlan.withdrawal(of: planned, event: cancelled) == "the event was cancelled")
        var moved = concert
        moved.start = concert.start.addingTimeInterval(7 * 86_400)
        moved.plan = NotificationPlan(reminders: concert.plan.reminders)
        #expect(SchedulePlan.withdrawal(of: planned, event: moved) == "the event's send times changed")
        // A send by hand or a resend of a moved event stays: the schedule never planned it.
        #expect(SchedulePlan.withdrawal(of: "\(planned)#resend-1", event: moved) == nil)
        #expect(SchedulePlan.withdrawal(of: concert.id, event: moved) == nil)
        #expect(SchedulePlan.withdrawal(of: concert.id, event: cancelled) == "the event was cancelled")
    }
}

/// A booking confirmation's occurrence: one per revision of the household's bookings, its household read back.
struct BookingOccurrenceTests {
    @Test func eachRevisionHasItsOwnOccurrenceAndTheHouseholdReadsBack() {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let first = Occurrence.bookingConfirmation(eventID: "year3-meetings", familyID: "F-07", revision: 3, at: at)
        #expect(first.id == "year3-meetings#booking-F-07-r3")
        #expect(Occurrence.kind(of: first.id) == .bookingConfirmation(familyID: "F-07"))
        #expect(!first.isScheduled)
        #expect(Occurrence.bookingRevision(of: first.id) == 3 && Occurrence.bookingRevision(of: "year3-meetings@2026-12-03T16:00:00Z") == nil)
        #expect(Occurrence.bookingConfirmation(eventID: "year3-meetings", familyID: "F-07", revision: 3, at: at + 5).id == first.id, "queued again: the same")
        #expect(Occurrence.bookingConfirmation(eventID: "year3-meetings", familyID: "F-07", revision: 4, at: at).id != first.id)
    }
}
