import Foundation
import LiaisonInputs
import LiaisonModel

/// Builds a webhook channel from liaison.yaml's settings, reading its template and secrets.
enum WebhookChannelFactory {
    static func make(_ settings: WebhookSettings, environment: [String: String]) throws -> WebhookChannel {
        guard let data = FileManager.default.contents(atPath: settings.template), let text = String(data: data, encoding: .utf8) else {
            throw ChannelSetupError("webhook \(settings.name): the template \(settings.template) cannot be read")
        }
        // Saved with Windows line ends, it reads as with LF (as message templates do).
        let template = Whitespace.unixLineEnds(text)
        var secrets: [String] = []
        if let reference = settings.secret {
            do {
                secrets = try reference.resolve(environment: environment).split(whereSeparator: \.isWhitespace).map(String.init)
            } catch {
                throw ChannelSetupError("webhook \(settings.name): the signing secret cannot be read: \(error)")
            }
        }
        let target = WebhookTarget(
            name: settings.name, url: settings.url, kinds: Set(settings.kinds), template: template, secrets: secrets,
            timeout: settings.timeout, maxConnections: settings.maxConnections, headers: [], caFile: settings.caFile)
        do {
            return try WebhookChannel(target: target)
        } catch {
            throw ChannelSetupError("webhook \(settings.name): \(error)")
        }
    }
}
