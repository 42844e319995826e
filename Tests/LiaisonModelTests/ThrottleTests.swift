import Foundation
import LiaisonModel
import Testing

@Suite struct ThrottleTests {
    typealias Instant = ContinuousClock.Instant
    let t0 = ContinuousClock.now
    let client = IPAddress("203.0.113.7")!

    func at(_ seconds: Double) -> Instant { t0.advanced(by: .seconds(seconds)) }

    func limits(_ change: (inout RateLimits) -> Void) -> RateLimits {
        var limits = RateLimits()
        change(&limits)
        return limits
    }

    /// The address's bucket: `burst` at once, then refilled at the rate; the refusal says how long to wait.
    @Test func theAddressBucketRefillsAtItsRate() {
        var throttle = Throttle<Instant>(limits: limits { $0.perAddress = .init(rate: .init(2, per: .seconds(1)), burst: 5) })
        for _ in 0..<5 { #expect(throttle.admit(address: client, link: nil, at: at(0)) == .admit) }
        #expect(throttle.admit(address: client, link: nil, at: at(0)) == .refuse(.address, retryAfter: .milliseconds(500)))
        #expect(throttle.admit(address: client, link: nil, at: at(0.5)) == .admit)
        #expect(throttle.admit(address: client, link: nil, at: at(0.75)) == .refuse(.address, retryAfter: .milliseconds(250)))
        // Another address has a bucket of its own.
        #expect(throttle.admit(address: IPAddress("203.0.113.8"), link: nil, at: at(0.75)) == .admit)
        // A long quiet time refills to the burst, not beyond.
        for _ in 0..<5 { #expect(throttle.admit(address: client, link: nil, at: at(100)) == .admit) }
        #expect(throttle.admit(address: client, link: nil, at: at(100)) != .admit)
    }

    /// After the free failures, each failure shuts the address out for twice as long as the last, up to the cap;
    /// requests refused meanwhile do not count.
    @Test func backOffDoublesUpToTheCap() {
        var throttle = Throttle<Instant>(limits: limits {
            $0.freeFailures = 3
            $0.maxPenalty = .seconds(8)
        })
        for _ in 0..<3 {
            #expect(throttle.admit(address: client, link: nil, at: at(0)) == .admit)
            #expect(throttle.record(.failure, address: client, link: nil, at: at(0)) == nil)
        }
        var clock = 0.0
        var penalties: [Duration] = []
        for _ in 0..<6 {
            #expect(throttle.admit(address: client, link: nil, at: at(clock)) == .admit)
            let penalty = throttle.record(.failure, address: client, link: nil, at: at(clock))!
            penalties.append(penalty)
            let halfway = clock + penalty.inSecondsForTests / 2
            #expect(throttle.admit(address: client, link: nil, at: at(halfway)) == .refuse(.penalty, retryAfter: penalty / 2))
            clock += penalty.inSecondsForTests
        }
        #expect(penalties == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
    }

    /// Successes do not wipe failures: only time does, halving them every half-life.
    @Test func failuresDecayWithTimeNotWithSuccess() {
        var throttle = Throttle<Instant>(limits: limits {
            $0.freeFailures = 4
            $0.failureHalfLife = .seconds(60)
        })
        for _ in 0..<4 { throttle.record(.failure, address: client, link: nil, at: at(0)) }
        for _ in 0..<50 { throttle.record(.success, address: client, link: nil, at: at(1)) }
        #expect(throttle.record(.failure, address: client, link: nil, at: at(1)) == .seconds(1))

        var later = Throttle<Instant>(limits: throttle.limits)
        for _ in 0..<4 { later.record(.failure, address: client, link: nil, at: at(0)) }
        // One half-life later 4 failures weigh 2: two more are free, the third is over.
        #expect(later.record(.failure, address: client, link: nil, at: at(60)) == nil)
        #expect(later.record(.failure, address: client, link: nil, at: at(60)) == nil)
        #expect(later.record(.failure, address: client, link: nil, at: at(60)) == .seconds(1))
    }

    /// The probe of issue 15 (forged tokens, one address, 1,100 a second for 91 s) against the defaults: the first
    /// eleven go through, then one after each penalty, 1 s, 2 s, 4 s … 64 s: 17 of 100,000.
    @Test func forgedGuessesWithTheDefaults() {
        var throttle = Throttle<Instant>(limits: RateLimits())
        var admitted = 0
        var reasons = Set<Throttle<Instant>.Refusal>()
        for index in 0..<100_000 {
            let now = at(Double(index) / 1100)
            switch throttle.admit(address: client, link: "forged\(index)", at: now) {
            case .admit:
                admitted += 1
                throttle.record(.failure, address: client, link: "forged\(index)", at: now)
            case .refuse(let reason, _):
                reasons.insert(reason)
            }
        }
        #expect(admitted == 17)
        #expect(reasons == [.penalty])
        // Guesses fill no link table.
        #expect(throttle.remembered.links == 0)
    }

    /// A guardian opening their own link again and again, and a scanner fetching a whole send's links from one
    /// address, are never refused with the defaults.
    @Test func guardiansAndScannersPassWithTheDefaults() {
        var throttle = Throttle<Instant>(limits: RateLimits())
        for index in 0..<20 {
            let now = at(Double(index) * 3)
            #expect(throttle.admit(address: client, link: "guardian-link", at: now) == .admit)
            throttle.record(.success, address: client, link: "guardian-link", at: now)
        }
        let scanner = IPAddress("198.51.100.20")!
        for index in 0..<2_000 {
            let now = at(100 + Double(index) / 20)
            #expect(throttle.admit(address: scanner, link: "link-\(index)", at: now) == .admit)
            throttle.record(.success, address: scanner, link: "link-\(index)", at: now)
        }
    }

    /// One link hit from many addresses is limited on its own; a link nobody has opened successfully is not tracked.
    @Test func oneLinkFromManyAddressesIsLimited() {
        var throttle = Throttle<Instant>(limits: limits { $0.perLink = .init(rate: .init(6, per: .seconds(60)), burst: 3) })
        for index in 0..<3 {
            let address = IPAddress(ipv4: 0xC633_6400 + UInt32(index))
            #expect(throttle.admit(address: address, link: "hammered", at: at(0)) == .admit)
            throttle.record(.success, address: address, link: "hammered", at: at(0))
        }
        let fresh = IPAddress("192.0.2.200")!
        #expect(throttle.admit(address: fresh, link: "hammered", at: at(0)) == .refuse(.link, retryAfter: .seconds(10)))
        #expect(throttle.admit(address: fresh, link: "another", at: at(0)) == .admit)
        #expect(throttle.admit(address: fresh, link: "hammered", at: at(10)) == .admit)
        #expect(throttle.remembered.links == 1)
    }

    /// An IPv6 client is its /64: addresses within it share one allowance.
    @Test func ipv6ClientsAreKeyedByTheirSlash64() {
        var throttle = Throttle<Instant>(limits: limits { $0.freeFailures = 1 })
        throttle.record(.failure, address: IPAddress("2001:db8:1:2::1"), link: nil, at: at(0))
        #expect(throttle.record(.failure, address: IPAddress("2001:db8:1:2:ffff:ffff:ffff:9"), link: nil, at: at(0)) == .seconds(1))
        #expect(throttle.admit(address: IPAddress("2001:db8:1:2::abcd"), link: nil, at: at(0.5)) == .refuse(.penalty, retryAfter: .milliseconds(500)))
        #expect(throttle.admit(address: IPAddress("2001:db8:1:3::1"), link: nil, at: at(0.5)) == .admit)
        #expect(Throttle<Instant>.key(IPAddress("2001:db8:1:2:3:4:5:6")) == IPAddress("2001:db8:1:2::"))
        #expect(Throttle<Instant>.key(IPAddress("::ffff:192.0.2.1")) == IPAddress("192.0.2.1"))
    }

    /// A million distinct addresses leave at most max_clients entries, and a guesser serving a penalty is still
    /// remembered after the flood.
    @Test func aFloodOfAddressesStaysBounded() {
        var throttle = Throttle<Instant>(limits: limits { $0.maxClients = 10_000 })
        let guesser = IPAddress("192.0.2.66")!
        for _ in 0..<12 { throttle.record(.failure, address: guesser, link: nil, at: at(0)) }
        var largest = 0
        for index in 0..<1_000_000 {
            let address = IPAddress(high: 0x2001_0db8_0000_0000 | UInt64(index), low: 1)
            _ = throttle.admit(address: address, link: nil, at: at(1))
            if index % 1000 == 0 { largest = max(largest, throttle.remembered.addresses) }
        }
        #expect(largest <= 10_000)
        #expect(throttle.remembered.addresses <= 10_000)
        #expect(throttle.admit(address: guesser, link: nil, at: at(1)) == .refuse(.penalty, retryAfter: .seconds(1)))
    }

    @Test func theTableForgetsTheLeastRecentlyUsedFirst() {
        var table = RecentTable<Int, String>(capacity: 8)
        for key in 0..<5 { table.set(key, "v\(key)") }
        _ = table.value(for: 0)  // used again: back in the newest generation
        for key in 5..<8 { table.set(key, "v\(key)") }
        #expect(table.count <= 8)
        #expect(table.peek(0) == "v0")
        #expect(table.peek(1) == nil)
        #expect(table.peek(7) == "v7")
    }
}

@Suite struct ClientAddressTests {
    @Test func addressesParse() {
        #expect(IPAddress("192.0.2.1")?.description == "192.0.2.1")
        #expect(IPAddress("::ffff:192.0.2.1") == IPAddress("192.0.2.1"))
        #expect(IPAddress("[2001:db8::1]")?.description == "2001:db8::1")
        #expect(IPAddress("2001:DB8:0:0:0:0:0:1") == IPAddress("2001:db8::1"))
        for bad in ["", "1", "256.1.1.1", "0x7f.0.0.1", "example.org", "192.0.2.1:80", "2001:db8::1%eth0", "1.2.3.4 "] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func networksParseAndMatch() {
        let ten = IPNetwork("10.0.0.0/8")!
        #expect(ten.contains(IPAddress("10.200.3.4")!))
        #expect(!ten.contains(IPAddress("11.0.0.1")!))
        #expect(!ten.contains(IPAddress("::a00:1")!))  // an IPv6 address is never in an IPv4 block
        #expect(IPNetwork("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(IPNetwork("fd00::/8")!.contains(IPAddress("fdab::1")!))
        #expect(IPNetwork("::1")!.contains(IPAddress("::1")!))
        #expect(!IPNetwork("::1")!.contains(IPAddress("::2")!))
        #expect(IPNetwork("0.0.0.0/0")!.contains(IPAddress("198.51.100.1")!))
        for bad in ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "proxy.local"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }

    @Test func forwardedForCountsOnlyFromTrustedProxies() {
        let proxies = TrustedProxies([IPNetwork("10.0.0.0/8")!, IPNetwork("2001:db8:ffff::/48")!])
        let proxy = IPAddress("10.0.0.2")!
        // A client talking to us directly cannot choose its address.
        #expect(proxies.client(peer: IPAddress("198.51.100.9"), forwardedFor: ["192.0.2.1"]) == IPAddress("198.51.100.9"))
        #expect(TrustedProxies().client(peer: proxy, forwardedFor: ["192.0.2.1"]) == proxy)
        // Through the proxy: the right-most address that is not a proxy; what the client wrote further left is ignored.
        #expect(proxies.client(peer: proxy, forwardedFor: ["1.1.1.1, 192.0.2.1"]) == IPAddress("192.0.2.1"))
        #expect(proxies.client(peer: proxy, forwardedFor: ["1.1.1.1", "192.0.2.1, 10.9.9.9"]) == IPAddress("192.0.2.1"))
        #expect(proxies.client(peer: proxy, forwardedFor: ["2001:db8:1::5, 2001:db8:ffff::1"]) == IPAddress("2001:db8:1::5"))
        #expect(proxies.client(peer: proxy, forwardedFor: ["192.0.2.1:4711"]) == IPAddress("192.0.2.1"))
        #expect(proxies.client(peer: proxy, forwardedFor: ["[2001:db8:1::5]:4711"]) == IPAddress("2001:db8:1::5"))
        // No header, or only proxies in it: the request is the proxy's own (the left-most one).
        #expect(proxies.client(peer: proxy, forwardedFor: []) == proxy)
        #expect(proxies.client(peer: proxy, forwardedFor: ["10.7.7.7, 10.8.8.8"]) == IPAddress("10.7.7.7"))
        // Something that is not an address stops at the proxy that passed it on.
        #expect(proxies.client(peer: proxy, forwardedFor: ["192.0.2.1, unknown, 10.8.8.8"]) == IPAddress("10.8.8.8"))
        #expect(proxies.client(peer: nil, forwardedFor: ["192.0.2.1"]) == nil)
    }

    @Test func ratesParse() {
        #expect(RateLimits.Rate("10/s") == RateLimits.Rate(10, per: .seconds(1)))
        #expect(RateLimits.Rate("600/m") == RateLimits.Rate(600, per: .seconds(60)))
        #expect(RateLimits.Rate("100 / h") == RateLimits.Rate(100, per: .seconds(3600)))
        #expect(RateLimits.Rate("5") == RateLimits.Rate(5, per: .seconds(1)))
        #expect(RateLimits.Rate("600/m")?.description == "600/m")
        for bad in ["0/s", "-1/s", "x", "10/d", "10/", "1.5/s"] {
            #expect(RateLimits.Rate(bad) == nil, "\(bad)")
        }
    }
}

extension Duration {
    var inSecondsForTests: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
