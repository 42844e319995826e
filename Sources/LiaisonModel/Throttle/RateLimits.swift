import Foundation

/// How hard the family pages (`/a/`, `/u/`) and the API (`/v1/`) may be hit before answering 429
/// (`server.rate_limits` in liaison.yaml). Requests the API's bearer token authorizes are never limited.
///
/// The defaults let a mail scanner fetch a whole send's links from one address and a guardian open their link as
/// often as they like, while a guesser gets ``freeFailures`` tries and then waits 1 s, 2 s, 4 s … up to
/// ``maxPenalty`` before each next one.
public struct RateLimits: Sendable, Hashable {
    /// A refilling allowance: `burst` requests at once, then `rate` on average.
    public struct Bucket: Sendable, Hashable {
        public var rate: Rate
        public var burst: Int

        public init(rate: Rate, burst: Int) {
            self.rate = rate
            self.burst = burst
        }
    }

    /// Requests per unit of time, written `10/s`, `600/m` or `100/h`.
    public struct Rate: Sendable, Hashable, CustomStringConvertible {
        public var count: Int
        public var per: Duration

        public init(_ count: Int, per: Duration) {
            self.count = count
            self.per = per
        }

        /// `10/s`, `30/m`, `100/h` (`10` alone is per second); nil for anything else, a zero count included.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let units: [String: Duration] = ["s": .seconds(1), "m": .seconds(60), "h": .seconds(3600)]
            guard let first = parts.first, let count = Int(first), count > 0, count <= 1_000_000 else { return nil }
            guard let per = parts.count == 2 ? units[parts[1]] : Duration.seconds(1) else { return nil }
            self.init(count, per: per)
        }

        public var perSecond: Double { Double(count) / per.inSeconds }

        public var description: String {
            "\(count)/\(per == .seconds(3600) ? "h" : per == .seconds(60) ? "m" : "s")"
        }
    }

    /// Every limited request from one client address (an IPv6 client: its /64).
    public var perAddress = Bucket(rate: Rate(20, per: .seconds(1)), burst: 200)
    /// Requests to one link (`/a/{token}`, `/u/{token}`) that found it, from anywhere.
    public var perLink = Bucket(rate: Rate(10, per: .seconds(60)), burst: 20)
    /// Failed attempts (an unknown or expired link, a wrong bearer token) an address may make before back-off starts.
    public var freeFailures = 10
    /// How fast an address's failures are forgotten: their count halves in this time.
    public var failureHalfLife: Duration = .seconds(3600)
    /// The longest wait back-off imposes (it starts at 1 s and doubles with each further failure).
    public var maxPenalty: Duration = .seconds(900)
    /// Addresses, and links, remembered at most (each); the least recently seen are forgotten first.
    public var maxClients = 100_000

    public init() {}
}

extension Duration {
    /// The duration in seconds, fractions included.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
