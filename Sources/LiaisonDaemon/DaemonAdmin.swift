import Foundation
import Logging
import LiaisonLocalization
import LiaisonModel
import LiaisonRender
import LiaisonServer
import LiaisonStore

/// The admin API's view of the daemon: alerts, events with their figures, per-guardian status.
struct DaemonAdmin: AdminService {
    let state: SchoolState
    let journal: any DaemonJournal
    let store: any OutboxStore
    let ledger: any AckLedger
    let desk: AlertDesk
    let clock: DaemonClock
    /// Where raised alerts are recorded (actor: who the request names, `api` when it names nobody).
    var audit: (any AuditLog)? = nil
    var logger = Logger(label: "liaison.admin")
    /// The channels as configured and their outages, for the desk's Health page.
    var channels: ChannelHolder? = nil
    var recovery: Locked<ChannelRecovery>? = nil
    /// Wakes the dispatch lanes (after a retry from the desk).
    var wakeDispatch: @Sendable () -> Void = {}
    /// Wakes the scheduler (a message written on the desk is due).
    var wakeScheduler: @Sendable () -> Void = {}
    /// Machine translation of staff text nobody translated, as the queuer makes it (for previews).
    var translator: MachineTranslator? = nil

    func raiseAlert(_ request: AlertRequest) async throws -> AlertReceipt {
        let receipt = try await desk.raise(request)
        // After the alert is queued: the audit log never delays it, and its failure never stops it.
        let actor = request.raisedBy.map { "api (" + String((Whitespace.controlsRemoved($0) ?? $0).prefix(80)) + ")" } ?? "api"
        let entry = AuditEntry(
            at: clock.now(), actor: actor, action: .alertRaised, subject: receipt.id,
            detail: "kind=\(receipt.kind) deliveries=\(receipt.deliveries) unreachable=\(receipt.unreachable.count)")
        do { try await audit?.append(entry) } catch {
            logger.error("could not write the audit log", metadata: ["action": "\(entry.action.rawValue)", "error": "\(type(of: error))"])
        }
        return receipt
    }

    func alert(id: String) async throws -> AlertReport? {
        guard let alert = try await journal.alert(id) else { return nil }
        let policy = state.school.configuration.alerts.policy
        let rounds = try await journal.rounds(alertID: id)
        let done = Set(rounds.map(\.round))
        let upcoming = alert.status == .open
            ? policy.rounds(raisedAt: alert.raisedAt).filter { !done.contains($0.id) }.map {
                AlertReport.Upcoming(round: $0.id, at: $0.at, notify: $0.targets.map(\.rawValue))
            }
            : []
        return AlertReport(alert: alert, rounds: rounds, upcoming: upcoming)
    }

    func events() async throws -> [EventListing] {
        let school = state.school
        let now = clock.now()
        var listings: [EventListing] = []
        let alerts = try await journal.alerts(limit: 200)
        let alertEvents = alerts.compactMap { state.alertEvent($0.id) }
        for event in state.scheduleEvents(of: school) + alertEvents {
            let counts = try await store.counts(eventID: event.id)
            let acknowledged = try await ledger.acknowledgements(eventID: event.id).count
            let next = event.isCancelled ? nil : SendSchedule.sends(for: event).first { $0.at > now && $0.at < SendSchedule.cutoff(for: event) }?.at
            listings.append(EventListing(
                id: event.id, kind: event.kind.rawValue, title: event.title.base, start: event.start, priority: event.priority.rawValue,
                cancelled: event.isCancelled, audience: event.audience.description, nextSend: next,
                deliveries: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }), acknowledged: acknowledged))
        }
        return listings.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    }

    func status(eventID: String) async throws -> EventStatusReport? {
        let school = state.school
        let recipients: [Recipient]
        let event: Event
        if let scheduled = school.snapshot.event(eventID) ?? state.composedEvent(eventID) {
            event = scheduled
            recipients = scheduled.audience.recipients(in: school.roster)
        } else if let alert = try await journal.alert(eventID), let alertEvent = state.alertEvent(eventID) {
            event = alertEvent
            recipients = alert.recipients(for: [.allGuardians], roster: school.roster, settings: school.configuration.alerts)
        } else {
            return nil
        }
        let deliveries = try await store.deliveries(matching: DeliveryQuery(eventID: eventID))
        let answers = try await ledger.acknowledgements(eventID: eventID)
        let renderer = school.snapshot.renderer
        return EventStatusReport(
            event: event, recipients: recipients, deliveries: deliveries, answers: answers,
            isFallback: { renderer.chain(for: $0).fallbackKind == .otherLanguage })
    }
}

