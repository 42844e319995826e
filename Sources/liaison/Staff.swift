import ArgumentParser
import Foundation
import LiaisonCheck
import LiaisonCrypto
import LiaisonInputs
import LiaisonModel
import LiaisonServer
import LiaisonStore

/// `liaison staff add|list|disable|enable|reset-password`: the office desk's accounts. Who the staff are (name, role,
/// classes) comes from the staff file (`roster.staff`); an account adds a password and, if wanted, TOTP.
struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff",
        abstract: "Manage the office desk's staff accounts.",
        subcommands: [StaffList.self, StaffAdd.self, StaffDisable.self, StaffEnable.self, StaffResetPassword.self]
    )
}

/// Where a new password comes from: never the command line, which other users of the machine can see.
struct PasswordSource: ParsableArguments {
    @Option(help: "Read the password from the first line of this file.")
    var passwordFile: String?

    @Flag(help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    /// The password given, or a new random one (printed once) when none is; exits 1 when it breaks the rules.
    func password(for staffID: String) throws -> (password: String, generated: Bool) {
        var given: String?
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile), data.count <= 1024 else {
                printError("Cannot read \(passwordFile) (or it is over 1 KiB).")
                throw ExitCode(1)
            }
            given = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        } else if passwordStdin {
            given = readLine(strippingNewline: true) ?? ""
        }
        guard let given else {
            return (SecureRandom.password(), true)
        }
        if let problem = PasswordRules.problem(given, staffID: staffID) {
            printError("The password is not accepted: \(problem)")
            throw ExitCode(1)
        }
        return (given, false)
    }
}

/// The staff member named, from the staff file; exits 1 when the file does not name them.
func staffMember(_ id: String, in snapshot: SchoolSnapshot) throws -> DeskStaff {
    guard snapshot.configuration.staff != nil else {
        printError("liaison.yaml names no staff file: add roster.staff (a CSV of staff_id,name,role,classes).")
        throw ExitCode(1)
    }
    guard let staff = snapshot.staff.first(where: { $0.id == id }) else {
        printError("No staff member \"\(id)\" in \(snapshot.configuration.staff ?? "the staff file"): add them there first.")
        throw ExitCode(1)
    }
    return staff
}

/// The school, the member of staff named and the accounts' store.
func openStaff(_ options: ConfigOptions, id: String) throws -> (SchoolSnapshot, DeskStaff, SQLiteStaffStore) {
    let snapshot = try loadSchool(options, crossCheck: false)
    let staff = try staffMember(id, in: snapshot)
    return (snapshot, staff, try SQLiteStaffStore(path: snapshot.configuration.delivery.sqlitePath))
}

/// Prints a TOTP secret for an authenticator app.
func printTOTP(_ secret: [UInt8], staff: DeskStaff, school: String) {
    let totp = TOTP(secret: secret)
    print("Authenticator app: add an account with this key (or open the address as a QR code):")
    print("  key:     \(Base32.encode(secret))")
    print("  address: \(totp.provisioningURI(account: staff.id, issuer: "Liaison \(school)"))")
}

struct StaffList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the staff file's members with their accounts.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "table, json or csv.")
    var format: ListFormat = .table

    struct Row: Codable {
        var id: String
        var name: String
        var role: String
        var classes: [String]
        /// none, active, disabled or locked.
        var account: String
        var totp: Bool
        var lastSignIn: Date?
    }

    func run() async throws {
        let snapshot = try loadSchool(options, crossCheck: false)
        let store = try SQLiteStaffStore(path: snapshot.configuration.delivery.sqlitePath)
        let accounts = Dictionary(try await store.accounts().map { ($0.staffID, $0) }, uniquingKeysWith: { first, _ in first })
        let now = Date()
        let lockout = AccountLockout()
        let rows = snapshot.staff.map { staff in
            let account = accounts[staff.id]
            let state = account.map { $0.disabled ? "disabled" : lockout.isLocked($0.lockout, at: now) ? "locked" : "active" } ?? "none"
            return Row(
                id: staff.id, name: staff.name, role: staff.role.rawValue, classes: staff.classes, account: state,
                totp: account?.totpSecret != nil, lastSignIn: account?.lastSignInAt)
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        case .csv:
            print("staff_id,name,role,classes,account,totp,last_sign_in")
            for row in rows {
                print([row.id, row.name, row.role, row.classes.joined(separator: " "), row.account, row.totp ? "yes" : "no",
                       row.lastSignIn.map { ISO8601DateFormatter().string(from: $0) } ?? ""].map(csvField).joined(separator: ","))
            }
        case .table:
            let table = [["staff", "name", "role", "classes", "account", "totp", "last sign-in"]] + rows.map { row in
                [row.id, row.name, row.role, row.classes.joined(separator: " "), row.account, row.totp ? "yes" : "no",
                 row.lastSignIn.map { ISO8601DateFormatter().string(from: $0) } ?? "never"]
            }
            let widths = (0..<7).map { column in table.map { $0[column].count }.max() ?? 0 }
            for line in table {
                print(line.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                    .trimmingCharacters(in: .whitespaces))
            }
            let withoutAccount = snapshot.staff.count - rows.filter { $0.account != "none" }.count
            if withoutAccount > 0 { printError("\(withoutAccount) member(s) of staff without an account: liaison staff add ID") }
        }
    }
}

