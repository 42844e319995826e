import Foundation
import Hummingbird
import LiaisonCrypto
import LiaisonModel
import LiaisonStore

/// Staff (admins only): the staff file's members with their accounts; give one an account, reset a password
/// (shown once, on this page only), disable or enable. Who the staff are is the staff file's business.
extension DeskPages {
    func staffPage(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await signedIn(request, may: .manageStaff) { site, user, text in
            try await staffList(site: site, user: user, text: text, notice: nil)
        }
    }

    private func staffList(site: AckSite, user: DeskUser, text: DeskText, notice: String?) async throws -> Response {
        let accounts = Dictionary(try await backend.staff.accounts().map { ($0.staffID, $0) }, uniquingKeysWith: { first, _ in first })
        let now = server.now()
        var body = notice.map { "<div class=\"message ok\" role=\"status\">\($0)</div>\n" } ?? ""
        var table = "<table><thead><tr>"
        for key in ["desk.col.name", "desk.staff.sign_in", "desk.staff.role", "desk.col.class", "desk.staff.account", "desk.staff.last", "desk.staff.actions"] {
            table += "<th scope=\"col\">\(text.html(key))</th>"
        }
        table += "</tr></thead><tbody>\n"
        for staff in site.staff.values.sorted(by: { ($0.name, $0.id) < ($1.name, $1.id) }) {
            let account = accounts[staff.id]
            let state = account.map { $0.disabled ? "disabled" : backend.settings.lockout.isLocked($0.lockout, at: now) ? "locked" : "active" } ?? "none"
            var actions = ""
            func button(_ action: String, _ key: String, danger: Bool = false) -> String {
                "<form method=\"post\" action=\"/desk/staff/\(Self.pathSegment(staff.id))/\(action)\" class=\"inline\">\(user.csrfField)"
                    + "<button type=\"submit\" class=\"\(danger ? "danger" : "secondary")\" aria-label=\"\(text.html(key + "_named", ["name": .string(staff.name)]))\">"
                    + "\(text.html(key))</button></form> "
            }
            switch state {
            case "none": actions = button("add", "desk.staff.add")
            case "disabled": actions = button("enable", "desk.staff.enable") + button("reset", "desk.staff.reset")
            default: actions = button("reset", "desk.staff.reset") + (staff.id == user.staff.id ? "" : button("disable", "desk.staff.disable", danger: true))
            }
            table += "<tr><th scope=\"row\">\(HTML.escape(staff.name))</th><td dir=\"ltr\">\(HTML.escape(staff.id))</td>"
                + "<td>\(text.html("desk.role.\(staff.role.rawValue)"))</td><td>\(HTML.escape(staff.classes.joined(separator: " ")))</td>"
                + "<td>\(text.html("desk.staff.state.\(state)"))\(account?.totpSecret != nil ? " · TOTP" : "")</td>"
                + "<td>\(HTML.escape(account?.lastSignInAt.map(text.dateTime) ?? "–"))</td><td>\(actions)</td></tr>\n"
        }
        body += DeskLayout.scrolling(table + "</tbody></table>", label: text("desk.staff.title"))
        body += "<p class=\"muted\">\(text.html("desk.staff.explain"))</p>\n"
        return page(.ok, site, text, title: text("desk.staff.title"), user: user, current: "/desk/staff", body: body)
    }

    func staffAction(_ request: Request, context: LiaisonRequestContext) async throws -> Response {
        try await posted(request, may: .manageStaff) { site, user, text, _ in
            guard let id = context.parameters.get("id")?.removingPercentEncoding, let staff = site.staff[id],
                  let action = context.parameters.get("action")
            else { return forbidden(site, user) }
            let now = server.now()
            var notice: String?
            switch action {
            case "add", "reset":
                // A new password, shown once here for the admin to hand over in person; TOTP stays as it was.
                let password = SecureRandom.password()
                let hash = await PasswordRules.hash(password)
                let done = action == "add"
                    ? try await backend.staff.create(StaffAccount(staffID: staff.id, passwordHash: hash, createdAt: now))
                    : try await backend.staff.resetPassword(staffID: staff.id, hash: hash, totpSecret: nil, now: now)
                guard done else { return try await staffList(site: site, user: user, text: text, notice: nil) }
                await service.audit(AuditEntry(
                    at: now, actor: user.staff.actor, action: action == "add" ? .staffAdded : .staffPasswordReset, subject: staff.actor))
                notice = text.html("desk.staff.password", ["name": .string(staff.name)]) + " <code dir=\"ltr\">\(HTML.escape(password))</code>"
            case "disable", "enable":
                guard staff.id != user.staff.id || action == "enable" else { return forbidden(site, user) }
                _ = try await backend.staff.setDisabled(staffID: staff.id, action == "disable")
                await service.audit(AuditEntry(at: now, actor: user.staff.actor, action: action == "disable" ? .staffDisabled : .staffEnabled, subject: staff.actor))
                notice = text.html(action == "disable" ? "desk.staff.disabled" : "desk.staff.enabled", ["name": .string(staff.name)])
            default:
                return forbidden(site, user)
            }
            return try await staffList(site: site, user: user, text: text, notice: notice)
        }
    }
}
