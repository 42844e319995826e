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
            abstract: "Write XLIFF 2.0 files for translators: the catalog messages a language lacks, or the staff text of events.",
            discussion: """
                With --missing alone: the catalog messages that language still lacks (give the file back by dropping \
                it into the locales folder). With --event or --upcoming: the text staff wrote for those events \
                (titles, places, notes, lists, articles) that readers of each letter language would get untranslated, \
                one file per language (or only --missing's); give the translated files back by dropping them into the \
                translations folder beside liaison.yaml (or the folders `translations:` names). A translation is used \
                only while the event's text is the one that was translated.
                """
        )

        @OptionGroup var options: ConfigOptions

        @Option(help: "The language whose missing messages or staff text to export (BCP 47, e.g. so or zh-Hant).")
        var missing: String?

        @Option(help: "Export the staff text of this event (repeatable).")
        var event: [String] = []

        @Flag(help: "Export the staff text of every event still to come.")
        var upcoming = false

        @Option(name: [.short, .long], help: "Where to write: a file for catalog messages (default: <locale>.missing.xliff; - for standard output); a folder for staff text (default: the current folder).")
        var output: String?

        func run() throws {
            if event.isEmpty && !upcoming {
                guard let missing else { throw ValidationError("Name a language with --missing, or events with --event or --upcoming.") }
                try exportCatalog(missing)
            } else {
                try exportStaffText()
            }
        }

        private func exportCatalog(_ missing: String) throws {
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

        private func exportStaffText() throws {
            let only = try missing.map { raw -> LanguageTag in
                guard let tag = LanguageTag(raw) else { throw ValidationError("\(raw) is not a BCP 47 language tag (examples: so, ar, zh-Hant).") }
                return tag
            }
            let snapshot = try loadSchool(options)
            let now = Date()
            var events: [Event] = []
            for id in event {
                guard let found = snapshot.events.first(where: { $0.id == id }) else {
                    throw ValidationError("No event has the id \(id) (liaison check lists them).")
                }
                events.append(found)
            }
            if upcoming {
                for found in snapshot.events where !found.isCancelled && (found.end ?? found.start) >= now && !events.contains(where: { $0.id == found.id }) {
                    events.append(found)
                }
            }
            // The letter languages of the events' readers, each with a chain that reaches it.
            let schoolDefault = snapshot.school.defaultLocale
            var languages: [LanguageTag: LocaleChain] = [:]
            for chosen in events {
                for recipient in chosen.audience.recipients(in: snapshot.roster) {
                    let chain = snapshot.renderer.chain(for: recipient.guardian.language)
                    let letter = LocaleChain.formattingLocale(requested: recipient.guardian.language, letter: chain.resolved, schoolDefault: schoolDefault)
                    let key = LanguageTag(chain.resolved.rawValue) ?? letter
                    if languages[key] == nil { languages[key] = chain }
                }
            }
            if let only { languages = [only: snapshot.renderer.chain(for: only)] }
            let folder = output ?? "."
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let name = event.count == 1 && !upcoming ? event[0] : "upcoming"
            var rows: [[String]] = []
            for (language, chain) in languages.sorted(by: { $0.key < $1.key }) {
                guard !LanguageDisplayName.sameWriting(language, schoolDefault) else { continue }
                let (document, units) = XLIFFWriter.staffDocument(for: language, events: events, chain: chain, schoolDefault: schoolDefault)
                guard units > 0 else { continue }
                let path = (folder as NSString).appendingPathComponent("\(name).\(language.rawValue).xliff")
                try Data(document.utf8).write(to: URL(fileURLWithPath: path))
                rows.append([language.rawValue, "\(units)", path])
            }
            if rows.isEmpty {
                printError("Every reader of \(events.count) event(s) already has the staff text in their language.")
            } else {
                print(Table(["language", "texts", "file"], rows).lines.joined(separator: "\n"))
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
