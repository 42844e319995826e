import Foundation
import LiaisonModel
import Testing

@testable import LiaisonStore

/// The bytes of a base64url token (no padding), or nil.
private func tokenBytes(_ token: String) -> [UInt8]? {
    var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return Data(base64Encoded: base64).map(Array.init)
}

private let base64url = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

private func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }

extension SQLiteAckLedger {
    /// `acknowledge` with the test defaults: through the page, no message, no deadline.
    fileprivate func ack(
        _ event: String, _ guardian: String, _ answer: String, at date: Date, via: String = "page", occurrence: String? = nil,
        changeUntil: Date? = nil
    ) async throws -> AckOutcome {
        try await acknowledge(
            eventID: event, guardianID: guardian, answer: answer, via: via, occurrence: occurrence, at: date,
            changeUntil: changeUntil)
    }
}

@Suite struct AckTokenTests {
    @Test func base64URLMatchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<40 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == expected)
        }
        #expect(SQLiteAckLedger.newToken().count == 22)
    }

    /// Tokens drawn in one request for a whole batch are as random as single ones: distinct, half their bits set.
    @Test func batchTokensAreDistinctAndBalanced() throws {
        let tokens = SQLiteAckLedger.newTokens(2_000)
        #expect(tokens.count == 2_000 && Set(tokens).count == 2_000)
        var ones = 0
        for token in tokens {
            let bytes = try #require(tokenBytes(token))
            #expect(bytes.count == 16)
            ones += bytes.reduce(0) { $0 + $1.nonzeroBitCount }
        }
        // 256,000 bits: the count of ones is within 6 standard deviations (6 × 253) of half.
        #expect(abs(ones - 128_000) < 1_520, "\(ones) ones")
        #expect(SQLiteAckLedger.newTokens(0).isEmpty)
    }

    @Test func tokensAreLongRandomBase64URL() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        var tokens: [String] = []
        for i in 0..<1_000 {
            tokens.append(try await ledger.issueToken(eventID: "trip", occurrence: "trip", guardianID: "g\(i % 7)", now: t0))
        }
        #expect(Set(tokens).count == 1_000)
        var ones = 0
        var charactersSeen = Set<Character>()
        var charactersAtPosition = Array(repeating: Set<Character>(), count: 21)
        for token in tokens {
            #expect(token.count == 22)  // 128 bits, no padding
            #expect(token.allSatisfy(base64url.contains))
            let bytes = try #require(tokenBytes(token))
            #expect(bytes.count == 16)
            ones += bytes.reduce(0) { $0 + $1.nonzeroBitCount }
            charactersSeen.formUnion(token)
            // The 22nd character carries only 2 bits of the 128.
            for (position, character) in token.prefix(21).enumerated() { charactersAtPosition[position].insert(character) }
        }
        // 128,000 random bits: half set, give or take well over ten standard deviations (±181 each).
        #expect(abs(ones - 64_000) < 2_500)
        #expect(charactersSeen == base64url)
        #expect(charactersAtPosition.allSatisfy { $0.count == 64 })
    }

    @Test func everyTokenIssuedStaysValid() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        let first = try await ledger.issueToken(eventID: "trip", occurrence: "trip@reminder", guardianID: "g1", now: at(1))
        let second = try await ledger.issueToken(eventID: "trip", occurrence: "trip@reminder", guardianID: "g1", now: at(2))
        let other = try await ledger.issueToken(eventID: "fair", occurrence: "fair", guardianID: "g2", now: at(3))
        #expect(first != second)
        #expect(
            try await ledger.link(forToken: first)
                == AckLink(eventID: "trip", guardianID: "g1", occurrence: "trip@reminder", createdAt: at(1)))
        #expect(
            try await ledger.link(forToken: second)
                == AckLink(eventID: "trip", guardianID: "g1", occurrence: "trip@reminder", createdAt: at(2)))
        #expect(try await ledger.link(forToken: other) == AckLink(eventID: "fair", guardianID: "g2", occurrence: "fair", createdAt: at(3)))
    }

    @Test func onlyTheHashIsStored() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        var tokens: [String] = []
        do {
            let ledger = try SQLiteAckLedger(path: folder.storePath)
            for i in 0..<20 {
                tokens.append(try await ledger.issueToken(eventID: "trip", occurrence: "trip", guardianID: "g\(i)", now: t0))
            }
            let rows = try await ledger.rawRows("SELECT * FROM ack_links ORDER BY id")
            #expect(rows.count == 20)
            let everything = rows.flatMap { $0 }.joined(separator: "|")
            for (token, row) in zip(tokens, rows) {
                #expect(!everything.contains(token))
                #expect(!everything.lowercased().contains(token.lowercased()))
                // token_hash (the second column) is the SHA-256 of the token, 32 bytes.
                #expect(row[1] == hex(SQLiteAckLedger.hash(token)))
                #expect(row[1].count == 64)
            }
        }
        // Nor anywhere in the file or its write-ahead log.
        let folderURL = URL(fileURLWithPath: folder.storePath).deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(at: folderURL, includingPropertiesForKeys: nil)
        #expect(!files.isEmpty)
        for file in files {
            let bytes = try Data(contentsOf: file)
            for token in tokens {
                #expect(bytes.range(of: Data(token.utf8)) == nil, "\(token) in \(file.lastPathComponent)")
            }
        }
    }

    @Test func unknownAndMalformedTokensFindNothing() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        let token = try await ledger.issueToken(eventID: "trip", occurrence: "trip", guardianID: "g1", now: t0)
        let lastSwapped = String(token.dropLast()) + (token.last == "A" ? "B" : "A")
        let firstSwapped = (token.first == "A" ? "B" : "A") + String(token.dropFirst())
        let garbage = [
            "", "a", "=", String(token.dropLast()), token + "A", token + "=", token + "==", " " + token, token + "\n",
            token.uppercased() == token ? token.lowercased() : token.uppercased(), lastSwapped, firstSwapped,
            token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "+/",
            SQLiteAckLedger.newToken(), "' OR 1=1 --", "%", "\u{0}", "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂",
            String(repeating: "A", count: 22), String(repeating: "x", count: 100_000), hex(SQLiteAckLedger.hash(token)),
        ]
        for input in garbage {
            #expect(try await ledger.link(forToken: input) == nil, "\(input.prefix(40))")
        }
        #expect(try await ledger.link(forToken: token) != nil)
    }
}

