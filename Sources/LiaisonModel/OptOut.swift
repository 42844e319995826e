import Foundation

/// A kind of message a family may stop receiving: newsletters apart from everything else. Messages about a child
/// (meetings, progress letters, surveys, alerts) have no category: they cannot be unsubscribed from, and an urgent
/// message never is silenced.
public struct MessageCategory: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let newsletters = MessageCategory(rawValue: "newsletters")

    /// The category a family may opt out of for `event`, or nil when it must reach them.
    public static func optional(for event: Event) -> MessageCategory? {
        guard event.priority == .normal else { return nil }
        return event.kind == .newsletter ? .newsletters : nil
    }

    public var description: String { rawValue }
}

/// What the planning stage needs of the opt-outs: who opted out, and fresh unsubscribe links (opaque tokens, stored
/// only as their hashes, naming no roster id).
public protocol OptOutRegistry: Sendable {
    /// A fresh unsubscribe token per guardian for one occurrence of `category`; guardian id → token.
    func issueUnsubscribeTokens(category: MessageCategory, occurrence: String, guardianIDs: [String], now: Date) async throws -> [String: String]
    /// The guardians who opted out of `category`.
    func optedOut(category: MessageCategory) async throws -> Set<String>
}
