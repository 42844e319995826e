import Foundation
import LiaisonModel

/// What to list, cancel or requeue. Every field narrows the selection; `nil` means "any".
public struct DeliveryQuery: Sendable, Hashable {
    public var states: Set<DeliveryState>?
    public var eventID: String?
    public var guardianID: String?
    public var channel: ChannelKind?
    /// One occurrence (`event@2026-12-02T16:00:00Z`, `alert-…#step-1`).
    public var occurrence: String?
    /// At most this many rows (the oldest first, by creation).
    public var limit: Int?
    /// Only deliveries whose state changed at or after this instant (the desk's last 24 hours).
    public var changedSince: Date?

    public init(
        states: Set<DeliveryState>? = nil, eventID: String? = nil, guardianID: String? = nil, channel: ChannelKind? = nil,
        occurrence: String? = nil, limit: Int? = nil
    ) {
        self.states = states
        self.occurrence = occurrence
        self.eventID = eventID
        self.guardianID = guardianID
        self.channel = channel
        self.limit = limit
    }

    /// Every delivery.
    public static let all = DeliveryQuery()
}

/// The result of one attempt, to record.
public struct DeliveryResult: Sendable, Hashable {
    public var key: DeliveryKey
    /// The attempt made. Its `number` must be the `attempts` of the delivery as `claim` returned it: a result for an
    /// older claim of the same delivery is ignored.
    public var attempt: DeliveryAttempt
    /// `.sent`, `.retry` or `.failed`.
    public var newState: DeliveryState
    /// For `.retry`: when to try next (the attempt's `finishedAt` when `nil`). Ignored for other states.
    public var notBefore: Date?
    /// The fencing token of the claim the attempt was made under (``DeliveryClaim/token``): a result from a claim
    /// whose lease was taken over is ignored.
    public var token: Int64?

    public init(key: DeliveryKey, attempt: DeliveryAttempt, newState: DeliveryState, notBefore: Date? = nil, token: Int64? = nil) {
        self.key = key
        self.attempt = attempt
        self.newState = newState
        self.notBefore = notBefore
        self.token = token
    }
}

public enum OutboxStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No delivery has this key.
    case notFound(DeliveryKey)
    /// The delivery is in a state where this change is not allowed (for example a new address for a sent delivery).
    case notEditable(DeliveryKey, DeliveryState)
    /// `complete` was given a result whose new state is not `.sent`, `.retry` or `.failed`; nothing was recorded.
    case invalidResultState(DeliveryKey, DeliveryState)
    /// A stored value could not be read back (a corrupt or newer database).
    case corruptRow(String)

    public var description: String {
        switch self {
        case .notFound(let key): "no delivery \(key)"
        case .notEditable(let key, let state): "delivery \(key) is \(state.rawValue) and cannot be changed"
        case .invalidResultState(let key, let state): "a result cannot move delivery \(key) to \(state.rawValue)"
        case .corruptRow(let detail): "unreadable outbox row: \(detail)"
        }
    }
}

