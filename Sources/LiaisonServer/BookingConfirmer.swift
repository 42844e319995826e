import LiaisonModel

/// Queues the letter confirming a change of a household's meeting booking, through the daemon's one queuer: the
/// family pages write bookings and hand the confirmation on; they queue nothing themselves.
public protocol BookingConfirmer: Sendable {
    /// Queues the confirmation to the guardians of its household in `event`'s audience; returns how many deliveries
    /// were queued (a failure is logged by the confirmer and counts none: the booking stands).
    func confirm(_ confirmation: BookingConfirmation, event: Event) async -> Int
}
