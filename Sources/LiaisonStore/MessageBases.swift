import Foundation
import GRDB
import LiaisonModel

/// The bases (``BaseMessage``) of one outbox file: for each occurrence, language and form (with HTML or not) the one
/// new messages are written against, and the bases read back, by row id. A base never changes once stored, so what
/// is remembered here stays true; another process's bases are read from the file when first met.
final class MessageBases: @unchecked Sendable {
    /// Which messages share a base.
    struct Key: Hashable, Sendable {
        var occurrence: String
        var language: String
        var html: Bool

        init(_ delivery: Delivery) {
            occurrence = delivery.key.occurrence
            language = delivery.message.language
            html = delivery.message.html != nil
        }
    }

    /// Messages smaller than this (text and HTML) are stored whole: an SMS, a short alert.
    static let minimumSize = 1024

    private let lock = NSLock()
    private var current: [Key: (id: Int64, base: BaseMessage)] = [:]
    private var stored: [Int64: BaseMessage] = [:]
    /// Entries kept of each kind; both maps are emptied when full (a send covers a handful of languages).
    private let capacity = 256

    /// The bases for a batch of deliveries: for each delivery the index of its group (or `nil`, stored whole), and
    /// each group's base, with its row id when it is already stored (else `source` is the message that becomes it).
    func plan(_ deliveries: [Delivery]) -> (groupOf: [Int?], groups: [Group]) {
        var groups: [Group] = []
        var index: [Key: Int] = [:]
        let groupOf = deliveries.map { delivery -> Int? in
            let message = delivery.message
            guard message.text.utf8.count + (message.html?.utf8.count ?? 0) >= Self.minimumSize else { return nil }
            let key = Key(delivery)
            if let found = index[key] { return found }
            if let (id, base) = lock.withLock({ current[key] }) {
                groups.append(Group(key: key, id: id, base: base, source: nil))
            } else {
                groups.append(Group(key: key, id: nil, base: BaseMessage(message), source: message))
            }
            index[key] = groups.count - 1
            return groups.count - 1
        }
        return (groupOf, groups)
    }

    struct Group: Sendable {
        var key: Key
        var id: Int64?
        var base: BaseMessage
        /// For a new base: the message it is made of, stored in `message_bases` when a row first uses it.
        var source: OutboundMessage?
    }

    /// Forgets every base remembered (after retention blanked the unused ones in the file).
    func forget() {
        lock.withLock {
            current.removeAll()
            stored.removeAll()
        }
    }

    /// Remembers a base the caller's transaction stored (call it once the transaction has committed).
    func remember(_ group: Group, id: Int64) {
        lock.withLock {
            if current.count >= capacity { current.removeAll(keepingCapacity: true) }
            if stored.count >= capacity { stored.removeAll(keepingCapacity: true) }
            current[group.key] = (id, group.base)
            stored[id] = group.base
        }
    }

    /// The base stored as row `id`, read from the file the first time.
    func base(_ id: Int64, in db: Database) throws -> BaseMessage {
        if let found = lock.withLock({ stored[id] }) { return found }
        guard let body = try Data.fetchOne(db, sql: "SELECT body FROM message_bases WHERE id = ?", arguments: [id]) else {
            throw OutboxStoreError.corruptRow("no message base \(id)")
        }
        guard let message = MessageJSON.fastDecode(body) else {
            throw OutboxStoreError.corruptRow("message base \(id) does not read back")
        }
        let base = BaseMessage(message)
        lock.withLock {
            if stored.count >= capacity { stored.removeAll(keepingCapacity: true) }
            stored[id] = base
        }
        return base
    }

    /// The message in `row`: its body at `bodyIndex`, its base's id (or NULL) at `baseIndex`.
    func message(_ row: Row, bodyIndex: Int, baseIndex: Int, in db: Database, decoder: JSONDecoder) throws -> OutboundMessage {
        let baseID: Int64? = row[baseIndex]
        let base = try baseID.map { try self.base($0, in: db) }
        return try row.withUnsafeData(atIndex: bodyIndex) { data throws -> OutboundMessage in
            // The column's bytes as SQLite holds them: read once, without first making a String of the whole JSON.
            guard let data else { throw OutboxStoreError.corruptRow("message is NULL") }
            if let base { return try MessageJSON.decode(data, base: base) }
            return try MessageJSON.decode(data, decoder: decoder)
        }
    }
}
