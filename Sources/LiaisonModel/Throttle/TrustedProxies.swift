import Foundation

/// The reverse proxies whose `X-Forwarded-For` is believed (`server.trusted_proxies`), and the client a request
/// comes from.
///
/// Anyone can write `X-Forwarded-For`; only the entries our own proxies appended are true. So the header counts only
/// when the socket's peer is a trusted proxy, and the client is the right-most address in it that is not one.
public struct TrustedProxies: Sendable, Hashable {
    public var networks: [IPNetwork]

    public init(_ networks: [IPNetwork] = []) {
        self.networks = networks
    }

    public func trusts(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// The client of a request whose socket peer is `peer`, given the `X-Forwarded-For` fields it carries (each
    /// may list several addresses, separated by commas; later fields and later entries were added later).
    ///
    /// An entry that is not an address (`unknown`, a name) ends the walk at the proxy that wrote it, which is then
    /// the client; without a peer (a test, a Unix socket) there is no client address.
    public func client(peer: IPAddress?, forwardedFor fields: [String]) -> IPAddress? {
        guard let peer else { return nil }
        guard trusts(peer) else { return peer }
        var nearest = peer
        let entries = fields.flatMap { $0.split(separator: ",") }
        for entry in entries.reversed() {
            guard let address = Self.address(in: entry) else { return nearest }
            guard trusts(address) else { return address }
            nearest = address
        }
        return nearest
    }

    /// An entry of `X-Forwarded-For`: `192.0.2.1`, `2001:db8::1`, and the forms with a port some proxies write
    /// (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
    static func address(in entry: Substring) -> IPAddress? {
        let text = entry.trimmingCharacters(in: .whitespaces)
        if let address = IPAddress(text) { return address }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return IPAddress(text[text.index(after: text.startIndex)..<close])
        }
        if let colon = text.firstIndex(of: ":"), text.firstIndex(of: ":") == text.lastIndex(of: ":") {
            return IPAddress(text[..<colon]).flatMap { $0.isIPv4 ? $0 : nil }
        }
        return nil
    }
}
