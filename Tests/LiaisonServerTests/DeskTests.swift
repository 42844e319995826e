import Foundation
import LiaisonLocalization
import LiaisonModel
@testable import LiaisonServer
import Testing

/// The desk's checks that need no browser: where a form may come from, the CSRF token, password rules, and desk
/// catalogs that have every key the pages use, in English and in Arabic.
struct DeskTests {
    @Test func onlyTheSameOriginMayPost() {
        let url = URL(string: "https://liaison.school.example")
        // Browsers that send Sec-Fetch-Site: only same-origin passes (same-site is another port or subdomain).
        #expect(DeskCSRF.isSameOrigin(fetchSite: "same-origin", origin: "https://evil.example", host: nil, publicURL: url))
        #expect(!DeskCSRF.isSameOrigin(fetchSite: "same-site", origin: nil, host: nil, publicURL: url))
        #expect(!DeskCSRF.isSameOrigin(fetchSite: "cross-site", origin: "https://liaison.school.example", host: nil, publicURL: url))
        #expect(!DeskCSRF.isSameOrigin(fetchSite: "none", origin: nil, host: nil, publicURL: url))
        // Older browsers: the Origin header.
        #expect(DeskCSRF.isSameOrigin(fetchSite: nil, origin: "https://liaison.school.example", host: nil, publicURL: url))
        #expect(DeskCSRF.isSameOrigin(fetchSite: nil, origin: "http://127.0.0.1:8080", host: "127.0.0.1:8080", publicURL: url))
        #expect(!DeskCSRF.isSameOrigin(fetchSite: nil, origin: "https://liaison.school.example.evil.example", host: nil, publicURL: url))
        #expect(!DeskCSRF.isSameOrigin(fetchSite: nil, origin: "null", host: "127.0.0.1:8080", publicURL: url))
        // Neither header: left to the token.
        #expect(DeskCSRF.isSameOrigin(fetchSite: nil, origin: nil, host: nil, publicURL: url))
    }

    @Test func theTokenBelongsToItsSession() {
        let session = "session-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        let token = DeskCSRF.token(forSession: session)
        #expect(token.count == 43)
        #expect(DeskCSRF.matches(token, session: session))
        #expect(!DeskCSRF.matches(token, session: session + "b"))
        #expect(!DeskCSRF.matches(nil, session: session))
        #expect(!DeskCSRF.matches(session, session: session))
    }

    @Test func passwordRules() {
        #expect(PasswordRules.problem("correct horse battery", staffID: "clarke") == nil)
        #expect(PasswordRules.problem("short", staffID: "clarke") != nil)
        #expect(PasswordRules.problem("clarke-2026-spring", staffID: "clarke") != nil)
        #expect(PasswordRules.problem("aaaaaaaaaaaa", staffID: "clarke") != nil)
        #expect(PasswordRules.problem(String(repeating: "ab3d", count: 19), staffID: "clarke") != nil)
        #expect(PasswordRules.problem("كلمة مرور طويلة جدا", staffID: "clarke") == nil)
    }

    @Test func bcryptHashesVerifyOffTheCooperativeThreads() async {
        let hash = await PasswordHashing.hash("correct horse battery", cost: 4)
        #expect(hash.hasPrefix("$2b$04$"))
        #expect(await PasswordHashing.verify("correct horse battery", hash: hash))
        #expect(await !PasswordHashing.verify("correct horse batterY", hash: hash))
        #expect(await !PasswordHashing.verify("correct horse battery", hash: nil))
    }

    /// Every `desk.*` key the desk's sources name is in the English and the Arabic desk catalog, and formats there.
    @Test func deskCatalogsHaveEveryKeyThePagesUse() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let (catalogs, diagnostics) = CatalogSet.load(directories: [root.appendingPathComponent("locales/desk").path])
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty, "\(diagnostics)")
        let folder = root.appendingPathComponent("Sources/LiaisonServer/Desk")
        var used: Set<String> = []
        var prefixes: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".swift") {
            let source = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            // "desk.x.y" is a key; "desk.state.\(…)" and named("desk.channel", …) build keys from a value.
            for match in source.matches(of: /(named\()?"(desk\.[a-z_.]*[a-z_])(\.\\\()?/) {
                let key = String(match.output.2)
                if match.output.1 != nil || match.output.3 != nil { prefixes.insert(key) } else { used.insert(key) }
            }
        }
        #expect(used.count > 80)
        let english = try #require(catalogs.catalogs["en"])
        let arabic = try #require(catalogs.catalogs["ar"])
        for key in used {
            #expect(english.messages[key] != nil, "\(key) is not in locales/desk/en.xliff")
            #expect(arabic.messages[key]?.isTranslated == true, "\(key) is not translated in locales/desk/ar.xliff")
        }
        // Keys built from a value (desk.state.<state>, desk.kind.<kind>…): every value the code can give.
        let families: [String: [String]] = [
            "desk.state.": ["queued", "sending", "retry", "sent", "failed", "cancelled"],
            "desk.kind.": AlertKind.allCases.map(\.rawValue),
            "desk.role.": StaffRole.allCases.map(\.rawValue),
            "desk.notify.": EscalationTarget.allCases.map(\.rawValue),
            "desk.channel.": ChannelKind.known.map(\.rawValue),
            "desk.via.": ["phone", "link", "sms", "voice", "chat", "email", "staff", "api", "other"],
            "desk.filter.": ["all", "delivered", "failed", "waiting", "answered", "unanswered"],
            "desk.compose.kind.": Composition.Kind.allCases.map(\.rawValue),
            "desk.staff.state.": ["none", "active", "disabled", "locked"],
            "desk.compose.scope.": ["school", "grades", "classes", "students", "families"],
            "desk.compose.field.": ["title", "data.body"],
            "desk.compose.problem.": ["title", "body", "title-long", "body-long", "audience", "date", "send_at", "send-past", "date-past"],
        ]
        for prefix in prefixes {
            let values = try #require(families[prefix + "."], "a key built from \(prefix) with no list of values here")
            for value in values {
                #expect(english.messages[prefix + "." + value] != nil && arabic.messages[prefix + "." + value] != nil, "\(prefix).\(value)")
            }
        }
        // Every message formats in its language with the arguments the pages pass.
        let formatter = MessageFormatter()
        let arguments: [String: MessageArgument] = [
            "name": .string("Amina"), "role": .string("nurse"), "minutes": .integer(15), "seconds": .integer(2), "time": .string("10:00"),
            "who": .string("Sarah"), "via": .string("by phone"), "student": .string("Amelia"), "number": .integer(2), "count": .integer(3),
            "event": .string("Concert"), "class": .string("3A"), "languages": .string("Somali"), "channels": .string("email"),
            "delivered": .integer(4), "answered": .integer(2), "total": .integer(9), "page": .integer(1), "pages": .integer(3), "family": .string("Smith"),
            "categories": .string("newsletters"), "done": .integer(70), "names": .string("9Z"), "fields": .string("the title"),
            "parts": .integer(2), "title": .string("Snow"),
        ]
        for catalog in [english, arabic] {
            for message in catalog.messages.values {
                #expect(throws: Never.self, "\(catalog.locale) \(message.key)") {
                    _ = try formatter.format(message.text, locale: catalog.locale, timeZone: TimeZone(identifier: "UTC")!, arguments: arguments)
                }
            }
        }
    }
}
