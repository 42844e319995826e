import Foundation
import LiaisonCheck
import LiaisonDelivery
import LiaisonModel
import LiaisonStore
import LiaisonInputs
import Logging
import ServiceLifecycle
import UnixSignals

/// A flag services share to stop taking new work at graceful shutdown.
final class StopFlag: Sendable {
    private let stopped = Locked(false)
    var isSet: Bool { stopped.value }
    func set() { stopped.value = true }
}

/// The loop every background service runs: a pass, then a wait on `wakeup` for as long as the pass asks (cut short
/// by a ring), until graceful shutdown; the pass under way then finishes and no other starts. A pass that throws is
/// logged and tried again in 5 s: the daemon never stops over one.
func runPasses(
    _ name: String, wakeup: Wakeup, logger: Logger, firstDelay: Duration = .zero, pass: (_ stop: StopFlag) async throws -> Duration
) async {
    let stop = StopFlag()
    await withGracefulShutdownHandler {
        if firstDelay > .zero { await wakeup.wait(upTo: firstDelay) }
        while !stop.isSet {
            var sleep: Duration
            do {
                sleep = try await pass(stop)
            } catch {
                logger.error("\(name) pass failed; trying again in 5 s", metadata: ["error": "\(error)"])
                sleep = .seconds(5)
            }
            await wakeup.wait(upTo: sleep)
        }
    } onGracefulShutdown: {
        stop.set()
        wakeup.ring()
    }
}

extension DaemonClock {
    /// How long to wait for `next` on this clock, at most `limit`; a few milliseconds late rather than early.
    func wait(until next: Date?, atMost limit: Duration) -> Duration {
        guard let next else { return limit }
        let seconds = max(0, next.timeIntervalSince(now()))
        return min(limit, .milliseconds(Int64(seconds * 1000) + 5))
    }
}

/// Queues scheduled sends when they come due; reconciles what is queued after every reload.
struct SchedulerService: Service {
    let scheduler: Scheduler
    let clock: DaemonClock
    let wakeup: Wakeup
    let logger: Logger
    /// The longest sleep between passes (a send is never planned later than this after it is due).
    var maximumSleep: Duration = .seconds(30)

    func run() async throws {
        var generation = -1
        await runPasses("scheduler", wakeup: wakeup, logger: logger) { _ in
            let current = scheduler.state.school.generation
            let next = try await scheduler.pass(now: clock.now(), reconcile: current != generation)
            generation = current
            return clock.wait(until: next, atMost: maximumSleep)
        }
    }
}

/// Sends what is due from the outbox in lanes, one per channel and priority, each its own loop: a gateway that hangs
/// holds up only its own channel's lane, and urgent deliveries never wait behind a bulk send (the urgent lane of a
/// channel takes what the alert desk hands over before anything else). At graceful shutdown every lane claims
/// nothing more and finishes and records the batch in flight; then what was handed over and not sent goes out.
struct DispatchService: Service {
    let store: any OutboxStore
    let channels: ChannelHolder
    let state: SchoolState
    let clock: DaemonClock
    let wakeup: Wakeup
    /// Urgent batches already claimed when they were queued: sent first by their channel's urgent lane.
    let handoff: Handoff
    let leases: LeaseKeeper
    /// Shared by every lane and pass: an outage seen in one pass is ended by a success in another.
    let recovery: Locked<ChannelRecovery>
    /// Urgent lanes hold it while they work; normal lanes take no new batch while it is held.
    let gate: UrgentGate
    let logger: Logger

    /// The channels with a lane of their own: every channel known or configured at start. A channel a reload adds
    /// later (a webhook of a new kind) is served by the "rest" lanes.
    var laneKinds: [ChannelKind] { Set(ChannelKind.known).union(channels.kinds).sorted() }

