import Foundation
import LiaisonDelivery
import LiaisonModel
import LiaisonPlan
import LiaisonServer
import LiaisonStore
import Logging

/// Raises urgent alerts and escalates them until someone acknowledges: each due round of the school's
/// ``EscalationPolicy`` is queued (urgent, on every channel, outside quiet hours) and recorded once; the first
/// acknowledgement stops it and tells the staff on call who answered and when.
struct AlertDesk: Sendable {
    let state: SchoolState
    let journal: any DaemonJournal
    let queuing: DaemonQueuing
    let store: any OutboxStore
    let ledger: any AckLedger
    let channels: @Sendable () -> Set<ChannelKind>
    let clock: DaemonClock
    let logger: Logger

    /// A note as the office wrote it: line breaks stay, other control characters go, direction controls are kept
    /// inside an isolate; at most 2,000 characters.
    static func cleanNote(_ text: String, field: String) throws -> String {
        let written = LanguageRun.removingReserved(Whitespace.multilineControlsRemoved(text))
        let note = BidiIsolation.contained(written) ?? written
        guard note.count <= 2000 else { throw AdminRequestError(.invalid, "note-too-long", "Keep \(field) under 2,000 characters.") }
        return note
    }

    /// Validates and records a new alert, then runs its first round before returning.
    func raise(_ request: AlertRequest) async throws -> AlertReceipt {
        let school = state.school
        guard let kind = AlertKind(rawValue: request.kind.lowercased()) else {
            throw AdminRequestError(.invalid, "invalid-kind", "kind must be \(AlertKind.allCases.map(\.rawValue).joined(separator: " or ")), not \(request.kind).")
        }
        guard let student = school.roster.student(request.student) else {
            throw AdminRequestError(.notFound, "unknown-student", "No student \(request.student) in the roster.")
        }
        guard !school.roster.guardians(of: student.id).isEmpty else {
            throw AdminRequestError(.invalid, "no-guardians", "Student \(student.id) has no guardians in the roster: phone the emergency contact.")
        }
        let note = try Self.cleanNote(request.note ?? "", field: "note")
        var translations: [LanguageTag: String] = [:]
        for (key, text) in request.noteTranslations ?? [:] {
            guard let language = LanguageTag(key) else {
                throw AdminRequestError(
                    .invalid, "invalid-language", "note_translations has \"\(key.prefix(40))\", which is not a language tag (so, ar, zh-Hans).")
            }
            guard translations[language] == nil else {
                throw AdminRequestError(.invalid, "duplicate-language", "note_translations gives \(language) twice (keys compare without case).")
            }
            let cleaned = try Self.cleanNote(text, field: "note_translations.\(language.rawValue)")
            if !cleaned.isEmpty { translations[language] = cleaned }
        }
        guard translations.isEmpty || !note.isEmpty else {
            throw AdminRequestError(.invalid, "note-missing", "Give the note in the school's language too (note), then its translations.")
        }
        guard translations.count <= 20 else { throw AdminRequestError(.invalid, "too-many-translations", "Give at most 20 translations of the note.") }
        let now = clock.now()
        var alert = Alert(
            id: Alert.makeID(studentID: student.id, raisedAt: now), studentID: student.id, kind: kind, note: note, raisedAt: now,
            raisedBy: request.raisedBy ?? "api")
        alert.noteTranslations = translations
        var suffix = 1
        while try await journal.alert(alert.id) != nil {
            suffix += 1
            alert.id = Alert.makeID(studentID: student.id, raisedAt: now) + "-\(suffix)"
        }
        try await journal.open(alert)
        state.addAlertEvents([AlertEvents.guardians(alert, snapshot: school.snapshot)])
        logger.notice(
            "alert raised",
            metadata: ["alert": "\(alert.id)", "student": "\(student.id)", "kind": "\(kind.rawValue)", "by": "\(alert.raisedBy)"])
        let first = try await escalate(alert, now: now)
        // What was queued, per guardian and channel, and who could not be reached: never "notified" for a guardian
        // nothing was queued for.
        let queued = first.queued.filter { !$0.guardianID.hasPrefix("staff:") }
        let reachedIDs = Set(queued.map(\.guardianID))
        let unreachable = first.guardians.filter { !reachedIDs.contains($0) }.map { id in
            AlertReceipt.Unreachable(
                guardian: id,
                reason: first.problems.first { $0.guardianID == id }?.reason ?? "already queued, or no channel the school has configured reaches them")
        }
        for missing in unreachable {
            logger.error("alert cannot reach a guardian: phone them", metadata: ["alert": "\(alert.id)", "guardian": "\(missing.guardian)"])
        }
        return AlertReceipt(
            id: alert.id, student: student.id, kind: kind.rawValue, raisedAt: now, notified: first.guardians.filter(reachedIDs.contains),
            deliveries: queued.count, queued: queued.map { AlertReceipt.Queued(guardian: $0.guardianID, channel: $0.channel.rawValue) },
            unreachable: unreachable)
    }

