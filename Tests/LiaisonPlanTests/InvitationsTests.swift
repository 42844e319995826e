import Foundation
import LiaisonModel
import LiaisonPlan
import LiaisonStore
import Testing

/// A survey's sends go through the one queuer: the invitation to its sample (drawn once, kept), reminders only to
/// households that have not answered, and the letter told which it is.
struct SurveyInvitationsTests {
    let survey = demoSchool.events.first { $0.id == "autumn-survey-2026" }!

    @Test func theInvitationReachesTheSampleAndRemindersOnlyThoseYetToAnswer() async throws {
        let fixture = try QueuerFixture()
        let forms = try SQLiteFormStore.inMemory()
        var queuer = fixture.queuer
        queuer.surveys = Invitations(registry: forms)
        let sends = SendSchedule.sends(for: survey)
        #expect(sends.count == 3)
        let invitation = Occurrence.scheduled(sends[0])
        let outcome = try await queuer.queue(fixture.request(invitation, survey, now: sends[0].at))
        let sample = try #require(try await forms.sample(surveyID: survey.id))
        let sampled = Set(sample.draw.households)
        let invited = Set(outcome.queued.map { demoSchool.roster.guardian($0.guardianID)!.familyID })
        // Every sampled household with an address is invited, nobody else.
        #expect(invited.isSubset(of: sampled))
        #expect(sampled.subtracting(invited).count <= outcome.problems.count)
        #expect(sample.draw.households.count < Set(demoSchool.roster.guardians.map(\.familyID)).count)
        // Sent again (a restart, a second process): the same sample, nothing queued twice.
        let again = try await queuer.queue(fixture.request(invitation, survey, now: sends[0].at.addingTimeInterval(60)))
        #expect(again.queued.isEmpty)
        #expect(try await forms.sample(surveyID: survey.id) == sample)

        // Two households answer; the first reminder goes to the rest of the sample only.
        let answering = Array(invited.sorted().prefix(2))
        for family in answering {
            _ = try await forms.save(FormSave(
                eventID: survey.id, familyID: family, guardianID: "x", language: "en", answers: ["welcome": .choice("4")],
                privacy: .anonymous, groups: [], submit: true, closesAt: survey.start, now: sends[0].at, timeZone: survey.timeZone))
        }
        let reminder = Occurrence.scheduled(sends[1])
        #expect(Invitations.isReminder(reminder, of: survey))
        #expect(!Invitations.isReminder(invitation, of: survey))
        let reminded = try await queuer.queue(fixture.request(reminder, survey, now: sends[1].at))
        let remindedFamilies = Set(reminded.queued.map { demoSchool.roster.guardian($0.guardianID)!.familyID })
        #expect(remindedFamilies == invited.subtracting(answering))

        // The letters say which they are.
        let first = try #require(try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: invitation.id)).first)
        let second = try #require(try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: reminder.id)).first)
        #expect(first.message.subject != second.message.subject)
        #expect(second.message.subject.contains("Reminder") || second.message.language != "en")
    }

    /// The invitation is the first send queued, kept: moving `send_at` after it went does not invite again the
    /// households that answered, and the letters keep the privacy the invitation promised.
    @Test func anEditedScheduleDoesNotInviteTwice() async throws {
        let fixture = try QueuerFixture()
        let forms = try SQLiteFormStore.inMemory()
        var queuer = fixture.queuer
        queuer.surveys = Invitations(registry: forms)
        let sends = SendSchedule.sends(for: survey)
        let invitation = Occurrence.scheduled(sends[0])
        let invited = Set(try await queuer.queue(fixture.request(invitation, survey, now: sends[0].at)).queued.map {
            demoSchool.roster.guardian($0.guardianID)!.familyID
        })
        #expect(try await forms.invitation(eventID: survey.id)?.occurrence == invitation.id)
        #expect(try await forms.invitation(eventID: survey.id)?.privacy == .anonymous)
        let answering = Array(invited.sorted().prefix(3))
        for family in answering {
            _ = try await forms.save(FormSave(
                eventID: survey.id, familyID: family, guardianID: "x", language: "en", answers: ["welcome": .choice("4")],
                privacy: .anonymous, groups: [], submit: true, closesAt: survey.start, now: sends[0].at, timeZone: survey.timeZone))
        }
        // The office moves the invitation a day later and makes the form confidential: by the schedule alone, the new
        // send_at is the "first" send.
        var edited = survey
        edited.plan.sendAt = [sends[0].at.addingTimeInterval(86_400)]
        edited.survey?.form.privacy = .confidential
        let moved = Occurrence.scheduled(SendSchedule.sends(for: edited)[0])
        #expect(!Invitations.isReminder(moved, of: edited))
        let again = try await queuer.queue(fixture.request(moved, edited, now: moved.dueAt))
        let reached = Set(again.queued.map { demoSchool.roster.guardian($0.guardianID)!.familyID })
        #expect(reached == invited.subtracting(answering), "a reminder to those still to answer, not a second invitation")
        let letter = try #require(try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: moved.id)).first { $0.message.language.hasPrefix("en") })
        #expect(letter.message.subject.contains("Reminder"))
        #expect(letter.message.html?.contains("anonymous") == true, "the letter still says what the invitation promised")
    }

