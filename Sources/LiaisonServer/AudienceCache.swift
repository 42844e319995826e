import Foundation
import LiaisonModel

/// Who an audience reaches, worked out once per roster: resolving a class of a 100,000-family roster takes tens of
/// milliseconds, and the desk's pages (and their live refresh) ask again and again. One cache belongs to one roster;
/// the daemon gives every version of the school a new one. Bounded: past ``limit`` audiences it starts again.
public final class AudienceCache: Sendable {
    private let entries = Locked<[Audience: [Recipient]]>([:])
    let limit: Int

    public init(limit: Int = 32) {
        self.limit = limit
    }

    public func recipients(of audience: Audience, in roster: Roster) -> [Recipient] {
        if let found = entries.withLock({ $0[audience] }) { return found }
        let resolved = audience.recipients(in: roster)
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[audience] = resolved
        }
        return resolved
    }
}
