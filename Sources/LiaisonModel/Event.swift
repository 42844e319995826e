import Foundation

/// What an event is about; decides the default template and how it is treated.
public enum EventKind: String, Hashable, Sendable, Codable, CaseIterable {
    case announcement
    case meeting
    case progressLetter = "progress-letter"
    case newsletter
    case alert
    case survey
}

/// Normal messages wait for quiet hours to end and queue behind each other; urgent ones go at once.
public enum Priority: String, Hashable, Sendable, Codable, CaseIterable {
    case normal
    case urgent
}

/// An answer a guardian can give (RSVP, survey choice).
public struct RSVPOption: Hashable, Sendable {
    public var id: String
    /// The label as written in the schedule; when `nil`, the catalog message `rsvp.<id>` is used.
    public var label: LocalizedText?

    public init(id: String, label: LocalizedText? = nil) {
        self.id = id
        self.label = label
    }

    /// The catalog key used when the schedule gives no label.
    public var catalogKey: String { "rsvp.\(id)" }
}

/// Something on the school's schedule that families are told about.
public struct Event: Hashable, Sendable, Identifiable {
    public var id: String
    public var kind: EventKind
    public var title: LocalizedText
    public var start: Date
    public var end: Date?
    /// The zone the start and end were written in (the school's unless the event says otherwise).
    public var timeZone: TimeZone
    /// True for events without a time of day (a whole-day event).
    public var allDay: Bool
    public var location: LocalizedText?
    public var audience: Audience
    /// Name of the folder under `templates/`.
    public var template: String
    public var priority: Priority
    public var plan: NotificationPlan
    public var rsvp: [RSVPOption]
    /// Free data passed to the template as `data`.
    public var data: [String: DataValue]
    public var origin: SourceLocation?
    /// Cancelled in the schedule (`status: cancelled`): nothing more is sent, and what is still queued is withdrawn.
    public var isCancelled = false
    /// A survey's questionnaire and sample (`kind: survey` with a `form:`); its `start` is when it closes.
    public var survey: SurveySettings?
    /// A meeting families book a time for (`slots:`), as the schedule asks for it.
    public var slotRules: SlotRules?
    /// Its slots, capacity and deadline, made from ``slotRules`` with the roster's classes and the staff's teachers.
    public var signUp: SignUpPlan?
    /// A meeting with slots whose invitation goes to a random sample (`sample:`): a semester's discussion with parents.
    public var discussion: DiscussionSettings?
    /// A permission slip (`consent:`): each child's guardian signs yes or no before the deadline.
    public var consent: ConsentSettings?
    /// Set only on the letter confirming a household's meeting booking (``confirming(_:)``): its times now.
    public var booking: BookingConfirmation?

    /// Whether whom its sends reach depends on what families answered (a survey's sample and answers, a meeting's
    /// bookings, a permission slip's signatures): the queuer then asks the form store.
    public var dependsOnAnswers: Bool { survey != nil || signUp != nil || consent != nil }

    public init(
        id: String, kind: EventKind, title: LocalizedText, start: Date, end: Date? = nil, timeZone: TimeZone,
        allDay: Bool = false, location: LocalizedText? = nil, audience: Audience, template: String,
        priority: Priority = .normal, plan: NotificationPlan = NotificationPlan(), rsvp: [RSVPOption] = [],
        data: [String: DataValue] = [:], origin: SourceLocation? = nil
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.start = start
        self.end = end
        self.timeZone = timeZone
        self.allDay = allDay
        self.location = location
        self.audience = audience
        self.template = template
        self.priority = priority
        self.plan = plan
        self.rsvp = rsvp
        self.data = data
        self.origin = origin
    }
}

/// Who an event is for: the union of everything named.
public struct Audience: Hashable, Sendable, Codable, CustomStringConvertible {
    public var wholeSchool: Bool
    public var grades: [String]
    public var classes: [String]
    public var students: [String]
    public var families: [String]

    public init(wholeSchool: Bool = false, grades: [String] = [], classes: [String] = [], students: [String] = [], families: [String] = []) {
        self.wholeSchool = wholeSchool
        self.grades = grades
        self.classes = classes
        self.students = students
        self.families = families
    }

