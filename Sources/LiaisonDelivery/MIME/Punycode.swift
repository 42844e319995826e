import Foundation

/// RFC 3492 Punycode, for sending internationalised domain names as ASCII (`bücher.example` → `xn--bcher-kva.example`).
///
/// Only the encoding direction, with the mapping IDNA needs in practice (NFC, lower case); it does not check the
/// IDNA2008 code-point tables, so a domain the registry would refuse still gets encoded — delivery then fails there.
enum Punycode {
    private static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700, initialBias = 72, initialN = 128

    /// The ASCII form of a domain: non-ASCII labels become `xn--…`; ASCII labels are lower-cased.
    static func asciiDomain(_ domain: String) -> String? {
        // IDNA treats the ideographic and fullwidth full stops as label separators too.
        let separators: Set<Character> = [".", "\u{3002}", "\u{FF0E}", "\u{FF61}"]
        var labels: [String] = []
        for label in domain.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) }) {
            let mapped = String(label).precomposedStringWithCanonicalMapping.lowercased()
            if mapped.unicodeScalars.allSatisfy(\.isASCII) {
                labels.append(mapped)
            } else {
                guard let encoded = encode(mapped) else { return nil }
                labels.append("xn--" + encoded)
            }
        }
        return labels.joined(separator: ".")
    }

    /// Punycode of one label (without the `xn--` prefix).
    static func encode(_ label: String) -> String? {
        let input = label.unicodeScalars.map { Int($0.value) }
        var output = input.filter { $0 < 0x80 }.map { Character(Unicode.Scalar(UInt8($0))) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }
        var n = initialN, delta = 0, bias = initialBias
        while handled < input.count {
            guard let m = input.filter({ $0 >= n }).min() else { return nil }
            guard (m - n) <= (Int(Int32.max) - delta) / (handled + 1) else { return nil }
            delta += (m - n) * (handled + 1)
            n = m
            for c in input {
                if c < n { delta += 1 }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(output)
    }

    private static func digit(_ d: Int) -> Character {
        Character(Unicode.Scalar(UInt8(d < 26 ? 0x61 + d : 0x30 + d - 26)))
    }

    private static func adapt(_ delta: Int, _ count: Int, _ first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }
}
