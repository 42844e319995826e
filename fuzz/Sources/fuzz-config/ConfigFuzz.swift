import Foundation
import FuzzDriver
import FuzzSupport
import LiaisonInputs
import LiaisonModel

// liaison.yaml and events.yaml: YAML composed with positions (Yams), then the configuration reader (every
// section, calendar rules included) and the schedule reader (events, audiences, times in zones, reminders).
//
// Input: a configuration, a schedule, a survey's form (forms/fuzz.yaml, which a schedule names with `form: fuzz`)
// and, optionally, an XLSForm's survey and choices sheets (CSV) and an XLSForm workbook (.xlsx bytes), separated by
// `%%` lines. An input without separator
// is read as the first three. The form's lines are also posted as a permission slip.
// The schedule is read for the school the configuration names when it loads, else for a fixed one.

let fallbackSchool = School(name: "Fuzz Primary", defaultLocale: "en-GB", timeZone: FuzzClock.london)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    let configText = input.part(0) ?? []
    let scheduleText = input.parts.count > 1 ? input.parts[1] : configText

    let configPath = Scratch.save(configText, to: "config/liaison.yaml")
    let (configuration, diagnostics) = ConfigurationLoader.load(path: configPath)
    for diagnostic in diagnostics { _ = diagnostic.description }
    FuzzLog.show("configuration", diagnostics.map(\.description))
    if let configuration {
        for key in configuration.locations.keys { _ = configuration.location(of: key) }
        _ = configuration.calendars.window(from: FuzzClock.now)
    }

    let formText = input.parts.count > 2 ? input.parts[2] : scheduleText
    let formPath = Scratch.save(formText, to: "config/forms/fuzz.yaml")
    let (form, formDiagnostics) = FormLoader.load(path: formPath, school: configuration?.school ?? fallbackSchool)
    for diagnostic in formDiagnostics { _ = diagnostic.description }
    FuzzLog.show("form: \(form?.questions.count ?? 0) questions", formDiagnostics.map(\.description))
    if let form {
        // Answers posted for every question: the form text's lines as values.
        let values = String(decoding: formText, as: UTF8.self).split(separator: "\n").prefix(8).map(String.init)
        let fields = Dictionary(uniqueKeysWithValues: form.questions.map { ($0.field, values) })
        let (answers, _) = form.read(fields, submitting: true)
        _ = form.missing(in: answers)
    }

    // An XLSForm saved one CSV per sheet: the fourth part is the survey sheet, the fifth its choices.
    if input.parts.count > 3 {
        let xlsPath = Scratch.save(input.parts[3], to: "config/forms/xls.csv")
        _ = Scratch.save(input.parts.count > 4 ? input.parts[4] : input.parts[3], to: "config/forms/xls.choices.csv")
        let (xlsForm, xlsDiagnostics) = XLSFormLoader.load(path: xlsPath, school: configuration?.school ?? fallbackSchool)
        for diagnostic in xlsDiagnostics { _ = diagnostic.description }
        FuzzLog.show("xlsform: \(xlsForm?.questions.count ?? 0) questions", xlsDiagnostics.map(\.description))
        if let xlsForm {
            let values = String(decoding: input.parts[3], as: UTF8.self).split(separator: ",").prefix(8).map(String.init)
            _ = xlsForm.read(Dictionary(uniqueKeysWithValues: xlsForm.questions.map { ($0.field, values) }), submitting: true)
        }
    }

    // An XLSForm workbook: the sixth part, as the bytes of forms/xls.xlsx (a ZIP of XML parts).
    if input.parts.count > 5 {
        let workbook = Scratch.save(input.parts[5], to: "config/forms/xls.xlsx")
        let (xlsx, problems) = XLSFormLoader.load(path: workbook, school: configuration?.school ?? fallbackSchool)
        FuzzLog.show("xlsx: \(xlsx?.questions.count ?? 0) questions", problems.map(\.description))
    }

    // A permission slip as posted: the form text's lines as the children's answers and the signing name.
    let lines = String(decoding: formText, as: UTF8.self).split(separator: "\n").prefix(6).map(String.init)
    let children = lines.indices.map { Student(id: "S\($0)", givenName: "C", familyName: "F", grade: "4", className: "4A") }
    var slip = Dictionary(uniqueKeysWithValues: children.enumerated().map { (ConsentAnswer.field($0.element.id), [lines[$0.offset]]) })
    slip["name"] = [lines.first ?? ""]
    _ = ConsentAnswer(fields: slip, children: children)

    let schedulePath = Scratch.save(scheduleText, to: "config/events.yaml")
    let (events, scheduleDiagnostics) = ScheduleLoader.load(path: schedulePath, school: configuration?.school ?? fallbackSchool)
    for diagnostic in scheduleDiagnostics { _ = diagnostic.description }
    FuzzLog.show("schedule: \(events.count) events", scheduleDiagnostics.map(\.description))
    for event in events { _ = event.audience.description }
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver with this target.
@_cdecl("fuzz_config_main")
public func fuzz_config_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    liaison_fuzz_run(argc, argv, fuzzConfig)
}
