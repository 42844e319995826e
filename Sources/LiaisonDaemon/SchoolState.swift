import Foundation
import LiaisonCheck
import LiaisonDelivery
import LiaisonInputs
import LiaisonLocalization
import LiaisonModel
import LiaisonPlan
import LiaisonServer
import LiaisonStore

/// One loaded, checked version of the school's files, and what the services derive from it.
public struct LoadedSchool: Sendable {
    public let snapshot: SchoolSnapshot
    /// Counts up with every successful reload.
    public let generation: Int
    public let loadedAt: Date

    public var school: School { snapshot.school }
    public var roster: Roster { snapshot.roster }
    public var configuration: LiaisonConfiguration { snapshot.configuration }

    /// The planner over this version's roster and templates, for the channels available.
    func planner(channels: Set<ChannelKind>) -> Planner {
        Planner(
            renderer: snapshot.renderer, roster: snapshot.roster, progress: snapshot.progressByStudent, available: channels)
    }
}

/// The school the daemon currently serves, swapped whole on a good reload; readers take one version and use it to the
/// end of their work. Also holds the alerts' events, so acknowledgement pages find them.
public final class SchoolState: @unchecked Sendable {
    private let lock = NSLock()
    private var current: LoadedSchool
    private var alertEvents: [String: Event] = [:]
    private var site: AckSite
    private let ledger: any AckLedger

    init(_ school: LoadedSchool, ledger: any AckLedger) {
        current = school
        self.ledger = ledger
        site = Self.makeSite(school, alerts: [:], ledger: ledger)
    }

    public var school: LoadedSchool { lock.withLock { current } }

    /// The acknowledgement site for this version, alerts included (cheap: read under the lock).
    public var ackSite: AckSite { lock.withLock { site } }

    func replace(with school: LoadedSchool) {
        lock.withLock {
            current = school
            site = Self.makeSite(school, alerts: alertEvents, ledger: ledger)
        }
    }

    /// Adds (or replaces) the events of alerts so their links and the API find them.
    func addAlertEvents(_ events: [Event]) {
        lock.withLock {
            for event in events { alertEvents[event.id] = event }
            site = Self.makeSite(current, alerts: alertEvents, ledger: ledger)
        }
    }

    func alertEvent(_ id: String) -> Event? { lock.withLock { alertEvents[id] } }

    private static func makeSite(_ school: LoadedSchool, alerts: [String: Event], ledger: any AckLedger) -> AckSite {
        var events = alerts
        for event in school.snapshot.events { events[event.id] = event }
        return AckSite(
            school: school.school, events: events, roster: school.roster, catalogs: school.snapshot.catalogs,
            formatter: MessageFormatter(), ledger: ledger)
    }
}
