import ArgumentParser
import Foundation
import LiaisonDaemon
import LiaisonInputs
import Logging
import Metrics
import Prometheus

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Liaison: send what the schedule says when it says it, serve acknowledgement pages and the API, escalate alerts.",
        discussion: """
            Reloads on SIGHUP and whenever an input file changes; a version that fails `liaison check` is refused and \
            the last good one keeps running. SIGTERM or SIGINT finishes what is in flight and exits 0. Logs are JSON \
            lines when standard error is not a terminal. API tokens come from $LIAISON_API_TOKENS or server.api_tokens_file.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "host:port to listen on (overrides server.listen; port 0 picks a free one).")
    var listen: String?

    @Option(help: "Run the daemon's clock from this moment (ISO 8601, e.g. 2026-12-02T15:59:50Z): for rehearsals and tests.")
    var clockStart: String?

    @Option(help: "Shift the daemon's clock by this many seconds.")
    var clockOffset: Double?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Flag(help: "Log JSON lines even on a terminal.")
    var jsonLogs = false

    func validate() throws {
        if let listen, ServerSettings.parseListen(listen) == nil { throw ValidationError("--listen must be host:port, not \(listen)") }
        if let clockStart, Self.parseInstant(clockStart) == nil { throw ValidationError("--clock-start must be ISO 8601, e.g. 2026-12-02T15:59:50Z") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = jsonLogs || isatty(2) == 0
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var clock = DaemonClock(offset: clockOffset ?? 0)
        if let clockStart, let start = Self.parseInstant(clockStart) { clock = DaemonClock(startingAt: start) }
        let logger = Logger(label: "liaison")
        let address = listen.flatMap(ServerSettings.parseListen)
        do {
            try await Daemon.run(DaemonOptions(
                configPath: options.config, host: address?.0, port: address?.1, clock: clock, logger: logger, registry: registry))
        } catch let error as DaemonStartError {
            printError(error.description)
            throw ExitCode(1)
        }
    }

    static func parseInstant(_ raw: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: raw) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: raw)
    }
}