extension DaemonAdmin: DeskService {
    func raiseAlert(_ request: AlertRequest, by staff: DeskStaff) async throws -> AlertReceipt {
        var request = request
        request.raisedBy = staff.actor
        let receipt = try await desk.raise(request)
        await audit(AuditEntry(
            at: clock.now(), actor: staff.actor, action: .alertRaised, subject: receipt.id,
            detail: "kind=\(receipt.kind) deliveries=\(receipt.deliveries) unreachable=\(receipt.unreachable.count)"))
        return receipt
    }

    func alerts(limit: Int) async throws -> [Alert] {
        let alerts = try await journal.alerts(limit: limit)
        return alerts.filter { $0.status == .open } + alerts.filter { $0.status != .open }
    }

    func recordPhoneCall(eventID: String, guardianID: String, by staff: DeskStaff) async throws -> PhoneCallOutcome {
        let school = state.school
        guard school.roster.guardian(guardianID) != nil else { return .unknownGuardian }
        let now = clock.now()
        let alert = try await journal.alert(eventID)
        // Only a guardian the event or alert is for: a call to anyone else must not stop an alert.
        let audience: [Recipient]
        if let alert {
            audience = alert.recipients(for: [.allGuardians], roster: school.roster, settings: school.configuration.alerts)
        } else if let event = school.snapshot.event(eventID) ?? state.composedEvent(eventID) {
            audience = event.audience.recipients(in: school.roster)
        } else {
            return .unknownEvent
        }
        guard audience.contains(where: { $0.guardian.id == guardianID }) else { return .unknownGuardian }
        // No deadline: the office records what a parent said on the phone whenever it happened.
        let outcome = try await ledger.acknowledge(
            eventID: eventID, guardianID: guardianID, answer: Acknowledgement.read, via: "phone:\(staff.actor)", occurrence: nil, at: now,
            changeUntil: nil)
        guard outcome == .recorded else { return .alreadyAnswered }
        await audit(AuditEntry(
            at: now, actor: staff.actor, action: alert == nil ? .ackRecorded : .alertAcknowledged, subject: eventID,
            detail: "guardian=\(guardianID) via=phone"))
        // An alert stops now (what is still queued withdrawn, the staff on call told), not at the next pass; one whose
        // every round ran unanswered too.
        var stopped = false
        if let alert, alert.status != .acknowledged {
            _ = try await desk.escalate(alert, now: now)
            stopped = try await journal.alert(eventID)?.status == .acknowledged
        }
        return .recorded(stoppedAlert: stopped)
    }

    func deliveryTallies(since: Date) async throws -> [DeliveryTally] {
        var query = DeliveryQuery()
        query.changedSince = since
        return try await store.tallies(matching: query)
    }

    func audit(_ entry: AuditEntry) async {
        do { try await audit?.append(entry) } catch {
            logger.error("could not write the audit log", metadata: ["action": "\(entry.action.rawValue)", "error": "\(type(of: error))"])
        }
    }

    func summaries(_ query: DeliveryQuery) async throws -> [DeliverySummary] {
        try await store.summaries(matching: query)
    }

    func answers(eventID: String) async throws -> [Acknowledgement] {
        try await ledger.acknowledgements(eventID: eventID)
    }

