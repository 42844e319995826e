import Foundation
import LiaisonLocalization
import LiaisonModel
import LiaisonStore

/// What families answered on an event's own page, shown on the desk's event page: a permission slip's answers by
/// class with the children still to answer, a meeting's bookings with the households still to book, a survey's
/// response rates and answers (charts, with the figures as tables). A teacher sees only their classes; a survey's
/// results are for the office (its groups are classes: a teacher would read their colleagues' results).
enum DeskFormSections {
    /// The sections `event` has for `access`, read from the site's form store at `now`.
    static func html(_ event: Event, site: AckSite, access: DeskAccess, text: DeskText, now: Date) async throws -> String {
        guard let forms = site.forms else { return "" }
        var html = ""
        if let consent = event.consent {
            html += consentSection(event, consent, records: try await forms.consents(eventID: event.id), site: site, access: access, text: text)
        }
        if let plan = event.signUp {
            // A discussion invites its sample only: the others are not "still to book".
            let invited = event.discussion == nil ? nil : Set(try await forms.sample(surveyID: event.id)?.draw.households ?? [])
            html += bookingSection(event, plan, bookings: try await forms.bookings(eventID: event.id), invited: invited, site: site, access: access, text: text)
        }
        if let written = event.survey, access.may(.manageMessages) {
            let survey = try await forms.promised(written, eventID: event.id)
            let readable = SurveyReport.answersReadable(event, survey, now: now)
            let results = try await SurveyReport.make(event: event, survey: survey, roster: site.roster, store: forms, answers: readable)
            html += surveySection(event, survey, results: results, readable: readable, site: site, text: text)
        }
        return html
    }

    // MARK: - Permission slips

    static func consentSection(_ event: Event, _ consent: ConsentSettings, records: [ConsentRecord], site: AckSite, access: DeskAccess, text: DeskText) -> String {
        var tally = ConsentTally(recipients: site.recipients(of: event), records: records)
        tally.children.removeAll { !access.sees(className: $0.student.className) }
        var html = "<h2 id=\"consent\">\(text.html("desk.consent.title"))</h2>\n"
        html += "<p>\(text.html("desk.consent.summary", ["count": .integer(tally.outstanding.count), "deadline": .string(text.dateTime(consent.deadline))]))</p>\n"
        var table = "<table><caption>\(text.html("desk.consent.by_class"))</caption><thead><tr>"
        for key in ["desk.col.class", "desk.col.children", "desk.col.yes", "desk.col.no", "desk.col.no_answer"] { table += "<th scope=\"col\">\(text.html(key))</th>" }
        table += "</tr></thead><tbody>\n"
        for row in tally.byClass {
            table += "<tr><th scope=\"row\">\(HTML.escape(row.className))</th>"
                + [row.children, row.given, row.refused, row.outstanding].map { "<td>\(HTML.escape(text.integer($0)))</td>" }.joined() + "</tr>\n"
        }
        html += DeskLayout.scrolling(table + "</tbody></table>", label: text("desk.consent.by_class"))
        // To call: children without an answer, and children whose two homes answered differently (the refusal counts).
        let toCall = tally.children.filter { $0.answer == nil || $0.conflict }
        guard !toCall.isEmpty else { return html }
        var list = "<table><caption>\(text.html("desk.consent.outstanding"))</caption><thead><tr>"
        for key in ["desk.col.child", "desk.col.class", "desk.col.guardian", "desk.col.language", "desk.col.contacts"] { list += "<th scope=\"col\">\(text.html(key))</th>" }
        list += "</tr></thead><tbody>\n"
        for child in toCall {
            let guardians = site.roster.guardians(of: child.student.id)
            let disagree = child.conflict ? " <span class=\"muted\">(\(text.html("desk.consent.disagree")))</span>" : ""
            list += "<tr><th scope=\"row\" dir=\"auto\">\(HTML.escape(child.student.displayName))\(disagree)</th><td>\(HTML.escape(child.student.className))</td>"
                + "<td dir=\"auto\">\(guardians.map { HTML.escape($0.displayName) }.joined(separator: "<br>"))</td>"
                + "<td>\(guardians.map { HTML.escape(text.languageName($0.language.rawValue)) }.joined(separator: "<br>"))</td>"
                + "<td>\(guardians.map { HTML.escape([$0.phone, $0.email].compactMap { $0 }.joined(separator: " · ")) }.joined(separator: "<br>"))</td></tr>\n"
        }
        return html + DeskLayout.scrolling(list + "</tbody></table>", label: text("desk.consent.outstanding"))
    }

    // MARK: - Bookings

