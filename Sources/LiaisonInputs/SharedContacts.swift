import Foundation
import LiaisonModel

/// Guardians entered more than once (a grandmother registered with two families, a parent listed for each child
/// by a SIS) share an email or a phone: they are one recipient, who gets one message per event naming all their
/// children.
///
/// Guardians with the same email (trimmed, without case) are merged; guardians with the same phone (E.164
/// digits) are merged when their emails do not differ, so two parents sharing a landline still each get their
/// own email. The first guardian in the roster keeps its id, language and channels; the others' links to
/// students move to it. Each merge is reported (`roster.shared-contact`: a note, or a warning when the merged
/// guardians read different languages).
public enum SharedContacts {
    public static func merge(_ roster: Roster) -> (Roster, [Diagnostic]) {
        let guardians = roster.guardians
        var parent = Array(guardians.indices)
        func find(_ index: Int) -> Int {
            var root = index
            while parent[root] != root { root = parent[root] }
            parent[index] = root
            return root
        }
        var firstByEmail: [String: Int] = [:]
        for (index, guardian) in guardians.enumerated() {
            guard let key = email(guardian) else { continue }
            if let first = firstByEmail[key] { parent[find(index)] = find(first) } else { firstByEmail[key] = index }
        }
        var byPhone: [String: [Int]] = [:]
        for (index, guardian) in guardians.enumerated() {
            if let key = phone(guardian) { byPhone[key, default: []].append(index) }
        }
        // The emails of each group a shared phone touches, by its root (kept up to date as phone matches join groups).
        let sharedPhones = byPhone.values.filter { $0.count > 1 }
        var groupEmails: [Int: Set<String>] = [:]
        if !sharedPhones.isEmpty {
            let touched = Set(sharedPhones.joined().map(find))
            for (index, guardian) in guardians.enumerated() where touched.contains(find(index)) {
                if let key = email(guardian) { groupEmails[find(index), default: []].insert(key) }
            }
        }
        for indices in sharedPhones {
            for index in indices.dropFirst() {
                let a = find(indices[0]), b = find(index)
                guard a != b else { continue }
                let joined = groupEmails[a, default: []].union(groupEmails[b, default: []])
                if joined.count <= 1 {
                    parent[max(a, b)] = min(a, b)
                    groupEmails[max(a, b)] = nil
                    groupEmails[min(a, b)] = joined
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        for index in guardians.indices { groups[find(index), default: []].append(index) }
        guard groups.count < guardians.count else { return (roster, []) }

        var diagnostics: [Diagnostic] = []
        var merged: [Guardian] = []
        var renamed: [String: String] = [:]
        for (index, guardian) in guardians.enumerated() where find(index) == index {
            let members = groups[index]!.map { guardians[$0] }
            var keeper = guardian
            for other in members.dropFirst() {
                renamed[other.id] = keeper.id
                keeper.email = keeper.email ?? other.email
                keeper.phone = keeper.phone ?? other.phone
                keeper.chatID = keeper.chatID ?? other.chatID
            }
            merged.append(keeper)
            guard members.count > 1 else { continue }
            let children = members.flatMap { roster.students(of: $0.id) }.map(\.givenName)
            let shared = Set(members.compactMap(email)).count == 1 && members.allSatisfy({ email($0) != nil })
                ? "the email \(guardian.email ?? "")" : "a contact (\(members.compactMap { $0.email ?? $0.phone }.joined(separator: ", ")))"
            let languages = Set(members.map(\.language))
            var message = "guardians \(members.map(\.id).joined(separator: ", ")) share \(shared): they are one recipient, \(guardian.id), who gets one message per event about \(children.joined(separator: ", "))"
            if languages.count > 1 {
                message += "; they read \(languages.map(\.rawValue).sorted().joined(separator: " and ")), and \(guardian.language) (\(guardian.id)'s) is used"
            }
            let location = members[1].origin ?? guardian.origin
            diagnostics.append(languages.count > 1 ? .warning("roster.shared-contact", message, at: location) : .note("roster.shared-contact", message, at: location))
        }
        var links: [Guardianship] = []
        var seen: [String: Int] = [:]
        for var link in roster.guardianships {
            link.guardianID = renamed[link.guardianID] ?? link.guardianID
            let key = link.guardianID + "\u{0}" + link.studentID
            if let at = seen[key] {
                links[at].isPrimary = links[at].isPrimary || link.isPrimary
            } else {
                seen[key] = links.count
                links.append(link)
            }
        }
        return (Roster(families: roster.families, guardians: merged, students: roster.students, guardianships: links), diagnostics)
    }

    static func email(_ guardian: Guardian) -> String? {
        guard let email = guardian.email.map({ Whitespace.trim($0, newlines: true).lowercased() }), !email.isEmpty else { return nil }
        return email
    }

    static func phone(_ guardian: Guardian) -> String? {
        guard let phone = guardian.phone else { return nil }
        let digits = phone.filter { $0.isASCII && $0.isNumber }
        return digits.count >= 8 ? digits : nil
    }
}
