import LiaisonModel

/// Where the family pages say that a household's bookings changed: the change itself is counted in the store, in
/// the transaction that made it, and the daemon queues the confirmation from there through its one queuer. The pages
/// queue nothing and never wait for a letter.
public protocol BookingConfirmer: Sendable {
    /// A household's bookings changed (the store has counted it): confirm what is pending soon. Never blocks.
    func bookingChanged()
}
