import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonDelivery
import LiaisonModel
import LiaisonStore

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render an event for its audience, put it in the outbox, and deliver it.",
        discussion: """
            Each (event, guardian, channel) is queued once: sending the same event again delivers only what is \
            not in the outbox yet. Normal messages wait for a guardian's quiet hours to end.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The event id from the schedule.")
    var event: String

    @Flag(help: "Render everything and write the messages as files into a dry-run folder; nothing is sent or queued.")
    var dryRun = false

    @Option(help: "Send only to this guardian id.")
    var only: String?

    /// Guardians rendered and queued at a time while earlier ones are being sent. Smaller chunks keep less in
    /// flight between the stages: with 250, 10,000 letters went out in 1.21 s against 1.30 s with 500 and
    /// 1.33 s with 1,000 (alternated runs, bench/README.md).
    static let chunkSize = 250

    func run() async throws {
        let snapshot = try loadSchool(options, strict: true)
        let event = try snapshot.requireEvent(event)
        let settings = snapshot.configuration.delivery
        let now = Date()
        let store: any OutboxStore
        let channelSet: ChannelSet
        if dryRun {
            let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
            let folder = (settings.filesFolder as NSString).deletingLastPathComponent + "/dry-run/\(event.id)-\(stamp)"
            channelSet = try ChannelSet.make(settings: settings, school: snapshot.school, fileFolder: folder, filesOnly: true)
            store = try SQLiteOutboxStore.inMemory()
        } else {
            channelSet = try ChannelSet.make(settings: settings, school: snapshot.school)
            store = try SQLiteOutboxStore(path: settings.sqlitePath)
            let recovered = try await store.recoverInterrupted(now: now)
            if recovered > 0 { printError("Recovered \(recovered) delivery(ies) left in flight by an earlier run; they will be tried again.") }
        }
        for line in channelSet.summary { printError("channel \(line)") }

        let planner = OutboxPlanner(
            renderer: snapshot.renderer, roster: snapshot.roster, progress: snapshot.progressByStudent,
            available: Set(channelSet.channels.keys))
        let signer = try LinkSigner.load(path: (settings.sqlitePath as NSString).deletingLastPathComponent + "/link-secret")
        let base = (snapshot.school.baseURL?.absoluteString ?? "https://liaison.invalid").trimmingSuffix("/")
        // One acknowledgement link per guardian and occurrence, issued only for deliveries not queued before
        // (the ledger keeps only the token's hash).
        let occurrence = event.id
        let queued = Set(try await store.deliveries(matching: DeliveryQuery(eventID: event.id)).map(\.key.guardianID))
        // Issued chunk by chunk, so the first families are being reached while later tokens are still being made.
        let ledger = dryRun ? nil : try SQLiteAckLedger(path: settings.sqlitePath)
        let recipients = event.audience.recipients(in: snapshot.roster).filter { only == nil || $0.guardian.id == only }
        if let only, recipients.isEmpty {
            printError("Guardian \(only) is not in the audience of \(event.id).")
            throw ExitCode(1)
        }
        let expected = recipients.reduce(0) { $0 + planner.channels(for: $1.guardian, priority: event.priority).count }
        let dispatcher = Dispatcher(store: store, channels: channelSet.channels, policy: settings.retry)
        let bar = ProgressBar(total: expected)
        // Three stages overlap, each handing batches to the next through a short queue (so memory stays bounded
        // however large the school): rendering a chunk, writing it to the outbox (durably, claimed in the same
        // transaction), and sending. A chunk renders while the one before is being written and earlier ones sent.
        let rendered = BatchQueue<[Delivery]>(capacity: 1)
        let claimed = BatchQueue<[Delivery]>(capacity: 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { rendered.finish() }
                let chunks = stride(from: 0, to: recipients.count, by: Self.chunkSize).map {
                    Array(recipients[$0..<min($0 + Self.chunkSize, recipients.count)])
                }
                @Sendable func issueTokens(_ index: Int) -> Task<[String: String], any Error>? {
                    guard index < chunks.count, let ledger else { return nil }
                    let fresh = chunks[index].map(\.guardian.id).filter { !queued.contains($0) }
                    return Task { try await ledger.issueTokens(eventID: event.id, occurrence: occurrence, guardianIDs: fresh, now: now) }
                }
                // The next chunk's tokens are written while this chunk renders (if the run stops early, tokens of
                // a chunk never queued stay unused in the ledger: harmless, they are found only by their hash).
                var upcoming = issueTokens(0)
                defer { upcoming?.cancel() }
                for (index, chunk) in chunks.enumerated() {
                    let tokens = try await upcoming?.value ?? [:]
                    upcoming = issueTokens(index + 1)
                    let (deliveries, problems) = await planner.plan(
                        event, recipients: chunk, occurrence: occurrence, sendAt: now, now: now,
                        ackURL: { tokens[$0.id].map { "\(base)/a/\($0)" } },
                        unsubscribeURL: { "\(base)/u/\(signer.token(purpose: "unsubscribe", subject: $0.id))" })
                    for problem in problems { printError("not sent: \(problem)") }
                    guard await rendered.push(deliveries) else { return }
                }
            }
            group.addTask {
                // Finishing, even after an error, lets the sending stage send every chunk claimed so far; closing
                // releases the rendering stage.
                defer { claimed.finish() }
                defer { rendered.close() }
                var total = 0
                var inserted = 0
                while let deliveries = await rendered.next() {
                    let queued = try await store.enqueueAndClaim(deliveries, now: Date())
                    total += deliveries.count
                    inserted += queued.inserted.count
                    // Refused only when sending stopped with an error: these rows stay claimed (`sending`) and are
                    // put back in the queue by the next run.
                    if !queued.claimed.isEmpty, await !claimed.push(queued.claimed) {
                        printError("\(queued.claimed.count) deliveries were queued but not sent; the next run sends them.")
                        return
                    }
                }
                printError("Queued \(inserted) new deliveries (\(total - inserted) already in the outbox).")
            }
            group.addTask {
                let done = try await dispatcher.deliver(from: claimed, progress: { bar.update($0) })
                // Then whatever else is due: retries of earlier runs, deliveries left in flight by a crash.
                _ = try await dispatcher.drain(progress: { bar.update(done + $0) })
            }
            try await group.waitForAll()
        }
        bar.finish()
        await channelSet.shutdown()

        let tallies = try await store.tallies(matching: DeliveryQuery(eventID: event.id, guardianID: only))
        let failures = try await store.deliveries(matching: DeliveryQuery(states: [.failed], eventID: event.id, guardianID: only))
        print(DeliverySummary(tallies: tallies, failures: failures).text)
        if dryRun, let folder = (channelSet.channels[.email] as? FileChannel)?.folder.path {
            print("Dry run: messages written to \(folder)")
        }
        if !failures.isEmpty { throw ExitCode(2) }
    }
}

/// A one-line progress bar on standard error (a line per update when it is not a terminal).
final class ProgressBar: @unchecked Sendable {
    let total: Int
    let lock = NSLock()
    let terminal = isatty(2) != 0
    var last = Date.distantPast

    init(total: Int) {
        self.total = total
    }

    func update(_ progress: DispatchProgress) {
        lock.withLock {
            let now = Date()
            guard terminal || now.timeIntervalSince(last) > 2 else { return }
            last = now
            let done = min(progress.attempted, max(total, 1))
            let width = 30
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = "\(bar) \(done)/\(total)  sent \(progress.sent)  retrying \(progress.retrying)  failed \(progress.failed)"
            FileHandle.standardError.write(Data((terminal ? "\r\(line)" : line + "\n").utf8))
        }
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Counts by state, per channel and per language.
struct DeliverySummary {
    let tallies: [DeliveryTally]
    /// The failed deliveries, listed with the relay's or gateway's reply.
    let failures: [Delivery]

    var text: String {
        let states: [DeliveryState] = [.sent, .queued, .retry, .failed, .sending, .cancelled]
        func count(_ state: DeliveryState, in tallies: [DeliveryTally]) -> Int {
            tallies.reduce(0) { $0 + ($1.state == state ? $1.count : 0) }
        }
        func table(_ title: String, by group: (DeliveryTally) -> String) -> [String] {
            let grouped = Dictionary(grouping: tallies, by: group)
            let body = grouped.keys.sorted().map { key -> [String] in
                [key] + states.map { state in "\(count(state, in: grouped[key]!))" }
            }
            return [title] + Table(["", "sent", "queued", "retry", "failed", "sending", "cancelled"], body).lines
        }
        let total = tallies.reduce(0) { $0 + $1.count }
        var lines = ["\(total) deliveries: " + states.compactMap { state in
            let count = count(state, in: tallies)
            return count > 0 ? "\(count) \(state.rawValue)" : nil
        }.joined(separator: ", ")]
        lines.append("")
        lines += table("By channel", by: { $0.channel.rawValue })
        lines.append("")
        lines += table("By language", by: { $0.language })
        if !failures.isEmpty {
            lines.append("")
            lines.append("Failed")
            lines += Table(["guardian", "channel", "address", "reply"], failures.map {
                [$0.key.guardianID, $0.key.channel.rawValue, $0.address, $0.lastReply ?? ""]
            }).lines
        }
        return lines.joined(separator: "\n")
    }
}
