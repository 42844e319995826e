import Foundation
import LiaisonDelivery
import LiaisonInputs
import LiaisonModel
import LiaisonStore

/// Everything Liaison holds about families, as one family (export, erasure: UK GDPR Art. 15 and 17) or by age
/// (retention, Art. 5(1)(e)) sees it: the outbox, the answers and opt-outs, alerts about their children, the file
/// channel's letters; each action recorded in the audit log without personal data.
public struct FamilyRecords: Sendable {
    public let outbox: SQLiteOutboxStore
    public let ledger: SQLiteAckLedger
    public let journal: SQLiteDaemonJournal
    public let audit: SQLiteAuditLog
    public let files: FileRetention
    /// Machine translations of letters' staff text (an alert note in Spanish is family data too).
    public var translations: SQLiteTranslationMemory?
    /// Surveys' answers and meetings' bookings.
    public var forms: SQLiteFormStore?

    public init(outbox: SQLiteOutboxStore, ledger: SQLiteAckLedger, journal: SQLiteDaemonJournal, audit: SQLiteAuditLog, files: FileRetention) {
        self.outbox = outbox
        self.ledger = ledger
        self.journal = journal
        self.audit = audit
        self.files = files
    }

    /// The stores on Liaison's state file, and the folders the file channel and dry runs write letters to.
    public init(delivery: DeliverySettings) throws {
        let path = delivery.sqlitePath
        self.init(
            outbox: try SQLiteOutboxStore(path: path), ledger: try SQLiteAckLedger(path: path), journal: try SQLiteDaemonJournal(path: path),
            audit: try SQLiteAuditLog(path: path), files: FileRetention(folders: Self.letterFolders(delivery)))
        translations = try SQLiteTranslationMemory(path: path)
        forms = try SQLiteFormStore(path: path)
    }

    /// The file channel's folder and the dry runs' folder beside it.
    public static func letterFolders(_ delivery: DeliverySettings) -> [String] {
        [delivery.filesFolder, (delivery.filesFolder as NSString).deletingLastPathComponent + "/dry-run"]
    }

    /// Whose records a family's are: its guardians and children on the roster, plus guardians and students no
    /// longer there that the office names (their ids are all the state file knows them by).
    public struct Members: Sendable, Hashable {
        public var familyID: String
        public var guardianIDs: Set<String>
        public var studentIDs: Set<String>

        public init(familyID: String, guardianIDs: Set<String>, studentIDs: Set<String>) {
            self.familyID = familyID
            self.guardianIDs = guardianIDs
            self.studentIDs = studentIDs
        }

        /// The family's guardians and their children on `roster`, with `guardians` and `students` added.
        public init(familyID: String, roster: Roster, guardians: [String] = [], students: [String] = []) {
            let onRoster = roster.guardians(inFamily: familyID)
            self.init(
                familyID: familyID, guardianIDs: Set(onRoster.map(\.id)).union(guardians),
                studentIDs: Set(onRoster.flatMap { roster.students(of: $0.id).map(\.id) }).union(students))
        }
    }

    // MARK: - Export

    /// Everything held about one family, in a form a family can read (JSON with plain names; see ``FamilyExport``).
    public func export(_ members: Members, roster: Roster, school: School, now: Date) async throws -> FamilyExport {
        var export = FamilyExport(exportedAt: now, school: school.name, familyID: members.familyID)
        export.familyName = roster.family(members.familyID)?.name
        for id in members.guardianIDs.sorted() {
            guard let guardian = roster.guardian(id) else {
                export.guardians.append(.init(id: id, onRoster: false))
                continue
            }
            export.guardians.append(.init(guardian))
        }
        for id in members.studentIDs.sorted() {
            export.students.append(roster.student(id).map(FamilyExport.Student.init) ?? .init(id: id))
        }
        for id in members.guardianIDs.sorted() {
            for delivery in try await outbox.deliveries(matching: DeliveryQuery(guardianID: id)) {
                let attempts = try await outbox.attempts(for: delivery.key)
                export.letters.append(FamilyExport.Letter(delivery, attempts: attempts))
            }
            for optOut in try await ledger.optOuts(guardianID: id) {
                export.optOuts.append(.init(guardian: id, category: optOut.category.rawValue, at: optOut.at, via: optOut.via))
            }
        }
        export.answers = try await ledger.answers(guardianIDs: members.guardianIDs).map(FamilyExport.Answer.init)
        export.alerts = try await journal.alerts(studentIDs: members.studentIDs).map(FamilyExport.AlertRecord.init)
        if let forms {
            let records = try await forms.records(familyID: members.familyID)
            export.surveyAnswers = records.drafts.map(FamilyExport.SurveyAnswers.init)
            export.surveysAnswered = records.answered
            export.bookings = records.bookings.map(FamilyExport.Booking.init)
            export.permissionSlips = records.consents.map(FamilyExport.PermissionSlip.init)
        }
        return export
    }

