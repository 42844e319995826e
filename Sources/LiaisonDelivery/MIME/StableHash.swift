import Crypto
import Foundation

/// Hex digests for stable identifiers (Message-IDs, MIME boundaries, file names).
enum StableHash {
    /// The SHA-256 of the UTF-8 text, as lower-case hex.
    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
