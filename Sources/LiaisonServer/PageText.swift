import Foundation
import LiaisonLocalization
import LiaisonModel

/// The wording of one page in one reader's language: catalog messages looked up along the reader's fallback chain,
/// formatted with ICU; the English defaults below are used only when no catalog has a key at all.
struct PageText {
    let site: AckSite
    let chain: LocaleChain
    /// Zone for dates in messages (the event's, or the school's).
    let timeZone: TimeZone

    init(site: AckSite, language: LanguageTag, timeZone: TimeZone? = nil) {
        self.site = site
        chain = site.catalogs.resolver(schoolDefault: site.school.defaultLocale).chain(for: language)
        self.timeZone = timeZone ?? site.school.timeZone
    }

    /// The language the page is written in.
    var language: LanguageTag { chain.resolved }
    /// Dates and numbers as the letters format them (`en-GB` for a British family read from the `en` catalog).
    var formattingLocale: LanguageTag { chain.formattingLocale(schoolDefault: site.school.defaultLocale) }
    var isRightToLeft: Bool { TextDirection(for: chain.resolved) == .rtl }

    /// The message `key` formatted with `arguments` (plain text, not yet escaped).
    func callAsFunction(_ key: String, _ arguments: [String: MessageArgument] = [:]) -> String {
        let pattern: String
        let locale: LanguageTag
        if let found = site.catalogs.message(key, along: chain) {
            // Formatted as the letters are, when the message is in the page's language; a fallback's in its own.
            (pattern, locale) = (found.message.text, found.locale == chain.resolved ? formattingLocale : found.locale)
        } else {
            (pattern, locale) = (Self.englishDefaults[key] ?? key, "en")
        }
        let formatted = (try? site.formatter.format(pattern, locale: locale, timeZone: timeZone, arguments: arguments)) ?? pattern
        // A message in another language than the page's is marked, and labelled by HTML.page (LanguageLabels).
        return LanguageDisplayName.sameWriting(locale, chain.resolved) ? formatted : LanguageRun.mark(formatted, language: locale)
    }

    /// Text the school wrote (an event title), in the reader's language if it gave one.
    func resolve(_ text: LocalizedText) -> String {
        text.resolve(along: chain.candidates).text
    }

    /// Staff text as HTML for this page, marked when it is in another language than the page (HTML.page labels it).
    func staffHTML(_ text: LocalizedText) -> String {
        let (resolved, found) = text.resolve(along: chain.candidates)
        let written = text.language(of: found, schoolDefault: site.school.defaultLocale)
        return HTML.escape(LanguageDisplayName.sameWriting(written, chain.resolved) ? resolved : LanguageRun.mark(resolved, language: written))
    }

    /// A form's or a permission slip's wording as HTML: the catalog's (marked when in a fallback language) or the
    /// school's own.
    func html(_ wording: FormText) -> String {
        switch wording {
        case .key(let key): HTML.escape(self(key))
        case .inline(let localized): staffHTML(localized)
        }
    }

    /// The label of an answer: the schedule's own, else the catalog's `rsvp.<id>`, else the id.
    func label(ofAnswer answer: String, in event: Event) -> String {
        if answer == "read" { return self("ack.page.read_button") }
        guard let option = event.rsvp.first(where: { $0.id == answer }) else { return answer }
        if let label = option.label { return resolve(label) }
        if site.catalogs.message(option.catalogKey, along: chain) != nil { return self(option.catalogKey) }
        return answer
    }

    /// When the event takes place, in the reader's language and the event's zone.
    func when(_ event: Event) -> String {
        let formatter = LocaleFormatter(locale: formattingLocale, timeZone: event.timeZone)
        return event.allDay ? formatter.date(event.start) : formatter.dateTime(event.start)
    }

    /// How to reach the office: its phone, else its e-mail address.
    /// Isolated left to right, so it reads in order on Arabic and Persian pages.
    var officeContact: String { BidiIsolation.leftToRight(site.school.contact.phone ?? site.school.contact.email ?? "") }

    /// Only the standard message arguments are used (`school`, `guardian_given`, `start`, `phone`) and `seconds`
    /// (``MessageRenderer/pageArguments``), so that `liaison check` knows them all; the deadline to change an answer
    /// is the event's start.
    static let englishDefaults: [String: String] = [
        "ack.page.title": "{school}: your reply",
        "ack.page.title_event": "{event} – {school}",
        "ack.page.title_thanks": "Thank you: {event}",
        "ack.page.title_too_late": "Answers are closed: {event}",
        "ack.page.title_invalid": "Answer not recorded: {event}",
        "ack.page.read_button": "I have read this message",
        "ack.page.choose": "Please choose your answer",
        "ack.page.current": "Your answer:",
        "ack.page.read_done": "You have confirmed that you read this message.",
        "ack.page.thanks": "Thank you, {guardian_given}. Your answer has been recorded.",
        "ack.page.change_until": "You can change your answer until {start, date, ::EEEEdMMMMjmm}.",
        "ack.page.too_late":
            "Answers closed on {start, date, ::EEEEdMMMMjmm}. If something has changed, please contact the school office: {phone}.",
        "ack.page.not_found": "This link is not valid. Please contact the school office: {phone}.",
        "ack.page.invalid_answer": "This answer is not one of the choices. Please go back and choose again.",
        "ack.page.back": "Back to the message",
        "unsubscribe.page.heading": "{school}: newsletters",
        "unsubscribe.page.explain":
            "Press the button to stop receiving the school’s newsletters. Messages about your children, such as meetings, reports and urgent alerts, will still reach you.",
        "unsubscribe.page.button": "Stop the newsletters",
        "page.too_many_requests":
            "Too many requests have come from your connection. Please try again in {seconds, plural, one {# second} other {# seconds}}.",
        "unsubscribe.page.done":
            "You will no longer receive the school’s newsletters. To receive them again, please contact the school office: {phone}.",
    ]
}
