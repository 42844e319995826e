import Foundation
import LiaisonDelivery
import LiaisonModel
import LiaisonPlan
import LiaisonStore
import Logging

/// Turns the schedule into queued messages: each planned send of each event is queued once, when it is due, in the
/// event's time zone; what came due while the daemon was down is sent only if still relevant (and what is not is
/// recorded as skipped); an event cancelled, removed, moved or edited withdraws or rewrites what is still queued.
///
/// Everything it does is recorded in the ``DaemonJournal`` and keyed by occurrence, so a restart or a reload never
/// queues the same message twice.
struct Scheduler: Sendable {
    let state: SchoolState
    let journal: any DaemonJournal
    let queuing: DaemonQueuing
    let store: any OutboxStore
    let channels: @Sendable () -> Set<ChannelKind>
    let logger: Logger
    /// Where each scheduled send is recorded as an administrative action (actor `schedule`).
    var audit: (any AuditLog)? = nil
    /// Households' booking changes to confirm, each pass (the pages ring this scheduler's wakeup).
    var confirmations: BookingConfirmations? = nil

    /// One pass: queues what is due at `now`, records what was skipped, and returns when the next send is due.
    /// With `reconcile`, first brings what is still queued in line with the current schedule and roster.
    func pass(now: Date, reconcile: Bool) async throws -> Date? {
        let school = state.school
        let planner = school.planner(channels: channels())
        var entries = Dictionary(try await journal.scheduleEntries(eventID: nil).map { ($0.occurrence, $0) }, uniquingKeysWith: { $1 })
        if reconcile {
            try await self.reconcile(school: school, planner: planner, entries: &entries, now: now)
        }
        let (actions, next) = SchedulePlan.pass(events: state.scheduleEvents(of: school), recorded: Set(entries.keys), now: now)
        for action in actions {
            switch action {
            case .skip(let event, let send, let reason):
                let entry = ScheduleEntry(
                    occurrence: send.occurrence, eventID: event.id, dueAt: send.at, outcome: .skipped, reason: reason,
                    fingerprint: event.fingerprint, recordedAt: now)
                try await journal.record(entry)
                entries[entry.occurrence] = entry
                logger.notice("skipped a planned send", metadata: ["event": "\(event.id)", "occurrence": "\(send.occurrence)", "reason": "\(reason)"])
            case .queue(let event, let send):
                let recipients = event.audience.recipients(in: school.roster)
                let outcome = try await queuing.queue(Queuer.Request(
                    occurrence: .scheduled(send), event: event, recipients: recipients, school: school.school, planner: planner, now: now))
                for problem in outcome.problems {
                    logger.warning("not sent", metadata: ["event": "\(event.id)", "guardian": "\(problem.guardianID)", "reason": "\(problem.reason)"])
                }
                let entry = ScheduleEntry(
                    occurrence: send.occurrence, eventID: event.id, dueAt: send.at, outcome: .queued,
                    fingerprint: event.fingerprint, recordedAt: now)
                try await journal.record(entry)
                entries[entry.occurrence] = entry
                await record(AuditEntry(
                    at: now, actor: "schedule", action: .scheduledSend, subject: send.occurrence,
                    detail: "deliveries=\(outcome.queued.count) already_queued=\(outcome.alreadyQueued) problems=\(outcome.problems.count)"))
                logger.info(
                    "queued a scheduled send",
                    metadata: [
                        "event": "\(event.id)", "occurrence": "\(send.occurrence)", "deliveries": "\(outcome.queued.count)",
                        "already_queued": "\(outcome.alreadyQueued)",
                        "guardians": "\(recipients.count)", "problems": "\(outcome.problems.count)",
                    ])
            }
        }
        if let confirmations {
            // A failure here stops no scheduled send; what is pending stays pending for the next pass.
            do { try await confirmations.pass(now: now) } catch {
                logger.error("could not queue booking confirmations", metadata: ["error": "\(type(of: error))"])
            }
        }
        return next
    }

