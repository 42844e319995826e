import Foundation
import LiaisonModel

#if canImport(Glibc)
import Glibc
#endif

/// Files holding family data (the SQLite state, the file channel's messages) are the service user's alone: files
/// 0600 and folders 0700 whatever the process's umask, and existing ones with wider modes are tightened when opened.
public enum PrivateFiles {
    public static let fileMode: mode_t = 0o600
    public static let folderMode: mode_t = 0o700

    /// Where notices about tightened permissions go: they name Liaison's own paths and counts, never a family's data.
    /// Standard error by default; the daemon sends them to its log.
    public static let notices = Locked<@Sendable (String) -> Void>({ notice in
        FileHandle.standardError.write(Data("liaison: notice: \(notice)\n".utf8))
    })

    static func notify(_ notice: String) {
        notices.value(notice)
    }

    /// Creates the folder at `path` (and each missing parent) with mode 0700 whatever the umask; an existing folder
    /// at `path` open to other users is tightened to 0700 with a notice. Existing parents are left as they are.
    public static func folder(_ path: String) throws {
        var missing: [String] = []
        var current = (path as NSString).standardizingPath
        while !current.isEmpty, current != "/", !FileManager.default.fileExists(atPath: current) {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for folder in missing.reversed() {
            if mkdir(folder, folderMode) != 0, errno != EEXIST {
                throw FileModeError("cannot create the folder \(folder): \(String(cString: strerror(errno)))")
            }
            _ = chmod(folder, folderMode)
        }
        if missing.isEmpty { tighten(path, to: folderMode) }
    }

    /// Writes `data` to a new file at `path` (replacing one that is there) created with mode 0600 whatever the umask.
    public static func write(_ data: Data, to path: String) throws {
        _ = unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { throw FileModeError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        _ = fchmod(descriptor, fileMode)
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FileModeError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    /// Makes sure the SQLite database at `path` is 0600 before SQLite opens it: a new one is created empty (SQLite
    /// reads an empty file as an empty database, and gives its -wal and -shm files the database's mode); an existing
    /// one, and its -wal and -shm, are tightened with `chmod` alone.
    ///
    /// - Important: call it only while this process has no SQLite connection on the file. Closing any descriptor of a
    ///   file drops every POSIX lock the process holds on it, SQLite's too: a connection in WAL mode would lose the
    ///   shared lock that tells other processes it is there, and the next one to close would checkpoint and delete
    ///   the WAL under it (seen: a daemon's later writes went to a deleted WAL, invisible to `liaison outbox`).
    ///   An existing file is never opened here.
    public static func database(_ path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if descriptor >= 0 {
            _ = fchmod(descriptor, fileMode)
            close(descriptor)
        } else if errno != EEXIST {
            throw FileModeError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
            tighten(file, to: fileMode)
        }
    }

    /// Tightens everything below `folder` (files 0600, folders 0700), with one notice giving counts.
    public static func tree(_ folder: String) {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return }
        var files = 0
        var folders = 0
        while let relative = enumerator.nextObject() as? String {
            let path = (folder as NSString).appendingPathComponent(relative)
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & 0o077 != 0 else { continue }
            switch info.st_mode & 0o170000 {
            case 0o040000: if chmod(path, folderMode) == 0 { folders += 1 }
            case 0o100000: if chmod(path, fileMode) == 0 { files += 1 }
            default: break  // links and the like are left alone
            }
        }
        if files + folders > 0 {
            notify("tightened \(files) file(s) to 0600 and \(folders) folder(s) to 0700 under \(folder): they were open to other users")
        }
    }

    /// Sets `mode` on an existing file or folder open to other users (group or others have any permission), with a notice.
    static func tighten(_ path: String, to mode: mode_t) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & 0o077 != 0 else { return }
        let before = String(info.st_mode & 0o777, radix: 8)
        if chmod(path, mode) == 0 {
            notify("tightened \(path) from \(before) to \(String(mode, radix: 8)): it was open to other users")
        } else {
            notify("cannot tighten \(path) (mode \(before)) to \(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
        }
    }
}

public struct FileModeError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
