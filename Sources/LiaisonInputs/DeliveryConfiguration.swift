import Foundation
import LiaisonCurl
import LiaisonModel
import Yams

/// Where a secret lives: an environment variable or a file (never liaison.yaml itself).
public struct SecretReference: Sendable, Hashable, CustomStringConvertible {
    public var environment: String?
    public var file: String?

    public init(environment: String? = nil, file: String? = nil) {
        self.environment = environment
        self.file = file
    }

    /// Reads the secret; the error names where it was looked for, never the value.
    public func resolve(environment variables: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let name = environment {
            if let value = variables[name], !value.isEmpty { return value }
            if file == nil { throw SecretError("the environment variable \(name) is not set") }
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file),
                  let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
            else { throw SecretError("the secret file \(file) cannot be read or is empty") }
            return text
        }
        throw SecretError("no secret is configured")
    }

    public var description: String {
        [environment.map { "$\($0)" }, file].compactMap { $0 }.joined(separator: " or ")
    }
}

public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// How to protect a connection to a relay: the SMTP sessions' own setting (`tls:` in liaison.yaml).
public typealias TransportSecurity = SMTPSessionSettings.Security

/// One SMTP relay (Microsoft 365, Google Workspace, the school's own server) with its limits: the one relay
/// settings type, read from liaison.yaml and given as it is to the SMTP channel, which makes each session's
/// `SMTPSessionSettings` from it.
public struct RelaySettings: Sendable, Hashable {
    public var name: String
    /// `smtp://host:port` (STARTTLS per `security`) or `smtps://host:port` (TLS from the start).
    public var url: String
    public var security: TransportSecurity
    public var username: String?
    /// Where the password is; read when the channel is built, never kept in the configuration.
    public var password: SecretReference?
    public var maxConnections: Int
    public var perMinute: Int?
    public var perDay: Int?
    public var timeout: Duration
    /// `verify_peer: false` accepts any certificate (and so anyone in the middle): `check` warns about it.
    public var verifyPeer: Bool
    /// A CA bundle to trust (a school's own CA) instead of the system's (`ca_file`).
    public var caFile: String?
    /// `allow_password_without_tls: true`: the username and password may go over `smtp://` without TLS (`tls: none`,
    /// or `opportunistic` to a relay offering no STARTTLS). Without it a relay with credentials gets them only over TLS.
    public var allowPasswordWithoutTLS: Bool
    public var origin: SourceLocation?

    public init(
        name: String, url: String, security: TransportSecurity = .required, username: String? = nil, password: SecretReference? = nil,
        maxConnections: Int = 4, perMinute: Int? = nil, perDay: Int? = nil, timeout: Duration = .seconds(60), verifyPeer: Bool = true,
        caFile: String? = nil, allowPasswordWithoutTLS: Bool = false, origin: SourceLocation? = nil
    ) {
        self.name = name
        self.url = url
        self.security = security
        self.username = username
        self.password = password
        self.maxConnections = maxConnections
        self.perMinute = perMinute
        self.perDay = perDay
        self.timeout = timeout
        self.verifyPeer = verifyPeer
        self.caFile = caFile
        self.allowPasswordWithoutTLS = allowPasswordWithoutTLS
        self.origin = origin
    }

    /// Whether a username or password is configured.
    public var hasCredentials: Bool { username != nil || password != nil }

    /// The SMTP sessions' settings for this relay, with its password read.
    public func sessionSettings(password: String?) -> SMTPSessionSettings {
        SMTPSessionSettings(
            url: url, tls: security, username: username, password: password, verifyPeer: verifyPeer, caFile: caFile, timeout: timeout,
            allowPasswordWithoutTLS: allowPasswordWithoutTLS)
    }
}

/// One webhook gateway.
public struct WebhookSettings: Sendable, Hashable {
    public var name: String
    public var url: String
    public var kinds: [ChannelKind]
    /// Path of the Mustache template that makes the JSON body.
    public var template: String
    /// Standard Webhooks secrets (`whsec_…`, several separated by spaces for rotation).
    public var secret: SecretReference?
    public var maxConnections: Int
    public var timeout: Duration
    /// A CA bundle to trust instead of the system's (`ca_file`).
    public var caFile: String?
    public var origin: SourceLocation?
}

/// The `channels:`, `store:` and `retry:` sections of liaison.yaml.
public struct DeliverySettings: Sendable, Hashable {
    /// The sender of emails; the school's name is the display name.
    public var from: String?
    public var replyTo: String?
    public var relays: [RelaySettings] = []
    public var webhooks: [WebhookSettings] = []
    /// Folder for the file channel (a Maildir of `.eml` files, plus `.json` for webhook kinds): the embedded
    /// default when no relay or gateway is configured for a channel.
    public var filesFolder: String
    /// The SQLite outbox.
    public var sqlitePath: String
    public var retry: RetryPolicy
    /// How long a claim on outbox rows holds without being renewed (`store.lease`): a process that stops renewing
    /// (crashed, hung, or unable to record results) loses its rows to the next recovery after this long.
    public var lease: Duration = .seconds(60)

