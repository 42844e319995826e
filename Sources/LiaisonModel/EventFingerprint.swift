import Foundation

extension Event {
    /// A digest of everything a message about the event shows or depends on, the same in every process (unlike
    /// `hashValue`): when it differs from the one recorded at planning time, the event changed in the schedule.
    public var fingerprint: String {
        var text = ""
        func add(_ part: String) {
            text += part
            text += "\u{1F}"
        }
        func add(_ localized: LocalizedText?) {
            guard let localized else { return add("-") }
            add(localized.base)
            for key in localized.translations.keys.sorted() { add("\(key.rawValue)=\(localized.translations[key]!)") }
        }
        add(kind.rawValue)
        add(title)
        add(String(start.timeIntervalSince1970))
        add(end.map { String($0.timeIntervalSince1970) } ?? "-")
        add(timeZone.identifier)
        add(allDay ? "all-day" : "timed")
        add(location)
        add(audience.wholeSchool ? "everyone" : "some")
        for list in [audience.grades, audience.classes, audience.students, audience.families] { add(list.joined(separator: ",")) }
        add(template)
        add(priority.rawValue)
        for option in rsvp {
            add(option.id)
            add(option.label)
        }
        add(Self.canonical(.map(data)))
        return FNV1a.hex(text)
    }

    static func canonical(_ value: DataValue) -> String {
        switch value {
        case .string(let string): "s:\(string)"
        case .int(let int): "i:\(int)"
        case .double(let double): "d:\(double)"
        case .bool(let bool): "b:\(bool)"
        case .null: "null"
        case .text(let text):
            "t:\(text.base)|\(text.baseLanguage?.rawValue ?? "")|"
                + text.translations.keys.sorted().map { "\($0.rawValue)=\(text.translations[$0]!)" }.joined(separator: "|")
        case .list(let values): "[" + values.map(canonical).joined(separator: ",") + "]"
        case .map(let map): "{" + map.keys.sorted().map { "\($0):\(canonical(map[$0]!))" }.joined(separator: ",") + "}"
        }
    }

}

/// 64-bit FNV-1a: a short digest that is the same in every process (unlike `hashValue`), for ids and fingerprints.
public enum FNV1a {
    /// The digest of the UTF-8 bytes, as 16 hex digits.
    public static func hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
