// Anomalies in the recent window of a metric, judged against its baseline.

enum Detectors {
    /// Spikes/dips (runs of values beyond the warning band), a level shift
    /// (recent median far from the baseline), a trend break (the recent
    /// window drifting at another rate than the learned trend) and a
    /// disk-full forecast (trend reaches the metric's maximum within a week).
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
        let trendBreak = trendBreak(series: series, baseline: baseline, direction: direction, from: startIndex,
                                    to: endIndex, workspace: &w)
        if let trendBreak { out.append(trendBreak.anomaly) }
        if n >= 12 {
            let shift = RobustStats.median(&w.a, count: n)
            if abs(shift) > 3 && (direction == .both || (direction == .high) == (shift > 0)) {
                out.append(Anomaly(kind: .levelShift, start: series.time(at: startIndex), end: series.time(at: endIndex),
                                   score: abs(shift), detail: "recent median moved \(fmt(shift))σ"))
            }
        }
        if let max = maximum {
            // The level is the median of the level window: project it to
            // now. After a trend break upward, the recent rate and level
            // (a disk that started filling faster fills at that rate).
            var rate = baseline.trendPerDay
            var current = baseline.level + baseline.trendPerDay * Double(c.levelWindowSeconds) / 2 / 86_400
            if let recent = trendBreak, recent.slope > rate {
                rate = recent.slope
                current = recent.current
            }
            let days = (max - current) / rate
            if rate > 0 && days >= 0 && days < 7 {
                out.append(Anomaly(kind: .forecastFull, start: now, end: now + Int64(days * 86_400),
                                   score: 1 - days / 7,
                                   detail: "reaches \(fmt(max)) in \(fmt(days)) day\(fmt(days) == "1" ? "" : "s")"))
            }
        }
        return out
    }

    /// A trend break: the recent window's values drift (deseasonalised, as
    /// residuals from the expected value) at a rate other than the learned
    /// trend, by at least `trendBreakSigmas` σ over the window — a disk
    /// that starts filling, a leak, traffic draining away. The drift is
    /// measured robustly between the medians of the window's first and
    /// last thirds (by time); the middle third's median must lie near
    /// their midpoint, so that a ramp counts and a step (a level shift,
    /// reported as such) does not.
    ///
    /// Returns the anomaly, the recent rate (per day) and the value it
    /// projects to at the window's end (the last third's median carried
    /// forward over half a third).
    static func trendBreak(series: TimeSeries, baseline: Baseline, direction: AlertDirection, from start: Int,
                           to end: Int, workspace w: inout LearnerWorkspace)
        -> (anomaly: Anomaly, slope: Double, current: Double)?
    {
        let length = end - start
        guard length >= 36, baseline.sigma > 0 else { return nil }
        // The median residual (in σ) of third k, nil when it has few values.
        func third(_ k: Int) -> Double? {
            var n = 0
            for i in (start + k * length / 3)..<(start + (k + 1) * length / 3) {
                let v = series.values[i]
                if v.isNaN { continue }
                w.b[n] = (v - baseline.expected(at: series.time(at: i))) / baseline.sigma
                n += 1
            }
            return n >= 12 ? RobustStats.median(&w.b, count: n) : nil
        }
        guard let first = third(0), let last = third(2) else { return nil }
        let drift = last - first
        // The thirds' centres are two thirds of the window apart.
        let days = Double(series.step) * Double(length) * 2 / 3 / 86_400
        let learned = baseline.trendPerDay * days / baseline.sigma
        let change = drift - learned
        guard abs(change) >= trendBreakSigmas, direction == .both || (direction == .high) == (change > 0) else {
            return nil
        }
        // A straight line, within 1 σ or a quarter of the drift: a step
        // leaves the middle third at one end, half the drift off.
        guard let middle = third(1), abs(middle - (first + last) / 2) <= max(abs(drift) / 4, 1) else { return nil }
        let slope = drift * baseline.sigma / days
        // The last third's median residual is relative to the expected
        // value of its own times; without a cycle that is the level.
        let current = baseline.level + last * baseline.sigma + slope * days / 4
        let anomaly = Anomaly(kind: .trendBreak, start: series.time(at: start), end: series.time(at: end),
                              score: abs(change),
                              detail: "drifting \(fmt(slope)) a day (learned \(fmt(baseline.trendPerDay))), \(fmt(change))σ over the window")
        return (anomaly, slope, current)
    }

    /// The smallest trend break reported, in σ over the recent window.
    static let trendBreakSigmas = 3.0

    static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
