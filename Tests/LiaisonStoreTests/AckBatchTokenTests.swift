import Foundation
import Testing
@testable import LiaisonStore

@Suite struct AckBatchTokenTests {
    @Test func batchTokensAreDistinctAndResolve() async throws {
        let ledger = try SQLiteAckLedger.inMemory()
        let guardians = (0..<500).map { "G\($0)" }
        let tokens = try await ledger.issueTokens(eventID: "open-day", occurrence: "open-day@x", guardianIDs: guardians, now: Date())
        #expect(tokens.count == 500)
        #expect(Set(tokens.values).count == 500)
        for guardian in ["G0", "G250", "G499"] {
            let link = try await ledger.link(forToken: try #require(tokens[guardian]))
            #expect(link?.guardianID == guardian)
            #expect(link?.occurrence == "open-day@x")
        }
    }
}