@Suite struct AckAnswerTests {
    @Test func recordedUnchangedChangedTooLateWithHistory() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        let start = at(1_000)
        #expect(try await ledger.ack("trip", "g1", "attending", at: at(10), occurrence: "trip", changeUntil: start) == .recorded)
        #expect(try await ledger.ack("trip", "g1", "attending", at: at(20), via: "sms", changeUntil: start) == .unchanged)
        #expect(
            try await ledger.ack("trip", "g1", "not-attending", at: at(30), via: "chat", occurrence: "trip@r1", changeUntil: start)
                == .changed(from: "attending"))
        // A change at or after the event's start is refused, and nothing is recorded.
        #expect(try await ledger.ack("trip", "g1", "attending", at: start, changeUntil: start) == .tooLate(deadline: start))
        #expect(try await ledger.ack("trip", "g1", "attending", at: at(2_000), changeUntil: start) == .tooLate(deadline: start))
        // The same answer after the deadline is simply already there.
        #expect(try await ledger.ack("trip", "g1", "not-attending", at: at(2_000), changeUntil: start) == .unchanged)

        let current = Acknowledgement(
            eventID: "trip", guardianID: "g1", answer: "not-attending", at: at(30), via: "chat", occurrence: "trip@r1")
        #expect(try await ledger.acknowledgement(eventID: "trip", guardianID: "g1") == current)
        #expect(
            try await ledger.history(eventID: "trip", guardianID: "g1") == [
                Acknowledgement(eventID: "trip", guardianID: "g1", answer: "attending", at: at(10), via: "page", occurrence: "trip"),
                current,
            ])
        // Changing back before the deadline is a change like any other.
        #expect(try await ledger.ack("trip", "g1", "attending", at: at(40), changeUntil: start) == .changed(from: "not-attending"))
        #expect(try await ledger.history(eventID: "trip", guardianID: "g1").map(\.answer) == ["attending", "not-attending", "attending"])
        #expect(try await ledger.acknowledgement(eventID: "trip", guardianID: "g2") == nil)
        #expect(try await ledger.history(eventID: "trip", guardianID: "g2") == [])
    }

    @Test func noDeadlineMeansAnswersMayAlwaysChange() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        #expect(try await ledger.ack("survey", "g1", "yes", at: at(10)) == .recorded)
        #expect(try await ledger.ack("survey", "g1", "no", at: at(1_000_000)) == .changed(from: "yes"))
    }

    @Test func aFirstAnswerAfterTheDeadlineIsRecorded() async throws {
        // The deadline limits changes: a late first answer (a read receipt of a past event) is still worth knowing.
        let ledger = try SQLiteAckLedger.inMemory()
        #expect(try await ledger.ack("trip", "g1", "read", at: at(2_000), changeUntil: at(1_000)) == .recorded)
        #expect(try await ledger.ack("trip", "g1", "attending", at: at(2_001), changeUntil: at(1_000)) == .tooLate(deadline: at(1_000)))
        #expect(try await ledger.history(eventID: "trip", guardianID: "g1").map(\.answer) == ["read"])
    }

    @Test func readingNeverReplacesAnAnswer() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        #expect(try await ledger.ack("trip", "g1", "read", at: at(1), occurrence: "trip") == .recorded)
        #expect(try await ledger.ack("trip", "g1", "attending", at: at(2), occurrence: "trip") == .changed(from: "read"))
        // Opening the reminder later keeps the RSVP.
        #expect(try await ledger.ack("trip", "g1", "read", at: at(3), occurrence: "trip@r1") == .unchanged)
        #expect(try await ledger.acknowledgement(eventID: "trip", guardianID: "g1")?.answer == "attending")
        #expect(try await ledger.history(eventID: "trip", guardianID: "g1").map(\.answer) == ["read", "attending"])
    }

    @Test func oneAnswerPerGuardianAcrossMessagesAndChannels() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        // The email of the announcement, the SMS of a reminder, the chat message of another: one event.
        let email = try await ledger.issueToken(eventID: "trip", occurrence: "trip", guardianID: "g1", now: at(0))
        let sms = try await ledger.issueToken(eventID: "trip", occurrence: "trip@2027-06-09T17:00Z", guardianID: "g1", now: at(5))
        for (token, via) in [(email, "page"), (sms, "sms")] {
            let link = try #require(try await ledger.link(forToken: token))
            let outcome = try await ledger.acknowledge(
                eventID: link.eventID, guardianID: link.guardianID, answer: "read", via: via, occurrence: link.occurrence,
                at: at(via == "page" ? 10 : 20), changeUntil: nil)
            #expect(outcome == (via == "page" ? .recorded : .unchanged))
        }
        #expect(try await ledger.ack("trip", "g1", "read", at: at(30), via: "chat", occurrence: "trip@other") == .unchanged)
        #expect(try await ledger.ack("trip", "g2", "read", at: at(15), via: "staff") == .recorded)
        #expect(try await ledger.ack("fair", "g1", "read", at: at(16), via: "api") == .recorded)

        #expect(
            try await ledger.acknowledgements(eventID: "trip") == [
                Acknowledgement(eventID: "trip", guardianID: "g1", answer: "read", at: at(10), via: "page", occurrence: "trip"),
                Acknowledgement(eventID: "trip", guardianID: "g2", answer: "read", at: at(15), via: "staff", occurrence: nil),
            ])
        #expect(try await ledger.history(eventID: "trip", guardianID: "g1").count == 1)
        #expect(try await ledger.acknowledgements(eventID: "fair").map(\.guardianID) == ["g1"])
        #expect(try await ledger.acknowledgements(eventID: "none") == [])
        #expect(try await ledger.rawRows("SELECT COUNT(*) FROM acks WHERE event_id = 'trip' AND guardian_id = 'g1'") == [["1"]])
    }

    @Test func firstAcknowledgementIsTheEarliestSince() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        #expect(try await ledger.firstAcknowledgement(eventID: "lockdown", since: t0) == nil)
        // Recorded out of time order (an SMS reply processed late), plus noise from another event.
        _ = try await ledger.ack("lockdown", "g2", "read", at: at(30), via: "sms")
        _ = try await ledger.ack("lockdown", "g1", "read", at: at(10), via: "page", occurrence: "lockdown@step1")
        _ = try await ledger.ack("lockdown", "g3", "read", at: at(20), via: "chat")
        _ = try await ledger.ack("lockdown", "g4", "read", at: at(20), via: "api")
        _ = try await ledger.ack("drill", "g9", "read", at: at(1), via: "page")
        // A later change does not move the first answer.
        _ = try await ledger.ack("lockdown", "g1", "safe", at: at(40), via: "staff")

        let first = try #require(try await ledger.firstAcknowledgement(eventID: "lockdown", since: t0))
        #expect(first == Acknowledgement(eventID: "lockdown", guardianID: "g1", answer: "read", at: at(10), via: "page", occurrence: "lockdown@step1"))
        #expect(try await ledger.firstAcknowledgement(eventID: "lockdown", since: at(10))?.guardianID == "g1")  // inclusive
        // Two at the same moment: the one recorded first.
        #expect(try await ledger.firstAcknowledgement(eventID: "lockdown", since: at(11))?.guardianID == "g3")
        #expect(try await ledger.firstAcknowledgement(eventID: "lockdown", since: at(21))?.guardianID == "g2")
        #expect(try await ledger.firstAcknowledgement(eventID: "lockdown", since: at(31))?.answer == "safe")
        #expect(try await ledger.firstAcknowledgement(eventID: "lockdown", since: at(41)) == nil)
        #expect(try await ledger.firstAcknowledgement(eventID: "drill", since: t0)?.guardianID == "g9")
        // Current answers come in time order.
        #expect(try await ledger.acknowledgements(eventID: "lockdown").map(\.guardianID) == ["g3", "g4", "g2", "g1"])
    }

    @Test func historyCannotBeEditedOrDeleted() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        _ = try await ledger.ack("trip", "g1", "attending", at: at(1))
        await #expect(throws: (any Error).self) { try await ledger.rawExecute("DELETE FROM ack_history") }
        await #expect(throws: (any Error).self) { try await ledger.rawExecute("UPDATE ack_history SET answer = 'x'") }
        await #expect(throws: (any Error).self) {
            try await ledger.rawExecute(
                "INSERT INTO acks (event_id, guardian_id, answer, at, via) VALUES ('trip', 'g1', 'x', 0, 'api')")
        }
        #expect(try await ledger.history(eventID: "trip", guardianID: "g1").map(\.answer) == ["attending"])
    }
}

