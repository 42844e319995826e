import Foundation
import LiaisonModel
import LiaisonLocalization

/// The one way into the outbox: every send — a scheduled one, `liaison send`, a resend, an alert's round, a revision
/// after a reload — is planned and queued here, so keys, chunking and links are the same whoever asks.
///
/// For each recipient not yet queued for the occurrence: an acknowledgement link (its token drawn when sent), the plan
/// (channels, quiet hours, rendering), and a row per channel. Large audiences go in chunks, rendered while the
/// chunk before is being written, each durable before it is handed on, so the first families are being reached
/// while the last are still being rendered.
public struct Queuer: Sendable {
    public let outbox: any OutboxWriter
    public let links: Links
    /// Recipients per chunk; the first chunk is smaller, so the first families are reached within milliseconds.
    public var chunkSize: Int
    public var firstChunkSize: Int
    /// Machine translation of staff text nobody translated, before rendering (nil: none).
    public var translator: MachineTranslator?
    /// Surveys' samples and answered marks: a survey's sends reach its sample, reminders only those yet to answer.
    /// Without it a survey reaches its whole audience.
    public var surveys: Invitations?

    public init(outbox: any OutboxWriter, links: Links, chunkSize: Int = 250, firstChunkSize: Int = 50) {
        self.outbox = outbox
        self.links = links
        self.chunkSize = max(1, chunkSize)
        self.firstChunkSize = max(1, min(firstChunkSize, chunkSize))
    }

    /// One occurrence to queue.
    public struct Request: Sendable {
        public var occurrence: Occurrence
        public var event: Event
        public var recipients: [Recipient]
        /// The school version the planner belongs to (its base URL makes the links).
        public var school: School
        public var planner: Planner
        /// The moment the messages are rendered for (the planned send time; dates in them count from it).
        public var renderAt: Date
        public var now: Date
        /// False for messages that carry no acknowledgement link (notices to staff).
        public var withAckLinks: Bool

        public init(
            occurrence: Occurrence, event: Event, recipients: [Recipient], school: School, planner: Planner, renderAt: Date? = nil,
            now: Date, withAckLinks: Bool = true
        ) {
            self.occurrence = occurrence
            self.event = event
            self.recipients = recipients
            self.school = school
            self.planner = planner
            self.renderAt = renderAt ?? occurrence.dueAt
            self.now = now
            self.withAckLinks = withAckLinks
        }
    }

    /// One chunk, durable in the outbox.
    public struct Chunk: Sendable {
        public var inserted: [DeliveryKey]
        /// The rows of `inserted` claimed in the same transaction (when the caller asked to claim): its to send.
        public var claimed: [Delivery]
        /// Rows planned in this chunk (inserted or found there after all).
        public var planned: Int
    }

    /// What queuing an occurrence came to.
    public struct Outcome: Sendable {
        /// Keys new in the outbox.
        public var queued: [DeliveryKey] = []
        /// Rows the occurrence already had (queued before, by this caller or another).
        public var alreadyQueued = 0
        /// Recipients who get nothing, and why.
        public var problems: [PlanProblem] = []
        /// Recipients left out because they opted out of the event's category (newsletters).
        public var optedOut = 0
        /// Whether the caller stopped taking chunks before every recipient was queued.
        public var stoppedEarly = false

        public init() {}
    }

    /// The recipients `request` reaches: its own, narrowed to a survey's sample and, for reminders, to households
    /// that have not answered.
    /// The event as the letter of `request` sees it: whether it invites or reminds, by the invitation kept when the
    /// queuer has a store (else by the schedule).
    func letterEvent(_ request: Request) async throws -> Event {
        guard let surveys, request.event.dependsOnAnswers else {
            return Invitations.letterEvent(request.event, occurrence: request.occurrence)
        }
        let reminder = try await surveys.isReminder(request.occurrence, of: request.event, now: request.now)
        var event = request.event
        // A survey's letters keep the privacy its invitation promised, even if the form was edited since.
        if let survey = event.survey { event.survey = try await surveys.registry.promised(survey, eventID: event.id) }
        return Invitations.letterEvent(event, reminder: reminder)
    }

    public func recipients(of request: Request) async throws -> [Recipient] {
        guard let surveys, request.event.dependsOnAnswers else { return request.recipients }
        return try await surveys.recipients(request.recipients, event: request.event, occurrence: request.occurrence, now: request.now)
    }

