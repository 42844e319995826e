import LiaisonCrypto
import Testing

/// RFC 6238 appendix B (SHA-1 rows, 8 digits) and RFC 4226 appendix D.
struct TOTPTests {
    let rfcSecret = Array("12345678901234567890".utf8)

    @Test func rfc6238Vectors() {
        let totp = TOTP(secret: rfcSecret, digits: 8)
        let vectors: [(Int64, String)] = [
            (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"), (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
        ]
        for (time, code) in vectors { #expect(totp.code(at: time) == code, "at \(time)") }
    }

    @Test func rfc4226Vectors() {
        let hotp = TOTP(secret: rfcSecret, digits: 6, step: 1)
        let codes = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        for (counter, code) in codes.enumerated() { #expect(hotp.code(at: Int64(counter)) == code) }
    }

    @Test func verifyAcceptsOneStepOfDriftAndNeverTheSameStepTwice() {
        let totp = TOTP(secret: rfcSecret)
        let now: Int64 = 1_234_567_890
        let code = totp.code(at: now)
        let step = totp.verify(code, at: now, after: nil)
        #expect(step == now / 30)
        #expect(totp.verify(code, at: now, after: step) == nil)
        #expect(totp.verify(totp.code(at: now - 30), at: now, after: nil) == now / 30 - 1)
        #expect(totp.verify(totp.code(at: now + 30), at: now, after: nil) == now / 30 + 1)
        #expect(totp.verify(totp.code(at: now - 90), at: now, after: nil) == nil)
        #expect(totp.verify("12345", at: now, after: nil) == nil)
        #expect(totp.verify("abcdef", at: now, after: nil) == nil)
        #expect(totp.verify(String(code.prefix(3)) + " " + String(code.dropFirst(3)), at: now, after: nil) == now / 30)
    }

    @Test func base32RoundTripsAndMatchesRFC4648() {
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(Base32.encode(Array("f".utf8)) == "MY")
        #expect(Base32.decode("mzxw 6ytb oi======") == Array("foobar".utf8))
        #expect(Base32.decode("MZ1") == nil)
        let secret = TOTP.newSecret()
        #expect(Base32.decode(Base32.encode(secret)) == secret)
        let uri = TOTP(secret: Array("12345678901234567890".utf8)).provisioningURI(account: "amina ali", issuer: "Riverside")
        #expect(uri == "otpauth://totp/Riverside:amina%20ali?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Riverside&algorithm=SHA1&digits=6&period=30")
    }
}
