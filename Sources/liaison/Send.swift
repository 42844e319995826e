import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonDaemon
import LiaisonDelivery
import LiaisonModel
import LiaisonPlan
import LiaisonStore

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render an event for its audience, put it in the outbox, and deliver it.",
        discussion: """
            Sends the event's occurrence the schedule has due now (or its next one, early; or, for an event the \
            schedule never sends, the event itself), under the same key `liaison serve` uses: each (occurrence, \
            guardian, channel) is queued once, so sending by hand and then on schedule reaches nobody twice, and \
            sending again delivers only what is not in the outbox yet. `--resend` sends it again to everyone, as a \
            new occurrence recorded as a resend. Normal messages wait for a guardian's quiet hours to end.

            Temporary refusals (4xx) are tried again within the run for up to --retry-within seconds; what is still \
            waiting then is left to `liaison serve` (or the next send). SIGTERM or Ctrl-C stops queuing, finishes what \
            is in flight and records it; a second one stops at once (what was in flight is recovered by the next run).

            Exit status: 0 every delivery sent (or held for quiet hours, for the daemon); 1 nothing done (bad input, \
            an event that has started); 2 some deliveries failed permanently (listed); 3 some are still waiting to \
            be retried, or the run was interrupted (the daemon or the next send finishes them).
            """
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The event id from the schedule.")
    var event: String

    @Flag(help: "Render everything and write the messages as files into a dry-run folder; nothing is sent or queued.")
    var dryRun = false

    @Option(help: "Send only to this guardian id.")
    var only: String?

    @Option(help: "Who is sending, for the audit log (default: the system user).")
    var by: String?

    @Flag(help: "Send even though the event has already started.")
    var force = false

    @Flag(help: "Send the occurrence again to everyone in the audience, as a new, numbered resend.")
    var resend = false

    @Option(help: "Seconds to keep retrying temporary failures within this run (0: leave them to the daemon at once).")
    var retryWithin: Int = 60

    /// Guardians rendered and queued at a time while earlier ones are being sent. Smaller chunks keep less in
    /// flight between the stages: with 250, 10,000 letters went out in 1.21 s against 1.30 s with 500 and
    /// 1.33 s with 1,000 (alternated runs, bench/README.md).
    static let chunkSize = 250

    func run() async throws {
        let snapshot = try loadSchool(options, strict: true, sending: true)
        let event = try snapshot.requireEvent(event)
        let settings = snapshot.configuration.delivery
        let now = Date()
        if event.isCancelled {
            printError("\(event.id) is cancelled: nothing is sent.")
            throw ExitCode(1)
        }
        if now >= SendSchedule.cutoff(for: event) {
            guard force else {
                printError("\(event.id) started at \(ScheduledSend.stamp(event.start)): nothing is sent. Use --force to send anyway.")
                throw ExitCode(1)
            }
            printError("warning: \(event.id) started at \(ScheduledSend.stamp(event.start)); sending anyway (--force).")
        }
        let store: any OutboxStore
        let tokens: any AckLedger
        let channelSet: ChannelSet
        let journal: (any DaemonJournal)?
        if dryRun {
            let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
            let folder = (settings.filesFolder as NSString).deletingLastPathComponent + "/dry-run/\(event.id)-\(stamp)"
            channelSet = try ChannelSet.make(settings: settings, school: snapshot.school, fileFolder: folder, filesOnly: true)
            store = try SQLiteOutboxStore.inMemory()
            tokens = try SQLiteAckLedger.inMemory()
            journal = nil
        } else {
            channelSet = try ChannelSet.make(settings: settings, school: snapshot.school)
            store = try SQLiteOutboxStore(path: settings.sqlitePath)
            tokens = try SQLiteAckLedger(path: settings.sqlitePath)
            journal = try SQLiteDaemonJournal(path: settings.sqlitePath)
        }
        let leases = LeaseKeeper(store: store, duration: settings.lease)
        // Only rows whose lease ran out: a daemon or another send on this state keeps what it holds.
        let recovered = try await leases.recoverExpired()
        if recovered > 0 { printError("Recovered \(recovered) delivery(ies) left in flight by a run that stopped; they are sent first.") }
        for line in channelSet.summary { printError("channel \(line)") }

        var occurrence = Occurrence.forSendByHand(event, now: now)
        // A Liaison before the planning stage keyed a send by hand by the bare event id: those families have it.
        if occurrence.id != event.id, !resend, !(try await store.queuedKeys(occurrence: event.id)).isEmpty {
            printError(
                "\(event.id) was sent by an earlier version of Liaison under the key \(event.id); sending it as \(occurrence.id) would reach "
                    + "those families again. Use --resend to send it again on purpose.")
            throw ExitCode(1)
        }
        if resend {
            let earlier = try await journal?.scheduleEntries(eventID: event.id).filter { $0.occurrence.hasPrefix(occurrence.id + "#resend-") }.count ?? 0
            occurrence = .resend(of: occurrence, number: earlier + 1, at: now)
        }
        printError("Sending \(describe(occurrence, of: event, now: now)).")

        let planner = Planner(
            renderer: snapshot.renderer, roster: snapshot.roster, progress: snapshot.progressByStudent,
            available: Set(channelSet.channels.keys))
        var configuredQueuer = Queuer(
            outbox: store, links: Links(ledger: tokens, school: snapshot.school), chunkSize: Self.chunkSize,
            firstChunkSize: Self.chunkSize)
        do {
            configuredQueuer.translator = try MachineTranslation.make(
                snapshot.configuration.translation, sqlitePath: dryRun ? nil : settings.sqlitePath) { printError($0) }
        } catch {
            printError("warning: machine translation is off: \(error)")
        }
        if !dryRun, event.dependsOnAnswers { configuredQueuer.surveys = Invitations(registry: try SQLiteFormStore(path: settings.sqlitePath)) }
        let queuer = configuredQueuer
        // A survey's sample is drawn over its whole audience, even when one guardian is sent to.
        let recipients = try await queuer.recipients(of: Queuer.Request(
            occurrence: occurrence, event: event, recipients: event.audience.recipients(in: snapshot.roster),
            school: snapshot.school, planner: planner, now: now)
        ).filter { only == nil || $0.guardian.id == only }
        if let only, recipients.isEmpty {
            printError("Guardian \(only) is not in the audience of \(event.id).")
            throw ExitCode(1)
        }
        let expected = recipients.reduce(0) { $0 + planner.channels(for: $1.guardian, priority: event.priority).count }
        let dispatcher = Dispatcher(store: store, channels: channelSet.channels, policy: settings.retry, leases: leases, links: tokens)
        let bar = ProgressBar(total: expected)
        // Queuing (rendering a chunk while the one before is written, durably and claimed in the same transaction)
        // overlaps with sending: chunks are handed on through a short queue, so memory stays bounded however large
        // the school, and the first families are being reached while later ones are still being rendered.
        let claimed = BatchQueue<[Delivery]>(capacity: 1)
        let stop = StopSignals()
        let (retryWithin, occurrenceID) = (self.retryWithin, occurrence.id)
        let request = Queuer.Request(
            occurrence: occurrence, event: event, recipients: recipients, school: snapshot.school, planner: planner, renderAt: now, now: now)
        let sendable = Set(channelSet.channels.keys)
        let (outcome, queuingError) = try await withThrowingTaskGroup(of: (Queuer.Outcome?, (any Error)?).self) { group in
            group.addTask {
                // Keeps this run's claims alive while it sends.
                await leases.run(recovering: false, failed: { printError("warning: could not renew this run's claims: \($0)") })
                return (nil, nil)
            }
            group.addTask {
                // Finishing, even after an error, lets the sending stage send every chunk claimed so far; the error
                // is thrown once they are sent and recorded.
                defer { claimed.finish() }
                do {
                    return (try await queue(), nil)
                } catch {
                    return (nil, error)
                }
            }
            @Sendable func queue() async throws -> Queuer.Outcome {
                try await queuer.queue(request, claim: { leases.lease() }) { chunk in
                    leases.hold(chunk.claimed)
                    // After SIGTERM/SIGINT: this chunk is durable and claimed, so it is sent; nothing more is queued.
                    let more = !stop.requested
                    guard !chunk.claimed.isEmpty else { return more }
                    // Refused only when sending stopped with an error: these rows stay claimed until their lease runs
                    // out, and the next run (or the daemon) sends them.
                    if await claimed.push(chunk.claimed) { return more }
                    leases.release(chunk.claimed)
                    return false
                }
            }
            group.addTask {
                let sent = try await dispatcher.deliver(from: claimed, progress: { bar.update($0) })
                // Then whatever else is due: retries of earlier runs, deliveries left in flight by a crash.
                var done = sent + (try await dispatcher.drain(shouldContinue: { !stop.requested }, progress: { bar.update(sent + $0) }))
                // Temporary failures of this occurrence, retried while they come due within the run's retry window.
                let window = Date().addingTimeInterval(TimeInterval(max(0, retryWithin)))
                while !stop.requested {
                    // Only what this run can send (a row for a channel it has not configured is the daemon's).
                    let waiting = try await store.deliveries(matching: DeliveryQuery(states: [.retry], occurrence: occurrenceID))
                        .filter { sendable.contains($0.key.channel) }
                    guard let next = waiting.map(\.notBefore).min(), next <= window else { break }
                    bar.note("\(waiting.count) to retry at \(Self.clock(next))")
                    while Date() < next, !stop.requested { try await Task.sleep(for: .milliseconds(200)) }
                    let before = done
                    let round = try await dispatcher.drain(shouldContinue: { !stop.requested }, progress: { bar.update(before + $0) })
                    done = done + round
                    // Nothing could be claimed (another process holds them): leave them to it rather than spin.
                    if round.attempted == 0 { break }
                }
                return (nil, nil)
            }
            var outcome: Queuer.Outcome?
            var queuingError: (any Error)?
            // The lease loop ends only when cancelled: once queuing and sending are done.
            var finished = 0
            while finished < 2, let (result, error) = try await group.next() {
                finished += 1
                if let result { outcome = result }
                if let error { queuingError = error }
            }
            group.cancelAll()
            return (outcome ?? Queuer.Outcome(), queuingError)
        }
        bar.finish()
        stop.uninstall()
        await channelSet.shutdown()
        if let queuingError {
            // What was claimed before the error was sent and recorded; the rest is not queued.
            printError("Queuing stopped: \(queuingError). What was queued before was sent; run send again to queue the rest.")
        }
        for problem in outcome.problems { printError("not sent: \(problem)") }
        if outcome.optedOut > 0 { printError("\(outcome.optedOut) guardian(s) unsubscribed from these messages: not sent to them.") }
        if outcome.stoppedEarly { printError("Sending stopped early; the next run sends what was not queued.") }
        printError("Queued \(outcome.queued.count) new deliveries (\(outcome.alreadyQueued) already in the outbox).")
        if !dryRun {
            let audit = try SQLiteAuditLog(path: settings.sqlitePath)
            try await audit.append(AuditEntry(
                at: now, actor: auditActor(by), action: .send, subject: occurrence.id,
                detail: "deliveries=\(outcome.queued.count) already_queued=\(outcome.alreadyQueued)" + (only == nil ? "" : " one_guardian")
                    + (resend ? " resend" : "") + (force ? " forced" : "")))
        }
        // Recorded only for a whole send: after --only, or a send stopped half-way, the scheduler must still queue the
        // rest of the audience when the occurrence comes due (the queuer skips who already has it).
        if let journal, !outcome.queued.isEmpty, only == nil, !outcome.stoppedEarly {
            let entries = try await journal.scheduleEntries(eventID: event.id)
            if !entries.contains(where: { $0.occurrence == occurrence.id }) {
                try await journal.record(ScheduleEntry(
                    occurrence: occurrence.id, eventID: event.id, dueAt: occurrence.dueAt, outcome: .queued,
                    reason: resend ? "resent by hand" : "sent by hand", fingerprint: event.fingerprint, recordedAt: now))
            }
        }

        let mine = DeliveryQuery(guardianID: only, occurrence: occurrence.id)
        let tallies = try await store.tallies(matching: mine)
        var failedQuery = mine
        failedQuery.states = [.failed]
        let failures = try await store.deliveries(matching: failedQuery)
        print(DeliverySummary(tallies: tallies, failures: failures).text)
        if dryRun, let folder = (channelSet.channels[.email] as? FileChannel)?.folder.path {
            print("Dry run: messages written to \(folder)")
        }
        var retryQuery = mine
        retryQuery.states = [.retry, .sending]
        // Rows another live process holds (liaison serve, another send) are its to finish, not this run's.
        let (unfinished, elsewhere) = try await store.deliveries(matching: retryQuery).reduce(into: ([Delivery](), 0)) { split, row in
            if row.state == .sending, let owner = row.claim?.owner, owner != leases.owner { split.1 += 1 } else { split.0.append(row) }
        }
        if elsewhere > 0 {
            printError("\(elsewhere) delivery(ies) are being sent by another process on this state (liaison serve or another send).")
        }
        let held = tallies.filter { $0.state == .queued }.reduce(0) { $0 + $1.count }
        if held > 0 {
            printError("\(held) delivery(ies) wait for the end of a guardian's quiet hours: liaison serve sends them then.")
        }
        if stop.requested {
            printError("Interrupted: \(outcome.stoppedEarly ? "not every guardian was queued; " : "")what was in flight was sent and recorded. Run send again (or let liaison serve) to finish.")
        }
        if !unfinished.isEmpty {
            let next = unfinished.map(\.notBefore).min().map(Self.clock) ?? "-"
            printError("\(unfinished.count) delivery(ies) are waiting to be retried (next at \(next)): liaison serve sends them, or run send again.")
        }
        if !failures.isEmpty { throw ExitCode(2) }
        if !unfinished.isEmpty || stop.requested || queuingError != nil { throw ExitCode(3) }
    }

    /// A time for people, on this machine's clock.
    static func clock(_ date: Date) -> String {
        date.formatted(.dateTime.hour(.twoDigits(amPM: .omitted)).minute(.twoDigits).second(.twoDigits))
    }

    /// What is being sent, for the operator: which planned send, early or not, or a resend.
    private func describe(_ occurrence: Occurrence, of event: Event, now: Date) -> String {
        switch occurrence.kind {
        case .manual:
            return "\(event.id) (sent by hand only: the schedule has no send for it)"
        case .resend(let original, let number):
            return "\(event.id) again: resend \(number) of \(original)"
        case .scheduled:
            let when = ScheduledSend.stamp(occurrence.dueAt)
            return occurrence.dueAt > now
                ? "\(event.id): its send planned for \(when), now (the schedule will find it done)"
                : "\(event.id): its send due at \(when)"
        case .alertRound, .bookingConfirmation:
            return occurrence.id
        }
    }
}

