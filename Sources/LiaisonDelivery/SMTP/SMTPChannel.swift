import Foundation
import LiaisonCurl
import LiaisonInputs
import LiaisonModel

/// Sends email through one or more SMTP relays with libcurl, classifying each reply for the outbox:
/// 2xx sent; 4xx (and network, TLS or authentication problems) retried later, throttling replies also slowing the
/// relay down; 5xx a permanent failure for that address, recorded with the relay's words.
public final class SMTPChannel: Channel {
    public let name: String
    public let kinds: Set<ChannelKind> = [.email]
    private let relays: [Relay]
    private let composer: MailComposer
    private let clock: @Sendable () -> Date
    /// Longest a send waits for a rate-limit slot before handing the delivery back to the outbox.
    private let maximumWait: TimeInterval

    final class Relay: Sendable {
        let settings: RelaySettings
        let submitter: SMTPSubmitter
        private let limit: Locked<RateLimit>

        /// `password`: the relay's password, read from where its settings say.
        init(_ settings: RelaySettings, password: String?, now: Date) {
            self.settings = settings
            self.submitter = SMTPSubmitter(
                name: settings.name,
                settings: settings.sessionSettings(password: password),
                maxConnections: settings.maxConnections)
            self.limit = Locked(RateLimit(perMinute: settings.perMinute, perDay: settings.perDay, now: now))
        }

        func acquire(now: Date) -> Date? { limit.withLock { $0.acquire(now: now) } }
        func throttled(now: Date) { limit.withLock { $0.throttled(now: now) } }
        func succeeded() { limit.withLock { $0.succeeded() } }
    }

    /// A channel over `relays`, tried in order; their passwords are read here from where the settings say
    /// (`environment` or a file), and one that cannot be read is an error naming where it was looked for.
    public init(
        name: String = "email", relays: [RelaySettings], composer: MailComposer, maximumWait: Duration = .seconds(60),
        environment: [String: String] = ProcessInfo.processInfo.environment, clock: @escaping @Sendable () -> Date = Date.init
    ) throws(ChannelSetupError) {
        precondition(!relays.isEmpty, "an SMTP channel needs at least one relay")
        self.name = name
        self.composer = composer
        self.clock = clock
        self.maximumWait = TimeInterval(maximumWait.components.seconds)
        let now = clock()
        var made: [Relay] = []
        for relay in relays {
            var password: String?
            if let reference = relay.password {
                do {
                    password = try reference.resolve(environment: environment)
                } catch {
                    throw ChannelSetupError("relay \(relay.name): the password cannot be read: \(error)")
                }
            }
            made.append(Relay(relay, password: password, now: now))
        }
        self.relays = made
    }

    public func send(_ delivery: Delivery) async -> ChannelOutcome {
        let body: [UInt8]
        let sender: String
        let recipient: String
        do {
            body = try composer.mimeBytes(for: delivery, date: clock())
            sender = try Self.envelopeAddress(composer.from.address)
            recipient = try Self.envelopeAddress(delivery.address)
        } catch {
            return .failed(reply: "the message cannot be built: \(error)")
        }
        var problems: [String] = []
        var tried = Set<Int>()
        while tried.count < relays.count {
            // The first relay, in order, that has a free slot; wait briefly if all are rate-limited.
            var chosen: Int?
            var earliest: Date?
            let now = clock()
            for (index, relay) in relays.enumerated() where !tried.contains(index) {
                if let wait = relay.acquire(now: now) {
                    earliest = min(earliest ?? wait, wait)
                } else {
                    chosen = index
                    break
                }
            }
            guard let index = chosen else {
                let wait = (earliest ?? now).timeIntervalSince(now)
                if wait > maximumWait {
                    return .retry(reply: "every relay is at its rate limit for \(Int(wait)) s", after: .seconds(Int64(wait.rounded(.up))))
                }
                do {
                    try await Task.sleep(for: .milliseconds(Int64(max(wait, 0.01) * 1000)))
                } catch {
                    return .retry(reply: "cancelled while waiting for a relay", after: nil)
                }
                continue
            }
            tried.insert(index)
            let relay = relays[index]
            let result: SMTPResult
            do {
                result = try await relay.submitter.submit(SMTPSubmission(from: sender, recipient: recipient, message: body))
            } catch {
                return .unavailable(reply: "\(relay.settings.name): \(error)")
            }
            let verdict = SMTPReply.classify(result)
            switch verdict.outcome {
            case .sent:
                relay.succeeded()
                return .sent(reply: "\(relay.settings.name): \(verdict.text)")
            case .failed:
                return .failed(reply: "\(relay.settings.name): \(verdict.text)")
            case .retry:
                if verdict.throttle { relay.throttled(now: clock()) }
                if verdict.relayProblem {
                    problems.append("\(relay.settings.name): \(verdict.text)")
                    continue  // another relay may do better
                }
                return .retry(reply: "\(relay.settings.name): \(verdict.text)", after: nil)
            }
        }
        return .unavailable(reply: problems.joined(separator: "; "))
    }

    public func shutdown() async {
        for relay in relays { relay.submitter.shutdown() }
    }

    /// The address as MAIL and RCPT carry it: an international domain in its IDNA (`xn--`) form, as in the headers,
    /// so that no relay needs SMTPUTF8 for it. ASCII addresses, already checked by the MIME build, go as they are.
    static func envelopeAddress(_ address: String) throws(MIMEError) -> String {
        address.utf8.allSatisfy { $0 < 0x80 } ? address : try MIMEBuilder.checkedAddress(address)
    }
}

/// How an SMTP relay's answer is read.
public enum SMTPReply {
    public enum Outcome: Sendable, Hashable {
        case sent
        case retry
        case failed
    }

    /// Codes that mean "slow down" rather than "this address".
    static let throttling: Set<Int> = [421, 450, 451, 452, 454]
    /// Authentication refusals: the school's configuration, never the family's address.
    static let authentication: Set<Int> = [530, 534, 535, 538]

    /// Classifies what became of a submission. `relayProblem` means another relay may succeed.
    public static func classify(_ result: SMTPResult) -> (outcome: Outcome, text: String, throttle: Bool, relayProblem: Bool) {
        if result.accepted { return (.sent, result.reply?.text ?? "250 accepted", false, false) }
        guard let reply = result.reply else {
            let problem = result.problem ?? "no reply"
            // Data that went out may have been taken: retried later, on its backoff, not at once on another relay.
            return (.retry, result.curlResult != 0 ? "\(problem) (curl \(result.curlResult))" : problem, false, !result.mayHaveBeenDelivered)
        }
        let code = reply.code
        switch code {
        case 400..<500:
            return (.retry, reply.text, throttling.contains(code), code == 421)
        case _ where authentication.contains(code):
            return (.retry, "authentication refused: \(reply.text)", false, true)
        case 500..<600:
            return (.failed, reply.text, false, false)
        default:
            return (.retry, reply.text, false, true)
        }
    }
}
