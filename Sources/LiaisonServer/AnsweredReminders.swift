import Foundation
import LiaisonModel
import LiaisonStore

/// Reminders a family no longer needs, withdrawn as soon as it has answered on its page (a survey sent, every class
/// booked, every child's permission slip answered): queued before the answer, for instance held by quiet hours, they
/// would otherwise still go. An answer stops the reminders as an acknowledgement stops an escalation.
public struct AnsweredReminders: Sendable {
    let outbox: (any OutboxStore)?

    public init(outbox: (any OutboxStore)?) { self.outbox = outbox }

    public static let reason = "answered on the family page"

    /// Cancels what is still queued of `event` for `guardianIDs` (reminders, and resends, held by quiet hours or a
    /// rate limit: the guardian has answered, so none is needed any more); returns how many. Rows being sent are left
    /// alone (the outbox never cancels those).
    public func withdraw(event: Event, guardianIDs: [String], now: Date) async throws -> Int {
        guard let outbox, !guardianIDs.isEmpty else { return 0 }
        var cancelled = 0
        for guardianID in Set(guardianIDs).sorted() {
            // Not the letters confirming the household's bookings: those answer the answer.
            let waiting = try await outbox.deliveries(matching: DeliveryQuery(states: [.queued, .retry], eventID: event.id, guardianID: guardianID))
            let occurrences = Set(waiting.map(\.key.occurrence)).filter { !$0.contains(BookingConfirmation.occurrenceMarker) }
            for occurrence in occurrences.sorted() {
                cancelled += try await outbox.cancel(
                    matching: DeliveryQuery(eventID: event.id, guardianID: guardianID, occurrence: occurrence), reason: Self.reason, now: now)
            }
        }
        return cancelled
    }
}
