import Foundation

/// How long Liaison keeps what it holds about families (UK GDPR Art. 5(1)(e): no longer than needed), in days, and
/// the moments before which each kind of record goes. Applied by the daemon every hour and by `liaison retention`.
///
/// What goes, and when it counts from:
/// - `message_bodies`: the text of a letter (subject and bodies) once it is final (sent, failed or cancelled), by its
///   last change; the row (who, which channel, when, the outcome) stays until `delivery_records`.
/// - `alert_notes`: the note of a sickness or accident alert (the one piece of health information Liaison holds),
///   by when the alert was raised, once it is closed.
/// - `files`: letters the file channel wrote, by the file's modification time.
/// - `delivery_records`: the delivery rows and attempts (addresses, names, server replies) and closed alerts with
///   their rounds.
/// - `acknowledgements`: answers and their history by when they were given, and link records by when they were made.
///
/// Opt-outs are kept while the family is on the roster (forgetting one would send them the newsletters again); the
/// audit log holds no personal data and is kept.
public struct RetentionPolicy: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable, Hashable {
        case messageBodies = "message_bodies"
        case alertNotes = "alert_notes"
        case files
        case deliveryRecords = "delivery_records"
        case acknowledgements
    }

    /// Days by kind.
    public var days: [Kind: Int]

    /// What a school would choose: letters' text and alert notes for a month (long enough to answer "what did you
    /// send us?" and for the nurse's follow-up), who-was-sent-what and answers for about a school year.
    public static let standard = RetentionPolicy(days: [
        .messageBodies: 30, .alertNotes: 30, .files: 30, .deliveryRecords: 400, .acknowledgements: 400,
    ])

    public init(days: [Kind: Int]) {
        self.days = days
    }

    public subscript(kind: Kind) -> Int {
        get { days[kind] ?? Self.standard.days[kind]! }
        set { days[kind] = newValue }
    }

    /// Records of `kind` last changed before this moment go at `now`.
    public func cutoff(_ kind: Kind, now: Date) -> Date {
        now.addingTimeInterval(-Double(self[kind]) * 86_400)
    }

    /// Every cutoff at `now`.
    public func cutoffs(now: Date) -> RetentionCutoffs {
        RetentionCutoffs(
            messageBodies: cutoff(.messageBodies, now: now), alertNotes: cutoff(.alertNotes, now: now),
            files: cutoff(.files, now: now), deliveryRecords: cutoff(.deliveryRecords, now: now),
            acknowledgements: cutoff(.acknowledgements, now: now))
    }

    /// A record kept longer than its body makes no sense: bodies and notes go no later than their records.
    public var problems: [String] {
        var found: [String] = []
        if self[.messageBodies] > self[.deliveryRecords] {
            found.append("retention.message_bodies (\(self[.messageBodies]) days) is longer than retention.delivery_records (\(self[.deliveryRecords]) days): bodies go with their records")
        }
        if self[.alertNotes] > self[.deliveryRecords] {
            found.append("retention.alert_notes (\(self[.alertNotes]) days) is longer than retention.delivery_records (\(self[.deliveryRecords]) days): notes go with their alerts")
        }
        return found
    }
}

/// The moments before which each kind of record goes (see ``RetentionPolicy``).
public struct RetentionCutoffs: Sendable, Hashable {
    public var messageBodies: Date
    public var alertNotes: Date
    public var files: Date
    public var deliveryRecords: Date
    public var acknowledgements: Date

    public init(messageBodies: Date, alertNotes: Date, files: Date, deliveryRecords: Date, acknowledgements: Date) {
        self.messageBodies = messageBodies
        self.alertNotes = alertNotes
        self.files = files
        self.deliveryRecords = deliveryRecords
        self.acknowledgements = acknowledgements
    }
}

/// One administrative action, as the audit log keeps it: who did what to which record, never personal data (a family
/// is named by a digest of its id, an alert and an event by their ids).
public struct AuditEntry: Sendable, Hashable, Codable {
    /// What was done. A struct, not an enum: a log written by a newer version reads back with its own words (and
    /// its chain still verifies) in an older one.
    public struct Action: RawRepresentable, Sendable, Codable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let alertRaised = Action(rawValue: "alert.raised")
        public static let alertAcknowledged = Action(rawValue: "alert.acknowledged")
        public static let send = Action(rawValue: "send")
        public static let scheduledSend = Action(rawValue: "send.scheduled")
        public static let retry = Action(rawValue: "outbox.retry")
        public static let ackRecorded = Action(rawValue: "ack.recorded")
        public static let familyExported = Action(rawValue: "family.exported")
        public static let familyErased = Action(rawValue: "family.erased")
        public static let retentionApplied = Action(rawValue: "retention.applied")
        public static let staffAdded = Action(rawValue: "staff.added")
        public static let staffDisabled = Action(rawValue: "staff.disabled")
        public static let staffEnabled = Action(rawValue: "staff.enabled")
        public static let staffPasswordReset = Action(rawValue: "staff.password-reset")
        public static let staffSignedIn = Action(rawValue: "staff.signed-in")
        public static let staffSignedOut = Action(rawValue: "staff.signed-out")
        public static let staffLockedOut = Action(rawValue: "staff.locked-out")
        /// What of an event was still queued was withdrawn.
        public static let withdrawn = Action(rawValue: "send.withdrawn")
        /// The office recorded a permission slip's answer a guardian gave by phone or on paper.
        public static let consentRecorded = Action(rawValue: "consent.recorded")
        /// Someone opened a family's card with its contacts.
        public static let familyViewed = Action(rawValue: "family.viewed")
    }

    public var at: Date
    /// Who: a staff name given with `--by`, the system user who ran a command, `api:<token digest>`, `daemon`.
    public var actor: String
    public var action: Action
    /// What it was done to: an event or alert id, `family:<digest>`.
    public var subject: String
    /// Figures and outcomes (counts, channels), never names, addresses or notes.
    public var detail: String

    public init(at: Date, actor: String, action: Action, subject: String, detail: String = "") {
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.detail = detail
    }

}
