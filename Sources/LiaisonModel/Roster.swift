import Foundation

/// A household: the unit the office thinks in when it phones home.
public struct Family: Hashable, Sendable, Identifiable {
    public var id: String
    /// How the office names the household ("Haddad family").
    public var name: String
    public var origin: SourceLocation?

    public init(id: String, name: String, origin: SourceLocation? = nil) {
        self.id = id
        self.name = name
        self.origin = origin
    }
}

/// A way of reaching a guardian; the names match the channels configured for the school.
public struct ChannelKind: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let email = ChannelKind(rawValue: "email")
    public static let sms = ChannelKind(rawValue: "sms")
    public static let voice = ChannelKind(rawValue: "voice")
    public static let chat = ChannelKind(rawValue: "chat")

    /// The channels Liaison knows about.
    public static let known: [ChannelKind] = [.email, .sms, .voice, .chat]

    public var description: String { rawValue }
    public static func < (lhs: ChannelKind, rhs: ChannelKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A parent or carer who receives messages, in their own language.
public struct Guardian: Hashable, Sendable, Identifiable {
    public var id: String
    public var familyID: String
    public var givenName: String
    public var familyName: String
    /// Email address, if the guardian has one.
    public var email: String?
    /// Phone number in E.164 form (`+447700900123`), for the SMS and voice channels.
    public var phone: String?
    /// Chat id or handle for the chat channel.
    public var chatID: String?
    /// Preferred language as a BCP 47 tag.
    public var language: LanguageTag
    /// Preferred channels, most preferred first.
    public var channels: [ChannelKind]
    /// The guardian's own time zone when it differs from the school's.
    public var timeZone: TimeZone?
    public var quietHours: QuietHours?
    public var origin: SourceLocation?

    public init(
        id: String, familyID: String, givenName: String, familyName: String, email: String? = nil,
        phone: String? = nil, chatID: String? = nil, language: LanguageTag, channels: [ChannelKind] = [.email],
        timeZone: TimeZone? = nil, quietHours: QuietHours? = nil, origin: SourceLocation? = nil
    ) {
        self.id = id
        self.familyID = familyID
        self.givenName = givenName
        self.familyName = familyName
        self.email = email
        self.phone = phone
        self.chatID = chatID
        self.language = language
        self.channels = channels
        self.timeZone = timeZone
        self.quietHours = quietHours
        self.origin = origin
    }

    /// Where the guardian is reached on a channel, or `nil` when the roster has no address for it.
    public func address(for channel: ChannelKind) -> String? {
        switch channel {
        case .email: email
        case .sms, .voice: phone
        case .chat: chatID
        default: nil
        }
    }

    /// Given and family name joined with a space.
    public var displayName: String {
        [givenName, familyName].filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// A pupil of the school.
public struct Student: Hashable, Sendable, Identifiable {
    public var id: String
    public var givenName: String
    public var familyName: String
    /// Year or grade as the school writes it ("5", "Year 5", "K").
    public var grade: String
    /// Class or form name ("5B").
    public var className: String
    public var origin: SourceLocation?

    public init(id: String, givenName: String, familyName: String, grade: String, className: String, origin: SourceLocation? = nil) {
        self.id = id
        self.givenName = givenName
        self.familyName = familyName
        self.grade = grade
        self.className = className
        self.origin = origin
    }

    public var displayName: String {
        [givenName, familyName].filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// That a guardian is responsible for a student.
public struct Guardianship: Hashable, Sendable {
    public var guardianID: String
    public var studentID: String
    /// "mother", "father", "grandmother", "carer", … as the school records it.
    public var relationship: String?
    /// The guardian contacted first for this student (escalation step 1).
    public var isPrimary: Bool
    public var origin: SourceLocation?

    public init(guardianID: String, studentID: String, relationship: String? = nil, isPrimary: Bool = false, origin: SourceLocation? = nil) {
        self.guardianID = guardianID
        self.studentID = studentID
        self.relationship = relationship
        self.isPrimary = isPrimary
        self.origin = origin
    }
}

/// Everyone the school talks to, with fast look-ups both ways between guardians and students.
public struct Roster: Sendable {
    public private(set) var families: [Family]
    public private(set) var guardians: [Guardian]
    public private(set) var students: [Student]
    public private(set) var guardianships: [Guardianship]

    private var familyIndex: IDIndex
    private var guardianIndex: IDIndex
    private var studentIndex: IDIndex
    /// Offsets into `students` by guardian position and into `guardianships` by student position (not copies: a
    /// roster of 100,000 families stays small).
    private var studentsByGuardian: [Offsets?]
    private var guardiansByStudent: [Offsets?]
    /// Links naming a guardian or student that is not in the roster (only when built by hand; readers drop them).
    private var straysByGuardian: [String: Offsets] = [:]
    private var straysByStudent: [String: Offsets] = [:]

    /// Builds the indexes. Later duplicates of an id are ignored here; input readers report them.
    public init(families: [Family], guardians: [Guardian], students: [Student], guardianships: [Guardianship]) {
        // Arrays grow by doubling; a roster kept for the daemon's lifetime gives the spare capacity back.
        let families = families.fitted()
        let guardians = guardians.fitted()
        let students = students.fitted()
        let guardianships = guardianships.fitted()
        self.families = families
        self.guardians = guardians
        self.students = students
        self.guardianships = guardianships
        familyIndex = IDIndex(count: families.count) { families[$0].id }
        let guardianIndex = IDIndex(count: guardians.count) { guardians[$0].id }
        let studentIndex = IDIndex(count: students.count) { students[$0].id }
        self.guardianIndex = guardianIndex
        self.studentIndex = studentIndex
        var byGuardian = [Offsets?](repeating: nil, count: guardians.count)
        var byStudent = [Offsets?](repeating: nil, count: students.count)
        var straysByGuardian: [String: Offsets] = [:]
        var straysByStudent: [String: Offsets] = [:]
        for (offset, link) in guardianships.enumerated() {
            let guardianPosition = guardianIndex.position(of: link.guardianID) { guardians[$0].id }
            guard let studentPosition = studentIndex.position(of: link.studentID, id: { students[$0].id }) else {
                // A link to an unknown student: kept for guardians(of:), never resolved to a student.
                let known = straysByStudent[link.studentID]?.contains { guardianships[Int($0)].guardianID == link.guardianID } ?? false
                if !known { Offsets.add(Int32(offset), to: &straysByStudent[link.studentID]) }
                continue
            }
            let student = Int32(studentPosition)
            if let guardianPosition {
                if byGuardian[guardianPosition]?.contains(where: { $0 == student }) == true { continue }
                Offsets.add(student, to: &byGuardian[guardianPosition])
            } else {
                if straysByGuardian[link.guardianID]?.contains(where: { $0 == student }) == true { continue }
                Offsets.add(student, to: &straysByGuardian[link.guardianID])
            }
            Offsets.add(Int32(offset), to: &byStudent[studentPosition])
        }
        studentsByGuardian = byGuardian
        guardiansByStudent = byStudent
        self.straysByGuardian = straysByGuardian
        self.straysByStudent = straysByStudent
    }

    public static let empty = Roster(families: [], guardians: [], students: [], guardianships: [])

    public func family(_ id: String) -> Family? { familyIndex.position(of: id) { families[$0].id }.map { families[$0] } }
    public func guardian(_ id: String) -> Guardian? { guardianIndex.position(of: id) { guardians[$0].id }.map { guardians[$0] } }
    public func student(_ id: String) -> Student? { studentIndex.position(of: id) { students[$0].id }.map { students[$0] } }

    /// The students a guardian is responsible for, in roster order of the links.
    public func students(of guardianID: String) -> [Student] {
        let offsets = guardianIndex.position(of: guardianID) { guardians[$0].id }.map { studentsByGuardian[$0] } ?? straysByGuardian[guardianID]
        return (offsets?.all ?? []).map { students[Int($0)] }
    }

    /// The links from a student to their guardians, primary guardians first.
    public func guardianships(of studentID: String) -> [Guardianship] {
        let offsets = studentIndex.position(of: studentID) { students[$0].id }.map { guardiansByStudent[$0] } ?? straysByStudent[studentID]
        let links = (offsets?.all ?? []).map { guardianships[Int($0)] }
        return links.filter(\.isPrimary) + links.filter { !$0.isPrimary }
    }

    /// The guardians of a student, primary guardians first.
    public func guardians(of studentID: String) -> [Guardian] {
        guardianships(of: studentID).compactMap { guardian($0.guardianID) }
    }

    /// The guardians of a household.
    public func guardians(inFamily familyID: String) -> [Guardian] {
        guardians.filter { $0.familyID == familyID }
    }

    /// All grade names and class names that occur in the roster.
    public var grades: Set<String> { Set(students.map(\.grade)) }
    public var classNames: Set<String> { Set(students.map(\.className)) }
}