/// A CSV field, quoted when it needs to be (RFC 4180).
func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}

struct StaffAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Give a member of the staff file an account on the office desk.",
        discussion: "Without --password-file or --password-stdin a password is made and printed once; give it to them in person.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "Their staff_id in the staff file (the sign-in name).")
    var id: String
    @OptionGroup var password: PasswordSource
    @Flag(help: "Also require a code from an authenticator app (TOTP); prints the key to enrol.")
    var totp = false
    @Option(help: "Who is doing this, for the audit log (default: the system user).")
    var by: String?

    func run() async throws {
        let (snapshot, staff, store) = try openStaff(options, id: id)
        let (secret, generated) = try password.password(for: staff.id)
        let totpSecret = totp ? TOTP.newSecret() : nil
        let now = Date()
        let created = try await store.create(StaffAccount(
            staffID: staff.id, passwordHash: await PasswordRules.hash(secret), totpSecret: totpSecret, createdAt: now))
        guard created else {
            printError("\(staff.id) already has an account: use liaison staff reset-password \(staff.id).")
            throw ExitCode(1)
        }
        try await SQLiteAuditLog(path: snapshot.configuration.delivery.sqlitePath).append(AuditEntry(
            at: now, actor: auditActor(by), action: .staffAdded, subject: staff.actor, detail: "role=\(staff.role.rawValue) totp=\(totp)"))
        print("Added \(staff.id) (\(staff.name), \(staff.role.rawValue)).")
        if generated { print("Password (shown once): \(secret)") }
        if let totpSecret { printTOTP(totpSecret, staff: staff, school: snapshot.school.name) }
    }
}

struct StaffDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Stop an account signing in; its open sessions end at once.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The staff_id.")
    var id: String
    @Option(help: "Who is doing this, for the audit log (default: the system user).")
    var by: String?

    func run() async throws { try await setDisabled(options, id: id, disabled: true, by: by) }
}

struct StaffEnable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Let a disabled account sign in again.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The staff_id.")
    var id: String
    @Option(help: "Who is doing this, for the audit log (default: the system user).")
    var by: String?

    func run() async throws { try await setDisabled(options, id: id, disabled: false, by: by) }
}

func setDisabled(_ options: ConfigOptions, id: String, disabled: Bool, by: String?) async throws {
    let (configuration, diagnostics) = ConfigurationLoader.load(path: options.config)
    guard let configuration else {
        for diagnostic in diagnostics { printError(diagnostic.description) }
        throw ExitCode(1)
    }
    let store = try SQLiteStaffStore(path: configuration.delivery.sqlitePath)
    guard try await store.setDisabled(staffID: id, disabled) else {
        printError("No account \"\(id)\": liaison staff list shows who has one.")
        throw ExitCode(1)
    }
    try await SQLiteAuditLog(path: configuration.delivery.sqlitePath).append(AuditEntry(
        at: Date(), actor: auditActor(by), action: disabled ? .staffDisabled : .staffEnabled, subject: "staff:\(id)"))
    print(disabled ? "Disabled \(id); their sessions have ended." : "Enabled \(id).")
}

struct StaffResetPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-password", abstract: "Set a new password (and clear a lockout); every session of the account ends.")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The staff_id.")
    var id: String
    @OptionGroup var password: PasswordSource
    @Flag(inversion: .prefixedNo, help: "Enrol a new authenticator app (--totp) or stop asking for codes (--no-totp); unchanged without either.")
    var totp: Bool?
    @Option(help: "Who is doing this, for the audit log (default: the system user).")
    var by: String?

    func run() async throws {
        let (snapshot, staff, store) = try openStaff(options, id: id)
        let (secret, generated) = try password.password(for: staff.id)
        let totpSecret: [UInt8]?? = totp.map { $0 ? TOTP.newSecret() : nil }
        guard try await store.resetPassword(staffID: staff.id, hash: await PasswordRules.hash(secret), totpSecret: totpSecret, now: Date()) else {
            printError("\(staff.id) has no account yet: use liaison staff add \(staff.id).")
            throw ExitCode(1)
        }
        try await SQLiteAuditLog(path: snapshot.configuration.delivery.sqlitePath).append(AuditEntry(
            at: Date(), actor: auditActor(by), action: .staffPasswordReset, subject: staff.actor,
            detail: totp.map { "totp=\($0)" } ?? ""))
        print("New password set for \(staff.id); their sessions have ended and any lockout is cleared.")
        if generated { print("Password (shown once): \(secret)") }
        if case .some(.some(let secret)) = totpSecret { printTOTP(secret, staff: staff, school: snapshot.school.name) }
    }
}
