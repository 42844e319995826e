import Foundation

/// The school as its families see it: name, contact details, language and time zone.
public struct School: Hashable, Sendable {
    public var name: String
    /// The language used when a guardian's own language has no catalog or template.
    public var defaultLocale: LanguageTag
    /// The time zone the schedule is written in.
    public var timeZone: TimeZone
    /// Public base URL for acknowledgement links (`https://liaison.example-school.org`).
    public var baseURL: URL?
    public var contact: Contact

    public init(name: String, defaultLocale: LanguageTag, timeZone: TimeZone, baseURL: URL? = nil, contact: Contact = Contact()) {
        self.name = name
        self.defaultLocale = defaultLocale
        self.timeZone = timeZone
        self.baseURL = baseURL
        self.contact = contact
    }

    /// How families reach the school office.
    public struct Contact: Hashable, Sendable {
        public var email: String?
        public var phone: String?
        public var address: String?
        public var website: String?

        public init(email: String? = nil, phone: String? = nil, address: String? = nil, website: String? = nil) {
            self.email = email
            self.phone = phone
            self.address = address
            self.website = website
        }
    }
}

extension School {
    /// The host name that makes the school's calendar entries' UIDs its own: its public address's host, else its
    /// office's mail domain.
    public var calendarDomain: String {
        if let host = baseURL?.host, !host.isEmpty { return host }
        if let email = contact.email, let at = email.lastIndex(of: "@") { return String(email[email.index(after: at)...]) }
        return "liaison.invalid"
    }
}
