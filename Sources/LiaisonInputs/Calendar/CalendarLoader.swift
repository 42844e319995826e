import Foundation
import LiaisonModel

/// Reads every calendar the configuration names and maps its occurrences to events with the calendar rules.
public enum CalendarLoader {
    /// Occurrences from `now` over the configured horizon. A URL calendar is read from the copy its fetcher
    /// last stored; before the first fetch it has no events (`calendar.not-fetched`).
    public static func load(_ configuration: LiaisonConfiguration, roster: Roster, now: Date) -> CalendarMapper.Result {
        let settings = configuration.calendars
        var occurrences: [CalendarOccurrence] = []
        var diagnostics: [Diagnostic] = []
        for source in settings.sources {
            if let url = source.url, Support.state(of: source.file) != .file {
                diagnostics.append(.note(
                    "calendar.not-fetched", "the calendar \(source.name) (\(url)) has not been fetched yet; its events appear once the daemon has fetched it",
                    at: source.origin))
                continue
            }
            if source.url == nil, Support.state(of: source.file) != .file { continue }  // reported at its key as config.missing-file
            let (read, problems) = CalendarReader.read(
                path: source.file, name: source.name, window: settings.window(from: now), fallbackZone: configuration.school.timeZone)
            occurrences += read
            diagnostics += problems
        }
        occurrences.sort { ($0.start, $0.id) < ($1.start, $1.id) }
        var result = CalendarMapper.map(occurrences, rules: settings.rules, roster: roster, school: configuration.school)
        result.diagnostics = diagnostics + result.diagnostics
        return result
    }
}
