// The learned normal behaviour of one metric: a robust level that follows
// level shifts, an optional daily/weekly seasonal profile, a trend, and the
// size of the sustained excursions the metric makes when nothing is wrong.
//
// The limits are derived the way they will be used: Nagios alerts only
// after `max_check_attempts` consecutive bad checks, against thresholds
// computed once a day. So the learner replays its own history that way —
// each day judged against the level of the day before — and measures the
// excursions that lasted `runLength` checks. The band is put just above the
// largest of those (less a budget of past incidents), plus a noise margin.

/// What `Baseline.learn` found.
public enum BaselineResult: Sendable {
    case coldStart(reason: String, historySeconds: Int64)
    case learned(Baseline)
}

public struct Baseline: Sendable, Hashable {
    /// Robust centre of the most recent day, season removed.
    public var level: Double
    /// Robust σ of the day-ahead residuals (value − previous level − season).
    public var sigma: Double
    /// 168 hour-of-week offsets from `level` (all zero when not seasonal).
    public var season: [Double]
    public var hasDailySeason: Bool
    public var hasWeeklySeason: Bool
    public var trendPerDay: Double
    public var historySeconds: Int64
    /// Distance above the expected value at which the warning starts.
    public var upperWarning: Double
    /// Distance below the expected value at which the warning starts.
    public var lowerWarning: Double
    /// Same for critical.
    public var upperCritical: Double
    public var lowerCritical: Double
    public var observedMinimum: Double
    public var observedMaximum: Double
    /// Distance above the expected value that single checks reached in the
    /// history more often than the incident budget allows (the largest
    /// one-row excursion left after skipping the incidents, plus the noise
    /// margin): spikes up to here are part of normal behaviour (a nightly
    /// job), so the spike latch does not hold them.
    public var upperSpike: Double = 0
    public var lowerSpike: Double = 0
    /// How far the mean of `shiftChecks` consecutive residuals went above /
    /// below the expected value in normal behaviour (0: not checked).
    public var upperShift: Double = 0
    public var lowerShift: Double = 0
    /// The most of `burstChecks` consecutive residuals that were beyond a
    /// warning limit (nil: not checked).
    public var burstLimit: Int? = nil

    /// The expected value at a Unix time.
    public func expected(at time: Int64) -> Double {
        level + season[TimeOfWeekProfile.bucket(at: time)]
    }

