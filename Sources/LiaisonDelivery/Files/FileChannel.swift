import Foundation
import LiaisonModel
import LiaisonStore

/// Writes each message as a file instead of sending it: email as an `.eml` in a Maildir (`new/`), webhook kinds
/// as JSON under `webhooks/<kind>/`. The embedded default for the demo and for dry runs.
///
/// File names derive from the delivery key, so writing a delivery again replaces its file rather than adding one.
/// Files are 0600 and folders 0700 whatever the umask (they are letters to families); opening the channel tightens
/// what an older version or another tool left open to other users.
public final class FileChannel: Channel {
    public let name: String
    public let kinds: Set<ChannelKind>
    public let folder: URL
    private let composer: MailComposer
    private let clock: @Sendable () -> Date

    public init(
        name: String = "files", folder: String, composer: MailComposer, kinds: Set<ChannelKind> = Set(ChannelKind.known),
        clock: @escaping @Sendable () -> Date = Date.init
    ) throws {
        self.name = name
        self.kinds = kinds
        self.folder = URL(fileURLWithPath: folder)
        self.composer = composer
        self.clock = clock
        try PrivateFiles.folder(folder)
        for sub in ["tmp", "new", "cur"] {
            try PrivateFiles.folder(self.folder.appendingPathComponent(sub).path)
        }
        PrivateFiles.tree(folder)
    }

    /// A file name that is stable for a delivery key.
    public static func fileName(for key: DeliveryKey) -> String {
        let digest = String(StableHash.sha256Hex(key.rawValue).prefix(24))
        let readable = key.rawValue.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.prefix(60)
        return "\(String(readable)).\(digest)"
    }

    /// Where the file for a delivery goes.
    public func url(for delivery: Delivery) -> URL {
        let name = Self.fileName(for: delivery.key)
        if delivery.key.channel == .email {
            return folder.appendingPathComponent("new").appendingPathComponent(name + ".eml")
        }
        return folder.appendingPathComponent("webhooks").appendingPathComponent(delivery.key.channel.rawValue).appendingPathComponent(name + ".json")
    }

    public func send(_ delivery: Delivery) async -> ChannelOutcome {
        let data: Data
        if delivery.key.channel == .email {
            do {
                data = Data(try composer.mime(for: delivery, date: clock()).utf8)
            } catch {
                return .failed(reply: "the message cannot be built: \(error)")
            }
        } else {
            let record: [String: String?] = [
                "key": delivery.key.rawValue, "channel": delivery.key.channel.rawValue, "to": delivery.address,
                "name": delivery.recipientName, "language": delivery.message.language, "subject": delivery.message.subject,
                "text": delivery.message.text, "ack_url": delivery.message.ackURL,
            ]
            do {
                data = try JSONSerialization.data(withJSONObject: record.compactMapValues { $0 }, options: [.prettyPrinted, .sortedKeys])
            } catch {
                return .failed(reply: "the message cannot be encoded: \(error)")
            }
        }
        let target = url(for: delivery)
        // Write to tmp/ first and rename, as Maildir readers expect: a file in new/ is always complete.
        let temporary = folder.appendingPathComponent("tmp").appendingPathComponent(UUID().uuidString)
        do {
            try PrivateFiles.folder(target.deletingLastPathComponent().path)
            try PrivateFiles.write(data, to: temporary.path)
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.moveItem(at: temporary, to: target)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            return .retry(reply: "cannot write \(target.path): \(error)", after: nil)
        }
        return .sent(reply: "written to \(target.path)")
    }

    public func shutdown() async {}
}
