// The learner's shift and burst steps (the last two of `Baseline.learn`),
// each one pass over the day-ahead residuals.

extension Excursions {
    /// How far the mean of `checks` consecutive residuals went above and
    /// below zero in the history, after skipping the `skip` largest
    /// excursions of those means: `limits(runLength: 1)` of the means (NaN
    /// unless all `checks` residuals are present).
    ///
    /// With `skip` 0 (the default budget) that is the largest mean above
    /// zero and the largest below, so the sums are folded as they are
    /// formed: no buffer of means, no excursion scan, no selection, and one
    /// division per side instead of one per row. The result is the same
    /// value: `limits` takes the largest of its peaks, each a mean > 0 (+0
    /// when there is none), and as division by `checks` > 0 rounds
    /// monotonically, the largest of the rounded means is the largest sum
    /// divided (a NaN sum is never the largest, as its mean never is a peak).
    static func shiftLimits(_ r: [Double], count: Int, checks k: Int, skip: Int, means: inout [Double],
                            scratch: inout [Double], _ second: inout [Double]) -> (up: Double, down: Double)
    {
        let count = min(count, r.count)
        guard skip == 0, k >= 1 else {
            shiftMeans(r, count: count, checks: k, into: &means)
            return limits(means, count: count, runLength: 1, skip: skip, scratch: &scratch, &second)
        }
        // Without a burst to count (no limit is ever crossed).
        return shiftAndBurst(r, count: count, checks: k, window: 1, upper: .infinity, lower: .infinity,
                             direction: .both).shift
    }

    /// `shiftLimits(skip: 0)` and `burstMost` in one pass: the shift's
    /// running sum is a chain of two dependent additions per row, which
    /// leaves the CPU time to judge the row for the burst count alongside.
    /// The same values as the two calls. With `incidentLength` (1…64),
    /// `incident` says whether that many residuals in a row were beyond a
    /// limit, or one beyond `spikeUpper` / `spikeLower` (an incident,
    /// `maskIncidents`): the verdicts are at hand.
    static func shiftAndBurst(_ r: [Double], count: Int, checks k: Int, window: Int, upper: Double,
                              lower: Double, direction: AlertDirection, incidentLength: Int = 0,
                              spikeUpper: Double = .infinity, spikeLower: Double = .infinity)
        -> (shift: (up: Double, down: Double), burst: Int, incident: Bool)
    {
        let count = min(count, r.count)
        let k = max(1, k)
        let n = min(64, max(1, window))
        let high = direction != .low ? upper : .infinity
        let low = direction != .high ? -lower : -.infinity
        let spikeHigh = direction != .low ? spikeUpper : .infinity
        let spikeLow = direction != .high ? -spikeLower : -.infinity
        return r.withUnsafeBufferPointer { r in
            var highest = -Double.infinity
            var lowest = Double.infinity
            var window = WindowSum(checks: k)
            var bits: UInt64 = 0
            var inside = 0
            var most = 0
            // The last `incidentLength` verdicts all set (ignored for 0:
            // an empty mask always matches). Accumulated without a branch.
            let run: UInt64 = incidentLength >= 1 && incidentLength <= 64
                ? ~0 >> UInt64(64 - incidentLength) : 0
            var incident: UInt8 = 0
            for i in 0..<count {
                let x = r[i]
                if window.advance(r, i) {
                    let sum = window.sum
                    highest = sum > highest ? sum : highest
                    lowest = sum < lowest ? sum : lowest
                }
                let outside = UInt64(unsafeBitCast(x > high, to: UInt8.self) | unsafeBitCast(x < low, to: UInt8.self))
                let leaving = Int(truncatingIfNeeded: (bits >> UInt64(n - 1)) & 1)
                bits = bits << 1 | outside
                inside += Int(truncatingIfNeeded: outside) - leaving
                most = max(most, inside)
                incident |= unsafeBitCast(bits & run == run, to: UInt8.self)
                    | unsafeBitCast(x > spikeHigh, to: UInt8.self) | unsafeBitCast(x < spikeLow, to: UInt8.self)
            }
            let divisor = Double(k)
            let up = highest / divisor
            let down = -(lowest / divisor)
            return ((up > 0 ? up : 0, down > 0 ? down : 0), most, run != 0 && incident != 0)
        }
    }

