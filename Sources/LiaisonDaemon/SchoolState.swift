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
    /// What `check` said when this version loaded (the Health page shows it).
    public var report: CheckReport? = nil

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
public final class SchoolState: Sendable {
    private struct State {
        var current: LoadedSchool
        var alertEvents: [String: Event] = [:]
        /// Messages written on the desk, as events: part of the schedule from the moment they are saved.
        var composedEvents: [String: Event] = [:]
        /// Audiences resolved against the current roster, for every site made from it.
        var audiences = AudienceCache()
        var site: AckSite
    }
    private let state: Locked<State>
    let ledger: any AckLedger
    /// Surveys' answers, for the form pages (nil: survey links show the plain acknowledgement page).
    let forms: (any FormStore)?

    init(_ school: LoadedSchool, ledger: any AckLedger, forms: (any FormStore)? = nil) {
        self.forms = forms
        self.ledger = ledger
        let audiences = AudienceCache()
        state = Locked(State(current: school, audiences: audiences, site: Self.makeSite(school, alerts: [:], audiences: audiences, ledger: ledger, forms: forms)))
    }

    public var school: LoadedSchool { state.withLock { $0.current } }

    /// The acknowledgement site for this version, alerts included (cheap: read under the lock).
    public var ackSite: AckSite { state.withLock { $0.site } }

    func replace(with school: LoadedSchool) {
        let ledger = ledger
        state.withLock { state in
            state.current = school
            state.audiences = AudienceCache()
            state.site = Self.makeSite(school, alerts: state.alertEvents.merging(state.composedEvents) { $1 }, audiences: state.audiences, ledger: ledger, forms: forms)
        }
    }

    /// Adds (or replaces) the events of messages written on the desk.
    func addComposedEvents(_ events: [Event]) {
        let ledger = ledger
        state.withLock { state in
            for event in events { state.composedEvents[event.id] = event }
            state.site = Self.makeSite(state.current, alerts: state.alertEvents.merging(state.composedEvents) { $1 }, audiences: state.audiences, ledger: ledger, forms: forms)
        }
    }

    /// What the scheduler sends and reconciles: the school's schedule and the messages written on the desk.
    func scheduleEvents(of school: LoadedSchool) -> [Event] {
        let composed = state.withLock { $0.composedEvents }
        return school.snapshot.events + composed.values.sorted { $0.id < $1.id }
    }

    func composedEvent(_ id: String) -> Event? { state.withLock { $0.composedEvents[id] } }

    /// Adds (or replaces) the events of alerts so their links and the API find them.
    func addAlertEvents(_ events: [Event]) {
        let ledger = ledger
        state.withLock { state in
            for event in events { state.alertEvents[event.id] = event }
            state.site = Self.makeSite(state.current, alerts: state.alertEvents.merging(state.composedEvents) { $1 }, audiences: state.audiences, ledger: ledger, forms: forms)
        }
    }

    func alertEvent(_ id: String) -> Event? { state.withLock { $0.alertEvents[id] } }

    private static func makeSite(
        _ school: LoadedSchool, alerts: [String: Event], audiences: AudienceCache, ledger: any AckLedger, forms: (any FormStore)?
    ) -> AckSite {
        var events = alerts
        for event in school.snapshot.events { events[event.id] = event }
        var site = AckSite(
            school: school.school, events: events, roster: school.roster, catalogs: school.snapshot.catalogs,
            formatter: MessageFormatter(), ledger: ledger)
        site.linkLifetime = school.snapshot.configuration.links
        site.staff = Dictionary(school.snapshot.staff.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        site.deskCatalogs = school.snapshot.deskCatalogs
        site.audiences = audiences
        site.forms = forms
        return site
    }
}
