import Foundation

/// Where a delivery is in its life: queued → sending → sent | retry (at a time) | failed; cancelled when withdrawn.
public enum DeliveryState: String, Sendable, Codable, CaseIterable, Hashable {
    case queued
    case sending
    case sent
    case retry
    case failed
    case cancelled

    /// Sent, failed and cancelled deliveries never change again by themselves.
    public var isFinal: Bool { self == .sent || self == .failed || self == .cancelled }
}

/// The unique key of one delivery: one event occurrence, to one guardian, on one channel.
public struct DeliveryKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The event occurrence: the event id, plus `@` and the send time for a reminder (`sports-day@2027-06-10T17:00Z`).
    public var occurrence: String
    public var guardianID: String
    public var channel: ChannelKind

    public init(occurrence: String, guardianID: String, channel: ChannelKind) {
        self.occurrence = occurrence
        self.guardianID = guardianID
        self.channel = channel
    }

    /// `occurrence/guardian/channel`: the idempotency key (Message-ID, `webhook-id`).
    public var rawValue: String { "\(occurrence)/\(guardianID)/\(channel.rawValue)" }

    public var description: String { rawValue }

    public static func < (lhs: DeliveryKey, rhs: DeliveryKey) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The rendered content a delivery carries, stored with it so a retry sends exactly what was rendered.
public struct OutboundMessage: Sendable, Codable, Hashable {
    public enum Class: String, Sendable, Codable, Hashable {
        case normal
        case newsletter
        case alert
    }

    public var subject: String
    public var text: String
    public var html: String?
    /// BCP 47 tag of the letter's language.
    public var language: String
    public var messageClass: Class
    public var ackURL: String?
    public var unsubscribeURL: String?
    /// An iCalendar object sent with the email as an attachment (a booking confirmation's times), else nil.
    public var calendar: String?

    public init(
        subject: String, text: String, html: String? = nil, language: String, messageClass: Class = .normal,
        ackURL: String? = nil, unsubscribeURL: String? = nil, calendar: String? = nil
    ) {
        self.calendar = calendar
        self.subject = subject
        self.text = text
        self.html = html
        self.language = language
        self.messageClass = messageClass
        self.ackURL = ackURL
        self.unsubscribeURL = unsubscribeURL
    }
}

/// One message to one guardian on one channel, as the outbox holds it.
public struct Delivery: Sendable, Hashable, Identifiable {
    public var key: DeliveryKey
    public var eventID: String
    /// Email address, phone number or chat id.
    public var address: String
    public var recipientName: String
    public var priority: Priority
    public var state: DeliveryState
    /// Attempts made so far.
    public var attempts: Int
    /// Not to be sent before this moment (send time, quiet hours, retry backoff).
    public var notBefore: Date
    /// Give up (failed) when not sent by this moment.
    public var deadline: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// The last reply or error, for people.
    public var lastReply: String?
    public var message: OutboundMessage
    /// Who holds it while it is `sending`, with the fencing token its result must carry.
    public var claim: DeliveryClaim?

    public var id: DeliveryKey { key }

    public init(
        key: DeliveryKey, eventID: String, address: String, recipientName: String, priority: Priority = .normal,
        state: DeliveryState = .queued, attempts: Int = 0, notBefore: Date, deadline: Date? = nil, createdAt: Date,
        updatedAt: Date? = nil, lastReply: String? = nil, message: OutboundMessage, claim: DeliveryClaim? = nil
    ) {
        self.key = key
        self.eventID = eventID
        self.address = address
        self.recipientName = recipientName
        self.priority = priority
        self.state = state
        self.attempts = attempts
        self.notBefore = notBefore
        self.deadline = deadline
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.lastReply = lastReply
        self.message = message
        self.claim = claim
    }
}

/// A claim on a `sending` delivery: its owner, the fencing token of the claim, and when its lease runs out.
public struct DeliveryClaim: Sendable, Hashable {
    public var owner: String
    /// Grows with every claim on the outbox: a result is recorded only with the token of the row's current claim.
    public var token: Int64
    public var expires: Date

    public init(owner: String, token: Int64, expires: Date) {
        self.owner = owner
        self.token = token
        self.expires = expires
    }
}

/// What one attempt came to.
public enum AttemptOutcome: String, Sendable, Codable, Hashable {
    case sent
    /// A temporary problem: try again later.
    case retry
    /// A permanent refusal for this address.
    case failed
    /// The sender stopped (crash, kill) while the attempt was in flight; found at the next start.
    case interrupted
}

/// One try at sending a delivery, kept forever as its history.
public struct DeliveryAttempt: Sendable, Hashable, Codable {
    public var key: DeliveryKey
    public var number: Int
    public var startedAt: Date
    public var finishedAt: Date
    /// The relay or gateway used.
    public var target: String
    public var outcome: AttemptOutcome
    /// The server's reply or the error, verbatim.
    public var reply: String

    public init(key: DeliveryKey, number: Int, startedAt: Date, finishedAt: Date, target: String, outcome: AttemptOutcome, reply: String) {
        self.key = key
        self.number = number
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.target = target
        self.outcome = outcome
        self.reply = reply
    }
}

/// When to try again: exponential backoff with jitter, up to a number of attempts and a deadline.
public struct RetryPolicy: Sendable, Hashable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// How long after it was queued a delivery may still be tried.
    public var deadline: Duration

    public init(maxAttempts: Int = 8, baseDelay: Duration = .seconds(30), maxDelay: Duration = .seconds(3600), deadline: Duration = .seconds(48 * 3600)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.deadline = deadline
    }

    /// The delay before attempt `attempt + 1` after `attempt` attempts failed temporarily.
    /// `random` in 0..<1 spreads retries ("full jitter" between half and the whole backoff); a server's
    /// `Retry-After` wins when it is longer.
    public func delay(afterAttempt attempt: Int, random: Double, retryAfter: Duration? = nil) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let base = Double(baseDelay.components.seconds) + Double(baseDelay.components.attoseconds) / 1e18
        let cap = Double(maxDelay.components.seconds)
        let backoff = min(cap, base * pow(2, Double(exponent)))
        let jittered = backoff * (0.5 + 0.5 * min(max(random, 0), 1))
        let chosen = max(jittered, retryAfter.map { Double($0.components.seconds) } ?? 0)
        return .milliseconds(Int64(chosen * 1000))
    }

    /// Whether another attempt is allowed after `attempts` attempts, for a delivery queued at `createdAt`.
    public func allowsAnotherAttempt(after attempts: Int, createdAt: Date, now: Date, deadline explicit: Date? = nil) -> Bool {
        let limit = explicit ?? createdAt.addingTimeInterval(TimeInterval(deadline.components.seconds))
        return attempts < maxAttempts && now < limit
    }
}
