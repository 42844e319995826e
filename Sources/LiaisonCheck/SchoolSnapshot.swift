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
    /// Who may sign in to the office desk (`roster.staff`).
    public var staff: [DeskStaff] = []
    /// The desk's own wording (`desk/` inside each locales folder): staff read it, families never do.
    public var deskCatalogs = CatalogSet(catalogs: [])

    public var school: School { configuration.school }

    /// Progress lines grouped by student id.
    public var progressByStudent: [String: [ProgressRecord]] {
        Dictionary(grouping: progress, by: \.studentID)
    }

    public func event(_ id: String) -> Event? { events.first { $0.id == id } }
}

/// Where the desk's catalogs are: the `desk/` folder inside each locales folder that has one.
public enum DeskCatalogs {
    public static func directories(_ localeDirectories: [String]) -> [String] {
        localeDirectories.map { CatalogSet.join($0, "desk") }.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}

/// Loads a school's whole configuration and checks it.
public enum SchoolLoader {
    /// Loads everything named by the configuration at `path`. The snapshot is `nil` only when the configuration
    /// itself is unusable; otherwise the report lists every problem and the snapshot holds what could be used.
    /// Without `crossCheck`, the school is loaded but not cross-checked nor summarized (what `liaison preview` of one
    /// guardian needs: the report then holds only what the loaders found).
    public static func load(configPath path: String, now: Date = Date(), crossCheck: Bool = true) -> (SchoolSnapshot?, CheckReport) {
        var report = CheckReport(configFile: path)
        let (loadedConfiguration, configDiagnostics) = ConfigurationLoader.load(path: path)
        report.diagnostics += configDiagnostics
        guard let configuration = loadedConfiguration else {
            report.finish()
            return (nil, report)
        }
        return load(configuration, configDiagnostics: configDiagnostics, report: report, now: now, crossCheck: crossCheck)
    }

    /// Loads the school a configuration already read names (the daemon's last good copy of the inputs, say).
    public static func load(_ configuration: LiaisonConfiguration, now: Date = Date()) -> (SchoolSnapshot?, CheckReport) {
        load(configuration, configDiagnostics: [], report: CheckReport(configFile: configuration.file), now: now)
    }

    private static func load(
        _ configuration: LiaisonConfiguration, configDiagnostics: [Diagnostic], report: CheckReport, now: Date, crossCheck: Bool = true
    ) -> (SchoolSnapshot?, CheckReport) {
        var report = report
        // The school's inputs (LiaisonInputs) while, on the other core, the catalogs and templates are loaded, the
        // catalogs' patterns parsed for the cross-check, and the scheduled events' letters prepared in every catalog
        // language for the trial renders and sends.
        let (inputs, (catalogs, catalogDiagnostics, templates, templateDiagnostics, renderer, deskCatalogs)) = SchoolInputsLoader.load(
            configuration, configDiagnostics: configDiagnostics, now: now
        ) { scheduled in
            var (catalogs, catalogDiagnostics) = CatalogSet.load(directories: configuration.localeDirectories, limits: configuration.limits)
            let (deskCatalogs, deskDiagnostics) = CatalogSet.load(directories: DeskCatalogs.directories(configuration.localeDirectories), limits: configuration.limits)
            catalogDiagnostics += deskDiagnostics
            let (templates, templateDiagnostics) = TemplateSet.load(directories: configuration.templateDirectories, limits: configuration.limits)
            catalogs.analyzeAll()
            let renderer = MessageRenderer(school: configuration.school, templates: templates, catalogs: catalogs)
            for name in Set(scheduled.map(\.template)).sorted() {
                renderer.prepare(template: name, for: catalogs.locales)
            }
            return (catalogs, catalogDiagnostics, templates, templateDiagnostics, renderer, deskCatalogs)
        }
        report.calendar = inputs.calendarMappings
        report.diagnostics += inputs.diagnostics + SchoolInputsLoader.droppingRepeatedMissingFiles(
            catalogDiagnostics + templateDiagnostics, configDiagnostics: configDiagnostics)
        // Translations of staff text a translator gave back join the events' own versions.
        let (staffTranslations, staffDiagnostics) = StaffTranslations.load(
            directories: configuration.staffTranslationDirectories, limits: configuration.limits)
        let (events, translationDiagnostics) = staffTranslations.apply(to: inputs.events)
        report.diagnostics += staffDiagnostics + translationDiagnostics
        let (roster, progress) = (inputs.roster, inputs.progress)

        var snapshot = SchoolSnapshot(
            configuration: configuration, roster: roster, events: events, progress: progress,
            catalogs: catalogs, templates: templates, renderer: renderer)
        snapshot.staff = inputs.staff
        snapshot.deskCatalogs = deskCatalogs
        guard crossCheck else {
            report.finish(limits: configuration.limits)
            return (snapshot, report)
        }
        var checker = CrossChecker(snapshot: snapshot, now: now)
        checker.run()
        report.diagnostics += checker.diagnostics
        report.summarize(snapshot, recipients: checker.recipientCounts, now: now)
        report.finish(limits: configuration.limits)
        return (snapshot, report)
    }
}