    static func learn(series: TimeSeries, now: Int64, direction: AlertDirection = .both,
                      configuration c: LearnerConfiguration, workspace w: inout LearnerWorkspace) -> BaselineResult
    {
        let values = series.values
        // The part of the series before `now`, within the history window.
        let endIndex = min(values.count, max(0, Int((now - series.start + series.step - 1) / series.step)))
        let windowSteps = Int(max(1, c.historyWindowSeconds / series.step))
        // The first and last present values: searched from each end (one
        // pass keeping both was a chain of selects through every value).
        let lowest = max(0, endIndex - windowSteps)
        guard let first = values[lowest..<endIndex].firstIndex(where: { !$0.isNaN }),
              let last = values[first..<endIndex].lastIndex(where: { !$0.isNaN })
        else { return .coldStart(reason: "no data", historySeconds: 0) }
        let seconds = Int64(last - first + 1) * series.step
        let span = last - first + 1
        w.reserve(endIndex - first)
        let present = RobustStats.gather(values, first..<(last + 1), into: &w.a)
        if present < c.minimumPoints {
            return .coldStart(reason: "only \(present) values (\(c.minimumPoints) needed)", historySeconds: seconds)
        }
        if seconds < c.minimumHistorySeconds {
            return .coldStart(
                reason: "only \(seconds / 3600) h of history (\(c.minimumHistorySeconds / 3600) h needed)",
                historySeconds: seconds)
        }
        if Double(span - present) > c.maximumMissingFraction * Double(span) {
            return .coldStart(reason: "\(span - present) of \(span) values missing", historySeconds: seconds)
        }
        let (lo, hi) = w.a.withUnsafeBufferPointer { observedRange($0, count: present) }
        // Robust spread of the values (ignores the most extreme ones).
        // (`w.c` is free until the day medians: the second window's scratch.)
        if w.c.count < present { w.c.append(contentsOf: repeatElement(0, count: present - w.c.count)) }
        let spread = w.a.withUnsafeMutableBufferPointer { a in
            w.d.withUnsafeMutableBufferPointer { d in
                w.c.withUnsafeMutableBufferPointer { e in
                    RobustStats.quantiles(a, count: present, low: c.spreadQuantile, high: 1 - c.spreadQuantile,
                                          scratch: d, second: e)
                }
            }
        }
        let hist = first..<(last + 1)
        // Hour-of-week bucket of every index from `first` (computed once).
        w.fillBuckets(series: series, from: first, to: endIndex)
        let bucket = w.buckets
        // Daily blocks ending at `now` (the last block is the most recent day).
        let perDay = Int(max(1, 86_400 / series.step))
        let blocks = Blocks(range: hist, end: endIndex, size: perDay)
        // Season from values minus their day's median (robust to level shifts).
        // Only the days of the season window are used (the others are set
        // to NaN below): their medians are not computed.
        var dayMedian = [Double](repeating: .nan, count: blocks.count)
        let firstSeasonDay = c.seasonWindowDays > 0 ? max(0, blocks.count - c.seasonWindowDays) : 0
        for k in firstSeasonDay..<blocks.count {
            let n = RobustStats.gather(values, blocks[k], into: &w.c)
            if n > 0 {
                dayMedian[k] = w.c.withUnsafeMutableBufferPointer { b in
                    w.d.withUnsafeMutableBufferPointer { s in RobustStats.shortQuantile(b, count: n, 0.5, scratch: s) }
                }
            }
        }
        // The cycle is learned from the most recent `seasonWindowDays` only,
        // so that its shape follows a changing amplitude within weeks.
        var seasonDays = dayMedian
        if c.seasonWindowDays > 0 {
            for k in 0..<max(0, blocks.count - c.seasonWindowDays) { seasonDays[k] = .nan }
        }
        let season = Seasonality.hourOfWeekOffsets(series: series, blocks: blocks, dayMedian: seasonDays,
                                                   bucketsFrom: first, configuration: c, workspace: &w)
        // Deseasonalised daily levels, then the day-ahead residuals: each
        // day against the level of the day before (the first day against
        // itself when it is the only one). Missing values are written and
        // then overwritten (no branch); NaN residuals keep their place.
        var dayLevel = [Double](repeating: .nan, count: blocks.count)
        let levelSteps = Int(max(1, c.levelWindowSeconds / series.step))
        var level = Double.nan
        var m = 0
        let offsets = season.offsets
        values.withUnsafeBufferPointer { v in
            offsets.withUnsafeBufferPointer { o in
                bucket.withUnsafeBufferPointer { bk in
                    w.c.withUnsafeMutableBufferPointer { scratch in
                        w.d.withUnsafeMutableBufferPointer { spare in
                            // Without a cycle the day medians already computed
                            // are those days' levels.
                            let flat = !season.daily && !season.weekly
                            dayLevel = Self.dayLevels(v, offsets: o, buckets: bk, from: first, blocks: blocks,
                                                      known: flat ? dayMedian : nil, knownFrom: firstSeasonDay,
                                                      scratch: scratch, spare: spare)
                        }
                        // The level in force next: the median of the most
                        // recent `levelWindow` (the last block when that is a day).
                        if levelSteps == perDay {
                            level = dayLevel[blocks.count - 1]
                        } else {
                            var n = 0
                            for i in max(first, endIndex - levelSteps)..<endIndex {
                                let x = v[i]
                                scratch[n] = x - o[Int(bk[i - first])]
                                n &+= RobustStats.present(x)
                            }
                            level = n > 0 ? RobustStats.quantile(scratch, count: n, 0.5) : dayLevel[blocks.count - 1]
                        }
                    }
                    // (Counted in a local: the captured `m` would be stored
                    // and reloaded at every row.)
                    m = w.b.withUnsafeMutableBufferPointer { out in
                        var m = 0
                        let firstJudged = blocks.count > 1 ? 1 : 0
                        for k in firstJudged..<blocks.count {
                            var ref = k > 0 ? dayLevel[k - 1] : dayLevel[k]
                            if ref.isNaN { ref = dayLevel[k] }
                            for i in blocks[k] {
                                let x = v[i]
                                let r = x - ref - o[Int(bk[i - first])]
                                out[m] = x == x && ref == ref ? r : .nan
                                m += 1
                            }
                        }
                        return m
                    }
                }
            }
        }
        // Robust σ of the residuals.
        let rn = RobustStats.gather(w.b, 0..<m, into: &w.c)
        var sigma = w.c.withUnsafeMutableBufferPointer { r in
            w.d.withUnsafeMutableBufferPointer { d in
                let rMedian = RobustStats.quantile(r, count: rn, 0.5, scratch: d)
                return RobustStats.mad(r, count: rn, center: rMedian, scratch: d)
            }
        } * RobustStats.madToSigma
        var floor = max((spread.high - spread.low) * c.minimumSigmaFractionOfRange, abs(level) * 1e-3, 1e-9)
        // A flat history (no robust spread at all, e.g. a metric that is
        // always 0) says nothing about the size of normal changes: an
        // absolute floor keeps the band from collapsing onto the value.
        if spread.high == spread.low { floor = max(floor, c.flatMinimumSigma) }
        if !(sigma > floor) { sigma = floor }
        // Sustained excursions above and below.
        let days = Double(seconds) / 86_400
        let skip = Int((days * c.incidentsPerDay).rounded(.down))
        let (up, down) = Excursions.limits(w.b, count: m, runLength: c.runLength, skip: skip, scratch: &w.c,
                                           &w.d)
        let minimum = c.minimumSigmas * sigma
        var upper = max(up * c.excursionFactor + c.marginSigmas * sigma, minimum)
        var lower = max(down * c.excursionFactor + c.marginSigmas * sigma, minimum)
        // The same history replayed against both limits at once, as Nagios
        // counts attempts: widen both while it would exceed the budget.
        let replay = Excursions.replayFactor(w.b, count: m, runLength: c.runLength, upper: upper, lower: lower,
                                             direction: direction, skip: skip, scratch: &w.c, starts: &w.a)
        if replay > 1 {
            upper *= replay * c.replayMargin
            lower *= replay * c.replayMargin
        }
        // Single-check excursions (what the spike latch looks at).
        let spikeSkip = Int((days * c.spikeIncidentsPerDay).rounded(.down))
        // Both sides in one pass, as for the sustained ones (the same values
        // as `limit(runLength: 1, upward:)` for each side).
        let (upSpike, downSpike) = Excursions.limits(w.b, count: m, runLength: 1, skip: spikeSkip, scratch: &w.c,
                                                     &w.d)
        let trend = Seasonality.trendPerDay(dayLevel)
        var b = Baseline(level: level, sigma: sigma, season: season.offsets, hasDailySeason: season.daily,
                         hasWeeklySeason: season.weekly, trendPerDay: trend, historySeconds: seconds,
                         upperWarning: upper, lowerWarning: lower,
                         upperCritical: upper * c.criticalFactor, lowerCritical: lower * c.criticalFactor,
                         observedMinimum: lo, observedMaximum: hi)
        b.upperSpike = c.spikeMargin * upSpike + c.marginSigmas * sigma
        b.lowerSpike = c.spikeMargin * downSpike + c.marginSigmas * sigma
        let burst = c.burstChecks > 0 && m >= 4 * c.burstChecks
        let shift = c.shiftChecks > 1 && m >= 4 * c.shiftChecks
        let shiftSkip = Int((days * c.shiftIncidentsPerDay).rounded(.down))
        // The history's incidents (runs of `runLength` checks beyond the
        // final warning limits, and latched spikes: what Nagios notified)
        // are no more normal behaviour for the shift and burst checks than
        // for the band: they are left out, with the checks around them that
        // a burst window holding a part of one would count. Otherwise a
        // single real incident set both limits to its size for the 8 weeks
        // it stays in the history, and the two checks were blind that long.
        let skipIncidents = c.skipBandIncidents && c.runLength >= 1 && c.runLength <= 64
        // A single check the spike latch holds is an incident by itself:
        // beyond the critical limit by the latch's factor in
        // warning-to-critical gaps (`BandLimits.excessBeyondCritical`), and
        // beyond the normal spikes.
        func latched(warning: Double, critical: Double, normal: Double) -> Double {
            critical > warning ? max(critical + c.incidentSpikeFactor * (critical - warning), normal) : .infinity
        }
        let spikeUp = latched(warning: b.upperWarning, critical: b.upperCritical, normal: b.upperSpike)
        let spikeDown = latched(warning: b.lowerWarning, critical: b.lowerCritical, normal: b.lowerSpike)
        func maskIncidents() {
            Excursions.maskIncidents(&w.b, count: m, runLength: c.runLength, upper: upper, lower: lower,
                                     direction: direction, margin: max(c.burstChecks, c.shiftChecks),
                                     spikeUpper: spikeUp, spikeLower: spikeDown)
        }
        var burstMost: Int?
        var shiftLimits: (up: Double, down: Double)?
        if burst && shift && shiftSkip == 0 {
            // Both in one pass (the usual case), which also sees whether
            // there is an incident to leave out; only then a second one.
            var both = Excursions.shiftAndBurst(w.b, count: m, checks: c.shiftChecks, window: c.burstChecks,
                                                upper: upper, lower: lower, direction: direction,
                                                incidentLength: skipIncidents ? c.runLength : 0,
                                                spikeUpper: skipIncidents ? spikeUp : .infinity,
                                                spikeLower: skipIncidents ? spikeDown : .infinity)
            if both.incident {
                maskIncidents()
                both = Excursions.shiftAndBurst(w.b, count: m, checks: c.shiftChecks, window: c.burstChecks,
                                                upper: upper, lower: lower, direction: direction)
            }
            (shiftLimits, burstMost) = (both.shift, both.burst)
        } else {
            if skipIncidents && (burst || shift) { maskIncidents() }
            if burst {
                burstMost = Excursions.burstMost(w.b, count: m, window: c.burstChecks, upper: upper, lower: lower,
                                                 direction: direction)
            }
            if shift {
                shiftLimits = Excursions.shiftLimits(w.b, count: m, checks: c.shiftChecks, skip: shiftSkip,
                                                     means: &w.e, scratch: &w.c, &w.d)
            }
        }
        // A burst is never a single check.
        if let burstMost { b.burstLimit = max(burstMost, c.burstMinimum - 1) }
        if let (upShift, downShift) = shiftLimits {
            let margin = c.shiftMarginSigmas * sigma / Double(c.shiftChecks).squareRoot()
            b.upperShift = upShift * c.shiftFactor + margin
            b.lowerShift = downShift * c.shiftFactor + margin
        }
        return .learned(b)
    }

