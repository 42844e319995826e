import Foundation

/// Charts drawn on the server as SVG: a title and a description for screen readers, no script, nothing loaded.
enum DeskChart {
    /// One line of a chart: it steps up by one at each of `times`.
    struct Series {
        let name: String
        let colour: String
        /// A dash pattern, so that the lines differ without colour too.
        let dash: String?
        let times: [Date]
    }

    static let width = 640.0
    static let height = 220.0
    static let left = 44.0
    static let bottom = 28.0
    static let top = 10.0
    static let right = 12.0

    /// Cumulative counts over [from, to], each series a step line, the y axis from 0 to `total`.
    static func cumulative(
        _ series: [Series], total: Int, from: Date, to: Date, id: String, title: String, description: String, label: (Date) -> String
    ) -> String {
        let span = max(to.timeIntervalSince(from), 1)
        let top = max(total, series.map(\.times.count).max() ?? 0, 1)
        func x(_ date: Date) -> Double { left + (width - left - right) * min(max(date.timeIntervalSince(from) / span, 0), 1) }
        func y(_ count: Int) -> Double { height - bottom - (height - bottom - Self.top) * Double(count) / Double(top) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" "
            + "style=\"max-width:\(Int(width))px;height:auto\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title id=\"\(id)-title\">\(HTML.escape(title))</title><desc id=\"\(id)-desc\">\(HTML.escape(description))</desc>"
        // Axes and their labels.
        svg += "<g stroke=\"#555\" stroke-width=\"1\"><line x1=\"\(left)\" y1=\"\(number(y(0)))\" x2=\"\(width - right)\" y2=\"\(number(y(0)))\"/>"
            + "<line x1=\"\(left)\" y1=\"\(number(y(0)))\" x2=\"\(left)\" y2=\"\(Self.top)\"/></g>"
        svg += "<g font-size=\"12\" fill=\"#1a1a1a\" font-family=\"sans-serif\">"
            + "<text x=\"\(left - 6)\" y=\"\(number(y(0)))\" text-anchor=\"end\" dominant-baseline=\"middle\">0</text>"
            + "<text x=\"\(left - 6)\" y=\"\(number(y(top)))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(top)</text>"
            + "<text x=\"\(left)\" y=\"\(Int(height) - 8)\" text-anchor=\"start\">\(HTML.escape(label(from)))</text>"
            + "<text x=\"\(width - right)\" y=\"\(Int(height) - 8)\" text-anchor=\"end\">\(HTML.escape(label(to)))</text></g>"
        for line in series {
            var points = ["\(number(x(from))),\(number(y(0)))"]
            var count = 0
            for time in line.times.sorted() where time <= to {
                points.append("\(number(x(time))),\(number(y(count)))")
                count += 1
                points.append("\(number(x(time))),\(number(y(count)))")
            }
            points.append("\(number(x(to))),\(number(y(count)))")
            svg += "<polyline fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2.5\"" + (line.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
                + " points=\"\(points.joined(separator: " "))\"/>"
        }
        return svg + "</svg>"
    }

    /// One bar of a bar chart: its label, its count and the count as the reader reads it (`12 (40 %)`).
    struct Bar {
        let label: String
        let count: Int
        let value: String
    }

    /// Horizontal bars, one per answer, scaled to the largest count; labels on the left, figures on the right.
    static func bars(_ bars: [Bar], id: String, title: String, description: String) -> String {
        let row = 26.0
        let labelWidth = 220.0
        let valueWidth = 110.0
        let height = row * Double(max(bars.count, 1)) + 8
        let most = max(bars.map(\.count).max() ?? 0, 1)
        func number(_ value: Double) -> String { String(format: "%.1f", value) }
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" "
            + "style=\"max-width:\(Int(width))px;height:auto\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title id=\"\(id)-title\">\(HTML.escape(title))</title><desc id=\"\(id)-desc\">\(HTML.escape(description))</desc>"
            + "<g font-size=\"12\" fill=\"#1a1a1a\" font-family=\"sans-serif\">"
        for (index, bar) in bars.enumerated() {
            let y = 4 + row * Double(index)
            let length = (width - labelWidth - valueWidth) * Double(bar.count) / Double(most)
            // A label too long for its column is cut; the table under the chart has it whole.
            let label = bar.label.count > 32 ? String(bar.label.prefix(31)) + "…" : bar.label
            svg += "<text x=\"\(number(labelWidth - 8))\" y=\"\(number(y + row / 2))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTML.escape(label))</text>"
                + "<rect x=\"\(number(labelWidth))\" y=\"\(number(y + 3))\" width=\"\(number(max(length, bar.count > 0 ? 2 : 0)))\" height=\"\(number(row - 6))\" fill=\"#1e3a5f\"/>"
                + "<text x=\"\(number(labelWidth + length + 6))\" y=\"\(number(y + row / 2))\" dominant-baseline=\"middle\">\(HTML.escape(bar.value))</text>"
        }
        return svg + "</g></svg>"
    }
}