    func run() async throws {
        let own = laneKinds
        let channels = channels
        // Each lane: its priority and the channels it serves, looked up at every pass (the rest lanes' set changes
        // with reloads).
        var lanes: [(priority: Priority, kinds: @Sendable () -> Set<ChannelKind>, name: String)] = []
        for priority in [Priority.urgent, .normal] {
            for kind in own { lanes.append((priority, { [kind] }, "\(priority.rawValue)/\(kind.rawValue)")) }
            lanes.append((priority, { channels.kinds.subtracting(own) }, "\(priority.rawValue)/other"))
        }
        let bells = lanes.map { _ in Wakeup() }
        await withTaskGroup(of: Void.self) { group in
            // One ring reaches every lane.
            group.addTask {
                await withGracefulShutdownHandler {
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        await wakeup.wait(upTo: .seconds(1))
                        for bell in bells { bell.ring() }
                    }
                } onGracefulShutdown: {
                    wakeup.ring()
                }
            }
            for (lane, bell) in zip(lanes, bells) {
                group.addTask { await runLane(priority: lane.priority, kinds: lane.kinds, name: lane.name, wakeup: bell) }
            }
            await group.waitForAll()
        }
        // Batches handed over are in flight already: they are finished, whatever the shutdown.
        var totals = DispatchProgress()
        for batch in handoff.close() {
            do {
                totals = try await dispatcher().deliver(batch, after: totals)
            } catch {
                logger.error("could not record a handed-over batch; it is recovered when its lease runs out", metadata: ["error": "\(error)"])
            }
        }
        log(totals, lane: "handed over")
        logger.info("dispatcher stopped: nothing in flight")
    }

    private func runLane(priority: Priority, kinds: @escaping @Sendable () -> Set<ChannelKind>, name: String, wakeup: Wakeup) async {
        let gate = gate
        let handoff = handoff
        await runPasses("dispatch \(name)", wakeup: wakeup, logger: logger) { stop in
            let served = kinds()
            guard !served.isEmpty else { return .seconds(1) }
            if priority == .urgent {
                // An alert handed over is urgent work: normal lanes hold back until it is sent.
                let handedOver = served.contains { !handoff.isEmpty($0) }
                return handedOver
                    ? try await gate.urgent { try await urgentPass(served, name: name, stop: stop) }
                    : try await urgentPass(served, name: name, stop: stop)
            }
            // While an alert is queued or sent, normal traffic waits (never longer than the gate allows at a time),
            // and stops between batches when one starts.
            if !gate.isClear { await gate.waitUntilClear() }
            let lane = Lane(channels: served, priority: priority)
            let totals = try await dispatcher().drain(lane: lane, shouldContinue: { !stop.isSet && gate.isClear })
            log(totals, lane: name)
            return gate.isClear ? .seconds(1) : .milliseconds(10)
        }
    }

    /// One pass of an urgent lane: what was handed over, then what is due.
    private func urgentPass(_ served: Set<ChannelKind>, name: String, stop: StopFlag) async throws -> Duration {
        let dispatcher = dispatcher()
        var totals = DispatchProgress()
        let handoff = handoff
        @Sendable func handedOver() -> Bool { served.contains { !handoff.isEmpty($0) } }
        for kind in served.sorted() {
            while let batch = handoff.take(kind) {
                totals = try await dispatcher.deliver(batch, after: totals)
            }
        }
        // A batch handed over meanwhile interrupts claiming (between batches) and is taken at once.
        let lane = Lane(channels: served, priority: .urgent)
        totals = totals + (try await dispatcher.drain(lane: lane, shouldContinue: { !stop.isSet && !handedOver() }))
        log(totals, lane: name)
        return handedOver() ? .zero : .seconds(1)
    }

    private func dispatcher() -> Dispatcher {
        Dispatcher(
            store: store, channels: channels.channels, policy: state.school.configuration.delivery.retry, clock: { clock.now() },
            leases: leases, recovery: recovery, links: state.ledger)
    }

    private func log(_ totals: DispatchProgress, lane: String) {
        guard totals.attempted > 0 else { return }
        logger.info(
            "delivered",
            metadata: [
                "lane": "\(lane)", "attempted": "\(totals.attempted)", "sent": "\(totals.sent)",
                "retrying": "\(totals.retrying)", "failed": "\(totals.failed)",
            ])
    }
}