    /// The median of each day's present values minus their offsets (`o` by
    /// hour-of-week bucket, `bk[i - first]`); NaN for a day without values.
    /// `scratch` and `spare` hold a day's values and the selection's scratch.
    ///
    /// With `known` (the day medians, computed by `learn` from `knownFrom`
    /// on) and every offset +0, the values are unchanged (x − (+0) is x,
    /// also for −0) and gathered in the same order as for those medians, so
    /// the same selection gives the same value: they are taken from there.
    static func dayLevels(_ v: UnsafeBufferPointer<Double>, offsets o: UnsafeBufferPointer<Double>,
                          buckets bk: UnsafeBufferPointer<UInt8>, from first: Int, blocks: Blocks, known: [Double]?,
                          knownFrom: Int, scratch: UnsafeMutableBufferPointer<Double>,
                          spare: UnsafeMutableBufferPointer<Double>) -> [Double]
    {
        var levels = [Double](repeating: .nan, count: blocks.count)
        let zero = (0.0).bitPattern
        let reuse = known.map { $0.count == blocks.count } == true && o.allSatisfy { $0.bitPattern == zero }
        for k in 0..<blocks.count {
            if reuse, let known, k >= knownFrom {
                levels[k] = known[k]
                continue
            }
            var n = 0
            for i in blocks[k] {
                let x = v[i]
                scratch[n] = x - o[Int(bk[i - first])]
                n &+= RobustStats.present(x)
            }
            if n > 0 { levels[k] = RobustStats.shortQuantile(scratch, count: n, 0.5, scratch: spare) }
        }
        return levels
    }

