import Foundation
import LiaisonModel
import Yams

/// The `server:` section: where the HTTP server listens and where the admin API's tokens come from.
public struct ServerSettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Bearer tokens for the admin and gateway API, several separated by spaces or lines (to rotate); `/metrics` on
    /// the main address wants one too.
    public var apiTokens: SecretReference
    /// `server.metrics_listen`: a second address serving only `/metrics`, without a token, for a Prometheus that
    /// reaches it over a network of its own (loopback, a management interface).
    public var metricsListen: ListenAddress?
    /// `server.rate_limits`: how hard the pages and the API may be hit (never requests with an API token).
    public var rateLimits = RateLimits()
    /// `server.trusted_proxies`: reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` names the client.
    public var trustedProxies = TrustedProxies()

    public struct ListenAddress: Sendable, Hashable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public init(host: String = "127.0.0.1", port: Int = 8080, apiTokens: SecretReference = SecretReference(environment: "LIAISON_API_TOKENS")) {
        self.host = host
        self.port = port
        self.apiTokens = apiTokens
    }

    /// `host:port`, `[::1]:port` or `:port` (every address), as `server.listen` and `liaison serve --listen` take it.
    public static func parseListen(_ raw: String) -> (host: String, port: Int)? {
        guard let colon = raw.lastIndex(of: ":"), let port = Int(raw[raw.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        var host = String(raw[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// The tokens, or none when the environment variable and file are both absent (the API then refuses everything).
    public func resolveTokens(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        guard let text = try? apiTokens.resolve(environment: environment) else { return [] }
        return text.split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init)
    }
}

/// The `daemon:` section: timings of `liaison serve`.
public struct DaemonSettings: Sendable, Hashable {
    /// How long SIGTERM waits for messages in flight before giving up on them (they are retried after a restart).
    public var shutdownTimeout: Duration = .seconds(30)
    /// How often the input files are checked for changes (0 turns watching off; SIGHUP still reloads).
    public var watchInterval: Duration = .seconds(2)

    public init() {}
}

/// Reads `server:`, `alerts:` and `daemon:` from the nodes the configuration reader collected.
struct DaemonSettingsReader {
    var nodes: ConfigNodeReader

    static let escalationKeys: Set<String> = ["after", "notify"]
    static let staffKeys: Set<String> = ["id", "name", "email", "phone", "language", "channels", "classes"]

    init(folder: String, report: YAMLDiagnostics) {
        nodes = ConfigNodeReader(folder: folder, report: report)
    }

    mutating func server(_ values: [String: Node]) -> ServerSettings {
        var settings = ServerSettings()
        if let listen = listenAddress(values, "server.listen", example: "127.0.0.1:8080") {
            settings.host = listen.host
            settings.port = listen.port
        }
        settings.metricsListen = listenAddress(values, "server.metrics_listen", example: "127.0.0.1:9464")
        if let reference = nodes.secret(values, env: "server.api_tokens_env", file: "server.api_tokens_file", path: "server") {
            settings.apiTokens = reference
        }
        settings.rateLimits = rateLimits(values)
        settings.trustedProxies = trustedProxies(values)
        return settings
    }

    /// `server.rate_limits`: `per_address` and `per_link` (`rate: 20/s`, `burst: 200`), `free_failures`,
    /// `failure_half_life`, `max_penalty`, `max_clients`.
    private mutating func rateLimits(_ values: [String: Node]) -> RateLimits {
        var limits = RateLimits()
        if let bucket = bucket(values, "server.rate_limits.per_address", default: limits.perAddress) { limits.perAddress = bucket }
        if let bucket = bucket(values, "server.rate_limits.per_link", default: limits.perLink) { limits.perLink = bucket }
        if let value = positive(values, "server.rate_limits.free_failures", allowZero: true) { limits.freeFailures = value }
        if let value = positive(values, "server.rate_limits.max_clients", minimum: 1000) { limits.maxClients = value }
        for (key, minimum) in [("failure_half_life", 60), ("max_penalty", 1)] {
            let path = "server.rate_limits.\(key)"
            guard let value = nodes.duration(values[path], path: path) else { continue }
            guard value >= .seconds(minimum) else {
                nodes.error("config.invalid-value", "\(path) must be at least \(minimum)s", values[path], path)
                continue
            }
            if key == "max_penalty" { limits.maxPenalty = value } else { limits.failureHalfLife = value }
        }
        return limits
    }

    /// `rate:` (`20/s`, `600/m`, `100/h`) and `burst:` (whole requests, at least 1) of one of the limits' buckets.
    private mutating func bucket(_ values: [String: Node], _ path: String, default bucket: RateLimits.Bucket) -> RateLimits.Bucket? {
        guard values[path] != nil else { return nil }
        var bucket = bucket
        if let raw = nodes.scalar(values["\(path).rate"]) {
            guard let rate = RateLimits.Rate(raw) else {
                nodes.error(
                    "config.invalid-value", "\(path).rate must be requests per second, minute or hour (20/s, 600/m, 100/h), not \"\(raw)\"",
                    values["\(path).rate"], "\(path).rate")
                return nil
            }
            bucket.rate = rate
        }
        if let burst = positive(values, "\(path).burst") { bucket.burst = burst }
        return bucket
    }

    private mutating func positive(_ values: [String: Node], _ path: String, minimum: Int = 1, allowZero: Bool = false) -> Int? {
        guard let raw = nodes.scalar(values[path]) else { return nil }
        let minimum = allowZero ? 0 : minimum
        guard let value = Int(raw.replacingOccurrences(of: "_", with: "")), value >= minimum, value <= 100_000_000 else {
            nodes.error("config.invalid-value", "\(path) must be a whole number from \(minimum) to 100000000, not \"\(raw)\"", values[path], path)
            return nil
        }
        return value
    }

    /// `server.trusted_proxies`: a list of addresses and CIDR blocks (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`).
    private mutating func trustedProxies(_ values: [String: Node]) -> TrustedProxies {
        let key = "server.trusted_proxies"
        guard let node = values[key], !node.isNull else { return TrustedProxies() }
        let entries: [Node]
        var isList = true
        switch node {
        case .sequence(let sequence): entries = Array(sequence)
        case .scalar:
            entries = [node]
            isList = false
        default:
            nodes.error("config.invalid-value", "\(key) must be a list of addresses or CIDR blocks, not \(node.kindDescription)", node, key)
            return TrustedProxies()
        }
        var proxies = TrustedProxies()
        for (index, entry) in entries.enumerated() {
            let path = isList ? KeyPath.item(key, index) : key
            guard let raw = nodes.scalar(entry), let network = IPNetwork(raw) else {
                nodes.error(
                    "config.invalid-value",
                    "\(path) must be an IP address or CIDR block (10.0.0.0/8, 192.0.2.7, fd00::/8), not \"\(entry.rawScalar ?? entry.kindDescription)\"",
                    entry, path)
                continue
            }
            if network.bits == 0 {
                // Every peer a proxy: any client could name itself in X-Forwarded-For and escape its limits.
                nodes.report.warning(
                    "config.invalid-value", "\(path) \(raw) trusts every address: any client can then choose the address it is limited as",
                    entry, path)
            }
            proxies.networks.append(network)
        }
        return proxies
    }

    /// `links.after_event` (30d) and `links.alert` (24h): how long the links in messages keep working.
    mutating func links(_ values: [String: Node]) -> LinkLifetime {
        var lifetime = LinkLifetime()
        if let value = nodes.duration(values["links.after_event"], path: "links.after_event") { lifetime.afterEvent = value }
        if let value = nodes.duration(values["links.alert"], path: "links.alert") { lifetime.alert = value }
        return lifetime
    }

    /// `retention.<kind>` (see ``RetentionPolicy``): days, or a duration such as `30d`; at least one day.
    mutating func retention(_ values: [String: Node]) -> RetentionPolicy {
        var policy = RetentionPolicy.standard
        for kind in RetentionPolicy.Kind.allCases {
            let key = "retention.\(kind.rawValue)"
            guard let raw = nodes.scalar(values[key]) else { continue }
            if let days = Int(raw), days >= 1 {
                policy[kind] = days
            } else if raw.last == "d", let duration = nodes.duration(values[key], path: key), duration >= .seconds(86_400) {
                policy[kind] = Int(duration.components.seconds / 86_400)
            } else {
                nodes.error("config.invalid-value", "\(key) must be a number of days of at least 1 (for example 30 or 30d), not \"\(raw)\"", values[key], key)
            }
        }
        for problem in policy.problems {
            nodes.report.warning("config.retention", problem, values["retention.delivery_records"], "retention.delivery_records")
        }
        return policy
    }

    private mutating func listenAddress(_ values: [String: Node], _ key: String, example: String) -> ServerSettings.ListenAddress? {
        guard let raw = nodes.scalar(values[key]) else { return nil }
        guard let (host, port) = ServerSettings.parseListen(raw) else {
            nodes.error("config.invalid-value", "\(key) must be host:port (for example \(example)), not \"\(raw)\"", values[key], key)
            return nil
        }
        return ServerSettings.ListenAddress(host: host, port: port)
    }

    mutating func daemon(_ values: [String: Node]) -> DaemonSettings {
        var settings = DaemonSettings()
        if let value = nodes.duration(values["daemon.shutdown_timeout"], path: "daemon.shutdown_timeout") { settings.shutdownTimeout = value }
        if let value = nodes.duration(values["daemon.watch_interval"], path: "daemon.watch_interval") { settings.watchInterval = value }
        return settings
    }

    mutating func alerts(_ values: [String: Node], defaultLocale: LanguageTag?) -> AlertSettings {
        var settings = AlertSettings()
        if let node = values["alerts.escalation"] {
            var steps: [EscalationPolicy.Step] = []
            for item in nodes.items(node, path: "alerts.escalation", keys: Self.escalationKeys) {
                guard let after = nodes.duration(item.values["after"], path: "\(item.path).after") ?? (item.values["after"] == nil ? .zero : nil)
                else { continue }
                let raw = nodes.scalar(item.values["notify"]) ?? ""
                guard let target = EscalationTarget(rawValue: raw) else {
                    nodes.error(
                        "config.invalid-value", "notify must be primary, guardians or staff, not \"\(raw)\"",
                        item.values["notify"] ?? item.node, "\(item.path).notify")
                    continue
                }
                steps.append(EscalationPolicy.Step(after: after, target: target))
            }
            if steps.isEmpty {
                nodes.error("config.invalid-value", "alerts.escalation must list at least one step", node, "alerts.escalation")
            } else {
                settings.policy = EscalationPolicy(steps: steps, repeatEvery: nil, maxRepeats: 0)
            }
        }
        if values["alerts.repeat_every"] != nil || values["alerts.max_repeats"] != nil {
            settings.policy.repeatEvery = nodes.duration(values["alerts.repeat_every"], path: "alerts.repeat_every")
            settings.policy.maxRepeats = nodes.integer(values["alerts.max_repeats"], path: "alerts.max_repeats")
                ?? (settings.policy.repeatEvery == nil ? 0 : 4)
            if settings.policy.repeatEvery == .zero {
                nodes.error("config.invalid-value", "alerts.repeat_every must be longer than 0s", values["alerts.repeat_every"], "alerts.repeat_every")
            }
        }
        if let node = values["alerts.on_call"] {
            var ids = Set<String>()
            for item in nodes.items(node, path: "alerts.on_call", keys: Self.staffKeys) {
                if let member = staff(item, defaultLocale: defaultLocale) {
                    if ids.insert(member.id).inserted {
                        settings.onCall.append(member)
                    } else {
                        nodes.error("config.invalid-value", "the id \(member.id) is used by two people on call", item.node, "\(item.path).id")
                    }
                }
            }
        }
        if values["alerts"] != nil, settings.policy.steps.contains(where: { $0.target == .staffOnCall }), settings.onCall.isEmpty {
            nodes.report.warning(
                "config.no-staff-on-call",
                "the escalation has a staff step but alerts.on_call lists nobody: that step reaches no one",
                values["alerts.escalation"] ?? values["alerts"], "alerts.on_call")
        }
        return settings
    }

    private mutating func staff(_ item: (path: String, node: Node, values: [String: Node]), defaultLocale: LanguageTag?) -> StaffMember? {
        let values = item.values
        guard var name = nodes.scalar(values["name"]) else {
            nodes.error("config.missing-key", "a person on call needs name:", item.node, item.path)
            return nil
        }
        if let cleaned = Whitespace.controlsRemoved(name) {
            // Their name goes into the To: header of every alert they are sent.
            nodes.error("config.invalid-value", "name holds a line break or control character; write it on one line", values["name"], "\(item.path).name")
            name = cleaned
        }
        let email = nodes.scalar(values["email"])
        if let email, let problem = EmailAddress.problem(with: email) {
            nodes.error("config.invalid-value", "email \"\(email)\" is not usable: \(problem)", values["email"], "\(item.path).email")
            return nil
        }
        let phone = nodes.scalar(values["phone"])
        var language: LanguageTag = defaultLocale ?? "en"
        if let raw = nodes.scalar(values["language"]) {
            guard let tag = LanguageTag(raw) else {
                nodes.error("config.invalid-locale", "language \"\(raw)\" is not a BCP 47 language tag", values["language"], "\(item.path).language")
                return nil
            }
            language = tag
        }
        var channels = list(values["channels"]).map { ChannelKind(rawValue: $0.lowercased()) }
        if channels.isEmpty { channels = [email != nil ? .email : nil, phone != nil ? .sms : nil].compactMap { $0 } }
        if let unknown = channels.first(where: { !ChannelKind.known.contains($0) }) {
            nodes.error("config.invalid-value", "unknown channel \"\(unknown)\" (email, sms, voice or chat)", values["channels"], "\(item.path).channels")
            return nil
        }
        if channels.allSatisfy({ (($0 == .email) ? email : phone) == nil }) {
            nodes.error("config.missing-key", "\(name) needs an email: or phone: for the channels listed", item.node, item.path)
            return nil
        }
        let id = nodes.scalar(values["id"]) ?? Self.slug(name)
        return StaffMember(id: id, name: name, email: email, phone: phone, language: language, channels: channels, classes: list(values["classes"]))
    }

    private func list(_ node: Node?) -> [String] {
        switch node {
        case .sequence(let sequence)?: sequence.compactMap { $0.rawScalar?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case let node?: (node.rawScalar ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        case nil: []
        }
    }

    static func slug(_ name: String) -> String {
        String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }).split(separator: "-").joined(separator: "-")
    }
}
