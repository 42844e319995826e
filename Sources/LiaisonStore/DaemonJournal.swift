import Foundation
import LiaisonModel

/// What the scheduler did with one planned send of an event.
public struct ScheduleEntry: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Rendered and queued.
        case queued
        /// Due but not sent, with the reason (superseded, the event already started).
        case skipped
        /// Queued, then withdrawn because the event was cancelled, removed or moved.
        case withdrawn
    }

    /// `event@2026-12-02T16:00:00Z`: the delivery keys' occurrence.
    public var occurrence: String
    public var eventID: String
    /// When the schedule asked for it.
    public var dueAt: Date
    public var outcome: Outcome
    public var reason: String?
    /// The event's fingerprint when it was planned: a different one later means the event changed.
    public var fingerprint: String
    public var recordedAt: Date

    public init(
        occurrence: String, eventID: String, dueAt: Date, outcome: Outcome, reason: String? = nil, fingerprint: String,
        recordedAt: Date
    ) {
        self.occurrence = occurrence
        self.eventID = eventID
        self.dueAt = dueAt
        self.outcome = outcome
        self.reason = reason
        self.fingerprint = fingerprint
        self.recordedAt = recordedAt
    }
}

/// One round of an alert's escalation, as it ran.
public struct AlertRound: Sendable, Hashable, Codable {
    public var alertID: String
    /// `step-1`, `repeat-2`, or `answered` (the notice to staff that someone acknowledged).
    public var round: String
    public var ranAt: Date
    /// Who it reached (guardian ids, `staff:<id>`).
    public var recipients: [String]

    public init(alertID: String, round: String, ranAt: Date, recipients: [String]) {
        self.alertID = alertID
        self.round = round
        self.ranAt = ranAt
        self.recipients = recipients
    }
}

/// The daemon's own durable records: what the scheduler planned or skipped, the alerts raised and every round of
/// their escalation. Nothing is deleted.
public protocol DaemonJournal: Sendable {
    /// Records an entry; an existing entry for the same occurrence is replaced (queued → withdrawn, new fingerprint).
    func record(_ entry: ScheduleEntry) async throws
    /// Every entry, or those of one event, ordered by due time.
    func scheduleEntries(eventID: String?) async throws -> [ScheduleEntry]

    /// Stores a new alert; throws if its id exists.
    func open(_ alert: Alert) async throws
    /// Replaces an alert's status and acknowledgement fields.
    func update(_ alert: Alert) async throws
    func alert(_ id: String) async throws -> Alert?
    /// Alerts still escalating or waiting for an answer (`open` and `exhausted`), oldest first.
    func activeAlerts() async throws -> [Alert]
    /// The most recent alerts first.
    func alerts(limit: Int) async throws -> [Alert]
    /// Records a round once: false when this round of this alert was already recorded (it ran before a restart).
    func recordRound(_ round: AlertRound) async throws -> Bool
    func rounds(alertID: String) async throws -> [AlertRound]
    /// Records a message written on the desk; false when one with its id exists.
    func save(_ composition: Composition) async throws -> Bool
    func update(_ composition: Composition) async throws
    /// Messages written on the desk since `since`, or due to be sent since then (a message planned weeks ahead),
    /// oldest first.
    func compositions(since: Date) async throws -> [Composition]
}