    /// A normal spike's reach beyond the critical limit, in that side's
    /// warning-to-critical gaps (what `SpikeLatch` measures); `nil` when it
    /// stays within the critical limit.
    static func spikeExcess(_ spike: Double, warning: Double, critical: Double) -> Double? {
        guard critical > warning, spike > critical else { return nil }
        return ((spike - critical) / (critical - warning) * 1000).rounded(.up) / 1000
    }

    /// The smallest and largest of `a[0..<count]` (no NaN), exactly as
    /// `min`/`max` folded in order give them: four interleaved folds (one
    /// fold is a chain of dependent `minsd`s), and when a result is zero,
    /// whose sign depends on the order, the plain fold.
    static func observedRange(_ a: UnsafeBufferPointer<Double>, count: Int) -> (Double, Double) {
        var lo = (Double.infinity, Double.infinity, Double.infinity, Double.infinity)
        var hi = (-Double.infinity, -Double.infinity, -Double.infinity, -Double.infinity)
        var i = 0
        while i + 4 <= count {
            lo.0 = min(lo.0, a[i])
            lo.1 = min(lo.1, a[i + 1])
            lo.2 = min(lo.2, a[i + 2])
            lo.3 = min(lo.3, a[i + 3])
            hi.0 = max(hi.0, a[i])
            hi.1 = max(hi.1, a[i + 1])
            hi.2 = max(hi.2, a[i + 2])
            hi.3 = max(hi.3, a[i + 3])
            i += 4
        }
        var low = min(min(lo.0, lo.1), min(lo.2, lo.3))
        var high = max(max(hi.0, hi.1), max(hi.2, hi.3))
        while i < count {
            low = min(low, a[i])
            high = max(high, a[i])
            i += 1
        }
        if low == 0 || high == 0 {
            low = .infinity
            high = -.infinity
            for j in 0..<count {
                low = min(low, a[j])
                high = max(high, a[j])
            }
        }
        return (low, high)
    }