    @Test func aSurveyWithoutARegistryReachesItsWholeAudience() async throws {
        let fixture = try QueuerFixture()
        let invitation = Occurrence.scheduled(SendSchedule.sends(for: survey)[0])
        let request = fixture.request(invitation, survey, now: invitation.dueAt)
        #expect(try await fixture.queuer.recipients(of: request).count == request.recipients.count)
    }
}

/// The demo school's Year 3 meetings: slots per class with the class's teacher, the invitation to every family,
/// the reminder only to families with a class still to book.
struct SignUpInvitationsTests {
    let meeting = demoSchool.events.first { $0.id == "year3-meetings-2026" }!

    @Test func slotsPerClassWithTheirTeacherAroundTheBreak() throws {
        let plan = try #require(meeting.signUp)
        #expect(plan.groups == ["3A", "3B"])
        // 15:30 to 17:30 in tens, without 16:30–16:40: 11 a class.
        #expect(plan.slots(of: "3A").count == 11)
        #expect(plan.slots(of: "3A").map(\.id).contains("3A-1620"))
        #expect(!plan.slots(of: "3A").map(\.id).contains("3A-1630"))
        #expect(plan.slots.allSatisfy { $0.host == "Daniel Okafor" && $0.capacity == 1 })
        #expect(plan.bookUntil == date("2026-12-09T12:00:00Z"))
    }

    @Test func theReminderGoesOnlyToFamiliesStillToBook() async throws {
        let fixture = try QueuerFixture()
        let forms = try SQLiteFormStore.inMemory()
        var queuer = fixture.queuer
        queuer.surveys = Invitations(registry: forms)
        let plan = try #require(meeting.signUp)
        let sends = SendSchedule.sends(for: meeting)
        let invitation = Occurrence.scheduled(sends[0])
        let invited = try await queuer.queue(fixture.request(invitation, meeting, now: sends[0].at))
        let families = Set(invited.queued.map { demoSchool.roster.guardian($0.guardianID)!.familyID })
        #expect(families.count > 5)
        let letter = try #require(try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: invitation.id)).first { $0.message.language.hasPrefix("en") })
        #expect(letter.message.html?.contains("Choose a time") == true)

        // Every family with children in 3A books its 3A time; families with a child in 3B still have to book.
        let recipients = meeting.audience.recipients(in: demoSchool.roster)
        var booked = Set<String>()
        for (index, recipient) in recipients.enumerated() where recipient.students.contains(where: { $0.className == "3A" }) {
            guard booked.insert(recipient.guardian.familyID).inserted else { continue }
            let slot = plan.slots(of: "3A")[index % 11]
            _ = try await forms.book(
                slot, eventID: meeting.id, familyID: recipient.guardian.familyID, guardianID: recipient.guardian.id, interpreter: nil,
                bookUntil: plan.bookUntil, now: sends[0].at)
        }
        let bookings = try await forms.bookings(eventID: meeting.id)
        let stillToBook = Set(plan.unbooked(recipients, bookings: bookings).keys)
        let reminder = Occurrence.scheduled(sends[1])
        let reminded = try await queuer.queue(fixture.request(reminder, meeting, now: sends[1].at))
        let remindedFamilies = Set(reminded.queued.map { demoSchool.roster.guardian($0.guardianID)!.familyID })
        #expect(remindedFamilies == stillToBook.intersection(families))
        let booked3A = Set(bookings.map(\.familyID))
        #expect(remindedFamilies.isDisjoint(with: booked3A.subtracting(plan.unbooked(recipients, bookings: bookings).keys)))
    }
}

