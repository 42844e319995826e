import Foundation
import GRDB
import LiaisonModel
import LiaisonTestSupport
import Testing

@testable import LiaisonStore

/// Messages written against a base (the lines they share with another message of their occurrence and language)
/// read back byte for byte, take a fraction of the room, and never depend on a base that was not stored.
@Suite struct MessageBaseTests {
    /// A letter of `lines` lines as a template would write it, with the guardian's name and link in it.
    static func letter(name: String, link: String, lines: Int = 40) -> String {
        var text = "Dear \(name),\n\n"
        for line in 0..<lines { text += "Line \(line) of the letter: \"quoted\", back\\slash, tab\there, \u{2028} — é 😀.\n" }
        text += "I have read this message\n\(link)\n\nWith kind regards,\nThe school office"
        return text
    }

    static func message(_ name: String, language: String = "en-GB") -> OutboundMessage {
        let link = "https://school.example/a/\(name.hashValue.magnitude)"
        return OutboundMessage(
            subject: "Open Day", text: letter(name: name, link: link),
            html: "<!DOCTYPE html>\n<p>Dear \(name),</p>\n" + letter(name: name, link: link).replacingOccurrences(of: "\n", with: "<br>\n"),
            language: language, ackURL: link)
    }

    @Test func aLetterLikeTheBaseTakesAFractionOfTheRoomAndReadsBack() throws {
        let base = BaseMessage(Self.message("Layla"))
        let message = Self.message("Zoë Nguyễn")
        let (json, delta) = MessageJSON.encode(message, against: base)
        #expect(delta)
        #expect(json.utf8.count * 5 < MessageJSON.encode(message).utf8.count, "\(json.utf8.count)")
        #expect(MessageJSON.fastDecode(Data(json.utf8), base: base) == message)
        #expect(try MessageJSON.decode(Data(json.utf8), base: base) == message)
    }

    @Test func aTextThatSharesLittleOrIsShortIsWrittenWhole() {
        let base = BaseMessage(Self.message("Layla"))
        let other = OutboundMessage(
            subject: "Newsletter", text: (0..<60).map { "Week \($0) news\n" }.joined(), html: nil, language: "en-GB")
        let short = OutboundMessage(subject: "SMS", text: "Dear Layla, see you at 9.", html: nil, language: "en-GB")
        for message in [other, short] {
            let (json, delta) = MessageJSON.encode(message, against: base)
            #expect(!delta)
            #expect(json == MessageJSON.encode(message))
        }
    }

