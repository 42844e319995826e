import Foundation
import LiaisonLocalization
import LiaisonModel
import Testing
@testable import LiaisonRender

/// Catalog messages that name no value of the recipient's are formatted once per set of event values.
@Suite struct SharedMessagesTests {
    let formatter = MessageFormatter()

    func entry(_ key: String, _ pattern: String) -> MessagePlan.Entry {
        MessagePlan.Entry(
            key: key, found: (LanguageTag("en-GB"), SourceLocation(file: "en-GB.xliff")),
            prepared: formatter.prepare(pattern, locale: LanguageTag("en-GB"), timeZone: TimeZone(identifier: "Europe/London")!))
    }

    @Test func onlyMessagesWithoutRecipientValuesAreShared() throws {
        let plan = MessagePlan([
            entry("a.greeting", "Dear {guardian},"),
            entry("a.intro", "{event} at {school}"),
            entry("a.children", "{children_count, plural, one {# child} other {# children}}"),
            entry("a.plain", "Hello"),
            entry("a.when", "{start, date, ::EEEEdMMMM}"),
        ])
        let shared = try #require(plan.shared)
        #expect(shared.indices == [1, 3, 4])
        let start = Date(timeIntervalSince1970: 1_900_000_000)
        let open: [String: MessageArgument] = [
            "event": .string("Open Day"), "school": .string("Riverside"), "guardian": .string("Layla"), "start": .date(start),
        ]
        let first = try #require(shared.texts(for: open))
        #expect(first == ["Open Day at Riverside", "Hello", "Sunday 17 March"])
        // Another recipient of the same event: the same texts; another event: its own.
        var other = open
        other["guardian"] = .string("Sam")
        #expect(shared.texts(for: other) == first)
        var sports = open
        sports["event"] = .string("Sports Day")
        #expect(shared.texts(for: sports) == ["Sports Day at Riverside", "Hello", "Sunday 17 March"])
        // Each text is what formatting the message alone gives.
        for (position, index) in shared.indices.enumerated() {
            #expect(try plan.entries[index].prepared?.format(sports) == shared.texts(for: sports)?[position])
        }
    }
}
