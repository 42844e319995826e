import Foundation
import LiaisonModel

/// Small helpers shared by the loaders: file access, paths, UTF-8 checks, spelling suggestions.
enum Support {
    enum FileState {
        case file
        case directory
        case missing
    }

    static func state(of path: String) -> FileState {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        return isDirectory.boolValue ? .directory : .file
    }

    /// Reads a whole regular file of at most `limit` bytes, or explains why it cannot be read (`config.missing-file`,
    /// `limit.file-size`): a device or pipe named as a roster would otherwise be read forever.
    static func readFile(_ path: String, limit: Int = InputLimits.standard.fileBytes) -> Loaded<[UInt8]> {
        switch state(of: path) {
        case .missing:
            return .problem(.error("config.missing-file", "\(path) does not exist", at: SourceLocation(file: path)))
        case .directory:
            return .problem(.error("config.missing-file", "\(path) is a folder, not a file", at: SourceLocation(file: path)))
        case .file:
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            guard attributes?[.type] as? FileAttributeType == .typeRegular else {
                return .problem(.error("config.missing-file", "\(path) is not a regular file", at: SourceLocation(file: path)))
            }
            if let size = attributes?[.size] as? Int, size > limit {
                return .problem(.error(
                    "limit.file-size", "\(path) is \(size) bytes. \(InputLimits.advice(.fileBytes, limit))", at: SourceLocation(file: path)))
            }
            guard let handle = FileHandle(forReadingAtPath: path) else {
                return .problem(.error("config.missing-file", "\(path) cannot be read", at: SourceLocation(file: path)))
            }
            defer { try? handle.close() }
            guard let data = try? handle.read(upToCount: limit + 1) ?? Data() else {
                return .problem(.error("config.missing-file", "\(path) cannot be read", at: SourceLocation(file: path)))
            }
            if data.count > limit {
                return .problem(.error(
                    "limit.file-size", "\(path) grew past the limit while it was read. \(InputLimits.advice(.fileBytes, limit))",
                    at: SourceLocation(file: path)))
            }
            return .value([UInt8](data))
        }
    }

    // MARK: Paths

    /// The folder part of a path as written (`""` for a bare file name).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Joins a path written in a file with the folder of that file, keeping relative paths relative,
    /// and removes `.` and resolvable `..` components lexically.
    static func join(_ folder: String, _ path: String) -> String {
        if path.hasPrefix("/") || folder.isEmpty { return normalize(path) }
        return normalize(folder.hasSuffix("/") ? folder + path : folder + "/" + path)
    }

    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
                continue
            }
            if part == "..", absolute, parts.isEmpty { continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    // MARK: UTF-8

    /// Offset of the first byte that is not part of well-formed UTF-8, or `nil`.
    static func firstInvalidUTF8(_ bytes: [UInt8], from start: Int = 0) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            var index = start
            while index < count {
                let lead = buffer[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                var needed: Int
                var scalar: UInt32
                var minimum: UInt32
                if lead & 0xE0 == 0xC0 {
                    needed = 1; scalar = UInt32(lead & 0x1F); minimum = 0x80
                } else if lead & 0xF0 == 0xE0 {
                    needed = 2; scalar = UInt32(lead & 0x0F); minimum = 0x800
                } else if lead & 0xF8 == 0xF0 {
                    needed = 3; scalar = UInt32(lead & 0x07); minimum = 0x10000
                } else {
                    return index
                }
                if index + needed >= count { return index }
                for offset in 1...needed {
                    let next = buffer[index + offset]
                    if next & 0xC0 != 0x80 { return index }
                    scalar = scalar << 6 | UInt32(next & 0x3F)
                }
                if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return index }
                index += needed + 1
            }
            return nil
        }
    }

    /// 1-based line and column (in Unicode scalars, counting undecodable bytes as one) of a byte offset.
    /// CRLF, LF and lone CR each end a line.
    static func position(of offset: Int, in bytes: [UInt8], from start: Int = 0) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var index = start
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == 0x0D {
                line += 1
                column = 1
                if index + 1 < end, bytes[index + 1] == 0x0A { index += 1 }
            } else if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return (line, column)
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }

    /// An explanation of a byte-order mark that is not UTF-8, if the data starts with one.
    static func foreignEncoding(_ bytes: [UInt8]) -> String? {
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return "UTF-16 (little-endian)" }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return "UTF-16 (big-endian)" }
        return nil
    }

    // MARK: Suggestions

    /// The closest known name when the unknown one looks like a typo of it; of equally close ones the first in
    /// sorted order, so the same mistake always gets the same suggestion (candidates often come from a set).
    static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        let lowered = name.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            guard distance <= max(1, min(2, candidate.count / 4)) else { continue }
            if let current = best, distance > current.distance || (distance == current.distance && candidate >= current.name) {
                continue
            }
            best = (candidate, distance)
        }
        return best?.name
    }

    static func didYouMean(_ name: String, among candidates: some Sequence<String>) -> String {
        suggestion(for: name, among: candidates).map { " (did you mean \"\($0)\"?)" } ?? ""
    }

    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs.unicodeScalars), b = Array(rhs.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        if abs(a.count - b.count) > 3 { return abs(a.count - b.count) }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// `"a", "b" and "c"` for messages.
    static func list(_ items: [String]) -> String {
        items.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}

/// A value, or the diagnostic that explains why there is none.
enum Loaded<Value> {
    case value(Value)
    case problem(Diagnostic)
}
