import Foundation
import LiaisonModel
import Yams

/// The `translation:` section: which engine machine translates staff text nobody has translated (a labelled
/// fallback, shown with the original), and how long it may take.
public struct TranslationSettings: Sendable, Hashable {
    public enum Engine: String, Sendable, Hashable, CaseIterable {
        /// No machine translation: untranslated text goes as written, marked.
        case none
        /// Apertium on this machine (`apt install apertium apertium-eng-spa`).
        case apertium
        /// A self-hosted service speaking the LibreTranslate API.
        case libretranslate
    }

    public var engine: Engine = .none
    /// The LibreTranslate service (https, or http to this machine only: family text never crosses a network in clear).
    public var url: String?
    /// Its API key, from the environment or a file.
    public var apiKey: SecretReference?
    /// How long the translations of one send may take in all.
    public var timeout: Duration = .seconds(30)
    /// The same for an urgent alert: then it goes with the original, marked, rather than wait.
    public var urgentTimeout: Duration = .seconds(2)

    public init() {}
}

extension DaemonSettingsReader {
    /// `translation.engine`, `url`, `api_key_env`, `api_key_file`, `timeout`, `urgent_timeout`.
    mutating func translation(_ values: [String: Node]) -> TranslationSettings {
        var settings = TranslationSettings()
        if let raw = nodes.scalar(values["translation.engine"]) {
            if let engine = TranslationSettings.Engine(rawValue: raw.lowercased()) {
                settings.engine = engine
            } else {
                nodes.error(
                    "config.invalid-value", "translation.engine must be none, apertium or libretranslate, not \"\(raw)\"",
                    values["translation.engine"], "translation.engine")
            }
        }
        if let url = nodes.scalar(values["translation.url"]) {
            let parsed = URL(string: url)
            let host = parsed?.host?.lowercased() ?? ""
            let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
            if parsed?.scheme == "https" || (parsed?.scheme == "http" && loopback) {
                settings.url = url
            } else {
                nodes.error(
                    "config.insecure-transport",
                    "translation.url must be https (or http to this machine): the text of letters to families would cross the network in clear",
                    values["translation.url"], "translation.url")
            }
        }
        settings.apiKey = nodes.secret(values, env: "translation.api_key_env", file: "translation.api_key_file", path: "translation")
        if let value = nodes.duration(values["translation.timeout"], path: "translation.timeout") { settings.timeout = value }
        if let value = nodes.duration(values["translation.urgent_timeout"], path: "translation.urgent_timeout") { settings.urgentTimeout = value }
        if settings.engine == .libretranslate, settings.url == nil, values["translation.url"] == nil {
            nodes.error("config.missing-key", "translation.engine libretranslate needs translation.url", values["translation.engine"], "translation.url")
        }
        return settings
    }
}
