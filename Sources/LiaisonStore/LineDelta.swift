import LiaisonModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A text split into lines (each with its line feed, the last perhaps without), indexed by content, so that other
/// texts can be written as the lines they share with it (``LineDelta``).
struct BaseText: Sendable {
    let bytes: [UInt8]
    /// Line `i` is `bytes[starts[i]..<starts[i + 1]]`; the last entry is the end.
    let starts: [Int]
    /// The first line with each content, by the hash of its bytes (a collision keeps the first line: a lookup
    /// compares bytes, so it only costs a match).
    private let firstLine: [Int: Int]

    init(_ text: String) {
        let bytes = Array(text.utf8)
        let starts = bytes.withUnsafeBufferPointer { LineDelta.lineStarts($0) }
        var firstLine: [Int: Int] = [:]
        firstLine.reserveCapacity(starts.count)
        bytes.withUnsafeBufferPointer { buffer in
            for line in 0..<(starts.count - 1) {
                let hash = LineDelta.hash(UnsafeBufferPointer(rebasing: buffer[starts[line]..<starts[line + 1]]))
                if firstLine[hash] == nil { firstLine[hash] = line }
            }
        }
        self.bytes = bytes
        self.starts = starts
        self.firstLine = firstLine
    }

    var lineCount: Int { starts.count - 1 }

    /// Whether base line `line` is exactly `candidate`.
    @inline(__always)
    func line(_ line: Int, equals candidate: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[line]
        guard starts[line + 1] - start == candidate.count else { return false }
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, candidate.baseAddress!, candidate.count) == 0 }
    }

    /// A base line with exactly these bytes, if there is one.
    func find(_ candidate: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let line = firstLine[LineDelta.hash(candidate)], self.line(line, equals: candidate) else { return nil }
        return line
    }
}

/// A text written against a base text (``BaseText``) as a JSON array: `[first, count]` copies that many of the base's
/// lines, a string is the text's own. Letters to the guardians of one event differ from each other in a few lines
/// (a name, a link), so each is stored in a few hundred bytes instead of several kilobytes.
enum LineDelta {
    /// Appends `text` as a delta against `base` to `out` and returns true, or leaves `out` as it was and returns
    /// false when the delta would take `limit` bytes or more (a text that shares little with the base).
    static func append(_ text: String, against base: BaseText, to out: inout [UInt8], limit: Int) -> Bool {
        var text = text
        return text.withUTF8 { append(bytes: $0, against: base, to: &out, limit: limit) }
    }

    static func append(bytes: UnsafeBufferPointer<UInt8>, against base: BaseText, to out: inout [UInt8], limit: Int) -> Bool {
        let start = out.count
        out.append(0x5B)  // [
        var first = true
        var copyStart = -1
        var copyCount = 0
        var ownStart = -1
        func separate() {
            if !first { out.append(0x2C) }
            first = false
        }
        func flushCopy() {
            guard copyCount > 0 else { return }
            separate()
            out.append(0x5B)
            appendDecimal(copyStart, to: &out)
            out.append(0x2C)
            appendDecimal(copyCount, to: &out)
            out.append(0x5D)
            copyCount = 0
        }
        func flushOwn(_ end: Int) {
            guard ownStart >= 0 else { return }
            separate()
            out.append(0x22)
            JSONString.appendEscaped(bytes: UnsafeBufferPointer(rebasing: bytes[ownStart..<end]), to: &out)
            out.append(0x22)
            ownStart = -1
        }
        var expected = 0
        var index = 0
        while index < bytes.count {
            let end = lineEnd(bytes, from: index)
            let line = UnsafeBufferPointer(rebasing: bytes[index..<end])
            let match: Int? = expected < base.lineCount && base.line(expected, equals: line) ? expected : base.find(line)
            if let match {
                flushOwn(index)
                if copyCount > 0 && copyStart + copyCount == match {
                    copyCount += 1
                } else {
                    flushCopy()
                    copyStart = match
                    copyCount = 1
                }
                expected = match + 1
            } else {
                flushCopy()
                if ownStart < 0 { ownStart = index }
                // Most often a line of the base with a different name or link in it: the next lines follow it.
                expected += 1
            }
            index = end
            if out.count - start >= limit {
                out.removeSubrange(start...)
                return false
            }
        }
        flushOwn(bytes.count)
        flushCopy()
        out.append(0x5D)
        if out.count - start >= limit {
            out.removeSubrange(start...)
            return false
        }
        return true
    }

    /// One element of a delta as read back.
    enum Piece: Equatable {
        case copy(first: Int, count: Int)
        case own(String)
    }

    /// The text the pieces write against `base`; `nil` when a copy reaches outside the base.
    static func text(_ pieces: [Piece], base: BaseText) -> String? {
        var out: [UInt8] = []
        var size = 0
        for piece in pieces {
            switch piece {
            case .copy(let first, let count):
                guard first >= 0, count > 0, first <= base.lineCount - count else { return nil }
                size += base.starts[first + count] - base.starts[first]
            case .own(let text): size += text.utf8.count
            }
        }
        out.reserveCapacity(size)
        for piece in pieces {
            switch piece {
            case .copy(let first, let count): out.append(contentsOf: base.bytes[base.starts[first]..<base.starts[first + count]])
            case .own(let text): out.append(contentsOf: text.utf8)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Where each line of `bytes` starts, then the end (one entry, 0, for no bytes).
    static func lineStarts(_ bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        var starts = [0]
        var index = 0
        while index < bytes.count {
            index = lineEnd(bytes, from: index)
            starts.append(index)
        }
        return starts
    }

    /// Just past the line feed ending the line that starts at `index`, or the end of `bytes`.
    @inline(__always)
    static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int) -> Int {
        guard let found = memchr(bytes.baseAddress! + index, 0x0A, bytes.count - index) else { return bytes.count }
        return bytes.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        return hasher.finalize()
    }

    private static func appendDecimal(_ number: Int, to out: inout [UInt8]) {
        let start = out.count
        var rest = number
        repeat {
            out.append(0x30 + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        out[start...].reverse()
    }
}
