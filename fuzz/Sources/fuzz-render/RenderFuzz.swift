import Foundation
import FuzzDriver
import FuzzSupport
import LiaisonLocalization
import LiaisonModel
import LiaisonRender

// Templates and catalog messages: Mustache parsing (sections, partials, inheritance, pragmas), the template
// scanner and splicing, ICU MessageFormat (plural, select, dates) in English and Arabic, and the HTML-to-text
// conversion, rendering one letter for an English and an Arabic guardian with three children.
//
// Input, split at `%%` lines: 0 templates/letter/html.mustache, 1 templates/_partials/p.mustache, 2 the ICU
// message `fuzz.msg` (the same text in the en, ar and pl catalogs), 3 templates/_partials/q.mustache,
// 4 templates/letter/subject.mustache (default `{{t.fuzz.msg}}`), 5 templates/letter/text.mustache (default:
// none, so the text is made from the HTML). Missing partials are empty files.

let school = School(
    name: "Riverside Primary", defaultLocale: "en", timeZone: FuzzClock.london,
    baseURL: URL(string: "https://liaison.riverside.example"),
    contact: School.Contact(email: "office@riverside.example", phone: "+44 20 7946 0000", address: "12 River Lane"))

let students = [
    Student(id: "S1", givenName: "Omar", familyName: "Haddad", grade: "5", className: "5B"),
    Student(id: "S2", givenName: "Sara", familyName: "Haddad", grade: "3", className: "3A"),
    Student(id: "S3", givenName: "Yusuf", familyName: "Haddad", grade: "R", className: "RA"),
]
let guardians = [
    Guardian(id: "G1", familyID: "F1", givenName: "Layla", familyName: "Haddad", email: "layla@example.net", language: "en"),
    Guardian(id: "G2", familyID: "F1", givenName: "Karim", familyName: "Haddad", email: "karim@example.net", language: "ar"),
]
let event = Event(
    id: "sports-day", kind: .announcement, title: LocalizedText("Sports day", translations: ["ar": "اليوم الرياضي"]),
    start: FuzzClock.now.addingTimeInterval(10 * 86_400), end: FuzzClock.now.addingTimeInterval(10 * 86_400 + 3 * 3_600),
    timeZone: FuzzClock.london, location: LocalizedText("The field"), audience: .everyone, template: "letter",
    rsvp: [RSVPOption(id: "yes"), RSVPOption(id: "no", label: LocalizedText("No, sorry"))],
    data: [
        "bring": .list([.string("A water bottle"), .string("A sun hat & <cream>")]),
        "count": .int(3), "ratio": .double(0.5), "flag": .bool(true), "nothing": .null,
        "room": .map(["name": .string("Hall"), "floor": .int(1)]),
    ])
let progress: [String: [ProgressRecord]] = [
    "S1": [ProgressRecord(studentID: "S1", subject: "Maths", mark: "A", comment: "Good work", teacher: "Ms Price")],
    "S2": [ProgressRecord(studentID: "S2", subject: "Reading", mark: "B", comment: "Reads every day")],
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRender(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    Scratch.save(input.part(0) ?? [], to: "render/templates/letter/html.mustache")
    Scratch.save(input.part(1) ?? [], to: "render/templates/_partials/p.mustache")
    Scratch.save(input.part(3) ?? [], to: "render/templates/_partials/q.mustache")
    Scratch.save(input.part(4) ?? Array("{{t.fuzz.msg}}".utf8), to: "render/templates/letter/subject.mustache")
    if let text = input.part(5) {
        Scratch.save(text, to: "render/templates/letter/text.mustache")
    } else {
        Scratch.remove("render/templates/letter/text.mustache")
    }
    let message = input.text(2, or: "{children_count, plural, one {Hello {guardian_given}} other {Hello all}}")

    let (templates, diagnostics) = TemplateSet.load(directories: [Scratch.path("render/templates")])
    for diagnostic in diagnostics { _ = diagnostic.description }
    FuzzLog.show("templates", diagnostics.map(\.description))
    _ = templates.messageUses(in: "letter")
    _ = templates.allMessageKeys

    let catalogs = CatalogSet(catalogs: [
        Catalog(locale: "en", isSource: true, texts: [
            "fuzz.msg": message, "common.greeting": "Dear {guardian_given},", "rsvp.yes": "Yes, {guardian_given} comes",
        ]),
        Catalog(locale: "ar", texts: ["fuzz.msg": message, "rsvp.yes": "نعم"]),
        Catalog(locale: "pl", texts: ["fuzz.msg": message]),
    ], sourceLocale: "en")
    let catalogDiagnostics = catalogs.validate(knownArguments: MessageRenderer.standardArguments, defaultLocale: "en")
    for diagnostic in catalogDiagnostics { _ = diagnostic.description }
    FuzzLog.show("catalogs", catalogDiagnostics.map(\.description))

    let renderer = MessageRenderer(school: school, templates: templates, catalogs: catalogs)
    for guardian in guardians {
        let request = RenderRequest(
            event: event, recipient: Recipient(guardian: guardian, students: students), progress: progress,
            ackURL: "https://liaison.riverside.example/a/\(guardian.id)", now: FuzzClock.now)
        do {
            let message = try renderer.render(request)
            FuzzLog.show("render \(guardian.language)", [message.subject, message.text, message.html])
        } catch {
            FuzzLog.show("render \(guardian.language)", ["error: \(error)"])
        }
    }
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver with this target.
@_cdecl("fuzz_render_main")
public func fuzz_render_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    liaison_fuzz_run(argc, argv, fuzzRender)
}
