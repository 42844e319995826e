import Crypto
import Foundation
import LiaisonModel

/// Makes unguessable, verifiable tokens for links in messages (unsubscribe), with a secret kept outside
/// liaison.yaml: `LIAISON_LINK_SECRET` from the environment, else a random secret created once in the state folder.
public struct LinkSigner: Sendable {
    private let secret: [UInt8]

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// The signer for a school: the environment's secret, or the one in `path` (created with mode 0600 if absent).
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LinkSigner {
        if let secret = environment["LIAISON_LINK_SECRET"], secret.utf8.count >= 16 {
            return LinkSigner(secret: Array(secret.utf8))
        }
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 {
            return LinkSigner(secret: Array(data))
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw LinkSecretError(path: path)
        }
        return LinkSigner(secret: bytes)
    }

    /// `subject.token`, where the token is a truncated HMAC-SHA256 of purpose and subject (base64url, 128 bits).
    public func token(purpose: String, subject: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(purpose):\(subject)".utf8), using: SymmetricKey(data: secret))
        return "\(subject).\(Base64URL.encode(Array(mac.prefix(16))))"
    }

    /// The subject of a token made by ``token(purpose:subject:)``, or nil when it was not made with this secret.
    public func verify(_ token: String, purpose: String) -> String? {
        guard let dot = token.lastIndex(of: ".") else { return nil }
        let subject = String(token[..<dot])
        let expected = Array(self.token(purpose: purpose, subject: subject).utf8)
        let given = Array(token.utf8)
        guard expected.count == given.count else { return nil }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= expected[index] ^ given[index] }
        return difference == 0 ? subject : nil
    }
}

/// The link secret could not be created.
public struct LinkSecretError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var description: String { "cannot create the link secret \(path): check that the state folder is writable" }
}
