import CCurl
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One message for one recipient, with what the engine thread needs already worked out by the caller.
final class SubmissionJob: @unchecked Sendable {
    let from: String
    let recipient: String
    /// The message as sent after DATA: dot-stuffed, ending in CRLF.CRLF.
    let data: [UInt8]
    let size: Int
    let eightBit: Bool
    let internationalAddresses: Bool
    var continuation: CheckedContinuation<SMTPResult, any Error>?
    /// The first refusal of this message's MAIL or RCPT, which decides its fate once DATA is answered.
    var refusal: SMTPServerReply?
    /// Sessions that broke before taking any message while this one was started on them.
    var attempts = 0

    init(_ submission: SMTPSubmission) {
        from = submission.from
        recipient = submission.recipient
        data = SMTPData.transparent(submission.message)
        size = submission.message.count
        eightBit = SMTPData.hasEightBitBytes(submission.message)
        internationalAddresses = !(submission.from + submission.recipient).utf8.allSatisfy { $0 < 0x80 }
    }

    func finish(_ result: SMTPResult) {
        continuation?.resume(returning: result)
        continuation = nil
    }

    func fail(_ error: any Error) {
        continuation?.resume(throwing: error)
        continuation = nil
    }
}

/// A session libcurl opened (TCP, TLS or STARTTLS, EHLO, AUTH), handed over to the engine thread.
struct OpenedSession: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let socket: Int32
    let capabilities: SMTPCapabilities
    /// Plain TCP (`smtp://` without TLS): what the socket holds is all there is to read, with no TLS layer
    /// keeping decrypted bytes back.
    let plaintext: Bool
}

/// A session, or why none could be opened.
enum OpenOutcome: @unchecked Sendable {
    case opened(OpenedSession)
    case refused(SMTPResult)
}

/// Opens SMTP sessions with libcurl's `CURLOPT_CONNECT_ONLY`: libcurl connects, negotiates TLS, says EHLO and
/// authenticates, then leaves the connection to ``SMTPConnection``. Runs on a thread of its own (it blocks).
struct SessionOpener: Sendable {
    let settings: SMTPSessionSettings

    /// Opens a session, or says why not (libcurl's code and message, and the relay's last reply if it refused).
    func open() -> OpenOutcome {
        CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            return .refused(SMTPResult(accepted: false, reply: nil, problem: "curl_easy_init failed", curlResult: -1))
        }
        let lines = LineCollector()
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        let context = Unmanaged.passUnretained(lines).toOpaque()
        let level: curl_usessl = switch settings.effectiveTLS {
        case .none: CURLUSESSL_NONE
        case .opportunistic: CURLUSESSL_TRY
        case .required: CURLUSESSL_ALL
        }
        var code = CURLE_OK
        func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        if let refused = CurlAccess.set(
            handle, verifyPeer: settings.verifyPeer, caFile: settings.caFile, username: settings.username, password: settings.password)
        {
            set(refused.code)
        }
        set(ccurl_set_long(handle, CURLOPT_CONNECT_ONLY, 1))
        set(ccurl_set_string(handle, CURLOPT_URL, settings.url))
        set(ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        set(ccurl_set_long(handle, CURLOPT_USE_SSL, Int(level.rawValue)))
        set(ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeout.curlMilliseconds))
        set(ccurl_set_long(handle, CURLOPT_TIMEOUT_MS, (settings.connectTimeout + settings.timeout).curlMilliseconds))
        set(ccurl_set_long(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, Int(settings.timeout.components.seconds))))
        set(ccurl_set_data_callback(handle, CURLOPT_HEADERFUNCTION, collectLine))
        set(ccurl_set_pointer(handle, CURLOPT_HEADERDATA, context))
        if code == CURLE_OK { code = curl_easy_perform(handle) }
        var socket: curl_socket_t = -1
        if code == CURLE_OK { code = ccurl_get_socket(handle, &socket) }
        if code == CURLE_OK, socket >= 0 {
            // libcurl also honours proxy variables from the environment; an HTTPS proxy would add a TLS layer.
            let environment = ProcessInfo.processInfo.environment
            let proxied = ["all_proxy", "ALL_PROXY", "smtp_proxy", "SMTP_PROXY"].contains { environment[$0]?.isEmpty == false }
            let plaintext = settings.effectiveTLS == .none && settings.url.lowercased().hasPrefix("smtp://") && !proxied
            return .opened(OpenedSession(
                handle: handle, socket: socket, capabilities: SMTPCapabilities(sessionLines: lines.lines), plaintext: plaintext))
        }
        var replyCode = 0
        _ = ccurl_get_long(handle, CURLINFO_RESPONSE_CODE, &replyCode)
        var message = String(cString: errorBuffer)
        if message.isEmpty { message = String(cString: curl_easy_strerror(code)) }
        curl_easy_cleanup(handle)
        let reply = (400..<600).contains(replyCode)
            ? lines.lines.last { $0.hasPrefix(String(replyCode)) }.map { SMTPServerReply(code: replyCode, lines: [$0]) } : nil
        return .refused(SMTPResult(accepted: false, reply: reply, problem: message, curlResult: Int32(code.rawValue)))
    }
}

