import CCrypto

/// SHA-256 from the system's OpenSSL libcrypto, fed in pieces (`update`) or hashed at once (`hash(data:)`).
public struct SHA256: Sendable {
    private var context = ccrypto_sha256_context()

    public init() {
        ccrypto_sha256_init(&context)
    }

    public mutating func update(bufferPointer bytes: UnsafeRawBufferPointer) {
        ccrypto_sha256_update(&context, bytes.baseAddress, bytes.count)
    }

    public mutating func update<Bytes: Sequence>(data: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = data.withContiguousStorageIfAvailable { update(bufferPointer: UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(data).withUnsafeBytes { update(bufferPointer: $0) }
        }
    }

    /// The 32-byte digest of what was fed so far (the hasher may go on).
    public func finalize() -> [UInt8] {
        var context = context
        return [UInt8](unsafeUninitializedCapacity: 32) { digest, count in
            ccrypto_sha256_final(&context, digest.baseAddress)
            count = 32
        }
    }

    public static func hash<Bytes: Sequence>(data: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(data: data)
        return hasher.finalize()
    }
}

/// Keyed hashes (RFC 2104): Standard Webhooks signatures use SHA-256, TOTP codes (RFC 6238) SHA-1.
public enum HMAC {
    public enum Hash: Sendable {
        case sha1, sha256

        var c: ccrypto_hash { self == .sha1 ? ccrypto_sha1 : ccrypto_sha256 }
        var size: Int { self == .sha1 ? 20 : 32 }
    }

    public static func authenticationCode(_ hash: Hash, for message: [UInt8], key: [UInt8]) -> [UInt8] {
        let mac = [UInt8](unsafeUninitializedCapacity: 64) { mac, count in
            count = key.withUnsafeBytes { key in
                message.withUnsafeBytes { message in
                    ccrypto_hmac(hash.c, key.baseAddress, key.count, message.baseAddress, message.count, mac.baseAddress)
                }
            }
        }
        // libcrypto refuses only on allocation failure or a key over 2 GiB; neither is a state to go on from.
        precondition(mac.count == hash.size, "libcrypto could not compute an HMAC")
        return mac
    }
}

/// Unpredictable bytes for session ids and secrets, from the operating system's generator through libcrypto.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { bytes, filled in
            precondition(count == 0 || ccrypto_random(bytes.baseAddress, count) == 1, "libcrypto's random generator failed")
            filled = count
        }
    }
}

extension SecureRandom {
    /// A password of `length` characters from 31 that do not look alike (no 0/o, 1/l/i), uniformly drawn (bytes that
    /// would favour some characters are drawn again): 15 characters are 74 bits.
    public static func password(length: Int = 15) -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        let limit = UInt8(256 / alphabet.count * alphabet.count)
        var result = ""
        while result.count < length {
            for byte in bytes(length * 2) where byte < limit && result.count < length {
                result.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return result
    }
}

/// Lower-case hexadecimal, two digits a byte.
public func hexString<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(bytes.underestimatedCount * 2)
    for byte in bytes {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: hex, as: UTF8.self)
}
