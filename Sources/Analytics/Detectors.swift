// Anomalies in the recent window of a metric, judged against its baseline.

enum Detectors {
    /// Spikes/dips (runs of values beyond the warning band), a level shift
    /// (recent median far from the baseline), a trend break (recent slope
    /// far from the learned trend) and a disk-full forecast (trend reaches
    /// the metric's maximum within a week).
    static func recentAnomalies(series: TimeSeries, baseline: Baseline, direction: AlertDirection,
                                maximum: Double?, now: Int64, configuration c: LearnerConfiguration,
                                workspace w: inout LearnerWorkspace) -> [Anomaly]
    {
        var out: [Anomaly] = []
        let endIndex = min(series.values.count, max(0, Int((now - series.start + series.step - 1) / series.step)))
        let recentSteps = Int(max(1, c.recentWindowSeconds / series.step))
        let startIndex = max(0, endIndex - recentSteps)
        guard endIndex > startIndex else { return out }
        w.reserve(endIndex - startIndex)
        let sigma = baseline.sigma
        // Runs of residuals beyond the warning band.
        var runStart = -1
        var runPeak = 0.0
        func close(_ i: Int) {
            guard runStart >= 0 else { return }
            let kind: Anomaly.Kind = runPeak > 0 ? .spike : .dip
            out.append(Anomaly(kind: kind, start: series.time(at: runStart), end: series.time(at: i),
                               score: abs(runPeak),
                               detail: "\(kind == .spike ? "above" : "below") the band, \(fmt(abs(runPeak)))σ"))
            runStart = -1
            runPeak = 0
        }
        var n = 0
        for i in startIndex..<endIndex {
            let v = series.values[i]
            if v.isNaN {
                close(i)
                continue
            }
            let r = v - baseline.expected(at: series.time(at: i))
            let z = r / sigma
            w.a[n] = z
            n += 1
            let bad = (r > baseline.upperWarning && direction != .low)
                || (r < -baseline.lowerWarning && direction != .high)
            if bad {
                if runStart < 0 { runStart = i }
                if abs(z) > abs(runPeak) { runPeak = z }
            } else {
                close(i)
            }
        }
        close(endIndex)
        if n >= 12 {
            let shift = RobustStats.median(&w.a, count: n)
            if abs(shift) > 3 && (direction == .both || (direction == .high) == (shift > 0)) {
                out.append(Anomaly(kind: .levelShift, start: series.time(at: startIndex), end: series.time(at: endIndex),
                                   score: abs(shift), detail: "recent median moved \(fmt(shift))σ"))
            }
        }
        if let max = maximum, baseline.trendPerDay > 0 {
            // The level is the median of the level window: project it to now.
            let current = baseline.level + baseline.trendPerDay * Double(c.levelWindowSeconds) / 2 / 86_400
            let days = (max - current) / baseline.trendPerDay
            if days >= 0 && days < 7 {
                out.append(Anomaly(kind: .forecastFull, start: now, end: now + Int64(days * 86_400),
                                   score: 1 - days / 7, detail: "reaches \(fmt(max)) in \(fmt(days)) days"))
            }
        }
        return out
    }

    static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
