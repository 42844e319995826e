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

/// What the planning stage needs of the opt-outs: who opted out (unsubscribe links are drawn when a letter is sent,
/// through ``LinkTokenIssuer``).
public protocol OptOutRegistry: Sendable {
    /// The guardians who opted out of `category`.
    func optedOut(category: MessageCategory) async throws -> Set<String>
}
