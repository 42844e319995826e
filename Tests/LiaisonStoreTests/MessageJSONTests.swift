import Foundation
import LiaisonModel
import Testing

@testable import LiaisonStore

/// The hand-written JSON of the `message` column agrees with Foundation's coders both ways.
@Suite struct MessageJSONTests {
    static let messages: [OutboundMessage] = [
        OutboundMessage(subject: "Open Day", text: "Dear Layla,\n\nSee you.\n", html: "<p class=\"x\">a/b \\ c</p>", language: "en-GB"),
        OutboundMessage(
            subject: "يوم \"مفتوح\"", text: "tab\there\r\nnul\u{0}bell\u{7}\u{1F}del\u{7F}", html: nil, language: "ar",
            messageClass: .alert, ackURL: "https://x.example/a/tok?x=1&y=2"),
        OutboundMessage(
            subject: "", text: "emoji 👩‍👩‍👧 and \u{2028}\u{2029}", language: "zh-Hant", messageClass: .newsletter,
            unsubscribeURL: "https://x.example/u/abc"),
    ]

    @Test func roundTripsAndFoundationReadsIt() throws {
        for message in Self.messages {
            let json = MessageJSON.encode(message)
            #expect(MessageJSON.fastDecode(json) == message)
            #expect(try JSONDecoder().decode(OutboundMessage.self, from: Data(json.utf8)) == message)
        }
    }

    @Test func readsWhatJSONEncoderWrote() throws {
        let encoder = JSONEncoder()
        for message in Self.messages {
            for formatting in [JSONEncoder.OutputFormatting(), [.prettyPrinted, .sortedKeys], [.withoutEscapingSlashes]] {
                encoder.outputFormatting = formatting
                let json = String(decoding: try encoder.encode(message), as: UTF8.self)
                #expect(MessageJSON.fastDecode(json) == message, "\(json)")
                #expect(try MessageJSON.decode(json, decoder: JSONDecoder()) == message)
            }
        }
        // Escapes JSONEncoder does not write but JSON allows.
        let escaped = #"{"subject":"\u00e9\ud83d\ude00\/\b\f","text":"","language":"fr","messageClass":"normal","html":null}"#
        #expect(MessageJSON.fastDecode(escaped)?.subject == "é😀/\u{8}\u{C}")
        #expect(MessageJSON.fastDecode(escaped)?.html == nil)
    }

    @Test func leavesTheUnexpectedToJSONDecoder() {
        for json in [
            #"{"subject":"a","text":"b","language":"en","messageClass":"loud"}"#,
            #"{"subject":"a","text":"b","language":"en"}"#,
            #"{"subject":"a","text":"b","language":"en","messageClass":"normal","extra":1}"#,
            #"{"subject":"\ud800","text":"b","language":"en","messageClass":"normal"}"#,
            #"{"subject":"a","text":"b","language":"en","messageClass":"normal"} x"#,
            "not json",
        ] {
            #expect(MessageJSON.fastDecode(json) == nil, "\(json)")
        }
        #expect(throws: (any Error).self) {
            try MessageJSON.decode(#"{"subject":"a","text":"b","language":"en","messageClass":"loud"}"#, decoder: JSONDecoder())
        }
    }
}