/// The durable outbox: every delivery with its state and the history of its attempts. Nothing is ever deleted.
///
/// States move only along these edges: queued → sending → sent | retry | failed; retry → sending;
/// queued | retry → cancelled | failed (expired); failed | cancelled → queued (requeue); sending → retry (recovery of
/// a lease that ran out).
///
/// Every claim carries a ``ClaimLease``: the rows stay with their owner while it renews the lease, and only rows whose
/// lease ran out (a process that crashed, hung, or could not record its results) are taken back. Several processes
/// on one outbox therefore never send one row twice while they live.
public protocol OutboxStore: OutboxWriter {
    /// Inserts the deliveries whose key is new, as `queued` with no attempts; keys already present are left exactly as
    /// they are (enqueuing twice does nothing). Returns the keys inserted. Durable when it returns.
    func enqueue(_ deliveries: [Delivery]) async throws -> [DeliveryKey]
    /// Atomically moves up to `limit` due deliveries (queued or retry, `notBefore <= now`) of the given channels
    /// (nil = all) and priority (nil = any) to `sending` for `lease`, incrementing `attempts`, and returns them with
    /// their claim: urgent first, then notBefore, then createdAt. Two callers (or two processes on the same file)
    /// never claim the same row.
    func claim(limit: Int, channels: Set<ChannelKind>?, priority: Priority?, now: Date, lease: ClaimLease) async throws -> [Delivery]
    /// Extends to `until` the leases of `owner`'s claims with these tokens (rows still `sending`); returns how many rows.
    func renew(owner: String, tokens: [Int64], until: Date) async throws -> Int
    /// Records a batch of results in one transaction (state, notBefore, lastReply, updatedAt + one attempt row each).
    /// Only rows currently in `sending`, at the attempt number and under the claim token given, change; others are
    /// ignored. Durable when it returns.
    func complete(_ results: [DeliveryResult]) async throws
    /// Every row left in `sending` whose lease ran out by `leaseNow` (real time), or whose owner is in `gone` (known to
    /// have stopped), goes back to `retry`, keeping its due time so it is sent before newer work, with an
    /// `.interrupted` attempt. Returns how many. Rows of a live owner are left alone, so any process may call it at
    /// any time.
    func recoverExpired(leaseNow: Date, gone: Set<String>) async throws -> Int
    /// Deliveries matching `query` that wait to be retried (state `retry`, due after `now`), and whose last attempt
    /// was at or after `since` when given, become due at `now`: their channel works again after an outage, or someone
    /// asked to retry now. Returns how many.
    func expediteRetries(matching query: DeliveryQuery, since: Date?, now: Date) async throws -> Int
    /// The owners of rows now `sending`.
    func claimOwners() async throws -> Set<String>
    /// Queued or retry deliveries whose deadline (or else the policy deadline, counted from when they were queued)
    /// has passed become failed, with an attempt row saying so. Returns how many.
    func expire(now: Date, policy: RetryPolicy) async throws -> Int
    /// Cancels deliveries not yet sent (queued/retry) matching the query; returns how many. Sending rows are left alone.
    func cancel(matching query: DeliveryQuery, reason: String, now: Date) async throws -> Int
    /// Failed rows (and cancelled ones when the query's states include `.cancelled`) back to queued, due at `now`;
    /// attempts and their history are kept. Returns how many.
    func requeue(matching query: DeliveryQuery, now: Date) async throws -> Int
    /// A new address for a delivery not sent and not in flight (queued, retry, failed or cancelled).
    func updateAddress(_ key: DeliveryKey, to address: String) async throws
    /// Replaces what a delivery not yet sent (queued or retry) will send: message, address, name, priority and due
    /// time, when the event it is about changed. Returns false, changing nothing, for any other state or a missing key.
    func revise(_ delivery: Delivery, now: Date) async throws -> Bool
    /// Ordered by createdAt, then enqueue order.
    func deliveries(matching query: DeliveryQuery) async throws -> [Delivery]
    func delivery(_ key: DeliveryKey) async throws -> Delivery?
    /// Ordered by number (then by when they were recorded).
    func attempts(for key: DeliveryKey) async throws -> [DeliveryAttempt]
    /// Counts by state (optionally for one event) for summaries and metrics; every state is present, zero included.
    func counts(eventID: String?) async throws -> [DeliveryState: Int]
    /// How many deliveries matching the query (its limit aside) are in each state, by channel and language.
    func tallies(matching query: DeliveryQuery) async throws -> [DeliveryTally]
    /// The deliveries matching the query without their messages: what a page listing thousands of them needs.
    func summaries(matching query: DeliveryQuery) async throws -> [DeliverySummary]
}

/// A delivery without its message.
public struct DeliverySummary: Sendable, Hashable {
    public var key: DeliveryKey
    public var eventID: String
    public var state: DeliveryState
    public var attempts: Int
    /// The relay's or gateway's last answer.
    public var lastReply: String?
    /// The language the message was written in.
    public var language: String
    public var updatedAt: Date

    public init(
        key: DeliveryKey, eventID: String, state: DeliveryState, attempts: Int, lastReply: String?, language: String, updatedAt: Date
    ) {
        self.key = key
        self.eventID = eventID
        self.state = state
        self.attempts = attempts
        self.lastReply = lastReply
        self.language = language
        self.updatedAt = updatedAt
    }
}

/// How many deliveries of one channel and language are in one state.
public struct DeliveryTally: Sendable, Hashable {
    public var channel: ChannelKind
    /// The language the messages were written in (as rendered, after fallback).
    public var language: String
    public var state: DeliveryState
    public var count: Int

    public init(channel: ChannelKind, language: String, state: DeliveryState, count: Int) {
        self.channel = channel
        self.language = language
        self.state = state
        self.count = count
    }
}
