import Foundation
import LiaisonModel

/// Whom the sends of an event families answer reach, and whether each invites or reminds (the first send queued
/// invites, kept in the store). A survey's reach the households of its sample (drawn at the first send and kept, so
/// reminders and restarts use the same one), its reminders only those that have not answered; a meeting's reminders
/// reach households with a class still to book (a discussion's: of its sample); a permission slip's reach guardians
/// with a child still to answer, about those children. The queuer asks it for every such occurrence, so the
/// scheduler, `liaison send` and a reload all narrow the same way.
public struct Invitations: Sendable {
    public let registry: any SurveyRegistry

    public init(registry: any SurveyRegistry) { self.registry = registry }

    /// `recipients` (the event's audience) narrowed for `occurrence` of `event`; other events: unchanged.
    public func recipients(_ recipients: [Recipient], event: Event, occurrence: Occurrence, now: Date) async throws -> [Recipient] {
        if let consent = event.consent {
            // A permission slip: nothing once answers are closed; reminders only to households with a child still to
            // answer, about those children.
            guard occurrence.dueAt < consent.deadline else { return [] }
            guard try await isReminder(occurrence, of: event, now: now) else { return recipients }
            let tally = ConsentTally(recipients: recipients, records: try await registry.consents(eventID: event.id))
            let outstanding = Set(tally.outstanding.map(\.student.id))
            return recipients.compactMap { recipient in
                var recipient = recipient
                recipient.students = recipient.students.filter { outstanding.contains($0.id) }
                return recipient.students.isEmpty ? nil : recipient
            }
        }
        // A survey's or a discussion's sample: drawn at the first send, kept for the rest.
        var chosen = recipients
        if let (sampling, semester) = event.sampled {
            let households = Set(try await sample(event: event, semester: semester, sampling: sampling, audience: recipients, now: now).draw.households)
            chosen = recipients.filter { households.contains($0.guardian.familyID) }
        }
        if let plan = event.signUp {
            // A meeting families book: reminders only to households with a class still to book.
            guard try await isReminder(occurrence, of: event, now: now) else { return chosen }
            let unbooked = plan.unbooked(chosen, bookings: try await registry.bookings(eventID: event.id))
            return chosen.filter { unbooked[$0.guardian.familyID] != nil }
        }
        guard event.survey != nil else { return recipients }
        if try await isReminder(occurrence, of: event, now: now) {
            let answered = try await registry.answeredHouseholds(surveyID: event.id)
            chosen.removeAll { answered.contains($0.guardian.familyID) }
        }
        return chosen
    }

    /// The sample kept for the survey (or discussion), or a new draw over `audience`, kept (the first one kept wins a race).
    public func sample(
        event: Event, semester: String, sampling: SamplingSettings, audience: [Recipient], now: Date
    ) async throws -> StoredSample {
        if let kept = try await registry.sample(surveyID: event.id) { return kept }
        let draw = try await Self.draw(event: event, semester: semester, sampling: sampling, audience: audience, registry: registry)
        return try await registry.keepSample(StoredSample(surveyID: event.id, semester: semester, draw: draw, drawnAt: now))
    }

    /// The draw the survey (or discussion) would make now (what `liaison survey sample --explain` shows before the
    /// invitation).
    public static func draw(
        event: Event, semester: String, sampling: SamplingSettings, audience: [Recipient], registry: any SurveyRegistry
    ) async throws -> SurveySampling.Draw {
        let recent = recentlySampled(eventID: event.id, semester: semester, sampling: sampling, kept: try await registry.samples())
        return SurveySampling.draw(audience, sampling.request(for: event.id, recentlySampled: recent))
    }

    /// The households a draw leaves out while others suffice: with `exclude_recent`, those sampled in that many
    /// previous semesters and those drawn this semester by another survey or discussion (a family asked for a
    /// questionnaire is not asked to a discussion too, when others can be).
    public static func recentlySampled(eventID: String, semester: String, sampling: SamplingSettings, kept: [StoredSample]) -> Set<String> {
        guard sampling.excludeRecentSemesters > 0 else { return [] }
        let others = kept.filter { $0.surveyID != eventID }
        return SurveySettings.recentlySampled(before: semester, in: others, count: sampling.excludeRecentSemesters)
            .union(others.filter { $0.semester == semester }.flatMap(\.draw.households))
    }

    /// Whether `occurrence` reminds rather than invites, by the invitation kept: the first send of the event queued
    /// invites (and is kept as its invitation), every other send reminds, whatever the schedule says by then (an
    /// edited `send_at` does not invite again households that answered). A resend is what its original was.
    public func isReminder(_ occurrence: Occurrence, of event: Event, now: Date) async throws -> Bool {
        let id: String
        switch occurrence.kind {
        case .resend(let original, _): id = original
        case .alertRound, .bookingConfirmation: return false
        case .scheduled, .manual: id = occurrence.id
        }
        let kept = try await registry.keepInvitation(KeptInvitation(eventID: event.id, occurrence: id, privacy: event.survey?.form.privacy, at: now))
        return kept.occurrence != id
    }

    /// `event` as its letter for `occurrence` sees it: `data.survey.reminder` and `data.survey.anonymous` for the
    /// survey template, `data.signup.reminder` for a meeting families book, `data.consent.reminder` for a
    /// permission slip (other events: unchanged).
    public static func letterEvent(_ event: Event, occurrence: Occurrence) -> Event {
        letterEvent(event, reminder: isReminder(occurrence, of: event))
    }

    /// `letterEvent(_:occurrence:)` with whether it reminds already known (from the invitation kept).
    public static func letterEvent(_ event: Event, reminder: Bool) -> Event {
        if event.consent != nil {
            var event = event
            event.data["consent"] = .map(["reminder": .bool(reminder)])
            return event
        }
        if event.signUp != nil {
            var event = event
            event.data["signup"] = .map(["reminder": .bool(reminder), "discussion": .bool(event.discussion != nil)])
            return event
        }
        guard let survey = event.survey else { return event }
        var event = event
        event.data["survey"] = .map([
            "reminder": .bool(reminder), "anonymous": .bool(survey.form.privacy == .anonymous),
        ])
        return event
    }

    /// By the schedule alone (a dry run, a queuer without a store): a planned send after the survey's first is a
    /// reminder (so is a resend of one); the first and a send by hand of a survey the schedule never sends invite.
    public static func isReminder(_ occurrence: Occurrence, of event: Event) -> Bool {
        switch occurrence.kind {
        case .scheduled:
            let sends = SendSchedule.sends(for: event)
            guard let first = sends.first else { return false }
            return first.occurrence != occurrence.id
        case .resend(let original, _):
            return isReminder(Occurrence(id: original, eventID: event.id, kind: Occurrence.kind(of: original), dueAt: occurrence.dueAt), of: event)
        case .manual, .alertRound, .bookingConfirmation:
            return false
        }
    }
}
