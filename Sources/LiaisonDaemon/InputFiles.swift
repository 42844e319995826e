import Foundation
import LiaisonInputs

/// The files a school's configuration reads, with what identifies a version of each (size, modification time,
/// inode), to notice edits, replacements and deletions.
enum InputFiles {
    struct Stamp: Hashable, Sendable {
        var size: UInt64
        var modified: Double
        var inode: UInt64
    }

    static func paths(of configuration: LiaisonConfiguration) -> [String] {
        var files = [
            configuration.file, configuration.roster.families, configuration.roster.guardians, configuration.roster.students,
            configuration.roster.guardianships, configuration.schedule,
        ]
        if let progress = configuration.progress { files.append(progress) }
        files += configuration.calendars.sources.map(\.file)
        let forms = configuration.schedule.isEmpty ? [] : [ScheduleLoader.formsFolder(ofSchedule: configuration.schedule)]
        for folder in configuration.templateDirectories + configuration.localeDirectories + forms {
            guard let walker = FileManager.default.enumerator(atPath: folder) else { continue }
            while let name = walker.nextObject() as? String { files.append((folder as NSString).appendingPathComponent(name)) }
        }
        return files
    }

    /// Stamps by path; a missing file has no entry.
    static func stamps(of configuration: LiaisonConfiguration) -> [String: Stamp] {
        var result: [String: Stamp] = [:]
        for path in paths(of: configuration) {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
            result[path] = Stamp(size: UInt64(info.st_size), modified: modified, inode: UInt64(info.st_ino))
        }
        return result
    }

    /// Paths added, removed or changed.
    static func changes(from old: [String: Stamp], to new: [String: Stamp]) -> [String] {
        Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.sorted()
    }
}
