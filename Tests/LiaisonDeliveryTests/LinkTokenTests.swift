import Foundation
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonDelivery

/// Letters wait in the outbox with link placeholders; the dispatcher draws the tokens as it sends, so no live token
/// is ever at rest (issue 15: "tokens only as hashes at rest").
@Suite struct LinkTokenTests {
    let base = "https://liaison.school.example"

    func letter(_ guardian: String, newsletter: Bool = false) -> Delivery {
        let ack = "\(base)/a/\(LinkPlaceholder.ack)"
        let unsubscribe = "\(base)/u/\(LinkPlaceholder.unsubscribe)"
        let text = "Dear family,\nPlease answer: \(ack)\n" + (newsletter ? "Leave the newsletter: \(unsubscribe)\n" : "")
        let html = "<p>Please <a href=\"\(ack)\">answer</a></p>" + (newsletter ? "<p><a href=\"\(unsubscribe)\">Leave</a></p>" : "")
        var delivery = sampleDelivery(to: "\(guardian.lowercased())@example.net", guardian: guardian)
        delivery.key.occurrence = newsletter ? "news@1" : "trip"
        delivery.eventID = newsletter ? "news" : "trip"
        delivery.notBefore = Date(timeIntervalSinceNow: -1)
        delivery.message = OutboundMessage(
            subject: "Trip", text: text, html: html, language: "en", messageClass: newsletter ? .newsletter : .normal,
            ackURL: ack, unsubscribeURL: newsletter ? unsubscribe : nil)
        return delivery
    }

    func temporaryFolder() -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-links-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func policy() -> RetryPolicy {
        RetryPolicy(maxAttempts: 3, baseDelay: .seconds(60), maxDelay: .seconds(600), deadline: .seconds(3600))
    }

    @Test func tokensAreDrawnWhenSentAndNeverStored() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("liaison.sqlite").path
        let store = try SQLiteOutboxStore(path: path)
        let ledger = try SQLiteAckLedger(path: path)
        let files = try FileChannel(folder: folder.appendingPathComponent("mail").path, composer: testComposer)
        _ = try await store.enqueue([letter("G1"), letter("G2"), letter("G3", newsletter: true)])
        let dispatcher = Dispatcher(store: store, channels: [.email: files], policy: policy(), links: ledger)
        let done = try await dispatcher.drain()
        #expect(done.sent == 3)

        // What went out has real tokens, one per letter, each leading to its guardian; no placeholder left.
        var tokens: [String] = []
        let mail = folder.appendingPathComponent("mail/new")
        for name in try FileManager.default.contentsOfDirectory(atPath: mail.path) {
            let sent = try String(contentsOf: mail.appendingPathComponent(name), encoding: .utf8)
            #expect(!sent.contains(LinkPlaceholder.ack) && !sent.contains(LinkPlaceholder.unsubscribe))
            let found = sent.ranges(of: /\/a\/([A-Za-z0-9_-]{22})/).map { String(sent[$0].dropFirst(3)) }
            let token = try #require(found.first)
            let link = try #require(try await ledger.link(forToken: token))
            #expect(sent.contains("To: ") && link.eventID == (link.guardianID == "G3" ? "news" : "trip"))
            tokens.append(token)
            if link.guardianID == "G3" {
                let leave = try #require(sent.ranges(of: /\/u\/([A-Za-z0-9_-]{22})/).first.map { String(sent[$0].dropFirst(3)) })
                let unsubscribe = try #require(try await ledger.unsubscribeLink(forToken: leave))
                #expect(unsubscribe.guardianID == "G3" && unsubscribe.category == .newsletters && unsubscribe.occurrence == "news@1")
                tokens.append(leave)
            }
        }
        #expect(tokens.count == 4 && Set(tokens).count == 4)

        // At rest: the stored letters still carry placeholders, and no token appears anywhere in the state files.
        for row in try await store.deliveries(matching: DeliveryQuery()) {
            #expect(row.message.ackURL == "\(base)/a/\(LinkPlaceholder.ack)" && row.state == .sent)
        }
        var atRest = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasPrefix("liaison.sqlite") {
            atRest += try Data(contentsOf: folder.appendingPathComponent(name))
        }
        #expect(!atRest.isEmpty)
        for token in tokens { #expect(atRest.range(of: Data(token.utf8)) == nil, "token \(token.prefix(4))… found at rest") }
    }

    /// Without a ledger to draw from, a letter that needs links is not sent with a placeholder: it waits for a retry.
    @Test func aLetterIsNeverSentWithAPlaceholder() async throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteOutboxStore.inMemory()
        let files = try FileChannel(folder: folder.path, composer: testComposer)
        var plain = sampleDelivery(to: "g9@example.net", guardian: "G9")
        plain.notBefore = Date(timeIntervalSinceNow: -1)
        _ = try await store.enqueue([letter("G1"), plain])
        let dispatcher = Dispatcher(store: store, channels: [.email: files], policy: policy())
        let done = try await dispatcher.drain()
        #expect(done.attempted == 2 && done.sent == 1)
        let waiting = try await store.deliveries(matching: DeliveryQuery(guardianID: "G1"))
        #expect(waiting.map(\.state) == [.retry])
        #expect(waiting.first?.lastReply?.contains("no link ledger") == true)
        let written = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("new").path)
        #expect(written.count == 1)
    }

    /// The placeholders are as long as a token and survive every escaping a letter goes through.
    @Test func placeholdersLookLikeTokens() {
        for placeholder in [LinkPlaceholder.ack, LinkPlaceholder.unsubscribe] {
            #expect(placeholder.utf8.count == 22)
            #expect(placeholder.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        }
        let message = letter("G1", newsletter: true).message
        let sent = message.withLinkTokens(ack: "AAAAAAAAAAAAAAAAAAAAAA", unsubscribe: "BBBBBBBBBBBBBBBBBBBBBB")
        #expect(sent.text.count == message.text.count && sent.html?.count == message.html?.count)
        #expect(sent.ackURL == "\(base)/a/AAAAAAAAAAAAAAAAAAAAAA" && sent.unsubscribeURL == "\(base)/u/BBBBBBBBBBBBBBBBBBBBBB")
        #expect(!sent.awaitsLinks && message.awaitsLinks)
    }

    /// The byte search gives what Foundation's `replacingOccurrences` gives, on letters of every script.
    @Test func replacingMatchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        let pieces = [
            LinkPlaceholder.ack, LinkPlaceholder.unsubscribe, "LIAISON-", "LIAISON-ACK-LINK-TOKE", "https://s.example/a/", "مرحبا",
            "Xin chào", "你好", "é", "e\u{301}", "\n", " ", "👩‍👩‍👧", "ACK", "-TOKEN",
        ]
        let pairs = [(placeholder: LinkPlaceholder.ack, token: "tok_ACK-1234567890abcde"), (placeholder: LinkPlaceholder.unsubscribe, token: "u")]
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let expected = text.replacingOccurrences(of: pairs[0].placeholder, with: pairs[0].token)
                .replacingOccurrences(of: pairs[1].placeholder, with: pairs[1].token)
            #expect(LinkPlaceholder.replacing(pairs, in: text) == expected, "\(text.debugDescription)")
        }
    }
}