    // MARK: - Erasure

    /// What an erasure removed.
    public struct Erasure: Sendable, Hashable, Codable {
        public var letters = 0
        public var answersAndLinks = 0
        public var alerts = 0
        public var files = 0
        /// Alerts kept because the child also has guardians outside the family (their record too).
        public var sharedAlertsKept = 0
        /// Survey answers, has-answered marks, bookings, signed permission slips and places in samples.
        public var forms = 0

        public var summary: String {
            "letters=\(letters) answers_and_links=\(answersAndLinks) alerts=\(alerts) files=\(files) shared_alerts_kept=\(sharedAlertsKept) forms=\(forms)"
        }
    }

    /// Removes every record of the family's guardians, and alerts about children whose every guardian is in it; the
    /// audit log records who erased which family (by digest) and how much went.
    public func erase(_ members: Members, roster: Roster, actor: String, now: Date) async throws -> Erasure {
        var erasure = Erasure()
        let keys = try await outbox.erase(guardianIDs: members.guardianIDs)
        erasure.letters = keys.count
        erasure.files = files.remove(keys: keys)
        erasure.answersAndLinks = try await ledger.erase(guardianIDs: members.guardianIDs)
        let shared = members.studentIDs.filter { student in
            roster.guardians(of: student).contains { !members.guardianIDs.contains($0.id) }
        }
        erasure.sharedAlertsKept = try await journal.alerts(studentIDs: Set(shared)).count
        erasure.alerts = try await journal.erase(studentIDs: members.studentIDs.subtracting(shared))
        erasure.forms = try await forms?.erase(familyID: members.familyID) ?? 0
        try await audit.append(
            AuditEntry(
                at: now, actor: actor, action: .familyErased, subject: SQLiteAuditLog.familySubject(members.familyID),
                detail: erasure.summary))
        return erasure
    }

    // MARK: - Retention

    /// What one pass of the retention policy removed.
    public struct Sweep: Sendable, Hashable, Codable {
        public var bodies = 0
        public var deliveryRecords = 0
        public var answersAndLinks = 0
        public var alertNotes = 0
        public var alerts = 0
        public var files = 0
        public var machineTranslations = 0
        /// Messages written on the desk, sent before the letters' text is removed.
        public var compositions = 0
        /// Survey answers saved or sent, bookings and samples older than the answers' retention.
        public var forms = 0

        public var isEmpty: Bool { self == Sweep() }

        public var summary: String {
            "bodies=\(bodies) delivery_records=\(deliveryRecords) answers_and_links=\(answersAndLinks) alert_notes=\(alertNotes) alerts=\(alerts) files=\(files) machine_translations=\(machineTranslations) compositions=\(compositions) forms=\(forms)"
        }
    }

