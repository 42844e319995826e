import Foundation
import LiaisonModel
import Yams

/// Where the roster files are.
public struct RosterFiles: Sendable, Hashable {
    public var families: String
    public var guardians: String
    public var students: String
    public var guardianships: String

    public init(families: String, guardians: String, students: String, guardianships: String) {
        self.families = families
        self.guardians = guardians
        self.students = students
        self.guardianships = guardianships
    }
}

/// `liaison.yaml`, loaded. Paths are joined with the folder that holds the configuration file (and stay
/// relative when that path was relative).
public struct LiaisonConfiguration: Sendable {
    /// Path of liaison.yaml as given.
    public var file: String
    public var school: School
    public var roster: RosterFiles
    /// events.yaml; empty when every event comes from calendars.
    public var schedule: String
    public var progress: String?
    /// The staff file (`roster.staff`): who may sign in to the office desk, their role and classes.
    public var staff: String?
    /// Template folders, later ones overriding earlier ones.
    public var templateDirectories: [String]
    /// Catalog folders, later ones overriding earlier ones key by key.
    public var localeDirectories: [String]
    /// Folders of translated staff text (XLIFF files from `liaison locales export --event`); `translations/` beside
    /// liaison.yaml unless `translations:` names others. A missing default folder is fine.
    public var staffTranslationDirectories: [String] = []
    /// Machine translation of staff text nobody translated (`translation:`; none by default).
    public var translation = TranslationSettings()
    /// Where each key (`school.time_zone`, `templates`, `templates[1]`) was written.
    public var locations: [String: SourceLocation]
    /// Channels, outbox and retry settings (embedded defaults: file channel and SQLite under `.liaison/`).
    public var delivery: DeliverySettings
    /// Where `liaison serve` listens and where its API tokens come from.
    public var server = ServerSettings()
    /// How urgent alerts escalate and who is on call.
    public var alerts = AlertSettings()
    /// Timings of `liaison serve`.
    public var daemon = DaemonSettings()
    /// iCalendar sources and the rules that turn their events into notifications (`calendars:`, `calendar_rules:`).
    public var calendars = CalendarSettings()
    /// A OneRoster 1.1 CSV export used instead of the four roster files (`roster: {oneroster: folder}`); `roster`
    /// then names its users.csv for guardians and students.
    public var oneRoster: OneRosterSource?
    /// How long message links keep working (`links:`).
    public var links = LinkLifetime()
    /// How long records about families are kept (`retention:`).
    public var retention = RetentionPolicy.standard
    /// How much of each input is read, parsed and rendered (`limits:`).
    public var limits = InputLimits.standard

    public init(
        file: String, school: School, roster: RosterFiles, schedule: String, progress: String? = nil,
        templateDirectories: [String], localeDirectories: [String], locations: [String: SourceLocation] = [:]
    ) {
        self.file = file
        self.school = school
        self.roster = roster
        self.schedule = schedule
        self.progress = progress
        self.templateDirectories = templateDirectories
        self.localeDirectories = localeDirectories
        self.locations = locations
        let state = Support.join(Support.folder(of: file), ".liaison")
        self.delivery = DeliverySettings(filesFolder: Support.join(state, "outbox-files"), sqlitePath: Support.join(state, "liaison.sqlite"))
    }

    /// Where a key was written (its line and column in liaison.yaml, with the key path as field).
    public func location(of keyPath: String) -> SourceLocation? {
        locations[keyPath]
    }
}

