import Foundation
import GRDB
import LiaisonModel
@testable import LiaisonStore
import Testing

/// Answers saved as they go, sent once, kept confidential or anonymous; samples kept once.
struct FormStoreTests {
    let london = TimeZone(identifier: "Europe/London")!
    let closes = Date(timeIntervalSince1970: 1_800_000_000)
    let now = Date(timeIntervalSince1970: 1_799_000_000)

    func save(_ family: String, _ answers: [String: FormAnswer], _ privacy: FormPrivacy, submit: Bool, at: Date? = nil) -> FormSave {
        FormSave(
            eventID: "autumn", familyID: family, guardianID: "G-\(family)", language: "so", answers: answers, privacy: privacy,
            groups: ["3A"], submit: submit, closesAt: closes, now: at ?? now, timeZone: london)
    }

    @Test func aConfidentialResponseChangesUntilTheFormCloses() async throws {
        let store = try SQLiteFormStore.inMemory()
        #expect(try await store.save(save("F1", ["q": .choice("2")], .confidential, submit: false)) == .saved)
        #expect(try await store.hasAnswered(eventID: "autumn", familyID: "F1") == false)
        #expect(try await store.responses(eventID: "autumn").isEmpty)
        #expect(try await store.save(save("F1", ["q": .choice("3")], .confidential, submit: true)) == .submitted)
        #expect(try await store.save(save("F1", ["q": .choice("4")], .confidential, submit: true)) == .submitted)
        #expect(try await store.draft(eventID: "autumn", familyID: "F1")?.answers == ["q": .choice("4")])
        #expect(try await store.answeredHouseholds(surveyID: "autumn") == ["F1"])
        let responses = try await store.responses(eventID: "autumn")
        #expect(responses.map(\.familyID) == ["F1"])
        #expect(try await store.save(save("F1", ["q": .choice("5")], .confidential, submit: true, at: closes)) == .closed)
    }

    /// The stored rows of an anonymous survey hold no guardian or household id and no time finer than a day.
    @Test func anAnonymousResponseKeepsNoLinkToItsHousehold() async throws {
        let store = try SQLiteFormStore.inMemory()
        #expect(try await store.save(save("F7", ["q": .text("more sport")], .anonymous, submit: false)) == .saved)
        #expect(try await store.save(save("F7", ["q": .text("more sport, please")], .anonymous, submit: true)) == .submitted)
        #expect(try await store.save(save("F7", ["q": .text("changed")], .anonymous, submit: true)) == .alreadyAnswered)
        #expect(try await store.draft(eventID: "autumn", familyID: "F7") == nil)
        #expect(try await store.answeredHouseholds(surveyID: "autumn") == ["F7"])

        let rows = try store.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM form_anonymous") }
        #expect(rows.count == 1)
        for row in rows {
            for (column, stored) in row {
                let value = stored.description
                #expect(!value.contains("F7") && !value.contains("G-F7"), "column \(column) holds \(value)")
                if case .double = stored.storage { Issue.record("a number in \(column): \(value)") }
                if case .int64 = stored.storage { Issue.record("a number in \(column): \(value)") }
            }
            #expect(row.columnNames.sorted() == ["answers_json", "day", "event_id", "groups_json", "language", "response_id"])
            #expect((row["day"] as String).count == 10)
        }
        // The has-answered mark holds no time at all; the response its day only, and no language.
        let marks = try store.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM form_answered") }
        #expect(marks.first?.columnNames.sorted() == ["event_id", "family_id"])
        #expect(rows.first?["day"] as String? == SQLiteFormStore.day(now, in: london))
        #expect(rows.first?["language"] as String? == "")
        let responses = try await store.responses(eventID: "autumn")
        #expect(responses.map(\.familyID) == [nil])
        #expect(responses.first?.groups == ["3A"])
    }

    /// Once an anonymous survey closes, answers saved but never sent (the last rows linking a household to what it
    /// wrote) are purged; a family's records are exported and erased, its place in samples too.
    @Test func draftsOfAClosedAnonymousSurveyGoAndAFamilyIsErasedEverywhere() async throws {
        let store = try SQLiteFormStore.inMemory()
        #expect(try await store.save(save("F1", ["q": .text("half written")], .anonymous, submit: false)) == .saved)
        var other = save("F2", ["q": .choice("3")], .confidential, submit: true)
        other.eventID = "spring"
        #expect(try await store.save(other) == .submitted)
        #expect(try await store.purgeDrafts(eventIDs: ["autumn"]) == 1)
        #expect(try await store.draft(eventID: "autumn", familyID: "F1") == nil)
        #expect(try await store.draft(eventID: "spring", familyID: "F2") != nil)

        _ = try await store.keepSample(StoredSample(
            surveyID: "spring", semester: "2027-spring",
            draw: SurveySampling.Draw(algorithm: SurveySampling.algorithm, seed: 1, rosterDigest: "d", households: ["F1", "F2"], strata: []),
            drawnAt: now))
        let records = try await store.records(familyID: "F2")
        #expect(records.drafts.count == 1 && records.answered == ["spring"])
        #expect(try await store.erase(familyID: "F2") == 3)
        #expect(try await store.records(familyID: "F2").drafts.isEmpty)
        #expect(try await store.sample(surveyID: "spring")?.draw.households == ["F1"])
    }

