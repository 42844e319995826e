import Foundation

/// Who an urgent alert is sent to at one step of its escalation.
public enum EscalationTarget: String, Sendable, Hashable, Codable, CaseIterable {
    /// The student's primary guardians (the first listed when none is marked primary).
    case primaryGuardians = "primary"
    /// Every guardian of the student.
    case allGuardians = "guardians"
    /// The staff on call for the student's class.
    case staffOnCall = "staff"
}

/// How an urgent alert widens until someone acknowledges it, PagerDuty-style: steps at offsets from the moment it
/// was raised, then the last step repeated at an interval up to a limit. Every step goes on all of a person's channels.
public struct EscalationPolicy: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        /// Time after the alert was raised.
        public var after: Duration
        public var target: EscalationTarget

        public init(after: Duration, target: EscalationTarget) {
            self.after = after
            self.target = target
        }
    }

    public var steps: [Step]
    /// How often the last step is repeated after it first ran; `nil` for never.
    public var repeatEvery: Duration?
    /// How many repeats at most.
    public var maxRepeats: Int

    public init(steps: [Step], repeatEvery: Duration? = nil, maxRepeats: Int = 0) {
        self.steps = steps.sorted { $0.after < $1.after }
        self.repeatEvery = repeatEvery
        self.maxRepeats = max(0, maxRepeats)
    }

    /// Primary guardian at once; every guardian after 10 minutes; the staff on call after 20; then every 15 minutes,
    /// four times.
    public static let standard = EscalationPolicy(
        steps: [
            Step(after: .zero, target: .primaryGuardians),
            Step(after: .seconds(600), target: .allGuardians),
            Step(after: .seconds(1200), target: .staffOnCall),
        ],
        repeatEvery: .seconds(900), maxRepeats: 4)

    /// One moment of the escalation: a step, or a repeat of the last step.
    public struct Round: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// `step-1`, `step-2`, … or `repeat-1`, `repeat-2`, …: part of the delivery key, so each round is sent once.
        public var id: String
        public var at: Date
        /// Everyone this round reaches: its own target and, for repeats, every target reached so far.
        public var targets: [EscalationTarget]

        public var description: String { "\(id) at \(at): \(targets.map(\.rawValue).joined(separator: ", "))" }

        public static func < (lhs: Round, rhs: Round) -> Bool { (lhs.at, lhs.id) < (rhs.at, rhs.id) }
    }

    /// Every round for an alert raised at `raised`, in time order.
    public func rounds(raisedAt raised: Date) -> [Round] {
        var rounds: [Round] = []
        var reached: [EscalationTarget] = []
        for (index, step) in steps.enumerated() {
            if !reached.contains(step.target) { reached.append(step.target) }
            rounds.append(Round(id: "step-\(index + 1)", at: raised.addingTimeInterval(seconds(step.after)), targets: [step.target]))
        }
        if let repeatEvery, let last = steps.last, maxRepeats > 0 {
            let start = raised.addingTimeInterval(seconds(last.after))
            for number in 1...maxRepeats {
                rounds.append(Round(
                    id: "repeat-\(number)", at: start.addingTimeInterval(seconds(repeatEvery) * Double(number)), targets: reached))
            }
        }
        return rounds.sorted()
    }

    /// The rounds due at `now` that have not run yet. Nothing is due once the alert was acknowledged: the first
    /// acknowledgement stops the escalation.
    public func dueRounds(raisedAt raised: Date, now: Date, acknowledgedAt: Date?, done: Set<String>) -> [Round] {
        guard acknowledgedAt == nil else { return [] }
        return rounds(raisedAt: raised).filter { $0.at <= now && !done.contains($0.id) }
    }

    /// The one round to run at `now`, if any: of the rounds due and not run, the latest, reaching every target of the
    /// rounds it stands for (`collapsed`, to be recorded as run with it). After downtime the rounds missed go out once,
    /// together, instead of one after another (the staff on call paged twice in a second).
    public func roundToRun(raisedAt raised: Date, now: Date, acknowledgedAt: Date?, done: Set<String>) -> (round: Round, collapsed: [Round])? {
        let due = dueRounds(raisedAt: raised, now: now, acknowledgedAt: acknowledgedAt, done: done)
        guard var latest = due.last else { return nil }
        let collapsed = Array(due.dropLast())
        for earlier in collapsed.reversed() {
            for target in earlier.targets where !latest.targets.contains(target) { latest.targets.insert(target, at: 0) }
        }
        // In escalation order: the primary guardians first, the staff last.
        latest.targets.sort { EscalationTarget.allCases.firstIndex(of: $0)! < EscalationTarget.allCases.firstIndex(of: $1)! }
        return (latest, collapsed)
    }

    /// When the next round is due after `now`, for a scheduler to sleep until; `nil` when the escalation is over.
    public func nextRound(raisedAt raised: Date, after now: Date, acknowledgedAt: Date?) -> Round? {
        guard acknowledgedAt == nil else { return nil }
        return rounds(raisedAt: raised).first { $0.at > now }
    }

    private func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}