    /// Applies `policy` at `now`; records a `retention.applied` audit entry when anything went. `closedAnonymous`:
    /// anonymous surveys that have closed, whose answers saved but never sent go at once.
    public func applyRetention(_ policy: RetentionPolicy, actor: String, now: Date, closedAnonymous: Set<String> = []) async throws -> Sweep {
        let cutoffs = policy.cutoffs(now: now)
        var sweep = Sweep()
        (sweep.bodies, sweep.deliveryRecords) = try await outbox.applyRetention(
            bodiesBefore: cutoffs.messageBodies, recordsBefore: cutoffs.deliveryRecords, now: now)
        sweep.answersAndLinks = try await ledger.applyRetention(before: cutoffs.acknowledgements)
        (sweep.alertNotes, sweep.alerts) = try await journal.applyRetention(notesBefore: cutoffs.alertNotes, recordsBefore: cutoffs.deliveryRecords)
        sweep.files = files.removeOlder(than: cutoffs.files)
        // Kept no longer than the letters whose text they translate.
        sweep.machineTranslations = try await translations?.purge(before: cutoffs.messageBodies) ?? 0
        // A message written on the desk is letter text (it can name children): kept as long as the letters' text.
        sweep.compositions = try await journal.purgeCompositions(sentBefore: cutoffs.messageBodies)
        // Answers are kept as long as acknowledgements are.
        sweep.forms = try await forms?.applyRetention(before: cutoffs.acknowledgements) ?? 0
        sweep.forms += try await forms?.purgeDrafts(eventIDs: closedAnonymous) ?? 0
        if !sweep.isEmpty {
            try await audit.append(AuditEntry(at: now, actor: actor, action: .retentionApplied, subject: "state", detail: sweep.summary))
        }
        return sweep
    }
}

/// One family's records as `liaison family export` writes them: JSON, keys in plain words, dates in ISO 8601.
public struct FamilyExport: Sendable, Codable {
    public var exportedAt: Date
    public var school: String
    public var familyID: String
    public var familyName: String?
    public var guardians: [Guardian] = []
    public var students: [Student] = []
    public var letters: [Letter] = []
    public var answers: [Answer] = []
    public var optOuts: [OptOut] = []
    public var alerts: [AlertRecord] = []
    /// Survey answers kept with the household (confidential ones, and anonymous ones saved but not yet sent).
    public var surveyAnswers: [SurveyAnswers] = []
    /// Surveys the household answered (anonymous answers themselves cannot be found: nothing links them to it).
    public var surveysAnswered: [String] = []
    public var bookings: [Booking] = []
    /// Every signed answer to a permission slip, the replaced ones too.
    public var permissionSlips: [PermissionSlip] = []

    public init(exportedAt: Date, school: String, familyID: String) {
        self.exportedAt = exportedAt
        self.school = school
        self.familyID = familyID
    }

    public struct Guardian: Sendable, Codable {
        public var id: String
        public var onRoster = true
        public var name: String?
        public var email: String?
        public var phone: String?
        public var chatID: String?
        public var language: String?
        public var channels: [String]?

        init(id: String, onRoster: Bool) {
            self.id = id
            self.onRoster = onRoster
        }

        init(_ guardian: LiaisonModel.Guardian) {
            id = guardian.id
            name = guardian.displayName
            email = guardian.email
            phone = guardian.phone
            chatID = guardian.chatID
            language = guardian.language.rawValue
            channels = guardian.channels.map(\.rawValue)
        }
    }

    public struct Student: Sendable, Codable {
        public var id: String
        public var onRoster = false
        public var name: String?
        public var grade: String?
        public var className: String?

        init(id: String) { self.id = id }

        init(_ student: LiaisonModel.Student) {
            id = student.id
            onRoster = true
            name = student.displayName
            grade = student.grade
            className = student.className
        }
    }

    /// One letter to one guardian on one channel: what it said (unless retention removed it) and how sending went.
    public struct Letter: Sendable, Codable {
        public var event: String
        public var occurrence: String
        public var guardian: String
        public var channel: String
        public var address: String
        public var state: String
        public var createdAt: Date
        public var updatedAt: Date
        public var language: String
        public var subject: String
        /// The letter's text in its language; its links end in `…` where the token was (tokens are never stored).
        public var text: String
        /// The text (and subject) went at the end of the retention period; the record of the letter stays.
        public var textRemoved: Bool
        public var attempts: [Attempt]

        public struct Attempt: Sendable, Codable {
            public var number: Int
            public var at: Date
            public var outcome: String
            public var reply: String
        }

