import Foundation
import LiaisonInputs
import LiaisonModel

/// The channels a school's configuration describes, built once: SMTP relays for email, webhook gateways for
/// SMS, voice and chat, and the file channel for every kind nothing else carries.
public struct ChannelSet: Sendable {
    public var channels: [ChannelKind: any Channel]
    /// Lines for people: which channel carries which kind.
    public var summary: [String]

    /// Builds the channels; secrets are read from the environment or files here, and a missing one is an error
    /// that names where it was looked for.
    public static func make(
        settings: DeliverySettings, school: School, fileFolder: String? = nil, filesOnly: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ChannelSet {
        let composer = MailComposer.school(school, settings: settings)
        var channels: [ChannelKind: any Channel] = [:]
        var summary: [String] = []
        if !filesOnly {
            if !settings.relays.isEmpty {
                channels[.email] = try SMTPChannel(relays: settings.relays, composer: composer, environment: environment)
                summary.append("email: SMTP via \(settings.relays.map { "\($0.name) (\($0.url))" }.joined(separator: ", "))")
            }
            for webhook in settings.webhooks {
                let channel = try WebhookChannelFactory.make(webhook, environment: environment)
                for kind in webhook.kinds where channels[kind] == nil {
                    channels[kind] = channel
                }
                summary.append("\(webhook.kinds.map(\.rawValue).joined(separator: ", ")): webhook \(webhook.name) (\(webhook.url))")
            }
        }
        let missing = ChannelKind.known.filter { channels[$0] == nil }
        if !missing.isEmpty {
            let folder = fileFolder ?? settings.filesFolder
            let files = try FileChannel(folder: folder, composer: composer, kinds: Set(missing))
            for kind in missing { channels[kind] = files }
            summary.append("\(missing.map(\.rawValue).joined(separator: ", ")): files in \(folder)")
        }
        return ChannelSet(channels: channels, summary: summary)
    }

    /// Lets every channel finish and close its connections.
    public func shutdown() async {
        var seen = Set<ObjectIdentifier>()
        for channel in channels.values {
            let id = ObjectIdentifier(channel as AnyObject)
            if seen.insert(id).inserted { await channel.shutdown() }
        }
    }
}


public struct ChannelSetupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
