/// One line of a progress letter: a subject, the mark, and what the teacher wrote.
public struct ProgressRecord: Hashable, Sendable {
    public var studentID: String
    public var subject: String
    public var mark: String
    public var comment: String
    public var teacher: String?
    public var origin: SourceLocation?

    public init(studentID: String, subject: String, mark: String, comment: String, teacher: String? = nil, origin: SourceLocation? = nil) {
        self.studentID = studentID
        self.subject = subject
        self.mark = mark
        self.comment = comment
        self.teacher = teacher
        self.origin = origin
    }
}
