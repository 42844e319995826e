import Foundation
import LiaisonInputs
import LiaisonStore
import Logging

/// A copy of the school's inputs as they were when they last loaded without errors (roster, schedule, progress,
/// calendars, templates, catalogs), kept in the state folder. A daemon that starts on broken inputs serves from it,
/// so alerts and acknowledgement pages keep working while the office fixes the files, instead of refusing to start.
///
/// The copy mirrors each file's absolute path under `current/files`; it is written beside the old one and swapped
/// in with two renames, so a crash while recording leaves the previous copy whole. Files 0600, folders 0700.
struct LastGoodInputs: Sendable {
    let folder: String

    init(stateFolder: String) {
        folder = (stateFolder as NSString).appendingPathComponent("last-good")
    }

    private var current: String { (folder as NSString).appendingPathComponent("current") }
    private var files: String { (current as NSString).appendingPathComponent("files") }
    private var stampFile: String { (current as NSString).appendingPathComponent("recorded-at") }

    /// The files a configuration reads its school from (not liaison.yaml itself, which stays live).
    static func inputs(of configuration: LiaisonConfiguration) -> [String] {
        var paths = InputFiles.paths(of: configuration).filter { $0 != configuration.file }
        if let source = configuration.oneRoster {
            for name in ["orgs.csv", "users.csv", "classes.csv", "enrollments.csv", "demographics.csv"] {
                paths.append((source.folder as NSString).appendingPathComponent(name))
            }
            if let languages = source.languagesFile { paths.append(languages) }
        }
        return paths
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    /// Copies the inputs of `configuration` as the new last good copy.
    func record(_ configuration: LiaisonConfiguration, at date: Date) throws {
        let manager = FileManager.default
        // The roster is family data: folders 0700 and files 0600 from the moment they exist, whatever the umask.
        try PrivateFiles.folder(folder)
        let staging = (folder as NSString).appendingPathComponent("new-\(getpid())")
        try? manager.removeItem(atPath: staging)
        let stagingFiles = (staging as NSString).appendingPathComponent("files")
        for path in Self.inputs(of: configuration) {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let target = stagingFiles + Self.absolute(path)
            try PrivateFiles.folder((target as NSString).deletingLastPathComponent)
            try PrivateFiles.write(try Data(contentsOf: URL(fileURLWithPath: path)), to: target)
        }
        try PrivateFiles.folder(staging)
        try PrivateFiles.write(Data(ISO8601DateFormatter().string(from: date).utf8), to: (staging as NSString).appendingPathComponent("recorded-at"))
        let old = (folder as NSString).appendingPathComponent("old-\(getpid())")
        try? manager.removeItem(atPath: old)
        if manager.fileExists(atPath: current) { try manager.moveItem(atPath: current, toPath: old) }
        try manager.moveItem(atPath: staging, toPath: current)
        try? manager.removeItem(atPath: old)
    }

    /// When the copy was recorded, if there is one.
    var recordedAt: String? {
        FileManager.default.contents(atPath: stampFile).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `configuration` reading its school from the copy instead of the live files; `nil` when nothing was recorded.
    /// Everything else (state, channels, secrets, server) stays as the live liaison.yaml says.
    func configuration(replacing configuration: LiaisonConfiguration) -> LiaisonConfiguration? {
        guard recordedAt != nil else { return nil }
        func copy(_ path: String) -> String { files + Self.absolute(path) }
        var fallback = configuration
        fallback.roster = RosterFiles(
            families: copy(configuration.roster.families), guardians: copy(configuration.roster.guardians),
            students: copy(configuration.roster.students), guardianships: copy(configuration.roster.guardianships))
        fallback.schedule = copy(configuration.schedule)
        fallback.progress = configuration.progress.map(copy)
        fallback.templateDirectories = configuration.templateDirectories.map(copy)
        fallback.localeDirectories = configuration.localeDirectories.map(copy)
        fallback.calendars.sources = configuration.calendars.sources.map { source in
            var source = source
            source.file = copy(source.file)
            return source
        }
        if var source = configuration.oneRoster {
            source.folder = copy(source.folder)
            source.languagesFile = source.languagesFile.map(copy)
            fallback.oneRoster = source
        }
        return fallback
    }
}
