import Foundation

/// What a member of staff may do in the office desk.
public enum StaffRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// Staff accounts and settings, and everything the office does.
    case admin
    /// Every family and every message.
    case office
    /// Their own classes: send to them, follow them.
    case teacher
    /// Raise and follow alerts, see families' contacts.
    case nurse
}

/// A member of staff as the staff file (or a OneRoster export's teachers) names them: who they are, their role and
/// the classes they teach. Credentials live in the store, not here.
public struct DeskStaff: Sendable, Hashable, Identifiable, Codable {
    /// The sign-in name (`a.ali`): letters, digits, `.`, `-`, `_`.
    public var id: String
    public var name: String
    public var email: String?
    public var role: StaffRole
    /// The classes they teach (a teacher sees only these).
    public var classes: [String]
    /// The language the desk is shown in for them; nil for the school's.
    public var language: LanguageTag?

    public init(id: String, name: String, email: String? = nil, role: StaffRole, classes: [String] = [], language: LanguageTag? = nil) {
        self.id = id
        self.name = name
        self.email = email
        self.role = role
        self.classes = classes
        self.language = language
    }

    /// Whether `id` can name a member of staff: 1 to 64 of `a-z A-Z 0-9 . - _ @`.
    public static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "@")
        }
    }

    /// How the audit log names them.
    public var actor: String { "staff:\(id)" }
}

/// What the desk lets each role do: one pure rule per action, so every page and every form asks the same question.
public struct DeskAccess: Sendable, Hashable {
    public var role: StaffRole
    /// The classes a teacher teaches; ignored for the other roles.
    public var classes: Set<String>

    public init(_ staff: DeskStaff) {
        role = staff.role
        classes = Set(staff.classes)
    }

    public init(role: StaffRole, classes: Set<String> = []) {
        self.role = role
        self.classes = classes
    }

    public enum Action: String, Sendable, Hashable, CaseIterable {
        /// Staff accounts, settings.
        case manageStaff
        /// Raise, follow and stop alerts.
        case alerts
        /// Events, deliveries and answers (a teacher: of their classes).
        case followMessages
        /// A one-off message (a teacher: to their classes).
        case compose
        /// Families' cards with their contacts (a teacher: of their classes).
        case families
        /// Record that the office reached a household by phone.
        case recordPhoneCall
        /// Withdraw or cancel what is still queued.
        case manageMessages
        /// Outbox health, failed deliveries, retries.
        case health
    }

    public func may(_ action: Action) -> Bool {
        switch role {
        case .admin: return true
        case .office: return action != .manageStaff
        case .teacher: return [.followMessages, .compose, .families, .recordPhoneCall].contains(action)
        case .nurse: return [.alerts, .families, .recordPhoneCall].contains(action)
        }
    }

    /// Whether they see a student of `className`: a teacher only their classes; every other role every class.
    public func sees(className: String) -> Bool {
        role != .teacher || classes.contains(className)
    }

    /// Whether they see a guardian: one of the guardian's students is in a class they see.
    public func sees(guardian guardianID: String, in roster: Roster) -> Bool {
        role != .teacher || roster.students(of: guardianID).contains { classes.contains($0.className) }
    }
}
