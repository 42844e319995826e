import Foundation
import LiaisonModel
import LiaisonRender

/// Why a guardian in an event's audience gets no delivery.
public struct PlanProblem: Sendable, Hashable, CustomStringConvertible {
    public var guardianID: String
    public var reason: String

    public var description: String { "\(guardianID): \(reason)" }
}

/// Turns an event occurrence into outbox rows: one rendered message per guardian and channel.
///
/// Normal messages go on the guardian's first preferred channel that the school has configured and the roster
/// has an address for; urgent ones go on every such channel.
public struct OutboxPlanner: Sendable {
    public var renderer: MessageRenderer
    public var roster: Roster
    public var progress: [String: [ProgressRecord]]
    /// The channel kinds the school can deliver on.
    public var available: Set<ChannelKind>

    public init(renderer: MessageRenderer, roster: Roster, progress: [String: [ProgressRecord]], available: Set<ChannelKind>) {
        self.renderer = renderer
        self.roster = roster
        self.progress = progress
        self.available = available
    }

    /// The channels a message to `guardian` goes on.
    public func channels(for guardian: Guardian, priority: Priority) -> [ChannelKind] {
        let usable = guardian.channels.filter { available.contains($0) && guardian.address(for: $0) != nil }
        return priority == .urgent ? usable : Array(usable.prefix(1))
    }

    /// The deliveries of `event` for `occurrence`, due at `sendAt` (quiet hours respected for normal messages).
    public func plan(
        _ event: Event, occurrence: String, sendAt: Date, now: Date, only guardianID: String? = nil,
        ackURL: (Guardian) -> String? = { _ in nil }, unsubscribeURL: (Guardian) -> String? = { _ in nil }
    ) -> (deliveries: [Delivery], problems: [PlanProblem]) {
        var deliveries: [Delivery] = []
        var problems: [PlanProblem] = []
        for recipient in event.audience.recipients(in: roster) where guardianID == nil || recipient.guardian.id == guardianID {
            let guardian = recipient.guardian
            let channels = channels(for: guardian, priority: event.priority)
            guard !channels.isEmpty else {
                problems.append(PlanProblem(guardianID: guardian.id, reason: "no configured channel among \(guardian.channels.map(\.rawValue).joined(separator: ", ")) has an address"))
                continue
            }
            let rendered: RenderedMessage
            do {
                rendered = try renderer.render(RenderRequest(
                    event: event, recipient: recipient, progress: progress, ackURL: ackURL(guardian), now: sendAt))
            } catch {
                problems.append(PlanProblem(guardianID: guardian.id, reason: error.message))
                continue
            }
            var due = max(sendAt, now)
            if event.priority == .normal, let quiet = guardian.quietHours {
                due = quiet.nextAllowed(after: due, in: guardian.timeZone ?? renderer.school.timeZone)
            }
            let messageClass: OutboundMessage.Class = switch event.kind {
            case .alert: .alert
            case .newsletter: .newsletter
            default: event.priority == .urgent ? .alert : .normal
            }
            for channel in channels {
                let message = OutboundMessage(
                    subject: rendered.subject, text: rendered.text, html: channel == .email ? rendered.html : nil,
                    language: rendered.language.rawValue, messageClass: messageClass, ackURL: ackURL(guardian),
                    unsubscribeURL: messageClass == .newsletter ? unsubscribeURL(guardian) : nil)
                deliveries.append(Delivery(
                    key: DeliveryKey(occurrence: occurrence, guardianID: guardian.id, channel: channel),
                    eventID: event.id, address: guardian.address(for: channel)!, recipientName: guardian.displayName,
                    priority: event.priority, notBefore: due, createdAt: now, message: message))
            }
        }
        return (deliveries, problems)
    }
}
