import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonDaemon
import LiaisonLocalization
import LiaisonModel
import LiaisonPlan
import LiaisonServer
import LiaisonStore

/// `liaison survey list|sample|results`: the semester's surveys of families, their samples and their results.
struct SurveyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "survey",
        abstract: "Surveys of families: their samples and results.",
        subcommands: [SurveyList.self, SurveySample.self, SurveyResultsCommand.self]
    )
}

/// The survey named, with its settings; exits 1 for an event that is not a survey with a form.
func requireSurvey(_ id: String, in snapshot: SchoolSnapshot) throws -> (Event, SurveySettings) {
    let event = try snapshot.requireEvent(id)
    guard let survey = event.survey else {
        printError("\(id) is not a survey with a form (kind: survey and form: forms/<name>.yaml in \(snapshot.configuration.schedule)).")
        throw ExitCode(1)
    }
    return (event, survey)
}

/// Writes a report that names families to `path`, readable by its owner only (0600); exits 1 when it cannot.
func writePrivateFile(_ text: String, to path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
        printError("Cannot write \(path).")
        throw ExitCode(1)
    }
}

func printJSON<T: Encodable>(_ value: T) throws { print(try jsonText(value)) }

func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

struct SurveyList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The surveys on the schedule, their samples and answers so far.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let snapshot = try loadSchool(options, crossCheck: false)
        let store = try SQLiteFormStore(path: snapshot.configuration.delivery.sqlitePath)
        var rows: [[String]] = []
        for event in snapshot.events {
            if let discussion = event.discussion {
                // A discussion: the semester's sample invited to book a place (its "answered" is who booked).
                let sample = try await store.sample(surveyID: event.id)
                let booked = Set(try await store.bookings(eventID: event.id).map(\.familyID)).count
                rows.append([
                    event.id, discussion.semester, "discussion", "\(Int((discussion.sampling.fraction * 100).rounded()))% by \(discussion.sampling.stratum.rawValue)",
                    sample.map { "\($0.draw.households.count) households" } ?? "not drawn yet", "\(booked) booked",
                ])
                continue
            }
            guard let survey = event.survey else { continue }
            let sample = try await store.sample(surveyID: event.id)
            let answered = try await store.answeredHouseholds(surveyID: event.id).count
            let sampling = survey.sampling.map { "\(Int(($0.fraction * 100).rounded()))% by \($0.stratum.rawValue)" } ?? "everyone"
            rows.append([
                event.id, survey.semester, survey.form.privacy.rawValue, sampling,
                sample.map { "\($0.draw.households.count) households" } ?? (survey.sampling == nil ? "-" : "not drawn yet"), "\(answered)",
            ])
        }
        guard !rows.isEmpty else {
            print("No surveys with a form in \(snapshot.configuration.schedule).")
            return
        }
        print(Table(["survey", "semester", "privacy", "sample", "drawn", "answered"], rows).lines.joined(separator: "\n"))
    }
}

