import LiaisonModel
import Testing

/// SMS parts as a gateway bills them: GSM-7 160/153, UCS-2 70/67, nothing split across parts.
@Suite struct SMSSegmentsTests {
    @Test func gsm7() {
        #expect(SMSSegments("").parts == 0)
        let full = SMSSegments(String(repeating: "a", count: 160))
        #expect(full.encoding == .gsm7 && full.units == 160 && full.parts == 1)
        #expect(SMSSegments(String(repeating: "a", count: 161)).parts == 2)
        #expect(SMSSegments(String(repeating: "a", count: 306)).parts == 2)
        #expect(SMSSegments(String(repeating: "a", count: 307)).parts == 3)
        // The extension table costs two septets and is never split: 152 + "€" does not fit a 153-septet part.
        #expect(SMSSegments(String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 10)).parts == 2)
        #expect(SMSSegments("{}").units == 4)
        #expect(SMSSegments("Fadlan hadda wac xafiiska dugsiga: +44 20 7946 0000\nÑoño ¿sí?").encoding == .ucs2)  // í is not GSM
        #expect(SMSSegments("Ñoño ¿qué?").encoding == .gsm7)
    }

    @Test func ucs2() {
        let full = SMSSegments(String(repeating: "ب", count: 70))
        #expect(full.encoding == .ucs2 && full.units == 70 && full.parts == 1)
        #expect(SMSSegments(String(repeating: "ب", count: 71)).parts == 2)
        #expect(SMSSegments(String(repeating: "ب", count: 134)).parts == 2)
        #expect(SMSSegments(String(repeating: "ب", count: 135)).parts == 3)
        // A character outside the BMP is two units and stays in one part.
        #expect(SMSSegments(String(repeating: "a", count: 66) + "😀" + String(repeating: "a", count: 66)).parts == 3)
        #expect(SMSSegments("😀").units == 2)
        #expect(SMSSegments("a\u{2068}b\u{2069}").encoding == .ucs2)
    }
}
