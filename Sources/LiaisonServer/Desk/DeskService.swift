import Foundation
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// What the office desk asks of the daemon beyond the admin API: recent alerts, answers taken by phone, recent
/// delivery figures, and the audit log every staff action goes to.
public protocol DeskService: AdminService {
    /// Raises an alert as `staff` (the audit log names them) and queues its first round before returning.
    func raiseAlert(_ request: AlertRequest, by staff: DeskStaff) async throws -> AlertReceipt
    /// Alerts, open ones first, then the most recent.
    func alerts(limit: Int) async throws -> [Alert]
    /// Records that staff reached `guardianID` by phone about `eventID` (an event or an alert): the guardian's
    /// acknowledgement, which stops an alert's escalation at once.
    func recordPhoneCall(eventID: String, guardianID: String, by staff: DeskStaff) async throws -> PhoneCallOutcome
    /// Deliveries whose state changed since `since`, by channel, language and state.
    func deliveryTallies(since: Date) async throws -> [DeliveryTally]
    /// Appends to the audit log; a failure is logged, never shown to the member of staff.
    func audit(_ entry: AuditEntry) async
    /// Deliveries without their messages.
    func summaries(_ query: DeliveryQuery) async throws -> [DeliverySummary]
    /// The current answers to an event or alert, one per guardian.
    func answers(eventID: String) async throws -> [Acknowledgement]
    /// Withdraws what of an event is still waiting to be sent (queued or waiting to retry); returns how many.
    func withdraw(eventID: String, by staff: DeskStaff) async throws -> Int
    /// The newsletters and other optional messages a guardian stopped.
    func optOuts(guardianID: String) async throws -> [(category: MessageCategory, at: Date, via: String)]
    /// The outbox by state.
    func outboxCounts() async throws -> [DeliveryState: Int]
    /// Failed deliveries queued again with the roster's current addresses; the dispatcher woken.
    func retryFailed(by staff: DeskStaff) async throws -> FailedRetry.Outcome
    /// Each channel as configured, and whether it is failing now.
    func channelHealth() async -> [ChannelHealth]
    /// What `liaison check` says of the school being served.
    func schoolReport() async -> DeskSchoolReport
    /// What a message written on the desk would be, language by language, without sending it.
    func preview(_ composition: Composition) async throws -> ComposePreview
    /// Saves a message written on the desk: the scheduler sends it at its time, through the one planner and queue.
    /// Throws ``AdminRequestError`` when it cannot be sent as written.
    func compose(_ composition: Composition, by staff: DeskStaff) async throws -> Composition
    /// Cancels a message written on the desk; what is still queued is withdrawn. Returns how many deliveries.
    func cancelComposition(id: String, by staff: DeskStaff) async throws -> Int
    /// Messages written on the desk in the last 30 days, newest first.
    func compositions() async throws -> [Composition]
}

/// A message written on the desk as its readers would get it.
public struct ComposePreview: Sendable {
    /// One letter language and who reads it.
    public struct Letter: Sendable {
        /// The language the letter is written in.
        public var language: String
        /// The languages its readers asked for (`es-MX`, `es`…).
        public var requested: [String]
        public var guardians: Int
        /// Readers who asked for a language with no catalog, who get this one instead.
        public var fallbackGuardians: Int
        /// The fields of the staff's text not written or translated into this language (they arrive marked).
        public var untranslated: [String]
        /// Machine translated fields (labelled as such in the letter).
        public var machineTranslated: [String]
        public var subject: String
        public var text: String
        public var sms: String?
        public var smsParts: Int?
        public var rightToLeft: Bool

