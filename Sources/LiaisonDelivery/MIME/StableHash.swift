import LiaisonCrypto
import Foundation

/// Hex digests for stable identifiers (Message-IDs, MIME boundaries, file names).
enum StableHash {
    /// The SHA-256 of the UTF-8 text, as lower-case hex.
    static func sha256Hex(_ text: String) -> String {
        sha256Hex([text])
    }

    /// The SHA-256 of the texts one after the other, without joining them first.
    static func sha256Hex(_ texts: [String]) -> String {
        var hasher = SHA256()
        for var text in texts {
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return hexString(hasher.finalize())
    }
}
