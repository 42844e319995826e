import Foundation
import LiaisonModel
import LiaisonRender
import Testing
@testable import LiaisonDelivery

@Suite struct WebhookSignatureTests {
    @Test func matchesTheSpecificationsExample() throws {
        // The example in the Standard Webhooks specification (also what the Python library computes).
        let signature = try StandardWebhooks.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, payload: Array(#"{"test": 2432232314}"#.utf8),
            secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func everySecretSignsInOrder() throws {
        let payload = Array("{}".utf8)
        let old = try StandardWebhooks.signature(id: "a", timestamp: 1, payload: payload, secrets: [WebhookFixtures.secret])
        let new = try StandardWebhooks.signature(id: "a", timestamp: 1, payload: payload, secrets: [WebhookFixtures.newerSecret])
        let both = try StandardWebhooks.signature(
            id: "a", timestamp: 1, payload: payload, secrets: [WebhookFixtures.newerSecret, WebhookFixtures.secret])
        #expect(both == "\(new) \(old)")
        #expect(old != new)
    }

    @Test func unpaddedBase64IsAccepted() throws {
        let padded = "whsec_" + Data(repeating: 7, count: 25).base64EncodedString()
        #expect(padded.hasSuffix("="))
        let unpadded = String(padded.prefix { $0 != "=" })
        let fromPadded = try StandardWebhooks.signature(id: "a", timestamp: 1, payload: [], secrets: [padded])
        let fromUnpadded = try StandardWebhooks.signature(id: "a", timestamp: 1, payload: [], secrets: [unpadded])
        #expect(fromPadded == fromUnpadded)
    }

    @Test(arguments: [
        ([String](), "No signing secret"),
        (["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "does not start with whsec_"),
        (["whsec_not base64!!"], "is not valid base64"),
        (["whsec_dGVzdA=="], "is only 4 bytes"),
    ])
    func badSecretsAreRefusedWithoutQuotingThem(secrets: [String], message: String) {
        #expect {
            try StandardWebhooks.signature(id: "a", timestamp: 1, payload: [], secrets: secrets)
        } throws: { error in
            let text = "\(error)"
            return text.contains(message) && secrets.allSatisfy { !text.contains($0) }
        }
    }
}

@Suite struct WebhookConfigurationTests {
    private func refusal(_ target: WebhookTarget) -> String? {
        do {
            _ = try WebhookChannel(target: target)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aGoodTargetIsAccepted() throws {
        let channel = try WebhookChannel(target: WebhookTarget(
            name: "sms", url: "https://gateway.example/hooks/sms", kinds: [.sms], template: WebhookFixtures.template,
            secrets: [WebhookFixtures.secret], timeout: .seconds(10), maxConnections: 4, headers: ["Authorization: Bearer x"]))
        #expect(channel.name == "sms")
        #expect(channel.kinds == [.sms])
    }

    @Test(arguments: [
        ("http://gateway.example/hook", "only loopback hosts may be reached without TLS"),
        ("ftp://127.0.0.1/hook", "must start with https://"),
        ("gateway.example/hook", "not an absolute http(s) URL"),
        ("https://user:pw@gateway.example/hook", "contains credentials"),
    ])
    func badURLsAreRefused(url: String, message: String) {
        var target = WebhookFixtures.target(port: 1)
        target.url = url
        let reason = refusal(target)
        #expect(reason?.contains(message) == true, "\(reason ?? "accepted")")
        #expect(reason?.contains("pw") != true)
    }

    @Test(arguments: ["http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]:9/x", "HTTPS://Gateway.Example/x"])
    func loopbackHTTPAndAnyHTTPSAreAccepted(url: String) {
        var target = WebhookFixtures.target(port: 1)
        target.url = url
        #expect(refusal(target) == nil)
    }

    @Test(arguments: [
        (#"{"text": "{{{message.text}}}"}"#, "does not produce JSON"),
        (#"{"text": "{{&message.text}}"}"#, "does not produce JSON"),
        (#"{{=<% %>=}}{"text": "<%&message.text%>"}"#, "does not produce JSON"),
        (#"{"text": "{{message.text}}", "text": "again"}"#, "the member name text is repeated"),
        (#"{"text": {{message.text}} }"#, "does not produce JSON"),
        (#"{"text": "{{message.text}}""#, "does not produce JSON"),
        (#"{"a": 1}{{^message.ack_url}},{{/message.ack_url}}"#, "does not produce JSON"),
        (#"{{% CONTENT_TYPE: TEXT}}{"text": "{{message.text}}"}"#, "sets CONTENT_TYPE TEXT"),
        (#"{"text": "{{#message.text}}"}"#, "is not valid Mustache (line 1, column 30)"),
        ("", "does not produce JSON"),
    ])
    func unsafeOrBrokenTemplatesAreRefused(template: String, message: String) {
        let reason = refusal(WebhookFixtures.target(port: 1, template: template))
        #expect(reason?.contains(message) == true, "\(reason ?? "accepted")")
    }

    @Test func anExplicitJSONPragmaIsFine() {
        #expect(refusal(WebhookFixtures.target(port: 1, template: #"{{% CONTENT_TYPE: JSON}}{"text": "{{message.text}}"}"#)) == nil)
    }

    @Test(arguments: [
        ("Authorization Bearer abc", "is not “Name: value”"),
        ("Bad Name: abc", "has no valid name"),
        ("X-Token: abc\r\nX-Evil: 1", "line break"),
        ("webhook-signature: abc", "cannot set the webhook-signature header"),
        ("Content-Type: text/plain", "cannot set the Content-Type header"),
    ])
    func badHeadersAreRefusedWithoutQuotingTheirValues(header: String, message: String) {
        let reason = refusal(WebhookFixtures.target(port: 1, headers: [header]))
        #expect(reason?.contains(message) == true, "\(reason ?? "accepted")")
        #expect(reason?.contains("abc") != true)
    }

    @Test func otherLimitsAreChecked() {
        var target = WebhookFixtures.target(port: 1)
        target.kinds = []
        #expect(refusal(target)?.contains("carries no channel kinds") == true)
        target = WebhookFixtures.target(port: 1, timeout: .zero)
        #expect(refusal(target)?.contains("timeout") == true)
        target = WebhookFixtures.target(port: 1, maxConnections: 0)
        #expect(refusal(target)?.contains("maxConnections") == true)
        target = WebhookFixtures.target(port: 1, secrets: [])
        #expect(refusal(target)?.contains("No signing secret of the webhook gateway test-gateway") == true)
    }

    @Test func descriptionsRedactSecretsAndHeaderValues() {
        let target = WebhookFixtures.target(port: 1, headers: ["Authorization: Bearer top-secret-token"])
        var dumped = ""
        dump(target, to: &dumped)
        for text in [String(describing: target), String(reflecting: target), dumped] {
            #expect(!text.contains("top-secret-token"))
            #expect(!text.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        }
        #expect(dumped.contains("Authorization: (redacted)"))
    }

    @Test func webhookIDsAreHeaderSafe() {
        let plain = DeliveryKey(occurrence: "sports-day@2027-06-10T17:00Z", guardianID: "g-1", channel: .sms)
        #expect(WebhookChannel.webhookID(plain) == plain.rawValue)
        let odd = DeliveryKey(occurrence: "día 50%", guardianID: "g\n1", channel: .sms)
        #expect(WebhookChannel.webhookID(odd) == "d%C3%ADa%2050%25/g%0A1/sms")
    }
}

@Suite struct WebhookReplyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

    @Test func retryAfterInSeconds() {
        #expect(WebhookReply.retryAfter("7", now: now) == .seconds(7))
        #expect(WebhookReply.retryAfter(" 120 ", now: now) == .seconds(120))
        #expect(WebhookReply.retryAfter("0", now: now) == .zero)
        #expect(WebhookReply.retryAfter("-5", now: now) == nil)
        #expect(WebhookReply.retryAfter("soon", now: now) == nil)
        #expect(WebhookReply.retryAfter("", now: now) == nil)
    }

    @Test func retryAfterAsAnHTTPDate() {
        #expect(WebhookReply.retryAfter("Fri, 15 Jan 2027 08:01:30 GMT", now: now) == .seconds(90))
        #expect(WebhookReply.retryAfter("Friday, 15-Jan-27 08:00:10 GMT", now: now) == .seconds(10))
        #expect(WebhookReply.retryAfter("Fri Jan 15 08:02:00 2027", now: now) == .seconds(120))
        // A date in the past means "now".
        #expect(WebhookReply.retryAfter("Thu, 14 Jan 2027 08:00:00 GMT", now: now) == .zero)
    }

    @Test(arguments: [
        (#"{"a": "b" , }"#, "expected a member name in quotes at byte 12"),
        ("[1,]", "unexpected character, expected a value at byte 3"),
        (#"{"a": 01}"#, "expected ',' or '}' in an object at byte 7"),
        ("{\"a\": \"x\ny\"}", "a control character inside a string (it must be escaped) at byte 8"),
        (#"{"a": "\x"}"#, "an unknown escape at byte 8"),
        (#"{"a": 1} x"#, "unexpected text after the JSON value at byte 9"),
        (#""just a string""#, "expected an object or an array at byte 0"),
        (#"{"a": "\u00e9", "\u0061": 2}"#, "the member name a is repeated at byte 16"),
    ])
    func strictJSONRefusesWhatGatewaysRefuse(text: String, problem: String) {
        #expect(StrictJSON.problem(text) == problem)
    }

    @Test func strictJSONAcceptsValidJSON() {
        let valid = [
            #"{}"#, #"[]"#, #" {"a": [1, -0.5e+3, 2E-2, true, false, null, {"b": "\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}]} "#,
            #"{"emoji": "😀", "ar": "مرحبا"}"#,
        ]
        for text in valid { #expect(StrictJSON.problem(text) == nil, "\(text)") }
    }

    @Test func jsonEscaping() {
        #expect(JSONBodyTemplate.escape("a\"b\\c\nd\u{0}\u{1F}\u{2028}é中") == #"a\"b\\c\nd\u0000\u001f\u2028é中"#)
        #expect(JSONBodyTemplate.escape("Plain, مرحبا") == "Plain, مرحبا")
        // Random text, escaped and quoted, is a JSON string that Foundation's parser reads back as the same text, with
        // no raw control character or line separator left in it.
        var generator = SystemRandomNumberGenerator()
        let pool: [Unicode.Scalar] = ["a", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1B}", "\u{7F}", "é", "\u{2028}",
                                      "\u{2029}", "\u{2027}", "\u{202A}", "م", "中", "😀", "\u{E000}"]
        for _ in 0..<2_000 {
            let text = String(String.UnicodeScalarView((0..<Int.random(in: 0...12, using: &generator)).map { _ in pool.randomElement(using: &generator)! }))
            let escaped = JSONBodyTemplate.escape(text)
            #expect(!escaped.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{2029}" })
            let parsed = try? JSONSerialization.jsonObject(with: Data("\"\(escaped)\"".utf8), options: .fragmentsAllowed) as? String
            #expect(parsed == text, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }
}
