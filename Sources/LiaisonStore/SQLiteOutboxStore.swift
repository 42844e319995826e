import Foundation
import GRDB
import LiaisonModel

/// The default store: one SQLite file in WAL mode through GRDB's `DatabasePool`.
///
/// Every change is one IMMEDIATE transaction with `synchronous = FULL`, so a method returns only once its change is
/// on disk, and several processes can share the file (they wait for each other up to the busy timeout).
public final class SQLiteOutboxStore: OutboxStore {
    let writer: any DatabaseWriter
    /// The bases messages are written against (see ``MessageJSON``).
    let bases = MessageBases()
    /// The database file, or `nil` in memory.
    public let path: String?

    /// How long a write waits for another process holding the file.
    public static let busyTimeout: TimeInterval = SQLiteFile.busyTimeout

    /// Opens (creating the file and its folder if needed) and migrates the outbox at `path`.
    public init(path: String) throws {
        let (pool, path) = try SQLiteFile.open(path: path, migrator: OutboxSchema.migrator)
        self.writer = pool
        self.path = path
    }

    private init(writer: any DatabaseWriter) {
        self.writer = writer
        self.path = nil
    }

    /// A private in-memory outbox, for tests.
    public static func inMemory() throws -> SQLiteOutboxStore {
        SQLiteOutboxStore(writer: try SQLiteFile.inMemory(label: "LiaisonStore", migrator: OutboxSchema.migrator))
    }


    // MARK: - Columns

    /// The `deliveries` columns `Codec.delivery(from:message:)` reads, in order (the message is in `messages`).
    fileprivate static let rowColumns = """
        occurrence, guardian_id, channel, event_id, address, recipient_name, priority, state, attempts, \
        not_before, deadline, created_at, updated_at, last_reply, id, claim_owner, claim_token, lease_until
        """
    /// `rowColumns` and then the message's body and base, for reading whole deliveries.
    fileprivate static let selectDeliveries = """
        SELECT \(rowColumns), messages.body, messages.base_id FROM deliveries
        JOIN messages ON messages.delivery_id = deliveries.id
        """
    private static let keyMatch = "occurrence = ? AND guardian_id = ? AND channel = ?"

    // MARK: - Enqueue

    public func enqueue(_ deliveries: [Delivery]) async throws -> [DeliveryKey] {
        try await insert(deliveries, claimingDueAt: nil, lease: nil).inserted
    }

    public func enqueueAndClaim(_ deliveries: [Delivery], now: Date, lease: ClaimLease) async throws -> (inserted: [DeliveryKey], claimed: [Delivery]) {
        try await insert(deliveries, claimingDueAt: now, lease: lease)
    }

    public func queuedKeys(occurrence: String) async throws -> Set<DeliveryKey> {
        try await writer.read { db in
            var keys = Set<DeliveryKey>()
            let rows = try Row.fetchCursor(db, sql: "SELECT guardian_id, channel FROM deliveries WHERE occurrence = ?", arguments: [occurrence])
            while let row = try rows.next() {
                keys.insert(DeliveryKey(occurrence: occurrence, guardianID: row[0], channel: ChannelKind(rawValue: row[1])))
            }
            return keys
        }
    }

