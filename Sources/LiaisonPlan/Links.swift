import Foundation
import LiaisonModel

/// Makes every link a message carries, from one base URL: a fresh acknowledgement token per (occurrence, guardian)
/// and, for what a family may unsubscribe from, a fresh unsubscribe token. Tokens are opaque (no roster id in a
/// link) and kept only as their hashes.
public struct Links: Sendable {
    public typealias Ledger = AckTokenIssuer & OptOutRegistry
    public let ledger: any Ledger
    /// The school's public base URL, without a trailing slash.
    public let base: String

    public init(ledger: any Ledger, school: School) {
        self.ledger = ledger
        self.base = Self.base(school)
    }

    /// The same ledger for (a reloaded version of) a school.
    public func with(school: School) -> Links {
        Links(ledger: ledger, school: school)
    }

    /// Acknowledgement URLs by guardian id, issued in one transaction.
    public func ackURLs(eventID: String, occurrence: String, guardians: [String], now: Date) async throws -> [String: String] {
        guard !guardians.isEmpty else { return [:] }
        let issued = try await ledger.issueTokens(eventID: eventID, occurrence: occurrence, guardianIDs: guardians, now: now)
        let base = base
        return issued.mapValues { "\(base)/a/\($0)" }
    }

    /// One-click unsubscribe URLs (RFC 8058) by guardian id, issued in one transaction.
    public func unsubscribeURLs(category: MessageCategory, occurrence: String, guardians: [String], now: Date) async throws -> [String: String] {
        guard !guardians.isEmpty else { return [:] }
        let issued = try await ledger.issueUnsubscribeTokens(category: category, occurrence: occurrence, guardianIDs: guardians, now: now)
        let base = base
        return issued.mapValues { "\(base)/u/\($0)" }
    }

    /// The school's public base URL without a trailing slash (`school.base_url`; the daemon's default address when
    /// none is configured, which only works on the server itself).
    public static func base(_ school: School) -> String {
        var base = school.baseURL?.absoluteString ?? "http://127.0.0.1:8080"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
