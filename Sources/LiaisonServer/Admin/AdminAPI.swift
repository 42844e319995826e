import Foundation
import Hummingbird

/// The office's API, behind the same bearer tokens as the gateways' API:
/// `POST /v1/alerts`, `GET /v1/alerts/{id}`, `GET /v1/events`, `GET /v1/events/{id}/status`.
struct AdminAPI: Sendable {
    let server: LiaisonHTTP
    let service: any AdminService
    /// An alert's body may carry its note in 20 languages of 2,000 characters each (JSON-escaped, that is more
    /// than the pages' 16 KiB); only a holder of the API token gets this far.
    static let maxAlertBodySize = 256 * 1024

    func raise(_ request: Request, context: some RequestContext) async throws -> Response {
        guard server.isAuthorized(request) else { return AckAPI.unauthorized() }
        guard AckPages.mediaType(of: request.headers[.contentType] ?? "") == "application/json" else {
            return AckAPI.error(.unsupportedMediaType, "unsupported-media-type", "Send application/json.")
        }
        let buffer = try await request.body.collect(upTo: Self.maxAlertBodySize)
        guard let body = try? JSONDecoder().decode(AlertRequest.self, from: Data(buffer.readableBytesView)) else {
            return AckAPI.error(
                .badRequest, "invalid-json", "The body must be JSON: {\"student\": \"S001\", \"kind\": \"sickness\", \"note\": \"…\"}.")
        }
        return try await answer(.created) { try await service.raiseAlert(body) }
    }

    func alert(_ request: Request, context: some RequestContext) async throws -> Response {
        guard server.isAuthorized(request) else { return AckAPI.unauthorized() }
        let id = context.parameters.get("id") ?? ""
        return try await answer(.ok) {
            guard let report = try await service.alert(id: id) else {
                throw AdminRequestError(.notFound, "unknown-alert", "No alert \(id).")
            }
            return report
        }
    }

    func events(_ request: Request, context: some RequestContext) async throws -> Response {
        guard server.isAuthorized(request) else { return AckAPI.unauthorized() }
        return try await answer(.ok) { ["events": try await service.events()] }
    }

    func status(_ request: Request, context: some RequestContext) async throws -> Response {
        guard server.isAuthorized(request) else { return AckAPI.unauthorized() }
        let id = context.parameters.get("id") ?? ""
        return try await answer(.ok) {
            guard let report = try await service.status(eventID: id) else {
                throw AdminRequestError(.notFound, "unknown-event", "No event or alert \(id).")
            }
            return report
        }
    }

    private func answer(_ status: HTTPResponse.Status, _ body: () async throws -> some Encodable) async throws -> Response {
        do {
            return try AckAPI.json(status, try await body())
        } catch let error as AdminRequestError {
            let status: HTTPResponse.Status = switch error.kind {
            case .notFound: .notFound
            case .invalid: .badRequest
            case .unavailable: .serviceUnavailable
            }
            return AckAPI.error(status, error.code, error.message)
        }
    }
}
