import Foundation
import LiaisonModel
import LiaisonStore
import Metrics

/// Figures for a progress line and the closing summary.
public struct DispatchProgress: Sendable, Hashable {
    public var attempted = 0
    public var sent = 0
    public var retrying = 0
    public var failed = 0

    public init() {}

    /// The figures of two drains together.
    public static func + (lhs: DispatchProgress, rhs: DispatchProgress) -> DispatchProgress {
        var sum = lhs
        sum.attempted += rhs.attempted
        sum.sent += rhs.sent
        sum.retrying += rhs.retrying
        sum.failed += rhs.failed
        return sum
    }
}

/// A share of the outbox that one sending loop works on: some channels, some priority. Lanes keep one channel's
/// hung gateway, or a long bulk send, from holding up another lane (urgent alerts have lanes of their own).
public struct Lane: Sendable, Hashable, CustomStringConvertible {
    /// nil: every channel.
    public var channels: Set<ChannelKind>?
    /// nil: every priority, urgent first.
    public var priority: Priority?

    public init(channels: Set<ChannelKind>? = nil, priority: Priority? = nil) {
        self.channels = channels
        self.priority = priority
    }

    public static let all = Lane()

    public var description: String {
        let kinds = channels.map { $0.map(\.rawValue).sorted().joined(separator: "+") } ?? "all"
        return "\(priority?.rawValue ?? "any")/\(kinds)"
    }
}

/// Moves due deliveries from the outbox through their channels and records every outcome.
///
/// Claims in batches, sends concurrently (each channel limits itself further), and records results by group commit:
/// one transaction at a time, each taking every result that came in while the previous one was being written, so
/// sending never waits for the disk; a result is only reported once it is durable.
public struct Dispatcher: Sendable {
    public var store: any OutboxStore
    public var channels: [ChannelKind: any Channel]
    public var policy: RetryPolicy
    /// How many sends run at once across all channels. Each channel limits its own connections and queues the rest,
    /// so this is set well above them: a connection that frees takes the next message from its channel's queue at
    /// once, instead of waiting for a task on the busy cooperative pool to hand it one.
    public var concurrency: Int
    public var batchSize: Int
    public var clock: @Sendable () -> Date
    public var random: @Sendable () -> Double
    /// This process's claims: what the dispatcher claims is held (its lease renewed) until its result is recorded.
    public var leases: LeaseKeeper
    /// Outages of channels, shared by the dispatchers of one process: when a failing channel works again, what it
    /// deferred meanwhile is made due at once.
    public var recovery: Locked<ChannelRecovery>
    /// Draws the link tokens of letters as they are sent (they wait in the outbox with placeholders); without it a
    /// letter that needs links is not sent.
    public var links: (any LinkTokenIssuer)?

    public init(
        store: any OutboxStore, channels: [ChannelKind: any Channel], policy: RetryPolicy, concurrency: Int = 128,
        batchSize: Int = 256, clock: @escaping @Sendable () -> Date = Date.init,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, leases: LeaseKeeper? = nil,
        recovery: Locked<ChannelRecovery> = Locked(ChannelRecovery()), links: (any LinkTokenIssuer)? = nil
    ) {
        self.links = links
        self.leases = leases ?? LeaseKeeper(store: store, duration: .seconds(60))
        self.recovery = recovery
        self.store = store
        self.channels = channels
        self.policy = policy
        self.concurrency = max(1, concurrency)
        self.batchSize = max(1, batchSize)
        self.clock = clock
        self.random = random
    }

    /// Sends everything due now on `lane` (its channels and priority; every channel and priority by default), until
    /// nothing due is left or `shouldContinue` says stop (checked before each batch: a batch claimed is always
    /// finished and recorded); returns what happened.
    public func drain(
        lane: Lane = .all, shouldContinue: @Sendable () -> Bool = { true }, progress: (@Sendable (DispatchProgress) -> Void)? = nil
    ) async throws -> DispatchProgress {
        var totals = DispatchProgress()
        let kinds = lane.channels.map { $0.intersection(channels.keys) } ?? Set(channels.keys)
        while !Task.isCancelled && shouldContinue() {
            let claimed = try await store.claim(limit: batchSize, channels: kinds, priority: lane.priority, now: clock(), lease: leases.lease())
            if claimed.isEmpty { break }
            leases.hold(claimed)
            totals = try await deliver(claimed, after: totals, progress: progress)
        }
        return totals
    }

    /// Sends deliveries the caller has already claimed (from `OutboxStore.enqueueAndClaim`) and records every result;
    /// returns what happened, added to `before`.
    public func deliver(
        _ claimed: [Delivery], after before: DispatchProgress = DispatchProgress(), progress: (@Sendable (DispatchProgress) -> Void)? = nil
    ) async throws -> DispatchProgress {
        try await deliver(first: claimed, more: nil, after: before, progress: progress)
    }

