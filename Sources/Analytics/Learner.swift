// Learns one metric's normal behaviour from its history and derives the
// Nagios thresholds (static band + time-of-week profile) and the anomalies
// of the recent window. Pure: no I/O, no clock; `now` is passed in.

import NagiosPlugin

/// Tunables of the learner. The defaults are the one global parameter set
/// measured by the NAB backtest (docs/analytics.md); nothing is per metric.
public struct LearnerConfiguration: Sendable, Hashable {
    /// Fewer present values than this → cold start.
    public var minimumPoints: Int = 96
    /// Less history than this (seconds) → cold start.
    public var minimumHistorySeconds: Int64 = 6 * 3600
    /// More than this fraction of missing steps → cold start.
    public var maximumMissingFraction: Double = 0.9
    /// Only the most recent `historyWindowSeconds` are used.
    public var historyWindowSeconds: Int64 = 8 * 7 * 86_400
    /// The level in force is the median of this much recent history.
    public var levelWindowSeconds: Int64 = 86_400
    /// Consecutive bad checks before Nagios alerts (max_check_attempts):
    /// the excursions that matter are those lasting this long.
    public var runLength = 3
    /// Past sustained excursions per day of history treated as incidents
    /// (ignored when sizing the band).
    public var incidentsPerDay = 1.0 / 7
    /// The largest remaining excursion is multiplied by this.
    public var excursionFactor = 1.0
    /// Noise margin added above the largest remaining excursion, in robust σ.
    public var marginSigmas = 2.0
    /// The band is never narrower than this, in robust σ.
    public var minimumSigmas = 4.0
    /// When the history, replayed the way Nagios counts (`runLength`
    /// consecutive rows outside the band on either side that matters, so
    /// alternating high/low rows count too), would still have produced more
    /// problems than the incident budget, the band is widened until it
    /// would not, then by this factor.
    public var replayMargin = 1.15
    /// Critical limits are this multiple of the warning distance.
    public var criticalFactor = 3.0
    /// σ is never below this fraction of the observed spread (flat or
    /// quantised data), the spread being the distance between the
    /// `spreadQuantile` and `1 − spreadQuantile` quantiles of the values.
    public var minimumSigmaFractionOfRange = 0.03
    public var spreadQuantile = 0.01
    /// σ is never below this (in the metric's unit) when that spread is
    /// zero (a constant history): with the default `minimumSigmas` the band
    /// is then at least ±1 unit wide (critical ±3) around the constant.
    public var flatMinimumSigma = 0.25
    /// Days of history needed before looking for a daily cycle.
    public var seasonMinimumDays = 3
    /// Weeks of history needed before looking for a weekly cycle.
    public var seasonMinimumWeeks = 3
    /// The daily and weekly cycles are learned from the most recent this
    /// many days only (0 = the whole history); the weekly one needs
    /// `seasonMinimumWeeks` weeks of them.
    public var seasonWindowDays = 21
    /// Fraction by which a cycle must shrink the robust spread to be used.
    public var seasonMinimumGain = 0.1
    /// Single-check excursions per day of history treated as incidents
    /// when measuring the spikes a metric makes normally (the spike latch
    /// holds only larger ones).
    public var spikeIncidentsPerDay = 2.0 / 7
    /// The normal spike's height is multiplied by this.
    public var spikeMargin = 1.0
    /// The shift check: the mean of this many consecutive residuals is
    /// judged against the largest such mean of the history (0 = off).
    public var shiftChecks = SpikeLatch.defaultShiftChecks
    /// Shift excursions per day of history treated as incidents.
    public var shiftIncidentsPerDay = 0.0
    /// The largest remaining shift is multiplied by this…
    public var shiftFactor = 1.0
    /// …plus this many σ of a mean of `shiftChecks` residuals.
    public var shiftMarginSigmas = 1.0
    /// The burst check: more checks beyond a warning limit among this many
    /// in a row than the history ever had latch like a spike (0 = off).
    public var burstChecks = SpikeLatch.defaultBurstChecks
    /// …and at least this many.
    public var burstMinimum = 2
    /// The shift and burst limits leave out the history's incidents
    /// (`Excursions.maskIncidents`): runs of `runLength` checks beyond the
    /// final warning limits, and single checks beyond a critical limit by
    /// `incidentSpikeFactor` warning-to-critical gaps (and beyond the
    /// normal spikes): what check_baseline's spike latch holds by default.
    public var skipBandIncidents = true
    public var incidentSpikeFactor = SpikeLatch.defaultFactor
    /// The recent window inspected for anomalies (seconds).
    public var recentWindowSeconds: Int64 = 86_400

    public init() {}
}

public enum Learner {
    /// Analyses one metric.
    /// - Parameters:
    ///   - direction: the side that matters, or nil to infer it from `uom`,
    ///     the label and `minimum`/`maximum`.
    ///   - minimum, maximum: the perfdata min/max, if the plugin gave them;
    ///     bands never extend past them.
    ///   - now: the analysis time (Unix seconds); only values before it are used.
    public static func analyze(id: MetricID, uom: String, series: TimeSeries, direction: AlertDirection?,
                               minimum: Double?, maximum: Double?, now: Int64,
                               configuration: LearnerConfiguration = LearnerConfiguration()) -> MetricAnalysis
    {
        var workspace = LearnerWorkspace()
        return analyze(id: id, uom: uom, series: series, direction: direction, minimum: minimum,
                       maximum: maximum, now: now, configuration: configuration, workspace: &workspace)
    }

