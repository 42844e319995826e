import Foundation
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// Everything the acknowledgement pages and the API need to answer a request: the school, its events, its roster,
/// its catalogs and the ledger answers are recorded in.
///
/// The daemon builds a new one whenever it reloads the school's files and hands the server a closure that returns
/// the current one (see ``LiaisonHTTP``); a request uses one site from start to end.
public struct AckSite: Sendable {
    public var school: School
    /// Events by id.
    public var events: [String: Event]
    public var roster: Roster
    public var catalogs: CatalogSet
    public var formatter: MessageFormatter
    public var ledger: any AckLedger
    /// How long links keep working (`links:` in liaison.yaml).
    public var linkLifetime = LinkLifetime()
    /// Who may sign in to the office desk, by id (the staff file).
    public var staff: [String: DeskStaff] = [:]
    /// The desk's wording (`locales/desk/`).
    public var deskCatalogs = CatalogSet(catalogs: [])
    /// Forms' answers (surveys): nil when the server has no store for them, and survey pages then say so.
    public var forms: (any FormStore)?
    /// Audiences resolved against this roster (shared by the sites made from one version of the school).
    public var audiences = AudienceCache()

    /// The guardians `event` reaches, with their children concerned.
    func recipients(of event: Event) -> [Recipient] { audiences.recipients(of: event.audience, in: roster) }

    public init(
        school: School, events: [String: Event], roster: Roster, catalogs: CatalogSet, formatter: MessageFormatter,
        ledger: any AckLedger
    ) {
        self.school = school
        self.events = events
        self.roster = roster
        self.catalogs = catalogs
        self.formatter = formatter
        self.ledger = ledger
    }

    /// A site over a list of events (ids must be unique; a later event with the same id wins).
    public init(
        school: School, events: [Event], roster: Roster, catalogs: CatalogSet, formatter: MessageFormatter = MessageFormatter(),
        ledger: any AckLedger
    ) {
        self.init(
            school: school, events: Dictionary(events.map { ($0.id, $0) }, uniquingKeysWith: { _, later in later }),
            roster: roster, catalogs: catalogs, formatter: formatter, ledger: ledger)
    }

    /// Whether a link for `guardianID` about `event` still works: the guardian is still on the roster (a family that
    /// left keeps no working links) and the link has not expired.
    func linkWorks(guardianID: String, event: Event, at now: Date) -> Bool {
        roster.guardian(guardianID) != nil && !linkLifetime.isExpired(event, at: now)
    }

    /// The answers an event accepts: `"read"` always (reading never replaces an answer), and its RSVP option ids.
    func accepts(_ answer: String, for event: Event) -> Bool {
        answer == Acknowledgement.read || event.rsvp.contains { $0.id == answer }
    }

    /// An RSVP answer once the event has started is too late, even a first one; reading a notice never is. (The
    /// ledger itself refuses only changes after the deadline.)
    func isTooLate(_ answer: String, for event: Event, at now: Date) -> Bool {
        answer != Acknowledgement.read && !event.rsvp.isEmpty && now >= event.start
    }
}