/// The demo school's Year 4 museum visit, a permission slip: the letter to every Year 4 household, the reminder only
/// to households with a child still without an answer, naming only those children.
struct ConsentInvitationsTests {
    let trip = demoSchool.events.first { $0.id == "year4-museum-trip" }!

    @Test func theDemoTripIsAPermissionSlipReadFromTheSchedule() throws {
        let consent = try #require(trip.consent)
        #expect(consent.deadline == date("2026-12-11T17:00:00Z"))
        #expect(consent.statement == .key("consent.statement.outing"))
        #expect(SendSchedule.sends(for: trip).allSatisfy { $0.at < consent.deadline })
    }

    @Test func theReminderGoesOnlyToHouseholdsWithAChildStillToAnswer() async throws {
        let fixture = try QueuerFixture()
        let forms = try SQLiteFormStore.inMemory()
        var queuer = fixture.queuer
        queuer.surveys = Invitations(registry: forms)
        let consent = try #require(trip.consent)
        let sends = SendSchedule.sends(for: trip)
        let invitation = Occurrence.scheduled(sends[0])
        let invited = try await queuer.queue(fixture.request(invitation, trip, now: sends[0].at))
        let recipients = trip.audience.recipients(in: demoSchool.roster)
        #expect(Set(invited.queued.map(\.guardianID)) == Set(recipients.map(\.guardian.id)))
        let letter = try #require(try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: invitation.id)).first { $0.message.language.hasPrefix("en") })
        #expect(letter.message.subject.hasPrefix("Permission needed"))
        #expect(letter.message.html?.contains("coach") == true, "the statement from the catalog is in the letter")
        #expect(letter.message.text.contains("Please answer by"))

        // Every child of 4A has an answer (a yes or a no); 4B's have none.
        let children = ConsentTally(recipients: recipients, records: []).children
        let answered = children.filter { $0.student.className == "4A" }
        let records = answered.enumerated().map { index, child in
            ConsentRecord(
                eventID: trip.id, studentID: child.student.id, familyID: child.familyIDs[0], guardianID: "x",
                decision: index.isMultiple(of: 2) ? .given : .refused, typedName: "A Parent", answeredAt: sends[0].at)
        }
        #expect(try await forms.recordConsent(records, deadline: consent.deadline, now: sends[0].at))
        let tally = ConsentTally(recipients: recipients, records: try await forms.consents(eventID: trip.id))
        #expect(tally.byClass.map(\.className) == ["4A", "4B"])
        #expect(tally.byClass[0].outstanding == 0 && tally.byClass[1].outstanding == tally.byClass[1].children)

        let reminder = Occurrence.scheduled(sends[1])
        let reminded = try await queuer.queue(fixture.request(reminder, trip, now: sends[1].at))
        let remindedFamilies = Set(reminded.queued.map { demoSchool.roster.guardian($0.guardianID)!.familyID })
        #expect(remindedFamilies == tally.outstandingHouseholds)
        #expect(!remindedFamilies.isEmpty)
        let reminders = try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: reminder.id))
        let english = try #require(reminders.first { $0.message.language.hasPrefix("en") })
        #expect(english.message.subject.hasPrefix("Reminder: permission needed"))
        // The reminder names only the children still without an answer.
        let answeredNames = Set(answered.map(\.student.givenName))
        for delivery in reminders {
            let family = demoSchool.roster.guardian(delivery.key.guardianID)!.familyID
            let outstanding = tally.outstanding.filter { $0.familyIDs.contains(family) }.map(\.student.givenName)
            #expect(outstanding.allSatisfy { delivery.message.text.contains($0) || delivery.message.html?.contains($0) == true })
            for name in answeredNames.subtracting(outstanding) where delivery.message.language.hasPrefix("en") {
                #expect(!delivery.message.text.contains(name))
            }
        }
    }

    @Test func nothingGoesOnceAnswersAreClosed() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let consent = try #require(trip.consent)
        let late = Occurrence(id: "\(trip.id)@late", eventID: trip.id, kind: .manual, dueAt: consent.deadline)
        let recipients = trip.audience.recipients(in: demoSchool.roster)
        #expect(try await Invitations(registry: forms).recipients(recipients, event: trip, occurrence: late, now: consent.deadline).isEmpty)
    }
}