    /// Sends claimed batches as they arrive in `queue` until it is finished, keeping `concurrency` sends in flight
    /// from one batch into the next; records every result and returns what happened. Closes the queue when it
    /// returns or throws, so the producer is never left waiting.
    public func deliver(
        from queue: BatchQueue<[Delivery]>, after before: DispatchProgress = DispatchProgress(),
        progress: (@Sendable (DispatchProgress) -> Void)? = nil
    ) async throws -> DispatchProgress {
        defer { queue.close() }
        return try await deliver(first: [], more: { await queue.next() }, after: before, progress: progress)
    }

    private func deliver(
        first: [Delivery], more: (@Sendable () async -> [Delivery]?)?, after before: DispatchProgress,
        progress: (@Sendable (DispatchProgress) -> Void)?
    ) async throws -> DispatchProgress {
        var totals = before
        try await send(first, more: more) { results in
            for result in results {
                totals.attempted += 1
                switch result.newState {
                case .sent: totals.sent += 1
                case .retry: totals.retrying += 1
                default: totals.failed += 1
                }
            }
            progress?(totals)
        }
        return totals
    }

    /// What a child task of `send` finished: one attempt, the recording of some results, or fetching more work.
    private enum Finished: Sendable {
        case attempt(DeliveryResult)
        case recorded([DeliveryResult])
        case fetched(Linked?)
    }

    /// Sends deliveries with bounded concurrency — `first`, then each batch `more` returns until it returns nil — and
    /// records results as they come in, one transaction at a time (each with every result that arrived during the
    /// one before), so that a crash leaves few sent-but-unrecorded deliveries behind and the sends never wait for a
    /// commit. The next batch is fetched while the current one still has sends to start, so there is no lull between
    /// batches.
    func send(_ first: [Delivery], more: (@Sendable () async -> [Delivery]?)? = nil, recorded: ([DeliveryResult]) -> Void) async throws {
        let store = store
        // Rows given to this call and not yet recorded, by claim token: released to the lease keeper at the end, so
        // rows whose results could not be recorded (a failed write) are no longer renewed and are recovered.
        var outstanding: [Int64: Int] = [:]
        func took(_ deliveries: some Sequence<Delivery>) {
            for delivery in deliveries { if let token = delivery.claim?.token { outstanding[token, default: 0] += 1 } }
        }
        took(first)
        defer { leases.release(counts: outstanding) }
        try await withThrowingTaskGroup(of: Finished.self) { group in
            var pending: [DeliveryResult] = []
            var committing = false
            let linked = await withLinks(first)
            pending += linked.unready
            var waiting = linked.ready[...]
            var fetching = false
            var exhausted = more == nil
            var inFlight = 0
            func commit() {
                guard !committing, !pending.isEmpty else { return }
                let batch = pending
                pending = []
                committing = true
                group.addTask {
                    try await store.complete(batch)
                    return .recorded(batch)
                }
            }
            func startSends() {
                while inFlight < concurrency, let delivery = waiting.popFirst() {
                    inFlight += 1
                    group.addTask { .attempt(await self.attempt(delivery)) }
                }
                if !exhausted, !fetching, waiting.count < concurrency, let more {
                    fetching = true
                    group.addTask {
                        guard let batch = await more() else { return .fetched(nil) }
                        return .fetched(await withLinks(batch))
                    }
                }
            }
            startSends()
            commit()
            while let finished = try await group.next() {
                switch finished {
                case .attempt(let result):
                    inFlight -= 1
                    pending.append(result)
                case .recorded(let batch):
                    committing = false

                    var settled: [Int64: Int] = [:]
                    for result in batch {
                        guard let token = result.token, let count = outstanding[token] else { continue }
                        outstanding[token] = count > 1 ? count - 1 : nil
                        settled[token, default: 0] += 1
                    }
                    leases.release(counts: settled)
                    recorded(batch)
                case .fetched(let batch):
                    fetching = false
                    if let batch {
                        took(batch.ready)
                        took(batch.claims.values)
                        waiting.append(contentsOf: batch.ready)
                        pending += batch.unready
                    } else {
                        exhausted = true
                    }
                }
                startSends()
                commit()
            }
        }
    }

    /// A batch given its links, and the deliveries that could not be (recorded as retries).
    struct Linked: Sendable {
        var ready: [Delivery]
        var unready: [DeliveryResult]
        /// The deliveries behind `unready`, for the lease accounting.
        var claims: [DeliveryKey: Delivery]
    }