    /// Re-registers the events of alerts still active (after a restart) so their links work.
    func restore() async throws {
        let school = state.school
        let alerts = try await journal.alerts(limit: 1000)
        state.addAlertEvents(alerts.map { AlertEvents.guardians($0, snapshot: school.snapshot) })
    }

    /// One pass over every active alert; returns when the next round is due.
    func pass() async throws -> Date? {
        var next: Date?
        for alert in try await journal.activeAlerts() {
            let now = clock.now()
            _ = try await escalate(alert, now: now)
            let policy = state.school.configuration.alerts.policy
            if let round = policy.nextRound(raisedAt: alert.raisedAt, after: now, acknowledgedAt: nil) {
                next = min(next ?? round.at, round.at)
            }
        }
        return next
    }

    struct RoundSummary {
        var guardians: [String] = []
        var deliveries = 0
        var queued: [DeliveryKey] = []
        var problems: [PlanProblem] = []
    }

    /// Stops the alert if someone answered; otherwise queues every round now due that has not run.
    @discardableResult
    func escalate(_ alert: Alert, now: Date) async throws -> RoundSummary {
        let school = state.school
        if let ack = try await ledger.firstAcknowledgement(eventID: alert.id, since: alert.raisedAt) {
            try await stop(alert, answer: ack, school: school, now: now)
            return RoundSummary()
        }
        guard alert.status == .open else { return RoundSummary() }
        let settings = school.configuration.alerts
        let done = Set(try await journal.rounds(alertID: alert.id).map(\.round))
        var summary = RoundSummary()
        let planner = school.planner(channels: channels())
        if let (round, collapsed) = settings.policy.roundToRun(raisedAt: alert.raisedAt, now: now, acknowledgedAt: nil, done: done) {
            let recipients = alert.recipients(for: round.targets, roster: school.roster, settings: settings)
            let guardians = recipients.filter { !$0.guardian.id.hasPrefix("staff:") }
            let staff = recipients.filter { $0.guardian.id.hasPrefix("staff:") }
            let occurrence = Occurrence.alertRound(alert, round: round.id, at: now)
            let event = state.alertEvent(alert.id) ?? AlertEvents.guardians(alert, snapshot: school.snapshot)
            var outcome = try await queuing.queue(Queuer.Request(
                occurrence: occurrence, event: event, recipients: guardians, school: school.school, planner: planner, now: now))
            if !staff.isEmpty {
                let staffEvent = AlertEvents.staff(alert, round: round.id, snapshot: school.snapshot, now: now, reached: guardians.map(\.guardian.id))
                let staffOutcome = try await queuing.queue(Queuer.Request(
                    occurrence: occurrence, event: staffEvent, recipients: staff, school: school.school, planner: planner, now: now,
                    withAckLinks: false))
                outcome.queued += staffOutcome.queued
                outcome.problems += staffOutcome.problems
            }
            let reached = recipients.map(\.guardian.id)
            let recorded = try await journal.recordRound(AlertRound(alertID: alert.id, round: round.id, ranAt: now, recipients: reached))
            // Rounds missed while the daemon was down ran as this one, once; recorded only now that it is queued and
            // recorded, so a failure before leaves them due (and merged again) at the next pass.
            for missed in collapsed {
                _ = try await journal.recordRound(AlertRound(alertID: alert.id, round: missed.id, ranAt: now, recipients: []))
                logger.notice("alert round missed while stopped; sent as the current round", metadata: [
                    "alert": "\(alert.id)", "missed": "\(missed.id)", "current": "\(round.id)",
                ])
            }
            if recorded {
                logger.notice(
                    "alert escalation round",
                    metadata: [
                        "alert": "\(alert.id)", "round": "\(round.id)", "targets": "\(round.targets.map(\.rawValue).joined(separator: ","))",
                        "recipients": "\(reached.joined(separator: " "))", "deliveries": "\(outcome.queued.count)",
                    ])
            }
            for problem in outcome.problems {
                // The id only: the reason can quote an address.
                logger.error("alert not sent to a recipient", metadata: ["alert": "\(alert.id)", "guardian": "\(problem.guardianID)"])
            }
            if summary.guardians.isEmpty { summary.guardians = guardians.map(\.guardian.id) }
            summary.deliveries += outcome.queued.count
            summary.queued += outcome.queued
            summary.problems += outcome.problems
        }
        if settings.policy.nextRound(raisedAt: alert.raisedAt, after: now, acknowledgedAt: nil) == nil {
            var exhausted = alert
            exhausted.status = .exhausted
            try await journal.update(exhausted)
            logger.error("alert unanswered after every round", metadata: ["alert": "\(alert.id)", "student": "\(alert.studentID)"])
        }
        return summary
    }