    /// The band for the whole week: the seasonal range widened by the limits.
    func staticBand(direction: AlertDirection, minimum: Double?, maximum: Double?) -> ThresholdBand {
        var sLo = 0.0
        var sHi = 0.0
        for o in season {
            sLo = min(sLo, o)
            sHi = max(sHi, o)
        }
        return band(low: level + sLo, high: level + sHi, direction: direction, minimum: minimum, maximum: maximum)
    }

    /// Hour-of-week bands, or nil when the metric has no cycle.
    func profile(direction: AlertDirection, minimum: Double?, maximum: Double?) -> TimeOfWeekProfile? {
        guard hasDailySeason || hasWeeklySeason else { return nil }
        var buckets = [ThresholdBand?]()
        buckets.reserveCapacity(TimeOfWeekProfile.bucketsPerWeek)
        for o in season {
            buckets.append(band(low: level + o, high: level + o, direction: direction, minimum: minimum,
                                maximum: maximum))
        }
        return TimeOfWeekProfile(buckets: buckets)
    }

    func band(low: Double, high: Double, direction: AlertDirection, minimum: Double?, maximum: Double?)
        -> ThresholdBand
    {
        var b = ThresholdBand()
        b.burstLimit = burstLimit
        if low == high {
            b.expected = low
            if direction != .low, upperShift > 0 { b.shiftHigh = upperShift }
            if direction != .high, lowerShift > 0 { b.shiftLow = lowerShift }
        }
        if direction != .low {
            b.warningHigh = clamp(high + upperWarning, minimum, maximum)
            b.criticalHigh = clamp(high + upperCritical, minimum, maximum)
            b.spikeHigh = Self.spikeExcess(upperSpike, warning: upperWarning, critical: upperCritical)
        }
        if direction != .high {
            b.warningLow = clamp(low - lowerWarning, minimum, maximum)
            b.criticalLow = clamp(low - lowerCritical, minimum, maximum)
            b.spikeLow = Self.spikeExcess(lowerSpike, warning: lowerWarning, critical: lowerCritical)
        }
        // A limit at or beyond the metric's own bounds can never alert.
        if let m = minimum {
            if let v = b.warningLow, v <= m { b.warningLow = nil }
            if let v = b.criticalLow, v <= m { b.criticalLow = nil }
        }
        if let m = maximum {
            if let v = b.warningHigh, v >= m { b.warningHigh = nil }
            if let v = b.criticalHigh, v >= m { b.criticalHigh = nil }
        }
        return b
    }
}

/// Daily blocks of indices ending at `end`; the first may be partial.
struct Blocks {
    let lower: Int
    let end: Int
    let size: Int
    let count: Int

    init(range: Range<Int>, end: Int, size: Int) {
        self.lower = range.lowerBound
        self.end = end
        self.size = size
        self.count = max(1, (end - range.lowerBound + size - 1) / size)
    }

    subscript(k: Int) -> Range<Int> {
        let hi = end - (count - 1 - k) * size
        return max(lower, hi - size)..<hi
    }
}

