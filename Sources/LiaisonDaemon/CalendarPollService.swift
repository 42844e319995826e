import Foundation
import LiaisonCurl
import LiaisonInputs
import Logging
import ServiceLifecycle

/// Fetches every URL calendar on its `poll` interval, asking only for changes (ETag / Last-Modified). A new copy is
/// stored where the calendar loader reads it; the reloader notices the file and reloads, and the scheduler then
/// updates or withdraws what is queued for changed or cancelled occurrences. A failed fetch keeps the last copy.
struct CalendarPollService: Service {
    let state: SchoolState
    let onChange: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        let engine = CurlEngine(name: "calendars", maxConnections: 2)
        defer { engine.shutdown() }
        var due: [String: Date] = [:]
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let sources = state.school.configuration.calendars.sources.filter { $0.url != nil }
            var changed = false
            for source in sources where (due[source.name] ?? .distantPast) <= Date() {
                due[source.name] = Date().addingTimeInterval(Self.seconds(source.poll))
                do {
                    switch try await CalendarFetcher(source: source, engine: engine).fetch() {
                    case .modified(let body, _):
                        logger.notice("calendar fetched", metadata: ["calendar": "\(source.name)", "bytes": "\(body.count)"])
                        changed = true
                    case .notModified:
                        logger.debug("calendar unchanged", metadata: ["calendar": "\(source.name)"])
                    }
                } catch {
                    logger.warning("calendar fetch failed; the last copy stays in use", metadata: ["calendar": "\(source.name)", "error": "\(error)"])
                }
            }
            if changed { onChange() }
            let next = due.values.min().map { max(1, $0.timeIntervalSinceNow) } ?? 60
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int64(min(next, 60) * 1000))) }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        max(30, Double(duration.components.seconds))
    }
}