    public init(filesFolder: String, sqlitePath: String, retry: RetryPolicy = RetryPolicy()) {
        self.filesFolder = filesFolder
        self.sqlitePath = sqlitePath
        self.retry = retry
    }
}

extension DeliverySettings {
    /// The codes of warnings about how the channels protect what they send (a password that may go in clear,
    /// certificates not checked): `send`, `retry` and `serve` repeat them, not only `check`.
    public static let transportWarningCodes: Set<String> = ["config.password-without-tls", "config.tls-unverified"]
}

/// Reads the delivery sections from the nodes the configuration reader collected.
struct DeliverySettingsReader {
    var nodes: ConfigNodeReader
    var folder: String { nodes.folder }
    var report: YAMLDiagnostics { nodes.report }
    var usable: Bool { nodes.usable }

    init(folder: String, report: YAMLDiagnostics) {
        nodes = ConfigNodeReader(folder: folder, report: report)
    }

    static let relayKeys: Set<String> = [
        "name", "url", "tls", "username", "password_env", "password_file", "max_connections", "per_minute", "per_day",
        "timeout", "verify_peer", "ca_file", "allow_password_without_tls",
    ]
    static let webhookKeys: Set<String> = [
        "name", "url", "kinds", "template", "secret_env", "secret_file", "max_connections", "timeout", "ca_file",
    ]

    mutating func read(_ values: [String: Node]) -> DeliverySettings {
        let state = Support.join(folder, ".liaison")
        var settings = DeliverySettings(
            filesFolder: nodes.scalar(values["channels.files"]).map { Support.join(folder, $0) } ?? Support.join(state, "outbox-files"),
            sqlitePath: nodes.scalar(values["store.sqlite"]).map { Support.join(folder, $0) } ?? Support.join(state, "liaison.sqlite"))
        if let from = nodes.scalar(values["channels.email.from"]) {
            if let problem = EmailAddress.problem(with: from) {
                nodes.error("config.invalid-value", "channels.email.from \"\(from)\" is not usable: \(problem)", values["channels.email.from"], "channels.email.from")
            } else {
                settings.from = from
            }
        }
        settings.replyTo = nodes.scalar(values["channels.email.reply_to"])
        if let node = values["channels.email.relays"] {
            for item in nodes.items(node, path: "channels.email.relays", keys: Self.relayKeys) {
                if let relay = relay(item) { settings.relays.append(relay) }
            }
        }
        if let node = values["channels.webhooks"] {
            for item in nodes.items(node, path: "channels.webhooks", keys: Self.webhookKeys) {
                if let webhook = webhook(item) { settings.webhooks.append(webhook) }
            }
        }
        var retry = RetryPolicy()
        if let value = nodes.integer(values["retry.max_attempts"], path: "retry.max_attempts") { retry.maxAttempts = max(1, value) }
        if let value = nodes.duration(values["retry.base_delay"], path: "retry.base_delay") { retry.baseDelay = value }
        if let value = nodes.duration(values["retry.max_delay"], path: "retry.max_delay") { retry.maxDelay = value }
        if let value = nodes.duration(values["retry.deadline"], path: "retry.deadline") { retry.deadline = value }
        settings.retry = retry
        if let value = nodes.duration(values["store.lease"], path: "store.lease") {
            if value < .seconds(2) {
                nodes.error("config.invalid-value", "store.lease must be at least 2s", values["store.lease"], "store.lease")
            } else {
                settings.lease = value
            }
        }
        return settings
    }

