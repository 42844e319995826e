import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel
import LiaisonStore
@testable import LiaisonServer

/// A fixed "now", whole seconds.
let now = Date(timeIntervalSince1970: 1_800_000_000)
let day: TimeInterval = 86_400
let apiToken = "test-api-token-0123456789"

/// The repository's real catalogs, so that the pages are tested in the languages families read.
let catalogs: CatalogSet = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return CatalogSet.load(directories: [root.appendingPathComponent("locales").path]).0
}()

let london = TimeZone(identifier: "Europe/London")!

func makeSchool() -> School {
    School(
        name: "Riverside Primary School", defaultLocale: "en", timeZone: london,
        contact: School.Contact(email: "office@riverside.example", phone: "+44 20 7946 0000"))
}

func makeRoster() -> Roster {
    Roster(
        families: [Family(id: "F1", name: "Haddad"), Family(id: "F2", name: "Smith"), Family(id: "F3", name: "Ivanov")],
        guardians: [
            Guardian(id: "G1", familyID: "F1", givenName: "Layla", familyName: "Haddad", language: "ar"),
            Guardian(id: "G2", familyID: "F2", givenName: "Anna", familyName: "Smith", language: "en"),
            Guardian(id: "G3", familyID: "F3", givenName: "Olga", familyName: "Ivanova", language: "ru"),
            Guardian(id: "G4", familyID: "F3", givenName: "Ka Yan", familyName: "Chan", language: "zh-Hant-HK"),
            Guardian(id: "G5", familyID: "F3", givenName: "Ana", familyName: "Souza", language: "pt-BR"),
        ],
        students: [Student(id: "S1", givenName: "Yusuf", familyName: "Haddad", grade: "3", className: "3A")],
        guardianships: [Guardianship(guardianID: "G1", studentID: "S1")])
}

func makeEvents(title: LocalizedText? = nil) -> [Event] {
    [
        Event(
            id: "open-evening", kind: .meeting,
            title: title ?? LocalizedText("Open evening", translations: ["ar": "الأمسية المفتوحة"]),
            start: now.addingTimeInterval(7 * day), timeZone: london, audience: .everyone, template: "meeting",
            rsvp: [RSVPOption(id: "attending"), RSVPOption(id: "not-attending"), RSVPOption(id: "maybe")]),
        Event(
            id: "newsletter", kind: .newsletter, title: LocalizedText("Autumn newsletter"),
            start: now.addingTimeInterval(2 * day), timeZone: london, audience: .everyone, template: "newsletter"),
        Event(
            id: "sports-day", kind: .announcement, title: LocalizedText("Sports Day"),
            start: now.addingTimeInterval(-day), timeZone: london, audience: .everyone, template: "announcement",
            rsvp: [RSVPOption(id: "attending", label: LocalizedText("I will cheer")), RSVPOption(id: "not-attending")]),
    ]
}

/// A server over an in-memory ledger, with tokens issued for a few (event, guardian) pairs.
struct Fixture {
    let ledger: SQLiteAckLedger
    let outbox: SQLiteOutboxStore
    let http: LiaisonHTTP

    init(
        title: LocalizedText? = nil, loaded: Bool = true, links: LinkLifetime = LinkLifetime(), roster: Roster = makeRoster(),
        admin: (any AdminService)? = nil, throttle: RequestThrottle = RequestThrottle(), extraEvents: [Event] = [],
        forms: (any FormStore)? = nil, confirmations: (any BookingConfirmer)? = nil
    ) throws {
        let ledger = try SQLiteAckLedger.inMemory()
        let outbox = try SQLiteOutboxStore.inMemory()
        var site = AckSite(
            school: makeSchool(), events: makeEvents(title: title) + extraEvents, roster: roster, catalogs: catalogs,
            ledger: ledger)
        site.linkLifetime = links
        site.forms = forms
        let loadedSite = site
        self.ledger = ledger
        self.outbox = outbox
        http = LiaisonHTTP(
            site: { loaded ? loadedSite : nil }, apiTokens: [apiToken], outbox: outbox, admin: admin, now: { now }, throttle: throttle,
            confirmations: confirmations)
    }

    func token(_ event: String, _ guardian: String) async throws -> String {
        try await ledger.issueToken(eventID: event, occurrence: "\(event)@1", guardianID: guardian, now: now)
    }

    func test<Value>(_ body: (any TestClient) async throws -> Value) async throws -> Value {
        try await RouterClient.run(http.router(), body)
    }
}

func form(_ text: String) -> (HTTPFields, ByteBuffer) {
    ([.contentType: "application/x-www-form-urlencoded"], ByteBuffer(string: text))
}

func json(_ text: String, bearer: String? = apiToken) -> (HTTPFields, ByteBuffer) {
    var headers: HTTPFields = [.contentType: "application/json"]
    if let bearer { headers[.authorization] = "Bearer \(bearer)" }
    return (headers, ByteBuffer(string: text))
}

/// A ledger whose disk has gone.
struct FailingLedger: AckLedger {
    struct DiskGone: Error {}
    func issueToken(eventID: String, occurrence: String, guardianID: String, now: Date) async throws -> String { throw DiskGone() }
    func issueTokens(eventID: String, occurrence: String, guardianIDs: [String], now: Date) async throws -> [String: String] {
        throw DiskGone()
    }
    func issueTokens(_ requests: [LinkTokenRequest], now: Date) async throws -> [String] { throw DiskGone() }
    func link(forToken token: String) async throws -> AckLink? { throw DiskGone() }
    func acknowledge(
        eventID: String, guardianID: String, answer: String, via: String, occurrence: String?, at: Date, changeUntil: Date?
    ) async throws -> AckOutcome { throw DiskGone() }
    func acknowledgement(eventID: String, guardianID: String) async throws -> Acknowledgement? { throw DiskGone() }
    func acknowledgements(eventID: String) async throws -> [Acknowledgement] { throw DiskGone() }
    func history(eventID: String, guardianID: String) async throws -> [Acknowledgement] { throw DiskGone() }
    func firstAcknowledgement(eventID: String, since: Date) async throws -> Acknowledgement? { throw DiskGone() }
    func issueUnsubscribeTokens(category: MessageCategory, occurrence: String, guardianIDs: [String], now: Date) async throws -> [String: String] {
        throw DiskGone()
    }
    func optedOut(category: MessageCategory) async throws -> Set<String> { throw DiskGone() }
    func unsubscribeLink(forToken token: String) async throws -> UnsubscribeLink? { throw DiskGone() }
    func optOut(guardianID: String, category: MessageCategory, via: String, at: Date) async throws -> Bool { throw DiskGone() }
    func optIn(guardianID: String, category: MessageCategory) async throws -> Bool { throw DiskGone() }
    func optOuts(guardianID: String) async throws -> [(category: MessageCategory, at: Date, via: String)] { throw DiskGone() }
}