    /// The first answer: record it, withdraw what is still queued, tell the staff on call.
    private func stop(_ alert: Alert, answer: Acknowledgement, school: LoadedSchool, now: Date) async throws {
        var answered = alert
        answered.status = .acknowledged
        answered.acknowledgedAt = answer.at
        answered.acknowledgedBy = answer.guardianID
        answered.acknowledgedVia = answer.via
        var withdrawn = 0
        for round in try await journal.rounds(alertID: alert.id) where round.round != "answered" {
            withdrawn += try await store.cancel(
                matching: DeliveryQuery(occurrence: alert.occurrence(round: round.round)),
                reason: "acknowledged by \(answer.guardianID)", now: now)
        }
        let guardian = school.roster.guardian(answer.guardianID)
        let relationship = school.roster.guardianships(of: alert.studentID).first { $0.guardianID == answer.guardianID }?.relationship
        let staff = school.configuration.alerts.onCall(for: school.roster.student(alert.studentID)?.className ?? "")
            .map { Recipient(guardian: $0.asGuardian, students: school.roster.student(alert.studentID).map { [$0] } ?? []) }
        var notices = 0
        if !staff.isEmpty {
            let event = AlertEvents.answered(
                answered, snapshot: school.snapshot, by: guardian?.displayName ?? answer.guardianID, relationship: relationship)
            notices = try await queuing.queue(Queuer.Request(
                occurrence: .alertRound(alert, round: "answered", at: now), event: event, recipients: staff, school: school.school,
                planner: school.planner(channels: channels()), now: now, withAckLinks: false
            )).queued.count
        }
        _ = try await journal.recordRound(AlertRound(alertID: alert.id, round: "answered", ranAt: now, recipients: staff.map(\.guardian.id)))
        try await journal.update(answered)
        logger.notice(
            "alert acknowledged; escalation stopped",
            metadata: [
                "alert": "\(alert.id)", "by": "\(answer.guardianID)", "via": "\(answer.via)",
                "after_seconds": "\(Int(answer.at.timeIntervalSince(alert.raisedAt)))", "withdrawn": "\(withdrawn)",
                "staff_told": "\(notices)",
            ])
    }
}