/// Keeps this daemon's claims on the outbox alive and takes back rows whose lease ran out (a crashed or hung process,
/// or results this one could not record, such as after a failed write), and gives up on deliveries past their
/// deadline, once a minute.
struct OutboxKeeperService: Service {
    let store: any OutboxStore
    let leases: LeaseKeeper
    let state: SchoolState
    let clock: DaemonClock
    let dispatch: Wakeup
    let logger: Logger

    func run() async throws {
        let logger = logger
        let dispatch = dispatch
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await leases.run(
                    recovering: true,
                    recovered: { count in
                        logger.warning("took back deliveries whose sender stopped renewing its claim; they are sent again", metadata: ["count": "\(count)"])
                        dispatch.ring()
                    },
                    failed: { error in logger.error("could not renew or recover claims", metadata: ["error": "\(error)"]) })
            }
            group.addTask {
                await runPasses("expiry", wakeup: Wakeup(), logger: logger) { _ in
                    let expired = try await store.expire(now: clock.now(), policy: state.school.configuration.delivery.retry)
                    if expired > 0 { logger.warning("gave up on deliveries past their deadline", metadata: ["count": "\(expired)"]) }
                    return .seconds(60)
                }
            }
            // The lease loop runs until cancelled: cancel it once the daemon shuts down (the other loop has returned).
            await group.next()
            group.cancelAll()
        }
    }
}

/// Escalates open alerts round by round and stops them at the first acknowledgement (checked every second).
struct EscalationService: Service {
    let desk: AlertDesk
    let clock: DaemonClock
    let wakeup: Wakeup
    let logger: Logger

    func run() async throws {
        await runPasses("escalation", wakeup: wakeup, logger: logger) { _ in
            clock.wait(until: try await desk.pass(), atMost: .seconds(1))
        }
    }
}

/// Applies the retention policy (`retention:` in the current configuration) a minute after start and then every
/// hour: letters' text, alert notes, old records and the file channel's letters go when the policy says so.
struct RetentionService: Service {
    let records: FamilyRecords
    let state: SchoolState
    let clock: DaemonClock
    let logger: Logger

    func run() async throws {
        let logger = logger
        await runPasses("retention", wakeup: Wakeup(), logger: logger, firstDelay: .seconds(60)) { _ in
            let configuration = state.school.configuration
            let now = clock.now()
            // Anonymous surveys that closed: their unsent drafts are the last link between a household and its answers.
            // (By the privacy the invitation promised, whatever the form says now.)
            var closedAnonymous = Set<String>()
            for event in state.school.snapshot.events where event.start <= now {
                guard let written = event.survey else { continue }
                let survey = try await records.forms?.promised(written, eventID: event.id) ?? written
                if survey.form.privacy == .anonymous { closedAnonymous.insert(event.id) }
            }
            let sweep = try await records.applyRetention(configuration.retention, actor: "daemon", now: now, closedAnonymous: closedAnonymous)
            if !sweep.isEmpty {
                logger.notice(
                    "removed records past the retention policy",
                    metadata: [
                        "bodies": "\(sweep.bodies)", "delivery_records": "\(sweep.deliveryRecords)", "answers_and_links": "\(sweep.answersAndLinks)",
                        "alert_notes": "\(sweep.alertNotes)", "alerts": "\(sweep.alerts)", "files": "\(sweep.files)", "forms": "\(sweep.forms)",
                    ])
            }
            return .seconds(3600)
        }
    }
}