@Suite struct AckConcurrencyTests {
    @Test func manyAnswersAtOnceForOneGuardian() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let ledger = try SQLiteAckLedger(path: folder.storePath)
        let answers = ["attending", "not-attending", "maybe"]
        let outcomes = try await withThrowingTaskGroup(of: AckOutcome.self) { group in
            for i in 0..<120 {
                group.addTask {
                    try await ledger.ack("trip", "g1", answers[i % 3], at: at(Double(i)), via: i % 2 == 0 ? "page" : "sms")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .recorded }.count == 1)
        let changes = outcomes.compactMap { outcome -> String? in
            if case .changed(let from) = outcome { return from }
            return nil
        }
        let history = try await ledger.history(eventID: "trip", guardianID: "g1")
        #expect(history.count == 1 + changes.count)
        // Each change replaced the answer just before it in the history.
        #expect(changes.sorted() == history.dropLast().map(\.answer).sorted())
        for (previous, next) in zip(history, history.dropFirst()) { #expect(previous.answer != next.answer) }
        #expect(try await ledger.acknowledgement(eventID: "trip", guardianID: "g1") == history.last)
    }

    @Test func manyGuardiansOnManyChannelsAtOnce() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let ledger = try SQLiteAckLedger(path: folder.storePath)
        // A second ledger on the same file, as another process would be.
        let other = try SQLiteAckLedger(path: folder.storePath)
        let outcomes = try await withThrowingTaskGroup(of: (String, AckOutcome).self) { group in
            for guardian in 0..<60 {
                for (n, via) in ["page", "sms", "chat"].enumerated() {
                    group.addTask {
                        let target = n == 1 ? other : ledger
                        let token = try await target.issueToken(
                            eventID: "fair", occurrence: "fair@\(via)", guardianID: "g\(guardian)", now: t0)
                        let link = try #require(try await target.link(forToken: token))
                        let outcome = try await target.acknowledge(
                            eventID: link.eventID, guardianID: link.guardianID, answer: "read", via: via,
                            occurrence: link.occurrence, at: at(Double(n)), changeUntil: nil)
                        _ = try await target.firstAcknowledgement(eventID: "fair", since: t0)
                        return (link.guardianID, outcome)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 180)
        let recorded = outcomes.filter { $0.1 == .recorded }.map(\.0)
        #expect(recorded.count == 60)
        #expect(Set(recorded).count == 60)
        #expect(outcomes.filter { $0.1 == .unchanged }.count == 120)
        #expect(try await ledger.acknowledgements(eventID: "fair").count == 60)
        #expect(try await other.rawRows("SELECT COUNT(*) FROM ack_history") == [["60"]])
        #expect(try await other.rawRows("SELECT COUNT(DISTINCT token_hash) FROM ack_links") == [["180"]])
    }
}

@Suite struct AckFileTests {
    @Test func aFileLedgerUsesWALAndFullSync() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let ledger = try SQLiteAckLedger(path: folder.storePath)
        #expect(ledger.path == folder.storePath)
        #expect(try ledger.pragma("journal_mode") == "wal")
        #expect(try ledger.pragma("synchronous") == "2")  // FULL
        #expect(try ledger.pragma("busy_timeout") == "30000")
    }

    @Test func everythingSurvivesReopening() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let token: String
        do {
            let ledger = try SQLiteAckLedger(path: folder.storePath)
            token = try await ledger.issueToken(eventID: "trip", occurrence: "trip", guardianID: "g1", now: at(1))
            _ = try await ledger.ack("trip", "g1", "attending", at: at(2), occurrence: "trip")
            _ = try await ledger.ack("trip", "g1", "not-attending", at: at(3), via: "sms")
        }
        let reopened = try SQLiteAckLedger(path: folder.storePath)
        #expect(try await reopened.link(forToken: token) == AckLink(eventID: "trip", guardianID: "g1", occurrence: "trip", createdAt: at(1)))
        #expect(
            try await reopened.acknowledgement(eventID: "trip", guardianID: "g1")
                == Acknowledgement(eventID: "trip", guardianID: "g1", answer: "not-attending", at: at(3), via: "sms"))
        #expect(try await reopened.history(eventID: "trip", guardianID: "g1").map(\.answer) == ["attending", "not-attending"])
        #expect(try await reopened.firstAcknowledgement(eventID: "trip", since: t0)?.at == at(2))
        #expect(try await reopened.ack("trip", "g1", "not-attending", at: at(4)) == .unchanged)
    }

