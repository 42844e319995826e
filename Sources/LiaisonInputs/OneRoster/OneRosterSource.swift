import Foundation
import LiaisonModel

/// Where a OneRoster 1.1 CSV export is (`roster: {oneroster: folder}` in liaison.yaml) and where guardians'
/// languages come from: an extra column of users.csv, or a side file of `sourcedId,language` rows.
public struct OneRosterSource: Sendable, Hashable {
    public var folder: String
    /// A column of users.csv holding each user's language (`metadata.language`, `language`).
    public var languageColumn: String?
    /// A CSV file with the columns `sourcedId` and `language`.
    public var languagesFile: String?
    public var origin: SourceLocation?

    public init(folder: String, languageColumn: String? = nil, languagesFile: String? = nil, origin: SourceLocation? = nil) {
        self.folder = folder
        self.languageColumn = languageColumn
        self.languagesFile = languagesFile
        self.origin = origin
    }

    public var orgs: String { Support.join(folder, "orgs.csv") }
    public var users: String { Support.join(folder, "users.csv") }
    public var classes: String { Support.join(folder, "classes.csv") }
    public var enrollments: String { Support.join(folder, "enrollments.csv") }
    public var demographics: String { Support.join(folder, "demographics.csv") }
}
