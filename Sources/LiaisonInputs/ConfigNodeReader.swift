import Foundation
import LiaisonModel
import Yams

/// Reads values out of liaison.yaml's nodes, reporting what is wrong at the node's line and key path: the helpers the
/// section readers (delivery, server, alerts) share.
struct ConfigNodeReader {
    let folder: String
    var report: YAMLDiagnostics
    /// False once an error made the section unusable.
    var usable = true

    init(folder: String, report: YAMLDiagnostics) {
        self.folder = folder
        self.report = report
    }

    mutating func error(_ code: String, _ message: String, _ node: Node?, _ path: String) {
        report.error(code, message, node, path)
        usable = false
    }

    func scalar(_ node: Node?) -> String? {
        guard let node, !node.isNull, let raw = node.rawScalar?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
        return raw
    }

    mutating func integer(_ node: Node?, path: String) -> Int? {
        guard let raw = scalar(node) else { return nil }
        guard let value = Int(raw), value >= 0 else {
            error("config.invalid-value", "\(path) must be a whole number, not \"\(raw)\"", node, path)
            return nil
        }
        return value
    }

    /// `true`/`false` (also `yes`/`no`, `1`/`0`).
    mutating func flag(_ node: Node?, path: String) -> Bool? {
        guard let raw = scalar(node) else { return nil }
        switch raw.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default:
            error("config.invalid-value", "\(path) must be true or false, not \"\(raw)\"", node, path)
            return nil
        }
    }

    /// `30`, `30s`, `5m`, `2h`, `2d`.
    mutating func duration(_ node: Node?, path: String) -> Duration? {
        guard let raw = scalar(node) else { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = raw
        var unit: Int64 = 1
        if let last = raw.last, let factor = units[last] {
            unit = factor
            digits = String(raw.dropLast())
        }
        // Checked: a value such as 9223372036854775807d would overflow the multiplication.
        guard let value = Int64(digits), value >= 0, case let (seconds, false) = value.multipliedReportingOverflow(by: unit),
              seconds <= 100 * 366 * 86_400
        else {
            error("config.invalid-value", "\(path) must be a duration such as 30s, 5m, 2h or 2d (at most 100 years), not \"\(raw)\"", node, path)
            return nil
        }
        return .seconds(seconds)
    }

    mutating func items(_ node: Node, path: String, keys: Set<String>) -> [(path: String, node: Node, values: [String: Node])] {
        guard case .sequence(let sequence) = node else {
            if !node.isNull { error("config.invalid-value", "\(path) must be a list, not \(node.kindDescription)", node, path) }
            return []
        }
        var result: [(String, Node, [String: Node])] = []
        for (index, item) in sequence.enumerated() {
            let itemPath = KeyPath.item(path, index)
            guard case .mapping(let mapping) = item else {
                error("config.invalid-value", "each entry of \(path) must be a map of keys, not \(item.kindDescription)", item, itemPath)
                continue
            }
            var values: [String: Node] = [:]
            for (keyNode, value) in mapping {
                guard let key = keyNode.rawScalar else { continue }
                if ConfigurationLoader.isSecretKey(key) { continue }  // reported as config.secret
                guard keys.contains(key) else {
                    report.warning("config.unknown-key", "Liaison does not know the key \"\(key)\"\(Support.didYouMean(key, among: Array(keys))); it is ignored", keyNode, KeyPath.child(itemPath, key))
                    continue
                }
                values[key] = value
            }
            result.append((itemPath, item, values))
        }
        return result
    }

    func location(_ node: Node, _ path: String) -> SourceLocation { report.location(node, path) }

    /// `ca_file`: a PEM bundle of the certificate authorities to trust instead of the system's (a school's own CA).
    /// One that does not exist, cannot be read or holds no certificate is reported at its line (libcurl would refuse
    /// every connection); the path is kept so the channel reports the same.
    mutating func caFile(_ values: [String: Node], path: String) -> String? {
        guard let raw = scalar(values["ca_file"]) else { return nil }
        let file = Support.join(folder, raw)
        let keyPath = "\(path).ca_file"
        if Support.state(of: file) != .file {
            report.error("config.missing-file", "the CA file \(file) named by \(keyPath) does not exist (or is not a file)", values["ca_file"], keyPath)
        } else if !FileManager.default.isReadableFile(atPath: file) {
            report.error("config.missing-file", "the CA file \(file) named by \(keyPath) cannot be read by this user", values["ca_file"], keyPath)
        } else if let data = FileManager.default.contents(atPath: file), !data.isEmpty,
                  !String(decoding: data, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") {
            report.error(
                "config.invalid-value", "the CA file \(file) named by \(keyPath) holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                values["ca_file"], keyPath)
        }
        return file
    }

    mutating func secret(_ values: [String: Node], env: String, file: String, path: String) -> SecretReference? {
        let environment = scalar(values[env])
        let filePath = scalar(values[file]).map { Support.join(folder, $0) }
        guard environment != nil || filePath != nil else { return nil }
        return SecretReference(environment: environment, file: filePath)
    }
}
