import Foundation
import LiaisonCurl

/// What a gateway's answer (or the lack of one) means for a delivery.
enum WebhookReply {
    /// How much of a reply body is kept for people.
    static let bodyExcerptLength = 200

    static func outcome(_ response: CurlResponse, timeout: Duration, now: Date) -> ChannelOutcome {
        guard response.completed else {
            return .unavailable(reply: networkProblem(response, timeout: timeout))
        }
        let code = response.responseCode
        let reply = statusReply(response)
        switch code {
        case 200...299:
            return .sent(reply: reply)
        // Each pattern needs its own `where`: written once, it applied to 504 alone, and a 502 or 503 that said when to
        // come back was taken for an outage.
        case 502 where response.header("Retry-After") == nil, 503 where response.header("Retry-After") == nil,
             504 where response.header("Retry-After") == nil:
            return .unavailable(reply: reply)
        case 408, 429, 500...599:
            return .retry(reply: reply, after: response.header("Retry-After").flatMap { retryAfter($0, now: now) })
        case 100...199, 300...499:
            return .failed(reply: reply)
        default:
            return .retry(reply: "The gateway gave no usable HTTP status (\(code)).", after: nil)
        }
    }

    /// `HTTP 404 Not Found: <first 200 characters of the body>`.
    static func statusReply(_ response: CurlResponse) -> String {
        var reply = "HTTP \(response.responseCode)"
        if let statusLine = response.headers.first(where: { $0.hasPrefix("HTTP/") }) {
            let reason = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).dropFirst(2).first
            if let reason, !reason.isEmpty { reply += " " + sanitized(String(reason)) }
        }
        let excerpt = sanitized(String(decoding: response.body, as: UTF8.self))
        if !excerpt.isEmpty {
            reply += ": " + String(excerpt.prefix(bodyExcerptLength))
        }
        return reply
    }

    /// A transfer that did not complete: connection refused, a timeout, a TLS problem.
    static func networkProblem(_ response: CurlResponse, timeout: Duration) -> String {
        let detail = sanitized(response.errorMessage)
        // CURLE_OPERATION_TIMEDOUT
        if response.result == 28 {
            return "Timed out: no complete answer within \(seconds(timeout)) (\(detail))."
        }
        return "Network error (curl \(response.result)): \(detail.isEmpty ? "no detail" : detail)."
    }

    /// `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3); nil when unreadable.
    static func retryAfter(_ value: String, now: Date) -> Duration? {
        let value = value.trimmingCharacters(in: .whitespaces)
        if !value.isEmpty, value.allSatisfy(\.isASCII), value.allSatisfy(\.isNumber) {
            guard let seconds = Int64(value.prefix(12)) else { return nil }
            return .seconds(seconds)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        // IMF-fixdate, then the obsolete RFC 850 and asctime forms recipients must accept.
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                let delay = date.timeIntervalSince(now).rounded(.up)
                return .seconds(Int64(max(0, min(delay, 1e9))))
            }
        }
        return nil
    }

    /// One line: control characters and runs of white space become single spaces.
    static func sanitized(_ text: String) -> String {
        // Already one line of printable ASCII with single spaces (a reason phrase, most bodies): as it is.
        let bytes = text.utf8
        if bytes.first != 0x20, bytes.last != 0x20,
           !zip(bytes, bytes.dropFirst()).contains(where: { $0 == 0x20 && $1 == 0x20 }),
           bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return text
        }
        var result = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control {
                if !lastWasSpace && !result.isEmpty { result.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                result.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        return result.trimmingCharacters(in: .whitespaces)
    }

    static func seconds(_ duration: Duration) -> String {
        let (whole, atto) = duration.components
        if atto == 0 { return "\(whole) s" }
        return String(format: "%.3g s", Double(whole) + Double(atto) / 1e18)
    }
}
