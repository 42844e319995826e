import Foundation
import FuzzDriver
import FuzzSupport
import LiaisonInputs
import LiaisonModel

// iCalendar: the reader (content lines, components, zones, recurrence expansion over a year) on the whole input,
// then the mapper that turns occurrences into events with a fixed set of calendar rules and a small roster.
//
// Input: one .ics file.

/// The calendar rules and roster of a small school, loaded once.
let fixture: (configuration: LiaisonConfiguration, roster: Roster) = {
    Scratch.save("family_id,family_name\nF1,Haddad\n", to: "ical/families.csv")
    Scratch.save(
        "guardian_id,family_id,given_name,family_name,email,language\nG1,F1,Layla,Haddad,layla@example.net,ar\n",
        to: "ical/guardians.csv")
    Scratch.save("student_id,given_name,family_name,grade,class\nS057,Omar,Haddad,5,5B\n", to: "ical/students.csv")
    Scratch.save("guardian_id,student_id,primary\nG1,S057,yes\n", to: "ical/guardianships.csv")
    Scratch.save([], to: "ical/templates/.keep")
    Scratch.save([], to: "ical/locales/.keep")
    let config = Scratch.save(
        """
        school: { name: Fuzz Primary, default_locale: en-GB, time_zone: Europe/London }
        roster: { families: families.csv, guardians: guardians.csv, students: students.csv, guardianships: guardianships.csv }
        templates: templates
        locales: locales
        calendars:
          - { name: fuzz, file: fuzz.ics }
        calendar_rules:
          - match: { category: Sports Day }
            kind: announcement
            template: announcement
            audience: everyone
            title: { en: Sports Day, ar: اليوم الرياضي }
            notify: { reminders: ["-21d at 16:00", "-7d", "-1d at 18:00"] }
          - match: { category: Parent-Teacher }
            kind: meeting
            template: meeting
            audience: categories
            rsvp: [{ id: attending }, { id: not-attending }]
          - match: { category: Newsletter }
            kind: newsletter
            template: newsletter
            audience: categories
            number_as: issue
            number_from: 12
            notify: { reminders: ["0d at 15:30"] }
          - match: { category: Alert, summary: unwell }
            kind: alert
            template: alert-sickness
            audience: categories
            description_as: note
            notify: { reminders: ["+5m"] }
          - match: { category: [Concert, Open Morning] }
            kind: announcement
            template: announcement
            audience: categories
        """, to: "ical/liaison.yaml")
    Scratch.save([], to: "ical/fuzz.ics")
    let (configuration, diagnostics) = ConfigurationLoader.load(path: config)
    guard let configuration, configuration.calendars.rules.count == 5 else {
        fatalError("fuzz-ical: the fixed configuration does not load:\n\(diagnostics.map(\.description).joined(separator: "\n"))")
    }
    let (roster, _) = RosterLoader.load(configuration.roster)
    return (configuration, roster)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzICal(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    let window = DateInterval(start: FuzzClock.now, duration: 365 * 86_400)
    let (occurrences, diagnostics) = CalendarReader.read(
        input.bytes, file: "fuzz.ics", name: "fuzz", window: window, fallbackZone: FuzzClock.london)
    for diagnostic in diagnostics { _ = diagnostic.description }
    FuzzLog.show("calendar: \(occurrences.count) occurrences", diagnostics.map(\.description))
    let configuration = fixture.configuration
    let result = CalendarMapper.map(
        occurrences, rules: configuration.calendars.rules, roster: fixture.roster, school: configuration.school)
    for diagnostic in result.diagnostics { _ = diagnostic.description }
    FuzzLog.show("mapped: \(result.events.count) events", result.diagnostics.map(\.description))
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver with this target.
@_cdecl("fuzz_ical_main")
public func fuzz_ical_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    liaison_fuzz_run(argc, argv, fuzzICal)
}
