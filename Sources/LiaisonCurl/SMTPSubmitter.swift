import CCurl
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How to reach an SMTP relay.
public struct SMTPSessionSettings: Sendable {
    /// How to protect the connection.
    public enum Security: String, Sendable, Hashable {
        /// Plain text (only for relays on the same host or in tests).
        case none
        /// STARTTLS when the server offers it; without it the session stays in clear, but a password is never sent in
        /// clear unless ``SMTPSessionSettings/allowPasswordWithoutTLS`` says so: with credentials this acts as `required`.
        case opportunistic
        /// STARTTLS required (or implicit TLS for `smtps://`); no message goes out without it.
        case required
    }

    /// `smtp://host:port/<EHLO name>` or `smtps://host:port/<EHLO name>`.
    public var url: String
    public var tls: Security
    public var username: String?
    /// Never logged.
    public var password: String?
    public var verifyPeer: Bool
    public var caFile: String?
    /// Longest wait for any reply of the relay, and for opening a session after connecting.
    public var timeout: Duration
    public var connectTimeout: Duration
    /// Lets `none` and `opportunistic` authenticate over a connection without TLS (the password then crosses the
    /// network in clear). Off: a session with credentials over `smtp://` requires STARTTLS whatever `tls` says.
    public var allowPasswordWithoutTLS: Bool

    public init(
        url: String, tls: Security = .required, username: String? = nil, password: String? = nil, verifyPeer: Bool = true,
        caFile: String? = nil, timeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10),
        allowPasswordWithoutTLS: Bool = false
    ) {
        self.url = url
        self.tls = tls
        self.username = username
        self.password = password
        self.verifyPeer = verifyPeer
        self.caFile = caFile
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.allowPasswordWithoutTLS = allowPasswordWithoutTLS
    }

    /// The TLS a session actually gets: `tls`, raised to `required` when credentials would otherwise be sent over
    /// `smtp://` without TLS and ``allowPasswordWithoutTLS`` is off. (libcurl's "try" level authenticates in clear
    /// when the relay offers no STARTTLS: seen with a relay offering AUTH PLAIN on plain TCP.)
    public var effectiveTLS: Security {
        let credentials = username != nil || password != nil
        let implicitTLS = url.lowercased().hasPrefix("smtps://")
        if credentials, !implicitTLS, !allowPasswordWithoutTLS { return .required }
        return tls
    }
}

/// One message for one recipient; `message` is the whole RFC 5322 message with CRLF line ends.
public struct SMTPSubmission: Sendable {
    public var from: String
    public var recipient: String
    public var message: [UInt8]

    public init(from: String, recipient: String, message: [UInt8]) {
        self.from = from
        self.recipient = recipient
        self.message = message
    }
}

/// What became of one submission.
public struct SMTPResult: Sendable, Hashable {
    /// The relay took the message (a 2xx reply after its data).
    public var accepted: Bool
    /// The reply that decided: the acceptance, or the first refusal of MAIL, RCPT, DATA or the data.
    public var reply: SMTPServerReply?
    /// Why nothing the relay said decided it: a session that could not be opened, a timeout, a lost connection.
    public var problem: String?
    /// libcurl's result code when a session could not be opened; 0 otherwise.
    public var curlResult: Int32
    /// The session broke after the message's data went out: the relay may have taken it, so it must not be handed
    /// to another relay at once (that could deliver it twice).
    public var mayHaveBeenDelivered: Bool

    public init(accepted: Bool, reply: SMTPServerReply?, problem: String?, curlResult: Int32, mayHaveBeenDelivered: Bool = false) {
        self.accepted = accepted
        self.reply = reply
        self.problem = problem
        self.curlResult = curlResult
        self.mayHaveBeenDelivered = mayHaveBeenDelivered
    }
}

/// Submits messages to one SMTP relay over a few long-lived sessions, from a thread of its own.
///
/// libcurl opens each session (TCP, TLS or STARTTLS with verification, EHLO, AUTH) with `CURLOPT_CONNECT_ONLY`;
/// this engine then speaks SMTP over it with `curl_easy_send` and `curl_easy_recv`, so that it can pipeline
/// (RFC 2920) when the relay offers it: one round trip per message instead of libcurl's four. Messages whose
/// session breaks before their data went out are started again on another session.
///
/// - Important: call ``shutdown()`` before releasing the engine; it lets queued and in-flight messages finish.
public final class SMTPSubmitter: @unchecked Sendable {
    public let name: String
    public let maxConnections: Int
    private let opener: SessionOpener
    private let settings: SMTPSessionSettings
    /// An idle session is closed after this long; a session is not given new messages after `maximumAge`.
    private let idleLimit: Duration
    private let maximumAge: Duration = .seconds(300)

