import Foundation
import LiaisonModel
import Testing

@testable import LiaisonStore

/// One answer given to `acknowledge`.
private struct Answer: Sendable, Hashable {
    var event: String
    var guardian: String
    var answer: String
    var via: String
    var occurrence: String?
    var at: Date
    var changeUntil: Date?
}

/// The ledger's rules written plainly, one answer at a time, with nothing shared: what every answer must come to.
private struct ReferenceLedger {
    struct Key: Hashable {
        var event: String
        var guardian: String
    }
    var current: [Key: Acknowledgement] = [:]
    var history: [Key: [Acknowledgement]] = [:]

    mutating func acknowledge(_ given: Answer) -> AckOutcome {
        let key = Key(event: given.event, guardian: given.guardian)
        let ack = Acknowledgement(
            eventID: given.event, guardianID: given.guardian, answer: given.answer, at: given.at, via: given.via,
            occurrence: given.occurrence)
        let outcome: AckOutcome
        if let previous = current[key]?.answer {
            if previous == given.answer || given.answer == Acknowledgement.read { return .unchanged }
            if let deadline = given.changeUntil, given.at >= deadline { return .tooLate(deadline: deadline) }
            outcome = .changed(from: previous)
        } else {
            outcome = .recorded
        }
        current[key] = ack
        history[key, default: []].append(ack)
        return outcome
    }
}

extension SQLiteAckLedger {
    fileprivate func acknowledge(_ given: Answer) async throws -> AckOutcome {
        try await acknowledge(
            eventID: given.event, guardianID: given.guardian, answer: given.answer, via: given.via,
            occurrence: given.occurrence, at: given.at, changeUntil: given.changeUntil)
    }

    /// Occupies the writer connection until `released` is true: answers given meanwhile wait for the next commit.
    fileprivate func holdWriter(until released: Locked<Bool>) async throws {
        let entered = Locked(false)
        let ledger = self
        Task.detached {
            try await ledger.writer.write { _ in
                entered.value = true
                while !released.value { usleep(1_000) }
            }
        }
        try await waitUntil { entered.value }
    }
}

private func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(20)
    while !condition() {
        guard Date() < deadline else { throw CancellationError() }
        try await Task.sleep(for: .milliseconds(1))
    }
}

/// Answers for 12 guardians of a trip (deadline at(1_000)) and a survey (no deadline): several per guardian, with
/// changes, the same answer again, read receipts after an RSVP, changes after the deadline and a first answer after it.
private func mixedAnswers() -> [Answer] {
    let deadline = at(1_000)
    let trip = ["attending", "not-attending", "attending", "read", "maybe", "not-attending"]
    let vias = ["page", "sms", "chat", "api"]
    var answers: [Answer] = []
    for round in 0..<6 {
        for g in 0..<12 {
            guard round <= g % 6 else { continue }
            // Guardian 5's and 11's last answers come after the deadline: too late once they have an answer.
            let late = round == 5
            answers.append(
                Answer(
                    event: "trip", guardian: "g\(g)", answer: trip[(round + g) % trip.count], via: vias[(round + g) % vias.count],
                    occurrence: round % 2 == 0 ? "trip" : "trip@r\(round)", at: late ? at(2_000 + Double(g)) : at(Double(round * 10 + g)),
                    changeUntil: deadline))
            if g % 3 == 0 {
                answers.append(
                    Answer(
                        event: "survey", guardian: "g\(g)", answer: round % 2 == 0 ? "yes" : "no", via: "api", occurrence: nil,
                        at: at(Double(round * 100 + g)), changeUntil: nil))
            }
        }
    }
    // A first answer after the deadline is recorded; a change after it is not.
    answers.append(Answer(event: "trip", guardian: "late", answer: "read", via: "page", occurrence: "trip", at: at(3_000), changeUntil: deadline))
    answers.append(Answer(event: "trip", guardian: "late", answer: "attending", via: "sms", occurrence: nil, at: at(3_001), changeUntil: deadline))
    return answers
}

/// Everything a ledger holds for `answers`' guardians and events: current answers and every history.
private func contents(of ledger: SQLiteAckLedger, for answers: [Answer]) async throws
    -> (current: [String: [Acknowledgement]], history: [String: [Acknowledgement]])
{
    var current: [String: [Acknowledgement]] = [:]
    var history: [String: [Acknowledgement]] = [:]
    for event in Set(answers.map(\.event)) {
        current[event] = try await ledger.acknowledgements(eventID: event).sorted { $0.guardianID < $1.guardianID }
    }
    for key in Set(answers.map { "\($0.event)|\($0.guardian)" }) {
        let parts = key.split(separator: "|").map(String.init)
        history[key] = try await ledger.history(eventID: parts[0], guardianID: parts[1])
    }
    return (current, history)
}

private func contents(of reference: ReferenceLedger) -> (current: [String: [Acknowledgement]], history: [String: [Acknowledgement]]) {
    var current: [String: [Acknowledgement]] = [:]
    for (key, ack) in reference.current { current[key.event, default: []].append(ack) }
    for event in current.keys { current[event]!.sort { $0.guardianID < $1.guardianID } }
    var history: [String: [Acknowledgement]] = [:]
    for (key, acks) in reference.history { history["\(key.event)|\(key.guardian)"] = acks }
    return (current, history)
}

