import LiaisonModel

/// What a channel made of one delivery.
public enum ChannelOutcome: Sendable, Hashable {
    /// Accepted by the relay or gateway; `reply` is its answer (e.g. `250 2.0.0 Ok: queued as 4Bx…`).
    case sent(reply: String)
    /// A temporary problem (4xx, 429, timeouts, network errors); `after` is the server's Retry-After if it gave one.
    case retry(reply: String, after: Duration?)
    /// A permanent refusal for this address (5xx for SMTP, other 4xx for webhooks).
    case failed(reply: String)
}

/// A way of delivering messages: SMTP relays, webhook gateways, a folder of files.
///
/// - Important: `send` never throws: every problem is an outcome the outbox records. It may be called
///   concurrently; a channel limits its own concurrency and rate.
public protocol Channel: Sendable {
    /// The relay or gateway name recorded with each attempt.
    var name: String { get }
    /// The channel kinds this channel carries.
    var kinds: Set<ChannelKind> { get }
    func send(_ delivery: Delivery) async -> ChannelOutcome
    /// Lets in-flight sends finish and releases connections.
    func shutdown() async
}
