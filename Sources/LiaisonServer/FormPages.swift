import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// The page of a survey's form, reached from the link in the invitation (`/a/{token}` of an event with a form):
/// the questions in the guardian's language, answers saved on every post (nothing typed is lost) and sent with
/// "Send my answers". No script; radio buttons, check boxes and text fields that work on a basic phone's browser.
struct FormPages: Sendable {
    let server: LiaisonHTTP

    /// The largest body a form can need: every text answer at its longest in percent-encoded UTF-8 (up to 12 bytes
    /// a character), and room for the choices; anything larger is refused before it is read.
    static func maxBody(for form: FormDefinition) -> Int {
        16 * 1024 + form.questions.reduce(0) { total, question in
            total + (question.kind.isText ? question.kind.maxLength * 12 : 64 * max(1, question.choices.count))
        }
    }

    /// The household a link speaks for, and what the page needs about it.
    struct Visit {
        var link: AckLink
        var event: Event
        var survey: SurveySettings
        var guardian: Guardian
        var text: PageText
        var store: any FormStore
    }

    func show(_ visit: Visit) async throws -> Response {
        let now = server.now()
        let answered = try await visit.store.hasAnswered(eventID: visit.event.id, familyID: visit.guardian.familyID)
        let draft = try await visit.store.draft(eventID: visit.event.id, familyID: visit.guardian.familyID)
        if now >= visit.event.start { return closed(visit) }
        if answered, visit.survey.form.privacy == .anonymous {
            return page(visit, "<p class=\"answer\" role=\"status\">\(HTML.escape(visit.text("form.page.sent_anonymous")))</p>\n", title: .sent)
        }
        var status = ""
        if answered, draft?.submittedAt != nil {
            status = "<p class=\"answer\" role=\"status\">\(HTML.escape(visit.text("form.page.sent"))) "
                + "\(HTML.escape(visit.text("form.page.sent_change", closes(visit))))</p>\n"
        }
        return page(visit, status + form(visit, answers: draft?.answers ?? [:], problems: [:]), title: .form)
    }