/// The relay's lines while libcurl opens a session (greeting, EHLO, STARTTLS, AUTH).
private final class LineCollector {
    var lines: [String] = []
}

private func collectLine(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    guard let context, let data, length > 0 else { return length }
    // Trimmed as bytes: "\r\n" is one Character in Swift, so comparing the last Character with "\r" or "\n" never matches.
    var bytes = UnsafeRawBufferPointer(start: data, count: length)[...]
    while let last = bytes.last, last == 0x0D || last == 0x0A { bytes = bytes.dropLast() }
    let line = String(decoding: bytes, as: UTF8.self)
    Unmanaged<LineCollector>.fromOpaque(context).takeUnretainedValue().lines.append(line)
    return length
}

/// One open SMTP session, driven by the engine thread: sends each message's MAIL, RCPT and DATA (in one group when
/// the relay offers PIPELINING, RFC 2920, one at a time otherwise), its data once DATA is answered with 354, and the
/// next message's commands in the same write as the previous message's data.
final class SMTPConnection {
    private enum Expectation {
        case reset
        case mail(SubmissionJob)
        case recipient(SubmissionJob)
        case data(SubmissionJob)
        case message(SubmissionJob)
        case discard
        case quit
    }

    let handle: UnsafeMutableRawPointer
    let socket: Int32
    let capabilities: SMTPCapabilities
    let plaintext: Bool
    let openedAt: ContinuousClock.Instant
    private(set) var lastActivity: ContinuousClock.Instant
    private var reader = SMTPReplyReader()
    private var output: [UInt8] = []
    private var written = 0
    /// Commands not yet written: without PIPELINING each waits for the previous reply.
    private var held: [([UInt8], Expectation)] = []
    private var expected: [Expectation] = []
    private var expectedHead = 0
    /// The message whose MAIL, RCPT and DATA are out, waiting for 354.
    private var envelopeJob: SubmissionJob?
    /// The message whose data is out, waiting for the relay's verdict.
    private var dataJob: SubmissionJob?
    private var needsReset = false
    /// Set when the relay said 421, closed the connection, or broke the protocol: the engine retires the session.
    private(set) var broken: String?
    private(set) var quitting = false
    /// Messages the relay took on this session.
    private(set) var accepted = 0

    init(_ session: OpenedSession, now: ContinuousClock.Instant) {
        handle = session.handle
        socket = session.socket
        capabilities = session.capabilities
        plaintext = session.plaintext
        openedAt = now
        lastActivity = now
    }

    var waitingForReply: Bool { expectedHead < expected.count || !held.isEmpty }
    var hasOutput: Bool { written < output.count }
    var isIdle: Bool { envelopeJob == nil && dataJob == nil && !waitingForReply }

    /// How long to wait for the relay's next reply: `timeout`, or 2 s for the answer to QUIT.
    func replyLimit(_ timeout: Duration) -> Duration { quitting ? .seconds(2) : timeout }

    /// Whether another message can start now.
    var canStart: Bool {
        broken == nil && !quitting && envelopeJob == nil && (capabilities.pipelining || dataJob == nil)
    }

    /// Starts a message: its commands go out with the next write.
    func start(_ job: SubmissionJob) {
        envelopeJob = job
        if needsReset {
            hold("RSET\r\n", .reset)
            needsReset = false
        }
        var mail = "MAIL FROM:<\(job.from)>"
        if capabilities.size != nil { mail += " SIZE=\(job.size)" }
        if job.eightBit, capabilities.eightBitMIME { mail += " BODY=8BITMIME" }
        if job.internationalAddresses, capabilities.smtpUTF8 { mail += " SMTPUTF8" }
        hold(mail + "\r\n", .mail(job))
        hold("RCPT TO:<\(job.recipient)>\r\n", .recipient(job))
        hold("DATA\r\n", .data(job))
        pump()
    }

    /// Says goodbye; the engine closes the connection once the relay answers (or after a short wait).
    func quit() {
        guard !quitting else { return }
        quitting = true
        hold("QUIT\r\n", .quit)
        pump()
    }

    private func hold(_ command: String, _ expectation: Expectation) {
        held.append((Array(command.utf8), expectation))
    }

    private func pump() {
        var index = 0
        while index < held.count, capabilities.pipelining || expectedHead == expected.count {
            output.append(contentsOf: held[index].0)
            expected.append(held[index].1)
            index += 1
        }
        held.removeFirst(index)
    }

