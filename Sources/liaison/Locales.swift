import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonLocalization
import LiaisonModel

struct Locales: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the message catalogs.",
        subcommands: [Export.self, Coverage.self]
    )

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an XLIFF 2.0 file of the messages a language still lacks, for a translator.",
            discussion: "Give the translated file back by dropping it into the locales folder."
        )

        @OptionGroup var options: ConfigOptions

        @Option(help: "The language whose missing messages to export (BCP 47, e.g. so or zh-Hant).")
        var missing: String

        @Option(name: [.short, .long], help: "Where to write the file (default: <locale>.missing.xliff; - for standard output).")
        var output: String?

        func run() throws {
            guard let locale = LanguageTag(missing) else {
                throw ValidationError("\(missing) is not a BCP 47 language tag (examples: so, ar, zh-Hant).")
            }
            let (snapshot, report) = SchoolLoader.load(configPath: options.config)
            guard let catalogs = snapshot?.catalogs, catalogs.sourceCatalog != nil else {
                printError(report.text())
                throw ExitCode(1)
            }
            let keys = catalogs.missingKeys(for: locale)
            let document = XLIFFWriter.missingDocument(for: locale, in: catalogs)
            let path = output ?? "\(locale.rawValue).missing.xliff"
            if path == "-" {
                print(document, terminator: "")
            } else {
                try Data(document.utf8).write(to: URL(fileURLWithPath: path))
                printError("Wrote \(keys.count) message(s) for \(locale) to \(path).")
            }
        }
    }

    struct Coverage: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show how much of the catalog each language has.")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let catalogs = try loadSchool(options).catalogs
            let rows = catalogs.coverage().map { [$0.locale.rawValue, "\($0.translated)/\($0.total)", $0.missing.joined(separator: " ")] }
            print(Table(["locale", "translated", "missing"], rows).lines.joined(separator: "\n"))
        }
    }
}
