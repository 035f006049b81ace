import Foundation

/// A metric's recent history reduced to what one graph shows: per pixel
/// column the min/mean/max of the values and the band in force, plus the
/// anomalies. Small (a few KB) whatever the length of the series.
public struct ReportGraph: Sendable {
    public var id: MetricID
    public var uom: String
    public var score: Double
    /// Time of the first column's start; each column covers `columnSeconds`.
    public var start: Int64
    public var columnSeconds: Int64
    public var minimum: [Double]
    public var mean: [Double]
    public var maximum: [Double]
    public var warningLow: [Double]
    public var warningHigh: [Double]
    public var criticalLow: [Double]
    public var criticalHigh: [Double]
    public var anomalies: [Anomaly]

    /// One column per hour of the two weeks shown.
    public static let columns = 336
    public static let window: Int64 = 14 * 86_400

    /// Builds the graph of the last two weeks before `now`.
    public init(series: TimeSeries, analysis: MetricAnalysis, now: Int64) {
        id = analysis.id
        uom = analysis.uom
        score = analysis.anomalyScore
        anomalies = analysis.anomalies
        let end = min(now, series.end)
        let span = max(min(Self.window, end - series.start), series.step)
        columnSeconds = max(1, (span + Int64(Self.columns) - 1) / Int64(Self.columns))
        start = end - columnSeconds * Int64(Self.columns)
        let n = Self.columns
        minimum = Array(repeating: .nan, count: n)
        mean = Array(repeating: .nan, count: n)
        maximum = Array(repeating: .nan, count: n)
        var counts = [Int](repeating: 0, count: n)
        var sums = [Double](repeating: 0, count: n)
        let first = max(0, Int((start - series.start) / series.step))
        if first < series.values.count {
            for i in first..<series.values.count {
                let v = series.values[i]
                let t = series.time(at: i)
                guard !v.isNaN, t >= start, t < end else { continue }
                let c = Int((t - start) / columnSeconds)
                guard c >= 0, c < n else { continue }
                counts[c] += 1
                sums[c] += v
                minimum[c] = minimum[c].isNaN ? v : Swift.min(minimum[c], v)
                maximum[c] = maximum[c].isNaN ? v : Swift.max(maximum[c], v)
            }
        }
        for c in 0..<n where counts[c] > 0 { mean[c] = sums[c] / Double(counts[c]) }
        warningLow = Array(repeating: .nan, count: n)
        warningHigh = warningLow
        criticalLow = warningLow
        criticalHigh = warningLow
        guard case .thresholds = analysis.outcome else { return }
        for c in 0..<n {
            let t = start + Int64(c) * columnSeconds + columnSeconds / 2
            guard let band = analysis.profile?.band(at: t) ?? analysis.band else { continue }
            warningLow[c] = band.warningLow ?? .nan
            warningHigh[c] = band.warningHigh ?? .nan
            criticalLow[c] = band.criticalLow ?? .nan
            criticalHigh[c] = band.criticalHigh ?? .nan
        }
    }

    /// Report order: higher score first, then by name.
    static func ranksBefore(_ a: ReportGraph, _ b: ReportGraph) -> Bool {
        a.score != b.score ? a.score > b.score : a.id < b.id
    }
}

