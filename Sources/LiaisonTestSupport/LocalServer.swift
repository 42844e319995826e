import Foundation

/// A real server from `Tests/Support` started on 127.0.0.1 for one test, stopped by PID when released.
public final class LocalServer: @unchecked Sendable {
    let process = Process()
    public let port: Int
    public let directory: URL

    /// Starts `python3 Tests/Support/<script> <arguments>` and reads the port it prints.
    public init(script: String, arguments: [String] = []) throws {
        let support = LocalServer.repositoryRoot.appendingPathComponent("Tests/Support")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-\(UUID().uuidString)")
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", support.appendingPathComponent(script).path] + arguments.map {
            $0.replacingOccurrences(of: "$DIR", with: directory.path)
        }
        process.standardOutput = output
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)) else {
            process.terminate()
            throw ServerError(message: "\(script) did not print its port")
        }
        self.port = port
    }

    /// The repository's root folder, found from this file's path.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct ServerError: Error { public var message: String }

    /// A file in this server's scratch folder.
    public func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The JSON lines the server logged to `$DIR/<name>`.
    public func logLines(_ name: String = "log.jsonl") -> [[String: Any]] {
        guard let text = try? String(contentsOf: file(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(3)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

/// A self-signed certificate for 127.0.0.1, made with the openssl command for a TLS test.
public struct TestCertificate: Sendable {
    public let certificate: String
    public let key: String

    public init(in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        certificate = folder.appendingPathComponent("cert.pem").path
        key = folder.appendingPathComponent("key.pem").path
        let result = try runProgram("openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        guard result.status == 0 else { throw LocalServer.ServerError(message: "openssl could not make a certificate: \(result.errors)") }
    }
}
