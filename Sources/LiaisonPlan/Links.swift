import Foundation
import LiaisonModel

/// Makes every link a message carries, from one base URL: a fresh acknowledgement token per (occurrence, guardian),
/// kept only as its hash, and signed unsubscribe links for newsletters.
public struct Links: Sendable {
    public let tokens: any AckTokenIssuer
    public let signer: LinkSigner
    /// The school's public base URL, without a trailing slash.
    public let base: String

    public init(tokens: any AckTokenIssuer, signer: LinkSigner, school: School) {
        self.tokens = tokens
        self.signer = signer
        self.base = Self.base(school)
    }

    /// The same tokens and signer for (a reloaded version of) a school.
    public func with(school: School) -> Links {
        Links(tokens: tokens, signer: signer, school: school)
    }

    /// Acknowledgement URLs by guardian id, issued in one transaction.
    public func ackURLs(eventID: String, occurrence: String, guardians: [String], now: Date) async throws -> [String: String] {
        guard !guardians.isEmpty else { return [:] }
        let issued = try await tokens.issueTokens(eventID: eventID, occurrence: occurrence, guardianIDs: guardians, now: now)
        let base = base
        return issued.mapValues { "\(base)/a/\($0)" }
    }

    public func unsubscribeURL(guardian: Guardian) -> String {
        "\(base)/u/\(signer.token(purpose: "unsubscribe", subject: guardian.id))"
    }

    /// The school's public base URL without a trailing slash (`school.base_url`; the daemon's default address when
    /// none is configured, which only works on the server itself).
    public static func base(_ school: School) -> String {
        var base = school.baseURL?.absoluteString ?? "http://127.0.0.1:8080"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
