import Foundation
import Hummingbird
import LiaisonModel
import LiaisonStore
import Testing
@testable import LiaisonServer

/// A meeting families book: the free times of the child's class, a booking, a time taken meanwhile refused, the
/// interpreter request ticked for a family reading another language, the family's calendar file.
@Suite("Sign-up pages")
struct SignUpPageTests {
    static func meeting(bookUntil: TimeInterval = 5 * day) -> Event {
        var event = Event(
            id: "meetings", kind: .meeting, title: LocalizedText("Year 3 meetings", translations: ["ar": "لقاءات الصف الثالث"]),
            start: now.addingTimeInterval(7 * day), end: now.addingTimeInterval(7 * day + 3600), timeZone: london, audience: .everyone,
            template: "meeting")
        event.slotRules = SlotRules(minutes: 20, capacity: 1, bookUntil: now.addingTimeInterval(bookUntil))
        return event.withSignUp(roster: makeRoster(), staff: [DeskStaff(id: "okafor", name: "Daniel Okafor", role: .teacher, classes: ["3A"])])
    }

    @Test("The page offers 3A's times in Arabic with the interpreter request ticked; a booking is kept and shown")
    func book() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try Fixture(extraEvents: [Self.meeting()], forms: forms)
        let token = try await fixture.token("meetings", "G1")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                #expect(html.contains("<html lang=\"ar\" dir=\"rtl\">"))
                #expect(html.contains("Daniel Okafor"))
                #expect(html.contains("name=\"slot\" value=\"3A-"))
                #expect(html.contains("name=\"interpreter\" value=\"yes\" checked"))
                #expect(!html.contains("<script"))
            }
            let slots = Self.meeting().signUp!.slots(of: "3A")
            let (headers, body) = form("group=3A&slot=\(slots[1].id)&interpreter=yes&action=book")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("role=\"status\""))
                #expect(response.text.contains("value=\"\(slots[1].id)\" checked"))
                #expect(response.text.contains("meetings.ics"))
            }
            try await client.execute(uri: "/a/\(token)/meetings.ics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/calendar; charset=utf-8")
                #expect(response.text.hasPrefix("BEGIN:VCALENDAR\r\n"))
                let stamp = DateFormatter()
                stamp.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
                stamp.timeZone = TimeZone(identifier: "UTC")
                #expect(response.text.contains("DTSTART:\(stamp.string(from: slots[1].start))"))
            }
        }
        let booking = try #require(try await forms.bookings(eventID: "meetings").first)
        #expect(booking.familyID == "F1" && booking.interpreter == "ar")
    }

    /// Rings of the daemon's doorbell (the daemon's confirmer queues from the store; the integration test follows
    /// the letter to the mail files).
    final class Doorbell: BookingConfirmer, @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var rings: Int { lock.withLock { count } }
        func bookingChanged() { lock.withLock { count += 1 } }
    }

    @Test("Each change of a household's bookings is counted with it, once: a second click is not a change")
    func changesAreCounted() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let doorbell = Doorbell()
        let fixture = try Fixture(extraEvents: [Self.meeting()], forms: forms, confirmations: doorbell)
        let token = try await fixture.token("meetings", "G1")
        let slots = Self.meeting().signUp!.slots(of: "3A")
        try await fixture.test { client in
            for text in [
                "group=3A&slot=\(slots[0].id)&interpreter=yes&action=book", "group=3A&slot=\(slots[0].id)&interpreter=yes&action=book",
                "group=3A&slot=\(slots[2].id)&interpreter=yes&action=book", "group=3A&action=cancel", "group=3A&action=cancel",
            ] {
                let (headers, body) = form(text)
                try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .ok)
                }
            }
        }
        #expect(try await forms.bookingRevision(eventID: "meetings", familyID: "F1") == 3, "booked, moved, cancelled")
        let pending = try await forms.pendingBookingChanges(limit: 10)
        #expect(pending.map(\.revision) == [3] && pending.first?.familyID == "F1" && pending.first?.confirmed == [])
        #expect(doorbell.rings >= 3)
        try await forms.markConfirmed(pending[0], described: [])
        #expect(try await forms.pendingBookingChanges(limit: 10).isEmpty)
        // An older revision marked late changes nothing.
        var older = pending[0]
        older.revision = 2
        try await forms.markConfirmed(older, described: [])
        #expect(try await forms.pendingBookingChanges(limit: 10).isEmpty)
    }

    @Test("A time taken by another family meanwhile is refused, and a class that is not the family's is refused")
    func taken() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try Fixture(extraEvents: [Self.meeting()], forms: forms)
        let token = try await fixture.token("meetings", "G1")
        let slot = Self.meeting().signUp!.slots(of: "3A")[0]
        _ = try await forms.book(slot, eventID: "meetings", familyID: "F9", guardianID: "G9", interpreter: nil, bookUntil: now.addingTimeInterval(day), now: now)
        try await fixture.test { client in
            let (headers, body) = form("group=3A&slot=\(slot.id)&action=book")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .conflict)
                #expect(response.text.contains("role=\"alert\""))
            }
            let (headers2, body2) = form("group=5B&slot=\(slot.id)&action=book")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers2, body: body2) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try await forms.bookings(eventID: "meetings").map(\.familyID) == ["F9"])
    }

    @Test("After the deadline the page shows the booking and takes no change")
    func closed() async throws {
        let forms = try SQLiteFormStore.inMemory()
        let fixture = try Fixture(extraEvents: [Self.meeting(bookUntil: -day)], forms: forms)
        let token = try await fixture.token("meetings", "G1")
        try await fixture.test { client in
            try await client.execute(uri: "/a/\(token)", method: .get) { response in
                #expect(!response.text.contains("<form"))
            }
            let slot = Self.meeting().signUp!.slots(of: "3A")[0]
            let (headers, body) = form("group=3A&slot=\(slot.id)&action=book")
            try await client.execute(uri: "/a/\(token)", method: .post, headers: headers, body: body) { response in
                #expect(response.status == .conflict)
            }
        }
        #expect(try await forms.bookings(eventID: "meetings").isEmpty)
    }
}
