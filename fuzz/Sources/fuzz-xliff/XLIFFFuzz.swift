import Foundation
import FuzzDriver
import FuzzSupport
import LiaisonLocalization
import LiaisonModel

// XLIFF catalogs: libxml2 parsing (DTDs and entities as the reader configures it), XLIFF 1.2 and 2.0 units, the
// catalog set built from them, then validation (every translated message parsed as ICU MessageFormat, plural
// categories checked per locale), coverage and the export of missing units.
//
// Input: one .xliff file. Split at `%%` lines, the parts are several files of one locales folder (read in name
// order, merged, later ones overriding earlier ones).

let known: Set<String> = ["school", "guardian", "children", "children_count", "child", "event", "start", "days", "student"]

let formatter = MessageFormatter(capacity: 256)
let arguments: [String: MessageArgument] = [
    "school": .string("Riverside"), "guardian": .string("Layla"), "children": .string("Omar and Sara"),
    "children_count": .integer(2), "child": .string("Omar"), "event": .string("Sports day"),
    "start": .date(FuzzClock.now), "days": .integer(3), "student": .string("Omar"),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLIFF(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(data, count)
    let parts = input.parts.prefix(4)
    for index in 0..<4 {
        if index < parts.count {
            Scratch.save(parts[index], to: "locales/\(index).xliff")
        } else {
            Scratch.remove("locales/\(index).xliff")
        }
    }
    let (catalogs, diagnostics) = CatalogSet.load(directories: [Scratch.path("locales")])
    for diagnostic in diagnostics { _ = diagnostic.description }
    FuzzLog.show("catalogs: \(catalogs.locales)", diagnostics.map(\.description))
    for diagnostic in catalogs.validate(knownArguments: known, defaultLocale: "en") { _ = diagnostic.description }
    _ = catalogs.coverage()
    for locale in catalogs.locales {
        _ = catalogs.missingKeys(for: locale)
        _ = XLIFFWriter.missingDocument(for: locale, in: catalogs)
        // Each translated message formatted as a letter would format it.
        for message in catalogs.catalogs[locale]?.messages.values.sorted(by: { $0.key < $1.key }) ?? [] where message.isTranslated {
            _ = try? formatter.format(message.text, locale: locale, timeZone: FuzzClock.london, arguments: arguments)
        }
    }
    return 0
}

/// The entry point SwiftPM links as `main`: libFuzzer's driver with this target.
@_cdecl("fuzz_xliff_main")
public func fuzz_xliff_main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    liaison_fuzz_run(argc, argv, fuzzXLIFF)
}