/// Sustained excursions: runs of `runLength` consecutive residuals on the
/// same side, measured by the smallest of them (what must be exceeded for
/// Nagios to reach a hard state).
enum Excursions {
    /// The height of the largest excursion after skipping the `skip`
    /// largest (past incidents); 0 when there are none.
    static func limit(_ r: [Double], count: Int, runLength: Int, upward: Bool, skip: Int,
                      scratch: inout [Double]) -> Double
    {
        // Peak of each excursion: an excursion is a maximal stretch where the
        // run-minimum is > 0. Once a run is `runLength` long, its last
        // `runLength` values are read back from `r` (no ring buffer).
        let length = max(1, runLength)
        var peaks = 0
        var current = 0.0
        var inside = false
        var run = 0
        let sign = upward ? 1.0 : -1.0
        let count = min(count, r.count)
        // Every row writes a (provisional) peak: room for `count` of them.
        if scratch.count < count { scratch.append(contentsOf: repeatElement(0, count: count - scratch.count)) }
        r.withUnsafeBufferPointer { r in
            scratch.withUnsafeMutableBufferPointer { out in
                // Without data-dependent branches: the run minimum is
                // always formed, the peak always written and kept only when
                // an excursion ends.
                for i in 0..<count {
                    let x = sign * r[i]
                    // Not NaN and > 0.
                    run = (run &+ 1) &* Int(unsafeBitCast(x > 0, to: UInt8.self))
                    var mn = x
                    for j in max(0, i + 1 - length)..<i {
                        let y = sign * r[j]
                        mn = y < mn ? y : mn
                    }
                    let full = run >= length
                    out[peaks] = current
                    peaks &+= Int(unsafeBitCast(inside, to: UInt8.self) & ~unsafeBitCast(full, to: UInt8.self) & 1)
                    let grown = !inside || mn > current ? mn : current
                    current = full ? grown : current
                    inside = full
                }
            }
        }
        if inside {
            scratch[peaks] = current
            peaks += 1
        }
        guard peaks > skip else { return 0 }
        // The (skip+1)-th largest peak.
        return RobustStats.quantile(&scratch, count: peaks, Double(peaks - 1 - skip) / Double(max(1, peaks - 1)))
    }
}

extension Excursions {
    /// `limit(upward: true)` and `limit(upward: false)` from one pass over
    /// `r`, the same values: the two sides' chains are independent (they
    /// overlap in the CPU), a run is "full" when its last `runLength`
    /// values are all beyond zero, and for the usual run of 3 the window
    /// minimum comes from the previous values kept in registers, without a
    /// branch. `upScratch` and `downScratch` receive the peaks.
    static func limits(_ r: [Double], count: Int, runLength: Int, skip: Int, scratch upScratch: inout [Double],
                       _ downScratch: inout [Double]) -> (up: Double, down: Double)
    {
        let length = max(1, runLength)
        let count = min(count, r.count)
        if upScratch.count < count + 1 {
            upScratch.append(contentsOf: repeatElement(0, count: count + 1 - upScratch.count))
        }
        if downScratch.count < count + 1 {
            downScratch.append(contentsOf: repeatElement(0, count: count + 1 - downScratch.count))
        }
        let (upPeaks, downPeaks) = r.withUnsafeBufferPointer { r in
            upScratch.withUnsafeMutableBufferPointer { upOut in
                downScratch.withUnsafeMutableBufferPointer { downOut in
                    switch length {
                    case 3: excursionPeaks(r, count: count, length: 3, up: upOut, down: downOut)
                    // The spikes (single checks).
                    case 1: excursionPeaks(r, count: count, length: 1, up: upOut, down: downOut)
                    default: excursionPeaks(r, count: count, length: length, up: upOut, down: downOut)
                    }
                }
            }
        }
        func largest(_ peaks: Int, _ scratch: inout [Double]) -> Double {
            guard peaks > skip else { return 0 }
            // The (skip+1)-th largest peak.
            return RobustStats.quantile(&scratch, count: peaks, Double(peaks - 1 - skip) / Double(max(1, peaks - 1)))
        }
        return (largest(upPeaks, &upScratch), largest(downPeaks, &downScratch))
    }

