import Foundation
import Hummingbird
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// The page of a permission slip (`/a/{token}` of an event with `consent:`): for each of the household's children the
/// event concerns, "yes" or "no", signed with the guardian's typed name; changeable until the deadline, each answer
/// kept with its name and time. No script: radio buttons and one text field, for a basic phone's browser.
struct ConsentPages: Sendable {
    let server: LiaisonHTTP

    /// A permission slip's body holds a choice per child and a name: small.
    static let maxBody = 8192

    struct Visit {
        var link: AckLink
        var event: Event
        var consent: ConsentSettings
        var guardian: Guardian
        var text: PageText
        var store: any FormStore
    }

    /// The guardian's own children the event concerns: a guardian signs for their children, not a partner's.
    private func children(_ visit: Visit) -> [Student] {
        let reached = visit.text.site.recipients(of: visit.event).first { $0.guardian.id == visit.guardian.id }?.students ?? []
        return reached.sorted { ($0.givenName, $0.id) < ($1.givenName, $1.id) }
    }

    /// Each child's answers: this household's latest (shown with its typed name), and the one that counts when
    /// another household of the child answered (shown without the other household's name).
    struct Answers {
        var ours: [String: ConsentRecord]
        var counting: [String: ConsentRecord]

        init(_ records: [ConsentRecord], familyID: String) {
            ours = ConsentTally.latestPerHousehold(records).compactMapValues { $0[familyID] }
            counting = ConsentTally.current(records)
        }
    }

    func show(_ visit: Visit) async throws -> Response {
        let records = try await visit.store.consents(eventID: visit.event.id)
        return page(visit, body(visit, answers: Answers(records, familyID: visit.guardian.familyID), answer: nil), status: .ok)
    }

    func post(_ visit: Visit, _ request: Request) async throws -> Response {
        let text = visit.text
        guard AckPages.mediaType(of: request.headers[.contentType] ?? "") == "application/x-www-form-urlencoded" else {
            return page(visit, paragraph(text("ack.page.invalid_answer")), status: .unsupportedMediaType)
        }
        let buffer = try await request.body.collect(upTo: Self.maxBody)
        let fields = FormPages.parseFields(String(decoding: buffer.readableBytesView, as: UTF8.self))
        let children = children(visit)
        let answer = ConsentAnswer(fields: fields, children: children)
        let now = server.now()
        let kept = try await visit.store.consents(eventID: visit.event.id)
        let before = Answers(kept, familyID: visit.guardian.familyID)
        guard now < visit.consent.deadline else {
            return page(visit, body(visit, answers: before, answer: nil), status: .conflict)
        }
        guard !children.isEmpty else { return page(visit, body(visit, answers: before, answer: nil), status: .conflict) }
        guard answer.problems.isEmpty else {
            return page(visit, body(visit, answers: before, answer: answer), status: .unprocessableContent)
        }
        let records = children.compactMap { child in
            answer.decisions[child.id].map {
                ConsentRecord(
                    eventID: visit.event.id, studentID: child.id, familyID: visit.guardian.familyID, guardianID: visit.guardian.id,
                    decision: $0, typedName: answer.typedName, answeredAt: now)
            }
        }
        guard try await visit.store.recordConsent(records, deadline: visit.consent.deadline, now: now) else {
            return page(visit, body(visit, answers: before, answer: nil), status: .conflict)
        }
        // What was kept, and this post's answers after it (another post meanwhile shows on the next visit).
        let all = kept + records
        let after = Answers(all, familyID: visit.guardian.familyID)
        // Guardians of the household with every child of theirs answered: the letter has done its work (the desk
        // counts them as reached), and reminders queued for them before the answer are withdrawn.
        let done = ConsentTally.answeredGuardians(of: visit.guardian.familyID, recipients: text.site.recipients(of: visit.event), records: all)
        if done.contains(visit.guardian.id) {
            _ = try await text.site.ledger.acknowledge(
                eventID: visit.event.id, guardianID: visit.guardian.id, answer: Acknowledgement.read, via: "page", occurrence: visit.link.occurrence,
                at: now, changeUntil: visit.consent.deadline)
        }
        _ = try await AnsweredReminders(outbox: server.outbox).withdraw(event: visit.event, guardianIDs: done, now: now)
        let thanks = "<p class=\"answer\" role=\"status\">\(HTML.escape(text("consent.page.recorded")))</p>\n"
        return page(visit, thanks + body(visit, answers: after, answer: nil), status: .ok)
    }

    // MARK: - Pieces

    /// A name inside a first-strong isolate: an Arabic name keeps its place in an English sentence, and the reverse.
    static func isolated(_ name: String) -> String { String(BidiIsolation.open) + name + String(BidiIsolation.close) }

    private func paragraph(_ text: String) -> String { "<p>\(HTML.escape(text))</p>\n" }

    private func deadline(_ visit: Visit) -> [String: MessageArgument] { ["deadline": .date(visit.consent.deadline)] }

    private func page(_ visit: Visit, _ content: String, status: HTTPResponse.Status) -> Response {
        let text = visit.text
        let title = text("ack.page.title_event", ["event": .string(text.resolve(visit.event.title)), "school": .string(text.site.school.name)])
        var body = "<p class=\"school\" dir=\"auto\">\(HTML.escape(text.site.school.name))</p>\n"
            + "<h1>\(text.staffHTML(visit.event.title))</h1>\n<p>\(HTML.escape(text.when(visit.event)))</p>\n"
        if let location = visit.event.location { body += "<p>\(text.staffHTML(location))</p>\n" }
        if let statement = visit.consent.statement { body += "<p>\(text.html(statement))</p>\n" }
        return .html(status, HTML.page(lang: text.language.rawValue, rtl: text.isRightToLeft, title: title, body: body + content))
    }

