import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import LiaisonCheck
import LiaisonDelivery
import LiaisonInputs
import LiaisonModel
import LiaisonPlan
import LiaisonServer
import LiaisonStore
import Logging
import Prometheus
import ServiceLifecycle

/// How to run the daemon.
public struct DaemonOptions: Sendable {
    public var configPath: String
    /// Overrides `server.listen`.
    public var host: String?
    public var port: Int?
    public var clock: DaemonClock
    public var logger: Logger
    /// Where `/metrics` reads from; the caller bootstraps swift-metrics with the same registry.
    public var registry: PrometheusCollectorRegistry

    public init(
        configPath: String, host: String? = nil, port: Int? = nil, clock: DaemonClock = DaemonClock(), logger: Logger,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) {
        self.configPath = configPath
        self.host = host
        self.port = port
        self.clock = clock
        self.logger = logger
        self.registry = registry
    }
}

/// Why the daemon did not start.
public struct DaemonStartError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// `liaison serve`: the scheduler, the dispatcher, the escalation of alerts, the reloader and the HTTP server,
/// composed with swift-service-lifecycle. SIGTERM or SIGINT stops taking new work, lets the batch in flight finish
/// (up to `daemon.shutdown_timeout`) and returns.
public enum Daemon {
    public static func run(_ options: DaemonOptions) async throws {
        let logger = options.logger
        let clock = options.clock
        let started = Date()
        let (loaded, report) = SchoolLoader.load(configPath: options.configPath, now: clock.now())
        guard let live = loaded?.configuration else {
            // liaison.yaml itself is unusable: there is no state folder to fall back on.
            throw DaemonStartError(report.text() + "\nFix the errors above first (liaison check shows them).")
        }
        // Modes tightened on family data (the state, the file channel's letters) are worth a line in the log.
        PrivateFiles.notices.value = { notice in logger.notice("\(notice)") }
        // The state folder holds family data (the outbox, the last good roster): owner-only before anything goes in.
        try PrivateFiles.folder((live.delivery.sqlitePath as NSString).deletingLastPathComponent)
        let lastGood = LastGoodInputs(stateFolder: (live.delivery.sqlitePath as NSString).deletingLastPathComponent)
        let snapshot: SchoolSnapshot
        if let good = loaded, report.passed {
            snapshot = good
            do { try lastGood.record(live, at: clock.now()) } catch { logger.warning("the inputs could not be copied as the last good ones: \(error)") }
        } else if let fallback = lastGood.configuration(replacing: live),
                  case let (copied?, copyReport) = SchoolLoader.load(fallback, now: clock.now()), copyReport.passed {
            // Broken inputs at start: serve what last loaded cleanly, so alerts and acknowledgements keep working.
            for diagnostic in report.diagnostics where diagnostic.severity == .error {
                logger.error("inputs refused at start: \(diagnostic.logLine)", metadata: ["code": "\(diagnostic.code)"])
            }
            logger.error(
                "the school's inputs have errors; serving the last good copy until they are fixed (liaison check shows what to fix)",
                metadata: ["errors": "\(report.errors)", "recorded_at": "\(lastGood.recordedAt ?? "?")"])
            snapshot = copied
        } else {
            throw DaemonStartError(report.text() + "\nFix the errors above first (liaison check shows them); no last good copy of the inputs was recorded.")
        }
        let configuration = snapshot.configuration
        for diagnostic in report.diagnostics where DeliverySettings.transportWarningCodes.contains(diagnostic.code) {
            logger.warning("channel security: \(diagnostic.logLine)", metadata: ["code": "\(diagnostic.code)"])
        }
        MemoryRelease.afterLoading()
        let stateFolder = (configuration.delivery.sqlitePath as NSString).deletingLastPathComponent
        let lock = try StateLock(folder: stateFolder)
        defer { lock.release() }

        let store = try SQLiteOutboxStore(path: configuration.delivery.sqlitePath)
        let ledger = try SQLiteAckLedger(path: configuration.delivery.sqlitePath)
        let journal = try SQLiteDaemonJournal(path: configuration.delivery.sqlitePath)
        let leases = LeaseKeeper(store: store, duration: configuration.delivery.lease)
        // Channel outages, seen by every lane: the first success after one makes what it deferred due at once.
        let recovery = Locked(ChannelRecovery())
        // Held while an alert is queued or sent: normal traffic gives it the CPU and the disk first.
        let gate = UrgentGate()
        // Only rows whose lease ran out: a `liaison send` running beside the daemon keeps its own.
        let recovered = try await leases.recoverExpired()
        if recovered > 0 {
            logger.warning("deliveries left in flight by the last run will be tried again", metadata: ["count": "\(recovered)"])
        }
        let channels = ChannelHolder(try ChannelSet.make(settings: configuration.delivery, school: configuration.school), settings: configuration.delivery)
        for line in channels.summary { logger.info("channel \(line)") }

        let forms = try SQLiteFormStore(path: configuration.delivery.sqlitePath)
        let state = SchoolState(LoadedSchool(snapshot: snapshot, generation: 1, loadedAt: clock.now(), report: report), ledger: ledger, forms: forms)
        let dispatchWakeup = Wakeup()
        let schedulerWakeup = Wakeup()
        let escalationWakeup = Wakeup()
        let handoff = Handoff()
        var queuer = Queuer(outbox: store, links: Links(ledger: ledger, school: configuration.school))
        queuer.surveys = Invitations(registry: forms)
        do {
            queuer.translator = try MachineTranslation.make(configuration.translation, sqlitePath: configuration.delivery.sqlitePath) { line in
                logger.info("\(line)")
            }
        } catch {
            logger.error("machine translation is off: \(error)")
        }
        if let engine = queuer.translator { logger.info("machine translation by \(type(of: engine.translator)) for staff text nobody translated") }
        let queuing = DaemonQueuing(
            queuer: queuer,
            leases: leases, handoff: handoff, dispatch: dispatchWakeup, gate: gate)
        let kinds: @Sendable () -> Set<ChannelKind> = { channels.kinds }
        let desk = AlertDesk(
            state: state, journal: journal, queuing: queuing, store: store, ledger: ledger, channels: kinds, clock: clock, logger: logger)
        try await desk.restore()
        let records = try FamilyRecords(delivery: configuration.delivery)
        let confirmations = BookingConfirmations(
            state: state, forms: forms, queuing: queuing, outbox: store, channels: kinds, wakeup: schedulerWakeup, logger: logger)
        var scheduler = Scheduler(
            state: state, journal: journal, queuing: queuing, store: store, channels: kinds, logger: logger, audit: records.audit)
        scheduler.confirmations = confirmations
        var admin = DaemonAdmin(
            state: state, journal: journal, store: store, ledger: ledger, desk: desk, clock: clock, audit: records.audit, logger: logger)
        admin.channels = channels
        admin.recovery = recovery
        admin.wakeDispatch = { dispatchWakeup.ring() }
        admin.wakeScheduler = { schedulerWakeup.ring() }
        admin.translator = queuer.translator
        // Messages written on the desk in the last month are part of the schedule again after a restart.
        state.addComposedEvents(try await journal.compositions(since: clock.now().addingTimeInterval(-30 * 86_400)).map {
            $0.event(timeZone: configuration.school.timeZone, schoolDefault: configuration.school.defaultLocale)
        })

        let tokens = configuration.server.resolveTokens()
        if tokens.isEmpty {
            logger.warning(
                "no API token: the admin and gateway API refuses every request",
                metadata: ["looked_in": "\(configuration.server.apiTokens)"])
        }
        // The office desk: accounts and sessions in the same SQLite file; cookies Secure when the school is served over https.
        let staffStore = try SQLiteStaffStore(path: configuration.delivery.sqlitePath)
        let deskSettings = DeskSettings(secureCookies: configuration.school.baseURL?.scheme?.lowercased() == "https")
        let http = LiaisonHTTP(
            site: { state.ackSite }, apiTokens: tokens, outbox: store, admin: admin,
            metrics: ServerMetrics(registry: options.registry), now: { clock.now() },
            throttle: RequestThrottle(limits: configuration.server.rateLimits, trustedProxies: configuration.server.trustedProxies),
            desk: DeskBackend(service: admin, staff: staffStore, settings: deskSettings),
            confirmations: confirmations)
        let host = options.host ?? configuration.server.host
        let port = options.port ?? configuration.server.port
        var httpLogger = logger
        httpLogger.logLevel = max(logger.logLevel, .notice)
        let application = http.application(host: host, port: port, logger: httpLogger) { bound in
            logger.notice(
                "liaison is serving",
                metadata: [
                    "school": "\(configuration.school.name)", "listen": "\(host):\(bound)", "events": "\(snapshot.events.count)",
                    "guardians": "\(snapshot.roster.guardians.count)", "startup_ms": "\(Int(Date().timeIntervalSince(started) * 1000))",
                    "clock_offset_s": "\(Int(clock.offset))",
                ])
        }

        var services: [any Service] = [
            ReloadService(
                configPath: options.configPath, watched: live, lastGood: lastGood, state: state, channels: channels, clock: clock,
                interval: configuration.daemon.watchInterval,
                onReload: { schedulerWakeup.ring() }, logger: logger),
            SchedulerService(scheduler: scheduler, clock: clock, wakeup: schedulerWakeup, logger: logger),
            CalendarPollService(state: state, onChange: { schedulerWakeup.ring() }, logger: logger),
            EscalationService(desk: desk, clock: clock, wakeup: escalationWakeup, logger: logger),
            // Before the dispatcher: services stop in reverse order, so leases are renewed until the dispatcher has
            // finished what it has in flight.
            OutboxKeeperService(store: store, leases: leases, state: state, clock: clock, dispatch: dispatchWakeup, logger: logger),
            RetentionService(records: records, state: state, clock: clock, logger: logger),
            DispatchService(
                store: store, channels: channels, state: state, clock: clock, wakeup: dispatchWakeup, handoff: handoff, leases: leases,
                recovery: recovery, gate: gate, logger: logger),
            application,
        ]
        if let metrics = configuration.server.metricsListen {
            services.append(http.metricsApplication(host: metrics.host, port: metrics.port, logger: httpLogger) { bound in
                logger.notice("metrics are served without a token", metadata: ["listen": "\(metrics.host):\(bound)"])
            })
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.daemon.shutdownTimeout
        groupConfiguration.logging.keys.serviceKey = "service"
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        await channels.shutdown()
        let counts = try await store.counts(eventID: nil)
        logger.notice(
            "liaison stopped",
            metadata: ["queued": "\(counts[.queued] ?? 0)", "retry": "\(counts[.retry] ?? 0)", "sending": "\(counts[.sending] ?? 0)"])
    }
}

/// One daemon per state folder: an exclusive `flock` on `liaison.lock`, released when the process ends.
final class StateLock: Sendable {
    let descriptor: Int32

    init(folder: String) throws {
        try PrivateFiles.folder(folder)
        let path = (folder as NSString).appendingPathComponent("liaison.lock")
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw DaemonStartError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw DaemonStartError("another liaison serve is already running with the state in \(folder)")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// Loading a school parses every CSV row into short-lived strings; glibc keeps the freed pages unless asked, which
/// would leave a large roster's parsing cost in the daemon's resident memory for its whole life.
enum MemoryRelease {
    static func afterLoading() {
        #if canImport(Glibc)
        // malloc.h is not part of Swift's Glibc module: look the function up.
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        }
        #endif
    }
}
