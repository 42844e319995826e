import Foundation
import LiaisonModel
import LiaisonPlan
import LiaisonServer
import LiaisonStore
import Logging

/// Confirms households' changes of their meeting bookings, from the changes the form store counted in the
/// transactions that made them (Postfix's way: the page only writes and rings; this stage queues).
///
/// Each pass queues, through the one queuer, a letter per household whose bookings changed since its last
/// confirmation: to its guardians in the meeting's audience, about its children the meeting concerns, saying
/// its times now and those given up since the last letter. The occurrence is keyed by the household's revision, so
/// a pass repeated after a crash, or run by a second process, queues nothing twice; a letter still waiting (quiet
/// hours) for an older revision is withdrawn, the new one saying everything. Changes made in quick succession
/// before a pass are told in one letter.
struct BookingConfirmations: BookingConfirmer {
    let state: SchoolState
    let forms: any FormStore
    let queuing: DaemonQueuing
    let outbox: any OutboxStore
    let channels: @Sendable () -> Set<ChannelKind>
    let wakeup: Wakeup
    let logger: Logger

    func bookingChanged() { wakeup.ring() }

    /// Queues the confirmations still to queue; returns how many letters were queued. A household whose letter fails
    /// is logged and left pending for the next pass; the others go on.
    @discardableResult
    func pass(now: Date) async throws -> Int {
        var letters = 0
        var failed = Set<String>()
        // At most 1,000 households a pass: a burst of bookings never holds the scheduler for long.
        for _ in 0..<10 {
            let changes = try await forms.pendingBookingChanges(limit: 100 + failed.count).filter { !failed.contains($0.eventID + "\u{1F}" + $0.familyID) }
            guard !changes.isEmpty else { break }
            for change in changes {
                do {
                    letters += try await confirm(change, now: now)
                } catch {
                    failed.insert(change.eventID + "\u{1F}" + change.familyID)
                    logger.error("could not queue a booking confirmation", metadata: ["event": "\(change.eventID)", "error": "\(type(of: error))"])
                }
            }
        }
        return letters
    }

    /// Withdraws the confirmations of `eventID` still waiting (the meeting was cancelled or is gone); returns how many.
    func withdraw(eventID: String, reason: String, now: Date) async throws -> Int {
        let waiting = try await outbox.deliveries(matching: DeliveryQuery(states: [.queued, .retry], eventID: eventID))
        var cancelled = 0
        for occurrence in Set(waiting.map(\.key.occurrence)).filter({ $0.contains(BookingConfirmation.occurrenceMarker) }).sorted() {
            cancelled += try await outbox.cancel(matching: DeliveryQuery(occurrence: occurrence), reason: reason, now: now)
        }
        return cancelled
    }

    private func confirm(_ change: BookingChange, now: Date) async throws -> Int {
        let school = state.school
        let events = state.scheduleEvents(of: school)
        let letters = { (guardians: Set<String>) async throws -> [String] in
            var waiting: [Delivery] = []
            for guardian in guardians.sorted() {
                waiting += try await outbox.deliveries(matching: DeliveryQuery(states: [.queued, .retry], eventID: change.eventID, guardianID: guardian))
            }
            return Set(waiting.map(\.key.occurrence)).filter { Occurrence.kind(of: $0) == .bookingConfirmation(familyID: change.familyID) }.sorted()
        }
        // A meeting gone from the schedule or cancelled: nothing to confirm, and a letter still waiting is withdrawn.
        guard let event = events.first(where: { $0.id == change.eventID }), !event.isCancelled, let plan = event.signUp else {
            _ = try await withdraw(eventID: change.eventID, reason: "the meeting was cancelled", now: now)
            try await forms.markConfirmed(change, described: change.confirmed)
            return 0
        }
        // Another process confirmed this change, or a later one came: that one is told (by it, or by the next pass).
        let stored = try await forms.bookingState(eventID: event.id, familyID: change.familyID)
        guard stored.revision == change.revision, stored.confirmed < change.revision else { return 0 }
        let bookings = try await forms.bookings(eventID: event.id).filter { $0.familyID == change.familyID }
        guard let confirmation = plan.confirmation(
            familyID: change.familyID, before: change.confirmed, after: bookings, revision: change.revision, at: change.changedAt)
        else {
            // Changed and changed back before a letter went: nothing to say.
            try await forms.markConfirmed(change, described: bookings)
            return 0
        }
        let recipients = event.audience.recipients(in: school.roster).filter { $0.guardian.familyID == change.familyID }
        let occurrence = Occurrence.bookingConfirmation(eventID: event.id, familyID: change.familyID, revision: change.revision, at: change.changedAt)
        // A letter of an older revision still waiting says less than this one: withdrawn (never a newer one).
        for old in try await letters(Set(recipients.map(\.guardian.id))) where (Occurrence.bookingRevision(of: old) ?? 0) < change.revision {
            _ = try await outbox.cancel(matching: DeliveryQuery(occurrence: old), reason: "replaced by a later confirmation", now: now)
        }
        var queued = 0
        if !recipients.isEmpty {
            let outcome = try await queuing.queue(Queuer.Request(
                occurrence: occurrence, event: event.confirming(confirmation), recipients: recipients, school: school.school,
                planner: school.planner(channels: channels()), renderAt: change.changedAt, now: now))
            queued = outcome.queued.count
            if !outcome.problems.isEmpty {
                logger.warning(
                    "a booking confirmation reaches only some guardians",
                    metadata: ["event": "\(event.id)", "problems": "\(outcome.problems.count)"])
            }
        }
        if try await !forms.markConfirmed(change, described: bookings) {
            // A later revision was confirmed meanwhile (another process): this letter says less; withdrawn if still waiting.
            _ = try await outbox.cancel(matching: DeliveryQuery(occurrence: occurrence.id), reason: "replaced by a later confirmation", now: now)
            return 0
        }
        return queued > 0 ? 1 : 0
    }
}
