import LiaisonCrypto
import Foundation

/// Signatures as the Standard Webhooks specification (https://www.standardwebhooks.com/) defines them, so a
/// gateway can check a request with any of its libraries.
public enum StandardWebhooks {
    static let secretPrefix = "whsec_"

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{payload}">` for each secret, space-separated, in the order given.
    /// Throws ``WebhookConfigurationError`` when there is no secret or one is not `whsec_` + base64.
    public static func signature(id: String, timestamp: Int, payload: [UInt8], secrets: [String]) throws -> String {
        signature(id: id, timestamp: timestamp, payload: payload, keys: try keys(secrets))
    }

    /// A decoded secret.
    struct SigningKey: Sendable {
        let bytes: [UInt8]
    }

    static func signature(id: String, timestamp: Int, payload: [UInt8], keys: [SigningKey]) -> String {
        var signed = Array("\(id).\(timestamp).".utf8)
        signed.append(contentsOf: payload)
        return keys.map { key in
            let mac = HMAC.authenticationCode(.sha256, for: signed, key: key.bytes)
            return "v1," + Data(mac).base64EncodedString()
        }.joined(separator: " ")
    }

    /// The signing keys of `secrets`: the bytes after `whsec_`, base64-decoded (padding optional).
    static func keys(_ secrets: [String], gateway: String? = nil) throws(WebhookConfigurationError) -> [SigningKey] {
        let owner = gateway.map { " of the webhook gateway \($0)" } ?? ""
        guard !secrets.isEmpty else {
            throw WebhookConfigurationError("No signing secret\(owner): give at least one Standard Webhooks secret (whsec_ + base64).")
        }
        return try secrets.enumerated().map { (index, secret) throws(WebhookConfigurationError) in
            let which = secrets.count == 1 ? "The signing secret\(owner)" : "Signing secret \(index + 1)\(owner)"
            let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.hasPrefix(secretPrefix) else {
                throw WebhookConfigurationError("\(which) does not start with \(secretPrefix) (Standard Webhooks secrets are whsec_ + base64).")
            }
            var encoded = String(trimmed.dropFirst(secretPrefix.count))
            if encoded.count % 4 != 0 { encoded += String(repeating: "=", count: 4 - encoded.count % 4) }
            guard let bytes = Data(base64Encoded: encoded) else {
                throw WebhookConfigurationError("\(which) is not valid base64 after \(secretPrefix).")
            }
            guard bytes.count >= 16 else {
                throw WebhookConfigurationError("\(which) is only \(bytes.count) bytes; Standard Webhooks secrets should be 24 to 64 random bytes.")
            }
            return SigningKey(bytes: Array(bytes))
        }
    }
}
