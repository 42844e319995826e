import Foundation
import LiaisonModel
import LiaisonStore

/// The body of `POST /v1/alerts`.
public struct AlertRequest: Sendable, Codable, Hashable {
    public var student: String
    /// `sickness` or `accident`.
    public var kind: String
    public var note: String?
    /// The note in other languages, by language tag (`{"so": "…", "ar": "…"}`): a reader of one gets it as written.
    public var noteTranslations: [String: String]?
    /// Who raised it, for the record (`office`, a name).
    public var raisedBy: String?

    enum CodingKeys: String, CodingKey {
        case student, kind, note
        case noteTranslations = "note_translations"
        case raisedBy = "raised_by"
    }

    public init(student: String, kind: String, note: String? = nil, noteTranslations: [String: String]? = nil, raisedBy: String? = nil) {
        self.student = student
        self.kind = kind
        self.note = note
        self.noteTranslations = noteTranslations
        self.raisedBy = raisedBy
    }
}

/// What `POST /v1/alerts` answers once the first round is durably queued.
public struct AlertReceipt: Sendable, Codable, Hashable {
    public var id: String
    public var student: String
    public var kind: String
    public var raisedAt: Date
    /// Guardian ids the first round queued at least one message for.
    public var notified: [String]
    /// Deliveries queued for the first round (one per guardian and channel).
    public var deliveries: Int
    /// Each of those deliveries: who, on which channel.
    public var queued: [Queued]
    /// Guardians of the child the first round could queue nothing for, and why: the office should phone them.
    public var unreachable: [Unreachable]
    /// Where to follow it: `/v1/alerts/{id}`.
    public var statusPath: String

    public struct Queued: Sendable, Codable, Hashable {
        public var guardian: String
        public var channel: String
        public init(guardian: String, channel: String) {
            self.guardian = guardian
            self.channel = channel
        }
    }

    public struct Unreachable: Sendable, Codable, Hashable {
        public var guardian: String
        public var reason: String
        public init(guardian: String, reason: String) {
            self.guardian = guardian
            self.reason = reason
        }
    }

    public init(
        id: String, student: String, kind: String, raisedAt: Date, notified: [String], deliveries: Int, queued: [Queued] = [],
        unreachable: [Unreachable] = []
    ) {
        self.id = id
        self.student = student
        self.kind = kind
        self.raisedAt = raisedAt
        self.notified = notified
        self.deliveries = deliveries
        self.queued = queued
        self.unreachable = unreachable
        statusPath = "/v1/alerts/\(id)"
    }
}

/// An alert with every round of its escalation, for `GET /v1/alerts/{id}`.
public struct AlertReport: Sendable, Codable {
    public var alert: Alert
    public var rounds: [AlertRound]
    /// The rounds still to come if nobody answers (id and time).
    public var upcoming: [Upcoming]

    public struct Upcoming: Sendable, Codable {
        public var round: String
        public var at: Date
        public var notify: [String]

        public init(round: String, at: Date, notify: [String]) {
            self.round = round
            self.at = at
            self.notify = notify
        }
    }

    public init(alert: Alert, rounds: [AlertRound], upcoming: [Upcoming]) {
        self.alert = alert
        self.rounds = rounds
        self.upcoming = upcoming
    }
}

/// One event of the schedule (or an alert) with its delivery figures, for `GET /v1/events`.
public struct EventListing: Sendable, Codable {
    public var id: String
    public var kind: String
    public var title: String
    public var start: Date
    public var priority: String
    public var cancelled: Bool
    public var audience: String
    /// The next planned send still to come, if any.
    public var nextSend: Date?
    /// Deliveries by state (every state, zeros included).
    public var deliveries: [String: Int]
    public var acknowledged: Int

    public init(
        id: String, kind: String, title: String, start: Date, priority: String, cancelled: Bool, audience: String,
        nextSend: Date?, deliveries: [String: Int], acknowledged: Int
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.start = start
        self.priority = priority
        self.cancelled = cancelled
        self.audience = audience
        self.nextSend = nextSend
        self.deliveries = deliveries
        self.acknowledged = acknowledged
    }
}

/// A request the admin API refuses, with a stable code and a sentence saying what to fix.
public struct AdminRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case notFound
        case invalid
        case unavailable
    }

    public var kind: Kind
    public var code: String
    public var message: String

    public init(_ kind: Kind, _ code: String, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// What the admin API asks of the daemon behind it.
public protocol AdminService: Sendable {
    /// Raises an urgent alert and queues its first round before returning.
    func raiseAlert(_ request: AlertRequest) async throws -> AlertReceipt
    func alert(id: String) async throws -> AlertReport?
    func events() async throws -> [EventListing]
    /// The per-guardian report of an event or alert, or nil when there is no such event.
    func status(eventID: String) async throws -> EventStatusReport?
}
