import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore

/// `POST /v1/acks` and `GET /v1/events/{id}/acks`: the JSON API for webhook gateways (SMS replies, chat buttons)
/// and office tools, behind `Authorization: Bearer <token>`.
struct AckAPI: Sendable {
    let server: LiaisonHTTP

    /// The body of `POST /v1/acks`: either `token` (from the link in the message) or `event` and `guardian`.
    struct AckRequest: Decodable {
        var token: String?
        var event: String?
        var guardian: String?
        var answer: String?
        /// How the answer arrived (`sms`, `chat`, …); `api` when not given.
        var via: String?
    }

    struct AckReply: Encodable {
        /// `recorded`, `changed`, `unchanged` or `too-late`.
        var outcome: String
        var event: String
        var guardian: String
        var answer: String
        /// The answer replaced, for `changed`.
        var previous: String?
        /// Until when the answer could change, for `too-late`.
        var deadline: Date?
    }

    struct AckEntry: Encodable {
        var guardian: String
        var answer: String
        var at: Date
        var via: String
    }

    struct AcksReply: Encodable {
        var event: String
        var acknowledgements: [AckEntry]
    }

    struct ErrorReply: Encodable {
        var error: String
        var message: String
    }

    static let maxBodySize = 16 * 1024

    func record(_ request: Request, context: some RequestContext) async throws -> Response {
        guard server.isAuthorized(request) else { return Self.unauthorized() }
        guard let site = server.site() else { return Self.error(.serviceUnavailable, "not-ready", "The school is not loaded yet.") }
        guard AckPages.mediaType(of: request.headers[.contentType] ?? "") == "application/json" else {
            return Self.error(.unsupportedMediaType, "unsupported-media-type", "Send application/json.")
        }
        let buffer = try await request.body.collect(upTo: Self.maxBodySize)
        guard let body = try? JSONDecoder().decode(AckRequest.self, from: Data(buffer.readableBytesView)) else {
            return Self.error(.badRequest, "invalid-json", "The body is not the JSON expected.")
        }
        guard let answer = body.answer, !answer.isEmpty else {
            return Self.error(.badRequest, "missing-answer", "Give an answer: read or an RSVP option id.")
        }
        let via = body.via ?? "api"
        guard Self.isValidVia(via) else {
            return Self.error(
                .badRequest, "invalid-via",
                "via is the channel the answer came on: \(Self.apiVias.sorted().joined(separator: ", ")) (page and staff are Liaison's own).")
        }

        let eventID: String
        let guardianID: String
        var occurrence: String?
        var issuedAt: Date?
        if let token = body.token {
            guard token.utf8.count <= 128, let link = try await site.ledger.link(forToken: token),
                  let linked = site.events[link.eventID], site.linkWorks(guardianID: link.guardianID, event: linked, at: server.now())
            else {
                return Self.error(.notFound, "unknown-token", "No working acknowledgement link has this token (it may have expired).")
            }
            (eventID, guardianID, occurrence) = (link.eventID, link.guardianID, link.occurrence)
            issuedAt = link.createdAt
        } else if let event = body.event, let guardian = body.guardian {
            guard let known = site.roster.guardian(guardian) else {
                return Self.error(.notFound, "unknown-guardian", "No guardian \(guardian) in the roster.")
            }
            // Only a guardian the event was sent to can answer it: a gateway's token is not a licence to answer
            // for any family about anything.
            if let scheduled = site.events[event], !scheduled.audience.includes(known, in: site.roster) {
                return Self.error(.forbidden, "not-in-audience", "Guardian \(guardian) is not in the audience of \(event).")
            }
            (eventID, guardianID) = (event, guardian)
        } else {
            return Self.error(.badRequest, "missing-target", "Give a token, or an event and a guardian.")
        }
        guard let event = site.events[eventID] else {
            return Self.error(.notFound, "unknown-event", "No event \(eventID) on the schedule.")
        }
        guard site.accepts(answer, for: event) else {
            let allowed = ([Acknowledgement.read] + event.rsvp.map(\.id)).joined(separator: ", ")
            return Self.error(.badRequest, "invalid-answer", "\(answer) is not an answer to \(event.id); use \(allowed).")
        }

        let now = server.now()
        let outcome =
            site.isTooLate(answer, for: event, at: now)
            ? .tooLate(deadline: event.start)
            : try await site.ledger.acknowledge(
                eventID: event.id, guardianID: guardianID, answer: answer, via: via, occurrence: occurrence, at: now,
                changeUntil: event.start)
        var reply = AckReply(outcome: "", event: event.id, guardian: guardianID, answer: answer)
        switch outcome {
        case .recorded:
            reply.outcome = "recorded"
        case .changed(let from):
            reply.outcome = "changed"
            reply.previous = from
        case .unchanged:
            reply.outcome = "unchanged"
        case .tooLate(let deadline):
            reply.outcome = "too-late"
            reply.deadline = deadline
            return try Self.json(.conflict, reply)
        }
        if outcome.isNewAnswer { server.metrics.acknowledged(via: via, linkIssuedAt: issuedAt, now: now) }
        return try Self.json(.ok, reply)
    }

    func list(_ request: Request, context: some RequestContext) async throws -> Response {
        guard server.isAuthorized(request) else { return Self.unauthorized() }
        guard let site = server.site() else { return Self.error(.serviceUnavailable, "not-ready", "The school is not loaded yet.") }
        let id = context.parameters.get("id") ?? ""
        guard site.events[id] != nil else {
            return Self.error(.notFound, "unknown-event", "No event \(id) on the schedule.")
        }
        let acks = try await site.ledger.acknowledgements(eventID: id).sorted { $0.guardianID < $1.guardianID }
        let reply = AcksReply(
            event: id, acknowledgements: acks.map { AckEntry(guardian: $0.guardianID, answer: $0.answer, at: $0.at, via: $0.via) })
        return try Self.json(.ok, reply)
    }

    // MARK: - Replies

    /// What a gateway may say an answer came by: the channels, or plain `api`. `page` (the acknowledgement page) and
    /// `staff` (`liaison ack`) are recorded by Liaison itself, never claimed through the API.
    static let apiVias: Set<String> = Set(ChannelKind.known.map(\.rawValue) + ["api"])

    static func isValidVia(_ via: String) -> Bool { apiVias.contains(via) }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        (try? json(status, ErrorReply(error: code, message: message))) ?? .text(status, message)
    }

    static func unauthorized() -> Response {
        var response = error(.unauthorized, "unauthorized", "Send Authorization: Bearer <token>.")
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }
}

/// Compares two secrets in time that depends only on their lengths, not on where they differ.
func constantTimeEquals(_ left: String, _ right: String) -> Bool {
    let (a, b) = (Array(left.utf8), Array(right.utf8))
    var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
    for index in 0..<max(a.count, b.count) {
        let x = index < a.count ? a[index] : 0
        let y = index < b.count ? b[index] : 0
        difference |= x ^ y
    }
    return difference == 0 && a.count == b.count
}
