import Dispatch
import Foundation
import Hummingbird
import HummingbirdBcrypt
import LiaisonCrypto
import LiaisonModel
import LiaisonStore

/// A signed-in member of staff, for one request.
struct DeskUser: Sendable {
    let staff: DeskStaff
    let access: DeskAccess
    /// The token in their session cookie (never stored: the store keeps its hash).
    let sessionToken: String

    /// The form field every desk form carries: a keyed hash of the session token, so a page of another site, which
    /// cannot read the token, cannot forge it.
    var csrfToken: String { DeskCSRF.token(forSession: sessionToken) }
    var csrfField: String { "<input type=\"hidden\" name=\"csrf\" value=\"\(csrfToken)\">" }
}

/// Cross-site request forgery: a token in every form, and the browser's word on where a request came from.
enum DeskCSRF {
    static func token(forSession session: String) -> String {
        Base64URL.encode(HMAC.authenticationCode(.sha256, for: Array("liaison-desk-csrf".utf8), key: Array(session.utf8)))
    }

    /// True when `presented` is the token of `session` (compared in constant time).
    static func matches(_ presented: String?, session: String) -> Bool {
        guard let presented else { return false }
        return constantTimeEqual(Array(presented.utf8), Array(token(forSession: session).utf8))
    }

    /// Whether the browser says the request came from this site: `Sec-Fetch-Site` (every current browser) must be
    /// `same-origin`; else `Origin`, when sent, must be this site's (the public address, or the address asked for).
    /// A request with neither (an old browser, a command-line client) is left to the form's token.
    static func isSameOrigin(fetchSite: String?, origin: String?, host: String?, publicURL: URL?) -> Bool {
        if let fetchSite {
            return fetchSite.lowercased() == "same-origin"
        }
        guard let origin = origin?.lowercased() else { return true }
        var allowed: [String] = []
        if let publicURL, let scheme = publicURL.scheme?.lowercased(), let host = publicURL.host?.lowercased() {
            allowed.append(publicURL.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)")
        }
        if let host = host?.lowercased() {
            allowed += ["http://\(host)", "https://\(host)"]
        }
        return allowed.contains(origin)
    }
}

/// bcrypt on a thread of its own, one hash at a time: a hash costs a quarter of a second of CPU by design, and a
/// burst of sign-ins must not take the cores the alert desk and the dispatcher run on.
enum PasswordHashing {
    private static let queue = DispatchQueue(label: "liaison.desk.bcrypt", qos: .utility)
    /// bcrypt's cost: 2^12 rounds.
    static let cost: UInt8 = 12
    /// What an unknown login is checked against, so that it takes as long as a known one.
    private static let decoy = Bcrypt.hash("liaison-decoy-password", cost: cost)

    static func hash(_ password: String, cost: UInt8 = cost) async -> String {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Bcrypt.hash(password, cost: cost)) }
        }
    }

    /// Checks `password` against `hash`, or against a decoy when there is no hash (same time, always false).
    static func verify(_ password: String, hash: String?) async -> Bool {
        await withCheckedContinuation { continuation in
            queue.async {
                let matches = Bcrypt.verify(password, hash: hash ?? decoy)
                continuation.resume(returning: hash != nil && matches)
            }
        }
    }
}

/// Rules for a new password (NIST SP 800-63B: long rather than complicated): 10 to 72 bytes (bcrypt reads 72), not
/// the sign-in name, not all one character.
public enum PasswordRules {
    public static func problem(_ password: String, staffID: String) -> String? {
        let bytes = password.utf8.count
        if password.count < 10 { return "Use at least 10 characters." }
        if bytes > 72 { return "Use at most 72 bytes (bcrypt ignores the rest)." }
        if password.lowercased().contains(staffID.lowercased()) { return "Do not use the sign-in name in the password." }
        if Set(password).count < 4 { return "Use more different characters." }
        return nil
    }

    /// The bcrypt hash of a password that passed ``problem(_:staffID:)``, computed off Swift's cooperative threads.
    public static func hash(_ password: String) async -> String { await PasswordHashing.hash(password) }
}

/// The desk's sessions: cookies, the store behind them, and the rate limit of the sign-in form.
struct DeskSessions: Sendable {
    let backend: DeskBackend
    /// Sign-in attempts per address, apart from the family pages' and the API's limits: a flood of guesses never
    /// throttles anything else.
    let throttle: Locked<Throttle<ContinuousClock.Instant>>
    let now: @Sendable () -> Date

    init(backend: DeskBackend, now: @escaping @Sendable () -> Date) {
        self.backend = backend
        throttle = Locked(Throttle(limits: backend.settings.signInLimits))
        self.now = now
    }

    /// `__Host-` binds the cookie to this host and path `/` (only allowed with Secure, so over https).
    var cookieName: String { backend.settings.secureCookies ? "__Host-liaison-desk" : "liaison-desk" }
    var loginCookieName: String { backend.settings.secureCookies ? "__Host-liaison-desk-login" : "liaison-desk-login" }

    func sessionCookie(_ token: String) -> Cookie {
        Cookie(
            name: cookieName, value: token, maxAge: Int(backend.settings.sessions.absolute), path: "/",
            secure: backend.settings.secureCookies, httpOnly: true, sameSite: .strict)
    }

    func expiredCookie(_ name: String) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: backend.settings.secureCookies, httpOnly: true, sameSite: .strict)
    }

    func loginCookie(_ token: String) -> Cookie {
        Cookie(name: loginCookieName, value: token, maxAge: 3600, path: "/", secure: backend.settings.secureCookies, httpOnly: true, sameSite: .strict)
    }

    /// The member of staff the request's cookie signs in, or nil.
    func user(_ request: Request, site: AckSite) async throws -> DeskUser? {
        guard let token = request.cookies[cookieName]?.value, token.utf8.count >= 32, token.utf8.count <= 64 else { return nil }
        // The desk's own refresh of an open page (live.js) does not count as the person being there.
        let touch = request.headers[HeaderName("X-Desk-Live")!] == nil
        guard let session = try await backend.staff.session(token: token, now: now(), lifetime: backend.settings.sessions, touch: touch),
              let staff = site.staff[session.staffID]
        else { return nil }
        return DeskUser(staff: staff, access: DeskAccess(staff), sessionToken: token)
    }

    static func newToken() -> String { Base64URL.encode(SecureRandom.bytes(32)) }

    func admit(_ address: IPAddress?) -> Duration? {
        let instant = ContinuousClock.now
        if case .refuse(_, let wait) = throttle.withLock({ $0.admit(address: address, link: nil, at: instant) }) { return wait }
        return nil
    }

    func record(_ outcome: Throttle<ContinuousClock.Instant>.Outcome, _ address: IPAddress?) {
        let instant = ContinuousClock.now
        _ = throttle.withLock { $0.record(outcome, address: address, link: nil, at: instant) }
    }
}
