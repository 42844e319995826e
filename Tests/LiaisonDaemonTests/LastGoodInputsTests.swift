import Foundation
import LiaisonCheck
import LiaisonInputs
import Testing
@testable import LiaisonDaemon

/// A daemon that finds its inputs broken at start serves the copy recorded when they last loaded cleanly.
@Suite struct LastGoodInputsTests {
    /// The demo school, its templates and catalogs copied into a fresh folder (paths rewritten), so they can be broken.
    static func school() throws -> (config: String, folder: String) {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("last-good-\(UUID().uuidString)")
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        for (from, to) in [("examples/demo-school", "school"), ("templates", "templates"), ("locales", "locales")] {
            try manager.copyItem(at: repository.appendingPathComponent(from), to: folder.appendingPathComponent(to))
        }
        let config = folder.appendingPathComponent("school/liaison.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "../../templates", with: "../templates").replacingOccurrences(of: "../../locales", with: "../locales")
        try text.write(to: config, atomically: true, encoding: .utf8)
        return (config.path, folder.path)
    }

    @Test func theCopyLoadsWhenTheLiveRosterAndATemplateAreBroken() throws {
        let (config, folder) = try Self.school()
        let now = ISO8601DateFormatter().date(from: "2026-11-23T09:00:00Z")!
        let (good, report) = SchoolLoader.load(configPath: config, now: now)
        #expect(report.passed)
        let live = try #require(good?.configuration)
        let lastGood = LastGoodInputs(stateFolder: folder + "/state")
        #expect(lastGood.configuration(replacing: live) == nil)
        try lastGood.record(live, at: now)

        // The office saves a roster with a broken header and a template that includes itself.
        try "guardian_id,\"family_id\n".write(toFile: live.roster.guardians, atomically: true, encoding: .utf8)
        try "{{>header}}".write(toFile: folder + "/templates/_partials/header.mustache", atomically: true, encoding: .utf8)
        let (_, broken) = SchoolLoader.load(configPath: config, now: now)
        #expect(!broken.passed)

        let fallback = try #require(lastGood.configuration(replacing: live))
        #expect(fallback.roster.guardians.hasPrefix(folder + "/state/last-good/current/files/"))
        #expect(fallback.delivery.sqlitePath == live.delivery.sqlitePath)
        let (copied, copyReport) = SchoolLoader.load(fallback, now: now)
        #expect(copyReport.passed, "\(copyReport.text())")
        #expect(copied?.roster.guardians.count == good?.roster.guardians.count)

        // The copy is private to the daemon's user.
        var info = stat()
        #expect(stat(fallback.roster.guardians, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(folder + "/state/last-good/current", &info) == 0 && info.st_mode & 0o777 == 0o700)
    }
}