/// The demo's discussion, the survey's other form: a random 30 % of every class's households invited to book a
/// place with the school's leadership, the draw kept like a survey's; the reminder only to drawn households still to book.
struct DiscussionInvitationsTests {
    let discussion = demoSchool.events.first { $0.id == "families-discussion-2026" }!

    @Test func theSampleIsInvitedToBookAndRemindedUntilItHas() async throws {
        let settings = try #require(discussion.discussion)
        #expect(settings.semester == "2026-autumn" && settings.sampling.fraction == 0.3 && settings.sampling.stratum == .class)
        let plan = try #require(discussion.signUp)
        #expect(plan.groups == [MeetingSlot.wholeEvent] && plan.slots.count == 3 && plan.slots.allSatisfy { $0.capacity == 6 })

        let fixture = try QueuerFixture()
        let forms = try SQLiteFormStore.inMemory()
        var queuer = fixture.queuer
        queuer.surveys = Invitations(registry: forms)
        let sends = SendSchedule.sends(for: discussion)
        let invitation = Occurrence.scheduled(sends[0])
        let invited = try await queuer.queue(fixture.request(invitation, discussion, now: sends[0].at))
        let sample = try #require(try await forms.sample(surveyID: discussion.id))
        #expect(sample.semester == "2026-autumn")
        let families = Set(invited.queued.map { demoSchool.roster.guardian($0.guardianID)!.familyID })
        #expect(families.isSubset(of: Set(sample.draw.households)) && !families.isEmpty)
        #expect(families.count < Set(demoSchool.roster.guardians.map(\.familyID)).count)
        // Every class reaches its share.
        for stratum in sample.draw.strata { #expect(stratum.sampled >= stratum.target, "\(stratum.name)") }
        let letter = try #require(try await fixture.outbox.deliveries(matching: DeliveryQuery(occurrence: invitation.id)).first { $0.message.language.hasPrefix("en") })
        #expect(letter.message.html?.contains("chosen by chance") == true)

        // One drawn household books; the reminder goes to the rest of the sample.
        let booker = try #require(families.sorted().first)
        _ = try await forms.book(plan.slots[0], eventID: discussion.id, familyID: booker, guardianID: "x", interpreter: nil, bookUntil: plan.bookUntil, now: sends[0].at)
        let reminder = Occurrence.scheduled(sends[1])
        let reminded = try await queuer.queue(fixture.request(reminder, discussion, now: sends[1].at))
        let remindedFamilies = Set(reminded.queued.map { demoSchool.roster.guardian($0.guardianID)!.familyID })
        #expect(remindedFamilies == families.subtracting([booker]))
        // The office's list of households still to book holds the sample only, not the whole school.
        let status = plan.status(
            of: discussion, roster: demoSchool.roster, bookings: try await forms.bookings(eventID: discussion.id), invited: Set(sample.draw.households))
        #expect(Set(status.unbooked.map(\.family)) == Set(sample.draw.households).subtracting([booker]))
    }

    /// With `exclude_recent`, the households the survey drew this semester are left out of the discussion's draw while
    /// others suffice: fewer families are asked twice, and every class still reaches its share.
    @Test func aDiscussionSparesTheSurveysHouseholdsWhenTheSchoolAsks() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let survey = try #require(demoSchool.events.first { $0.id == "autumn-survey-2026" })
        let audience = survey.audience.recipients(in: demoSchool.roster)
        let surveySample = try await Invitations(registry: forms).sample(
            event: survey, semester: "2026-autumn", sampling: try #require(survey.survey?.sampling), audience: audience, now: Date())
        var sparing = discussion
        sparing.discussion?.sampling.excludeRecentSemesters = 1
        let plain = try await Invitations.draw(
            event: discussion, semester: "2026-autumn", sampling: try #require(discussion.discussion?.sampling), audience: audience, registry: forms)
        let spared = try await Invitations.draw(
            event: sparing, semester: "2026-autumn", sampling: try #require(sparing.discussion?.sampling), audience: audience, registry: forms)
        let asked = Set(surveySample.draw.households)
        #expect(Set(spared.households).intersection(asked).count < Set(plain.households).intersection(asked).count)
        for stratum in spared.strata { #expect(stratum.sampled >= stratum.target, "\(stratum.name)") }
    }
}
