/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), as authenticator apps make them: HMAC-SHA-1,
/// 30-second steps, 6 digits.
public struct TOTP: Sendable, Hashable {
    public let secret: [UInt8]
    public let digits: Int
    public let step: Int64

    public init(secret: [UInt8], digits: Int = 6, step: Int64 = 30) {
        precondition((6...8).contains(digits) && step > 0, "TOTP takes 6 to 8 digits and a positive step")
        self.secret = secret
        self.digits = digits
        self.step = step
    }

    /// A new random 160-bit secret (RFC 4226 recommends at least 128 bits).
    public static func newSecret() -> [UInt8] { SecureRandom.bytes(20) }

    /// The code for the time step holding `unixTime` (seconds since 1970).
    public func code(at unixTime: Int64) -> String {
        hotp(counter: UInt64(max(0, unixTime) / step))
    }

    /// True when `code` is the one for `unixTime`'s step or one step either side (clocks drift, people type slowly).
    /// `used` is the last step accepted for this secret: a step is never accepted twice, so an overheard code
    /// cannot be replayed; the step accepted comes back to be stored.
    public func verify(_ code: String, at unixTime: Int64, after used: Int64?) -> Int64? {
        let typed = code.filter { !$0.isWhitespace }
        guard typed.count == digits, typed.allSatisfy(\.isASCII), typed.allSatisfy(\.isNumber) else { return nil }
        let current = max(0, unixTime) / step
        var accepted: Int64?
        for counter in [current - 1, current, current + 1] where counter >= 0 && counter > (used ?? -1) {
            // Every candidate is compared in full, so the time taken says nothing about which one matched.
            if constantTimeEqual(Array(hotp(counter: UInt64(counter)).utf8), Array(typed.utf8)), accepted == nil { accepted = counter }
        }
        return accepted
    }

    /// RFC 4226 section 5.3: HMAC-SHA-1 of the big-endian counter, dynamically truncated.
    func hotp(counter: UInt64) -> String {
        let message = (0..<8).map { UInt8(truncatingIfNeeded: counter >> (56 - 8 * $0)) }
        let mac = HMAC.authenticationCode(.sha1, for: message, key: secret)
        let offset = Int(mac[19] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The `otpauth://` address an authenticator app reads (from a QR code or typed in).
    public func provisioningURI(account: String, issuer: String) -> String {
        func encoded(_ text: String) -> String {
            let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
            let hex = Array("0123456789ABCDEF")
            return text.utf8.map { allowed.contains($0) ? String(UnicodeScalar($0)) : "%\(hex[Int($0 >> 4)])\(hex[Int($0 & 15)])" }.joined()
        }
        return "otpauth://totp/\(encoded(issuer)):\(encoded(account))?secret=\(Base32.encode(secret))&issuer=\(encoded(issuer))"
            + "&algorithm=SHA1&digits=\(digits)&period=\(step)"
    }
}

/// RFC 4648 base32 without padding: how authenticator apps take a secret typed in.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Letters in either case, spaces and `=` ignored; nil for any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for scalar in text.uppercased().utf8 where scalar != UInt8(ascii: " ") && scalar != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: scalar) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits - 8)))
                bits -= 8
            }
        }
        return output
    }
}

/// Compares in time that depends only on the lengths.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
