import Foundation

/// How safe a link in a message is to carry unsubscribe and acknowledgement tokens, by its scheme and host.
///
/// RFC 8058 one-click unsubscribe needs HTTPS; plain HTTP is accepted only to this machine itself (the demo, a
/// test), where nothing crosses a network.
public enum LinkSecurity: Sendable, Hashable {
    /// `https://…`: usable anywhere, one-click unsubscribe included.
    case https
    /// `http://` to 127.0.0.1, ::1 or localhost: works on this machine only, and without one-click unsubscribe.
    case loopback
    /// `http://` to anywhere else (or another scheme): tokens would cross a network in clear.
    case insecure

    public init(_ url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            self = .insecure
            return
        }
        if scheme == "https", !(components.host ?? "").isEmpty {
            self = .https
            return
        }
        let host = (components.host ?? "").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if scheme == "http", host == "localhost" || host == "::1" || Self.isLoopbackIPv4(host) {
            self = .loopback
            return
        }
        self = .insecure
    }

    /// 127.x.y.z written as four decimal octets (a name such as `127.0.0.1.example.org` is not).
    static func isLoopbackIPv4(_ host: String) -> Bool {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.allSatisfy(\.isASCII) && octet.allSatisfy(\.isNumber) && Int(octet)! <= 255
        }
    }
}
