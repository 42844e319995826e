import CCurl
import Foundation

/// Runs libcurl transfers with the multi interface on a dedicated thread, so blocking in `curl_multi_poll` never
/// holds up Swift's cooperative pool, and connections are reused from one transfer to the next.
///
/// At most `maxConnections` transfers are handed to libcurl at once; the rest wait in this engine's own queue,
/// so their timeouts only start counting once they have a connection.
///
/// - Important: call ``shutdown()`` before releasing the engine; it lets in-flight transfers finish.
public final class CurlEngine: @unchecked Sendable {
    /// State shared between callers and the transfer thread, guarded by `lock`.
    private let lock = NSLock()
    private var pending: [Transfer] = []
    private var cancelled: Set<ObjectIdentifier> = []
    private var accepting = true
    private var stopped = false
    /// Set when the thread has been woken and has not yet looked at `pending`: later callers need not wake it again
    /// (one `curl_multi_wakeup`, a write to a socket, per batch of arrivals instead of per transfer).
    private var woken = false
    private let finishedLoop = DispatchSemaphore(value: 0)

    private let multi: UnsafeMutableRawPointer
    public let maxConnections: Int
    public let name: String

    /// - Parameters:
    ///   - name: names the thread, for logs and debuggers.
    ///   - maxConnections: how many transfers (and so connections) run at once.
    public init(name: String, maxConnections: Int = 4) {
        CurlGlobal.initialize()
        self.name = name
        self.maxConnections = max(1, maxConnections)
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        _ = ccurl_multi_set_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, self.maxConnections)
        _ = ccurl_multi_set_long(multi, CURLMOPT_MAXCONNECTS, self.maxConnections)
        let thread = Thread { [self] in self.run() }
        thread.name = "curl-\(name)"
        thread.start()
    }

    /// Performs a transfer. Returns the response whatever the server said; throws `CancellationError` when the task
    /// is cancelled, and `CurlError` when the engine is shut down or the request cannot be set up.
    public func perform(_ request: CurlRequest) async throws -> CurlResponse {
        let transfer = Transfer(request: request)
        let id = ObjectIdentifier(transfer)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CurlResponse, any Error>) in
                let (accepted, wake) = lock.withLock { () -> (Bool, Bool) in
                    guard accepting else { return (false, false) }
                    transfer.continuation = continuation
                    pending.append(transfer)
                    defer { woken = true }
                    return (true, !woken)
                }
                if wake {
                    curl_multi_wakeup(multi)
                } else if !accepted {
                    continuation.resume(throwing: CurlError("The \(name) connection is shutting down."))
                }
            }
        } onCancel: {
            lock.withLock { _ = cancelled.insert(id) }
            curl_multi_wakeup(multi)
        }
    }

    /// Stops accepting transfers, waits for the queued and running ones to finish, and frees libcurl's state.
    public func shutdown() {
        let first = lock.withLock {
            defer { accepting = false }
            return accepting
        }
        guard first else { return }
        curl_multi_wakeup(multi)
        finishedLoop.wait()
        curl_multi_cleanup(multi)
    }

    // MARK: - The transfer thread

    private func run() {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        var idle: [UnsafeMutableRawPointer] = []
        while true {
            let (admitted, toCancel, draining) = lock.withLock { () -> ([Transfer], Set<ObjectIdentifier>, Bool) in
                woken = false
                var admitted: [Transfer] = []
                var kept: [Transfer] = []
                for transfer in pending {
                    if cancelled.contains(ObjectIdentifier(transfer)) {
                        cancelled.remove(ObjectIdentifier(transfer))
                        transfer.continuation?.resume(throwing: CancellationError())
                        transfer.continuation = nil
                    } else if active.count + admitted.count < maxConnections {
                        admitted.append(transfer)
                    } else {
                        kept.append(transfer)
                    }
                }
                pending = kept
                let toCancel = cancelled
                cancelled = []
                return (admitted, toCancel, !accepting && pending.isEmpty)
            }
            for (handle, transfer) in active where toCancel.contains(ObjectIdentifier(transfer)) {
                curl_multi_remove_handle(multi, handle)
                active[handle] = nil
                recycle(handle, transfer: transfer, into: &idle)
                transfer.continuation?.resume(throwing: CancellationError())
                transfer.continuation = nil
            }
            for transfer in admitted {
                let handle = idle.popLast() ?? curl_easy_init()
                guard let handle else {
                    transfer.continuation?.resume(throwing: CurlError("curl_easy_init failed"))
                    continue
                }
                do {
                    try transfer.configure(handle)
                    curl_multi_add_handle(multi, handle)
                    active[handle] = transfer
                } catch {
                    recycle(handle, transfer: transfer, into: &idle)
                    transfer.continuation?.resume(throwing: error)
                    transfer.continuation = nil
                }
            }
            if draining && active.isEmpty { break }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                      let transfer = active.removeValue(forKey: handle)
                else { continue }
                let response = transfer.response(handle: handle, result: message.pointee.data.result)
                curl_multi_remove_handle(multi, handle)
                recycle(handle, transfer: transfer, into: &idle)
                transfer.continuation?.resume(returning: response)
                transfer.continuation = nil
            }
            if !active.isEmpty || lock.withLock({ pending.isEmpty && accepting }) {
                curl_multi_poll(multi, nil, 0, 1000, nil)
            }
        }
        for handle in idle { curl_easy_cleanup(handle) }
        finishedLoop.signal()
    }

    /// Resets a finished handle for the next transfer (its connection stays in the multi handle's cache).
    private func recycle(_ handle: UnsafeMutableRawPointer, transfer: Transfer, into idle: inout [UnsafeMutableRawPointer]) {
        curl_easy_reset(handle)
        transfer.releaseLists()
        if idle.count < maxConnections {
            idle.append(handle)
        } else {
            curl_easy_cleanup(handle)
        }
    }
}

/// The options every handle sets alike, HTTP transfer or SMTP session: no signals, TLS verification (peer and host
/// together, on unless turned off), a CA bundle to trust instead of the system's, and credentials.
enum CurlAccess {
    /// Sets them on `handle`; the first option libcurl refused (its code and name), or nil.
    static func set(
        _ handle: UnsafeMutableRawPointer, verifyPeer: Bool, caFile: String?, username: String?, password: String?
    ) -> (code: CURLcode, option: String)? {
        var options: [(CURLcode, String)] = [
            (ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL"),
            (ccurl_set_long(handle, CURLOPT_SSL_VERIFYPEER, verifyPeer ? 1 : 0), "SSL_VERIFYPEER"),
            (ccurl_set_long(handle, CURLOPT_SSL_VERIFYHOST, verifyPeer ? 2 : 0), "SSL_VERIFYHOST"),
        ]
        if let caFile { options.append((ccurl_set_string(handle, CURLOPT_CAINFO, caFile), "CAINFO")) }
        if let username { options.append((ccurl_set_string(handle, CURLOPT_USERNAME, username), "USERNAME")) }
        if let password { options.append((ccurl_set_string(handle, CURLOPT_PASSWORD, password), "PASSWORD")) }
        return options.first { $0.0 != CURLE_OK }.map { (code: $0.0, option: $0.1) }
    }
}

/// Calls `curl_global_init` once per process.
enum CurlGlobal {
    private static let once: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    static func initialize() {
        _ = once
    }

    /// The libcurl version string, e.g. "libcurl/7.88.1 OpenSSL/3.0.15".
    static var version: String { String(cString: curl_version()) }
}

extension Duration {
    /// Whole milliseconds, at least 1, for libcurl's `_MS` options (0 would mean "no limit").
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
