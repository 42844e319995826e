/// One line of a progress letter: a subject, the mark, and what the teacher wrote. The subject and the comment are
/// staff text: in the school's language, with versions per language where the school gave them.
public struct ProgressRecord: Hashable, Sendable {
    public var studentID: String
    public var subject: LocalizedText
    public var mark: String
    public var comment: LocalizedText
    public var teacher: String?
    public var origin: SourceLocation?

    public init(
        studentID: String, subject: LocalizedText, mark: String, comment: LocalizedText, teacher: String? = nil, origin: SourceLocation? = nil
    ) {
        self.studentID = studentID
        self.subject = subject
        self.mark = mark
        self.comment = comment
        self.teacher = teacher
        self.origin = origin
    }

    public init(studentID: String, subject: String, mark: String, comment: String, teacher: String? = nil, origin: SourceLocation? = nil) {
        self.init(
            studentID: studentID, subject: LocalizedText(subject), mark: mark, comment: LocalizedText(comment), teacher: teacher, origin: origin)
    }
}
