import Foundation
import LiaisonModel

/// A guardian's answer to an event (or an alert): read, or an RSVP option id.
public struct Acknowledgement: Sendable, Hashable, Codable {
    public var eventID: String
    public var guardianID: String
    /// `"read"` or an RSVP option id (`"attending"`).
    public var answer: String
    public var at: Date
    /// How it arrived: `"page"`, `"api"`, `"sms"`, `"chat"`, `"staff"`.
    public var via: String
    /// The message it came through, if known.
    public var occurrence: String?

    /// The answer a guardian gives by opening or confirming a message, as opposed to choosing an RSVP option.
    public static let read = "read"

    public init(eventID: String, guardianID: String, answer: String, at: Date, via: String, occurrence: String? = nil) {
        self.eventID = eventID
        self.guardianID = guardianID
        self.answer = answer
        self.at = at
        self.via = via
        self.occurrence = occurrence
    }
}

/// What an acknowledgement link in one message stands for.
public struct AckLink: Sendable, Hashable {
    public var eventID: String
    public var guardianID: String
    public var occurrence: String
    public var createdAt: Date

    public init(eventID: String, guardianID: String, occurrence: String, createdAt: Date) {
        self.eventID = eventID
        self.guardianID = guardianID
        self.occurrence = occurrence
        self.createdAt = createdAt
    }
}

/// What `acknowledge` did.
public enum AckOutcome: Sendable, Hashable {
    /// The guardian's first answer for the event.
    case recorded
    /// A different answer replaced `from`.
    case changed(from: String)
    /// Nothing to change: the same answer again, or `"read"` after an answer (reading never replaces an answer).
    case unchanged
    /// A different answer after the deadline: nothing was recorded.
    case tooLate(deadline: Date)
}

/// Who acknowledged what, and when: one current answer per (event, guardian), with the full history of answers.
public protocol AckLedger: LinkTokenIssuer, OptOutRegistry {
    /// A new unguessable token (≥128 bits from SystemRandomNumberGenerator, base64url, no padding) for the link in one
    /// message; only its SHA-256 is stored. Calling it twice for the same (occurrence, guardian) returns a new token
    /// each time; both stay valid.
    func issueToken(eventID: String, occurrence: String, guardianID: String, now: Date) async throws -> String
    /// Tokens for many guardians of one occurrence at once, in one transaction; guardian id → token.
    func issueTokens(eventID: String, occurrence: String, guardianIDs: [String], now: Date) async throws -> [String: String]
    /// The link a token belongs to, or nil (unknown tokens and malformed input: nil, never an error). Lookup is by
    /// hash, so timing does not depend on the token's bytes.
    func link(forToken token: String) async throws -> AckLink?
    /// Records an answer. Acknowledging one message of an event acknowledges the event for that guardian. An answer
    /// may change until `changeUntil` (the event's start); after it: .tooLate and nothing recorded. The same answer
    /// again: .unchanged. Every recorded or changed answer is appended to a history that is never deleted.
    func acknowledge(
        eventID: String, guardianID: String, answer: String, via: String, occurrence: String?, at: Date, changeUntil: Date?
    ) async throws -> AckOutcome
    /// The current answer of a guardian for an event.
    func acknowledgement(eventID: String, guardianID: String) async throws -> Acknowledgement?
    /// Current answers for an event (one per guardian).
    func acknowledgements(eventID: String) async throws -> [Acknowledgement]
    /// Every answer a guardian gave for an event, oldest first.
    func history(eventID: String, guardianID: String) async throws -> [Acknowledgement]
    /// The first acknowledgement of an event after `since` (to stop an alert's escalation and tell staff who answered
    /// and when).
    func firstAcknowledgement(eventID: String, since: Date) async throws -> Acknowledgement?

    /// The unsubscribe link a token belongs to, or nil (unknown or malformed tokens: nil, never an error).
    func unsubscribeLink(forToken token: String) async throws -> UnsubscribeLink?
    /// Records that a guardian wants no more messages of `category`; false when they had already said so.
    func optOut(guardianID: String, category: MessageCategory, via: String, at: Date) async throws -> Bool
    /// Takes an opt-out back (the office, on the family's word); false when there was none.
    func optIn(guardianID: String, category: MessageCategory) async throws -> Bool
    /// The categories a guardian opted out of, with when.
    func optOuts(guardianID: String) async throws -> [(category: MessageCategory, at: Date, via: String)]
}

/// What an unsubscribe link in one message stands for.
public struct UnsubscribeLink: Sendable, Hashable {
    public var guardianID: String
    public var category: MessageCategory
    public var occurrence: String
    public var createdAt: Date

    public init(guardianID: String, category: MessageCategory, occurrence: String, createdAt: Date) {
        self.guardianID = guardianID
        self.category = category
        self.occurrence = occurrence
        self.createdAt = createdAt
    }
}
