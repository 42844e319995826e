/// A dictionary that never holds more than `capacity` entries: the least recently used are forgotten first.
///
/// Two generations instead of a linked list: entries live in `current` until it is half the capacity, then it
/// becomes `previous` and the old `previous` is dropped; an entry used again moves back into `current`. Each
/// operation is O(1) amortized, and a flood of new keys can only push out entries that have not been used since
/// the generation before, except those the caller asks to keep (an address serving a penalty), of which at most a
/// quarter of the capacity carries over.
public struct RecentTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public let capacity: Int
    private var current: [Key: Value] = [:]
    private var previous: [Key: Value] = [:]

    public init(capacity: Int) {
        self.capacity = max(capacity, 4)
    }

    public var count: Int { current.count + previous.count }

    /// The value for `key`, marking it as used.
    public mutating func value(for key: Key) -> Value? {
        if let value = current[key] { return value }
        guard let value = previous.removeValue(forKey: key) else { return nil }
        current[key] = value
        return value
    }

    /// The value for `key`, without marking it as used.
    public func peek(_ key: Key) -> Value? {
        current[key] ?? previous[key]
    }

    /// Stores `value` under `key`, as most recently used; when that fills the newest generation, the oldest one is
    /// dropped, apart from the entries `keep` picks.
    public mutating func set(_ key: Key, _ value: Value, keeping keep: (Value) -> Bool = { _ in false }) {
        if previous.removeValue(forKey: key) == nil, current[key] == nil, current.count >= capacity / 2 {
            var kept: [Key: Value] = [:]
            for (oldKey, oldValue) in previous where kept.count < capacity / 4 && keep(oldValue) {
                kept[oldKey] = oldValue
            }
            previous = current
            current = kept
        }
        current[key] = value
    }
}
