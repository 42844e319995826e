import Foundation
import LiaisonCurl
import LiaisonModel
import LiaisonTestSupport
import Testing
@testable import LiaisonInputs

/// The fetcher against a real local HTTP server (Tests/Support/calendar_server.py): conditional requests with
/// ETag and Last-Modified, a stored copy CalendarReader reads, and failures that keep the last copy.
@Suite struct CalendarFetcherTests {
    func requests(_ server: LocalServer) -> [[String: Any]] { server.logLines("requests.jsonl") }

    func header(_ request: [String: Any], _ name: String) -> String? {
        (request["headers"] as? [String: String])?.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    @Test(arguments: ["etag.ics", "modified.ics"])
    func fetchesThenAsksConditionally(_ path: String) async throws {
        let fixture = Fixture()
        let served = fixture.write("served.ics", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20270105T100000Z\r\nSUMMARY:First\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3_600)], ofItemAtPath: served)
        let server = try LocalServer(script: "calendar_server.py", arguments: ["--file", served, "--log", "$DIR/requests.jsonl"])
        defer { server.stop() }
        let engine = CurlEngine(name: "calendar-test", maxConnections: 1)
        defer { engine.shutdown() }
        let source = CalendarSource(name: "school", file: fixture.path(".liaison/calendars/school.ics"), url: "http://127.0.0.1:\(server.port)/\(path)", poll: .seconds(900))
        let fetcher = CalendarFetcher(source: source, engine: engine)

        guard case .modified(let body, let validators) = try await fetcher.fetch() else { Issue.record("the first fetch must bring the calendar"); return }
        #expect(body == Array(try String(contentsOfFile: served, encoding: .utf8).utf8))
        #expect(path == "etag.ics" ? validators.etag != nil : validators.lastModified != nil)
        let (first, _) = CalendarReader.read(path: source.file, name: "school", window: DateInterval(start: utc("2027-01-01T00:00:00Z"), duration: 86_400 * 30), fallbackZone: london)
        #expect(first.map(\.summary) == ["First"])

        #expect(try await fetcher.fetch() == .notModified)
        let conditional = try #require(requests(server).last)
        #expect(header(conditional, path == "etag.ics" ? "If-None-Match" : "If-Modified-Since") != nil, "\(conditional)")

        // The calendar changes: the next fetch brings it and the copy is replaced.
        try "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20270105T100000Z\r\nSUMMARY:Changed\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            .write(toFile: served, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: served)
        guard case .modified = try await fetcher.fetch() else { Issue.record("a changed calendar must be fetched again"); return }
        let (changed, _) = CalendarReader.read(path: source.file, name: "school", window: DateInterval(start: utc("2027-01-01T00:00:00Z"), duration: 86_400 * 30), fallbackZone: london)
        #expect(changed.map(\.summary) == ["Changed"])
        #expect(changed.map(\.id) == first.map(\.id))
        #expect(requests(server).count == 3)
    }

    @Test func failuresKeepTheLastCopy() async throws {
        let fixture = Fixture()
        let served = fixture.write("served.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        let server = try LocalServer(script: "calendar_server.py", arguments: ["--file", served, "--log", "$DIR/requests.jsonl"])
        defer { server.stop() }
        let engine = CurlEngine(name: "calendar-test", maxConnections: 1)
        defer { engine.shutdown() }
        let copy = fixture.write("copy.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        for (path, expected) in [("html", "did not answer with an iCalendar file"), ("missing.ics", "HTTP 404")] {
            let fetcher = CalendarFetcher(source: CalendarSource(name: "school", file: copy, url: "http://127.0.0.1:\(server.port)/\(path)", poll: .seconds(900)), engine: engine)
            await #expect(throws: CalendarFetchError.self) { try await fetcher.fetch() }
            do {
                _ = try await fetcher.fetch()
            } catch {
                #expect(error.description.contains(expected), "\(error)")
            }
            #expect(try String(contentsOfFile: copy, encoding: .utf8) == "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        }
    }
}
