import Foundation
import LiaisonCrypto
import Testing

/// Published test vectors: FIPS 180-2 for SHA-256, RFC 4231 and RFC 2202 for HMAC.
struct DigestTests {
    @Test func sha256OfPublishedMessages() {
        #expect(hexString(SHA256.hash(data: Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hexString(SHA256.hash(data: [UInt8]()))
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hexString(SHA256.hash(data: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a's, fed in uneven pieces.
        var hasher = SHA256()
        var left = 1_000_000
        var piece = 1
        while left > 0 {
            let count = min(piece, left)
            hasher.update(data: [UInt8](repeating: 0x61, count: count))
            left -= count
            piece = piece * 3 % 1009 + 1
        }
        #expect(hexString(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func finalizingLeavesTheHasherUsable() {
        var hasher = SHA256()
        hasher.update(data: Data("ab".utf8))
        let early = hasher.finalize()
        hasher.update(data: Data("c".utf8))
        #expect(early == SHA256.hash(data: Array("ab".utf8)))
        #expect(hasher.finalize() == SHA256.hash(data: Array("abc".utf8)))
    }

    @Test func hmacSHA256OfRFC4231() {
        // Test case 2: a short key.
        #expect(hexString(HMAC.authenticationCode(.sha256, for: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block, hashed first.
        let key = [UInt8](repeating: 0xaa, count: 131)
        let message = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        #expect(hexString(HMAC.authenticationCode(.sha256, for: message, key: key))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func hmacSHA1OfRFC2202() {
        #expect(hexString(HMAC.authenticationCode(.sha1, for: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)))
            == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(HMAC.authenticationCode(.sha1, for: [], key: []).count == 20)
    }

    @Test func randomBytesDiffer() {
        let first = SecureRandom.bytes(32)
        let second = SecureRandom.bytes(32)
        #expect(first.count == 32)
        #expect(first != second)
        #expect(SecureRandom.bytes(0).isEmpty)
    }
}