    @Test func theOutboxAndTheLedgerShareOneFile() async throws {
        for outboxFirst in [true, false] {
            let folder = TemporaryFolder()
            defer { folder.cleanUp() }
            let delivery = makeDelivery(key("trip", "g1"))
            do {
                let outbox: SQLiteOutboxStore
                let ledger: SQLiteAckLedger
                if outboxFirst {
                    outbox = try SQLiteOutboxStore(path: folder.storePath)
                    ledger = try SQLiteAckLedger(path: folder.storePath)
                } else {
                    ledger = try SQLiteAckLedger(path: folder.storePath)
                    outbox = try SQLiteOutboxStore(path: folder.storePath)
                }
                #expect(try await outbox.enqueue([delivery]) == [delivery.key])
                let token = try await ledger.issueToken(eventID: "trip", occurrence: "trip", guardianID: "g1", now: t0)
                #expect(try await ledger.link(forToken: token)?.occurrence == "trip")
                let claimed = try await outbox.claim(limit: 10, channels: nil, now: at(1))
                #expect(claimed.map(\.key) == [delivery.key])
                #expect(try await ledger.ack("trip", "g1", "attending", at: at(2), occurrence: "trip") == .recorded)
                try await outbox.complete([result(claimed[0], .sent, finishedAt: at(3))])
            }
            // Reopened, in the other order: both find their data and neither migration runs again.
            let ledger = try SQLiteAckLedger(path: folder.storePath)
            let outbox = try SQLiteOutboxStore(path: folder.storePath)
            #expect(try await outbox.delivery(delivery.key)?.state == .sent)
            #expect(try await ledger.acknowledgement(eventID: "trip", guardianID: "g1")?.answer == "attending")
            #expect(
                try await ledger.rawRows("SELECT identifier FROM grdb_migrations ORDER BY identifier") == [["ack-v1"], ["ack-v2-retention"], ["optout-v1"], ["outbox-v2"], ["outbox-v3"], ["outbox-v4"], ["outbox-v5"], ["v1"]])
            #expect(try outbox.pragma("journal_mode") == "wal")
        }
    }
}
