import Foundation

/// A permission slip (`consent:` of an event): every child the event concerns needs a guardian's yes or no, signed
/// with the guardian's typed name, before the deadline; reminders go only to households with a child still to answer.
public struct ConsentSettings: Hashable, Sendable {
    /// Answers are taken, and can be changed, until then (default: the event's start).
    public var deadline: Date
    /// What the guardian agrees to, shown above the choice (a catalog key or the school's own words per language).
    public var statement: FormText?

    public init(deadline: Date, statement: FormText? = nil) {
        self.deadline = deadline
        self.statement = statement
    }
}

/// A guardian's answer for one child.
public enum ConsentDecision: String, Hashable, Sendable, Codable, CaseIterable {
    case given
    case refused
}

/// One signed answer, as kept: the latest per child counts, and earlier ones stay as the slip's history.
public struct ConsentRecord: Hashable, Sendable, Codable {
    public var eventID: String
    public var studentID: String
    public var familyID: String
    public var guardianID: String
    public var decision: ConsentDecision
    /// The guardian's name as they typed it to sign.
    public var typedName: String
    public var answeredAt: Date

    public init(
        eventID: String, studentID: String, familyID: String, guardianID: String, decision: ConsentDecision, typedName: String,
        answeredAt: Date
    ) {
        self.eventID = eventID
        self.studentID = studentID
        self.familyID = familyID
        self.guardianID = guardianID
        self.decision = decision
        self.typedName = typedName
        self.answeredAt = answeredAt
    }
}

/// Where a permission slip stands for the event's children: who agreed, who refused, who has not answered.
public struct ConsentTally: Hashable, Sendable {
    public struct Child: Hashable, Sendable {
        public var student: Student
        /// The households reached about the child (its guardians' families).
        public var familyIDs: [String]
        /// The answer that counts (see ``current(_:)``); nil: outstanding.
        public var answer: ConsentRecord?
        /// Households reached about the child answered differently (the refusal counts; the office should call).
        public var conflict = false
    }

    /// The children the event concerns, by class then name.
    public var children: [Child]

    /// The children of `recipients` (the event's audience) with the answer that counts for each.
    public init(recipients: [Recipient], records: [ConsentRecord]) {
        let perHousehold = Self.latestPerHousehold(records)
        let latest = Self.current(perHousehold)
        let conflicts = Self.conflicts(perHousehold)
        var families: [String: Set<String>] = [:]
        var students: [String: Student] = [:]
        for recipient in recipients {
            for student in recipient.students {
                students[student.id] = student
                families[student.id, default: []].insert(recipient.guardian.familyID)
            }
        }
        children = students.values
            .sorted { ($0.className, $0.familyName, $0.givenName, $0.id) < ($1.className, $1.familyName, $1.givenName, $1.id) }
            .map { Child(student: $0, familyIDs: (families[$0.id] ?? []).sorted(), answer: latest[$0.id], conflict: conflicts.contains($0.id)) }
    }

    /// The latest record per child and household: a household's later answer replaces its earlier one (on a tie,
    /// the later in `records`). Keyed by student id, then family id.
    public static func latestPerHousehold(_ records: [ConsentRecord]) -> [String: [String: ConsentRecord]] {
        var latest: [String: [String: ConsentRecord]] = [:]
        for record in records where latest[record.studentID]?[record.familyID].map({ $0.answeredAt <= record.answeredAt }) ?? true {
            latest[record.studentID, default: [:]][record.familyID] = record
        }
        return latest
    }

    /// The answer that counts per child: each household's latest, and where a child's households disagree, the
    /// refusal (one guardian's yes does not override another's no; the office settles it with the family).
    public static func current(_ records: [ConsentRecord]) -> [String: ConsentRecord] { current(latestPerHousehold(records)) }

    static func current(_ perHousehold: [String: [String: ConsentRecord]]) -> [String: ConsentRecord] {
        perHousehold.mapValues { answers in
            let ordered = answers.values.sorted { ($0.answeredAt, $0.familyID) < ($1.answeredAt, $1.familyID) }
            return ordered.last { $0.decision == .refused } ?? ordered.last!
        }
    }

    /// Children whose households' latest answers differ.
    public static func conflicts(_ records: [ConsentRecord]) -> Set<String> { conflicts(latestPerHousehold(records)) }

    static func conflicts(_ perHousehold: [String: [String: ConsentRecord]]) -> Set<String> {
        Set(perHousehold.filter { Set($0.value.values.map(\.decision)).count > 1 }.keys)
    }

    public var outstanding: [Child] { children.filter { $0.answer == nil } }

    /// The guardians of household `familyID` among `recipients` whose children the event concerns all have an answer
    /// from that household: their letter has done its work (the desk counts them reached; their reminders go).
    public static func answeredGuardians(of familyID: String, recipients: [Recipient], records: [ConsentRecord]) -> [String] {
        let answered = Set(latestPerHousehold(records).filter { $0.value[familyID] != nil }.keys)
        return recipients.filter { $0.guardian.familyID == familyID && $0.students.allSatisfy { answered.contains($0.id) } }.map(\.guardian.id)
    }

    /// The households with a child still to answer: the ones a reminder goes to.
    public var outstandingHouseholds: Set<String> { Set(outstanding.flatMap(\.familyIDs)) }

    /// Per class: how many children, given, refused, outstanding.
    public var byClass: [(className: String, children: Int, given: Int, refused: Int, outstanding: Int)] {
        Dictionary(grouping: children, by: \.student.className).keys.sorted().map { className in
            let inClass = children.filter { $0.student.className == className }
            return (
                className, inClass.count, inClass.filter { $0.answer?.decision == .given }.count,
                inClass.filter { $0.answer?.decision == .refused }.count, inClass.filter { $0.answer == nil }.count
            )
        }
    }
}

/// What a posted permission slip comes to: a decision per child of the household (fields `c.<student id>` of
/// `given` or `refused`; other children's ids are ignored) and the typed name that signs them.
public struct ConsentAnswer: Hashable, Sendable {
    public enum Problem: String, Hashable, Sendable {
        /// No child has a yes or a no.
        case noChoice
        /// The name has no letter (after removing spaces and control characters).
        case noName
        case nameTooLong
    }

    public static let maxNameLength = 120

    public var decisions: [String: ConsentDecision]
    public var typedName: String
    public var problems: [Problem]

    public static func field(_ studentID: String) -> String { "c.\(studentID)" }

    public init(fields: [String: [String]], children: [Student]) {
        decisions = [:]
        for child in children {
            if let raw = fields[Self.field(child.id)]?.first, let decision = ConsentDecision(rawValue: raw) { decisions[child.id] = decision }
        }
        // Control characters and direction controls go, runs of white space become one space (a name is one line).
        let scalars = (fields["name"]?.first ?? "").precomposedStringWithCanonicalMapping.unicodeScalars
            .map { $0.properties.generalCategory == .control || $0.properties.isWhitespace || BidiIsolation.isControl($0) ? " " : Character($0) }
        typedName = String(scalars).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        problems = []
        if decisions.isEmpty { problems.append(.noChoice) }
        // A name has a letter: invisible characters alone (a zero-width space) sign nothing.
        if !typedName.unicodeScalars.contains(where: \.properties.isAlphabetic) { problems.append(.noName) }
        if typedName.count > Self.maxNameLength { problems.append(.nameTooLong) }
    }
}
