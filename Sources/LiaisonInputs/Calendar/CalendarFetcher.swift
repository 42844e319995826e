import Foundation
import LiaisonCurl
import LiaisonModel

/// The validators of the last copy fetched, sent back to ask for the calendar only if it changed.
public struct CalendarValidators: Sendable, Hashable, Codable {
    public var etag: String?
    public var lastModified: String?

    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// What a fetch found.
public enum CalendarFetch: Sendable, Hashable {
    /// New content, already stored as the calendar's copy (`CalendarSource.file`).
    case modified([UInt8], CalendarValidators)
    /// The server answered 304: the stored copy is current.
    case notModified
}

/// Why a fetch failed; the stored copy, if any, is kept and still used.
public struct CalendarFetchError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Fetches a URL calendar with conditional requests (`If-None-Match` with the last `ETag`, `If-Modified-Since`
/// with the last `Last-Modified`) and stores a new copy where `CalendarReader` reads it. The validators are kept
/// next to the copy (`<name>.ics.validators.json`), so a restarted daemon still asks conditionally. The daemon
/// calls `fetch()` every `CalendarSource.poll`.
public struct CalendarFetcher: Sendable {
    public let source: CalendarSource
    let engine: CurlEngine
    let timeout: Duration

    public init(source: CalendarSource, engine: CurlEngine, timeout: Duration = .seconds(30)) {
        self.source = source
        self.engine = engine
        self.timeout = timeout
    }

    var validatorsFile: String { source.file + ".validators.json" }

    /// The validators of the stored copy (none before the first fetch, or without a copy).
    public func storedValidators() -> CalendarValidators {
        guard Support.state(of: source.file) == .file, let data = FileManager.default.contents(atPath: validatorsFile),
              let validators = try? JSONDecoder().decode(CalendarValidators.self, from: data)
        else { return CalendarValidators() }
        return validators
    }

    /// Asks for the calendar, conditionally when a copy is stored.
    public func fetch() async throws(CalendarFetchError) -> CalendarFetch {
        guard var url = source.url else { throw CalendarFetchError(description: "the calendar \(source.name) is a file, not a URL") }
        if url.lowercased().hasPrefix("webcal://") { url = "https://" + url.dropFirst("webcal://".count) }
        let validators = storedValidators()
        var headers = ["Accept: text/calendar, */*;q=0.5"]
        if let etag = validators.etag { headers.append("If-None-Match: \(etag)") }
        if let lastModified = validators.lastModified { headers.append("If-Modified-Since: \(lastModified)") }
        let response: CurlResponse
        do {
            response = try await engine.perform(CurlRequest(url: url, method: "GET", headers: headers, timeout: timeout))
        } catch {
            throw CalendarFetchError(description: "the calendar \(source.name) could not be fetched from \(url): \(error)")
        }
        guard response.completed else {
            throw CalendarFetchError(description: "the calendar \(source.name) could not be fetched from \(url): \(response.errorMessage)")
        }
        switch response.responseCode {
        case 304:
            return .notModified
        case 200:
            guard Self.looksLikeCalendar(response.body) else {
                throw CalendarFetchError(description: "\(url) did not answer with an iCalendar file (no BEGIN:VCALENDAR); the last copy is kept")
            }
            let fresh = CalendarValidators(etag: response.header("ETag"), lastModified: response.header("Last-Modified"))
            do {
                try FileManager.default.createDirectory(atPath: Support.folder(of: source.file), withIntermediateDirectories: true)
                try Data(response.body).write(to: URL(fileURLWithPath: source.file), options: .atomic)
                try JSONEncoder().encode(fresh).write(to: URL(fileURLWithPath: validatorsFile), options: .atomic)
            } catch {
                throw CalendarFetchError(description: "the calendar \(source.name) was fetched but cannot be stored in \(source.file): \(error)")
            }
            return .modified(response.body, fresh)
        default:
            throw CalendarFetchError(description: "\(url) answered HTTP \(response.responseCode) for the calendar \(source.name); the last copy is kept")
        }
    }

    static func looksLikeCalendar(_ body: [UInt8]) -> Bool {
        let start = body.count >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF ? 3 : 0
        let head = String(decoding: body[start..<min(body.count, start + 64)], as: UTF8.self)
        return head.trimmingCharacters(in: .whitespacesAndNewlines).uppercased().hasPrefix("BEGIN:VCALENDAR")
    }
}