    /// Same, reusing the scratch buffers of `workspace` (one per thread) so
    /// that analysing many metrics does not allocate per metric.
    public static func analyze(id: MetricID, uom: String, series: TimeSeries, direction: AlertDirection?,
                               minimum: Double?, maximum: Double?, now: Int64,
                               configuration: LearnerConfiguration, workspace: inout LearnerWorkspace)
        -> MetricAnalysis
    {
        let dir = direction ?? inferDirection(label: id.label, uom: uom, minimum: minimum, maximum: maximum)
        let model = Baseline.learn(series: series, now: now, direction: dir, configuration: configuration,
                                   workspace: &workspace)
        switch model {
        case .coldStart(let reason, let seconds):
            return MetricAnalysis(id: id, uom: uom, direction: dir, outcome: .coldStart(reason: reason),
                                  historySeconds: seconds)
        case .learned(let baseline):
            let band = baseline.staticBand(direction: dir, minimum: minimum, maximum: maximum)
            let profile = baseline.profile(direction: dir, minimum: minimum, maximum: maximum)
            let anomalies = Detectors.recentAnomalies(series: series, baseline: baseline, direction: dir,
                                                      maximum: maximum, now: now, configuration: configuration,
                                                      workspace: &workspace)
            var score = 0.0
            for a in anomalies { score = max(score, a.score) }
            var analysis = MetricAnalysis(id: id, uom: uom, direction: dir, outcome: .thresholds, band: band,
                                          profile: profile, hasDailySeason: baseline.hasDailySeason,
                                          hasWeeklySeason: baseline.hasWeeklySeason,
                                          trendPerDay: baseline.trendPerDay, anomalies: anomalies,
                                          anomalyScore: score, historySeconds: baseline.historySeconds)
            analysis.shiftChecks = configuration.shiftChecks
            analysis.burstChecks = configuration.burstChecks
            return analysis
        }
    }

    /// The direction that matters when the caller does not say: used space,
    /// utilisation (`%`), latency (`s`, `ms`, `us`) and error counts are bad
    /// only when high; free space and availability only when low; counters
    /// (`c`), traffic and anything else both ways.
    public static func inferDirection(label: String, uom: String, minimum: Double?, maximum: Double?)
        -> AlertDirection
    {
        let l = label.lowercased()
        let lowWords = ["free", "avail", "idle", "uptime", "hit", "success"]
        for w in lowWords where l.contains(w) { return .low }
        let highWords = ["error", "err", "fail", "drop", "loss", "latency", "rta", "time", "load", "used",
                         "usage", "util", "temp", "queue", "wait", "pl", "swap"]
        switch uom {
        case "s", "ms", "us", "%": return .high
        case "B", "KB", "MB", "GB", "TB":
            // Sizes with a known capacity are fill levels; without, volumes.
            return maximum != nil ? .high : .both
        case "c": return .both
        default: break
        }
        for w in highWords where l.contains(w) { return .high }
        return .both
    }
}

/// Scratch buffers for `Learner`, reused across metrics on one thread.
public struct LearnerWorkspace: Sendable {
    var a: [Double] = []
    var b: [Double] = []
    var c: [Double] = []
    /// Scratch for the long selections (`RobustStats.orderStatistics`).
    var d: [Double] = []
    /// Scratch for the shift check's means.
    var e: [Double] = []
    /// Hour-of-week bucket of each index, from `fillBuckets`.
    var buckets: [UInt8] = []

    public init() {}

    /// `buckets[i - lower]` = `TimeOfWeekProfile.bucket` of the time of
    /// index `i`, for `lower..<upper`, stepping through the week instead of
    /// dividing at every index.
    mutating func fillBuckets(series: TimeSeries, from lower: Int, to upper: Int) {
        let n = max(0, upper - lower)
        if buckets.count < n { buckets = [UInt8](repeating: 0, count: n) }
        guard n > 0 else { return }
        // The same shift as `TimeOfWeekProfile.bucket` (0 = Monday 00:00).
        var t = series.time(at: lower) + 3 * 86_400
        buckets.withUnsafeMutableBufferPointer { out in
            guard t >= 0 else {
                for i in 0..<n { out[i] = UInt8(TimeOfWeekProfile.bucket(at: series.time(at: lower + i))) }
                return
            }
            var hour = (t / 3600) % 168
            t %= 3600
            // An hour's indices at once (12 at 5-minute steps): the hour
            // changes after the first index whose step reaches 3600 s.
            var i = 0
            let step = max(1, series.step)
            while i < n {
                let run = min(n - i, Int((3600 - t + step - 1) / step))
                if let start = out.baseAddress { (start + i).update(repeating: UInt8(hour), count: run) }
                i += run
                t += Int64(run) * step
                hour = (hour + t / 3600) % 168
                t %= 3600
            }
        }
    }

    mutating func reserve(_ n: Int) {
        if a.count < n {
            a = [Double](repeating: 0, count: n)
            b = [Double](repeating: 0, count: n)
            c = [Double](repeating: 0, count: n)
            d = [Double](repeating: 0, count: n)
        }
    }
}
