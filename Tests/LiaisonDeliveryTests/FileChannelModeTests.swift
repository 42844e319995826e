import Foundation
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonDelivery

/// The file channel's messages are letters to families: owner-only files in owner-only folders whatever the umask.
@Suite(.serialized) struct FileChannelModeTests {
    func mode(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    @Test func messagesAreWrittenOwnerOnlyUnderUmask022() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-files-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = root + "/dry-run/sports-day"
        let previous = umask(0o022)
        defer { umask(previous) }
        let files = try FileChannel(folder: folder, composer: testComposer)
        let mail = sampleDelivery(to: "layla@example.net")
        var sms = sampleDelivery(to: "+447700900101", guardian: "G2")
        sms.key.channel = .sms
        for delivery in [mail, sms] {
            guard case .sent = await files.send(delivery) else { Issue.record("not written"); return }
        }
        for written in [files.url(for: mail).path, files.url(for: sms).path] {
            #expect(mode(written) == 0o600, "\(written): \(String(mode(written) ?? 0, radix: 8))")
        }
        for sub in ["", "/tmp", "/new", "/cur", "/webhooks", "/webhooks/sms"] {
            #expect(mode(folder + sub) == 0o700, "\(folder + sub)")
        }
        #expect(mode(root + "/dry-run") == 0o700, "a folder made on the way is owner-only too")
    }

    @Test func existingMessagesAreTightenedWhenTheChannelOpens() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-files-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let old = folder + "/new/old-letter.eml"
        try FileManager.default.createDirectory(atPath: folder + "/new", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: old, contents: Data("Subject: x\r\n\r\nDear Layla\r\n".utf8))
        for (path, wide) in [(folder, 0o755), (folder + "/new", 0o775), (old, 0o644)] { chmod(path, mode_t(wide)) }
        let notices = Locked<[String]>([])
        let previous = PrivateFiles.notices.value
        PrivateFiles.notices.value = { notice in notices.withLock { $0.append(notice) } }
        defer { PrivateFiles.notices.value = previous }

        _ = try FileChannel(folder: folder, composer: testComposer)
        #expect(mode(folder) == 0o700)
        #expect(mode(folder + "/new") == 0o700)
        #expect(mode(old) == 0o600)
        let mine = notices.value.filter { $0.contains(folder) }
        #expect(!mine.isEmpty, "\(notices.value)")
        #expect(!mine.contains { $0.contains("old-letter") }, "a notice gives counts, not the names of families' files")
    }
}