    @Test func aSampleIsKeptOnceWhoeverDrawsFirst() async throws {
        let store = try SQLiteFormStore.inMemory()
        func sample(_ households: [String]) -> StoredSample {
            StoredSample(
                surveyID: "autumn", semester: "2026-autumn",
                draw: SurveySampling.Draw(algorithm: SurveySampling.algorithm, seed: 1, rosterDigest: "d", households: households, strata: []),
                drawnAt: now)
        }
        let kept = try await withThrowingTaskGroup(of: StoredSample.self) { group in
            for index in 0..<20 { group.addTask { try await store.keepSample(sample(["F\(index)"])) } }
            var kept: [StoredSample] = []
            for try await one in group { kept.append(one) }
            return kept
        }
        #expect(Set(kept.map(\.draw.households)).count == 1)
        #expect(try await store.sample(surveyID: "autumn") == kept.first)
        #expect(try await store.samples().count == 1)
    }
}

/// Meeting slots: capacity held by the store under concurrent bookings, moves, cancellations and the deadline.
struct SlotBookingTests {
    let now = Date(timeIntervalSince1970: 1_799_000_000)
    var deadline: Date { now.addingTimeInterval(86_400) }

    func slot(_ id: String, capacity: Int) -> MeetingSlot {
        MeetingSlot(id: id, group: "3A", start: now.addingTimeInterval(2 * 86_400), end: now.addingTimeInterval(2 * 86_400 + 600), capacity: capacity)
    }

    /// Each change is counted with it; the retention pass keeps the count alone, so the next change counts on (its
    /// letter's key and its calendar entries' sequence never go back).
    @Test func changesAreCountedAndTheCountOutlivesRetention() async throws {
        let store = try SQLiteFormStore.inMemory()
        let a = slot("3A-1500", capacity: 1)
        _ = try await store.book(a, eventID: "m", familyID: "F1", guardianID: "G1", interpreter: nil, bookUntil: deadline, now: now)
        _ = try await store.book(a, eventID: "m", familyID: "F1", guardianID: "G2", interpreter: nil, bookUntil: deadline, now: now)
        _ = try await store.book(a, eventID: "m", familyID: "F1", guardianID: "G2", interpreter: "so", bookUntil: deadline, now: now)
        #expect(try await store.bookingState(eventID: "m", familyID: "F1") == (2, 0), "the same time again is no change; an interpreter asked for is")
        let pending = try #require(try await store.pendingBookingChanges(limit: 5).first)
        #expect(try await store.markConfirmed(pending, described: try await store.bookings(eventID: "m")))
        #expect(try await store.markConfirmed(pending, described: []) == false, "once")
        _ = try await store.applyRetention(before: now.addingTimeInterval(10))
        #expect(try await store.bookingState(eventID: "m", familyID: "F1") == (2, 2))
        #expect(try await store.bookings(eventID: "m").isEmpty, "the booking went with retention")
        _ = try await store.book(a, eventID: "m", familyID: "F1", guardianID: "G1", interpreter: nil, bookUntil: deadline, now: now.addingTimeInterval(20))
        #expect(try await store.bookingState(eventID: "m", familyID: "F1") == (3, 2))
        #expect(try await store.pendingBookingChanges(limit: 5).first?.confirmed == [], "what the last letter said went with retention")
        #expect(try await store.erase(familyID: "F1") >= 1)
        #expect(try await store.bookingState(eventID: "m", familyID: "F1") == (0, 0))
    }

    /// 200 households ask at once for the 20 places of five slots of four (each its own first choice, then the
    /// next): exactly 20 are booked, no slot over its capacity.
    @Test func twoHundredConcurrentBookingsFillTwentyPlacesExactly() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("slots-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Two stores on one file, as two processes would be.
        let first = try SQLiteFormStore(path: path)
        let second = try SQLiteFormStore(path: path)
        let slots = (0..<5).map { slot("3A-15\($0)0", capacity: 4) }
        let outcomes = try await withThrowingTaskGroup(of: BookingOutcome.self) { group in
            for household in 0..<200 {
                let store = household % 2 == 0 ? first : second
                group.addTask {
                    try await store.book(
                        slots[household % 5], eventID: "meet", familyID: "F\(household)", guardianID: "G\(household)", interpreter: nil,
                        bookUntil: deadline, now: now)
                }
            }
            var outcomes: [BookingOutcome] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.filter { $0 == .booked }.count == 20)
        #expect(outcomes.filter { $0 == .full }.count == 180)
        let bookings = try await first.bookings(eventID: "meet")
        #expect(bookings.count == 20)
        #expect(Dictionary(grouping: bookings, by: \.slotID).values.allSatisfy { $0.count == 4 })
    }

