import Foundation
import LiaisonModel
import LiaisonPlan
import LiaisonServer
import Logging

/// Queues the letter confirming a household's change of its meeting booking, through the one queuer: to the
/// household's guardians in the meeting's audience, about their children the meeting concerns, one occurrence per
/// change (so the family is told once of each), on the channels and quiet hours of any normal letter.
struct BookingConfirmations: BookingConfirmer {
    let state: SchoolState
    let queuing: DaemonQueuing
    let channels: @Sendable () -> Set<ChannelKind>
    let logger: Logger

    func confirm(_ confirmation: BookingConfirmation, event: Event) async -> Int {
        let school = state.school
        let recipients = event.audience.recipients(in: school.roster).filter { $0.guardian.familyID == confirmation.familyID }
        guard !recipients.isEmpty else { return 0 }
        let occurrence = Occurrence.bookingConfirmation(eventID: event.id, familyID: confirmation.familyID, at: confirmation.changedAt)
        do {
            let outcome = try await queuing.queue(Queuer.Request(
                occurrence: occurrence, event: event.confirming(confirmation), recipients: recipients, school: school.school,
                planner: school.planner(channels: channels()), now: confirmation.changedAt))
            if !outcome.problems.isEmpty {
                logger.warning(
                    "a booking confirmation reaches only some guardians",
                    metadata: ["event": "\(event.id)", "occurrence": "\(occurrence.id)", "problems": "\(outcome.problems.count)"])
            }
            return outcome.queued.count
        } catch {
            // The booking stands (the page says so); the family can download its calendar file from the page.
            logger.error(
                "could not queue a booking confirmation",
                metadata: ["event": "\(event.id)", "occurrence": "\(occurrence.id)", "error": "\(type(of: error))"])
            return 0
        }
    }
}
