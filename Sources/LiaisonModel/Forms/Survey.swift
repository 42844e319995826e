import Foundation

/// What makes an event a survey: its questionnaire, whom it samples and the semester it belongs to. The event's
/// `start` is when the survey closes; its planned sends are the invitation (the first) and reminders (the rest).
public struct SurveySettings: Hashable, Sendable {
    public var form: FormDefinition
    /// nil: every household of the event's audience is invited.
    public var sampling: SamplingSettings?
    /// The semester the survey belongs to (`2026-autumn`): households sampled in recent semesters can be left out.
    public var semester: String

    public init(form: FormDefinition, sampling: SamplingSettings? = nil, semester: String) {
        self.form = form
        self.sampling = sampling
        self.semester = semester
    }

    /// The semester a date falls in when the schedule names none: August to January is the autumn one of the year
    /// it starts in, February to July the spring one.
    public static func semester(of date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month], from: date)
        let (year, month) = (parts.year ?? 1970, parts.month ?? 1)
        if month >= 8 { return "\(year)-autumn" }
        if month == 1 { return "\(year - 1)-autumn" }
        return "\(year)-spring"
    }
}

/// A survey's sample, as the schedule asks for it (`sample:` of a survey event).
public struct SamplingSettings: Hashable, Sendable {
    public var fraction: Double
    public var stratum: SurveySampling.Stratum
    /// nil: derived from the event's id, so the draw is reproducible without writing a number down.
    public var seed: UInt64?
    /// Households sampled in this many previous semesters are left out while the others suffice (0: none).
    public var excludeRecentSemesters: Int
    public var expectedResponse: Double

    public init(
        fraction: Double = 0.3, stratum: SurveySampling.Stratum = .class, seed: UInt64? = nil, excludeRecentSemesters: Int = 0,
        expectedResponse: Double = 1
    ) {
        self.fraction = fraction
        self.stratum = stratum
        self.seed = seed
        self.excludeRecentSemesters = excludeRecentSemesters
        self.expectedResponse = expectedResponse
    }

    /// The seed used for `eventID`.
    public func seed(for eventID: String) -> UInt64 {
        seed ?? UInt64(FNV1a.hex("survey-seed:\(eventID)"), radix: 16) ?? 0
    }

    public func request(for eventID: String, recentlySampled: Set<String>) -> SurveySampling.Request {
        SurveySampling.Request(
            fraction: fraction, stratum: stratum, seed: seed(for: eventID), recentlySampled: recentlySampled,
            expectedResponse: expectedResponse)
    }
}

/// A draw as kept in the store: once a survey's invitation has gone, later sends (reminders) use the same sample
/// even though the roster changed.
public struct StoredSample: Hashable, Sendable, Codable {
    public var surveyID: String
    public var semester: String
    public var draw: SurveySampling.Draw
    public var drawnAt: Date

    public init(surveyID: String, semester: String, draw: SurveySampling.Draw, drawnAt: Date) {
        self.surveyID = surveyID
        self.semester = semester
        self.draw = draw
        self.drawnAt = drawnAt
    }
}

/// What the queuer needs to know about the families of a survey, a sign-up or a permission slip: the sample drawn and
/// who has answered or booked. Implemented by the store; the planner never writes answers.
public protocol SurveyRegistry: Sendable {
    /// The sample kept for a survey, if one was drawn.
    func sample(surveyID: String) async throws -> StoredSample?
    /// Keeps `sample` unless one is kept already, and returns the one kept (two processes drawing at once keep one).
    func keepSample(_ sample: StoredSample) async throws -> StoredSample
    /// Every sample kept, for leaving out recently sampled households.
    func samples() async throws -> [StoredSample]
    /// Households that sent their answers (the mark that drives reminders; in anonymous surveys it is the only link).
    func answeredHouseholds(surveyID: String) async throws -> Set<String>
    /// The bookings of a meeting's slots (reminders go to households with a class still to book).
    func bookings(eventID: String) async throws -> [SlotBooking]
    /// Every signed answer of a permission slip, oldest first (reminders go to households with a child still to answer).
    func consents(eventID: String) async throws -> [ConsentRecord]
    /// Keeps `invitation` as the event's invitation unless one is kept already, and returns the one kept: the first
    /// send queued invites, later ones remind, whatever the schedule says later (an edited `send_at` does not make a
    /// second invitation). `privacy` is what the invitation promised (a survey's).
    func keepInvitation(_ invitation: KeptInvitation) async throws -> KeptInvitation
    /// The event's invitation, if one was queued.
    func invitation(eventID: String) async throws -> KeptInvitation?
}

extension SurveyRegistry {
    /// `survey` with the privacy its invitation promised (an anonymous survey edited to confidential after the
    /// invitation went stays anonymous: its answers are stored, shown and read as anonymous).
    public func promised(_ survey: SurveySettings, eventID: String) async throws -> SurveySettings {
        var survey = survey
        if let promised = try await invitation(eventID: eventID)?.privacy { survey.form.privacy = promised }
        return survey
    }
}

/// The first send queued for a survey, a meeting families book or a permission slip: what it invited with.
public struct KeptInvitation: Hashable, Sendable {
    public var eventID: String
    public var occurrence: String
    /// A survey's privacy as the invitation promised it (nil for other events).
    public var privacy: FormPrivacy?
    public var at: Date

    public init(eventID: String, occurrence: String, privacy: FormPrivacy?, at: Date) {
        self.eventID = eventID
        self.occurrence = occurrence
        self.privacy = privacy
        self.at = at
    }
}

/// The discussion variant of a semester's survey (`sample:` on a meeting with slots): households drawn at random, as
/// for a questionnaire, are invited to book a place in a discussion with staff; the draw is kept like a survey's and
/// counts as that semester's sample.
public struct DiscussionSettings: Hashable, Sendable {
    public var sampling: SamplingSettings
    public var semester: String

    public init(sampling: SamplingSettings, semester: String) {
        self.sampling = sampling
        self.semester = semester
    }
}

extension Event {
    /// The sample its invitations go to and the semester it belongs to: a survey's, or a discussion's.
    public var sampled: (sampling: SamplingSettings, semester: String)? {
        if let survey, let sampling = survey.sampling { return (sampling, survey.semester) }
        if let discussion { return (discussion.sampling, discussion.semester) }
        return nil
    }
}

extension SurveySettings {
    /// The households sampled in the `count` semesters before this one, from the samples kept.
    public func recentlySampled(in kept: [StoredSample], count: Int) -> Set<String> {
        Self.recentlySampled(before: semester, in: kept, count: count)
    }

    /// The households sampled in the `count` semesters before `semester`, from the samples kept.
    public static func recentlySampled(before semester: String, in kept: [StoredSample], count: Int) -> Set<String> {
        guard count > 0 else { return [] }
        let order = Self.semesterOrder
        let earlier = Set(kept.map(\.semester).filter { order($0) < order(semester) }).sorted { order($0) < order($1) }.suffix(count)
        return Set(kept.filter { earlier.contains($0.semester) }.flatMap(\.draw.households))
    }

    /// Semesters in time order: `2026-spring` before `2026-autumn` before `2027-spring`; other names by name.
    static func semesterOrder(_ name: String) -> String {
        let parts = name.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let year = Int(parts[0]) else { return name }
        let half = switch parts[1] { case "spring": "1"; case "autumn", "fall": "2"; default: "3" + parts[1] }
        return String(format: "%06d-", year) + half
    }
}