    /// The peaks of the excursions above and below zero (`limit`'s first
    /// part for both signs) into `up` and `down` (room for `count + 1`);
    /// returns how many of each. Inlined so that a constant `length`
    /// unrolls the window minimum.
    ///
    /// Both sides are the two lanes of one vector (the value and its
    /// negation), and every select is a vector blend: as scalars the
    /// compiler turned some of the selects into branches, mispredicted on
    /// the residuals' random signs. The peak being built is
    /// `current = full ? (!inside || min > current ? min : current) :
    /// current`, computed as a chain of one mask and one maximum: when full,
    /// `min` is > 0, so against the +0 the mask leaves when not inside it is
    /// `min` itself; when not full the value does not matter (not inside
    /// next, so never written out as a peak, and replaced by `min` at the
    /// next full run).
    @inline(__always)
    private static func excursionPeaks(_ r: UnsafeBufferPointer<Double>, count: Int, length: Int,
                                       up: UnsafeMutableBufferPointer<Double>,
                                       down: UnsafeMutableBufferPointer<Double>) -> (Int, Int)
    {
        typealias Lanes = SIMD2<Double>
        typealias Bits = SIMD2<UInt64>
        var upPeaks = 0
        var downPeaks = 0
        var current = Lanes(0, 0)
        // All ones in a lane whose side was inside an excursion at the
        // previous value.
        var inside = Bits(0, 0)
        // Consecutive values > 0 (not NaN) on each side, capped at
        // `length`: the run is full when it reaches it (long runs only;
        // up to 4 the last values' signs are kept as masks instead).
        var run = SIMD2<Int64>(0, 0)
        let cap = SIMD2<Int64>(repeating: Int64(length))
        // The previous three values (only used once a run is full, i.e.
        // when they exist and are all beyond zero) and whether they were.
        var p1 = Lanes(0, 0), p2 = Lanes(0, 0), p3 = Lanes(0, 0)
        var q1 = Bits(0, 0), q2 = Bits(0, 0), q3 = Bits(0, 0)
        @inline(__always) func smaller(_ a: Lanes, _ m: Lanes) -> Lanes { m.replacing(with: a, where: a .< m) }
        for i in 0..<count {
            let u = r[i]
            let x = Lanes(u, -u)
            let positive = x .> Lanes(0, 0)
            let positiveBits = unsafeBitCast(positive, to: Bits.self)
            var fullBits = positiveBits
            if length <= 4 {
                if length >= 2 { fullBits &= q1 }
                if length >= 3 { fullBits &= q2 }
                if length >= 4 { fullBits &= q3 }
            } else {
                run = SIMD2<Int64>(0, 0).replacing(with: pointwiseMin(run &+ 1, cap), where: positive)
                fullBits = Bits(truncatingIfNeeded: unsafeBitCast(run .== cap, to: SIMD2<Int64>.self))
            }
            q3 = q2
            q2 = q1
            q1 = positiveBits
            var mn = x
            if length <= 4 {
                if length >= 2 { mn = smaller(p1, mn) }
                if length >= 3 { mn = smaller(p2, mn) }
                if length >= 4 { mn = smaller(p3, mn) }
            } else {
                for j in max(0, i + 1 - length)..<i {
                    let y = r[j]
                    mn = smaller(Lanes(y, -y), mn)
                }
            }
            p3 = p2
            p2 = p1
            p1 = x
            up[upPeaks] = current[0]
            down[downPeaks] = current[1]
            // An excursion ends: inside before, not full now.
            let ended = inside & ~fullBits
            upPeaks &+= Int(ended[0] & 1)
            downPeaks &+= Int(ended[1] & 1)
            let base = unsafeBitCast(unsafeBitCast(current, to: Bits.self) & inside, to: Lanes.self)
            current = base.replacing(with: mn, where: mn .> base)
            inside = fullBits
        }
        if inside[0] != 0 {
            up[upPeaks] = current[0]
            upPeaks += 1
        }
        if inside[1] != 0 {
            down[downPeaks] = current[1]
            downPeaks += 1
        }
        return (upPeaks, downPeaks)
    }
}

/// `condition ? a : b` by masking the bits: never a branch, which the
/// compiler would otherwise pick for some selects in the hot loops (and
/// mispredict on residuals, whose signs are random).
@inline(__always)
func bitSelect(_ condition: Bool, _ a: Double, _ b: Double) -> Double {
    let mask = 0 &- UInt64(unsafeBitCast(condition, to: UInt8.self))
    return Double(bitPattern: (a.bitPattern & mask) | (b.bitPattern & ~mask))
}