/// The HTML report: one self-contained file (inline CSS and SVG, no
/// script, no external asset) with a table of every metric ranked by its
/// anomaly score and, for the most anomalous ones, a graph of the last two
/// weeks with the learned band and the anomalies.
public enum ReportWriter {
    public static func render(metrics: [MetricAnalysis], graphs: [ReportGraph], info: GenerationInfo) -> String {
        let ranked = metrics.sorted { a, b in
            a.anomalyScore != b.anomalyScore ? a.anomalyScore > b.anomalyScore : a.id < b.id
        }
        let graphed = Dictionary(graphs.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let cold = metrics.filter { if case .coldStart = $0.outcome { true } else { false } }.count
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Vigil analytics report</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
        h1 { font-size: 1.4em; margin-bottom: .2em; }
        .meta { color: #666; margin-top: 0; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border-bottom: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
        th { background: #f4f4f4; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.anomalous td { background: #fff3f0; }
        .metric { margin: 2em 0; }
        .metric h2 { font-size: 1.1em; margin-bottom: .2em; }
        .metric p { margin: .2em 0; color: #444; }
        svg { background: #fff; border: 1px solid #ddd; }
        .legend span { display: inline-block; margin-right: 1.2em; }
        .sw { display: inline-block; width: 1.4em; height: .7em; margin-right: .3em; vertical-align: middle; }
        </style>
        </head>
        <body>
        <h1>Vigil analytics report</h1>
        <p class="meta">Generated by \(escape(info.tool)) at \(escape(info.isoTime)) from \(escape(info.source)).
        \(metrics.count) metrics: \(metrics.count - cold) with thresholds, \(cold) cold start,
        \(metrics.filter { !$0.anomalies.isEmpty }.count) with recent anomalies; graphs for the \(graphs.count) most anomalous.</p>
        <p class="legend"><span><i class="sw" style="background:#4a78c2"></i>value (mean; shaded: min–max)</span>
        <span><i class="sw" style="background:#cfe8cf"></i>normal band (inside the warning range for that hour)</span>
        <span><i class="sw" style="border-top:2px dashed #d33"></i>critical limit</span>
        <span><i class="sw" style="background:rgba(220,40,40,.25)"></i>anomaly</span></p>
        <h2>Metrics ranked by anomaly score</h2>
        <table id="ranking">
        <thead><tr><th>#</th><th>Host</th><th>Service</th><th>Label</th><th>Score</th><th>Anomalies</th><th>Warning</th><th>Critical</th><th>Learned</th></tr></thead>
        <tbody>

        """
        for (rank, m) in ranked.enumerated() {
            let anchor = graphed[m.id] != nil ? "<a href=\"#\(anchorName(m.id))\">\(escape(m.id.label))</a>" : escape(m.id.label)
            let kinds = Set(m.anomalies.map(\.kind.rawValue)).sorted().joined(separator: ", ")
            let learned: String
            switch m.outcome {
            case .thresholds: learned = m.profile != nil || m.hasDailySeason ? "band + profile" : "band"
            case .coldStart(let reason): learned = "cold start: " + reason
            }
            html += "<tr\(m.anomalies.isEmpty ? "" : " class=\"anomalous\"")><td class=\"num\">\(rank + 1)</td>"
            html += "<td>\(escape(m.id.host))</td><td>\(escape(m.id.service.isEmpty ? "(host)" : m.id.service))</td><td>\(anchor)</td>"
            html += "<td class=\"num\">\(ConfigNumber.render(m.anomalyScore))</td>"
            html += "<td>\(m.anomalies.isEmpty ? "" : "\(m.anomalies.count): \(escape(kinds))")</td>"
            html += "<td>\(escape(m.band?.warningRange ?? ""))</td><td>\(escape(m.band?.criticalRange ?? ""))</td>"
            html += "<td>\(escape(learned))</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        for graph in graphs.sorted(by: ReportGraph.ranksBefore) {
            let m = metrics.first { $0.id == graph.id }
            html += "<section class=\"metric\" id=\"\(anchorName(graph.id))\">\n"
            html += "<h2>\(escape(graph.id.host)) / \(escape(graph.id.service.isEmpty ? "(host)" : graph.id.service)) / \(escape(graph.id.label))"
            html += graph.uom.isEmpty ? "" : " [\(escape(graph.uom))]"
            html += "</h2>\n"
            if let m { html += "<p>\(escape(m.summaryLine))</p>\n" }
            for a in graph.anomalies {
                html += "<p>\(escape(a.kind.rawValue)) \(escape(UTCTime.iso8601(a.start)))–\(escape(UTCTime.iso8601(a.end))), score \(ConfigNumber.render(a.score)): \(escape(a.detail))</p>\n"
            }
            html += svg(graph) + "\n</section>\n"
        }
        html += "</body>\n</html>\n"
        return html
    }

    static func anchorName(_ id: MetricID) -> String {
        "m-" + ConfigNaming.hexHash(id.host + "\u{0}" + id.service + "\u{0}" + id.label)
    }

    /// One inline SVG: band, limits, values, anomalies, axes.
    static func svg(_ g: ReportGraph) -> String {
        let width = 960.0, height = 240.0
        let left = 64.0, right = 12.0, top = 10.0, bottom = 24.0
        let plotW = width - left - right, plotH = height - top - bottom
        let n = g.mean.count
        var lo = Double.infinity, hi = -Double.infinity
        for series in [g.minimum, g.maximum, g.warningLow, g.warningHigh, g.criticalLow, g.criticalHigh] {
            for v in series where v.isFinite {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        if !lo.isFinite { lo = 0; hi = 1 }
        if hi - lo < 1e-12 { lo -= 1; hi += 1 }
        let pad = (hi - lo) * 0.05
        lo -= pad
        hi += pad
        func x(_ c: Int) -> Double { left + plotW * (Double(c) + 0.5) / Double(n) }
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - lo) / (hi - lo)) }
        func f(_ v: Double) -> String { NumberFormatting.one(v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(g.id.description))\">\n"
        // Axes and horizontal grid at round values.
        let tick = niceStep((hi - lo) / 5)
        var v = (lo / tick).rounded(.up) * tick
        while v <= hi {
            s += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(v)))\" y2=\"\(f(y(v)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y(v) + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#666\">\(escape(ConfigNumber.render(abs(v) < tick / 1e6 ? 0 : v)))</text>\n"
            v += tick
        }
        // Day boundaries (UTC midnight).
        let end = g.start + g.columnSeconds * Int64(n)
        var day = (g.start / 86_400 + 1) * 86_400
        while day < end {
            let c = Double(day - g.start) / Double(g.columnSeconds)
            let px = left + plotW * c / Double(n)
            s += "<line x1=\"\(f(px))\" x2=\"\(f(px))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"#f0f0f0\"/>"
            s += "<text x=\"\(f(px + 2))\" y=\"\(f(height - 8))\" font-size=\"10\" fill=\"#888\">\(String(UTCTime.iso8601(day).prefix(10).dropFirst(5)))</text>\n"
            day += 86_400
        }
        // Normal band: between the warning limits (open sides to the edge).
        let bandLow = g.warningLow.enumerated().map { c, v in v.isNaN ? (g.warningHigh[c].isNaN ? Double.nan : lo) : v }
        let bandHigh = g.warningHigh.enumerated().map { c, v in v.isNaN ? (g.warningLow[c].isNaN ? Double.nan : hi) : v }
        s += area(lowers: bandLow, uppers: bandHigh, x: x, y: y, style: "fill=\"#cfe8cf\" stroke=\"none\"")
        // Value envelope and mean.
        s += area(lowers: g.minimum, uppers: g.maximum, x: x, y: y, style: "fill=\"#4a78c2\" fill-opacity=\"0.18\" stroke=\"none\"")
        s += line(g.criticalHigh, x: x, y: y, style: "stroke=\"#d33\" stroke-dasharray=\"5 3\"")
        s += line(g.criticalLow, x: x, y: y, style: "stroke=\"#d33\" stroke-dasharray=\"5 3\"")
        s += line(g.mean, x: x, y: y, style: "stroke=\"#4a78c2\" stroke-width=\"1.3\"")
        // Anomalies.
        for a in g.anomalies {
            let c0 = max(0, Double(a.start - g.start) / Double(g.columnSeconds))
            let c1 = min(Double(n), Double(max(a.end, a.start + g.columnSeconds) - g.start) / Double(g.columnSeconds))
            guard c1 > c0 else { continue }
            let x0 = left + plotW * c0 / Double(n), x1 = left + plotW * c1 / Double(n)
            s += "<rect x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(max(2, x1 - x0)))\" height=\"\(f(plotH))\" fill=\"rgb(220,40,40)\" fill-opacity=\"0.25\"><title>\(escape(a.kind.rawValue)): \(escape(a.detail))</title></rect>\n"
            let mid = (x0 + max(x0 + 2, x1)) / 2
            s += "<path d=\"M\(f(mid - 5)) \(f(top))L\(f(mid + 5)) \(f(top))L\(f(mid)) \(f(top + 8))Z\" fill=\"#d33\"/>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#bbb\"/>\n"
        return s + "</svg>"
    }

    /// 1, 2 or 5 × 10ⁿ, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let p = pow10(floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * p >= raw { return m * p }
        return 10 * p
    }

    private static func pow10(_ e: Double) -> Double {
        var r = 1.0
        if e >= 0 { for _ in 0..<Int(e) { r *= 10 } } else { for _ in 0..<Int(-e) { r /= 10 } }
        return r
    }

    /// A polyline broken at NaN gaps, as one path.
    static func line(_ values: [Double], x: (Int) -> Double, y: (Double) -> Double, style: String) -> String {
        var d = ""
        var pen = false
        for (c, v) in values.enumerated() {
            guard v.isFinite else { pen = false; continue }
            d += (pen ? "L" : "M") + NumberFormatting.one(x(c)) + " " + NumberFormatting.one(y(v))
            pen = true
        }
        return d.isEmpty ? "" : "<path d=\"\(d)\" fill=\"none\" \(style)/>\n"
    }

    /// Filled areas between two series, one polygon per run without gaps.
    static func area(lowers: [Double], uppers: [Double], x: (Int) -> Double, y: (Double) -> Double, style: String) -> String {
        var out = ""
        var run: [Int] = []
        func flush() {
            guard !run.isEmpty else { return }
            var d = ""
            for c in run { d += (d.isEmpty ? "M" : "L") + NumberFormatting.one(x(c)) + " " + NumberFormatting.one(y(uppers[c])) }
            for c in run.reversed() { d += "L" + NumberFormatting.one(x(c)) + " " + NumberFormatting.one(y(lowers[c])) }
            out += "<path d=\"\(d)Z\" \(style)/>\n"
            run = []
        }
        for c in lowers.indices {
            if lowers[c].isFinite && uppers[c].isFinite { run.append(c) } else { flush() }
        }
        flush()
        return out
    }

    /// Text for HTML element content and attribute values.
    public static func escape(_ text: String) -> String {
        text.escaping(escapes)
    }

    /// Built once (a literal at the call is rebuilt for every cell).
    private static let escapes: [Character: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]
}

enum NumberFormatting {
    /// Whole pixels, for SVG coordinates (keeps the file small).
    static func one(_ v: Double) -> String {
        v.isFinite ? String(Int(v.rounded())) : "0"
    }
}