    func post(_ visit: Visit, _ request: Request) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        guard AckPages.mediaType(of: contentType) == "application/x-www-form-urlencoded" else {
            return .html(.unsupportedMediaType, HTML.page(
                lang: visit.text.language.rawValue, rtl: visit.text.isRightToLeft, title: visit.text("ack.page.title_invalid", titleArguments(visit)),
                body: "<p>\(HTML.escape(visit.text("ack.page.invalid_answer")))</p>\n"))
        }
        let buffer = try await request.body.collect(upTo: Self.maxBody(for: visit.survey.form))
        let fields = Self.parseFields(String(decoding: buffer.readableBytesView, as: UTF8.self))
        let form = visit.survey.form
        // Answers once sent change only as a whole form that is checked again: "save for later" would otherwise
        // replace the counted answers with an unchecked set.
        let sent = try await visit.store.hasAnswered(eventID: visit.event.id, familyID: visit.guardian.familyID)
        let submitting = fields["action"]?.first == "submit" || sent
        let (answers, problems) = form.read(fields, submitting: submitting)
        let groups = SurveyReport.groups(
            of: visit.guardian.familyID, audience: visit.text.site.recipients(of: visit.event), by: visit.survey.sampling?.stratum ?? .class)
        let outcome = try await visit.store.save(FormSave(
            eventID: visit.event.id, familyID: visit.guardian.familyID, guardianID: visit.guardian.id,
            language: visit.text.language.rawValue, answers: answers, privacy: form.privacy, groups: groups,
            submit: submitting && problems.isEmpty, closesAt: visit.event.start, now: server.now(), timeZone: visit.event.timeZone))
        switch outcome {
        case .closed:
            return closed(visit, status: .conflict)
        case .alreadyAnswered:
            return page(visit, "<p class=\"answer\" role=\"status\">\(HTML.escape(visit.text("form.page.sent_anonymous")))</p>\n", title: .sent, status: .conflict)
        case .submitted:
            // A confidential survey's reminders queued for the household are withdrawn now; an anonymous one's wait
            // for the next reload's check (a cancellation's time would say when the household answered).
            if form.privacy == .confidential {
                let household = visit.text.site.recipients(of: visit.event).filter { $0.guardian.familyID == visit.guardian.familyID }.map(\.guardian.id)
                _ = try await AnsweredReminders(outbox: server.outbox).withdraw(event: visit.event, guardianIDs: household, now: server.now())
            }
            if form.privacy == .anonymous {
                return page(visit, "<p class=\"answer\" role=\"status\">\(HTML.escape(visit.text("form.page.sent_anonymous")))</p>\n", title: .sent)
            }
            let status = "<p class=\"answer\" role=\"status\">\(HTML.escape(visit.text("form.page.sent"))) "
                + "\(HTML.escape(visit.text("form.page.sent_change", closes(visit))))</p>\n"
            return page(visit, status + self.form(visit, answers: answers, problems: [:]), title: .sent)
        case .saved:
            if !problems.isEmpty {
                return page(visit, self.form(visit, answers: answers, problems: problems), title: .problems, status: .unprocessableContent)
            }
            let status = "<p class=\"answer\" role=\"status\">\(HTML.escape(visit.text("form.page.saved", closes(visit))))</p>\n"
            return page(visit, status + self.form(visit, answers: answers, problems: [:]), title: .form)
        }
    }

    // MARK: - Pieces

    enum Title: String {
        case form = "form.page.title"
        case sent = "form.page.title_sent"
        case problems = "form.page.title_problems"
        case closed = "ack.page.title_too_late"
    }

    private func titleArguments(_ visit: Visit) -> [String: MessageArgument] {
        ["event": .string(visit.text.resolve(visit.event.title)), "school": .string(visit.text.site.school.name)]
    }

    private func closes(_ visit: Visit) -> [String: MessageArgument] { ["closes": .date(visit.event.start)] }

    private func page(_ visit: Visit, _ content: String, title: Title, status: HTTPResponse.Status = .ok) -> Response {
        let text = visit.text
        let body = "<p class=\"school\" dir=\"auto\">\(HTML.escape(text.site.school.name))</p>\n"
            + "<h1>\(text.staffHTML(visit.event.title))</h1>\n" + content
        return .html(status, HTML.page(lang: text.language.rawValue, rtl: text.isRightToLeft, title: text(title.rawValue, titleArguments(visit)), body: body))
    }

    private func closed(_ visit: Visit, status: HTTPResponse.Status = .ok) -> Response {
        page(visit, "<p>\(HTML.escape(visit.text("form.page.closed", closes(visit))))</p>\n", title: .closed, status: status)
    }

    /// The form, filled with `answers`; `problems` listed first (each a link to its question) and beside each question.
    func form(_ visit: Visit, answers: [String: FormAnswer], problems: [String: FormFieldProblem]) -> String {
        let text = visit.text
        let form = visit.survey.form
        var html = ""
        if !problems.isEmpty {
            html += "<div class=\"problems\" role=\"alert\">\n<p>\(HTML.escape(text("form.page.problems", ["count": .integer(problems.count)])))</p>\n<ul>\n"
            for question in form.questions where problems[question.id] != nil {
                html += "<li><a href=\"#\(Self.anchor(question))\">\(wording(question.text, text))</a></li>\n"
            }
            html += "</ul>\n</div>\n"
        }
        html += "<p>\(HTML.escape(text("form.page.intro", closes(visit))))</p>\n"
        let privacy = form.privacy == .anonymous
            ? text("form.page.anonymous") : text("form.page.confidential", ["min_group": .integer(form.minGroup)])
        html += "<p class=\"note\">\(HTML.escape(privacy)) \(HTML.escape(text("form.page.household")))</p>\n"
        html += "<form method=\"post\">\n"
        for question in form.questions {
            html += self.question(question, answer: answers[question.id], problem: problems[question.id], text)
        }
        html += "<button type=\"submit\" name=\"action\" value=\"submit\">\(HTML.escape(text("form.page.submit")))</button>\n"
        html += "<button type=\"submit\" name=\"action\" value=\"save\" class=\"secondary\">\(HTML.escape(text("form.page.save")))</button>\n"
        html += "</form>\n"
        return html
    }

    static func anchor(_ question: FormQuestion) -> String { "q-\(question.id)" }

    private func wording(_ wording: FormText, _ text: PageText) -> String { text.html(wording) }

    private func question(_ question: FormQuestion, answer: FormAnswer?, problem: FormFieldProblem?, _ text: PageText) -> String {
        let id = Self.anchor(question)
        let need = "<span class=\"note\">(\(HTML.escape(text(question.required ? "form.page.required" : "form.page.optional"))))</span>"
        var described: [String] = []
        var hint = ""
        switch question.kind {
        case .multiple: hint = text("form.page.choose_any")
        case .rating10: hint = "\(text("form.rating.low")); \(text("form.rating.high"))"
        case .shortText, .longText: hint = text("form.page.text_limit", ["max": .integer(question.kind.maxLength)])
        default: break
        }
        var extra = ""
        if !hint.isEmpty {
            described.append("\(id)-hint")
            extra += "<p class=\"note\" id=\"\(id)-hint\">\(HTML.escape(hint))</p>\n"
        }
        if let problem {
            described.append("\(id)-problem")
            let message = switch problem {
            case .required: text("form.page.problem_required")
            case .notAChoice: text("form.page.problem_choice")
            case .tooLong: text("form.page.problem_too_long", ["max": .integer(question.kind.maxLength)])
            }
            extra += "<p class=\"problem\" id=\"\(id)-problem\">\(HTML.escape(message))</p>\n"
        }
        let describedBy = described.isEmpty ? "" : " aria-describedby=\"\(described.joined(separator: " "))\""
        let invalid = problem == nil ? "" : " aria-invalid=\"true\""
        let requiredAttribute = question.required ? " aria-required=\"true\"" : ""
        if question.kind.isText {
            let value = if case .text(let written)? = answer { written } else { "" }
            let control = question.kind == .shortText
                ? "<input type=\"text\" id=\"\(id)\" name=\"\(HTML.escape(question.field))\" maxlength=\"\(question.kind.maxLength)\" value=\"\(HTML.escape(value))\" dir=\"auto\"\(describedBy)\(invalid)\(requiredAttribute)>"
                : "<textarea id=\"\(id)\" name=\"\(HTML.escape(question.field))\" rows=\"5\" maxlength=\"\(question.kind.maxLength)\" dir=\"auto\"\(describedBy)\(invalid)\(requiredAttribute)>\(HTML.escape(value))</textarea>"
            return "<div class=\"question\">\n<label for=\"\(id)\">\(wording(question.text, text)) \(need)</label>\n\(extra)\(control)\n</div>\n"
        }
        let chosen = Set(answer?.values ?? [])
        let type = question.kind == .multiple ? "checkbox" : "radio"
        var html = "<fieldset class=\"question\" id=\"\(id)\"\(describedBy)>\n<legend>\(wording(question.text, text)) \(need)</legend>\n\(extra)"
        let values = question.kind.values(choices: question.choices)
        for (index, value) in values.enumerated() {
            let label: String = switch question.kind {
            case .single, .multiple: wording(question.choices[index].text, text)
            case .scale5: HTML.escape(text("form.scale.\(value)"))
            default: HTML.escape(value)
            }
            let checked = chosen.contains(value) ? " checked" : ""
            html += "<div class=\"choice\"><input type=\"\(type)\" id=\"\(id)-\(index)\" name=\"\(HTML.escape(question.field))\" value=\"\(HTML.escape(value))\"\(checked)\(invalid)>"
                + "<label for=\"\(id)-\(index)\">\(label)</label></div>\n"
        }
        return html + "</fieldset>\n"
    }

    /// Decodes a form body, keeping every value of a repeated name (check boxes) in order.
    static func parseFields(_ body: String) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? { String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = parts.first.flatMap(decode) else { continue }
            fields[name, default: []].append(parts.count > 1 ? decode(parts[1]) ?? "" : "")
        }
        return fields
    }
}
