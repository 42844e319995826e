import Foundation
import LiaisonModel
import LiaisonStore

/// Who an event reached and who answered, guardian by guardian: what `liaison status` prints and
/// `GET /v1/events/{id}/status` returns.
public struct EventStatusReport: Sendable, Codable {
    /// One guardian of the event's audience.
    public struct Row: Sendable, Codable {
        public var guardian: String
        public var name: String
        public var family: String
        public var classes: [String]
        /// The guardian's preferred language.
        public var language: String
        /// The language the message was written in, once rendered.
        public var letterLanguage: String?
        /// True when no catalog of the guardian's language (or a related one) existed.
        public var fallback: Bool
        public var channels: [String]
        public var delivered: [String]
        public var failed: [String]
        public var pending: [String]
        public var acknowledged: Bool
        public var answer: String?
        public var answeredAt: Date?
        public var email: String?
        public var phone: String?
    }

    public var event: String
    public var title: String
    public var start: Date
    public var rows: [Row]

    /// Guardians with at least one delivered message.
    public var reached: Int { rows.filter { !$0.delivered.isEmpty }.count }
    public var acknowledged: Int { rows.filter(\.acknowledged).count }

    /// Builds the report from the event's audience, its deliveries and the answers recorded.
    /// - Parameter isFallback: whether a guardian's language had to fall back to another language.
    public init(
        event: Event, recipients: [Recipient], deliveries: [Delivery], answers: [Acknowledgement],
        isFallback: (LanguageTag) -> Bool
    ) {
        let byGuardian = Dictionary(grouping: deliveries, by: \.key.guardianID)
        let answerByGuardian = Dictionary(answers.map { ($0.guardianID, $0) }, uniquingKeysWith: { $1 })
        self.event = event.id
        title = event.title.base
        start = event.start
        rows = recipients.map { recipient in
            let guardian = recipient.guardian
            let mine = byGuardian[guardian.id] ?? []
            let answer = answerByGuardian[guardian.id]
            return Row(
                guardian: guardian.id, name: guardian.displayName, family: guardian.familyID,
                classes: Array(Set(recipient.students.map(\.className))).sorted(), language: guardian.language.rawValue,
                letterLanguage: mine.first?.message.language, fallback: isFallback(guardian.language),
                channels: guardian.channels.map(\.rawValue),
                delivered: mine.filter { $0.state == .sent }.map(\.key.channel.rawValue),
                failed: mine.filter { $0.state == .failed }.map { "\($0.key.channel.rawValue): \($0.lastReply ?? "")" },
                pending: mine.filter { !$0.state.isFinal }.map { "\($0.key.channel.rawValue) \($0.state.rawValue)" },
                acknowledged: answer != nil, answer: answer?.answer, answeredAt: answer?.at,
                email: guardian.email, phone: guardian.phone)
        }
    }
}
