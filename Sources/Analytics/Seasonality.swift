// Daily and weekly cycles and the trend of a series.

enum Seasonality {
    struct Offsets {
        /// 168 hour-of-week offsets from the day's level.
        var offsets: [Double]
        var daily: Bool
        var weekly: Bool
    }

    /// Hour-of-day (and, with enough weeks, hour-of-week) medians of the
    /// values minus their day's median. A cycle is kept only when removing
    /// it shrinks the robust spread (MAD) by `seasonMinimumGain`.
    /// `w.buckets[i - bucketsFrom]` is the hour-of-week bucket of index `i`.
    static func hourOfWeekOffsets(series: TimeSeries, blocks: Blocks, dayMedian: [Double], bucketsFrom: Int,
                                  configuration c: LearnerConfiguration, workspace w: inout LearnerWorkspace)
        -> Offsets
    {
        let zero = [Double](repeating: 0, count: TimeOfWeekProfile.bucketsPerWeek)
        let flat = Offsets(offsets: zero, daily: false, weekly: false)
        let values = series.values
        let bucket = w.buckets
        guard blocks.count >= c.seasonMinimumDays, series.step <= 3600 else { return flat }
        // The workspace's buffers, taken out so that the loops below write
        // through plain pointers (put back before returning).
        var grouped: [Double] = []
        var shifted: [Double] = []
        var scratch: [Double] = []
        var spare: [Double] = []
        swap(&grouped, &w.b)
        swap(&shifted, &w.a)
        swap(&scratch, &w.c)
        swap(&spare, &w.d)
        defer {
            swap(&grouped, &w.b)
            swap(&shifted, &w.a)
            swap(&scratch, &w.c)
            swap(&spare, &w.d)
        }
        return values.withUnsafeBufferPointer { v in
            bucket.withUnsafeBufferPointer { bk in
                grouped.withUnsafeMutableBufferPointer { g in
                    shifted.withUnsafeMutableBufferPointer { a in
                        scratch.withUnsafeMutableBufferPointer { t in
                            spare.withUnsafeMutableBufferPointer { s in
                                offsets(v: v, bk: bk, g: g, a: a, t: t, s: s, blocks: blocks, dayMedian: dayMedian,
                                        bucketsFrom: bucketsFrom, c: c, flat: flat)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The body of `hourOfWeekOffsets` on buffer pointers: `v` the values,
    /// `bk` their buckets (from `bucketsFrom`), `g` and `a` the deviations
    /// grouped by bucket (without and with the weekly day shift), `t`
    /// scratch for the selections and `s` for the long ones.
    private static func offsets(v: UnsafeBufferPointer<Double>, bk: UnsafeBufferPointer<UInt8>,
                                g: UnsafeMutableBufferPointer<Double>, a: UnsafeMutableBufferPointer<Double>,
                                t: UnsafeMutableBufferPointer<Double>, s: UnsafeMutableBufferPointer<Double>,
                                blocks: Blocks, dayMedian: [Double],
                                bucketsFrom: Int, c: LearnerConfiguration, flat: Offsets) -> Offsets
    {
        // Deviations grouped by hour-of-week bucket (counting sort).
        // The buckets come in runs (an hour of steps): each run is counted
        // and copied with its own counter and write position in registers
        // instead of incrementing `counts[b]` / `fill[b]` in memory at every
        // value (a chain of dependent stores on the same slot).
        // The runs are found once (a scan of every bucket) and listed for
        // the two copying passes below, which visit the same days.
        var counts = [Int](repeating: 0, count: 169)
        var runs: [BucketRun] = []
        runs.reserveCapacity(blocks.count * 25)
        for k in 0..<blocks.count where !dayMedian[k].isNaN {
            forEachBucketRun(bk, blocks[k], from: bucketsFrom) { b, run in
                var n = 0
                for i in run { n &+= RobustStats.present(v[i]) }
                counts[b + 1] += n
                runs.append(BucketRun(bucket: b, day: k, run: run))
            }
        }
        for b in 0..<168 { counts[b + 1] += counts[b] }
        let total = counts[168]
        guard total > 0 else { return flat }
        var fill = counts
        // Distinct days that contributed to each bucket: a bucket (or an
        // hour of day) seen on too few days says nothing about the cycle —
        // one busy hour of a sparse series would become its offset.
        var daysInBucket = [Int](repeating: 0, count: 168)
        var lastDay = [Int](repeating: -1, count: 168)
        for r in runs {
            let (b, k) = (r.bucket, r.day)
            let median = dayMedian[k]
            var p = fill[b]
            for i in r.lower..<r.upper where !v[i].isNaN {
                g[p] = v[i] - median
                p += 1
            }
            if p > fill[b] && lastDay[b] != k {
                lastDay[b] = k
                daysInBucket[b] += 1
            }
            fill[b] = p
        }
        // Hour of day: the seven buckets of one hour together.
        var daily = [Double](repeating: 0, count: 24)
        for h in 0..<24 {
            var days = 0
            for d in 0..<7 { days += daysInBucket[d * 24 + h] }
            guard days >= c.seasonMinimumDays else { continue }
            var n = 0
            for d in 0..<7 {
                let b = d * 24 + h
                for j in counts[b]..<counts[b + 1] {
                    t[n] = g[j]
                    n += 1
                }
            }
            daily[h] = n > 0 ? RobustStats.quantile(t, count: n, 0.5) : 0
        }
        // The MAD around 0 of all deviations, formed as `RobustStats.mad` does.
        for j in 0..<total { t[j] = abs(g[j] - 0) }
        let rawSpread = RobustStats.quantile(t, count: total, 0.5, scratch: s)
        // Only whether the daily profile shrinks the spread enough matters,
        // not by how much: a counting pass decides it exactly.
        let hasDaily = rawSpread > 0
            && spread(UnsafeBufferPointer(g), counts, { daily[$0 % 24] },
                      isBelow: rawSpread * (1 - c.seasonMinimumGain))
        var weekly = flat.offsets
        var hasWeekly = false
        if blocks.count >= 7 * c.seasonMinimumWeeks {
            // Weekly offsets are relative to the week's level (the median of
            // the seven daily medians centred on that day), so that quiet weekends
            // show up as offsets instead of being absorbed by the day level.
            var dayShift = [Double](repeating: 0, count: blocks.count)
            var recent = [Double]()
            for k in 0..<blocks.count where !dayMedian[k].isNaN {
                recent.removeAll(keepingCapacity: true)
                for j in max(0, k - 3)...min(blocks.count - 1, k + 3) where !dayMedian[j].isNaN { recent.append(dayMedian[j]) }
                dayShift[k] = dayMedian[k] - RobustStats.median(&recent, count: recent.count)
            }
            var fill = counts
            for r in runs {
                let b = r.bucket
                let median = dayMedian[r.day]
                let shift = dayShift[r.day]
                var p = fill[b]
                for i in r.lower..<r.upper where !v[i].isNaN {
                    a[p] = v[i] - median + shift
                    p += 1
                }
                fill[b] = p
            }
            for b in 0..<168 {
                var n = 0
                for j in counts[b]..<counts[b + 1] {
                    t[n] = a[j]
                    n += 1
                }
                weekly[b] = n > 0 && daysInBucket[b] >= c.seasonMinimumWeeks
                    ? RobustStats.quantile(t, count: n, 0.5) : daily[b % 24]
            }
            // Compared on the same deviations: the daily profile vs the weekly one.
            var n = 0
            for b in 0..<168 {
                let o = hasDaily ? daily[b % 24] : 0
                for j in counts[b]..<counts[b + 1] {
                    t[n] = abs(a[j] - o - 0)
                    n += 1
                }
            }
            let base = RobustStats.quantile(t, count: n, 0.5, scratch: s)
            hasWeekly = base > 0
                && spread(UnsafeBufferPointer(a), counts, { weekly[$0] }, isBelow: base * (1 - c.seasonMinimumGain))
        }
        if hasWeekly { return Offsets(offsets: weekly, daily: hasDaily, weekly: true) }
        if hasDaily {
            var offsets = flat.offsets
            for b in 0..<168 { offsets[b] = daily[b % 24] }
            return Offsets(offsets: offsets, daily: true, weekly: false)
        }
        return flat
    }

    /// A maximal run of indices `lower..<upper` of day `day` in one bucket.
    struct BucketRun {
        let bucket: Int
        let day: Int
        let lower: Int
        let upper: Int

        init(bucket: Int, day: Int, run: Range<Int>) {
            self.bucket = bucket
            self.day = day
            self.lower = run.lowerBound
            self.upper = run.upperBound
        }
    }

    /// Calls `body(bucket, run)` for each maximal run of indices of `range`
    /// whose buckets (`bk[i - from]`) are the same, in order.
    @inline(__always)
    private static func forEachBucketRun(_ bk: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, from: Int,
                                         _ body: (Int, Range<Int>) -> Void)
    {
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bk[i - from]
            var j = i + 1
            while j < range.upperBound && bk[j - from] == b { j += 1 }
            body(Int(b), i..<j)
            i = j
        }
    }

    /// MAD of the bucketed deviations after subtracting `offset(bucket)`.
    static func spread(_ grouped: [Double], _ starts: [Int], _ offset: (Int) -> Double,
                               _ scratch: inout [Double]) -> Double
    {
        var n = 0
        for b in 0..<168 {
            let o = offset(b)
            for j in starts[b]..<starts[b + 1] {
                scratch[n] = grouped[j] - o
                n += 1
            }
        }
        return RobustStats.mad(&scratch, count: n, center: 0)
    }

    /// Whether `spread(grouped, starts, offset, _)` < `threshold`, decided
    /// exactly without selecting: with `c` deviations below the threshold,
    /// the median's order statistic (rank `k`) is below it when `c > k`;
    /// when the median interpolates between ranks `k` and `k + 1` and only
    /// the first is below, those two are the largest deviation below the
    /// threshold and the smallest one not below it, and the median is
    /// computed from them as `RobustStats.quantile` does.
    static func spread(_ grouped: [Double], _ starts: [Int], _ offset: (Int) -> Double, isBelow threshold: Double)
        -> Bool
    {
        grouped.withUnsafeBufferPointer { spread($0, starts, offset, isBelow: threshold) }
    }

    static func spread(_ g: UnsafeBufferPointer<Double>, _ starts: [Int], _ offset: (Int) -> Double,
                       isBelow threshold: Double) -> Bool
    {
        var n = 0
        var below = 0
        var largestBelow = -Double.infinity
        var smallestOther = Double.infinity
        // Without a branch (about half the deviations are below the
        // threshold, in no predictable order), and with two sets of
        // extremes for alternate deviations so that the two dependency
        // chains of `max`/`min` overlap. Deviations are ≥ +0 (`abs`), so
        // the extremes do not depend on the order they are met in; a NaN
        // is never below and never smaller.
        var largest = (-Double.infinity, -Double.infinity)
        var smallest = (Double.infinity, Double.infinity)
        @inline(__always) func visit(_ d: Double, _ largestBelow: inout Double, _ smallestOther: inout Double) -> Int {
            let isBelow = d < threshold
            let belowCandidate = bitSelect(isBelow, d, -.infinity)
            let otherCandidate = bitSelect(isBelow, .infinity, d)
            largestBelow = belowCandidate > largestBelow ? belowCandidate : largestBelow
            smallestOther = otherCandidate < smallestOther ? otherCandidate : smallestOther
            return Int(unsafeBitCast(isBelow, to: UInt8.self))
        }
        for b in 0..<168 {
            let o = offset(b)
            var j = starts[b]
            let end = starts[b + 1]
            // The deviation exactly as `RobustStats.mad` forms it.
            while j + 2 <= end {
                below &+= visit(abs(g[j] - o - 0), &largest.0, &smallest.0)
                below &+= visit(abs(g[j + 1] - o - 0), &largest.1, &smallest.1)
                j += 2
            }
            if j < end { below &+= visit(abs(g[j] - o - 0), &largest.0, &smallest.0) }
            n += end - starts[b]
        }
        largestBelow = max(largest.0, largest.1)
        smallestOther = min(smallest.0, smallest.1)
        guard n > 0 else { return false }
        let pos = 0.5 * Double(n - 1)
        let k = Int(pos)
        let frac = pos - Double(k)
        if frac > 0 && k + 1 < n && below == k + 1 {
            return largestBelow + (smallestOther - largestBelow) * frac < threshold
        }
        return below > k
    }

    /// Slope per day of the daily levels (Theil–Sen: median of pairwise slopes).
    static func trendPerDay(_ levels: [Double]) -> Double {
        let days = levels.count
        guard days >= 3 else { return 0 }
        var slopes = [Double]()
        slopes.reserveCapacity(days * (days - 1) / 2)
        for i in 0..<days where !levels[i].isNaN {
            for j in (i + 1)..<days where !levels[j].isNaN {
                slopes.append((levels[j] - levels[i]) / Double(j - i))
            }
        }
        guard !slopes.isEmpty else { return 0 }
        return RobustStats.median(&slopes, count: slopes.count)
    }
}