    /// State shared between callers, opener threads and the engine thread, guarded by `lock`.
    private let lock = NSLock()
    private var incoming: [SubmissionJob] = []
    private var cancelled: Set<ObjectIdentifier> = []
    private var opened: [OpenOutcome] = []
    private var accepting = true
    /// Sessions opened, and attempts to open one, so far (for tests and logs).
    private var openedCount = 0
    private var attemptCount = 0
    var sessionsOpened: Int { lock.withLock { openedCount } }
    var openAttempts: Int { lock.withLock { attemptCount } }
    private let finished = DispatchSemaphore(value: 0)
    /// A pipe whose read end is polled with the sessions, so callers can wake the engine thread.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// Set when the thread has been woken and has not yet taken `incoming`: later callers need not write to the pipe.
    private var woken = false

    /// - Parameters:
    ///   - maxConnections: how many sessions may be open at once.
    ///   - idleLimit: how long an idle session stays open for the next message (relays drop idle ones anyway).
    public init(name: String, settings: SMTPSessionSettings, maxConnections: Int = 4, idleLimit: Duration = .seconds(5)) {
        CurlGlobal.initialize()
        self.name = name
        self.idleLimit = idleLimit
        self.settings = settings
        self.maxConnections = max(1, maxConnections)
        self.opener = SessionOpener(settings: settings)
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { fatalError("pipe failed: \(errno)") }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        let thread = Thread { [self] in self.run() }
        thread.name = "smtp-\(name)"
        thread.start()
    }