    func withdraw(eventID: String, by staff: DeskStaff) async throws -> Int {
        let now = clock.now()
        let withdrawn = try await store.cancel(
            matching: DeliveryQuery(states: [.queued, .retry], eventID: eventID), reason: "withdrawn by \(staff.actor)", now: now)
        await audit(AuditEntry(at: now, actor: staff.actor, action: .withdrawn, subject: eventID, detail: "deliveries=\(withdrawn)"))
        return withdrawn
    }

    func optOuts(guardianID: String) async throws -> [(category: MessageCategory, at: Date, via: String)] {
        try await ledger.optOuts(guardianID: guardianID)
    }

    func outboxCounts() async throws -> [DeliveryState: Int] {
        try await store.counts(eventID: nil)
    }

    func retryFailed(by staff: DeskStaff) async throws -> FailedRetry.Outcome {
        let now = clock.now()
        let outcome = try await FailedRetry.run(store: store, roster: state.school.roster, eventID: nil, guardianID: nil, now: now)
        if outcome.requeued + outcome.expedited > 0 {
            wakeDispatch()
            await audit(AuditEntry(at: now, actor: staff.actor, action: .retry, subject: "all", detail: outcome.auditDetail))
        }
        return outcome
    }

    func channelHealth() async -> [ChannelHealth] {
        let outages = recovery?.withLock { $0 }
        return (channels?.summary ?? []).map { line in
            let kinds = line.split(separator: ":", maxSplits: 1).first.map { $0.split(separator: ",").map { ChannelKind(rawValue: $0.trimmingCharacters(in: .whitespaces)) } } ?? []
            let since = kinds.compactMap { outages?.failingSince($0) }.min()
            return ChannelHealth(channel: kinds.map(\.rawValue).joined(separator: ", "), summary: line, failingSince: since)
        }
    }

    func schoolReport() async -> DeskSchoolReport {
        let school = state.school
        let report = school.report
        return DeskSchoolReport(
            diagnostics: report?.diagnostics ?? [], coverage: report?.coverage ?? school.snapshot.catalogs.coverage(),
            languages: (report?.languages ?? []).map { ($0.language, $0.guardians, $0.resolved, $0.fallback) }, loadedAt: school.loadedAt)
    }

    func preview(_ composition: Composition) async throws -> ComposePreview {
        let school = state.school
        let snapshot = school.snapshot
        let schoolDefault = snapshot.school.defaultLocale
        var event = composition.event(timeZone: snapshot.school.timeZone, schoolDefault: schoolDefault)
        let recipients = event.audience.recipients(in: school.roster)
        let renderer = snapshot.renderer
        let chains = Dictionary(Set(recipients.map(\.guardian.language)).map { ($0, renderer.chain(for: $0)) }, uniquingKeysWith: { first, _ in first })
        if let translator {
            event = await translator.prepare(event, chains: Array(chains.values), schoolDefault: schoolDefault)
        }
        let planner = school.planner(channels: channels?.kinds ?? [])
        var channelCounts: [String: Int] = [:]
        var unreachable = 0
        var groups: [LanguageTag: [Recipient]] = [:]
        for recipient in recipients {
            let kinds = planner.channels(for: recipient.guardian, priority: event.priority)
            if kinds.isEmpty { unreachable += 1 }
            for kind in kinds { channelCounts[kind.rawValue, default: 0] += 1 }
            groups[chains[recipient.guardian.language]?.resolved ?? schoolDefault, default: []].append(recipient)
        }
        var letters: [ComposePreview.Letter] = []
        for (_, readers) in groups.sorted(by: { $0.key < $1.key }) {
            guard let first = readers.first, let chain = chains[first.guardian.language] else { continue }
            let rendered = try renderer.render(RenderRequest(
                event: event, recipient: first, progress: snapshot.progressByStudent,
                ackURL: (snapshot.school.baseURL?.absoluteString ?? "https://liaison.invalid") + "/a/PREVIEW", now: composition.sendAt,
                includeHTML: false, includeShort: true))
            let letter = LocaleChain.formattingLocale(requested: first.guardian.language, letter: chain.resolved, schoolDefault: schoolDefault)
            let fields = StaffText.fields(of: event)
            let untranslated = StaffText.untranslated(in: event, chain: chain, letter: letter, schoolDefault: schoolDefault).map(\.path)
            let machine = fields.filter { field in chain.candidates.contains { field.text.machine[$0] != nil } && untranslated.contains(field.path) }.map(\.path)
            letters.append(ComposePreview.Letter(
                language: rendered.language.rawValue, requested: Array(Set(readers.map(\.guardian.language.rawValue))).sorted(), guardians: readers.count,
                fallbackGuardians: readers.filter { chains[$0.guardian.language]?.fallbackKind == .otherLanguage }.count,
                untranslated: untranslated.filter { !machine.contains($0) }, machineTranslated: machine, subject: rendered.subject,
                text: LanguageRun.removingMarks(rendered.text), sms: rendered.sms.map(LanguageRun.removingMarks),
                smsParts: rendered.sms.map { SMSSegments($0).parts }, rightToLeft: rendered.direction == .rtl))
        }
        return ComposePreview(letters: letters, channels: channelCounts, guardians: recipients.count, unreachable: unreachable)
    }

