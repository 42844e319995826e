import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

/// `server.rate_limits` and `server.trusted_proxies`.
@Suite struct RateLimitConfigTests {
    func load(_ server: String) -> (LiaisonConfiguration?, [Diagnostic]) {
        let (_, path) = ConfigurationTests().school(config: ConfigurationTests.goodConfig + "\nserver:\n" + server)
        return ConfigurationLoader.load(path: path)
    }

    @Test func defaultsWithoutTheKeys() {
        let (loaded, diagnostics) = load("  listen: 127.0.0.1:8080\n")
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        #expect(loaded?.server.rateLimits == RateLimits())
        #expect(loaded?.server.trustedProxies == TrustedProxies())
    }

    @Test func limitsAndProxiesAreRead() {
        let (loaded, diagnostics) = load("""
              trusted_proxies: [127.0.0.1, 10.0.0.0/8, "fd00::/8"]
              rate_limits:
                per_address: {rate: 600/m, burst: 50}
                per_link:
                  rate: 100/h
                free_failures: 5
                failure_half_life: 2h
                max_penalty: 30m
                max_clients: 20_000

            """)
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        var expected = RateLimits()
        expected.perAddress = RateLimits.Bucket(rate: RateLimits.Rate(600, per: .seconds(60)), burst: 50)
        expected.perLink.rate = RateLimits.Rate(100, per: .seconds(3600))
        expected.freeFailures = 5
        expected.failureHalfLife = .seconds(7200)
        expected.maxPenalty = .seconds(1800)
        expected.maxClients = 20_000
        #expect(loaded?.server.rateLimits == expected)
        #expect(loaded?.server.trustedProxies.networks == [IPNetwork("127.0.0.1")!, IPNetwork("10.0.0.0/8")!, IPNetwork("fd00::/8")!])

        let (single, _) = load("  trusted_proxies: ::1\n")
        #expect(single?.server.trustedProxies.networks == [IPNetwork("::1")!])
    }

    /// Each wrong value is named at its key with what it should look like; the configuration is refused.
    @Test func wrongValuesAreReportedAtTheirKeys() {
        let (loaded, diagnostics) = load("""
              trusted_proxies: [10.0.0.0/33, proxy.internal]
              rate_limits:
                per_address: {rate: 10/d, burst: 0}
                free_failures: many
                max_penalty: 0s
                max_clients: 10

            """)
        #expect(loaded == nil)
        let messages = diagnostics.with("config.invalid-value").map(\.message)
        for expected in [
            "server.trusted_proxies[0] must be an IP address or CIDR block (10.0.0.0/8, 192.0.2.7, fd00::/8), not \"10.0.0.0/33\"",
            "server.trusted_proxies[1] must be an IP address or CIDR block",
            "server.rate_limits.per_address.rate must be requests per second, minute or hour (20/s, 600/m, 100/h), not \"10/d\"",
            "server.rate_limits.free_failures must be a whole number from 0 to 100000000, not \"many\"",
            "server.rate_limits.max_penalty must be at least 1s",
            "server.rate_limits.max_clients must be a whole number from 1000 to 100000000, not \"10\"",
        ] {
            #expect(messages.contains { $0.hasPrefix(expected) }, "\(expected)\n\(diagnostics.listing)")
        }
        #expect(diagnostics.has("config.invalid-value", field: "server.rate_limits.max_penalty"), "\(diagnostics.listing)")
        #expect(diagnostics.has("config.invalid-value", field: "server.trusted_proxies[1]"), "\(diagnostics.listing)")
    }

    @Test func trustingEveryAddressIsWarned() {
        let (loaded, diagnostics) = load("  trusted_proxies: [0.0.0.0/0]\n")
        #expect(loaded != nil)
        #expect(diagnostics.first("config.invalid-value")?.severity == .warning, "\(diagnostics.listing)")
        #expect(diagnostics.first("config.invalid-value")?.message.contains("trusts every address") == true)
    }
}