public enum ConfigurationLoader {
    /// The keys Liaison knows, by the path of the map that holds them (`""` is the top level). A key listed
    /// here whose path also has an entry must be a map and is checked key by key; other keys are read by
    /// `load`. To add a section (`channels:`, `store:`), add its name here and read it below.
    static let knownKeys: [String: [String]] = [
        "": [
            "school", "roster", "schedule", "progress", "templates", "locales", "channels", "store", "retry", "calendars",
            "calendar_rules", "calendar_horizon", "server", "alerts", "daemon", "limits", "links", "retention", "translations",
            "translation",
        ],
        "translation": ["engine", "url", "api_key_env", "api_key_file", "timeout", "urgent_timeout"],
        "limits": InputLimits.Name.allCases.map(\.rawValue),
        "links": ["after_event", "alert"],
        "retention": RetentionPolicy.Kind.allCases.map(\.rawValue),
        "school": ["name", "default_locale", "time_zone", "base_url", "contact"],
        "school.contact": ["email", "phone", "address", "website"],
        "roster": ["families", "guardians", "students", "guardianships", "oneroster", "language_column", "languages", "staff"],
        "channels": ["email", "webhooks", "files"],
        "channels.email": ["from", "reply_to", "relays"],
        "store": ["sqlite", "lease"],
        "retry": ["max_attempts", "base_delay", "max_delay", "deadline"],
        "server": ["listen", "api_tokens_env", "api_tokens_file", "metrics_listen", "rate_limits", "trusted_proxies"],
        "server.rate_limits": ["per_address", "per_link", "free_failures", "failure_half_life", "max_penalty", "max_clients"],
        "server.rate_limits.per_address": ["rate", "burst"],
        "server.rate_limits.per_link": ["rate", "burst"],
        "alerts": ["escalation", "repeat_every", "max_repeats", "on_call"],
        "daemon": ["shutdown_timeout", "watch_interval"],
    ]

    /// Keys that must be present; a missing parent is reported once instead of each of its keys. With
    /// `calendars:` the schedule is optional; with `roster.oneroster` the four roster files are not needed.
    static let requiredKeys = [
        "school", "school.name", "school.default_locale", "school.time_zone",
        "roster", "roster.families", "roster.guardians", "roster.students", "roster.guardianships",
        "schedule", "templates", "locales",
    ]

    /// Flags that name a secret without holding one.
    static let flagsNamingSecrets: Set<String> = ["allow_password_without_tls"]