/// Progress on standard error: a bar redrawn in place on a terminal; in a log (not a terminal), a line at the start,
/// at every tenth of the way or every 5 seconds, and at the end, so a log shows how the run went.
final class ProgressBar: Sendable {
    let total: Int
    let terminal = isatty(2) != 0
    private struct State {
        var last = Date.distantPast
        var lastTenth = -1
        var latest = DispatchProgress()
        var printed = DispatchProgress()
    }
    private let state = Locked(State())

    init(total: Int) {
        self.total = total
    }

    func update(_ progress: DispatchProgress) {
        state.withLock { state in
            state.latest = progress
            let now = Date()
            let done = min(progress.attempted, max(total, 1))
            let tenth = total > 0 ? 10 * done / total : 10
            guard terminal || tenth > state.lastTenth || now.timeIntervalSince(state.last) >= 5 else { return }
            state.last = now
            state.lastTenth = tenth
            state.printed = progress
            write(line(progress))
        }
    }

    /// A remark between updates (what the run is waiting for).
    func note(_ text: String) {
        state.withLock { _ in
            FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K\(text)\n" : text + "\n").utf8))
        }
    }

    func finish() {
        state.withLock { state in
            if !terminal, state.printed != state.latest { write(line(state.latest)) }
            if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }

    private func line(_ progress: DispatchProgress) -> String {
        let done = min(progress.attempted, max(total, 1))
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        return "\(bar) \(done)/\(total)  sent \(progress.sent)  retrying \(progress.retrying)  failed \(progress.failed)"
    }

    private func write(_ line: String) {
        FileHandle.standardError.write(Data((terminal ? "\r\(line)" : line + "\n").utf8))
    }
}

/// SIGTERM and SIGINT while a send runs: the first asks it to stop queuing and finish what is in flight; a second
/// ends the process at once (what was in flight is recovered by the next run, when its lease runs out).
///
/// `@unchecked`: the sources are made once, never changed, and Dispatch allows cancelling them from any thread.
final class StopSignals: @unchecked Sendable {
    private let flag = Locked(false)
    private let sources: [any DispatchSourceSignal]

