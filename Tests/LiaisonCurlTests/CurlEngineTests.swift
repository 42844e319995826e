import Foundation
import LiaisonTestSupport
import Testing
@testable import LiaisonCurl

@Suite(.serialized) struct CurlEngineHTTPTests {
    @Test func postsAndReadsStatusHeadersAndBody() async throws {
        let server = try LocalServer(script: "http_receiver.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let engine = CurlEngine(name: "test", maxConnections: 2)
        defer { engine.shutdown() }
        let body = Array(#"{"text":"مرحبا"}"#.utf8)
        let echo = try await engine.perform(CurlRequest(
            url: "http://127.0.0.1:\(server.port)/echo", headers: ["Content-Type: application/json", "X-Test: 1"], body: body))
        #expect(echo.completed)
        #expect(echo.responseCode == 200)
        #expect(echo.header("content-type") == "application/json")
        let reply = try JSONSerialization.jsonObject(with: Data(echo.body)) as? [String: Any]
        #expect(reply?["body"] as? String == #"{"text":"مرحبا"}"#)
        let retry = try await engine.perform(CurlRequest(url: "http://127.0.0.1:\(server.port)/retry-after/7"))
        #expect(retry.responseCode == 429)
        #expect(retry.header("Retry-After") == "7")
        let logged = server.logLines()
        #expect(logged.first?["headers"].flatMap { ($0 as? [String: String])?["X-Test"] } == "1")
    }

    @Test func manyConcurrentRequestsShareFewConnections() async throws {
        let server = try LocalServer(script: "http_receiver.py")
        defer { server.stop() }
        let engine = CurlEngine(name: "test", maxConnections: 4)
        defer { engine.shutdown() }
        let codes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await engine.perform(CurlRequest(url: "http://127.0.0.1:\(server.port)/ok", body: [1], timeout: .seconds(5))).responseCode
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(codes.count == 200)
        #expect(codes.allSatisfy { $0 == 204 })
    }

    @Test func timeoutIsReportedNotThrown() async throws {
        let server = try LocalServer(script: "http_receiver.py")
        defer { server.stop() }
        let engine = CurlEngine(name: "test", maxConnections: 1)
        defer { engine.shutdown() }
        let response = try await engine.perform(CurlRequest(url: "http://127.0.0.1:\(server.port)/hang/3", timeout: .milliseconds(300)))
        #expect(!response.completed)
        #expect(response.result == 28)  // CURLE_OPERATION_TIMEDOUT
        #expect(response.errorMessage.lowercased().contains("timed out"))
    }

    @Test func refusedConnectionIsAnError() async throws {
        let engine = CurlEngine(name: "test", maxConnections: 1)
        defer { engine.shutdown() }
        let response = try await engine.perform(CurlRequest(url: "http://127.0.0.1:9/ok", timeout: .seconds(2)))
        #expect(response.result == 7)  // CURLE_COULDNT_CONNECT
    }

    @Test func cancellationStopsAHangingTransfer() async throws {
        let server = try LocalServer(script: "http_receiver.py")
        defer { server.stop() }
        let engine = CurlEngine(name: "test", maxConnections: 1)
        defer { engine.shutdown() }
        let task = Task { try await engine.perform(CurlRequest(url: "http://127.0.0.1:\(server.port)/hang/5")) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < .seconds(2))
    }
}