struct SurveySample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Show a survey's sample: the one kept when the invitation went, else the draw it would make now.",
        discussion: """
            The draw takes at least the fraction asked for of every stratum's households (a family with several children \
            counts once), uniformly at random from a seed, leaving out households sampled in recent semesters while the \
            others suffice. The same seed over the same roster gives the same draw: the seed, the algorithm and a digest of \
            the roster are shown so that anyone can repeat it.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The survey's event id.")
    var survey: String

    @Flag(help: "Explain the draw: the request, each stratum's households, target and draw, and the households left out.")
    var explain = false

    @Flag(help: "List the households drawn (family ids).")
    var households = false

    @Option(help: "table or json.")
    var format: ListFormat = .table

    struct Explained: Encodable {
        var survey: String
        var semester: String
        var kept: Bool
        var drawnAt: Date?
        var fraction: Double
        var stratum: String
        var expectedResponse: Double
        var excludeRecentSemesters: Int
        var recentlySampled: Int
        var draw: SurveySampling.Draw
    }

    func run() async throws {
        let snapshot = try loadSchool(options, crossCheck: false)
        let event = try snapshot.requireEvent(self.survey)
        guard event.survey != nil || event.discussion != nil else {
            _ = try requireSurvey(self.survey, in: snapshot)
            return
        }
        guard let (sampling, semester) = event.sampled else {
            print("\(event.id) has no sample: it invites every household of its audience (\(event.audience)).")
            return
        }
        let store = try SQLiteFormStore(path: snapshot.configuration.delivery.sqlitePath)
        let audience = event.audience.recipients(in: snapshot.roster)
        let kept = try await store.sample(surveyID: event.id)
        let draw: SurveySampling.Draw
        if let kept { draw = kept.draw } else {
            draw = try await Invitations.draw(event: event, semester: semester, sampling: sampling, audience: audience, registry: store)
        }
        let recent = Invitations.recentlySampled(eventID: event.id, semester: semester, sampling: sampling, kept: try await store.samples())
        let explained = Explained(
            survey: event.id, semester: semester, kept: kept != nil, drawnAt: kept?.drawnAt, fraction: sampling.fraction,
            stratum: sampling.stratum.rawValue, expectedResponse: sampling.expectedResponse,
            excludeRecentSemesters: sampling.excludeRecentSemesters, recentlySampled: recent.count, draw: draw)
        if format == .json {
            try printJSON(explained)
            return
        }
        let total = Set(audience.map(\.guardian.familyID)).count
        let state = kept.map { "kept since \(ISO8601DateFormatter().string(from: $0.drawnAt)) (the invitation's draw)" }
            ?? "not drawn yet: this is the draw the invitation would make now"
        print("\(event.id) (\(semester)): \(draw.households.count) of \(total) households; \(state)")
        if explain {
            let percent = { (share: Double) in "\(Int((share * 100).rounded()))%" }
            print("Request: at least \(percent(sampling.fraction)) of the households of every \(sampling.stratum.rawValue)"
                + (sampling.expectedResponse < 1
                    ? ", over-sampled for an expected response of \(percent(sampling.expectedResponse)) (draws \(percent(sampling.request(for: event.id, recentlySampled: []).drawnFraction)))"
                    : ""))
            print("Reproduce: algorithm \(draw.algorithm), seed \(draw.seed)\(sampling.seed == nil ? " (from the survey's id)" : ""), roster digest \(draw.rosterDigest)")
            if sampling.excludeRecentSemesters > 0 {
                print("Left out while others suffice: \(recent.count) household(s) sampled in the \(sampling.excludeRecentSemesters) semester(s) before \(semester) or drawn in it by another survey or discussion")
            }
            print("Strata are drawn in name order; a household already drawn counts towards each of its strata.")
            let rows = draw.strata.map { stratum in
                ["\(stratum.name)", "\(stratum.households)", "\(stratum.target)", "\(stratum.sampled)",
                 stratum.households == 0 ? "-" : percent(Double(stratum.sampled) / Double(stratum.households)), "\(stratum.recentTaken)"]
            }
            print(Table([sampling.stratum.rawValue, "households", "target", "in sample", "share", "recent taken"], rows).lines.joined(separator: "\n"))
        }
        if households { print(draw.households.joined(separator: "\n")) }
    }
}

struct SurveyResultsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "A survey's results: response rates against the target, and answers per question by group.",
        discussion: """
            Groups with fewer responses than the form's min_group (5) are hidden, and so is the next smallest when a hidden \
            group could otherwise be worked out by subtraction; free-text answers are listed only when there are \
            min_group_text (10) of them. CSV is UTF-8 with a byte order mark, so that spreadsheets open it as such.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The survey's event id.")
    var survey: String

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv, sav
    }

    @Option(help: "table, json, csv, or sav (SPSS: a case per response; needs --output).")
    var format: Format = .table

    @Option(help: "Write to this file (made 0600) instead of standard output.")
    var output: String?

    @Option(help: "Machine translate the listed free-text answers into this language for staff (e.g. en), with the engine liaison.yaml's translation: names; each answer is kept as written beside its translation.")
    var translateTo: String?

    func run() async throws {
        let snapshot = try loadSchool(options, crossCheck: false)
        let (event, written) = try requireSurvey(self.survey, in: snapshot)
        let store = try SQLiteFormStore(path: snapshot.configuration.delivery.sqlitePath)
        let survey = try await store.promised(written, eventID: event.id)
        let readable = SurveyReport.answersReadable(event, survey, now: Date())
        if !readable {
            let closes = ISO8601DateFormatter().string(from: event.start)
            printError("\(event.id) is anonymous and still open: its answers are shown once it closes (\(closes)); until then, response rates only.")
            if format == .sav { throw ExitCode(1) }
        }
        if format == .sav {
            guard let output else {
                printError("--format sav writes a file: give --output results.sav.")
                throw ExitCode(1)
            }
            let responses = try await SurveyReport.responses(event: event, survey: survey, roster: snapshot.roster, store: store)
            let catalogs = snapshot.catalogs
            let chain = catalogs.resolver(schoolDefault: snapshot.school.defaultLocale).chain(for: snapshot.school.defaultLocale)
            func catalogText(_ key: String) -> String { catalogs.message(key, along: chain)?.message.text ?? key }
            do {
                try SurveySAV.write(
                    form: survey.form, responses: responses,
                    label: { text in
                        switch text {
                        case .key(let key): catalogText(key)
                        case .inline(let localized): localized.resolve(along: chain.candidates).text
                        }
                    },
                    scaleLabel: { catalogText("form.scale.\($0)") }, title: event.id, to: output)
            } catch let failure as SurveySAV.Failure {
                printError(failure.description)
                throw ExitCode(1)
            }
            printError("Wrote \(responses.count) response(s) to \(output).")
            return
        }
        var results = try await SurveyReport.make(event: event, survey: survey, roster: snapshot.roster, store: store, answers: readable)
        if let translateTo {
            guard let target = LanguageTag(translateTo) else { throw ValidationError("--translate-to takes a language tag such as en, not \(translateTo).") }
            let translator: MachineTranslator?
            do {
                // No translation memory kept: answers are family data, and stay out of the cache of letters' text.
                translator = try MachineTranslation.make(snapshot.configuration.translation, sqlitePath: nil) { printError($0) }
            } catch {
                printError("Cannot translate: \(error)")
                throw ExitCode(1)
            }
            guard let translator else {
                printError("Cannot translate: liaison.yaml names no translation engine (translation: engine: apertium or libretranslate).")
                throw ExitCode(1)
            }
            let (translated, count) = await SurveyReport.translate(results, with: translator.translator, to: target, timeout: translator.timeout)
            results = translated
            printError("Translated \(count) answer(s) into \(target) (answers whose language is not known, as in an anonymous survey, stay as written).")
        }
        var text = ""
        switch format {
        case .json, .sav: text = try jsonText(results) + "\n"
        case .csv: text = SurveyCSV.text(results)
        case .table: text = table(results)
        }
        if let output {
            try writePrivateFile(text, to: output)
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    private func table(_ results: SurveyResults) -> String {
        var lines: [String] = []
        func print(_ line: String) { lines.append(line) }
        print("\(results.survey) (\(results.privacy)): \(results.responses) response(s); groups under \(results.minGroup) hidden, free text listed from \(results.minGroupText)")
        print("Response rates")
        print(Table(["group", "sampled", "target", "answered", "rate", "target met"], results.rates.map { rate in
            [rate.group, "\(rate.sampled)", rate.target.map(String.init) ?? "-", "\(rate.answered)",
             rate.sampled == 0 ? "-" : "\(Int((Double(rate.answered) * 100 / Double(rate.sampled)).rounded()))%",
             rate.targetMet.map { $0 ? "yes" : "no" } ?? "-"]
        }).lines.joined(separator: "\n"))
        for question in results.questions {
            print("")
            if question.kind == QuestionKind.shortText.rawValue || question.kind == QuestionKind.longText.rawValue {
                print("\(question.id) (\(question.kind)): \(question.overall.answered) answer(s)")
                guard let texts = question.texts else {
                    print("  not listed: fewer than \(results.minGroupText) answers")
                    continue
                }
                for text in texts {
                    print("  [\(text.language)] \(text.text.replacingOccurrences(of: "\n", with: " "))")
                    if let translation = text.translation {
                        print("      → \(translation.replacingOccurrences(of: "\n", with: " ")) (machine translated: \(text.translatedBy ?? "engine"))")
                    }
                }
                continue
            }
            print("\(question.id) (\(question.kind))")
            let hasMean = question.kind == QuestionKind.scale5.rawValue || question.kind == QuestionKind.rating10.rawValue
            let header = ["group", "answered"] + question.values + (hasMean ? ["mean"] : [])
            let rows = ([question.overall] + question.groups).map { counts -> [String] in
                let name = counts.group ?? "all"
                guard let tally = counts.counts else { return [name, "\(counts.answered)", "hidden"] }
                return [name, "\(counts.answered)"] + question.values.map { "\(tally[$0] ?? 0)" }
                    + (hasMean ? [counts.mean.map { String(format: "%.2f", $0) } ?? "-"] : [])
            }
            print(Table(header, rows).lines.joined(separator: "\n"))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Results as one CSV table (UTF-8 with a byte order mark): response rates, counts, means and free text, a row each.
/// Cells a spreadsheet would read as a formula (families' free text) are prefixed with an apostrophe.
enum SurveyCSV {
    static let header = ["section", "question", "group", "language", "value", "count", "answered", "target", "sampled"]

    static func text(_ results: SurveyResults) -> String {
        var lines = [CSVLine.join(header)]
        func row(_ cells: [String]) { lines.append(CSVLine.safeJoin(cells)) }
        for rate in results.rates {
            row(["response-rate", "", rate.group, "", "", "", "\(rate.answered)", rate.target.map(String.init) ?? "", "\(rate.sampled)"])
        }
        for question in results.questions {
            for counts in [question.overall] + question.groups where !question.values.isEmpty {
                let group = counts.group ?? ""
                guard let tally = counts.counts else {
                    row(["hidden", question.id, group, "", "", "", "\(counts.answered)", "", ""])
                    continue
                }
                for value in question.values {
                    row(["answer", question.id, group, "", value, "\(tally[value] ?? 0)", "\(counts.answered)", "", ""])
                }
                if let mean = counts.mean { row(["mean", question.id, group, "", String(format: "%.3f", mean), "", "\(counts.answered)", "", ""]) }
            }
            for text in question.texts ?? [] { row(["text", question.id, "", text.language, text.text, "", "", "", ""]) }
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

}