    /// Queues `request`. With `claim`, the rows already due are claimed for the lease it gives, in the transaction
    /// that queues them. `onChunk` gets each chunk once it is durable; returning false stops the queuing (what was
    /// queued stays queued; the rest is not).
    public func queue(
        _ request: Request, claim: (@Sendable () -> ClaimLease)? = nil,
        onChunk: @escaping @Sendable (Chunk) async -> Bool = { _ in true }
    ) async throws -> Outcome {
        let occurrence = request.occurrence.id
        let existing = try await outbox.queuedKeys(occurrence: occurrence)
        let planner = request.planner
        let category = MessageCategory.optional(for: request.event)
        var optedOut = Set<String>()
        if let category { optedOut = try await links.ledger.optedOut(category: category) }
        var outcome = Outcome()
        // Guardians who opted out of this category are not planned at all (urgent messages have none).
        let recipients = try await recipients(of: request)
        let wanted = recipients.filter { !optedOut.contains($0.guardian.id) }
        outcome.optedOut = recipients.count - wanted.count
        // Recipients with every channel already queued are left out before anything is rendered or any link issued.
        let fresh = wanted.filter { recipient in
            let channels = planner.channels(for: recipient.guardian, priority: request.event.priority)
            return channels.isEmpty
                || channels.contains { !existing.contains(DeliveryKey(occurrence: occurrence, guardianID: recipient.guardian.id, channel: $0)) }
        }
        outcome.alreadyQueued = existing.count
        guard !fresh.isEmpty else { return outcome }
        let chunks = Self.chunks(of: fresh, first: firstChunkSize, rest: chunkSize)
        // Staff text its readers would get untranslated is machine translated first, within the translator's time
        // limit (short for an urgent event): labelled, next to the original, never instead of a person's translation.
        let translated = await translated(try await letterEvent(request), for: fresh, planner: planner, school: request.school)
        let links = links.with(school: request.school)
        let rendered = BatchQueue<(deliveries: [Delivery], problems: [PlanProblem])>(capacity: 1)
        let outbox = outbox
        return try await withThrowingTaskGroup(of: Outcome?.self) { group in
            // Rendering: links carry placeholders, their tokens drawn when each letter is sent.
            group.addTask {
                defer { rendered.finish() }
                let ackURL = request.withAckLinks ? links.ackURL : nil
                let unsubscribeURL = category == nil ? nil : links.unsubscribeURL
                for chunk in chunks {
                    let planned = await planner.plan(
                        translated, recipients: chunk, occurrence: occurrence, sendAt: request.renderAt,
                        now: request.now, skipping: existing, ackURL: { _ in ackURL }, unsubscribeURL: { _ in unsubscribeURL })
                    guard await rendered.push(planned) else { return nil }
                }
                return nil
            }
            // Writing: each chunk durable, then handed on.
            group.addTask {
                defer { rendered.close() }
                var outcome = Outcome()
                while let (deliveries, problems) = await rendered.next().map({ ($0.deliveries, $0.problems) }) {
                    outcome.problems += problems
                    let chunk: Chunk
                    if let claim {
                        let (inserted, claimed) = try await outbox.enqueueAndClaim(deliveries, now: request.now, lease: claim())
                        chunk = Chunk(inserted: inserted, claimed: claimed, planned: deliveries.count)
                    } else {
                        chunk = Chunk(inserted: try await outbox.enqueue(deliveries), claimed: [], planned: deliveries.count)
                    }
                    outcome.queued += chunk.inserted
                    // Planned but not inserted: another caller queued them between the first look and this write.
                    outcome.alreadyQueued += deliveries.count - chunk.inserted.count
                    guard await onChunk(chunk) else {
                        outcome.stoppedEarly = true
                        break
                    }
                }
                return outcome
            }
            var written = Outcome()
            for try await result in group {
                if let result { written = result }
            }
            outcome.queued = written.queued
            outcome.alreadyQueued += written.alreadyQueued
            outcome.problems = written.problems
            outcome.stoppedEarly = written.stoppedEarly
            return outcome
        }
    }

    /// `items` cut into a first chunk of `first` and then chunks of `rest`.
    static func chunks<Item>(of items: [Item], first: Int, rest: Int) -> [[Item]] {
        var chunks: [[Item]] = []
        var start = 0
        while start < items.count {
            let size = chunks.isEmpty ? first : rest
            chunks.append(Array(items[start..<min(start + size, items.count)]))
            start += size
        }
        return chunks
    }

    /// `event` with machine translations for the letter languages of `recipients`, when there is a translator.
    private func translated(_ event: Event, for recipients: [Recipient], planner: Planner, school: School) async -> Event {
        guard let translator else { return event }
        let languages = Set(recipients.map(\.guardian.language))
        return await translator.prepare(event, chains: languages.sorted().map { planner.renderer.chain(for: $0) }, schoolDefault: school.defaultLocale)
    }

    /// Renders again what `recipients` will be sent for an occurrence still queued (the event or the roster changed),
    /// (links are drawn when sent); rows not waiting any more (sent, in flight) are left as they are. Returns how many changed.
    public func revise(_ request: Request) async throws -> Int {
        guard !request.recipients.isEmpty else { return 0 }
        let links = links.with(school: request.school)
        let occurrence = request.occurrence.id
        let ackURL = request.withAckLinks ? links.ackURL : nil
        let unsubscribeURL = MessageCategory.optional(for: request.event) == nil ? nil : links.unsubscribeURL
        let event = await translated(try await letterEvent(request), for: request.recipients, planner: request.planner, school: request.school)
        let (deliveries, _) = await request.planner.plan(
            event, recipients: request.recipients, occurrence: occurrence, sendAt: request.renderAt, now: request.now,
            ackURL: { _ in ackURL }, unsubscribeURL: { _ in unsubscribeURL })
        var revised = 0
        for delivery in deliveries where try await outbox.revise(delivery, now: request.now) { revised += 1 }
        return revised
    }
}