        init(_ delivery: Delivery, attempts: [DeliveryAttempt]) {
            event = delivery.eventID
            occurrence = delivery.key.occurrence
            guardian = delivery.key.guardianID
            channel = delivery.key.channel.rawValue
            address = delivery.address
            state = delivery.state.rawValue
            createdAt = delivery.createdAt
            updatedAt = delivery.updatedAt
            language = delivery.message.language
            subject = delivery.message.subject
            // The stored letter has placeholders where its links were (their tokens are never stored): an ellipsis
            // stands for them, in no language, so a Somali letter stays Somali in the export.
            textRemoved = delivery.message.text.isEmpty && delivery.message.subject.isEmpty
            text = delivery.message.text.replacingOccurrences(of: LinkPlaceholder.ack, with: "…")
                .replacingOccurrences(of: LinkPlaceholder.unsubscribe, with: "…")
            self.attempts = attempts.map { Attempt(number: $0.number, at: $0.startedAt, outcome: $0.outcome.rawValue, reply: $0.reply) }
        }
    }

    public struct Answer: Sendable, Codable {
        public var event: String
        public var guardian: String
        public var answer: String
        public var at: Date
        public var via: String

        init(_ acknowledgement: Acknowledgement) {
            event = acknowledgement.eventID
            guardian = acknowledgement.guardianID
            answer = acknowledgement.answer
            at = acknowledgement.at
            via = acknowledgement.via
        }
    }

    public struct SurveyAnswers: Sendable, Codable {
        public var survey: String
        public var guardian: String
        public var language: String
        /// Question id → the answer (choices by id, free text as written).
        public var answers: [String: [String]]
        public var savedAt: Date
        public var sentAt: Date?

        init(_ draft: FormDraft) {
            survey = draft.eventID
            guardian = draft.guardianID
            language = draft.language
            answers = draft.answers.mapValues { answer in
                if case .text(let text) = answer { return [text] }
                return answer.values
            }
            savedAt = draft.savedAt
            sentAt = draft.submittedAt
        }
    }

    public struct Booking: Sendable, Codable {
        public var meeting: String
        public var group: String
        public var slot: String
        public var guardian: String
        public var interpreter: String?
        public var bookedAt: Date

        init(_ booking: SlotBooking) {
            meeting = booking.eventID
            group = booking.group
            slot = booking.slotID
            guardian = booking.guardianID
            interpreter = booking.interpreter
            bookedAt = booking.bookedAt
        }
    }

    public struct PermissionSlip: Sendable, Codable {
        public var event: String
        public var student: String
        public var guardian: String
        public var decision: String
        public var signedAs: String
        public var answeredAt: Date

        init(_ record: ConsentRecord) {
            event = record.eventID
            student = record.studentID
            guardian = record.guardianID
            decision = record.decision.rawValue
            signedAs = record.typedName
            answeredAt = record.answeredAt
        }
    }

    public struct OptOut: Sendable, Codable {
        public var guardian: String
        public var category: String
        public var at: Date
        public var via: String
    }

    public struct AlertRecord: Sendable, Codable {
        public var id: String
        public var student: String
        public var kind: String
        public var note: String
        /// The note in other languages, by language tag.
        public var noteTranslations: [String: String]
        public var raisedAt: Date
        public var raisedBy: String
        public var status: String
        public var acknowledgedAt: Date?
        public var acknowledgedBy: String?

        init(_ alert: Alert) {
            id = alert.id
            student = alert.studentID
            kind = alert.kind.rawValue
            note = alert.note
            noteTranslations = Dictionary(uniqueKeysWithValues: alert.noteTranslations.map { ($0.key.rawValue, $0.value) })
            raisedAt = alert.raisedAt
            raisedBy = alert.raisedBy
            status = alert.status.rawValue
            acknowledgedAt = alert.acknowledgedAt
            acknowledgedBy = alert.acknowledgedBy
        }
    }

    /// The export as JSON: sorted keys, snake_case, ISO 8601 dates, indented.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
