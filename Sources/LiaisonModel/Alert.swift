import Foundation

/// A member of staff who is told when an urgent alert goes unanswered, for some classes or for every class.
public struct StaffMember: Hashable, Sendable, Identifiable {
    public var id: String
    public var name: String
    public var email: String?
    public var phone: String?
    public var language: LanguageTag
    /// The channels to reach them on, all at once (alerts are urgent).
    public var channels: [ChannelKind]
    /// The classes they are on call for; empty means every class.
    public var classes: [String]

    public init(
        id: String, name: String, email: String? = nil, phone: String? = nil, language: LanguageTag,
        channels: [ChannelKind] = [.email], classes: [String] = []
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.phone = phone
        self.language = language
        self.channels = channels
        self.classes = classes
    }

    /// True when they are on call for `className`.
    public func covers(_ className: String) -> Bool {
        classes.isEmpty || classes.contains(className)
    }

    /// The member of staff as a message recipient: delivery keys use `staff:<id>` so they never collide with a guardian.
    public var asGuardian: Guardian {
        let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
        return Guardian(
            id: "staff:\(id)", familyID: "staff", givenName: parts.first ?? name, familyName: parts.count > 1 ? parts[1] : "",
            email: email, phone: phone, language: language, channels: channels)
    }
}

/// What happened to the student; decides the alert's template (`alert-<kind>`).
public enum AlertKind: String, Hashable, Sendable, Codable, CaseIterable {
    case sickness
    case accident

    public var template: String { "alert-\(rawValue)" }
}

/// The `alerts:` section of liaison.yaml: how alerts escalate and who is on call.
public struct AlertSettings: Sendable, Hashable {
    public var policy: EscalationPolicy
    public var onCall: [StaffMember]

    public init(policy: EscalationPolicy = .standard, onCall: [StaffMember] = []) {
        self.policy = policy
        self.onCall = onCall
    }

    /// The staff on call for a class.
    public func onCall(for className: String) -> [StaffMember] {
        onCall.filter { $0.covers(className) }
    }
}

/// An urgent alert about one student, raised by the office through the API or the command line.
public struct Alert: Hashable, Sendable, Codable, Identifiable {
    public enum Status: String, Hashable, Sendable, Codable {
        /// Escalating: no guardian has acknowledged yet.
        case open
        /// A guardian (or staff member) acknowledged it; escalation stopped.
        case acknowledged
        /// Every round ran and nobody acknowledged; an acknowledgement is still recorded if it comes.
        case exhausted
    }

    /// `alert-<student>-<yyyyMMddTHHmmssZ>`: also the event id its deliveries and acknowledgements use.
    public var id: String
    public var studentID: String
    public var kind: AlertKind
    /// The office's note, shown as written.
    public var note: String
    /// The note in other languages, by language, where the office gave them (a reader of one gets it unmarked).
    public var noteTranslations: [LanguageTag: String] = [:]
    public var raisedAt: Date
    /// Who raised it (a name or the API token's label), for the record.
    public var raisedBy: String
    public var status: Status
    public var acknowledgedAt: Date?
    /// The guardian (or `staff:<id>`) who acknowledged first.
    public var acknowledgedBy: String?
    public var acknowledgedVia: String?

    public init(
        id: String, studentID: String, kind: AlertKind, note: String, raisedAt: Date, raisedBy: String,
        status: Status = .open, acknowledgedAt: Date? = nil, acknowledgedBy: String? = nil, acknowledgedVia: String? = nil
    ) {
        self.id = id
        self.studentID = studentID
        self.kind = kind
        self.note = note
        self.raisedAt = raisedAt
        self.raisedBy = raisedBy
        self.status = status
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedVia = acknowledgedVia
    }

    /// The note as staff text: the office's words with their versions per language.
    public var noteText: LocalizedText { LocalizedText(note, translations: noteTranslations) }

    /// The id for an alert about `studentID` raised at `date` (second precision, UTC).
    public static func makeID(studentID: String, raisedAt date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        let stamp = "\(c.year ?? 0)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
        return "alert-\(studentID)-\(stamp)"
    }

    /// The occurrence id of one escalation round: part of the delivery key, so each round reaches a person once.
    public func occurrence(round: String) -> String { "\(id)#\(round)" }

    /// The recipients of one escalation round: the student's primary guardians (the first listed when none is
    /// marked), every guardian, or the staff on call for the student's class.
    public func recipients(
        for targets: [EscalationTarget], roster: Roster, settings: AlertSettings
    ) -> [Recipient] {
        guard let student = roster.student(studentID) else { return [] }
        var seen = Set<String>()
        var result: [Recipient] = []
        func add(_ guardian: Guardian) {
            if seen.insert(guardian.id).inserted { result.append(Recipient(guardian: guardian, students: [student])) }
        }
        for target in targets {
            switch target {
            case .primaryGuardians:
                let ships = roster.guardianships(of: studentID)
                let primary = ships.filter(\.isPrimary).map(\.guardianID)
                let chosen = primary.isEmpty ? Array(ships.prefix(1).map(\.guardianID)) : primary
                chosen.compactMap { roster.guardian($0) }.forEach(add)
            case .allGuardians:
                roster.guardians(of: studentID).forEach(add)
            case .staffOnCall:
                settings.onCall(for: student.className).map(\.asGuardian).forEach(add)
            }
        }
        return result
    }
}