    /// The means of `checks` consecutive residuals of `r[0..<count]`, each
    /// at the index of its last residual; NaN where a residual is missing or
    /// fewer than `checks` precede.
    static func shiftMeans(_ r: [Double], count: Int, checks k: Int, into means: inout [Double]) {
        let count = min(count, r.count)
        if means.count < count { means.append(contentsOf: repeatElement(0, count: count - means.count)) }
        r.withUnsafeBufferPointer { r in
            means.withUnsafeMutableBufferPointer { out in
                var window = WindowSum(checks: k)
                for i in 0..<count {
                    out[i] = window.advance(r, i) ? window.sum / Double(k) : .nan
                }
            }
        }
    }

    /// The most residuals of `r[0..<count]` among `window` (≤ 64)
    /// consecutive ones that are beyond `upper` above or `lower` below zero,
    /// on the sides `direction` watches.
    ///
    /// The last `window` verdicts are the bits of one word, so each row adds
    /// its own verdict and drops the one leaving the window without judging
    /// that residual again; a side not watched has an infinite limit (no
    /// value, not even ±∞ or NaN, is beyond it).
    static func burstMost(_ r: [Double], count: Int, window: Int, upper: Double, lower: Double,
                          direction: AlertDirection) -> Int
    {
        // (The shift sums formed alongside are not used.)
        shiftAndBurst(r, count: count, checks: 1, window: window, upper: upper, lower: lower,
                      direction: direction).burst
    }
}

extension Excursions {
    /// Sets to NaN (missing, which the shift and burst passes skip) the
    /// incidents of `r[0..<count]` and the `margin` residuals before and
    /// after each: every residual in a run of at least `runLength` beyond
    /// `upper` above or `lower` below zero (either side that `direction`
    /// watches, as the band's replay counts them), and every one beyond
    /// `spikeUpper` / `spikeLower` by itself (a spike the latch holds).
    /// Returns whether there was any. One pass: a run is seen at its
    /// `runLength`-th residual, and the residuals before it, already read,
    /// are masked then.
    @discardableResult
    static func maskIncidents(_ r: inout [Double], count: Int, runLength: Int, upper: Double, lower: Double,
                              direction: AlertDirection, margin: Int, spikeUpper: Double = .infinity,
                              spikeLower: Double = .infinity) -> Bool
    {
        let count = min(count, r.count)
        let length = max(1, runLength)
        let margin = max(0, margin)
        let high = direction != .low ? upper : .infinity
        let low = direction != .high ? -lower : -.infinity
        let spikeHigh = direction != .low ? spikeUpper : .infinity
        let spikeLow = direction != .high ? -spikeLower : -.infinity
        var found = false
        r.withUnsafeMutableBufferPointer { r in
            var run = 0
            // Residuals before this index are masked while it is ahead.
            var maskUntil = 0
            // Every residual before this one that must be masked is.
            var masked = 0
            for i in 0..<count {
                let x = r[i]
                // (NaN is neither.)
                run = x > high || x < low ? run + 1 : 0
                if run == length {
                    // A run becomes an incident: back to its start.
                    found = true
                    for j in max(0, i + 1 - length - margin)..<i { r[j] = .nan }
                    maskUntil = i + 1 + margin
                } else if run > length || x > spikeHigh || x < spikeLow {
                    found = true
                    for j in max(masked, i - margin, 0)..<i { r[j] = .nan }
                    maskUntil = i + 1 + margin
                }
                if i < maskUntil {
                    r[i] = .nan
                    masked = i + 1
                }
            }
        }
        return found
    }
}

/// The running sum of the last `checks` residuals (the shift's window),
/// shared by the fused pass and `shiftMeans` so that both form exactly the
/// same sums (the same additions and subtractions in the same order).
struct WindowSum {
    let checks: Int
    var sum = 0.0
    var missing = 0

    init(checks: Int) { self.checks = checks }

    /// Takes in `r[i]` and lets `r[i − checks]` go (indices from 0, in
    /// order); true when the window is full and none of it is missing.
    @inline(__always)
    mutating func advance(_ r: UnsafeBufferPointer<Double>, _ i: Int) -> Bool {
        let x = r[i]
        if x.isNaN { missing += 1 } else { sum += x }
        if i >= checks {
            let y = r[i - checks]
            if y.isNaN { missing -= 1 } else { sum -= y }
        }
        return i >= checks - 1 && missing == 0
    }
}
