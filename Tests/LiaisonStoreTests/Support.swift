import Foundation
import LiaisonModel
@testable import LiaisonStore

/// A fixed moment, whole seconds so dates round-trip exactly.
let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

func key(_ occurrence: String, _ guardian: String, _ channel: ChannelKind = .email) -> DeliveryKey {
    DeliveryKey(occurrence: occurrence, guardianID: guardian, channel: channel)
}

func makeDelivery(
    _ key: DeliveryKey, event: String? = nil, priority: Priority = .normal, notBefore: Date = t0, deadline: Date? = nil,
    createdAt: Date = t0, address: String = "parent@example.org", text: String = "Hello"
) -> Delivery {
    Delivery(
        key: key, eventID: event ?? key.occurrence.split(separator: "@").first.map(String.init) ?? key.occurrence,
        address: address, recipientName: "Parent \(key.guardianID)", priority: priority, notBefore: notBefore,
        deadline: deadline, createdAt: createdAt,
        message: OutboundMessage(
            subject: "Subject \(key.occurrence)", text: text, html: "<p>\(text)</p>", language: "en-GB",
            ackURL: "https://school.example/ack/\(key.guardianID)"))
}

func makeAttempt(_ delivery: Delivery, outcome: AttemptOutcome, reply: String = "250 OK", finishedAt: Date = at(1)) -> DeliveryAttempt {
    DeliveryAttempt(
        key: delivery.key, number: delivery.attempts, startedAt: finishedAt.addingTimeInterval(-1), finishedAt: finishedAt,
        target: "smtp://relay.example", outcome: outcome, reply: reply)
}

func result(_ delivery: Delivery, _ state: DeliveryState, reply: String = "250 OK", notBefore: Date? = nil, finishedAt: Date = at(1))
    -> DeliveryResult
{
    let outcome: AttemptOutcome =
        switch state {
        case .sent: .sent
        case .retry: .retry
        default: .failed
        }
    return DeliveryResult(
        key: delivery.key, attempt: makeAttempt(delivery, outcome: outcome, reply: reply, finishedAt: finishedAt), newState: state,
        notBefore: notBefore, token: delivery.claim?.token)
}

/// The owner of claims made by these tests.
let testOwner = "test-process"

/// A lease that ends at the claim itself, for tests of what a crash leaves: recovery at any later moment takes the
/// rows back. (Tests of live leases pass their own.)
func testLease(_ now: Date, owner: String = testOwner) -> ClaimLease {
    ClaimLease(owner: owner, expires: now)
}

extension OutboxStore {
    /// A claim of any priority for ``testOwner`` (see ``testLease(_:owner:)``).
    func claim(limit: Int, channels: Set<ChannelKind>?, now: Date) async throws -> [Delivery] {
        try await claim(limit: limit, channels: channels, priority: nil, now: now, lease: testLease(now))
    }

    func enqueueAndClaim(_ deliveries: [Delivery], now: Date) async throws -> (inserted: [DeliveryKey], claimed: [Delivery]) {
        try await enqueueAndClaim(deliveries, now: now, lease: testLease(now))
    }

    /// Recovery at `now` of what a crash left (every test lease has run out by then).
    func recoverInterrupted(now: Date) async throws -> Int {
        try await recoverExpired(leaseNow: now, gone: [])
    }
}

/// A fresh folder (not yet created) for a store file; removed by `cleanUp`.
struct TemporaryFolder {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-store-tests")
            .appendingPathComponent(UUID().uuidString)
    }

    /// A file two folders down, so the store has to create them.
    var storePath: String { url.appendingPathComponent("var/spool/outbox.sqlite").path }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
