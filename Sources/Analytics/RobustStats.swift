// Order statistics without allocation per call: callers pass a scratch
// buffer that the functions reorder in place. Selection is exact (the same
// values a full sort would give) but O(n): Floyd–Rivest sampling narrows the
// range around the wanted rank, a median-of-three quickselect finishes it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum RobustStats {
    /// Consistency factor: MAD × 1.4826 estimates σ for normal data.
    public static let madToSigma = 1.482_602_218_505_602

    /// The q-quantile (0…1, linear interpolation between order statistics) of
    /// `buffer[0..<count]`; reorders that part of the buffer. NaN when empty.
    public static func quantile(_ buffer: inout [Double], count: Int, _ q: Double) -> Double {
        guard count > 0 else { return .nan }
        return buffer.withUnsafeMutableBufferPointer { quantile($0, count: count, q) }
    }

    /// Same on a buffer pointer (for hot loops that already hold one);
    /// `scratch` (at least `count` long) spares long selections an
    /// allocation.
    static func quantile(_ b: UnsafeMutableBufferPointer<Double>, count: Int, _ q: Double,
                         scratch: UnsafeMutableBufferPointer<Double>? = nil) -> Double
    {
        guard count > 0 else { return .nan }
        return quantile(b, count: count, q, orderedFrom: count, scratch: scratch)
    }

    /// The `low` and `high` quantiles (low ≤ high) of `buffer[0..<count]`
    /// from one partially ordered buffer: the second selection only looks
    /// below the rank of the first. Reorders the buffer.
    public static func quantiles(_ buffer: inout [Double], count: Int, low: Double, high: Double)
        -> (low: Double, high: Double)
    {
        guard count > 0 else { return (.nan, .nan) }
        return buffer.withUnsafeMutableBufferPointer { quantiles($0, count: count, low: low, high: high) }
    }

    /// Same on a buffer pointer, with `scratch` as in `quantile`. With a
    /// `second` scratch as long, a long buffer's two windows are gathered in
    /// one pass (`windowedPair`; the same values).
    static func quantiles(_ b: UnsafeMutableBufferPointer<Double>, count: Int, low: Double, high: Double,
                          scratch: UnsafeMutableBufferPointer<Double>? = nil,
                          second: UnsafeMutableBufferPointer<Double>? = nil) -> (low: Double, high: Double)
    {
        guard count > 0 else { return (.nan, .nan) }
        if count >= sampledMinimum, let scratch, let second, scratch.count >= count, second.count >= count {
            let ph = min(max(high, 0), 1) * Double(count - 1)
            let pl = min(max(low, 0), 1) * Double(count - 1)
            let kh = Int(ph)
            let kl = Int(pl)
            let fh = ph - Double(kh)
            let fl = pl - Double(kl)
            let nextH = fh > 0 && kh + 1 < count
            let nextL = fl > 0 && kl + 1 < count
            if let (h, l) = windowedPair(b, count: count, kh, withNext: nextH, kl, withNext: nextL,
                                         scratch: scratch, second)
            {
                return (nextL ? l.0 + (l.1 - l.0) * fl : l.0, nextH ? h.0 + (h.1 - h.0) * fh : h.0)
            }
        }
        let h = quantile(b, count: count, high, orderedFrom: count, scratch: scratch)
        // Long buffers are not reordered (`orderStatistics`); in short ones
        // everything from the rank of `high` on is now ≥ everything before it.
        let l = quantile(b, count: count, low, orderedFrom: count >= sampledMinimum ? count : rank(count, high),
                         scratch: scratch)
        return (l, h)
    }

    /// The index of the lower order statistic used for quantile `q`.
    static func rank(_ count: Int, _ q: Double) -> Int {
        Int(min(max(q, 0), 1) * Double(count - 1))
    }

    /// Quantile of `b[0..<count]` when `b[limit..<count]` (limit ≤ count) are
    /// known to be ≥ every value before `limit` and `b[limit]` is their
    /// smallest: only the front part is searched.
    private static func quantile(_ b: UnsafeMutableBufferPointer<Double>, count: Int, _ q: Double,
                                 orderedFrom limit: Int, scratch: UnsafeMutableBufferPointer<Double>?) -> Double
    {
        let pos = min(max(q, 0), 1) * Double(count - 1)
        let lo = Int(pos)
        let frac = pos - Double(lo)
        let limit = lo < limit ? limit : count
        if limit == count && count >= sampledMinimum {
            let (a, next) = orderStatistics(b, count: count, lo, withNext: frac > 0 && lo + 1 < count,
                                            scratch: scratch)
            return frac > 0 && lo + 1 < count ? a + (next - a) * frac : a
        }
        select(b, lo, 0, limit - 1)
        let a = b[lo]
        guard frac > 0, lo + 1 < count else { return a }
        // The next order statistic is the minimum of the upper part.
        let end = min(count, limit + 1)
        var next = Double.infinity
        var i = lo + 1
        while i < end {
            let x = b[i]
            next = x < next ? x : next
            i += 1
        }
        return a + (next - a) * frac
    }

    /// From this many values on, `quantile` uses `orderStatistics`.
    static let sampledMinimum = 1024

    /// The order statistics of rank `k` and (when `withNext`) `k + 1` of
    /// `b[0..<count]`, exactly, without reordering `b` in the usual case:
    /// two pivots bracketing the rank(s) are taken from an evenly spaced
    /// sample (a time series' neighbours are alike, so every part of it is
    /// sampled), then one pass counts the values below the lower pivot and
    /// copies those between the pivots into a scratch buffer, where the
    /// rank is selected. When the ranks fall outside that window (or a NaN
    /// is met) the whole buffer is selected in place as before.
    static func orderStatistics(_ b: UnsafeMutableBufferPointer<Double>, count n: Int, _ k: Int, withNext: Bool,
                                scratch: UnsafeMutableBufferPointer<Double>? = nil) -> (Double, Double)
    {
        let found: (Double, Double)?
        if let scratch, scratch.count >= n {
            found = windowed(b, count: n, k, withNext: withNext, scratch: scratch)
        } else {
            found = withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { t in
                windowed(b, count: n, k, withNext: withNext, scratch: t)
            }
        }
        if let found { return found }
        select(b, k, 0, n - 1)
        let a = b[k]
        guard withNext else { return (a, a) }
        var next = Double.infinity
        for i in (k + 1)..<n {
            let x = b[i]
            next = x < next ? x : next
        }
        return (a, next)
    }

    /// The sampled path of `orderStatistics` (`nil` when the ranks fall
    /// outside the window); `t` holds at least `n` values.
    private static func windowed(_ b: UnsafeMutableBufferPointer<Double>, count n: Int, _ k: Int, withNext: Bool,
                                 scratch t: UnsafeMutableBufferPointer<Double>) -> (Double, Double)?
    {
        let k2 = withNext ? k + 1 : k
        let (low, high) = pivots(b, count: n, k, k2, sample: t)
        var below = 0
        var above = 0
        // Without data-dependent branches (the comparisons become flags).
        // The write position is the count of values neither below nor
        // above so far: two counters instead of three. A NaN is neither, so
        // it lands in the window, which is checked for one afterwards (the
        // window is short; a NaN anywhere sends the caller back to `select`
        // as the three counters did).
        for i in 0..<n {
            let x = b[i]
            t[i &- below &- above] = x
            below &+= Int(unsafeBitCast(x < low, to: UInt8.self))
            above &+= Int(unsafeBitCast(x > high, to: UInt8.self))
        }
        let m = n - below - above
        guard below <= k, k2 < below + m, !hasNaN(t, m) else { return nil }
        return finish(t, count: m, k - below, withNext: withNext)
    }

    /// `windowed` for two pairs of ranks at once, the same values: both
    /// windows' pivots from the same sample, then one pass gathers the
    /// values of the first window into `t` and those of the second into
    /// `u` (each in `b`'s order, as `windowed` would). `nil` when either
    /// falls outside its window.
    static func windowedPair(_ b: UnsafeMutableBufferPointer<Double>, count n: Int, _ k: Int, withNext: Bool,
                             _ kB: Int, withNext withNextB: Bool, scratch t: UnsafeMutableBufferPointer<Double>,
                             _ u: UnsafeMutableBufferPointer<Double>) -> ((Double, Double), (Double, Double))?
    {
        let k2 = withNext ? k + 1 : k
        let kB2 = withNextB ? kB + 1 : kB
        let (low, high) = pivots(b, count: n, k, k2, sample: t)
        let (lowB, highB) = pivots(b, count: n, kB, kB2, sample: u)
        var below = 0
        var above = 0
        var belowB = 0
        var aboveB = 0
        // Write positions and NaNs as in `windowed`.
        for i in 0..<n {
            let x = b[i]
            t[i &- below &- above] = x
            u[i &- belowB &- aboveB] = x
            below &+= Int(unsafeBitCast(x < low, to: UInt8.self))
            above &+= Int(unsafeBitCast(x > high, to: UInt8.self))
            belowB &+= Int(unsafeBitCast(x < lowB, to: UInt8.self))
            aboveB &+= Int(unsafeBitCast(x > highB, to: UInt8.self))
        }
        let m = n - below - above
        let mB = n - belowB - aboveB
        guard below <= k, k2 < below + m, belowB <= kB, kB2 < belowB + mB, !hasNaN(t, m), !hasNaN(u, mB)
        else { return nil }
        return (finish(t, count: m, k - below, withNext: withNext),
                finish(u, count: mB, kB - belowB, withNext: withNextB))
    }

    /// Whether `t[0..<m]` holds a NaN.
    @inline(__always)
    private static func hasNaN(_ t: UnsafeMutableBufferPointer<Double>, _ m: Int) -> Bool {
        var nan = false
        for i in 0..<m { nan = nan || t[i].isNaN }
        return nan
    }

    /// `windowed`'s pivots for ranks `k`…`k2` of `b[0..<n]`: order
    /// statistics of an evenly spaced sample copied into `t`.
    @inline(__always)
    static func pivots(_ b: UnsafeMutableBufferPointer<Double>, count n: Int, _ k: Int, _ k2: Int,
                               sample t: UnsafeMutableBufferPointer<Double>) -> (Double, Double)
    {
        // Sample of about n^(2/3) values, one in the middle of each stride.
        let s = max(32, min(n / 4, Int(exp(log(Double(n)) * 2 / 3))))
        let stride = n / s
        for j in 0..<s { t[j] = b[j * stride + stride / 2] }
        // Sample ranks ±3 standard deviations (plus one) around the wanted ones.
        let p1 = Double(k) / Double(n)
        let p2 = Double(k2) / Double(n)
        let margin1 = 3 * (Double(s) * p1 * (1 - p1)).squareRoot() + 1
        let margin2 = 3 * (Double(s) * p2 * (1 - p2)).squareRoot() + 1
        let j1 = Int((p1 * Double(s) - margin1).rounded(.down))
        let j2 = Int((p2 * Double(s) + margin2).rounded(.up))
        var low = -Double.infinity
        var high = Double.infinity
        if j1 >= 0 {
            select(t, j1, 0, s - 1)
            low = t[j1]
        }
        if j2 < s {
            select(t, j2, max(0, j1), s - 1)
            high = t[j2]
        }
        return (low, high)
    }

    /// The order statistic of rank `r` of the gathered window `t[0..<m]`
    /// and (when `withNext`) the next one.
    @inline(__always)
    static func finish(_ t: UnsafeMutableBufferPointer<Double>, count m: Int, _ r: Int, withNext: Bool)
        -> (Double, Double)
    {
        select(t, r, 0, m - 1)
        let a = t[r]
        guard withNext else { return (a, a) }
        var next = Double.infinity
        for i in (r + 1)..<m {
            let x = t[i]
            next = x < next ? x : next
        }
        return (a, next)
    }

    /// The q-quantile of `b[0..<count]` for short buffers (the day, hour
    /// and hour-of-week medians), the same value as `quantile` and faster:
    /// each quickselect level reads its range once and copies the values
    /// below and above the pivot to the two ends of the other half of
    /// `scratch` (no swaps, no second pass for the values equal to the
    /// pivot, which end the search when the rank falls among them).
    /// `scratch` must hold `2 × count` values. `b` is left as it was, except
    /// when the result is 0 and the values hold a −0 (the sign of a zero
    /// order statistic then depends on the algorithm's order), a NaN is met, `count` ≥ `sampledMinimum` or
    /// `scratch` is too short: then `quantile` runs on `b` as before.
    static func shortQuantile(_ b: UnsafeMutableBufferPointer<Double>, count n: Int, _ q: Double,
                              scratch: UnsafeMutableBufferPointer<Double>) -> Double
    {
        guard n > 0 else { return .nan }
        guard n < sampledMinimum, scratch.count >= 2 * n, let base = scratch.baseAddress else {
            return quantile(b, count: n, q)
        }
        let pos = min(max(q, 0), 1) * Double(n - 1)
        let k = Int(pos)
        let frac = pos - Double(k)
        let withNext = frac > 0 && k + 1 < n
        // The current range is `src[lo..<hi]`; the rank searched is `k - offset`.
        var src = UnsafeMutablePointer(mutating: UnsafePointer(b.baseAddress ?? base))
        var dst = base
        var spare = base + n
        var lo = 0
        var hi = n
        var offset = 0
        // The smallest value known to be above the current range (the
        // pivots of the levels that went down to the lower part).
        var above = Double.infinity
        var first = true
        // −0 in the values: only then can a zero result's sign depend on
        // the order the selection visits them in.
        var negativeZeros = 0
        let negativeZero = (-0.0).bitPattern
        var a = 0.0
        var next = Double.infinity
        while true {
            let m = hi - lo
            let r = k - offset
            if m < 16 {
                // Insertion sort of the short rest, in `dst`.
                if first {
                    for i in 0..<m {
                        let x = src[i]
                        if x.isNaN { return quantile(b, count: n, q) }
                        negativeZeros &+= Int(unsafeBitCast(x.bitPattern == negativeZero, to: UInt8.self))
                    }
                }
                for i in 0..<m {
                    let x = src[lo + i]
                    var j = i - 1
                    while j >= 0 && dst[j] > x {
                        dst[j + 1] = dst[j]
                        j -= 1
                    }
                    dst[j + 1] = x
                }
                a = dst[r]
                next = r + 1 < m ? dst[r + 1] : above
                break
            }
            // Pivot: median of three (ninther for long ranges).
            func median3(_ x: Double, _ y: Double, _ z: Double) -> Double { max(min(x, y), min(max(x, y), z)) }
            let t: Double
            if m >= 128 {
                let e = m / 8
                let p0 = median3(src[lo], src[lo + e], src[lo + 2 * e])
                let p1 = median3(src[lo + 3 * e], src[lo + m / 2], src[lo + 5 * e])
                let p2 = median3(src[lo + 6 * e], src[lo + 7 * e], src[hi - 1])
                t = median3(p0, p1, p2)
            } else {
                t = median3(src[lo], src[lo + m / 2], src[hi - 1])
            }
            // Below to the front of `dst`, above to its back (from m − 1 down).
            var below = 0
            var over = 0
            var equal = 0
            let back = dst + (m - 1)
            if first {
                for i in lo..<hi {
                    let x = src[i]
                    dst[below] = x
                    (back - over).pointee = x
                    below &+= Int(unsafeBitCast(x < t, to: UInt8.self))
                    over &+= Int(unsafeBitCast(x > t, to: UInt8.self))
                    equal &+= Int(unsafeBitCast(x == t, to: UInt8.self))
                    negativeZeros &+= Int(unsafeBitCast(x.bitPattern == negativeZero, to: UInt8.self))
                }
                // A NaN (in the values or as the pivot) is none of the three.
                if below + over + equal != m { return quantile(b, count: n, q) }
                first = false
            } else {
                for i in lo..<hi {
                    let x = src[i]
                    dst[below] = x
                    (back - over).pointee = x
                    below &+= Int(unsafeBitCast(x < t, to: UInt8.self))
                    over &+= Int(unsafeBitCast(x > t, to: UInt8.self))
                }
            }
            if r < below {
                above = t
                src = dst
                lo = 0
                hi = below
            } else if r < m - over {
                // The rank is among the values equal to the pivot.
                a = t
                if !withNext || r + 1 < m - over {
                    next = t
                } else if over > 0 {
                    next = Double.infinity
                    for i in (m - over)..<m {
                        let x = dst[i]
                        next = x < next ? x : next
                    }
                } else {
                    next = above
                }
                break
            } else {
                offset += m - over
                src = dst
                lo = m - over
                hi = m
            }
            // The next level writes to the other half of the scratch.
            swap(&dst, &spare)
        }
        if negativeZeros > 0 && (a == 0 || (withNext && next == 0)) { return quantile(b, count: n, q) }
        return withNext ? a + (next - a) * frac : a
    }

    /// The median of `buffer[0..<count]` (reorders it).
    public static func median(_ buffer: inout [Double], count: Int) -> Double {
        quantile(&buffer, count: count, 0.5)
    }

    /// Median absolute deviation from `center` of `buffer[0..<count]`
    /// (overwrites the buffer with the deviations).
    public static func mad(_ buffer: inout [Double], count: Int, center: Double) -> Double {
        guard count > 0 else { return .nan }
        return buffer.withUnsafeMutableBufferPointer { mad($0, count: count, center: center) }
    }

    /// Same on a buffer pointer, with `scratch` as in `quantile`.
    static func mad(_ b: UnsafeMutableBufferPointer<Double>, count: Int, center: Double,
                    scratch: UnsafeMutableBufferPointer<Double>? = nil) -> Double
    {
        guard count > 0 else { return .nan }
        for i in 0..<count { b[i] = abs(b[i] - center) }
        return quantile(b, count: count, 0.5, scratch: scratch)
    }

    /// 1 for a value, 0 for NaN: `x == x` is one compare and a flag, where
    /// `isNaN ? 0 : 1` was compiled as two integer tests of the bits.
    @inline(__always)
    static func present(_ x: Double) -> Int { Int(unsafeBitCast(x == x, to: UInt8.self)) }

    /// Copies the non-NaN values of `values[range]` into `buffer` (growing it
    /// only when too small) and returns how many were copied.
    @discardableResult
    public static func gather(_ values: [Double], _ range: Range<Int>, into buffer: inout [Double]) -> Int {
        if buffer.count < range.count { buffer.append(contentsOf: repeatElement(0, count: range.count - buffer.count)) }
        return values.withUnsafeBufferPointer { v in
            buffer.withUnsafeMutableBufferPointer { b in
                guard let src = v.baseAddress, let dst = b.baseAddress else { return 0 }
                // Pointers and `present` (`isNaN` became two integer tests
                // and branches per value here, plus bounds checks).
                var p = src + max(0, range.lowerBound)
                let end = src + min(v.count, range.upperBound)
                var n = 0
                while p < end {
                    let x = p.pointee
                    dst[n] = x
                    n &+= present(x)
                    p += 1
                }
                return n
            }
        }
    }

    /// Afterwards `b[k]` holds the k-th smallest of `b[lo...hi]`, smaller or
    /// equal ones before it, larger or equal ones after it. Long ranges are
    /// first narrowed by Floyd–Rivest: the rank is located in a small sample
    /// (recursively), which gives a pivot close to it.
    static func select(_ b: UnsafeMutableBufferPointer<Double>, _ k: Int, _ lo: Int, _ hi: Int) {
        var left = lo
        var right = hi
        while right - left > 600 {
            let n = Double(right - left + 1)
            let i = Double(k - left + 1)
            let z = log(n)
            let s = 0.5 * exp(2 * z / 3)
            let sd = 0.5 * (z * s * (n - s) / n).squareRoot() * (i < n / 2 ? -1 : 1)
            let newLeft = max(left, Int((Double(k) - i * s / n + sd).rounded(.down)))
            let newRight = min(right, Int((Double(k) + (n - i) * s / n + sd).rounded(.down)))
            select(b, k, newLeft, newRight)
            // Partition b[left...right] around t = b[k] without branches:
            // first the values < t to the front, then those == t after them.
            let t = b[k]
            let p = partition(b, left, right) { $0 < t }
            if k < p {
                right = p - 1
                continue
            }
            let q = partition(b, p, right) { $0 <= t }
            // q == p only for a NaN pivot (nothing compares with it): the
            // input breaks the contract (no NaN; `gather` drops them), and
            // stopping here ends the call instead of looping for ever.
            if k < q || q == p { return }
            left = q
        }
        quickselect(b, k, left, right)
    }

    /// Moves the values of `b[lo...hi]` for which `isBefore` holds to the
    /// front (Lomuto, without a data-dependent branch) and returns where the
    /// others start.
    @inline(__always)
    static func partition(_ b: UnsafeMutableBufferPointer<Double>, _ lo: Int, _ hi: Int,
                          _ isBefore: (Double) -> Bool) -> Int
    {
        var p = lo
        for i in lo...hi {
            let x = b[i]
            b[i] = b[p]
            b[p] = x
            p &+= Int(unsafeBitCast(isBefore(x), to: UInt8.self))
        }
        return p
    }

    /// Quickselect (median-of-three pivot, insertion sort below 16
    /// elements), same contract as `select`.
    static func quickselect(_ b: UnsafeMutableBufferPointer<Double>, _ k: Int, _ lo: Int, _ hi: Int) {
        var lo = lo
        var hi = hi
        while hi > lo {
            if hi - lo < 16 {
                // Insertion sort for short ranges.
                var i = lo + 1
                while i <= hi {
                    let x = b[i]
                    var j = i - 1
                    while j >= lo && b[j] > x {
                        b[j + 1] = b[j]
                        j -= 1
                    }
                    b[j + 1] = x
                    i += 1
                }
                return
            }
            // Median of three as pivot, then the values below it to the
            // front and those equal to it after them.
            let x = b[lo], y = b[lo + (hi - lo) / 2], z = b[hi]
            let t = max(min(x, y), min(max(x, y), z))
            let p = partition(b, lo, hi) { $0 < t }
            if k < p {
                hi = p - 1
                continue
            }
            let q = partition(b, p, hi) { $0 <= t }
            // A NaN pivot (see `select`): stop.
            if k < q || q == p { return }
            lo = q
        }
    }
}
