import Foundation

/// One fuzz input, split into the parts a target needs.
///
/// Parts are separated by a line holding only `%%` (the bytes `\n%%\n`), so a seed or a regression file stays a
/// readable text file: `template⏎%%⏎partial⏎%%⏎message`. A missing part is `nil`; an input without separator is
/// one part.
public struct FuzzInput: Sendable {
    public static let separator: [UInt8] = Array("\n%%\n".utf8)

    public let bytes: [UInt8]
    public let parts: [[UInt8]]

    public init(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        parts = Self.split(bytes)
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        parts = Self.split(bytes)
    }

    /// The bytes of part `index`, or `nil` when the input has fewer parts.
    public func part(_ index: Int) -> [UInt8]? {
        index < parts.count ? parts[index] : nil
    }

    /// Part `index` as text (invalid UTF-8 repaired), or `fallback` when the input has fewer parts.
    public func text(_ index: Int, or fallback: String) -> String {
        part(index).map { String(decoding: $0, as: UTF8.self) } ?? fallback
    }

    static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var start = 0
        var index = 0
        let separator = Self.separator
        while index + separator.count <= bytes.count {
            if bytes[index] == separator[0], bytes[index..<(index + separator.count)].elementsEqual(separator) {
                parts.append(Array(bytes[start..<index]))
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(Array(bytes[start...]))
        return parts
    }
}

/// A folder of this process's own for loaders that take paths (configuration, roster, catalogs, templates).
/// It lives in /dev/shm when there is one (no disk writes at thousands of executions a second) and is removed at
/// exit; a crash leaves it behind, named after the process id.
public enum Scratch {
    public static let folder: String = {
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = (base as NSString).appendingPathComponent("liaison-fuzz-\(getpid())")
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Scratch.folder) }
        return path
    }()

    /// `folder/relative`, its parent folders created.
    public static func path(_ relative: String) -> String {
        let path = (folder as NSString).appendingPathComponent(relative)
        let parent = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: parent) {
            try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        }
        return path
    }

    /// Writes `bytes` to `folder/relative` (replacing it) and returns the full path.
    ///
    /// An empty part is written as one line break: Foundation's `FileManager.contents(atPath:)`, which every
    /// loader reads with, leaks a 4 kB buffer each time it reads an empty file (Swift 6.3.1 on Linux), and at
    /// hundreds of executions a second that ends as a false out-of-memory. Every loader reads a lone line break as
    /// it reads an empty file (no header row, an empty document, no XML).
    @discardableResult
    public static func save(_ bytes: [UInt8], to relative: String) -> String {
        let bytes = bytes.isEmpty ? [0x0A] : bytes
        let path = path(relative)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { fatalError("fuzz scratch: cannot write \(path): errno \(errno)") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { fatalError("fuzz scratch: short write to \(path): errno \(errno)") }
            offset += written
        }
        close(fd)
        return path
    }

    @discardableResult
    public static func save(_ text: String, to relative: String) -> String {
        save(Array(text.utf8), to: relative)
    }

    /// Removes `folder/relative` if it exists.
    public static func remove(_ relative: String) {
        unlink((folder as NSString).appendingPathComponent(relative))
    }
}

/// Fixed dates and zones, so that a finding reproduces on another day.
public enum FuzzClock {
    /// 2026-09-01T08:00:00Z.
    public static let now = Date(timeIntervalSince1970: 1_788_249_600)
    public static let london = TimeZone(identifier: "Europe/London")!
}

/// What a target found for one input, printed when LIAISON_FUZZ_VERBOSE is set (to see why an input does or does
/// not reach some code: `LIAISON_FUZZ_VERBOSE=1 fuzz/.build/debug/fuzz-render file`). Silent while fuzzing.
public enum FuzzLog {
    public static let verbose = getenv("LIAISON_FUZZ_VERBOSE") != nil

    public static func show(_ label: String, _ lines: @autoclosure () -> [String]) {
        guard verbose else { return }
        let all = lines()
        FileHandle.standardError.write(Data("-- \(label) (\(all.count))\n".utf8))
        for line in all.prefix(50) { FileHandle.standardError.write(Data("   \(line.prefix(300))\n".utf8)) }
        if all.count > 50 { FileHandle.standardError.write(Data("   … \(all.count - 50) more\n".utf8)) }
    }
}
