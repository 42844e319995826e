import CReadStat
import Foundation
import LiaisonModel

/// A survey's responses as an SPSS `.sav` file (through ReadStat): a case per response, a variable per question (a
/// 0/1 variable per choice of a multiple choice), value labels in the school's language. What could single out a
/// family stays out: groups too small to show are pooled as "(other)" by the same rule as the results, free text is
/// left out (`liaison survey results` lists it apart), and neither the household, the language nor the time is written.
enum SurveySAV {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The SPSS name for a question id: letters, digits and _, starting with a letter, at most 64 bytes.
    static func variableName(_ id: String, taken: inout Set<String>) -> String {
        var name = String(id.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }.prefix(60))
        if name.first.map({ !$0.isLetter }) ?? true { name = "q" + name }
        var unique = name
        var number = 2
        while taken.contains(unique.lowercased()) {
            unique = "\(name)_\(number)"
            number += 1
        }
        taken.insert(unique.lowercased())
        return unique
    }

    /// Writes `responses` to `path` (0600: it holds families' answers).
    static func write(
        form: FormDefinition, responses: [SurveyResponse], label: (FormText) -> String, scaleLabel: (Int) -> String, title: String,
        to path: String
    ) throws {
        let publication = SmallGroups.publication(responses.map(\.groups), minimum: form.minGroup)
        let other = "(other)"
        // Each response is in one group (SurveyGroup); a group not shown goes into "(other)" with the rest.
        func group(_ response: SurveyResponse) -> String {
            response.groups.first.flatMap { publication.groups.contains($0) ? $0 : nil } ?? other
        }
        // Rows in no order of time or household.
        let rows = responses.map { (group: group($0), response: $0) }.sorted {
            ($0.group, SurveyAnswersKey.of($0.response.answers)) < ($1.group, SurveyAnswersKey.of($1.response.answers))
        }
        guard publication.overall else {
            throw Failure(description: "Only \(responses.count) response(s): a file is written from \(form.minGroup), so that no family's answers stand alone.")
        }

        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw Failure(description: "Cannot write \(path).") }
        defer { try? handle.close() }
        final class Sink {
            let handle: FileHandle
            var failed = false
            init(_ handle: FileHandle) { self.handle = handle }
        }
        let sink = Sink(handle)
        guard let writer = readstat_writer_init() else { throw Failure(description: "ReadStat could not start a writer.") }
        defer { readstat_writer_free(writer) }
        readstat_set_data_writer(writer) { bytes, count, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            guard let bytes else { return 0 }
            do { try sink.handle.write(contentsOf: Data(bytes: bytes, count: count)) } catch {
                sink.failed = true
                return -1
            }
            return count
        }
        readstat_writer_set_file_label(writer, String(title.utf8.prefix(64)) ?? "survey")

        var taken: Set<String> = []
        let groupWidth = max(8, rows.map(\.group.utf8.count).max() ?? 0)
        let groupVariable = readstat_add_variable(writer, variableName("group", taken: &taken), READSTAT_TYPE_STRING, groupWidth)
        readstat_variable_set_label(groupVariable, "Group")

        let scale = readstat_add_label_set(writer, READSTAT_TYPE_INT32, "scale5")
        for value in 1...5 { readstat_label_int32_value(scale, Int32(value), scaleLabel(value)) }
        let yesNo = readstat_add_label_set(writer, READSTAT_TYPE_INT32, "chosen")
        readstat_label_int32_value(yesNo, 0, "not chosen")
        readstat_label_int32_value(yesNo, 1, "chosen")

        enum Column {
            case value(UnsafeMutablePointer<readstat_variable_t>?, question: String)
            case choice(UnsafeMutablePointer<readstat_variable_t>?, question: String, choice: String)
        }
        var columns: [Column] = []
        for question in form.questions {
            let name = variableName(question.id, taken: &taken)
            switch question.kind {
            case .single:
                let labels = readstat_add_label_set(writer, READSTAT_TYPE_INT32, "\(name)_labels")
                for (index, choice) in question.choices.enumerated() { readstat_label_int32_value(labels, Int32(index + 1), label(choice.text)) }
                let variable = readstat_add_variable(writer, name, READSTAT_TYPE_INT32, 0)
                readstat_variable_set_label(variable, label(question.text))
                readstat_variable_set_label_set(variable, labels)
                readstat_variable_set_measure(variable, READSTAT_MEASURE_NOMINAL)
                columns.append(.value(variable, question: question.id))
            case .scale5, .rating10:
                let variable = readstat_add_variable(writer, name, READSTAT_TYPE_INT32, 0)
                readstat_variable_set_label(variable, label(question.text))
                if question.kind == .scale5 { readstat_variable_set_label_set(variable, scale) }
                readstat_variable_set_measure(variable, READSTAT_MEASURE_ORDINAL)
                columns.append(.value(variable, question: question.id))
            case .multiple:
                for choice in question.choices {
                    let variable = readstat_add_variable(writer, variableName("\(question.id)_\(choice.id)", taken: &taken), READSTAT_TYPE_INT32, 0)
                    readstat_variable_set_label(variable, "\(label(question.text)): \(label(choice.text))")
                    readstat_variable_set_label_set(variable, yesNo)
                    readstat_variable_set_measure(variable, READSTAT_MEASURE_NOMINAL)
                    columns.append(.choice(variable, question: question.id, choice: choice.id))
                }
            case .shortText, .longText:
                // Free text stays out of the case file: beside a group and every other answer it can name a family.
                continue
            }
        }

        func check(_ error: readstat_error_t, _ step: String) throws {
            guard error == READSTAT_OK else {
                throw Failure(description: "ReadStat could not \(step): \(String(cString: readstat_error_message(error)))")
            }
        }
        let context = Unmanaged.passUnretained(sink).toOpaque()
        try check(readstat_begin_writing_sav(writer, context, rows.count), "start the file")
        for row in rows {
            try check(readstat_begin_row(writer), "start a case")
            try check(readstat_insert_string_value(writer, groupVariable, row.group), "write a group")
            for column in columns {
                switch column {
                case .value(let variable, let question):
                    let numeric: Int32? = switch row.response.answers[question] {
                    case .choice(let value)?:
                        form.question(question).flatMap { definition in
                            definition.kind == .single
                                ? definition.choices.firstIndex { $0.id == value }.map { Int32($0 + 1) } : Int32(value)
                        }
                    default: nil
                    }
                    if let numeric { try check(readstat_insert_int32_value(writer, variable, numeric), "write an answer") } else {
                        try check(readstat_insert_missing_value(writer, variable), "write a missing answer")
                    }
                case .choice(let variable, let question, let choice):
                    if let answer = row.response.answers[question] {
                        try check(readstat_insert_int32_value(writer, variable, answer.values.contains(choice) ? 1 : 0), "write a choice")
                    } else {
                        try check(readstat_insert_missing_value(writer, variable), "write a missing choice")
                    }
                }
            }
            try check(readstat_end_row(writer), "end a case")
        }
        try check(readstat_end_writing(writer), "finish the file")
        if sink.failed { throw Failure(description: "Writing \(path) failed (is the disk full?).") }
    }
}

/// A stable sort key of a response's answers (for an order that says nothing of time or household).
enum SurveyAnswersKey {
    static func of(_ answers: [String: FormAnswer]) -> String {
        answers.keys.sorted().map { key in "\(key)=\(answers[key]!.values.joined(separator: "+"))\(textPart(answers[key]!))" }.joined(separator: "&")
    }

    private static func textPart(_ answer: FormAnswer) -> String {
        if case .text(let text) = answer { return "t:" + text }
        return ""
    }
}
