import Foundation
import HTTPTypes
import Hummingbird
import LiaisonCurl
import Logging
import NIOCore
import NIOEmbedded
import ServiceLifecycle
import Synchronization

/// What a test request got back.
struct TestResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ByteBuffer

    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }
}

/// Sends requests to the server under test: straight to its router, or over a real socket.
///
/// Our own rather than HummingbirdTesting, whose HTTP client brings a second BoringSSL, HTTP/2 and TLS into the
/// test build (about a third of a fresh CI build) for the four tests that need a socket.
protocol TestClient: Sendable {
    func send(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse
}

extension TestClient {
    @discardableResult
    func execute<Value>(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
        _ check: (TestResponse) async throws -> Value = { $0 }
    ) async throws -> Value {
        try await check(send(uri: uri, method: method, headers: headers, body: body))
    }
}

/// Calls a router's responder in-process, with a context over a testing channel (no peer address), turning thrown
/// errors into responses as the server does.
struct RouterClient<Context: RequestContext>: TestClient where Context.Source == ApplicationRequestContextSource {
    let responder: Router<Context>.Responder
    let logger = Logger(label: "liaison.test")

    init(_ router: Router<Context>) {
        responder = router.buildResponder()
    }

    static func run<Value>(_ router: Router<Context>, _ body: (Self) async throws -> Value) async throws -> Value {
        try await body(Self(router))
    }

    func send(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        var headers = headers
        if let body { headers[.contentLength] = String(body.readableBytes) }
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: uri, headerFields: headers),
            body: RequestBody(buffer: body ?? ByteBuffer()))
        let context = Context(source: ApplicationRequestContextSource(channel: NIOAsyncTestingChannel(), logger: logger))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            response = Response(status: .internalServerError)
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        return TestResponse(status: response.status, headers: response.headers, body: collector.buffer.withLock { $0 })
    }
}

/// Collects a response body written by a router.
private final class BodyCollector: ResponseBodyWriter, Sendable {
    let buffer = Mutex(ByteBuffer())
    func write(_ chunk: ByteBuffer) async throws { buffer.withLock { $0.writeImmutableBuffer(chunk) } }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// Runs the real application on 127.0.0.1 (a free port) and sends requests to it through libcurl.
struct LiveClient: TestClient {
    let port: Int
    let curl: CurlEngine

    /// Serves `application` for the length of `body`, then shuts it down gracefully.
    static func run<Value>(
        _ application: (_ onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol,
        _ body: (LiveClient) async throws -> Value
    ) async throws -> Value {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = application { port in portContinuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "liaison.test")))
        let curl = CurlEngine(name: "test-client")
        defer { curl.shutdown() }
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                guard let port = await ports.first(where: { _ in true }) else { throw CurlError("the server did not start") }
                let value = try await body(LiveClient(port: port, curl: curl))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }

    func send(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let request = CurlRequest(
            url: "http://127.0.0.1:\(port)\(uri)", method: method.rawValue,
            headers: headers.map { "\($0.name.rawName): \($0.value)" },
            body: body.map { Array($0.readableBytesView) } ?? [], timeout: .seconds(20), connectTimeout: .seconds(5))
        let response = try await curl.perform(request)
        guard response.completed else { throw CurlError("\(method) \(uri): \(response.errorMessage)") }
        var fields = HTTPFields()
        for line in response.headers {
            guard let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(String(line[..<colon])) else { continue }
            fields.append(HTTPField(name: name, value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return TestResponse(status: HTTPResponse.Status(code: response.responseCode), headers: fields, body: ByteBuffer(bytes: response.body))
    }
}