    private mutating func relay(_ item: (path: String, node: Node, values: [String: Node])) -> RelaySettings? {
        let values = item.values
        guard let url = nodes.scalar(values["url"]) else {
            nodes.error("config.missing-key", "a relay needs url: (smtp://host:587 or smtps://host:465)", item.node, item.path)
            return nil
        }
        let lower = url.lowercased()
        guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://") else {
            nodes.error("config.invalid-value", "relay url \"\(url)\" must start with smtp:// or smtps://", values["url"], "\(item.path).url")
            return nil
        }
        var security = TransportSecurity.required
        if let raw = nodes.scalar(values["tls"]) {
            guard let parsed = TransportSecurity(rawValue: raw) else {
                nodes.error("config.invalid-value", "tls must be required, opportunistic or none, not \"\(raw)\"", values["tls"], "\(item.path).tls")
                return nil
            }
            security = parsed
        }
        let verify = nodes.flag(values["verify_peer"], path: "\(item.path).verify_peer") ?? true
        let relay = RelaySettings(
            name: nodes.scalar(values["name"]) ?? URL(string: url)?.host ?? "relay", url: url, security: security,
            username: nodes.scalar(values["username"]),
            password: nodes.secret(values, env: "password_env", file: "password_file", path: item.path),
            maxConnections: max(1, nodes.integer(values["max_connections"], path: "\(item.path).max_connections") ?? 4),
            perMinute: nodes.integer(values["per_minute"], path: "\(item.path).per_minute"),
            perDay: nodes.integer(values["per_day"], path: "\(item.path).per_day"),
            timeout: nodes.duration(values["timeout"], path: "\(item.path).timeout") ?? .seconds(60),
            verifyPeer: verify, caFile: nodes.caFile(values, path: item.path),
            allowPasswordWithoutTLS: nodes.flag(values["allow_password_without_tls"], path: "\(item.path).allow_password_without_tls") ?? false,
            origin: nodes.location(item.node, item.path))
        checkPasswordTransport(relay, item)
        if !verify {
            nodes.report.warning(
                "config.tls-unverified",
                "relay \(relay.name) has verify_peer: false: any certificate is accepted, so anyone on the network path can pose as the relay and read its password and every message. Trust the relay's own CA with ca_file instead",
                values["verify_peer"], "\(item.path).verify_peer")
        }
        return relay
    }

    /// A password goes over `smtp://` without TLS only when the relay says so: `tls: none` with credentials is an error
    /// unless `allow_password_without_tls: true`, and with that key set `check` warns (with it, `opportunistic` also
    /// logs in when the relay offers no STARTTLS; without it, `opportunistic` with credentials requires STARTTLS).
    private mutating func checkPasswordTransport(_ relay: RelaySettings, _ item: (path: String, node: Node, values: [String: Node])) {
        guard relay.hasCredentials, relay.security != .required, relay.url.lowercased().hasPrefix("smtp://") else { return }
        if relay.allowPasswordWithoutTLS {
            nodes.report.warning(
                "config.password-without-tls",
                "relay \(relay.name) may send its username and password without TLS (tls: \(relay.security.rawValue), allow_password_without_tls: true): anyone on the network path can read them. Use tls: required or an smtps:// URL unless the relay is on this machine or a network you trust",
                item.values["allow_password_without_tls"], "\(item.path).allow_password_without_tls")
        } else if relay.security == .none {
            nodes.error(
                "config.password-without-tls",
                "relay \(relay.name) has tls: none and a username or password: the password would cross the network in clear. Use tls: required (STARTTLS) or an smtps:// URL; remove username and password_env/password_file if the relay accepts this host without a login; or add allow_password_without_tls: true if the password may go in clear (a relay on this machine)",
                item.values["tls"], "\(item.path).tls")
        }
    }

    private mutating func webhook(_ item: (path: String, node: Node, values: [String: Node])) -> WebhookSettings? {
        let values = item.values
        guard let url = nodes.scalar(values["url"]), let template = nodes.scalar(values["template"]) else {
            nodes.error("config.missing-key", "a webhook needs url: and template:", item.node, item.path)
            return nil
        }
        var kinds: [ChannelKind] = []
        switch values["kinds"] {
        case .sequence(let sequence)?:
            kinds = sequence.compactMap { $0.rawScalar.map { ChannelKind(rawValue: $0.lowercased()) } }
        case let node?:
            kinds = (node.rawScalar ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == ";" }).map { ChannelKind(rawValue: $0.lowercased()) }
        case nil:
            break
        }
        if kinds.isEmpty || kinds.contains(where: { !ChannelKind.known.contains($0) || $0 == .email }) {
            nodes.error("config.invalid-value", "kinds must list sms, voice or chat", values["kinds"] ?? item.node, "\(item.path).kinds")
            return nil
        }
        let templatePath = Support.join(folder, template)
        if Support.state(of: templatePath) != .file {
            nodes.error("config.missing-file", "the webhook template \(templatePath) does not exist", values["template"], "\(item.path).template")
        }
        return WebhookSettings(
            name: nodes.scalar(values["name"]) ?? "webhook", url: url, kinds: kinds, template: templatePath,
            secret: nodes.secret(values, env: "secret_env", file: "secret_file", path: item.path),
            maxConnections: max(1, nodes.integer(values["max_connections"], path: "\(item.path).max_connections") ?? 4),
            timeout: nodes.duration(values["timeout"], path: "\(item.path).timeout") ?? .seconds(15),
            caFile: nodes.caFile(values, path: item.path), origin: nodes.location(item.node, item.path))
    }
}
