import Foundation

/// Which households a semester's survey goes to: at least a fraction of the households of every stratum (class,
/// grade or the whole school), drawn by household (a family with three children counts once), reproducibly from a
/// seed, leaving out households sampled in recent semesters when the school wants. A pure function of the roster
/// and the request, so `--explain` can show the draw and a test can repeat it.
public enum SurveySampling {
    /// The algorithm's name, recorded with each draw: a later version must not silently change an old draw.
    public static let algorithm = "liaison-sample-v1"

    public enum Stratum: String, Sendable, Hashable, Codable, CaseIterable {
        case `class`, grade, school

        /// The stratum a student belongs to.
        public func name(of student: Student) -> String {
            switch self {
            case .class: student.className
            case .grade: student.grade
            case .school: "school"
            }
        }
    }

    public struct Request: Sendable, Hashable {
        /// At least this share of every stratum's households (0.3: the rule of at least 30 %).
        public var fraction: Double
        public var stratum: Stratum
        public var seed: UInt64
        /// Households left out if the stratum can reach its target without them (sampled in recent semesters).
        public var recentlySampled: Set<String>
        /// The share expected to answer: the draw is enlarged so that `fraction` answer (1: no over-sampling).
        public var expectedResponse: Double

        public init(fraction: Double = 0.3, stratum: Stratum = .class, seed: UInt64, recentlySampled: Set<String> = [], expectedResponse: Double = 1) {
            self.fraction = fraction
            self.stratum = stratum
            self.seed = seed
            self.recentlySampled = recentlySampled
            self.expectedResponse = expectedResponse
        }

        /// The share drawn: `fraction` over the expected response rate, at most everyone.
        public var drawnFraction: Double { min(1, fraction / max(0.01, min(1, expectedResponse))) }
    }

    /// One stratum's figures in a draw.
    public struct StratumDraw: Sendable, Hashable, Codable {
        public var name: String
        public var households: Int
        public var target: Int
        /// Households of the stratum in the sample (some drawn for an earlier stratum they also belong to).
        public var sampled: Int
        /// Of those, households sampled in recent semesters taken because the others were too few.
        public var recentTaken: Int
    }

    public struct Draw: Sendable, Hashable, Codable {
        public var algorithm: String
        public var seed: UInt64
        /// A digest of the households and their strata the draw was made from (FNV-1a, 64 bits: identity, not secrecy).
        public var rosterDigest: String
        /// Family ids, sorted.
        public var households: [String]
        public var strata: [StratumDraw]

        public init(algorithm: String, seed: UInt64, rosterDigest: String, households: [String], strata: [StratumDraw]) {
            self.algorithm = algorithm
            self.seed = seed
            self.rosterDigest = rosterDigest
            self.households = households
            self.strata = strata
        }
    }

    /// The draw for `request` over `roster`. Strata are taken in name order; households already in the sample count
    /// towards every stratum they belong to; the rest of a stratum's target is drawn uniformly from its households not
    /// yet sampled, recently sampled ones only when the others are too few.
    public static func draw(_ roster: Roster, _ request: Request) -> Draw {
        var members: [String: Set<String>] = [:]
        for guardianship in roster.guardianships {
            guard let guardian = roster.guardian(guardianship.guardianID), let student = roster.student(guardianship.studentID) else { continue }
            members[request.stratum.name(of: student), default: []].insert(guardian.familyID)
        }
        return draw(members: members, request)
    }

    /// The draw among the households `recipients` reach (an event's audience), by the children concerned.
    public static func draw(_ recipients: [Recipient], _ request: Request) -> Draw {
        draw(members: strata(of: recipients, by: request.stratum), request)
    }

    /// Each stratum's households among `recipients`.
    public static func strata(of recipients: [Recipient], by stratum: Stratum) -> [String: Set<String>] {
        var members: [String: Set<String>] = [:]
        for recipient in recipients {
            for student in recipient.students { members[stratum.name(of: student), default: []].insert(recipient.guardian.familyID) }
        }
        return members
    }

    /// The draw over `members` (stratum name → its households).
    public static func draw(members: [String: Set<String>], _ request: Request) -> Draw {
        var generator = SplitMix64(seed: request.seed)
        var sampled: Set<String> = []
        var strata: [StratumDraw] = []
        for name in members.keys.sorted() {
            let households = members[name]!.sorted()
            let target = Int((Double(households.count) * request.drawnFraction).rounded(.up))
            var inSample = households.filter { sampled.contains($0) }.count
            let fresh = households.filter { !sampled.contains($0) && !request.recentlySampled.contains($0) }
            let recent = households.filter { !sampled.contains($0) && request.recentlySampled.contains($0) }
            let fromFresh = Self.choose(max(0, min(target - inSample, fresh.count)), from: fresh, using: &generator)
            inSample += fromFresh.count
            let fromRecent = Self.choose(max(0, min(target - inSample, recent.count)), from: recent, using: &generator)
            inSample += fromRecent.count
            sampled.formUnion(fromFresh)
            sampled.formUnion(fromRecent)
            strata.append(StratumDraw(name: name, households: households.count, target: target, sampled: inSample, recentTaken: fromRecent.count))
        }
        return Draw(
            algorithm: algorithm, seed: request.seed, rosterDigest: digest(members), households: sampled.sorted(), strata: strata)
    }

    /// `count` of `items`, uniformly: a partial Fisher–Yates shuffle.
    static func choose(_ count: Int, from items: [String], using generator: inout SplitMix64) -> [String] {
        var pool = items
        for index in 0..<count {
            let pick = index + Int(generator.next(upperBound: UInt64(pool.count - index)))
            pool.swapAt(index, pick)
        }
        return Array(pool.prefix(count))
    }

    static func digest(_ members: [String: Set<String>]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in members.keys.sorted() {
            for byte in Array(name.utf8) + [0x1F] + Array(members[name]!.sorted().joined(separator: "\u{1E}").utf8) + [0x1D] {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
        }
        return String(hash, radix: 16)
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a small seeded generator whose sequence never changes with the platform
/// or the Swift version, as a recorded draw needs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound, without modulo bias (Lemire's method with rejection).
    public mutating func next(upperBound bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        let threshold = (0 &- bound) % bound
        while true {
            let (high, low) = next().multipliedFullWidth(by: bound)
            if low >= threshold { return high }
        }
    }
}