extension Excursions {
    /// The smallest factor (≥ 1) by which `upper` and `lower` must both be
    /// multiplied so that the residuals, judged the way Nagios does (a
    /// problem is `runLength` consecutive rows beyond either limit that
    /// `direction` watches, whatever side each row is on), make at most
    /// `skip` problems. 1 when they already do.
    static func replayFactor(_ r: [Double], count: Int, runLength: Int, upper: Double, lower: Double,
                             direction: AlertDirection, skip: Int, scratch q: inout [Double],
                             starts: inout [Double]) -> Double
    {
        let length = max(1, runLength)
        guard count >= length, upper > 0, lower > 0 else { return 1 }
        let count = min(count, r.count)
        guard count >= length else { return 1 }
        let runs = count - length + 1
        if q.count < count { q.append(contentsOf: repeatElement(0, count: count - q.count)) }
        if starts.count < runs { starts.append(contentsOf: repeatElement(0, count: runs - starts.count)) }
        var highest = 0.0
        var pairs = 0
        r.withUnsafeBufferPointer { r in
            q.withUnsafeMutableBufferPointer { q in
                starts.withUnsafeMutableBufferPointer { starts in
                    // Each residual as a multiple of the limit on its side
                    // (0 = inside, NaN or a side `direction` ignores), without
                    // a branch on the side (the compiler turns selects around
                    // a division into branches, mispredicted on residuals,
                    // whose signs are random): both `x / upper` and
                    // `-x / lower` in one vector division; they have opposite
                    // signs, so the larger is the one of x's side. A zero may
                    // come out as +0 where it was −0: only its comparisons
                    // with factors ≥ 1 matter.
                    let limits = SIMD2<Double>(upper, lower)
                    let watched = SIMD2<UInt64>(direction != .low ? ~0 : 0, direction != .high ? ~0 : 0)
                    var beyond = 0
                    for i in 0..<count {
                        let x = r[i]
                        // Within both limits (most rows; never NaN): both
                        // ratios are ≤ 1 (the division rounds monotonically),
                        // and a ratio ≤ 1 acts as 0 everywhere below (run
                        // minima ≤ 1 neither start a problem nor raise the
                        // bisection's upper end above 1): no division.
                        if x <= upper && -x <= lower {
                            q[i] = 0
                            continue
                        }
                        let ratios = SIMD2<Double>(x, -x) / limits
                        let kept = unsafeBitCast(ratios, to: SIMD2<UInt64>.self) & watched
                        let high = Double(bitPattern: kept[0])
                        let low = Double(bitPattern: kept[1])
                        let ratio = high > low ? high : low
                        let present: UInt64 = x.isNaN ? 0 : ~0
                        q[i] = Double(bitPattern: ratio.bitPattern & present)
                        beyond &+= q[i] > 1 ? 1 : 0
                    }
                    // Fewer than `length` rows beyond the limits: no run
                    // minimum is > 1, so no problem at any factor tried
                    // (no pairs: the factor is 1), without the two passes.
                    guard beyond >= length else { return }
                    // In place: q[i] becomes the smallest of the run starting
                    // at i, i.e. the factor below which those `length` rows
                    // all alert.
                    // (The largest is kept in a local: a captured variable
                    // would be stored and reloaded at every row.)
                    @inline(__always) func runMinimum(_ length: Int) -> Double {
                        let q = q
                        var largest = 0.0
                        for i in 0..<runs {
                            var mn = q[i]
                            for j in (i + 1)..<(i + length) {
                                let y = q[j]
                                mn = y < mn ? y : mn
                            }
                            q[i] = mn
                            largest = max(largest, mn)
                        }
                        return largest
                    }
                    highest = length == 3 ? runMinimum(3) : runMinimum(length)
                    // A problem starts at run i for a factor f when q[i] > f ≥
                    // q[i − 1] (i = 0: q[i] > f). Only f ≥ 1 is ever tried, so
                    // only the runs with q[i] > 1 and q[i] > q[i − 1] can start
                    // one: keep those pairs (previous in `starts`, own value in
                    // `q`, compacted in place).
                    var previous = -Double.infinity
                    for i in 0..<runs {
                        let x = q[i]
                        if x > 1 && x > previous {
                            starts[pairs] = previous
                            q[pairs] = x
                            pairs += 1
                        }
                        previous = x
                    }
                }
            }
        }
        func problems(_ factor: Double) -> Int {
            q.withUnsafeBufferPointer { q in
                starts.withUnsafeBufferPointer { starts in
                    var n = 0
                    for i in 0..<pairs where q[i] > factor && starts[i] <= factor { n += 1 }
                    return n
                }
            }
        }
        guard problems(1) > skip else { return 1 }
        // Bisection: `problems` falls (not strictly monotonically, but
        // close) as the factor grows; keep the side that satisfies the budget.
        var lo = 1.0
        var hi = max(1, highest)
        for _ in 0..<30 {
            let mid = (lo + hi) / 2
            if problems(mid) <= skip { hi = mid } else { lo = mid }
        }
        return hi
    }
}

func clamp(_ v: Double, _ lo: Double?, _ hi: Double?) -> Double {
    var v = v
    if let lo, v < lo { v = lo }
    if let hi, v > hi { v = hi }
    return v
}