    static func bookingSection(
        _ event: Event, _ plan: SignUpPlan, bookings: [SlotBooking], invited: Set<String>?, site: AckSite, access: DeskAccess, text: DeskText
    ) -> String {
        let (allSlots, allUnbooked) = plan.status(of: event, roster: site.roster, bookings: bookings, invited: invited)
        // A teacher sees their classes' times, and in one set of times for the whole event the children of their
        // classes only (a family's other children stay unnamed).
        let slots = allSlots.filter { $0.group == MeetingSlot.wholeEvent || access.sees(className: $0.group) }
            .map { slot -> SlotRow in
                var slot = slot
                slot.booked = slot.booked.compactMap { family in
                    var family = family
                    let seen = zip(family.children, family.classes).filter { access.sees(className: $0.1) }
                    family.children = seen.map(\.0)
                    family.classes = seen.map(\.1)
                    return family.children.isEmpty ? nil : family
                }
                return slot
            }
        // The children the event concerns, per household: a teacher sees a household still to book through them.
        var concerned: [String: [String]] = [:]
        for recipient in site.recipients(of: event) { concerned[recipient.guardian.familyID, default: []] += recipient.students.map(\.className) }
        let unbooked = allUnbooked.filter { family in
            family.groups.contains { $0 == MeetingSlot.wholeEvent ? (concerned[family.family] ?? []).contains { access.sees(className: $0) } : access.sees(className: $0) }
        }.map { family -> UnbookedFamily in
            var family = family
            family.groups = family.groups.filter { $0 == MeetingSlot.wholeEvent || access.sees(className: $0) }
            return family
        }
        let places = slots.reduce(0) { $0 + $1.capacity }
        let booked = slots.reduce(0) { $0 + $1.booked.count }
        var html = "<h2 id=\"bookings\">\(text.html("desk.signup.title"))</h2>\n"
        html += "<p>\(text.html("desk.signup.summary", ["booked": .integer(booked), "places": .integer(places), "count": .integer(unbooked.count), "closes": .string(text.dateTime(plan.bookUntil))]))</p>\n"
        var table = "<table><caption>\(text.html("desk.signup.times"))</caption><thead><tr>"
        for key in ["desk.col.class", "desk.col.time", "desk.col.with", "desk.col.booked", "desk.col.interpreter"] { table += "<th scope=\"col\">\(text.html(key))</th>" }
        table += "</tr></thead><tbody>\n"
        for slot in slots {
            let who = slot.booked.isEmpty
                ? "<span class=\"muted\">\(text.html("desk.signup.free"))</span>"
                : slot.booked.map { HTML.escape($0.children.joined(separator: ", ")) }.joined(separator: "<br>")
            let interpreters = slot.booked.compactMap(\.interpreter).map { HTML.escape(text.languageName($0)) }.joined(separator: ", ")
            table += "<tr><th scope=\"row\">\(HTML.escape(slot.group == MeetingSlot.wholeEvent ? "–" : slot.group))</th>"
                + "<td>\(HTML.escape(text.time(slot.start)))–\(HTML.escape(text.time(slot.end)))</td><td dir=\"auto\">\(HTML.escape(slot.host ?? "–"))</td>"
                + "<td dir=\"auto\">\(who)</td><td>\(interpreters.isEmpty ? "–" : interpreters)</td></tr>\n"
        }
        html += DeskLayout.scrolling(table + "</tbody></table>", label: text("desk.signup.times"))
        guard !unbooked.isEmpty else { return html }
        var list = "<table><caption>\(text.html("desk.signup.unbooked"))</caption><thead><tr>"
        for key in ["desk.col.family", "desk.col.class", "desk.col.language", "desk.col.contacts"] { list += "<th scope=\"col\">\(text.html(key))</th>" }
        list += "</tr></thead><tbody>\n"
        for family in unbooked {
            list += "<tr><th scope=\"row\" dir=\"auto\"><a href=\"/desk/families/\(DeskPages.pathSegment(family.family))\">\(HTML.escape(family.name))</a></th>"
                + "<td>\(HTML.escape(family.groups.map { $0 == MeetingSlot.wholeEvent ? "–" : $0 }.joined(separator: ", ")))</td>"
                + "<td>\(family.languages.map { HTML.escape(text.languageName($0)) }.joined(separator: ", "))</td>"
                + "<td>\(family.contacts.map(HTML.escape).joined(separator: "<br>"))</td></tr>\n"
        }
        return html + DeskLayout.scrolling(list + "</tbody></table>", label: text("desk.signup.unbooked"))
    }

    // MARK: - Survey results