    init() {
        var made: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [flag] in
                let again = flag.withLock { requested in
                    defer { requested = true }
                    return requested
                }
                if again {
                    printError("Stopped at once; what was in flight is sent by the next run.")
                    exit(3)
                }
                printError("\nStopping: nothing more is queued; finishing what is in flight (again to stop at once).")
            }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    var requested: Bool { flag.value }

    func uninstall() {
        for source in sources { source.cancel() }
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
    }
}

/// Counts by state, per channel and per language.
struct DeliverySummary {
    let tallies: [DeliveryTally]
    /// The failed deliveries, listed with the relay's or gateway's reply.
    let failures: [Delivery]

    var text: String {
        let states: [DeliveryState] = [.sent, .queued, .retry, .failed, .sending, .cancelled]
        func count(_ state: DeliveryState, in tallies: [DeliveryTally]) -> Int {
            tallies.reduce(0) { $0 + ($1.state == state ? $1.count : 0) }
        }
        func table(_ title: String, by group: (DeliveryTally) -> String) -> [String] {
            let grouped = Dictionary(grouping: tallies, by: group)
            let body = grouped.keys.sorted().map { key -> [String] in
                [key] + states.map { state in "\(count(state, in: grouped[key]!))" }
            }
            return [title] + Table(["", "sent", "queued", "retry", "failed", "sending", "cancelled"], body).lines
        }
        let total = tallies.reduce(0) { $0 + $1.count }
        var lines = ["\(total) deliveries: " + states.compactMap { state in
            let count = count(state, in: tallies)
            return count > 0 ? "\(count) \(state.rawValue)" : nil
        }.joined(separator: ", ")]
        lines.append("")
        lines += table("By channel", by: { $0.channel.rawValue })
        lines.append("")
        lines += table("By language", by: { $0.language })
        if !failures.isEmpty {
            lines.append("")
            lines.append("Failed")
            lines += Table(["guardian", "channel", "address", "reply"], failures.map {
                [$0.key.guardianID, $0.key.channel.rawValue, $0.address, $0.lastReply ?? ""]
            }).lines
        }
        return lines.joined(separator: "\n")
    }
}