    /// The batch with a fresh token drawn (its hash stored, in one transaction) for every link placeholder; a letter
    /// whose tokens cannot be drawn is not sent but retried, never sent with a placeholder.
    func withLinks(_ batch: [Delivery]) async -> Linked {
        var requests: [LinkTokenRequest] = []
        var slots: [(index: Int, ack: Int?, unsubscribe: Int?)] = []
        for (index, delivery) in batch.enumerated() where delivery.message.awaitsLinks {
            let (ack, unsubscribe) = delivery.message.linkRequests(key: delivery.key, eventID: delivery.eventID)
            var slot: (index: Int, ack: Int?, unsubscribe: Int?) = (index, nil, nil)
            if let ack { slot.ack = requests.count; requests.append(ack) }
            if let unsubscribe { slot.unsubscribe = requests.count; requests.append(unsubscribe) }
            slots.append(slot)
        }
        guard !slots.isEmpty else { return Linked(ready: batch, unready: [], claims: [:]) }
        let now = clock()
        do {
            guard let links else { throw LinkError.noIssuer }
            let tokens = try await links.issueTokens(requests, now: now)
            var ready = batch
            for slot in slots {
                ready[slot.index].message = batch[slot.index].message.withLinkTokens(
                    ack: slot.ack.map { tokens[$0] }, unsubscribe: slot.unsubscribe.map { tokens[$0] })
            }
            return Linked(ready: ready, unready: [], claims: [:])
        } catch {
            let needing = Set(slots.map(\.index))
            let reply = (error as? LinkError)?.description ?? "its links could not be made (\(type(of: error))); it is sent later"
            var linked = Linked(ready: [], unready: [], claims: [:])
            for (index, delivery) in batch.enumerated() {
                if needing.contains(index) {
                    linked.unready.append(result(delivery, started: now, target: "-", outcome: .retry(reply: reply, after: nil)))
                    linked.claims[delivery.key] = delivery
                } else {
                    linked.ready.append(delivery)
                }
            }
            return linked
        }
    }

    enum LinkError: Error, CustomStringConvertible {
        case noIssuer
        var description: String { "no link ledger to draw its links from; it is sent later" }
    }

    /// `liaison_messages_total{channel,state,language}`: every attempt's outcome, through swift-metrics (a no-op unless the
    /// process bootstrapped a metrics backend, as `liaison serve` does).
    static func count(_ result: DeliveryResult, language: String) {
        Counter(
            label: "liaison_messages_total",
            dimensions: [("channel", result.key.channel.rawValue), ("state", result.newState.rawValue), ("language", language)]
        ).increment()
    }

    func attempt(_ delivery: Delivery) async -> DeliveryResult {
        let started = clock()
        if let claim = delivery.claim, !leases.holds(claim) {
            // The claim ran out before it could be sent (the process was paused, or could not renew): another process
            // may have it now. Not sent; recorded as a retry if the row is still this claim's (else the result is
            // fenced off), and sent later by whoever holds it.
            return result(delivery, started: started, target: "-", outcome: .retry(reply: "the claim ran out before this was sent; it is sent later", after: nil))
        }
        guard let channel = channels[delivery.key.channel] else {
            return result(delivery, started: started, target: "-", outcome: .retry(reply: "no \(delivery.key.channel) channel is configured", after: nil))
        }
        let outcome = await channel.send(delivery)
        let made = result(delivery, started: started, target: channel.name, outcome: outcome)
        let ended = recovery.withLock { $0.record(outcome.signal, on: delivery.key.channel, at: started) }
        if let since = ended {
            // The channel works again: what it deferred during the outage is due now, not at its backoff. (Best
            // effort: if this write fails, those deliveries simply wait for their backoff.)
            _ = try? await store.expediteRetries(matching: DeliveryQuery(channel: delivery.key.channel), since: since, now: clock())
        }
        Self.count(made, language: delivery.message.language)
        return made
    }

    func result(_ delivery: Delivery, started: Date, target: String, outcome: ChannelOutcome) -> DeliveryResult {
        let finished = clock()
        // `attempts` was incremented when the delivery was claimed, so it is this attempt's number.
        let number = delivery.attempts
        switch outcome {
        case .sent(let reply):
            return DeliveryResult(
                key: delivery.key,
                attempt: DeliveryAttempt(key: delivery.key, number: number, startedAt: started, finishedAt: finished, target: target, outcome: .sent, reply: reply),
                newState: .sent, notBefore: nil, token: delivery.claim?.token)
        case .failed(let reply):
            return DeliveryResult(
                key: delivery.key,
                attempt: DeliveryAttempt(key: delivery.key, number: number, startedAt: started, finishedAt: finished, target: target, outcome: .failed, reply: reply),
                newState: .failed, notBefore: nil, token: delivery.claim?.token)
        case .unavailable(let reply):
            return result(delivery, started: started, target: target, outcome: .retry(reply: reply, after: nil))
        case .retry(let reply, let after):
            let delay = policy.delay(afterAttempt: number, random: random(), retryAfter: after)
            let nextTry = finished.addingTimeInterval(TimeInterval(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
            let allowed = policy.allowsAnotherAttempt(after: number, createdAt: delivery.createdAt, now: nextTry, deadline: delivery.deadline)
            let attempt = DeliveryAttempt(
                key: delivery.key, number: number, startedAt: started, finishedAt: finished, target: target,
                outcome: allowed ? .retry : .failed, reply: allowed ? reply : "gave up after \(number) attempt(s): \(reply)")
            return DeliveryResult(
                key: delivery.key, attempt: attempt, newState: allowed ? .retry : .failed, notBefore: allowed ? nextTry : nil,
                token: delivery.claim?.token)
        }
    }
}
