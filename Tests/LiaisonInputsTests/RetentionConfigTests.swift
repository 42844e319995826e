import Foundation
import LiaisonModel
import Testing
@testable import LiaisonInputs

/// `retention:` (issue 15): days or `Nd`, at least one day; bodies kept longer than their records are warned about.
@Suite struct RetentionConfigTests {
    func load(_ section: String) -> (LiaisonConfiguration?, [Diagnostic]) {
        let (_, path) = ConfigurationTests().school(config: ConfigurationTests.goodConfig + "\nretention:\n" + section)
        return ConfigurationLoader.load(path: path)
    }

    @Test func defaultsAndValuesAreRead() {
        let (standard, none) = load("  files: 30\n")
        #expect(none.isEmpty, "\(none.listing)")
        #expect(standard?.retention == RetentionPolicy.standard)

        let (loaded, diagnostics) = load("  message_bodies: 14d\n  alert_notes: 7\n  files: 3\n  delivery_records: 365\n  acknowledgements: 200d\n")
        #expect(diagnostics.isEmpty, "\(diagnostics.listing)")
        #expect(loaded?.retention.days == [.messageBodies: 14, .alertNotes: 7, .files: 3, .deliveryRecords: 365, .acknowledgements: 200])
    }

    @Test func badValuesNameTheirKey() {
        let (_, diagnostics) = load("  message_bodies: 0\n  files: soon\n  alert_notes: 12h\n  forever: 1\n")
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.contains { $0.message.contains("retention.message_bodies") && $0.message.contains("at least 1") })
        #expect(errors.contains { $0.message.contains("retention.files") })
        #expect(errors.contains { $0.message.contains("retention.alert_notes") })
        #expect(diagnostics.contains { $0.message.contains("forever") })  // an unknown key, reported at its place
    }

    @Test func textKeptLongerThanItsRecordIsWarnedAbout() {
        let (loaded, diagnostics) = load("  message_bodies: 500\n  delivery_records: 100\n")
        #expect(loaded != nil)
        #expect(diagnostics.contains { $0.code == "config.retention" && $0.severity == .warning && $0.message.contains("message_bodies") })
    }
}
