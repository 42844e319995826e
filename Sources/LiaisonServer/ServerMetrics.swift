import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore
import Prometheus

/// The server's Prometheus metrics, in a registry of their own (nothing is bootstrapped globally):
///
/// - `liaison_acknowledgements_total{via}`: answers recorded or changed (not the unchanged or too-late ones);
/// - `liaison_http_requests_total{route,method,status}`: requests by route pattern (`/a/{token}`, never the token);
/// - `liaison_outbox_deliveries{state}`: deliveries in the outbox by state, read when `/metrics` is fetched;
/// - `liaison_http_throttled_total{routes,reason}`: requests the rate limits answered 429 (`ack`, `unsubscribe`,
///   `api`; `penalty`, `address`, `link`).
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Counts an answer; with `linkIssuedAt` (answers through a message's link) also how long after the message
    /// was made it came, in `liaison_acknowledgement_latency_seconds`.
    func acknowledged(via: String, linkIssuedAt: Date? = nil, now: Date = Date()) {
        registry.makeCounter(descriptor: Self.acknowledgements, labels: [("via", via)]).increment()
        if let linkIssuedAt {
            registry.makeDurationHistogram(
                descriptor: Self.acknowledgementLatency,
                buckets: [.seconds(60), .seconds(300), .seconds(900), .seconds(3600), .seconds(4 * 3600), .seconds(86400), .seconds(7 * 86400)]
            ).record(.milliseconds(Int64(max(0, now.timeIntervalSince(linkIssuedAt)) * 1000)))
        }
    }

    /// Counts an opt-out recorded through an unsubscribe link.
    func unsubscribed(category: String) {
        registry.makeCounter(descriptor: Self.unsubscribes, labels: [("category", category)]).increment()
    }

    static var unsubscribes: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "liaison", metricName: "unsubscribes", unitName: "total",
            helpText: "Opt-outs recorded through unsubscribe links, by category.")
    }

    static var acknowledgementLatency: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "liaison", metricName: "acknowledgement_latency", unitName: "seconds",
            helpText: "Time from a message's acknowledgement link being issued to the guardian's answer.")
    }

    func request(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status) {
        registry.makeCounter(
            descriptor: Self.requests,
            labels: [("route", route), ("method", method.rawValue), ("status", String(status.code))]
        ).increment()
    }

    /// Counts a request the rate limits refused.
    func throttled(routes: String, reason: String) {
        registry.makeCounter(descriptor: Self.throttled, labels: [("routes", routes), ("reason", reason)]).increment()
    }

    static var throttled: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "liaison", subsystem: "http", metricName: "throttled", unitName: "total",
            helpText: "Requests answered 429 by the rate limits, by route group and reason.")
    }

    /// Reads the outbox's counts into the gauges (every state, zeros included).
    func refreshOutbox(_ outbox: any OutboxStore) async throws {
        let counts = try await outbox.counts(eventID: nil)
        for state in DeliveryState.allCases {
            registry.makeGauge(descriptor: Self.outboxDeliveries, labels: [("state", state.rawValue)])
                .set(to: Double(counts[state] ?? 0))
        }
    }

    static var acknowledgements: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "liaison", metricName: "acknowledgements", unitName: "total",
            helpText: "Acknowledgements recorded or changed, by how they arrived.")
    }

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "liaison", subsystem: "http", metricName: "requests", unitName: "total",
            helpText: "HTTP requests by route pattern, method and status.")
    }

    static var outboxDeliveries: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "liaison", subsystem: "outbox", metricName: "deliveries", unitName: "",
            helpText: "Deliveries in the outbox by state.")
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String {
        registry.emitToString()
    }
}

/// Counts every request by its route pattern and final status. Unknown routes count as `unmatched`.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath ?? "unmatched", method: request.method, status: response.status)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            metrics.request(route: context.endpointPath ?? "unmatched", method: request.method, status: status)
            throw error
        }
    }
}

extension AckOutcome {
    /// True when the ledger recorded something: a first answer or a changed one.
    var isNewAnswer: Bool {
        switch self {
        case .recorded, .changed: true
        case .unchanged, .tooLate: false
        }
    }
}
