import Foundation
import LiaisonInputs
import LiaisonLocalization
import LiaisonModel
import LiaisonRender

/// Everything `liaison.yaml` names, loaded and cross-checked: the state a command or the daemon works from.
public struct SchoolSnapshot: Sendable {
    public var configuration: LiaisonConfiguration
    public var roster: Roster
    public var events: [Event]
    public var progress: [ProgressRecord]
    public var catalogs: CatalogSet
    public var templates: TemplateSet
    public var renderer: MessageRenderer

    public var school: School { configuration.school }

    /// Progress lines grouped by student id.
    public var progressByStudent: [String: [ProgressRecord]] {
        Dictionary(grouping: progress, by: \.studentID)
    }

    public func event(_ id: String) -> Event? { events.first { $0.id == id } }
}

/// Loads a school's whole configuration and checks it.
public enum SchoolLoader {
    /// Loads everything named by the configuration at `path`. The snapshot is `nil` only when the configuration
    /// itself is unusable; otherwise the report lists every problem and the snapshot holds what could be used.
    public static func load(configPath path: String, now: Date = Date()) -> (SchoolSnapshot?, CheckReport) {
        var report = CheckReport(configFile: path)
        let (loadedConfiguration, configDiagnostics) = ConfigurationLoader.load(path: path)
        report.diagnostics += configDiagnostics
        guard let configuration = loadedConfiguration else {
            report.finish()
            return (nil, report)
        }
        // The roster, and the catalogs, templates and schedule, are read at the same time: neither needs the other.
        let ((roster, rosterDiagnostics), (catalogs, catalogDiagnostics, templates, templateDiagnostics, schedule, renderer)) = Parallel.pair({
            let (loadedRoster, loadedDiagnostics) = configuration.oneRoster.map { OneRosterLoader.load($0, defaultLocale: configuration.school.defaultLocale) }
                ?? RosterLoader.load(configuration.roster)
            // Guardians sharing an email or phone are one recipient, everywhere the roster is used.
            let (roster, mergeNotes) = SharedContacts.merge(loadedRoster)
            return (roster, loadedDiagnostics + mergeNotes)
        }, {
            let (catalogs, catalogDiagnostics) = CatalogSet.load(directories: configuration.localeDirectories)
            let (templates, templateDiagnostics) = TemplateSet.load(directories: configuration.templateDirectories)
            let schedule = configuration.schedule.isEmpty
                ? ([], []) : ScheduleLoader.load(path: configuration.schedule, school: configuration.school)
            // The roster takes longer: meanwhile the catalogs' patterns are parsed for the cross-check, and the
            // scheduled events' letters prepared in every catalog language for the trial renders and sends.
            catalogs.analyzeAll()
            let renderer = MessageRenderer(school: configuration.school, templates: templates, catalogs: catalogs)
            for name in Set(schedule.0.map(\.template)).sorted() {
                renderer.prepare(template: name, for: catalogs.locales)
            }
            return (catalogs, catalogDiagnostics, templates, templateDiagnostics, schedule, renderer)
        })
        var (events, scheduleDiagnostics) = schedule
        let calendars = CalendarLoader.load(configuration, roster: roster, now: now)
        events += calendars.events
        scheduleDiagnostics += calendars.diagnostics
        report.calendar = calendars.mappings
        var progress: [ProgressRecord] = []
        var progressDiagnostics: [Diagnostic] = []
        if let path = configuration.progress {
            (progress, progressDiagnostics) = ProgressLoader.load(path: path)
        }
        // A missing file is already reported at the line of liaison.yaml that names it; the loader's own
        // report of it, without a line, would say the same thing twice.
        let missing = Set(configDiagnostics.filter { $0.code == "config.missing-file" }.compactMap { diagnostic in
            diagnostic.message.split(separator: " ").first { $0.contains("/") }.map(String.init)
        })
        let loaded = rosterDiagnostics + scheduleDiagnostics + progressDiagnostics + catalogDiagnostics + templateDiagnostics
        report.diagnostics += loaded.filter { diagnostic in
            !(diagnostic.code == "config.missing-file" && diagnostic.location?.line == nil
                && diagnostic.location.map { missing.contains($0.file) } == true)
        }

        let snapshot = SchoolSnapshot(
            configuration: configuration, roster: roster, events: events, progress: progress,
            catalogs: catalogs, templates: templates, renderer: renderer)
        var checker = CrossChecker(snapshot: snapshot, now: now)
        checker.run()
        report.diagnostics += checker.diagnostics
        report.summarize(snapshot, recipients: checker.recipientCounts, now: now)
        report.finish()
        return (snapshot, report)
    }
}
