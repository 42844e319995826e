import Foundation
import LiaisonModel
import LiaisonRender

/// Why a guardian in an event's audience gets no delivery.
public struct PlanProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var guardianID: String
    public var reason: String

    public var description: String { "\(guardianID): \(reason)" }
}

/// Turns an event occurrence into outbox rows: for each recipient, the channels (the first preferred one the school
/// has configured and the roster has an address for; every such channel when urgent), the time it may go (after the
/// guardian's quiet hours unless urgent), and the rendered message.
public struct Planner: Sendable {
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
    /// Guardians are rendered in parallel on every core; the result keeps the roster's order.
    public func plan(
        _ event: Event, occurrence: String, sendAt: Date, now: Date, only guardianID: String? = nil,
        ackURL: @escaping @Sendable (Guardian) -> String? = { _ in nil },
        unsubscribeURL: @escaping @Sendable (Guardian) -> String? = { _ in nil }
    ) async -> (deliveries: [Delivery], problems: [PlanProblem]) {
        let recipients = event.audience.recipients(in: roster).filter { guardianID == nil || $0.guardian.id == guardianID }
        return await plan(event, recipients: recipients, occurrence: occurrence, sendAt: sendAt, now: now, ackURL: ackURL, unsubscribeURL: unsubscribeURL)
    }

    /// The deliveries of `event` for the given recipients (an alert's escalation step, staff on call), in their order.
    /// Keys in `skipping` (already in the outbox) are left out, and a recipient with nothing left is not rendered.
    public func plan(
        _ event: Event, recipients: [Recipient], occurrence: String, sendAt: Date, now: Date,
        skipping: Set<DeliveryKey> = [],
        ackURL: @escaping @Sendable (Guardian) -> String? = { _ in nil },
        unsubscribeURL: @escaping @Sendable (Guardian) -> String? = { _ in nil }
    ) async -> (deliveries: [Delivery], problems: [PlanProblem]) {
        let chunkSize = max(64, recipients.count / (ProcessInfo.processInfo.activeProcessorCount * 4) + 1)
        let chunks = stride(from: 0, to: recipients.count, by: chunkSize).map { recipients[$0..<min($0 + chunkSize, recipients.count)] }
        let planned = await withTaskGroup(of: (Int, [Delivery], [PlanProblem]).self) { group in
            for (index, chunk) in chunks.enumerated() {
                group.addTask {
                    var deliveries: [Delivery] = []
                    var problems: [PlanProblem] = []
                    for recipient in chunk {
                        switch planOne(
                            recipient, event: event, occurrence: occurrence, sendAt: sendAt, now: now, skipping: skipping, ackURL: ackURL,
                            unsubscribeURL: unsubscribeURL)
                        {
                        case .success(let made): deliveries += made
                        case .failure(let problem): problems.append(problem)
                        }
                    }
                    return (index, deliveries, problems)
                }
            }
            var results: [(Int, [Delivery], [PlanProblem])] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        return (planned.flatMap(\.1), planned.flatMap(\.2))
    }

    /// Channels that carry a short form of the letter rather than the whole text.
    static let shortChannels: Set<ChannelKind> = [.sms, .voice, .chat]

    /// The text a channel carries: the SMS form by SMS and chat, the spoken form by voice (else the SMS form), the
    /// whole text elsewhere and for templates without short forms.
    static func text(of rendered: RenderedMessage, for channel: ChannelKind) -> String {
        switch channel {
        case .sms, .chat: rendered.sms ?? rendered.text
        case .voice: rendered.voice ?? rendered.sms ?? rendered.text
        default: rendered.text
        }
    }

    /// The deliveries for one guardian, or why there are none.
    func planOne(
        _ recipient: Recipient, event: Event, occurrence: String, sendAt: Date, now: Date, skipping: Set<DeliveryKey> = [],
        ackURL: (Guardian) -> String?, unsubscribeURL: (Guardian) -> String?
    ) -> Result<[Delivery], PlanProblem> {
        let guardian = recipient.guardian
        var channels = channels(for: guardian, priority: event.priority)
        guard !channels.isEmpty else {
            return .failure(PlanProblem(guardianID: guardian.id, reason: "no configured channel among \(guardian.channels.map(\.rawValue).joined(separator: ", ")) has an address"))
        }
        if !skipping.isEmpty {
            channels.removeAll { skipping.contains(DeliveryKey(occurrence: occurrence, guardianID: guardian.id, channel: $0)) }
            if channels.isEmpty { return .success([]) }
        }
        let rendered: RenderedMessage
        do {
            rendered = try renderer.render(RenderRequest(
                event: event, recipient: recipient, progress: progress, ackURL: ackURL(guardian), now: sendAt,
                includeHTML: channels.contains(.email), includeShort: channels.contains { Self.shortChannels.contains($0) }))
        } catch {
            return .failure(PlanProblem(guardianID: guardian.id, reason: error.message))
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
        return .success(channels.map { channel in
            let message = OutboundMessage(
                subject: rendered.subject, text: Self.text(of: rendered, for: channel), html: channel == .email ? rendered.html : nil,
                language: rendered.language.rawValue, messageClass: messageClass, ackURL: ackURL(guardian),
                unsubscribeURL: messageClass == .newsletter ? unsubscribeURL(guardian) : nil,
                calendar: channel == .email ? rendered.calendar : nil)
            return Delivery(
                key: DeliveryKey(occurrence: occurrence, guardianID: guardian.id, channel: channel),
                eventID: event.id, address: guardian.address(for: channel)!, recipientName: guardian.displayName,
                priority: event.priority, notBefore: due, createdAt: now, message: message)
        })
    }
}