    /// Submits a message. Returns what the relay made of it; throws `CancellationError` when the task is cancelled
    /// before the message was started, and `CurlError` when the engine is shut down.
    public func submit(_ submission: SMTPSubmission) async throws -> SMTPResult {
        let job = SubmissionJob(submission)
        let id = ObjectIdentifier(job)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SMTPResult, any Error>) in
                let (accepted, wake) = lock.withLock { () -> (Bool, Bool) in
                    guard accepting else { return (false, false) }
                    job.continuation = continuation
                    incoming.append(job)
                    defer { woken = true }
                    return (true, !woken)
                }
                if wake {
                    self.wake()
                } else if !accepted {
                    continuation.resume(throwing: CurlError("The \(name) relay connection is shutting down."))
                }
            }
        } onCancel: {
            lock.withLock { _ = cancelled.insert(id) }
            wake()
        }
    }

    /// Stops accepting messages, lets queued and in-flight ones finish, says QUIT and closes every session.
    public func shutdown() {
        let first = lock.withLock {
            defer { accepting = false }
            return accepting
        }
        guard first else { return }
        wake()
        finished.wait()
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func open() {
        let opener = self.opener
        let thread = Thread { [self] in
            let result = opener.open()
            lock.withLock {
                opened.append(result)
                attemptCount += 1
                if case .opened = result { openedCount += 1 }
            }
            wake()
        }
        thread.name = "smtp-\(name)-open"
        thread.start()
    }

    // MARK: - The engine thread

    private func run() {
        let clock = ContinuousClock()
        var waiting = JobQueue()
        var sessions: [SMTPConnection] = []
        var opening = 0
        // After a session could not be opened, no new one is tried before `openAllowedAt` (0.5 s, doubling to
        // 30 s): a relay that refuses a fifth connection is not hammered while four are busy, and one that is down
        // fails the messages at once instead of being dialled for each.
        var openBackoff: Duration = .zero
        var openAllowedAt = ContinuousClock.now
        var lastFailure: SMTPResult?
        // While backing off with nothing open, one session at a time may still be tried as a probe, at most every
        // `probeInterval`: messages fail with the last failure only just after one, so a relay that is back is
        // noticed within a fraction of a second (a backoff of up to 30 s used to fail them all with the old error).
        var lastProbe = ContinuousClock.now - .seconds(3600)
        let probeInterval: Duration = .milliseconds(250)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer { scratch.deallocate() }
        var pollSet: [pollfd] = []

        while true {
            let (arrived, toCancel, results, draining) = lock.withLock {
                woken = false
                defer {
                    incoming.removeAll(keepingCapacity: true)
                    cancelled = []
                    opened = []
                }
                return (incoming, cancelled, opened, !accepting)
            }
            waiting.append(contentsOf: arrived)
            if !toCancel.isEmpty {
                waiting.removeAll { job in
                    guard toCancel.contains(ObjectIdentifier(job)) else { return false }
                    job.fail(CancellationError())
                    return true
                }
            }
            let now = clock.now
            for result in results {
                opening -= 1
                switch result {
                case .opened(let session):
                    sessions.append(SMTPConnection(session, now: now))
                    openBackoff = .zero
                    lastFailure = nil
                case .refused(let failure):
                    lastFailure = failure
                    openBackoff = openBackoff == .zero ? .milliseconds(500) : min(openBackoff * 2, .seconds(30))
                    openAllowedAt = now + openBackoff
                    lastProbe = now
                }
            }

            // Retire broken sessions: messages not yet sent go back to the front of the queue.
            var restarted: [SubmissionJob] = []
            sessions.removeAll { session in
                guard let problem = session.broken else { return false }
                let (restart, maybeDelivered) = session.abandon()
                for job in restart {
                    // A relay that closes a session after taking messages (a per-session limit) is no fault of
                    // the message; one that breaks before taking any counts against it.
                    if session.accepted == 0 { job.attempts += 1 }
                    if job.attempts >= 3 {
                        job.finish(.problem("\(problem) (on three sessions; the message was not sent)"))
                    } else {
                        restarted.append(job)
                    }
                }
                maybeDelivered?.finish(SMTPResult(
                    accepted: false, reply: nil, problem: "\(problem) after the message was sent; it may have been delivered", curlResult: 0,
                    mayHaveBeenDelivered: true))
                session.close()
                return true
            }
            if !restarted.isEmpty { waiting.prepend(restarted) }

            for session in sessions where !waiting.isEmpty && session.canStart && now - session.openedAt < maximumAge {
                if let job = waiting.popFirst() { session.start(job) }
            }
            if !waiting.isEmpty {
                if now >= openAllowedAt {
                    let free = maxConnections - sessions.count - opening
                    let wanted = min(free, waiting.count - sessions.filter(\.canStart).count)
                    for _ in 0..<max(0, wanted) {
                        opening += 1
                        open()
                    }
                } else if sessions.isEmpty, opening == 0, now - lastProbe >= probeInterval {
                    lastProbe = now
                    opening += 1
                    open()
                } else if sessions.isEmpty, opening == 0, let failure = lastFailure {
                    // Nothing open, nothing opening, and the last attempt failed a moment ago: the messages fail alike.
                    while let job = waiting.popFirst() { job.finish(failure) }
                }
            }
            for session in sessions {
                if session.isIdle, !session.quitting,
                   draining && waiting.isEmpty || now - session.lastActivity > idleLimit || now - session.openedAt > maximumAge {
                    session.quit()
                }
                session.flush(now: now)
            }
            if draining && waiting.isEmpty && opening == 0 && sessions.isEmpty { break }

            // Wait for the relay, a caller, an opener or the next deadline.
            pollSet.removeAll(keepingCapacity: true)
            pollSet.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            // A session that broke while writing is retired at once, on the next turn.
            var deadline = sessions.contains { $0.broken != nil } ? now : now + .seconds(1)
            if !waiting.isEmpty, openAllowedAt > now { deadline = min(deadline, openAllowedAt) }
            for session in sessions {
                let events = Int16(POLLIN) | (session.hasOutput ? Int16(POLLOUT) : 0)
                pollSet.append(pollfd(fd: session.socket, events: events, revents: 0))
                let limit = session.waitingForReply ? session.replyLimit(settings.timeout) : idleLimit
                deadline = min(deadline, session.lastActivity + limit)
            }
            let wait = max(.zero, deadline - now)
            let milliseconds = Int32(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000) + 1
            _ = poll(&pollSet, nfds_t(pollSet.count), milliseconds)
            if pollSet[0].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &drain, drain.count) > 0 {}
            }
            let after = clock.now
            for (index, session) in sessions.enumerated() {
                let events = pollSet[index + 1].revents
                if events & Int16(POLLIN | POLLERR | POLLHUP) != 0 { session.receive(into: scratch, now: after) }
                if events & Int16(POLLOUT) != 0 { session.flush(now: after) }
                if session.broken == nil, session.waitingForReply, after - session.lastActivity > session.replyLimit(settings.timeout) {
                    session.markBroken(session.quitting ? "closed after QUIT" : "no reply from the relay in \(settings.timeout.components.seconds) s")
                }
            }
        }
        finished.signal()
    }
}

/// First in, first out, with room to put messages back at the front.
private struct JobQueue {
    private var items: [SubmissionJob] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }

    mutating func append(contentsOf jobs: [SubmissionJob]) {
        items.append(contentsOf: jobs)
    }

    mutating func prepend(_ jobs: [SubmissionJob]) {
        items.replaceSubrange(0..<head, with: jobs)
        head = 0
    }

    mutating func popFirst() -> SubmissionJob? {
        guard head < items.count else { return nil }
        defer {
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
        }
        return items[head]
    }

    mutating func removeAll(where shouldRemove: (SubmissionJob) -> Bool) {
        items = Array(items[head...].filter { !shouldRemove($0) })
        head = 0
    }
}