@Suite struct AckGroupCommitTests {
    @Test func answersWrittenTogetherAreDecidedAsOneAtATime() async throws {
        let answers = mixedAnswers()
        #expect(answers.count < SQLiteAckLedger.maxAnswersPerCommit)
        var reference = ReferenceLedger()
        let expected = answers.map { reference.acknowledge($0) }
        // The answers cover every outcome, and some guardians have several answers in the one transaction.
        #expect(expected.contains(.recorded) && expected.contains(.unchanged))
        #expect(expected.contains(.tooLate(deadline: at(1_000))))
        #expect(expected.contains { if case .changed = $0 { true } else { false } })

        // The same answers one at a time, each in a transaction of its own.
        let oneByOne = try SQLiteAckLedger.inMemory()
        var sequential: [AckOutcome] = []
        for answer in answers { sequential.append(try await oneByOne.acknowledge(answer)) }
        #expect(sequential == expected)

        // All at once, while the writer is busy: the first waits alone for the writer, the rest arrive (in a known
        // order) while it waits and are written together in the next transaction.
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let ledger = try SQLiteAckLedger(path: folder.storePath)
        let released = Locked(false)
        try await ledger.holdWriter(until: released)
        let outcomes = try await withThrowingTaskGroup(of: (Int, AckOutcome).self) { group in
            for (index, answer) in answers.enumerated() {
                group.addTask { (index, try await ledger.acknowledge(answer)) }
                // The first is taken at once (and waits for the writer); each later one waits in the queue, in order.
                try await waitUntil { ledger.answerQueue == (index, true) }
            }
            released.value = true
            var outcomes = [AckOutcome?](repeating: nil, count: answers.count)
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        #expect(outcomes == expected)

        let (current, history) = contents(of: reference)
        let stored = try await contents(of: ledger, for: answers)
        #expect(stored.current == current)
        #expect(stored.history == history)
        let storedOneByOne = try await contents(of: oneByOne, for: answers)
        #expect(storedOneByOne.current == current)
        #expect(storedOneByOne.history == history)
        // Nothing else was written: one history row per recorded or changed answer.
        let newAnswers = expected.filter { if case .recorded = $0 { true } else if case .changed = $0 { true } else { false } }
        #expect(try await ledger.rawRows("SELECT COUNT(*) FROM ack_history") == [[String(newAnswers.count)]])
    }

    @Test func thousandsOfConcurrentAnswersMatchTheReference() async throws {
        // 680 (event, guardian) pairs answer at once, each their own answers in order (so each guardian's outcomes are known), in
        // transactions of up to maxAnswersPerCommit answers; a second ledger on the file (its own queue, the same pool)
        // writes some of them.
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let ledger = try SQLiteAckLedger(path: folder.storePath)
        let other = try SQLiteAckLedger(path: folder.storePath)
        let perGuardian = mixedAnswers()
        var answers: [[Answer]] = []
        for copy in 0..<40 {
            let guardians = Dictionary(grouping: perGuardian) { "\($0.event)|\($0.guardian)" }
            for (_, given) in guardians.sorted(by: { $0.key < $1.key }) {
                answers.append(given.map { var answer = $0; answer.guardian += "-\(copy)"; return answer })
            }
        }
        #expect(answers.joined().count > 2_000)
        var reference = ReferenceLedger()
        let expected = answers.map { $0.map { reference.acknowledge($0) } }
        let outcomes = try await withThrowingTaskGroup(of: (Int, [AckOutcome]).self) { group in
            for (index, given) in answers.enumerated() {
                group.addTask {
                    var outcomes: [AckOutcome] = []
                    for answer in given { outcomes.append(try await (index % 5 == 0 ? other : ledger).acknowledge(answer)) }
                    return (index, outcomes)
                }
            }
            var outcomes = [[AckOutcome]](repeating: [], count: answers.count)
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        #expect(outcomes == expected)
        let (current, history) = contents(of: reference)
        let stored = try await contents(of: ledger, for: Array(answers.joined()))
        #expect(stored.current == current)
        #expect(stored.history == history)
    }

    @Test func aFailedTransactionFailsEveryCallInItAndRecordsNothing() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        // The writer connection refuses one answer, so the transaction that holds it fails.
        try await ledger.rawExecute(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON ack_history WHEN NEW.answer = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END")
        let released = Locked(false)
        try await ledger.holdWriter(until: released)
        let given = (0..<8).map { g in
            Answer(event: "trip", guardian: "g\(g)", answer: g == 5 ? "refused" : "attending", via: "api", occurrence: nil, at: at(Double(g)), changeUntil: nil)
        }
        // g1 twice: its second answer would change the first, in the same transaction.
        let answers = given + [Answer(event: "trip", guardian: "g1", answer: "not-attending", via: "sms", occurrence: nil, at: at(9), changeUntil: nil)]
        let results = try await withThrowingTaskGroup(of: (Int, Result<AckOutcome, any Error>).self) { group in
            for (index, answer) in answers.enumerated() {
                group.addTask {
                    do { return (index, .success(try await ledger.acknowledge(answer))) } catch { return (index, .failure(error)) }
                }
                try await waitUntil { ledger.answerQueue == (index, true) }
            }
            released.value = true
            var results = [Result<AckOutcome, any Error>?](repeating: nil, count: answers.count)
            for try await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
        // The first answer had its own transaction; every other was in the one that failed.
        #expect(try results[0].get() == .recorded)
        for result in results.dropFirst() {
            #expect(throws: (any Error).self) { try result.get() }
        }
        #expect(try await ledger.acknowledgements(eventID: "trip").map(\.guardianID) == ["g0"])
        #expect(try await ledger.rawRows("SELECT guardian_id FROM ack_history") == [["g0"]])
        // The ledger goes on: the same answers again, without the refused one, are recorded.
        #expect(try await ledger.acknowledge(answers[1]) == .recorded)
        #expect(try await ledger.acknowledge(answers[8]) == .changed(from: "attending"))
        #expect(try await ledger.history(eventID: "trip", guardianID: "g1").map(\.answer) == ["attending", "not-attending"])
    }
}
