import LiaisonPlan
import Testing

@Suite struct LinkSignerTests {
    @Test func tokensVerifyOnlyWithTheirSecretAndPurpose() {
        let signer = LinkSigner(secret: Array("a secret of at least sixteen bytes".utf8))
        let token = signer.token(purpose: "unsubscribe", subject: "G001")
        #expect(token.hasPrefix("G001."))
        #expect(signer.verify(token, purpose: "unsubscribe") == "G001")
        #expect(signer.verify(token, purpose: "ack") == nil)
        #expect(signer.verify(token.replacingOccurrences(of: "G001", with: "G002"), purpose: "unsubscribe") == nil)
        #expect(LinkSigner(secret: Array("another secret, also long enough".utf8)).verify(token, purpose: "unsubscribe") == nil)
    }
}
