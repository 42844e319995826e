import Crypto
import Foundation

/// Hex digests for stable identifiers (Message-IDs, MIME boundaries, file names).
enum StableHash {
    /// The SHA-256 of the UTF-8 text, as lower-case hex.
    static func sha256Hex(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(text.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