    /// Brings queued, unsent deliveries in line with the schedule and roster now loaded: withdrawn when their event is
    /// cancelled or gone or their send time no longer exists; re-rendered when the event or the roster changed
    /// (guardians gone from the audience are withdrawn, new ones queued).
    private func reconcile(school: LoadedSchool, planner: Planner, entries: inout [String: ScheduleEntry], now: Date) async throws {
        let events = Dictionary(state.scheduleEvents(of: school).map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        for entry in entries.values.sorted(by: { $0.dueAt < $1.dueAt }) where entry.outcome == .queued {
            let unsent = try await store.deliveries(matching: DeliveryQuery(states: [.queued, .retry], occurrence: entry.occurrence))
            let event = events[entry.eventID]
            if let withdrawReason = SchedulePlan.withdrawal(of: entry.occurrence, event: event) {
                let cancelled = try await store.cancel(
                    matching: DeliveryQuery(occurrence: entry.occurrence), reason: withdrawReason, now: now)
                var withdrawn = entry
                withdrawn.outcome = .withdrawn
                withdrawn.reason = withdrawReason
                withdrawn.recordedAt = now
                try await journal.record(withdrawn)
                entries[entry.occurrence] = withdrawn
                if event == nil || event?.isCancelled == true, let confirmations {
                    // Its booking confirmations still waiting go with it.
                    _ = try await confirmations.withdraw(eventID: entry.eventID, reason: withdrawReason, now: now)
                }
                logger.notice(
                    "withdrew queued messages",
                    metadata: ["event": "\(entry.eventID)", "occurrence": "\(entry.occurrence)", "cancelled": "\(cancelled)", "reason": "\(withdrawReason)"])
                continue
            }
            guard let event, !unsent.isEmpty || event.fingerprint != entry.fingerprint else { continue }
            // Still queued: render again for the current event and audience.
            let recipients = event.audience.recipients(in: school.roster)
            let audience = Set(recipients.map(\.guardian.id))
            var gone = 0
            for guardianID in Set(unsent.map(\.key.guardianID)) where !audience.contains(guardianID) {
                gone += try await store.cancel(
                    matching: DeliveryQuery(guardianID: guardianID, occurrence: entry.occurrence),
                    reason: "no longer in the event's audience", now: now)
            }
            let unsentGuardians = Set(unsent.map(\.key.guardianID))
            let occurrence = Occurrence(
                id: entry.occurrence, eventID: event.id, kind: Occurrence.kind(of: entry.occurrence), dueAt: entry.dueAt)
            // A reminder of a survey, a meeting families book or a permission slip reaches only those still to answer:
            // one queued before a family answered is withdrawn, the others rendered for the children still to answer.
            var reached = recipients
            // Only with messages still waiting, and never a new draw here (a sample is drawn by a send, not a reload).
            var sampleKept = event.sampled == nil
            if !sampleKept { sampleKept = try await queuing.queuer.surveys?.registry.sample(surveyID: event.id) != nil }
            if event.dependsOnAnswers, !unsentGuardians.isEmpty, sampleKept {
                reached = try await queuing.queuer.recipients(of: Queuer.Request(
                    occurrence: occurrence, event: event, recipients: recipients, school: school.school, planner: planner, now: now))
                let still = Set(reached.map(\.guardian.id))
                for guardianID in unsentGuardians.subtracting(still).intersection(audience).sorted() {
                    gone += try await store.cancel(
                        matching: DeliveryQuery(guardianID: guardianID, occurrence: entry.occurrence), reason: "answered meanwhile", now: now)
                }
            }
            let revised = try await queuing.revise(Queuer.Request(
                occurrence: occurrence, event: event, recipients: reached.filter { unsentGuardians.contains($0.guardian.id) },
                school: school.school, planner: planner, now: now))
            // Guardians new to the audience, when the event has not started yet.
            let added = now < event.start
                ? try await queuing.queue(Queuer.Request(
                    occurrence: occurrence, event: event, recipients: recipients, school: school.school, planner: planner, now: now)
                ).queued.count
                : 0
            var updated = entry
            updated.fingerprint = event.fingerprint
            updated.recordedAt = now
            try await journal.record(updated)
            entries[entry.occurrence] = updated
            if revised + gone + added > 0 {
                logger.notice(
                    "updated queued messages",
                    metadata: ["event": "\(event.id)", "occurrence": "\(entry.occurrence)", "revised": "\(revised)", "withdrawn": "\(gone)", "added": "\(added)"])
            }
        }
    }

    /// Appends to the audit log; a failure is logged, never stops a send.
    private func record(_ entry: AuditEntry) async {
        guard let audit else { return }
        do { try await audit.append(entry) } catch {
            logger.error("could not write the audit log", metadata: ["action": "\(entry.action.rawValue)", "error": "\(type(of: error))"])
        }
    }
}