    /// Inserts the new keys, as `queued`, or as `sending` (attempt 1, claimed for `lease`) when `claimingDueAt` is
    /// given and they are due.
    private func insert(
        _ deliveries: [Delivery], claimingDueAt now: Date?, lease: ClaimLease?
    ) async throws -> (inserted: [DeliveryKey], claimed: [Delivery]) {
        if deliveries.isEmpty { return ([], []) }
        // Encode outside the write transaction: it holds the file's write lock. Messages of one occurrence and
        // language are written against a base, the first of them (stored once), in a few hundred bytes each.
        let (groupOf, groups) = bases.plan(deliveries)
        let messages = Parallel.map(slicing: Array(zip(deliveries.map(\.message), groupOf)), minimum: 256) { message, group in
            MessageJSON.encode(message, against: group.map { groups[$0].base })
        }
        let nowSeconds = now.map(Codec.seconds)
        // The statements' arguments too: the write closure runs on the one writer every store on the file shares.
        let rows = zip(deliveries, messages).map { d, message in
            let claim = nowSeconds.map { Codec.seconds(d.notBefore) <= $0 } ?? false
            let updatedAt = claim ? nowSeconds! : Codec.seconds(d.updatedAt)
            let arguments: StatementArguments = [
                d.key.occurrence, d.key.guardianID, d.key.channel.rawValue, d.eventID, d.address, d.recipientName,
                d.priority.rawValue, Codec.rank(d.priority), claim ? "sending" : "queued", claim ? 1 : 0,
                Codec.seconds(d.notBefore), d.deadline.map(Codec.seconds), Codec.seconds(d.createdAt),
                Codec.seconds(d.createdAt), updatedAt, d.message.language,
                claim ? lease?.owner : nil, claim ? lease.map { Codec.seconds($0.expires) } : nil,
            ]
            return (delivery: d, message: message, claim: claim, updatedAt: updatedAt, arguments: arguments)
        }
        let (result, baseIDs) = try await writer.write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO deliveries (occurrence, guardian_id, channel, event_id, address, recipient_name, priority,
                        priority_rank, state, attempts, not_before, deadline, queued_at, created_at, updated_at,
                        last_reply, language, claim_owner, lease_until, claim_token)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
                    ON CONFLICT (occurrence, guardian_id, channel) DO NOTHING
                    """)
            let insertMessage = try db.cachedStatement(sql: "INSERT INTO messages (delivery_id, body, base_id) VALUES (?, ?, ?)")
            let insertBase = try db.cachedStatement(sql: "INSERT INTO message_bases (body) VALUES (?)")
            var inserted: [DeliveryKey] = []
            var claimed: [Delivery] = []
            inserted.reserveCapacity(rows.count)
            var baseIDs = groups.map(\.id)
            let token: Int64? = lease != nil && rows.contains(where: \.claim) ? try Self.nextToken(db) : nil
            for ((d, message, claim, updatedAt, arguments), group) in zip(rows, groupOf) {
                try insert.execute(arguments: arguments + [claim ? token : nil])
                guard db.changesCount > 0 else { continue }
                let deliveryID = db.lastInsertedRowID
                var baseID: Int64?
                if message.delta, let group {
                    // A new base is stored when the first row written against it is.
                    if baseIDs[group] == nil, let source = groups[group].source {
                        try insertBase.execute(arguments: [MessageJSON.encode(source)])
                        baseIDs[group] = db.lastInsertedRowID
                    }
                    baseID = baseIDs[group]
                }
                try insertMessage.execute(arguments: [deliveryID, message.json, baseID])
                inserted.append(d.key)
                if claim {
                    var sending = d
                    sending.state = .sending
                    sending.attempts = 1
                    sending.updatedAt = Codec.date(updatedAt)
                    sending.lastReply = nil
                    if let lease, let token { sending.claim = DeliveryClaim(owner: lease.owner, token: token, expires: lease.expires) }
                    claimed.append(sending)
                }
            }
            return ((inserted, claimed), baseIDs)
        }
        for (group, id) in zip(groups, baseIDs) where group.id == nil {
            if let id { bases.remember(group, id: id) }
        }
        return result
    }

    // MARK: - Claim

    /// The next fencing token, inside the claiming transaction (which holds the file's write lock).
    private static func nextToken(_ db: Database) throws -> Int64 {
        guard let token = try Int64.fetchOne(db, sql: "UPDATE claim_tokens SET last = last + 1 WHERE id = 1 RETURNING last") else {
            throw OutboxStoreError.corruptRow("the claim_tokens row is missing")
        }
        return token
    }

    public func claim(limit: Int, channels: Set<ChannelKind>?, priority: Priority?, now: Date, lease: ClaimLease) async throws -> [Delivery] {
        if limit <= 0 { return [] }
        if let channels, channels.isEmpty { return [] }
        let channelList = channels.map { $0.map(\.rawValue).sorted() }
        let nowSeconds = Codec.seconds(now)
        return try await writer.write { db in
            var claimed: [Delivery] = []
            var channelFilter = ""
            if let channelList {
                channelFilter = " AND channel IN (\(Array(repeating: "?", count: channelList.count).joined(separator: ", ")))"
            }
            // One UPDATE … RETURNING per priority, inside the IMMEDIATE transaction that holds the file's write lock, so
            // no other connection or process can pick the same rows. (PostgreSQL: add FOR UPDATE SKIP LOCKED to the
            // subquery.) The literal state list lets SQLite use the partial index `deliveries_due`.
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ?,
                        claim_owner = ?, claim_token = ?, lease_until = ?
                    WHERE state IN ('queued', 'retry') AND id IN (
                        SELECT id FROM deliveries
                        WHERE state IN ('queued', 'retry') AND priority_rank = ? AND not_before <= ?\(channelFilter)
                        ORDER BY not_before, created_at, id
                        LIMIT ?)
                    RETURNING \(Self.rowColumns)
                    """)
            let body = try db.cachedStatement(sql: "SELECT body, base_id FROM messages WHERE delivery_id = ?")
            let decoder = JSONDecoder()
            var token: Int64?
            for rank in Codec.ranks where priority.map({ Codec.rank($0) == rank }) ?? true {
                let wanted = limit - claimed.count
                if wanted <= 0 { break }
                if token == nil { token = try Self.nextToken(db) }
                var arguments: StatementArguments = [nowSeconds, lease.owner, token, Codec.seconds(lease.expires), rank, nowSeconds]
                if let channelList { arguments += StatementArguments(channelList) }
                arguments += [wanted]
                // RETURNING gives rows in no particular order: sort them as the subquery chose them.
                var batch: [(notBefore: Double, createdAt: Double, id: Int64, delivery: Delivery)] = []
                let cursor = try Row.fetchCursor(statement, arguments: arguments)
                while let row = try cursor.next() {
                    let id: Int64 = row[14]
                    guard let message = try Row.fetchOne(body, arguments: [id]) else {
                        throw OutboxStoreError.corruptRow("no message for delivery \(id)")
                    }
                    let delivery = try Codec.delivery(from: row) {
                        try bases.message(message, bodyIndex: 0, baseIndex: 1, in: db, decoder: decoder)
                    }
                    batch.append((row[9], row[11], id, delivery))
                }
                batch.sort { ($0.notBefore, $0.createdAt, $0.id) < ($1.notBefore, $1.createdAt, $1.id) }
                claimed += batch.map(\.delivery)
            }
            return claimed
        }
    }

    // MARK: - Complete

    public func complete(_ results: [DeliveryResult]) async throws {
        if results.isEmpty { return }
        for result in results where ![.sent, .retry, .failed].contains(result.newState) {
            throw OutboxStoreError.invalidResultState(result.key, result.newState)
        }
        let rows = results.map { result -> (update: StatementArguments, insert: StatementArguments) in
            let key = result.key
            let attempt = result.attempt
            let finished = Codec.seconds(attempt.finishedAt)
            let notBefore: Double? = result.newState == .retry ? Codec.seconds(result.notBefore ?? attempt.finishedAt) : nil
            return (
                [result.newState.rawValue, notBefore, attempt.reply, finished, key.occurrence, key.guardianID, key.channel.rawValue,
                 attempt.number, result.token],
                [key.occurrence, key.guardianID, key.channel.rawValue, attempt.number, Codec.seconds(attempt.startedAt),
                 finished, attempt.target, attempt.outcome.rawValue, attempt.reply])
        }
        try await writer.write { db in
            let update = try db.cachedStatement(
                sql: """
                    UPDATE deliveries SET state = ?, not_before = COALESCE(?, not_before), last_reply = ?, updated_at = ?,
                        claim_owner = NULL, claim_token = NULL, lease_until = NULL
                    WHERE \(Self.keyMatch) AND state = 'sending' AND attempts = ? AND claim_token IS ?
                    """)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO attempts (occurrence, guardian_id, channel, number, started_at, finished_at, target,
                        outcome, reply)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for row in rows {
                try update.execute(arguments: row.update)
                guard db.changesCount == 1 else { continue }  // not in flight, or an older attempt or claim: leave it alone
                try insert.execute(arguments: row.insert)
            }
        }
    }

    // MARK: - Recovery, expiry, cancellation, requeue

    /// The reply recorded for an attempt found in flight at start-up.
    public static let interruptedReply = "interrupted: the sender stopped while this was in flight; it may have been delivered"

    public func renew(owner: String, tokens: [Int64], until: Date) async throws -> Int {
        if tokens.isEmpty { return 0 }
        return try await writer.write { db in
            var renewed = 0
            // In slices: a process may hold many claims, and SQLite limits a statement's arguments.
            for start in stride(from: 0, to: tokens.count, by: 500) {
                let slice = tokens[start..<min(start + 500, tokens.count)]
                try db.execute(
                    sql: """
                        UPDATE deliveries SET lease_until = ?
                        WHERE state = 'sending' AND claim_owner = ?
                            AND claim_token IN (\(Array(repeating: "?", count: slice.count).joined(separator: ", ")))
                        """, arguments: [Codec.seconds(until), owner] + StatementArguments(Array(slice)))
                renewed += db.changesCount
            }
            return renewed
        }
    }

    public func expediteRetries(matching query: DeliveryQuery, since: Date?, now: Date) async throws -> Int {
        var narrowed = query
        narrowed.limit = nil
        let (filter, arguments) = Self.filter(narrowed, states: [.retry])
        return try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET not_before = ?
                    WHERE state = 'retry' AND not_before > ? AND updated_at >= ? AND id IN (SELECT id FROM deliveries \(filter))
                    """, arguments: [Codec.seconds(now), Codec.seconds(now), since.map(Codec.seconds) ?? -Double.greatestFiniteMagnitude] + arguments)
            return db.changesCount
        }
    }

    public func claimOwners() async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT claim_owner FROM deliveries WHERE state = 'sending' AND claim_owner IS NOT NULL"))
        }
    }

    public func recoverExpired(leaseNow: Date, gone: Set<String>) async throws -> Int {
        let nowSeconds = Codec.seconds(leaseNow)
        let owners = gone.sorted()
        let ownerList = owners.isEmpty ? "" : " OR claim_owner IN (\(Array(repeating: "?", count: owners.count).joined(separator: ", ")))"
        return try await writer.write { db in
            let expired = "state = 'sending' AND (lease_until IS NULL OR lease_until <= ?\(ownerList))"
            // The claim time (updated_at) is when the interrupted attempt started.
            try db.execute(
                sql: """
                    INSERT INTO attempts (occurrence, guardian_id, channel, number, started_at, finished_at, target,
                        outcome, reply)
                    SELECT occurrence, guardian_id, channel, attempts, updated_at, ?, '', 'interrupted', ?
                    FROM deliveries WHERE \(expired)
                    ORDER BY id
                    """, arguments: [nowSeconds, Self.interruptedReply, nowSeconds] + StatementArguments(owners))
            // The due time stays as it was (at or before the claim), so these go out before anything queued later.
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = 'retry', last_reply = ?, updated_at = ?,
                        claim_owner = NULL, claim_token = NULL, lease_until = NULL
                    WHERE \(expired)
                    """,
                arguments: [Self.interruptedReply, nowSeconds, nowSeconds] + StatementArguments(owners))
            return db.changesCount
        }
    }

    public func expire(now: Date, policy: RetryPolicy) async throws -> Int {
        let nowSeconds = Codec.seconds(now)
        let window = Double(policy.deadline.components.seconds) + Double(policy.deadline.components.attoseconds) / 1e18
        let reply = "expired: not sent before its deadline"
        return try await writer.write { db in
            let condition = "state IN ('queued', 'retry') AND COALESCE(deadline, queued_at + ?) <= ?"
            try db.execute(
                sql: """
                    INSERT INTO attempts (occurrence, guardian_id, channel, number, started_at, finished_at, target,
                        outcome, reply)
                    SELECT occurrence, guardian_id, channel, attempts, ?, ?, 'outbox', 'failed', ?
                    FROM deliveries WHERE \(condition)
                    ORDER BY id
                    """, arguments: [nowSeconds, nowSeconds, reply, window, nowSeconds])
            try db.execute(
                sql: "UPDATE deliveries SET state = 'failed', last_reply = ?, updated_at = ? WHERE \(condition)",
                arguments: [reply, nowSeconds, window, nowSeconds])
            return db.changesCount
        }
    }

    public func cancel(matching query: DeliveryQuery, reason: String, now: Date) async throws -> Int {
        let states = (query.states ?? [.queued, .retry]).intersection([.queued, .retry])
        if states.isEmpty { return 0 }
        let nowSeconds = Codec.seconds(now)
        return try await writer.write { db in
            let (filter, arguments) = Self.filter(query, states: states)
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = 'cancelled', last_reply = ?, updated_at = ?
                    WHERE state IN ('queued', 'retry') AND id IN (SELECT id FROM deliveries \(filter))
                    """, arguments: [reason, nowSeconds] + arguments)
            return db.changesCount
        }
    }

    public func requeue(matching query: DeliveryQuery, now: Date) async throws -> Int {
        let states = (query.states ?? [.failed]).intersection([.failed, .cancelled])
        if states.isEmpty { return 0 }
        let nowSeconds = Codec.seconds(now)
        return try await writer.write { db in
            let (filter, arguments) = Self.filter(query, states: states)
            try db.execute(
                sql: """
                    UPDATE deliveries SET state = 'queued', not_before = ?, queued_at = ?, updated_at = ?
                    WHERE state IN ('failed', 'cancelled') AND purged_at IS NULL AND id IN (SELECT id FROM deliveries \(filter))
                    """, arguments: [nowSeconds, nowSeconds, nowSeconds] + arguments)
            return db.changesCount
        }
    }

    public func updateAddress(_ key: DeliveryKey, to address: String) async throws {
        let nowSeconds = Codec.seconds(Date())
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET address = ?, updated_at = ?
                    WHERE \(Self.keyMatch) AND state IN ('queued', 'retry', 'failed', 'cancelled')
                    """, arguments: [address, nowSeconds, key.occurrence, key.guardianID, key.channel.rawValue])
            if db.changesCount == 1 { return }
            guard
                let raw = try String.fetchOne(
                    db, sql: "SELECT state FROM deliveries WHERE \(Self.keyMatch)",
                    arguments: [key.occurrence, key.guardianID, key.channel.rawValue])
            else { throw OutboxStoreError.notFound(key) }
            throw OutboxStoreError.notEditable(key, DeliveryState(rawValue: raw) ?? .sending)
        }
    }

    public func revise(_ delivery: Delivery, now: Date) async throws -> Bool {
        let message = MessageJSON.encode(delivery.message)
        let d = delivery
        return try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE deliveries SET language = ?, address = ?, recipient_name = ?, priority = ?, priority_rank = ?,
                        not_before = ?, updated_at = ?
                    WHERE \(Self.keyMatch) AND state IN ('queued', 'retry')
                    """,
                arguments: [
                    d.message.language, d.address, d.recipientName, d.priority.rawValue, Codec.rank(d.priority),
                    Codec.seconds(d.notBefore), Codec.seconds(now), d.key.occurrence, d.key.guardianID, d.key.channel.rawValue,
                ])
            guard db.changesCount == 1 else { return false }
            try db.execute(
                sql: """
                    UPDATE messages SET body = ?, base_id = NULL
                    WHERE delivery_id = (SELECT id FROM deliveries WHERE \(Self.keyMatch))
                    """,
                arguments: [message, d.key.occurrence, d.key.guardianID, d.key.channel.rawValue])
            return true
        }
    }

    // MARK: - Reading

    public func deliveries(matching query: DeliveryQuery) async throws -> [Delivery] {
        try await writer.read { db in
            let (filter, arguments) = Self.filter(query, states: query.states)
            let decoder = JSONDecoder()
            let statement = try db.cachedStatement(sql: "\(Self.selectDeliveries) \(filter)")
            let cursor = try Row.fetchCursor(statement, arguments: arguments)
            var result: [Delivery] = []
            while let row = try cursor.next() {
                result.append(try Codec.delivery(from: row) { try bases.message(row, bodyIndex: 18, baseIndex: 19, in: db, decoder: decoder) })
            }
            return result
        }
    }

    public func delivery(_ key: DeliveryKey) async throws -> Delivery? {
        try await writer.read { db in
            let row = try Row.fetchOne(
                db, sql: "\(Self.selectDeliveries) WHERE \(Self.keyMatch)",
                arguments: [key.occurrence, key.guardianID, key.channel.rawValue])
            return try row.map { row in
                try Codec.delivery(from: row) { try bases.message(row, bodyIndex: 18, baseIndex: 19, in: db, decoder: JSONDecoder()) }
            }
        }
    }

    public func attempts(for key: DeliveryKey) async throws -> [DeliveryAttempt] {
        try await writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT number, started_at, finished_at, target, outcome, reply FROM attempts
                    WHERE \(Self.keyMatch) ORDER BY number, id
                    """, arguments: [key.occurrence, key.guardianID, key.channel.rawValue])
            return try rows.map { row in
                let outcomeRaw: String = row[4]
                guard let outcome = AttemptOutcome(rawValue: outcomeRaw) else {
                    throw OutboxStoreError.corruptRow("attempt outcome \(outcomeRaw) for \(key)")
                }
                return DeliveryAttempt(
                    key: key, number: row[0], startedAt: Codec.date(row[1]), finishedAt: Codec.date(row[2]),
                    target: row[3], outcome: outcome, reply: row[5])
            }
        }
    }

    public func counts(eventID: String?) async throws -> [DeliveryState: Int] {
        try await writer.read { db in
            let rows: [Row]
            if let eventID {
                rows = try Row.fetchAll(
                    db, sql: "SELECT state, COUNT(*) FROM deliveries WHERE event_id = ? GROUP BY state", arguments: [eventID])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM deliveries GROUP BY state")
            }
            var counts = Dictionary(uniqueKeysWithValues: DeliveryState.allCases.map { ($0, 0) })
            for row in rows {
                let raw: String = row[0]
                guard let state = DeliveryState(rawValue: raw) else { throw OutboxStoreError.corruptRow("state \(raw)") }
                counts[state] = row[1]
            }
            return counts
        }
    }

    public func tallies(matching query: DeliveryQuery) async throws -> [DeliveryTally] {
        try await writer.read { db in
            let (whereClause, arguments) = Self.condition(query, states: query.states)
            let rows = try Row.fetchAll(
                db, sql: "SELECT channel, language, state, COUNT(*) FROM deliveries \(whereClause) GROUP BY channel, language, state",
                arguments: arguments)
            return try rows.map { row in
                let raw: String = row[2]
                guard let state = DeliveryState(rawValue: raw) else { throw OutboxStoreError.corruptRow("state \(raw)") }
                return DeliveryTally(channel: ChannelKind(rawValue: row[0]), language: row[1], state: state, count: row[3])
            }
        }
    }

    public func summaries(matching query: DeliveryQuery) async throws -> [DeliverySummary] {
        try await writer.read { db in
            let (filter, arguments) = Self.filter(query, states: query.states)
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT occurrence, guardian_id, channel, event_id, state, attempts, last_reply, language, updated_at FROM deliveries \(filter)",
                arguments: arguments)
            return try rows.map { row in
                let raw: String = row[4]
                guard let state = DeliveryState(rawValue: raw) else { throw OutboxStoreError.corruptRow("state \(raw)") }
                return DeliverySummary(
                    key: DeliveryKey(occurrence: row[0], guardianID: row[1], channel: ChannelKind(rawValue: row[2])), eventID: row[3],
                    state: state, attempts: row[5], lastReply: row[6], language: row[7], updatedAt: Codec.date(row[8]))
            }
        }
    }

    /// Runs a statement as it is, for tests that set up what an older or broken writer left.
    func execute(_ sql: String) async throws {
        try await writer.write { db in try db.execute(sql: sql) }
    }

    /// The writer connection's value of a pragma (`journal_mode`, `synchronous`, `busy_timeout`), for tests and diagnostics.
    func pragma(_ name: String) throws -> String? {
        try writer.writeWithoutTransaction { db in
            guard let value = try DatabaseValue.fetchOne(db, sql: "PRAGMA \(name)") else { return nil }
            switch value.storage {
            case .string(let string): return string
            case .int64(let int): return String(int)
            default: return value.description
            }
        }
    }

    // MARK: - Query filter

    /// `WHERE … ORDER BY created_at, id [LIMIT n]` for a query, with `states` in place of the query's own.
    private static func filter(_ query: DeliveryQuery, states: Set<DeliveryState>?) -> (String, StatementArguments) {
        var (sql, arguments) = condition(query, states: states)
        sql += " ORDER BY created_at, id"
        if let limit = query.limit {
            sql += " LIMIT ?"
            arguments += [max(limit, 0)]
        }
        return (sql, arguments)
    }

    /// `WHERE …` (or nothing) for a query's fields but its limit, with `states` in place of the query's own.
    private static func condition(_ query: DeliveryQuery, states: Set<DeliveryState>?) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments = StatementArguments()
        if let states {
            let sorted = states.map(\.rawValue).sorted()
            if sorted.isEmpty {
                clauses.append("0 = 1")
            } else {
                clauses.append("state IN (\(Array(repeating: "?", count: sorted.count).joined(separator: ", ")))")
                arguments += StatementArguments(sorted)
            }
        }
        if let eventID = query.eventID {
            clauses.append("event_id = ?")
            arguments += [eventID]
        }
        if let guardianID = query.guardianID {
            clauses.append("guardian_id = ?")
            arguments += [guardianID]
        }
        if let occurrence = query.occurrence {
            clauses.append("occurrence = ?")
            arguments += [occurrence]
        }
        if let channel = query.channel {
            clauses.append("channel = ?")
            arguments += [channel.rawValue]
        }
        if let since = query.changedSince {
            clauses.append("updated_at >= ?")
            arguments += [Codec.seconds(since)]
        }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), arguments)
    }
}

