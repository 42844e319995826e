/// A hash index from ids to positions in an array that holds the ids: only 32-bit positions are stored (the
/// records keep their ids), so an index of 100,000 guardians takes 1 MB instead of a dictionary's 6.
struct IDIndex: Sendable {
    /// Positions, or -1 for an empty slot; a power of two long, at most half full.
    private var slots: [Int32]

    /// Indexes `count` items by `id(position)`; a later duplicate of an id is not indexed (the first one wins).
    init(count: Int, id: (Int) -> String) {
        var size = 8
        while size < count * 2 { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for position in 0..<count {
            let key = id(position)
            var slot = key.hashValue & mask
            while true {
                let held = slots[slot]
                if held < 0 {
                    slots[slot] = Int32(position)
                    break
                }
                if id(Int(held)) == key { break }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The position of `key`, comparing with `id(position)`.
    func position(of key: String, id: (Int) -> String) -> Int? {
        let mask = slots.count - 1
        var slot = key.hashValue & mask
        while true {
            let held = slots[slot]
            if held < 0 { return nil }
            if id(Int(held)) == key { return Int(held) }
            slot = (slot + 1) & mask
        }
    }
}

/// Offsets into one of the roster's arrays for one record: most guardians have one child and most children one or
/// two guardians, so up to two are kept inline and only longer lists take an array of their own.
enum Offsets: Sendable {
    case one(Int32)
    case two(Int32, Int32)
    case many([Int32])

    var all: [Int32] {
        switch self {
        case .one(let a): [a]
        case .two(let a, let b): [a, b]
        case .many(let list): list
        }
    }

    func contains(where predicate: (Int32) -> Bool) -> Bool {
        switch self {
        case .one(let a): predicate(a)
        case .two(let a, let b): predicate(a) || predicate(b)
        case .many(let list): list.contains(where: predicate)
        }
    }

    /// Appends `offset` to the list in `slot`, starting one when the slot is empty.
    static func add(_ offset: Int32, to slot: inout Offsets?) {
        switch slot {
        case nil: slot = .one(offset)
        case .one(let a): slot = .two(a, offset)
        case .two(let a, let b): slot = .many([a, b, offset])
        case .many(var list):
            slot = nil  // keeps the array uniquely referenced while it grows
            list.append(offset)
            slot = .many(list)
        }
    }
}

extension Array {
    /// The same elements without spare capacity, when more than a sixteenth of the buffer is unused.
    func fitted() -> [Element] {
        guard capacity > count + count / 16 + 16 else { return self }
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            _ = buffer.initialize(from: self)
            initialized = count
        }
    }
}