    /// The answer on record for a child, as a sentence: this household's with its typed name; another household's
    /// (the child's other home) without it.
    private func current(_ child: Student, _ answers: Answers, _ text: PageText) -> String {
        let ours = answers.ours[child.id]
        var sentence = text("consent.page.none")
        if let ours {
            let arguments: [String: MessageArgument] = ["guardian": .string(Self.isolated(ours.typedName)), "signed_at": .date(ours.answeredAt)]
            sentence = text(ours.decision == .given ? "consent.page.given" : "consent.page.refused", arguments)
        }
        if let counting = answers.counting[child.id], counting.familyID != ours?.familyID, counting.decision != ours?.decision {
            let arguments: [String: MessageArgument] = ["child": .string(Self.isolated(child.givenName)), "signed_at": .date(counting.answeredAt)]
            let other = text(counting.decision == .given ? "consent.page.other_given" : "consent.page.other_refused", arguments)
            sentence = ours == nil ? other : sentence + " " + other
        }
        return sentence
    }

    /// The slip: each child with the answer on record and, before the deadline, the choice; then the name to sign.
    /// `answer` is a refused post, shown again with its problems.
    private func body(_ visit: Visit, answers: Answers, answer: ConsentAnswer?) -> String {
        let text = visit.text
        let children = children(visit)
        let open = server.now() < visit.consent.deadline
        var html = ""
        if let answer, !answer.problems.isEmpty {
            html += "<div class=\"problems\" role=\"alert\">\n<ul>\n"
            if answer.problems.contains(.noChoice) { html += "<li><a href=\"#child-0\">\(HTML.escape(text("consent.page.need_choice")))</a></li>\n" }
            if answer.problems.contains(.noName) { html += "<li><a href=\"#name\">\(HTML.escape(text("consent.page.need_name")))</a></li>\n" }
            if answer.problems.contains(.nameTooLong) {
                html += "<li><a href=\"#name\">\(HTML.escape(text("form.page.problem_too_long", ["max": .integer(ConsentAnswer.maxNameLength)])))</a></li>\n"
            }
            html += "</ul>\n</div>\n"
        }
        guard open else {
            html += paragraph(text("consent.page.closed", deadline(visit).merging(["phone": .string(text.officeContact)]) { first, _ in first }))
            for child in children {
                html += "<p><strong dir=\"auto\">\(HTML.escape(child.givenName))</strong>: \(HTML.escape(current(child, answers, text)))</p>\n"
            }
            return html
        }
        guard !children.isEmpty else {
            // The roster changed since the letter: no child of this guardian is concerned any more.
            return html + paragraph(text("consent.page.nothing", ["phone": .string(text.officeContact)]))
        }
        html += paragraph(text("consent.page.intro", deadline(visit)))
        html += "<form method=\"post\">\n"
        for (index, child) in children.enumerated() {
            let id = "child-\(index)"
            let chosen = answer?.decisions[child.id] ?? answers.ours[child.id]?.decision
            let arguments: [String: MessageArgument] = ["child": .string(Self.isolated(child.givenName)), "class": .string(child.className)]
            let invalid = answer?.problems.contains(.noChoice) == true ? " aria-invalid=\"true\"" : ""
            html += "<fieldset class=\"question\" id=\"\(id)\" aria-describedby=\"\(id)-current\">\n"
                + "<legend>\(HTML.escape(text("consent.page.for_child", arguments)))</legend>\n"
                + "<p class=\"note\" id=\"\(id)-current\">\(HTML.escape(current(child, answers, text)))</p>\n"
            for decision in ConsentDecision.allCases {
                let key = decision == .given ? "consent.page.give" : "consent.page.refuse"
                let checked = chosen == decision ? " checked" : ""
                html += "<div class=\"choice\"><input type=\"radio\" id=\"\(id)-\(decision.rawValue)\" name=\"\(HTML.escape(ConsentAnswer.field(child.id)))\" value=\"\(decision.rawValue)\"\(checked)\(invalid)>"
                    + "<label for=\"\(id)-\(decision.rawValue)\">\(HTML.escape(text(key, arguments)))</label></div>\n"
            }
            html += "</fieldset>\n"
        }
        let nameInvalid = answer.map { !$0.problems.filter { $0 != .noChoice }.isEmpty } == true ? " aria-invalid=\"true\"" : ""
        html += "<div class=\"question\">\n<label for=\"name\">\(HTML.escape(text("consent.page.sign")))</label>\n"
            + "<p class=\"note\" id=\"name-note\">\(HTML.escape(text("consent.page.sign_note", deadline(visit))))</p>\n"
            + "<input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"name\" maxlength=\"\(ConsentAnswer.maxNameLength)\" dir=\"auto\" aria-required=\"true\""
            + " aria-describedby=\"name-note\" value=\"\(HTML.escape(answer?.typedName ?? ""))\"\(nameInvalid)>\n</div>\n"
        html += "<button type=\"submit\">\(HTML.escape(text("consent.page.send")))</button>\n</form>\n"
        return html
    }
}
