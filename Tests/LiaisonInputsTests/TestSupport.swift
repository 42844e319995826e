import Foundation
import LiaisonModel
@testable import LiaisonInputs

/// Every fixture lives under one folder for this test process, removed when the process exits.
let fixtureRoot = NSTemporaryDirectory() + "liaison-inputs-\(ProcessInfo.processInfo.processIdentifier)"
let fixtureCleanup: Void = {
    atexit { try? FileManager.default.removeItem(atPath: fixtureRoot) }
}()

/// A temporary folder for fixtures.
struct Fixture {
    let directory: String

    init() {
        _ = fixtureCleanup
        directory = fixtureRoot + "/" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Writes a text file (folders created as needed) and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let path = directory + "/" + name
        try! FileManager.default.createDirectory(atPath: Support.folder(of: path), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func makeFolder(_ name: String) {
        try! FileManager.default.createDirectory(atPath: directory + "/" + name, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory + "/" + name }
}

extension Array where Element == Diagnostic {
    var codes: [String] { map(\.code) }

    func with(_ code: String) -> [Diagnostic] { filter { $0.code == code } }

    /// The first diagnostic with the code, when there is one.
    func first(_ code: String) -> Diagnostic? { first { $0.code == code } }

    /// Whether a diagnostic with this code is at this line (and field, when given).
    func has(_ code: String, line: Int? = nil, field: String? = nil, file: String? = nil) -> Bool {
        contains { diagnostic in
            diagnostic.code == code
                && (line == nil || diagnostic.location?.line == line)
                && (field == nil || diagnostic.location?.field == field)
                && (file == nil || diagnostic.location?.file.hasSuffix(file!) == true)
        }
    }

    var listing: String { map(\.description).joined(separator: "\n") }
}

func csv(_ text: String, file: String = "test.csv") -> (CSVTable?, [Diagnostic]) {
    CSVReader.read(Array(text.utf8), file: file)
}

func utc(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)!
}
