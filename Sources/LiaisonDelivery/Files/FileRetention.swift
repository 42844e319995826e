import Foundation
import LiaisonModel

/// The file channel's letters on disk, as retention and erasure see them: removed by age (the `files` period) or by
/// the delivery keys of an erased family.
public struct FileRetention: Sendable {
    /// Folders holding letters: the file channel's Maildir, `liaison send --dry-run`'s folders.
    public var folders: [URL]

    public init(folders: [String]) {
        self.folders = folders.map { URL(fileURLWithPath: $0) }
    }

    /// Removes letters last written before `cutoff` (regular files only; symbolic links are not followed), and dry-run
    /// folders left empty. Returns how many files went.
    public func removeOlder(than cutoff: Date) -> Int {
        var removed = 0
        for folder in folders {
            removed += Self.sweep(folder) { url, values in
                (values.contentModificationDate ?? .distantFuture) < cutoff
            }
        }
        return removed
    }

    /// Removes every letter written for `keys` (the file channel names them by key: `new/`, `cur/` once a mail
    /// reader has seen them, `webhooks/<kind>/`). Returns how many files went.
    public func remove(keys: [DeliveryKey]) -> Int {
        guard !keys.isEmpty else { return 0 }
        let names = Set(keys.map { FileChannel.fileName(for: $0) })
        var removed = 0
        for folder in folders {
            removed += Self.sweep(folder) { url, _ in
                // `name.eml`, `name.json`, or a Maildir reader's `name.eml:2,S`.
                let file = url.lastPathComponent
                guard let dot = file.range(of: ".eml") ?? file.range(of: ".json") else { return false }
                return names.contains(String(file[..<dot.lowerBound]))
            }
        }
        return removed
    }

    /// Walks `folder`, removing the regular files `doomed` picks; a dry run's folder left without letters goes too.
    private static func sweep(_ folder: URL, doomed: (URL, URLResourceValues) -> Bool) -> Int {
        var removed = 0
        for (entry, values) in entries(folder) {
            if values.isDirectory == true {
                removed += sweep(entry, doomed: doomed)
                if folder.lastPathComponent == "dry-run", countFiles(entry) == 0 { try? FileManager.default.removeItem(at: entry) }
            } else if values.isRegularFile == true, doomed(entry, values) {
                if (try? FileManager.default.removeItem(at: entry)) != nil { removed += 1 }
            }
        }
        return removed
    }

    private static let keys: [URLResourceKey] = [.isRegularFileKey, .isDirectoryKey, .isSymbolicLinkKey, .contentModificationDateKey]

    /// The entries of `folder` with their kinds, symbolic links left out (never followed, never removed).
    private static func entries(_ folder: URL) -> [(URL, URLResourceValues)] {
        guard let urls = try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys) else { return [] }
        return urls.compactMap { url in
            guard let values = try? url.resourceValues(forKeys: Set(keys)), values.isSymbolicLink != true else { return nil }
            return (url, values)
        }
    }

    private static func countFiles(_ folder: URL) -> Int {
        entries(folder).reduce(0) { count, entry in
            count + (entry.1.isDirectory == true ? countFiles(entry.0) : entry.1.isRegularFile == true ? 1 : 0)
        }
    }
}