    func compose(_ composition: Composition, by staff: DeskStaff) async throws -> Composition {
        let school = state.school
        let now = clock.now()
        var composition = composition
        composition.composedBy = staff.actor
        composition.composedAt = now
        if let problem = composition.problem(now: now, timeZone: school.school.timeZone) {
            throw AdminRequestError(.invalid, problem, "The message cannot be sent as written (\(problem)).")
        }
        let unknown = composition.audience.unknownMembers(in: school.roster)
        guard unknown.isEmpty else {
            let names = unknown.grades + unknown.classes + unknown.students + unknown.families
            throw AdminRequestError(.invalid, "audience", "The roster has no \(names.joined(separator: ", ")).")
        }
        guard !composition.audience.recipients(in: school.roster).isEmpty else {
            throw AdminRequestError(.invalid, "audience-empty", "Nobody in the roster is in that audience.")
        }
        guard try await journal.save(composition) else {
            throw AdminRequestError(.invalid, "duplicate", "A message with the id \(composition.id) exists: wait a second and send again.")
        }
        state.addComposedEvents([composition.event(timeZone: school.school.timeZone, schoolDefault: school.school.defaultLocale)])
        await audit(AuditEntry(
            at: now, actor: staff.actor, action: .send, subject: composition.id,
            detail: "composed kind=\(composition.kind.rawValue) audience=\(composition.audience.description) send_at=\(Int(composition.sendAt.timeIntervalSince1970))"))
        wakeScheduler()
        return composition
    }

    func cancelComposition(id: String, by staff: DeskStaff) async throws -> Int {
        let now = clock.now()
        guard var composition = try await journal.compositions(since: .distantPast).first(where: { $0.id == id }) else {
            throw AdminRequestError(.notFound, "unknown-message", "No message \(id) was written on the desk.")
        }
        composition.status = .cancelled
        try await journal.update(composition)
        let school = state.school
        state.addComposedEvents([composition.event(timeZone: school.school.timeZone, schoolDefault: school.school.defaultLocale)])
        let withdrawn = try await store.cancel(
            matching: DeliveryQuery(states: [.queued, .retry], eventID: id), reason: "cancelled by \(staff.actor)", now: now)
        await audit(AuditEntry(at: now, actor: staff.actor, action: .withdrawn, subject: id, detail: "cancelled deliveries=\(withdrawn)"))
        return withdrawn
    }

    func compositions() async throws -> [Composition] {
        try await journal.compositions(since: clock.now().addingTimeInterval(-30 * 86_400)).reversed()
    }
}