    @Test func aBookingMovesIsCancelledAndClosesAtTheDeadline() async throws {
        let store = try SQLiteFormStore.inMemory()
        let (a, b) = (slot("3A-1530", capacity: 1), slot("3A-1540", capacity: 1))
        #expect(try await store.book(a, eventID: "meet", familyID: "F1", guardianID: "G1", interpreter: "so", bookUntil: deadline, now: now) == .booked)
        #expect(try await store.book(a, eventID: "meet", familyID: "F2", guardianID: "G2", interpreter: nil, bookUntil: deadline, now: now) == .full)
        #expect(try await store.book(b, eventID: "meet", familyID: "F1", guardianID: "G1", interpreter: "so", bookUntil: deadline, now: now) == .moved(from: "3A-1530"))
        // The place F1 left is free again.
        #expect(try await store.book(a, eventID: "meet", familyID: "F2", guardianID: "G2", interpreter: nil, bookUntil: deadline, now: now) == .booked)
        #expect(try await store.book(b, eventID: "meet", familyID: "F1", guardianID: "G1", interpreter: nil, bookUntil: deadline, now: now) == .unchanged)
        #expect(try await store.bookings(eventID: "meet").first { $0.familyID == "F1" }?.interpreter == nil)
        #expect(try await store.cancelBooking(eventID: "meet", group: "3A", familyID: "F1", bookUntil: deadline, now: now) == true)
        #expect(try await store.cancelBooking(eventID: "meet", group: "3A", familyID: "F2", bookUntil: deadline, now: deadline) == nil)
        #expect(try await store.book(b, eventID: "meet", familyID: "F3", guardianID: "G3", interpreter: nil, bookUntil: deadline, now: deadline) == .closed)
        #expect(try await store.bookings(eventID: "meet").map(\.familyID) == ["F2"])
    }
}

/// Permission slips: every signed answer is kept (the latest per child counts), none after the deadline; a family's
/// are exported, erased, and go with the retention cutoff.
struct ConsentStoreTests {
    let now = Date(timeIntervalSince1970: 1_799_000_000)

    func record(_ student: String, _ family: String, _ decision: ConsentDecision, at seconds: TimeInterval) -> ConsentRecord {
        ConsentRecord(
            eventID: "trip", studentID: student, familyID: family, guardianID: "G-\(family)", decision: decision,
            typedName: "Name \(family)", answeredAt: now.addingTimeInterval(seconds))
    }

    @Test func answersAreKeptInOrderAndNoneAfterTheDeadline() async throws {
        let store = try SQLiteFormStore.inMemory()
        let deadline = now.addingTimeInterval(3600)
        #expect(try await store.recordConsent([record("S1", "F1", .refused, at: 0), record("S2", "F1", .given, at: 0)], deadline: deadline, now: now))
        #expect(try await store.recordConsent([record("S1", "F1", .given, at: 60)], deadline: deadline, now: now.addingTimeInterval(60)))
        #expect(try await store.recordConsent([record("S1", "F1", .refused, at: 3600)], deadline: deadline, now: deadline) == false)
        let records = try await store.consents(eventID: "trip")
        #expect(records.map(\.decision) == [.refused, .given, .given])
        #expect(records.first?.typedName == "Name F1" && records.first?.answeredAt == now)
        #expect(ConsentTally.current(records)["S1"]?.decision == .given)
        #expect(try await store.consents(eventID: "other").isEmpty)
    }

    @Test func aFamilysSlipsAreExportedErasedAndExpire() async throws {
        let store = try SQLiteFormStore.inMemory()
        let deadline = now.addingTimeInterval(86_400)
        _ = try await store.recordConsent([record("S1", "F1", .given, at: -100), record("S3", "F2", .given, at: 0)], deadline: deadline, now: now)
        #expect(try await store.records(familyID: "F1").consents.map(\.studentID) == ["S1"])
        #expect(try await store.erase(familyID: "F1") == 1)
        #expect(try await store.consents(eventID: "trip").map(\.familyID) == ["F2"])
        _ = try await store.recordConsent([record("S4", "F3", .refused, at: -200)], deadline: deadline, now: now)
        #expect(try await store.applyRetention(before: now.addingTimeInterval(-1)) == 1)
        #expect(try await store.consents(eventID: "trip").map(\.familyID) == ["F2"])
    }
}