    /// Writes what it can without blocking.
    func flush(now: ContinuousClock.Instant) {
        guard broken == nil else { return }
        while written < output.count {
            var sent = 0
            let result = output.withUnsafeBytes { bytes in
                curl_easy_send(handle, bytes.baseAddress! + written, bytes.count - written, &sent)
            }
            if result == CURLE_AGAIN { break }
            guard result == CURLE_OK else {
                broken = "sending to the relay failed: \(String(cString: curl_easy_strerror(result)))"
                return
            }
            written += sent
            lastActivity = now
        }
        if written == output.count {
            output.removeAll(keepingCapacity: true)
            written = 0
        }
    }

    /// Reads what the relay sent and acts on each complete reply.
    func receive(into scratch: UnsafeMutableRawBufferPointer, now: ContinuousClock.Instant) {
        while broken == nil {
            var count = 0
            let result = curl_easy_recv(handle, scratch.baseAddress, scratch.count, &count)
            if result == CURLE_AGAIN { return }
            guard result == CURLE_OK else {
                broken = "reading from the relay failed: \(String(cString: curl_easy_strerror(result)))"
                return
            }
            guard count > 0 else {
                broken = quitting ? "closed after QUIT" : "the relay closed the connection"
                return
            }
            lastActivity = now
            do {
                for reply in try reader.read(UnsafeRawBufferPointer(rebasing: scratch[0..<count])) {
                    handle(reply)
                    if broken != nil { return }
                }
            } catch {
                broken = error.description
                return
            }
            // A short read of a plain socket emptied it: asking again would only hear "nothing yet" (poll says
            // when there is more). Through TLS, decrypted bytes may wait in the library, so read until it says so.
            if plaintext, count < scratch.count { return }
        }
    }

    private func handle(_ reply: SMTPServerReply) {
        guard expectedHead < expected.count else {
            broken = reply.code == 421 ? reply.text : "the relay sent a reply nothing asked for: \(reply.text)"
            return
        }
        let expectation = expected[expectedHead]
        expectedHead += 1
        if expectedHead == expected.count {
            expected.removeAll(keepingCapacity: true)
            expectedHead = 0
        }
        switch expectation {
        case .reset:
            if !reply.isPositive { broken = "the relay refused RSET: \(reply.text)" }
        case .mail(let job), .recipient(let job):
            if !reply.isPositive, job.refusal == nil { job.refusal = reply }
        case .data(let job):
            envelopeJob = nil
            if reply.code == 354, job.refusal == nil {
                dataJob = job
                held.append((job.data, .message(job)))
            } else if reply.code == 354 {
                // RFC 2920 §3.1: DATA accepted although a recipient was refused: end it empty.
                held.append(([0x2E, 0x0D, 0x0A], .discard))
                job.finish(.refused(job.refusal ?? reply))
            } else {
                needsReset = true
                job.finish(.refused(job.refusal ?? reply))
            }
        case .message(let job):
            dataJob = nil
            if reply.isPositive { accepted += 1 }
            job.finish(reply.isPositive ? .accepted(reply) : .refused(reply))
        case .discard:
            break
        case .quit:
            broken = "closed after QUIT"
        }
        if reply.code == 421, broken == nil { broken = reply.text }
        pump()
    }

    /// The messages this session held when it broke: those whose data never went out may go to another session;
    /// one whose data did may have been delivered, so it is reported, not resent here.
    func abandon() -> (restart: [SubmissionJob], maybeDelivered: SubmissionJob?) {
        var restart: [SubmissionJob] = []
        if let job = envelopeJob, job.continuation != nil {
            job.refusal = nil
            restart.append(job)
        }
        let maybe = dataJob?.continuation != nil ? dataJob : nil
        envelopeJob = nil
        dataJob = nil
        held = []
        expected = []
        expectedHead = 0
        return (restart, maybe)
    }

    func markBroken(_ problem: String) {
        if broken == nil { broken = problem }
    }

    /// Closes the connection without letting libcurl wait for a reply to its own QUIT.
    func close() {
        shutdown(socket, Int32(SHUT_RDWR))
        curl_easy_cleanup(handle)
    }
}

extension SMTPResult {
    static func accepted(_ reply: SMTPServerReply) -> SMTPResult {
        SMTPResult(accepted: true, reply: reply, problem: nil, curlResult: 0)
    }

    static func refused(_ reply: SMTPServerReply) -> SMTPResult {
        SMTPResult(accepted: false, reply: reply, problem: nil, curlResult: 0)
    }

    static func problem(_ text: String) -> SMTPResult {
        SMTPResult(accepted: false, reply: nil, problem: text, curlResult: 0)
    }
}