        public init(
            language: String, requested: [String], guardians: Int, fallbackGuardians: Int, untranslated: [String], machineTranslated: [String],
            subject: String, text: String, sms: String?, smsParts: Int?, rightToLeft: Bool
        ) {
            self.language = language
            self.requested = requested
            self.guardians = guardians
            self.fallbackGuardians = fallbackGuardians
            self.untranslated = untranslated
            self.machineTranslated = machineTranslated
            self.subject = subject
            self.text = text
            self.sms = sms
            self.smsParts = smsParts
            self.rightToLeft = rightToLeft
        }
    }

    public var letters: [Letter]
    /// The message's id, carried by the form from the preview to the send (sent twice, it is saved once).
    public var id = ""
    /// Deliveries by channel.
    public var channels: [String: Int]
    public var guardians: Int
    /// Guardians no configured channel reaches.
    public var unreachable: Int

    public init(letters: [Letter], channels: [String: Int], guardians: Int, unreachable: Int) {
        self.letters = letters
        self.channels = channels
        self.guardians = guardians
        self.unreachable = unreachable
    }
}

/// A channel on the Health page.
public struct ChannelHealth: Sendable, Hashable {
    public var channel: String
    /// How it is set up (`smtp://relay:587, STARTTLS`), without secrets.
    public var summary: String
    /// Since when every attempt has failed; nil while it works.
    public var failingSince: Date?

    public init(channel: String, summary: String, failingSince: Date?) {
        self.channel = channel
        self.summary = summary
        self.failingSince = failingSince
    }
}

/// The check report of the school being served, as the Health page shows it.
public struct DeskSchoolReport: Sendable {
    public var diagnostics: [Diagnostic]
    public var coverage: [LocaleCoverage]
    /// Guardians per language, with the catalog they get and whether it is another language.
    public var languages: [(language: String, guardians: Int, resolved: String, fallback: Bool)]
    public var loadedAt: Date

    public init(diagnostics: [Diagnostic], coverage: [LocaleCoverage], languages: [(language: String, guardians: Int, resolved: String, fallback: Bool)], loadedAt: Date) {
        self.diagnostics = diagnostics
        self.coverage = coverage
        self.languages = languages
        self.loadedAt = loadedAt
    }
}

public enum PhoneCallOutcome: Sendable, Hashable {
    /// Recorded; `stoppedAlert` when it stopped an alert's escalation.
    case recorded(stoppedAlert: Bool)
    /// They had already answered.
    case alreadyAnswered
    case unknownEvent
    case unknownGuardian
}

/// The office desk's settings (`desk:` in liaison.yaml).
public struct DeskSettings: Sendable, Hashable {
    public var lockout: AccountLockout
    public var sessions: SessionLifetime
    /// Marks cookies Secure; on when the school's public address is https.
    public var secureCookies: Bool
    /// Sign-in attempts per address before back-off (the failures count; see ``RateLimits``).
    public var signInLimits: RateLimits

    public init(
        lockout: AccountLockout = AccountLockout(), sessions: SessionLifetime = SessionLifetime(), secureCookies: Bool = false,
        signInLimits: RateLimits = DeskSettings.defaultSignInLimits
    ) {
        self.lockout = lockout
        self.sessions = sessions
        self.secureCookies = secureCookies
        self.signInLimits = signInLimits
    }

    /// 30 sign-in attempts a minute from one address, 10 at once; after 10 failures, waits of 1 s, 2 s, 4 s … up to 5 min.
    public static let defaultSignInLimits: RateLimits = {
        var limits = RateLimits()
        limits.perAddress = .init(rate: .init(30, per: .seconds(60)), burst: 10)
        limits.freeFailures = 10
        limits.maxPenalty = .seconds(300)
        limits.maxClients = 10_000
        return limits
    }()
}

/// What the server needs to serve the desk: the daemon's side and the accounts.
public struct DeskBackend: Sendable {
    public var service: any DeskService
    public var staff: any StaffStore
    public var settings: DeskSettings

    public init(service: any DeskService, staff: any StaffStore, settings: DeskSettings = DeskSettings()) {
        self.service = service
        self.staff = staff
        self.settings = settings
    }
}