    public static let everyone = Audience(wholeSchool: true)

    /// True when nothing is named: such an audience reaches nobody.
    public var isEmpty: Bool {
        !wholeSchool && grades.isEmpty && classes.isEmpty && students.isEmpty && families.isEmpty
    }

    public var description: String {
        if wholeSchool { return "whole school" }
        var parts: [String] = []
        if !grades.isEmpty { parts.append("grades \(grades.joined(separator: ", "))") }
        if !classes.isEmpty { parts.append("classes \(classes.joined(separator: ", "))") }
        if !students.isEmpty { parts.append("students \(students.joined(separator: ", "))") }
        if !families.isEmpty { parts.append("families \(families.joined(separator: ", "))") }
        return parts.isEmpty ? "nobody" : parts.joined(separator: "; ")
    }
}

/// The result of the audience-resolution step for one guardian: who gets one message, about which children.
public struct Recipient: Hashable, Sendable {
    public var guardian: Guardian
    /// The guardian's children that the event concerns, in a stable order.
    public var students: [Student]

    public init(guardian: Guardian, students: [Student]) {
        self.guardian = guardian
        self.students = students
    }
}

/// Names in an audience that the roster does not have.
public struct UnknownAudienceMembers: Hashable, Sendable {
    public var grades: [String] = []
    public var classes: [String] = []
    public var students: [String] = []
    public var families: [String] = []

    public var isEmpty: Bool { grades.isEmpty && classes.isEmpty && students.isEmpty && families.isEmpty }
}

extension Audience {
    /// The guardians this audience reaches, each once, with the children concerned.
    ///
    /// Selecting a student reaches all of that student's guardians; selecting a family reaches every guardian
    /// of the household about all of their children.
    public func recipients(in roster: Roster) -> [Recipient] {
        let gradeSet = Set(grades)
        let classSet = Set(classes)
        let studentSet = Set(students)
        let familySet = Set(families)
        var chosenStudents = Set<String>()
        for student in roster.students
        where wholeSchool || gradeSet.contains(student.grade) || classSet.contains(student.className) || studentSet.contains(student.id) {
            chosenStudents.insert(student.id)
        }
        var result: [Recipient] = []
        for guardian in roster.guardians {
            let children = roster.students(of: guardian.id)
            let concerned: [Student]
            if familySet.contains(guardian.familyID) {
                concerned = children
            } else {
                concerned = children.filter { chosenStudents.contains($0.id) }
            }
            if !concerned.isEmpty || familySet.contains(guardian.familyID) {
                result.append(Recipient(guardian: guardian, students: concerned))
            }
        }
        return result
    }

    /// Whether this audience reaches `guardian` (``recipients(in:)`` for one guardian, without resolving everyone).
    public func includes(_ guardian: Guardian, in roster: Roster) -> Bool {
        if families.contains(guardian.familyID) { return true }
        return roster.students(of: guardian.id).contains { student in
            wholeSchool || grades.contains(student.grade) || classes.contains(student.className) || students.contains(student.id)
        }
    }

    /// The names that match nothing in the roster.
    public func unknownMembers(in roster: Roster) -> UnknownAudienceMembers {
        var unknown = UnknownAudienceMembers()
        let grades = roster.grades
        let classes = roster.classNames
        unknown.grades = self.grades.filter { !grades.contains($0) }
        unknown.classes = self.classes.filter { !classes.contains($0) }
        unknown.students = self.students.filter { roster.student($0) == nil }
        unknown.families = self.families.filter { roster.family($0) == nil }
        return unknown
    }
}

extension Event {
    /// The note an alert carries for its families (`data.note` in templates), as staff text; empty text is none.
    public var note: LocalizedText? {
        get {
            switch data["note"] {
            case .string(let note)? where !note.isEmpty: LocalizedText(note)
            case .text(let note)?: note
            default: nil
            }
        }
        set {
            // Text in one language stays a plain string, as a schedule's own data is.
            switch newValue {
            case let note? where note.translations.isEmpty && note.baseLanguage == nil && note.machine.isEmpty:
                data["note"] = note.base.isEmpty ? nil : .string(note.base)
            case let note?: data["note"] = .text(note)
            case nil: data["note"] = nil
            }
        }
    }
}