/// Reloads the school's files on SIGHUP or when one of them changes, atomically: a version that fails `check`
/// is logged diagnostic by diagnostic and the last good one stays in service.
struct ReloadService: Service {
    let configPath: String
    /// The live configuration whose files are watched (the school may be served from the last good copy).
    let watched: Locked<LiaisonConfiguration>
    let lastGood: LastGoodInputs
    let state: SchoolState
    let channels: ChannelHolder
    let clock: DaemonClock
    let interval: Duration
    let onReload: @Sendable () -> Void
    let logger: Logger

    init(
        configPath: String, watched: LiaisonConfiguration, lastGood: LastGoodInputs, state: SchoolState, channels: ChannelHolder,
        clock: DaemonClock, interval: Duration, onReload: @escaping @Sendable () -> Void, logger: Logger
    ) {
        self.configPath = configPath
        self.watched = Locked(watched)
        self.lastGood = lastGood
        self.state = state
        self.channels = channels
        self.clock = clock
        self.interval = interval
        self.onReload = onReload
        self.logger = logger
    }

    func run() async throws {
        let stamps = Locked(InputFiles.stamps(of: watched.value))
        // Both triggers feed one queue: reloads run one at a time, in order.
        let (requests, request) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                    request.yield("SIGHUP")
                }
                request.finish()
            }
            if interval > .zero {
                group.addTask {
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        try? await Task.sleep(for: interval)
                        let now = InputFiles.stamps(of: watched.value)
                        let before = stamps.value
                        if now != before {
                            stamps.value = now
                            request.yield("changed: " + InputFiles.changes(from: before, to: now).prefix(5).joined(separator: ", "))
                        }
                    }
                }
            }
            group.addTask {
                for await reason in requests.cancelOnGracefulShutdown() {
                    await reload(reason: reason, stamps: stamps)
                }
            }
            await group.waitForAll()
        }
    }

    private func reload(reason: String, stamps: Locked<[String: InputFiles.Stamp]>) async {
        let started = Date()
        // Loading a large school takes seconds of CPU: off Swift's cooperative pool, which the other services share.
        let (configPath, now) = (self.configPath, clock.now())
        let (loaded, report) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let result = SchoolLoader.load(configPath: configPath, now: now)
                MemoryRelease.afterLoading()
                continuation.resume(returning: result)
            }
        }
        guard let snapshot = loaded, report.passed else {
            // Remember these stamps: the same broken files are not reported again every interval.
            if let snapshot = loaded { watched.value = snapshot.configuration }
            stamps.value = InputFiles.stamps(of: watched.value)
            for diagnostic in report.diagnostics where diagnostic.severity == .error {
                logger.error("reload refused: \(diagnostic.logLine)", metadata: ["code": "\(diagnostic.code)"])
            }
            logger.error(
                "reload failed check; still serving the last good configuration",
                metadata: ["reason": "\(reason)", "errors": "\(report.errors)", "generation": "\(state.school.generation)"])
            return
        }
        let previous = state.school
        do {
            if try channels.update(settings: snapshot.configuration.delivery, school: snapshot.school) {
                logger.notice("channels rebuilt", metadata: ["channels": "\(channels.summary.joined(separator: "; "))"])
            }
        } catch {
            logger.error("reload refused: the channels cannot be built: \(error)")
            return
        }
        state.replace(with: LoadedSchool(snapshot: snapshot, generation: previous.generation + 1, loadedAt: clock.now(), report: report))
        watched.value = snapshot.configuration
        stamps.value = InputFiles.stamps(of: snapshot.configuration)
        do { try lastGood.record(snapshot.configuration, at: clock.now()) } catch {
            logger.warning("the inputs could not be copied as the last good ones: \(error)")
        }
        for diagnostic in report.diagnostics where diagnostic.severity == .warning {
            logger.warning("\(diagnostic.logLine)", metadata: ["code": "\(diagnostic.code)"])
        }
        logger.notice(
            "reloaded",
            metadata: [
                "reason": "\(reason)", "generation": "\(previous.generation + 1)", "events": "\(snapshot.events.count)",
                "guardians": "\(snapshot.roster.guardians.count)", "ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
            ])
        onReload()
    }
}