    /// Whether a key name looks like it holds a secret. Keys naming where a secret lives (`*_env`, `*_file`) and the
    /// flags of ``flagsNamingSecrets`` are fine.
    public static func isSecretKey(_ name: String) -> Bool {
        let key = name.lowercased().replacingOccurrences(of: "-", with: "_")
        if key.hasSuffix("_env") || key.hasSuffix("_file") || flagsNamingSecrets.contains(key) { return false }
        let words = ["password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "privatekey"]
        if words.contains(where: { key.contains($0) }) { return true }
        return key == "key" || key.hasSuffix("_key")
    }

    /// Never throws: returns `nil` when the configuration is unusable, with the diagnostics (config.*) that say why.
    /// Named files and folders are checked to exist (config.missing-file at the key that names them); a missing
    /// one is reported but the configuration is still returned.
    public static func load(path: String) -> (LiaisonConfiguration?, [Diagnostic]) {
        let root: Node?
        switch YAMLSource.load(path: path, syntaxCode: "config.yaml-syntax") {
        case .problem(let diagnostic): return (nil, [diagnostic])
        case .value(let node): root = node
        }
        var reader = Reader(file: path)
        return reader.read(root)
    }

    private struct Reader {
        let file: String
        let folder: String
        var report: YAMLDiagnostics
        /// Nodes of known keys by path, and where the keys were written.
        var keyNodes: [String: Node] = [:]
        var values: [String: Node] = [:]
        var locations: [String: SourceLocation] = [:]
        var usable = true
        /// Keys already reported as having the wrong shape.
        var broken: Set<String> = []

        init(file: String) {
            self.file = file
            folder = Support.folder(of: file)
            report = YAMLDiagnostics(file: file)
        }

        mutating func read(_ root: Node?) -> (LiaisonConfiguration?, [Diagnostic]) {
            var budget = 100_000
            if let root {
                scanSecrets(root, path: "", budget: &budget)
                if case .mapping(let mapping) = root {
                    walk(mapping, path: "")
                } else if !root.isNull {
                    report.error("config.invalid-value", "liaison.yaml must be a map of keys (school:, roster:, …), not \(root.kindDescription)", root, nil)
                    return (nil, report.diagnostics)
                }
            }
            for key in ConfigurationLoader.requiredKeys where values[key] == nil || values[key]!.isNull {
                if key == "schedule", values["calendars"] != nil { continue }
                if key.hasPrefix("roster."), values["roster.oneroster"] != nil { continue }
                let parent = key.contains(".") ? String(key[..<key.lastIndex(of: ".")!]) : ""
                if broken.contains(key) || broken.contains(parent) { continue }
                if !parent.isEmpty, values[parent] == nil || values[parent]!.isNull { continue }  // reported once, for the parent
                let location = values[key].flatMap { _ in locations[key] }
                    ?? (parent.isEmpty ? SourceLocation(file: file, line: 1, field: key) : locations[parent]?.field(key))
                    ?? SourceLocation(file: file, field: key)
                let written = values[key] != nil ? "has no value" : "is missing"
                report.diagnostics.append(.error("config.missing-key", "the required key \(key) \(written)", at: location))
                usable = false
            }

            var name = text("school.name")
            if let written = name, let cleaned = Whitespace.controlsRemoved(written) {
                // The school's name is in every From: header and subject; one line, no control characters.
                error("config.invalid-value", "school.name holds a line break or control character; write it on one line", "school.name")
                name = cleaned
            }
            let locale = text("school.default_locale").flatMap { raw -> LanguageTag? in
                if let tag = LanguageTag(raw) { return tag }
                error("config.invalid-locale", "default_locale \"\(raw)\" is not a BCP 47 language tag (for example en, fr-CA, zh-Hant)", "school.default_locale")
                return nil
            }
            let zone = text("school.time_zone").flatMap { raw -> TimeZone? in
                if let zone = TimeZone(identifier: raw) { return zone }
                error("config.invalid-time-zone", "time_zone \"\(raw)\" is not an IANA time zone (for example Europe/London, America/New_York)", "school.time_zone")
                return nil
            }
            var baseURL: URL?
            if let raw = text("school.base_url") {
                if let url = URL(string: raw), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                   let host = url.host, !host.isEmpty {
                    baseURL = url
                } else {
                    error("config.invalid-value", "base_url \"\(raw)\" is not an http:// or https:// address", "school.base_url", fatal: false)
                }
            }
            var contact = School.Contact()
            if let email = text("school.contact.email") {
                if let problem = EmailAddress.problem(with: email) {
                    error("config.invalid-value", "contact email \"\(email)\" is not usable: \(problem)", "school.contact.email", fatal: false)
                } else {
                    contact.email = email
                }
            }
            contact.phone = text("school.contact.phone")
            contact.address = text("school.contact.address")
            contact.website = text("school.contact.website")

            let oneRoster = oneRosterSource()
            let families = oneRoster?.orgs ?? filePath("roster.families")
            let guardians = oneRoster?.users ?? filePath("roster.guardians")
            let students = oneRoster?.users ?? filePath("roster.students")
            let guardianships = oneRoster?.users ?? filePath("roster.guardianships")
            let schedule = values["schedule"] == nil && values["calendars"] != nil ? "" : filePath("schedule")
            let progress = filePath("progress")
            let staffFile = filePath("roster.staff")
            let templates = folderPaths("templates")
            let locales = folderPaths("locales")
            let translations = values["translations"] == nil ? [Support.join(folder, "translations")] : folderPaths("translations")

            var deliveryReader = DeliverySettingsReader(folder: folder, report: YAMLDiagnostics(file: file))
            let delivery = deliveryReader.read(values)
            report.diagnostics += deliveryReader.report.diagnostics
            if !deliveryReader.usable { usable = false }
            var daemonReader = DaemonSettingsReader(folder: folder, report: YAMLDiagnostics(file: file))
            let server = daemonReader.server(values)
            let alerts = daemonReader.alerts(values, defaultLocale: locale)
            let daemon = daemonReader.daemon(values)
            let links = daemonReader.links(values)
            let retention = daemonReader.retention(values)
            let translation = daemonReader.translation(values)
            report.diagnostics += daemonReader.nodes.report.diagnostics
            if !daemonReader.nodes.usable { usable = false }
            var limits = InputLimits.standard
            for limit in InputLimits.Name.allCases {
                guard let raw = text("limits.\(limit.rawValue)") else { continue }
                // At most 2^40 (a terabyte, a trillion repeats): a limit is read as a count and added to, never near Int.max.
                guard let value = Int(raw.replacingOccurrences(of: "_", with: "")), value > 0, value <= 1 << 40 else {
                    error("config.invalid-value", "limits.\(limit.rawValue) must be a whole number from 1 to 1099511627776, not \"\(raw)\"", "limits.\(limit.rawValue)")
                    continue
                }
                limits[limit] = value
            }
            let provisional = School(name: name ?? "", defaultLocale: locale ?? "en", timeZone: zone ?? TimeZone(identifier: "UTC")!)
            var calendarReader = CalendarSettingsReader(folder: folder, school: provisional, report: YAMLDiagnostics(file: file))
            let calendars = calendarReader.read(values)
            report.diagnostics += calendarReader.report.diagnostics
            if !calendarReader.usable { usable = false }

            guard usable, let name, let locale, let zone, let families, let guardians, let students, let guardianships,
                  let schedule, let templates, let locales
            else { return (nil, report.diagnostics) }
            let school = School(name: name, defaultLocale: locale, timeZone: zone, baseURL: baseURL, contact: contact)
            var configuration = LiaisonConfiguration(
                file: file, school: school,
                roster: RosterFiles(families: families, guardians: guardians, students: students, guardianships: guardianships),
                schedule: schedule, progress: progress, templateDirectories: templates, localeDirectories: locales,
                locations: locations)
            configuration.delivery = delivery
            configuration.server = server
            configuration.alerts = alerts
            configuration.daemon = daemon
            configuration.calendars = calendars
            configuration.oneRoster = oneRoster
            configuration.staff = staffFile
            configuration.limits = limits
            configuration.links = links
            configuration.retention = retention
            configuration.staffTranslationDirectories = translations ?? []
            configuration.translation = translation
            return (configuration, report.diagnostics)
        }

        // MARK: Walking the tree

        private mutating func walk(_ mapping: Node.Mapping, path: String) {
            let known = ConfigurationLoader.knownKeys[path] ?? []
            for (keyNode, value) in mapping {
                guard let key = keyNode.rawScalar else {
                    report.error("config.invalid-value", "a key must be a plain name, not \(keyNode.kindDescription)", keyNode, path.isEmpty ? nil : path)
                    continue
                }
                let keyPath = KeyPath.child(path, key)
                if ConfigurationLoader.isSecretKey(key) { continue }  // reported by scanSecrets
                guard known.contains(key) else {
                    report.warning(
                        "config.unknown-key",
                        "Liaison does not know the key \"\(key)\"\(Support.didYouMean(key, among: known)); it is ignored",
                        keyNode, keyPath)
                    continue
                }
                locations[keyPath] = report.location(keyNode, keyPath)
                keyNodes[keyPath] = keyNode
                values[keyPath] = value
                if ConfigurationLoader.knownKeys[keyPath] != nil {
                    switch value {
                    case .mapping(let child):
                        walk(child, path: keyPath)
                    default:
                        if !value.isNull {
                            report.error("config.invalid-value", "\(keyPath) must be a map of keys, not \(value.kindDescription)", value, keyPath)
                            values[keyPath] = nil
                            broken.insert(keyPath)
                            usable = false
                        }
                    }
                }
                if case .sequence(let items) = value {
                    for (index, item) in items.enumerated() {
                        let itemPath = KeyPath.item(keyPath, index)
                        locations[itemPath] = report.location(item, itemPath)
                    }
                }
            }
        }

        private mutating func scanSecrets(_ node: Node, path: String, budget: inout Int) {
            budget -= 1
            guard budget > 0 else { return }
            switch node {
            case .mapping(let mapping):
                for (keyNode, value) in mapping {
                    let key = keyNode.rawScalar ?? "?"
                    let keyPath = KeyPath.child(path, key)
                    if keyNode.rawScalar != nil, ConfigurationLoader.isSecretKey(key) {
                        report.error(
                            "config.secret",
                            "\"\(key)\" looks like a secret; secrets must not be written in liaison.yaml. Remove it and provide it through the environment or a file outside the repository",
                            keyNode, keyPath)
                        continue
                    }
                    scanSecrets(value, path: keyPath, budget: &budget)
                }
            case .sequence(let sequence):
                for (index, item) in sequence.enumerated() {
                    scanSecrets(item, path: KeyPath.item(path, index), budget: &budget)
                }
            case .scalar, .alias:
                break
            }
        }

        // MARK: Values

        private mutating func error(_ code: String, _ message: String, _ keyPath: String, fatal: Bool = true) {
            report.diagnostics.append(.error(code, message, at: valueLocation(keyPath)))
            if fatal { usable = false }
        }

        private func valueLocation(_ keyPath: String) -> SourceLocation {
            if let node = values[keyPath], node.mark != nil { return report.location(node, keyPath) }
            return locations[keyPath] ?? SourceLocation(file: file, field: keyPath)
        }

        /// A scalar value as trimmed text; `nil` when absent or empty. Wrong types are reported.
        private mutating func text(_ keyPath: String) -> String? {
            guard let node = values[keyPath], !node.isNull else { return nil }
            guard let raw = node.rawScalar else {
                error("config.invalid-value", "\(keyPath) must be a single value, not \(node.kindDescription)", keyPath)
                return nil
            }
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        }

        private mutating func filePath(_ keyPath: String) -> String? {
            guard let raw = text(keyPath) else { return nil }
            let path = Support.join(folder, raw)
            check(path, expecting: .file, keyPath: keyPath)
            return path
        }

        /// `roster: {oneroster: folder, language_column: …, languages: file}`; its files are checked by the loader.
        private mutating func oneRosterSource() -> OneRosterSource? {
            guard values["roster.oneroster"] != nil, let raw = text("roster.oneroster") else { return nil }
            let folder = Support.join(self.folder, raw)
            check(folder, expecting: .directory, keyPath: "roster.oneroster")
            for key in ["families", "guardians", "students", "guardianships"] where values["roster.\(key)"] != nil {
                report.diagnostics.append(.warning("config.unknown-key", "roster.\(key) is ignored: the roster comes from the OneRoster export in \(raw)", at: locations["roster.\(key)"]))
            }
            return OneRosterSource(
                folder: folder, languageColumn: text("roster.language_column"), languagesFile: filePath("roster.languages"),
                origin: locations["roster.oneroster"])
        }

        private mutating func folderPaths(_ keyPath: String) -> [String]? {
            guard let node = values[keyPath], !node.isNull else { return nil }
            var raws: [(String, String)] = []
            switch node {
            case .scalar:
                guard let raw = text(keyPath) else { return nil }
                raws = [(raw, keyPath)]
            case .sequence(let items):
                for (index, item) in items.enumerated() {
                    let itemPath = KeyPath.item(keyPath, index)
                    guard let raw = item.rawScalar?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
                        report.error("config.invalid-value", "each entry of \(keyPath) must be a folder path, not \(item.kindDescription)", item, itemPath)
                        usable = false
                        continue
                    }
                    raws.append((raw, itemPath))
                }
                if items.isEmpty {
                    error("config.invalid-value", "\(keyPath) names no folder", keyPath)
                    return nil
                }
            default:
                error("config.invalid-value", "\(keyPath) must be a folder path or a list of folder paths, not \(node.kindDescription)", keyPath)
                return nil
            }
            return raws.map { raw, path in
                let joined = Support.join(folder, raw)
                check(joined, expecting: .directory, keyPath: path)
                return joined
            }
        }

        private mutating func check(_ path: String, expecting: Support.FileState, keyPath: String) {
            let state = Support.state(of: path)
            guard state != expecting else { return }
            let message: String
            switch (state, expecting) {
            case (.missing, .directory): message = "the folder \(path) named by \(keyPath) does not exist"
            case (.missing, _): message = "the file \(path) named by \(keyPath) does not exist"
            case (.directory, _): message = "\(path) named by \(keyPath) is a folder, not a file"
            default: message = "\(path) named by \(keyPath) is a file, not a folder"
            }
            report.diagnostics.append(.error("config.missing-file", message, at: locations[keyPath] ?? valueLocation(keyPath)))
        }
    }
}