/// Conversions between model values and stored columns.
private enum Codec {
    /// Claim order of priorities: urgent first.
    static let ranks = [0, 1]

    static func rank(_ priority: Priority) -> Int {
        switch priority {
        case .urgent: 0
        case .normal: 1
        }
    }

    static func seconds(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    /// Reads a row selected with `SQLiteOutboxStore.rowColumns`, its message from `readMessage`.
    static func delivery(from row: Row, message readMessage: () throws -> OutboundMessage) throws -> Delivery {
        let occurrence: String = row[0]
        let guardianID: String = row[1]
        let channel: String = row[2]
        let key = DeliveryKey(occurrence: occurrence, guardianID: guardianID, channel: ChannelKind(rawValue: channel))
        let priorityRaw: String = row[6]
        let stateRaw: String = row[7]
        guard let priority = Priority(rawValue: priorityRaw) else {
            throw OutboxStoreError.corruptRow("priority \(priorityRaw) for \(key)")
        }
        guard let state = DeliveryState(rawValue: stateRaw) else {
            throw OutboxStoreError.corruptRow("state \(stateRaw) for \(key)")
        }
        let message: OutboundMessage
        do {
            message = try readMessage()
        } catch {
            throw OutboxStoreError.corruptRow("message for \(key): \(error)")
        }
        let deadline: Double? = row[10]
        let createdAt: Double = row[11]
        let updatedAt: Double = row[12]
        let owner: String? = row[15]
        let token: Int64? = row[16]
        let leaseUntil: Double? = row[17]
        var claim: DeliveryClaim?
        if state == .sending, let owner, let token, let leaseUntil {
            claim = DeliveryClaim(owner: owner, token: token, expires: date(leaseUntil))
        }
        return Delivery(
            key: key, eventID: row[3], address: row[4], recipientName: row[5], priority: priority, state: state,
            attempts: row[8], notBefore: date(row[9]), deadline: deadline.map(date), createdAt: date(createdAt),
            updatedAt: date(updatedAt), lastReply: row[13], message: message, claim: claim)
    }
}
