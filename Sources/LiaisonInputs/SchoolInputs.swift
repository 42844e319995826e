import Foundation
import LiaisonModel

/// Everything a school's liaison.yaml names that is input data: the configuration, the roster (CSV or OneRoster,
/// shared contacts merged), the events (schedule and calendars) and the progress data, with every problem found.
/// (Catalogs and templates are the localization and render stages' own.)
public struct SchoolInputs: Sendable {
    public var configuration: LiaisonConfiguration
    public var roster: Roster
    public var events: [Event]
    public var progress: [ProgressRecord]
    /// Who may sign in to the office desk (`roster.staff`; empty without a staff file).
    public var staff: [DeskStaff] = []
    /// How each calendar event maps to a notification plan (empty without calendars).
    public var calendarMappings: [CalendarMapping]
    /// The problems found while reading, in a stable order: roster, schedule and calendars, progress.
    public var diagnostics: [Diagnostic]
}

/// Loads a whole school's inputs.
public enum SchoolInputsLoader {
    /// Reads what `configuration` names. The roster, the longest part, is read while `alongside` runs on the other
    /// core with the schedule's events (the caller loads and prepares its catalogs and templates there); its
    /// result comes back with the inputs. `configDiagnostics` are the configuration's own, used to report a missing
    /// file once, at the line of liaison.yaml that names it.
    public static func load<Alongside: Sendable>(
        _ configuration: LiaisonConfiguration, configDiagnostics: [Diagnostic], now: Date,
        alongside: @escaping @Sendable (_ scheduled: [Event]) -> Alongside
    ) -> (SchoolInputs, Alongside) {
        let ((roster, rosterDiagnostics), (schedule, extra)) = Parallel.pair({
            let (loadedRoster, loadedDiagnostics) = configuration.oneRoster.map { OneRosterLoader.load($0, defaultLocale: configuration.school.defaultLocale, limits: configuration.limits) }
                ?? RosterLoader.load(configuration.roster, limits: configuration.limits)
            // Guardians sharing an email or phone are one recipient, everywhere the roster is used.
            let (roster, mergeNotes) = SharedContacts.merge(loadedRoster)
            return (roster, loadedDiagnostics + mergeNotes)
        }, {
            let schedule = configuration.schedule.isEmpty
                ? ([], []) : ScheduleLoader.load(path: configuration.schedule, school: configuration.school)
            return (schedule, alongside(schedule.0))
        })
        var (events, scheduleDiagnostics) = schedule
        let calendars = CalendarLoader.load(configuration, roster: roster, now: now)
        events += calendars.events
        scheduleDiagnostics += calendars.diagnostics
        var progress: [ProgressRecord] = []
        var progressDiagnostics: [Diagnostic] = []
        if let path = configuration.progress {
            (progress, progressDiagnostics) = ProgressLoader.load(path: path, limits: configuration.limits)
        }
        var staff: [DeskStaff] = []
        var staffDiagnostics: [Diagnostic] = []
        if let path = configuration.staff {
            (staff, staffDiagnostics) = StaffLoader.load(path: path, knownClasses: roster.classNames, limits: configuration.limits)
        }
        if let source = configuration.oneRoster {
            // A OneRoster export's teachers can sign in to the desk too, with their classes.
            let (teachers, teacherDiagnostics) = OneRosterTeachers.load(source, limits: configuration.limits)
            staff = OneRosterTeachers.merge(file: staff, teachers: teachers)
            staffDiagnostics += teacherDiagnostics.filter { $0.code.hasPrefix("oneroster.") }
        }
        // Meetings families book: their slots, per class of the audience, hosted by the class's teachers.
        events = events.map { $0.withSignUp(roster: roster, staff: staff) }
        let diagnostics = droppingRepeatedMissingFiles(
            rosterDiagnostics + staffDiagnostics + scheduleDiagnostics + progressDiagnostics, configDiagnostics: configDiagnostics)
        var inputs = SchoolInputs(
            configuration: configuration, roster: roster, events: events, progress: progress,
            calendarMappings: calendars.mappings, diagnostics: diagnostics)
        inputs.staff = staff
        return (inputs, extra)
    }

    /// `diagnostics` without a loader's report of a missing file that liaison.yaml's own diagnostics already give
    /// at the line naming it (the same thing twice, once without a line).
    public static func droppingRepeatedMissingFiles(_ diagnostics: [Diagnostic], configDiagnostics: [Diagnostic]) -> [Diagnostic] {
        let missing = Set(configDiagnostics.filter { $0.code == "config.missing-file" }.compactMap { diagnostic in
            diagnostic.message.split(separator: " ").first { $0.contains("/") }.map(String.init)
        })
        return diagnostics.filter { diagnostic in
            !(diagnostic.code == "config.missing-file" && diagnostic.location?.line == nil
                && diagnostic.location.map { missing.contains($0.file) } == true)
        }
    }
}
