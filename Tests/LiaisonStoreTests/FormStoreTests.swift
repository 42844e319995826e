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

        let rows = try await store.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM form_anonymous") }
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
        let marks = try await store.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM form_answered") }
        #expect(marks.map { $0["day"] as String } == [SQLiteFormStore.day(now, in: london)])
        let responses = try await store.responses(eventID: "autumn")
        #expect(responses.map(\.familyID) == [nil])
        #expect(responses.first?.groups == ["3A"])
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