    static func surveySection(_ event: Event, _ survey: SurveySettings, results: SurveyResults, readable: Bool, site: AckSite, text: DeskText) -> String {
        var html = "<h2 id=\"results\">\(text.html("desk.survey.title"))</h2>\n"
        html += "<p>\(text.html("desk.survey.summary", ["count": .integer(results.responses), "min_group": .integer(results.minGroup)]))</p>\n"
        var rates = "<table><caption>\(text.html("desk.survey.rates"))</caption><thead><tr>"
        for key in ["desk.col.group", "desk.col.sampled", "desk.col.target", "desk.col.answered"] { rates += "<th scope=\"col\">\(text.html(key))</th>" }
        rates += "</tr></thead><tbody>\n"
        for rate in results.rates {
            let met = rate.targetMet.map { $0 ? " ✓" : "" } ?? ""
            rates += "<tr><th scope=\"row\">\(HTML.escape(rate.group))</th><td>\(HTML.escape(text.integer(rate.sampled)))</td>"
                + "<td>\(rate.target.map { HTML.escape(text.integer($0)) } ?? "–")</td><td>\(HTML.escape(text.integer(rate.answered)))\(met)</td></tr>\n"
        }
        html += DeskLayout.scrolling(rates + "</tbody></table>", label: text("desk.survey.rates"))
        guard readable else { return html + "<p class=\"muted\">\(text.html("desk.survey.anonymous_open", ["closes": .string(text.dateTime(event.start))]))</p>\n" }
        // Question and choice wording in the desk's language, from the families' catalogs (or the school's own words).
        let words = PageText(site: site, language: text.language)
        func plain(_ wording: FormText) -> String {
            switch wording {
            case .key(let key): LanguageRun.removingMarks(words(key))
            case .inline(let localized): localized.resolve(along: [text.language, site.school.defaultLocale]).text
            }
        }
        for (index, question) in results.questions.enumerated() {
            guard let definition = survey.form.question(question.id) else { continue }
            let title = plain(definition.text)
            html += "<h3>\(HTML.escape(title))</h3>\n"
            if definition.kind.isText {
                html += "<p>\(text.html("desk.survey.text_answers", ["count": .integer(question.overall.answered), "min": .integer(results.minGroupText)]))</p>\n"
                if let texts = question.texts, !texts.isEmpty {
                    html += "<ul class=\"answers\">" + texts.map { "<li dir=\"auto\">\(HTML.escape($0.text))</li>" }.joined() + "</ul>\n"
                }
                continue
            }
            let labels = question.values.map { value -> String in
                switch definition.kind {
                case .single, .multiple: definition.choices.first { $0.id == value }.map { plain($0.text) } ?? value
                case .scale5: LanguageRun.removingMarks(words("form.scale.\(value)"))
                default: value
                }
            }
            // Too few answers to show even the whole school's: no chart of zeros, only the table saying so.
            guard let counts = question.overall.counts else {
                html += "<p>\(text.html("desk.survey.hidden", ["min_group": .integer(results.minGroup)]))</p>\n"
                continue
            }
            let answered = max(question.overall.answered, 1)
            let bars = zip(question.values, labels).map { value, label in
                let count = counts[value] ?? 0
                return DeskChart.Bar(
                    label: label, count: count,
                    value: text("desk.survey.bar", ["count": .integer(count), "share": .number(Double(count) / Double(answered))]))
            }
            let description = text("desk.survey.chart_desc", ["count": .integer(question.overall.answered)]) + " "
                + bars.map { "\($0.label): \($0.value)" }.joined(separator: "; ")
            html += DeskChart.bars(bars, id: "q\(index)", title: title, description: description)
            // The figures by group, shown groups only (hidden ones are left out of every figure).
            var table = "<table><caption>\(HTML.escape(title))</caption><thead><tr><th scope=\"col\">\(text.html("desk.col.group"))</th><th scope=\"col\">\(text.html("desk.col.answered"))</th>"
            for label in labels { table += "<th scope=\"col\">\(HTML.escape(label))</th>" }
            if let _ = question.overall.mean { table += "<th scope=\"col\">\(text.html("desk.col.mean"))</th>" }
            table += "</tr></thead><tbody>\n"
            for group in [question.overall] + question.groups {
                table += "<tr><th scope=\"row\">\(HTML.escape(group.group ?? text("desk.survey.whole")))</th><td>\(HTML.escape(text.integer(group.answered)))</td>"
                for value in question.values { table += "<td>\(group.counts.map { HTML.escape(text.integer($0[value] ?? 0)) } ?? "–")</td>" }
                if question.overall.mean != nil { table += "<td>\(group.mean.map { String(format: "%.2f", $0) } ?? "–")</td>" }
                table += "</tr>\n"
            }
            html += DeskLayout.scrolling(table + "</tbody></table>", label: title)
        }
        return html
    }
}