    /// Random edits (lines changed, added, removed; CRLF and CR; no final line feed; escapes) of random bases.
    @Test func randomTextsReadBackExactly() throws {
        var generator = SeededGenerator(seed: 20261124)
        let pieces = ["Dear ", "Zoë", "\"", "\\", "\t", "\r", "\r\n", "\u{2028}", "\u{1}", "😀", "مرحبا", "a", " ", "<p>", "&amp;"]
        func line() -> String {
            (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
        }
        var written = 0
        for _ in 0..<400 {
            var lines = (0..<Int.random(in: 0...60, using: &generator)).map { _ in line() }
            let base = lines.joined(separator: "\n") + (Bool.random(using: &generator) ? "\n" : "")
            for _ in 0..<Int.random(in: 0...6, using: &generator) where !lines.isEmpty {
                let at = Int.random(in: 0..<lines.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: lines[at] = line()
                case 1: lines.insert(line(), at: at)
                default: lines.remove(at: at)
                }
            }
            let text = lines.joined(separator: "\n") + (Bool.random(using: &generator) ? "\n" : "")
            let message = OutboundMessage(subject: "S", text: text, html: base + text, language: "en")
            let baseMessage = BaseMessage(OutboundMessage(subject: "B", text: base, html: base, language: "en"))
            let (json, delta) = MessageJSON.encode(message, against: baseMessage)
            if delta { written += 1 }
            #expect(MessageJSON.fastDecode(Data(json.utf8), base: baseMessage) == message, "\(json)")
            // Foundation reads the same JSON whenever it has no delta in it.
            if !delta { #expect(try JSONDecoder().decode(OutboundMessage.self, from: Data(json.utf8)) == message) }
        }
        #expect(written > 100, "only \(written) of 400 were written as deltas")
    }

    @Test func aDeltaThatReachesOutsideItsBaseIsCorrupt() {
        let base = BaseMessage(OutboundMessage(subject: "B", text: "one\ntwo\n", html: nil, language: "en"))
        for text in [#"[[0,3]]"#, #"[[2,1]]"#, #"[[0,0]]"#, #"[[1]]"#, #"[[0,1],]"#, #"[0]"#, #"[[-1,1]]"#, #"[[0,1]"#] {
            let json = #"{"subject":"S","text":\#(text),"language":"en","messageClass":"normal"}"#
            #expect(MessageJSON.fastDecode(Data(json.utf8), base: base) == nil, "\(text)")
            #expect(throws: OutboxStoreError.self) { try MessageJSON.decode(Data(json.utf8), base: base) }
        }
        // Without its base a delta does not read at all.
        let json = #"{"subject":"S","text":[[0,1]],"language":"en","messageClass":"normal"}"#
        #expect(throws: (any Error).self) { try MessageJSON.decode(Data(json.utf8), decoder: JSONDecoder()) }
        #expect(MessageJSON.fastDecode(Data(#"{"subject":"S","text":[[0,1],"three\n"],"language":"en","messageClass":"normal"}"#.utf8), base: base)?.text == "one\nthree\n")
    }

    static func deliveries(_ occurrence: String, _ names: [String], language: String = "en-GB") -> [Delivery] {
        names.map { name in
            var delivery = makeDelivery(key(occurrence, name))
            delivery.message = message(name, language: language)
            return delivery
        }
    }

    /// Rows, bases and bytes of message bodies in the file.
    static func census(_ path: String) throws -> (rows: Int, bases: Int, bodyBytes: Int, whole: Int) {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message_bases")!,
             try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(LENGTH(CAST(body AS BLOB))), 0) FROM messages")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages WHERE base_id IS NULL")!)
        }
    }

    @Test func theStoreKeepsOneBasePerOccurrenceAndLanguageAndReadsEveryMessageBack() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let english = Self.deliveries("open-day", (0..<40).map { "Parent \($0)" })
        let arabic = Self.deliveries("open-day", (40..<60).map { "ولي الأمر \($0)" }, language: "ar")
        let store = try SQLiteOutboxStore(path: folder.storePath)
        #expect(try await store.enqueue(english + arabic).count == 60)
        var census = try Self.census(folder.storePath)
        #expect(census.bases == 2)
        #expect(census.whole == 0)
        let wholeBytes = (english + arabic).map { MessageJSON.encode($0.message).utf8.count }.reduce(0, +)
        #expect(census.bodyBytes * 4 < wholeBytes, "\(census.bodyBytes) of \(wholeBytes)")
        // A later batch of the same occurrence uses the same bases.
        let more = Self.deliveries("open-day", ["Late 1", "Late 2"])
        _ = try await store.enqueue(more)
        census = try Self.census(folder.storePath)
        #expect(census.bases == 2)
        // Everything reads back exactly: claimed, listed, one by one, and from a store that has to read the bases from the file.
        let all = english + arabic + more
        let claimed = try await store.claim(limit: 100, channels: nil, now: at(1))
        #expect(Dictionary(uniqueKeysWithValues: claimed.map { ($0.key, $0.message) }) == Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0.message) }))
        let reopened = try SQLiteOutboxStore(path: folder.storePath)
        let listed = try await reopened.deliveries(matching: .all)
        #expect(listed.map(\.message) == all.map(\.message))
        for delivery in all.shuffled().prefix(5) {
            #expect(try await reopened.delivery(delivery.key)?.message == delivery.message)
        }
    }

    @Test func noBaseIsStoredForRowsThatWereAlreadyThere() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let letters = Self.deliveries("trip", ["a", "b", "c"])
        _ = try await SQLiteOutboxStore(path: folder.storePath).enqueue(letters)
        // A new process (no bases remembered) enqueues the same keys: nothing new, not even a base.
        #expect(try await SQLiteOutboxStore(path: folder.storePath).enqueue(letters).isEmpty)
        #expect(try Self.census(folder.storePath).bases == 1)
    }

    @Test func aRevisedMessageIsStoredWhole() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        let store = try SQLiteOutboxStore(path: folder.storePath)
        let letters = Self.deliveries("trip", ["a", "b"])
        _ = try await store.enqueue(letters)
        var revised = letters[1]
        revised.message = Self.message("b, again")
        #expect(try await store.revise(revised, now: at(5)))
        #expect(try await store.delivery(revised.key)?.message == revised.message)
        #expect(try await store.delivery(letters[0].key)?.message == letters[0].message)
        #expect(try Self.census(folder.storePath).whole == 1)
    }

    @Test func aRowWhoseBaseIsMissingIsReportedNotGuessed() async throws {
        let folder = TemporaryFolder()
        defer { folder.cleanUp() }
        _ = try await SQLiteOutboxStore(path: folder.storePath).enqueue(Self.deliveries("trip", ["a", "b"]))
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false  // as a damaged file, or another tool, could leave it
        let queue = try DatabaseQueue(path: folder.storePath, configuration: configuration)
        try await queue.write { db in try db.execute(sql: "UPDATE messages SET base_id = 99") }
        let store = try SQLiteOutboxStore(path: folder.storePath)
        await #expect(throws: OutboxStoreError.self) { try await store.deliveries(matching: .all) }
    }
}
