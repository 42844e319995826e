import ArgumentParser
import Foundation
import LiaisonCheck

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration, roster, schedule, catalogs and templates.",
        discussion: "Exits with status 1 when there are errors; warnings alone exit 0."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Report format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let (snapshot, report) = SchoolLoader.load(configPath: options.config)
        switch format {
        case .text:
            print(report.text(timeZone: snapshot?.school.timeZone ?? .current), terminator: "")
        case .json:
            print(try report.json())
        }
        if !report.passed { throw ExitCode(1) }
    }
}
