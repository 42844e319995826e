import Foundation

/// One libcurl HTTP transfer (SMTP goes through ``SMTPSubmitter``).
public struct CurlRequest: Sendable {
    public var url: String
    /// HTTP method.
    public var method: String
    /// HTTP header lines (`Name: value`).
    public var headers: [String]
    public var body: [UInt8]
    public var username: String?
    public var password: String?
    /// Verify the server's certificate and name (on unless a test turns it off).
    public var verifyPeer: Bool
    /// A CA bundle to trust instead of the system's.
    public var caFile: String?
    /// The whole transfer's limit, from the moment it is admitted to a connection.
    public var timeout: Duration
    public var connectTimeout: Duration

    public init(
        url: String, method: String = "POST", headers: [String] = [], body: [UInt8] = [],
        username: String? = nil, password: String? = nil, verifyPeer: Bool = true,
        caFile: String? = nil, timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(10)
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.username = username
        self.password = password
        self.verifyPeer = verifyPeer
        self.caFile = caFile
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

/// What came back from a transfer. A transfer that reached the server always returns a response, even for
/// 4xx/5xx replies; only cancellation throws.
public struct CurlResponse: Sendable {
    /// libcurl's result code (0 = the transfer completed).
    public var result: Int32
    /// libcurl's explanation when `result` is not 0.
    public var errorMessage: String
    /// The HTTP status (0 when nothing was received).
    public var responseCode: Int
    /// HTTP response header lines.
    public var headers: [String]
    public var body: [UInt8]
    /// Seconds from admission to completion.
    public var totalTime: Double

    /// True when libcurl completed the transfer.
    public var completed: Bool { result == 0 }

    /// The value of an HTTP response header (case-insensitive), the last one if repeated.
    public func header(_ name: String) -> String? {
        let prefix = name.lowercased() + ":"
        return headers.last { $0.lowercased().hasPrefix(prefix) }
            .map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}

/// Why a transfer could not even start.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
