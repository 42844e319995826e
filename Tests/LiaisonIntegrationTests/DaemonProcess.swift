import Foundation
import LiaisonTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `liaison serve` process for one test: its JSON log lines collected as they come, its port read from the
/// "liaison is serving" line, stopped by PID (SIGTERM, then SIGKILL) when the test is done.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var lines: [[String: Any]] = []
    private var raw = ""
    private(set) var port = 0
    let token = "test-token-\(UUID().uuidString)"

    /// `environment` is added to the test's own (e.g. `LD_PRELOAD`).
    init(config: String, clockStart: String? = nil, environment extra: [String: String] = [:]) throws {
        process.executableURL = liaisonExecutable
        var arguments = ["serve", "--config", config, "--listen", "127.0.0.1:0", "--log-level", "debug"]
        if let clockStart { arguments += ["--clock-start", clockStart] }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LIAISON_API_TOKENS"] = token
        environment.merge(extra) { $1 }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let handle = pipe.fileHandleForReading
        try process.run()
        Thread.detachNewThread { [weak self] in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 10) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer.removeSubrange(buffer.startIndex...newline)
                    self?.add(Data(line))
                }
            }
        }
        guard let serving = waitForLog("liaison is serving", timeout: 60),
            let listen = serving["listen"] as? String, let port = Int(listen.split(separator: ":").last ?? "")
        else {
            stop()
            throw DaemonError(message: "the daemon did not start: \(output)")
        }
        self.port = port
    }

    struct DaemonError: Error { var message: String }

    private func add(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        lock.withLock {
            raw += text + "\n"
            if let object { lines.append(object) }
        }
    }

    var output: String { lock.withLock { raw } }
    var logs: [[String: Any]] { lock.withLock { lines } }

    func logs(_ message: String) -> [[String: Any]] {
        logs.filter { ($0["msg"] as? String)?.contains(message) == true }
    }

    /// The first log line whose message contains `message` (after `skipping` such lines), waiting up to `timeout` s.
    @discardableResult
    func waitForLog(_ message: String, skipping: Int = 0, timeout: Double = 30) -> [String: Any]? {
        var line: [String: Any]?
        _ = waitUntil(timeout) {
            let found = logs(message)
            if found.count > skipping { line = found[skipping] }
            return line != nil || !process.isRunning
        }
        return line
    }

    /// SIGTERM, then waits for the exit (SIGKILL after `timeout`); returns the exit status.
    @discardableResult
    func stop(timeout: Double = 30) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        _ = waitUntil(timeout) { !process.isRunning }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -9
        }
        return process.terminationStatus
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    // MARK: - HTTP

    struct Reply {
        var status: Int
        var body: String
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
    }

    /// A request to the daemon (on `port`, by default the main address); `bearer` adds the API token.
    func request(
        _ method: String, _ path: String, json: [String: Any]? = nil, form: String? = nil, bearer: Bool = true, port: Int? = nil
    ) throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port ?? self.port)\(path)")!)
        request.httpMethod = method
        if bearer { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        if let form {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(form.utf8)
        }
        let done = DispatchSemaphore(value: 0)
        let result = Locked<Reply?>(nil)
        URLSession.shared.dataTask(with: request) { data, response, _ in
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            result.value = Reply(status: status, body: String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        done.wait()
        return result.value ?? Reply(status: 0, body: "")
    }
}

/// Checks `condition` every 50 ms until it holds or `timeout` seconds have passed; returns its last answer.
func waitUntil(_ timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
}
