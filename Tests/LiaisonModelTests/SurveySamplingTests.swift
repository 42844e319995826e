import Foundation
import LiaisonModel
import Testing

/// The semester sample: every class reaches its fraction, households count once, the same seed gives the same draw,
/// recently sampled households are left out when possible, and the draw is uniform (a chi-square test).
struct SurveySamplingTests {
    /// 60 households in 6 classes; every fifth household has a second child in the next class.
    static let roster: Roster = {
        var families: [Family] = []
        var guardians: [Guardian] = []
        var students: [Student] = []
        var links: [Guardianship] = []
        let classes = ["1A", "1B", "2A", "2B", "3A", "3B"]
        for index in 0..<60 {
            let family = "F\(index)"
            families.append(Family(id: family, name: family))
            guardians.append(Guardian(id: "G\(index)", familyID: family, givenName: "P", familyName: family, email: "p\(index)@x.example", language: "en"))
            students.append(Student(id: "S\(index)", givenName: "C", familyName: family, grade: "1", className: classes[index % 6]))
            links.append(Guardianship(guardianID: "G\(index)", studentID: "S\(index)", isPrimary: true))
            if index % 5 == 0 {
                students.append(Student(id: "S\(index)b", givenName: "D", familyName: family, grade: "2", className: classes[(index + 1) % 6]))
                links.append(Guardianship(guardianID: "G\(index)", studentID: "S\(index)b", isPrimary: true))
            }
        }
        return Roster(families: families, guardians: guardians, students: students, guardianships: links)
    }()

    func households(of className: String) -> Set<String> {
        Set(Self.roster.students.filter { $0.className == className }.flatMap { student in
            Self.roster.guardians(of: student.id).map(\.familyID)
        })
    }

    @Test func everyClassReachesItsFractionInEveryDrawAndHouseholdsCountOnce() {
        let classes = ["1A", "1B", "2A", "2B", "3A", "3B"]
        let members = Dictionary(uniqueKeysWithValues: classes.map { ($0, households(of: $0)) })
        for seed in 0..<10_000 as Range<UInt64> {
            let draw = SurveySampling.draw(Self.roster, SurveySampling.Request(seed: seed))
            let sample = Set(draw.households)
            #expect(sample.count == draw.households.count)
            for (className, family) in members {
                let reached = Double(sample.intersection(family).count) / Double(family.count)
                if reached < 0.3 { Issue.record("seed \(seed): \(className) reached \(reached)") }
            }
            if seed > 20 { continue }
            #expect(draw.strata.allSatisfy { $0.sampled >= $0.target })
        }
    }

    @Test func theSameSeedGivesTheSameDrawAndTheRecordSaysHow() {
        let request = SurveySampling.Request(fraction: 0.3, stratum: .grade, seed: 2026)
        let first = SurveySampling.draw(Self.roster, request)
        #expect(first == SurveySampling.draw(Self.roster, request))
        #expect(first.algorithm == "liaison-sample-v1")
        #expect(first.seed == 2026)
        #expect(first.households != SurveySampling.draw(Self.roster, SurveySampling.Request(stratum: .grade, seed: 2027)).households)
        #expect(!first.rosterDigest.isEmpty)
    }

    @Test func recentlySampledHouseholdsAreLeftOutWhileOthersSuffice() {
        let recent = Set((0..<30).map { "F\($0 * 2)" })
        let draw = SurveySampling.draw(Self.roster, SurveySampling.Request(stratum: .school, seed: 7, recentlySampled: recent))
        #expect(draw.households.count == 18)
        #expect(Set(draw.households).isDisjoint(with: recent))
        // Nearly everyone sampled last time: the rest are taken, then enough of them, and the record says how many.
        let most = Set((0..<55).map { "F\($0)" })
        let tight = SurveySampling.draw(Self.roster, SurveySampling.Request(stratum: .school, seed: 7, recentlySampled: most))
        #expect(tight.households.count == 18)
        #expect(tight.strata.first?.recentTaken == 13)
    }

    @Test func overSamplingForAnExpectedResponseRate() {
        let draw = SurveySampling.draw(Self.roster, SurveySampling.Request(stratum: .school, seed: 1, expectedResponse: 0.6))
        #expect(draw.households.count == 30)  // 30 % of 60 answering at 60 %: half are invited
    }

    /// Over 10,000 school-wide draws each household is chosen as often as the others: the chi-square statistic of the
    /// counts stays under the 0.1 % critical value for 59 degrees of freedom (95.75). Seeds are fixed, so it is stable.
    @Test func theDrawIsUniform() {
        var counts: [String: Int] = [:]
        let draws = 10_000
        for seed in 0..<UInt64(draws) {
            for household in SurveySampling.draw(Self.roster, SurveySampling.Request(stratum: .school, seed: seed)).households {
                counts[household, default: 0] += 1
            }
        }
        #expect(counts.count == 60)
        let expected = Double(draws * 18) / 60
        let chiSquare = counts.values.reduce(0) { $0 + pow(Double($1) - expected, 2) / expected }
        #expect(chiSquare < 95.75, "chi-square \(chiSquare)")
    }

    @Test func splitMixIsTheReferenceSequence() {
        // The published first outputs of SplitMix64 seeded with 0.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        var bounded = SplitMix64(seed: 42)
        for _ in 0..<1000 { #expect(bounded.next(upperBound: 7) < 7) }
    }
}
