import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as 128 bits; IPv4 addresses (and IPv4-mapped IPv6 ones, `::ffff:192.0.2.1`, which a
/// dual-stack socket reports) are held mapped, so one client is one value whichever way it arrived.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The upper and lower 64 bits, in network order.
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// `192.0.2.1`, `2001:db8::1` or `[2001:db8::1]`; nil for anything else (names, ports, zone ids).
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        if text.contains(":") {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &raw) { Array($0) }
            self.init(high: Self.integer(bytes[0..<8]), low: Self.integer(bytes[8..<16]))
        } else {
            var raw = in_addr()
            // inet_pton takes dotted quads only: no "1", "0x7f.1" or octal forms that inet_aton would read.
            guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &raw) { Array($0) }
            self.init(ipv4: UInt32(Self.integer(bytes[0..<4])))
        }
    }

    /// An IPv4 address, held as `::ffff:a.b.c.d`.
    public init(ipv4: UInt32) {
        self.init(high: 0, low: 0xffff_0000_0000 | UInt64(ipv4))
    }

    public var isIPv4: Bool { high == 0 && low >> 32 == 0xffff }

    /// The first `bits` bits, the rest zero (for IPv4, `bits` counts from the IPv4 address's first bit).
    public func prefix(_ bits: Int) -> IPAddress {
        let bits = isIPv4 ? 96 + min(max(bits, 0), 32) : min(max(bits, 0), 128)
        func mask(_ count: Int) -> UInt64 { count <= 0 ? 0 : count >= 64 ? .max : ~(UInt64.max >> UInt64(count)) }
        return IPAddress(high: high & mask(bits), low: low & mask(bits - 64))
    }

    public var description: String {
        if isIPv4 {
            let value = UInt32(truncatingIfNeeded: low)
            return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xff) }.joined(separator: ".")
        }
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { buffer in
            for index in 0..<8 {
                buffer[index] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * index))
                buffer[8 + index] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * index))
            }
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return "\(high):\(low)" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func integer(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// A block of addresses, `10.0.0.0/8` or `fd00::/8`; a bare address is a block of one.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    /// Bits fixed by the block (for IPv4, of the 32 bits).
    public let bits: Int

    public init(_ address: IPAddress, bits: Int) {
        self.bits = bits
        self.address = address.prefix(bits)
    }

    /// `10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`, `::1`; nil for anything else or a prefix longer than the family's.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let width = address.isIPv4 ? 32 : 128
        var bits = width
        if parts.count == 2 {
            guard parts[1].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isNumber), let value = Int(parts[1]), value <= width else {
                return nil
            }
            bits = value
        }
        self.init(address, bits: bits)
    }

    public func contains(_ other: IPAddress) -> Bool {
        other.isIPv4 == address.isIPv4 && other.prefix(bits) == address
    }

    public var description: String { "\(address)/\(bits)" }
}
