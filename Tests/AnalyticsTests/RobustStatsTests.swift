import Testing
@testable import Analytics
#if canImport(Glibc)
import Glibc
#endif

@Suite struct RobustStatsTests {
    /// Quantiles by quickselect agree with a full sort (NumPy's "linear" method).
    @Test(arguments: [1, 2, 3, 15, 16, 17, 100, 1001, 1024, 4097, 16128])
    func quantileMatchesSorting(count: Int) {
        var noise = Synthetic.Noise(seed: UInt64(count))
        let values = (0..<count).map { _ in (noise.uniform() * 20).rounded() }  // with ties
        let sorted = values.sorted()
        for q in [0.0, 0.1, 0.25, 0.5, 0.9, 0.99, 1.0] {
            let pos = q * Double(count - 1)
            let lo = Int(pos)
            let hi = min(lo + 1, count - 1)
            let expected = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
            var buffer = values
            #expect(abs(RobustStats.quantile(&buffer, count: count, q) - expected) < 1e-9)
        }
    }

    /// The short-buffer selection gives bit for bit what `quantile` gives
    /// (ties, signed zeros, every length below the sampled path; with a
    /// NaN both hand over to the same in-place selection, which does not
    /// support NaN).
    @Test(arguments: [1, 2, 3, 7, 15, 16, 17, 36, 127, 128, 252, 288, 1023])
    func shortQuantileMatchesQuantile(count: Int) {
        var noise = Synthetic.Noise(seed: UInt64(100 + count))
        let shapes: [[Double]] = [
            (0..<count).map { _ in noise.gaussian() },
            (0..<count).map { _ in (noise.uniform() * 6).rounded() },  // many ties
            (0..<count).map { i in Double(i) },                       // sorted
            (0..<count).map { i in Double(count - i) },               // falling
            (0..<count).map { i in sin(Double(i) / 20) * 3 },         // a cycle
            (0..<count).map { _ in noise.uniform() < 0.5 ? 0.0 : -0.0 },  // signed zeros
            (0..<count).map { _ in noise.uniform() < 0.3 ? -0.0 : (noise.uniform() < 0.5 ? 0 : 1) },
        ]
        var scratch = [Double](repeating: 0, count: 2 * count)
        for values in shapes {
            for q in [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0] {
                var expected = values
                let old = RobustStats.quantile(&expected, count: count, q)
                var buffer = values
                let new = buffer.withUnsafeMutableBufferPointer { b in
                    scratch.withUnsafeMutableBufferPointer { s in RobustStats.shortQuantile(b, count: count, q, scratch: s) }
                }
                #expect(new.bitPattern == old.bitPattern || (new.isNaN && old.isNaN), "q \(q) of \(values.prefix(8))")
            }
        }
    }

    @Test func medianAndMAD() {
        var b = [1.0, 2, 3, 4, 100]
        #expect(RobustStats.median(&b, count: 5) == 3)
        b = [1.0, 2, 3, 4, 100]
        #expect(RobustStats.mad(&b, count: 5, center: 3) == 1)
        var empty: [Double] = []
        #expect(RobustStats.median(&empty, count: 0).isNaN)
    }

    /// NaN breaks the selections' contract (`gather` removes them), but a
    /// NaN that slips through must not hang a worker: every path ends.
    /// A NaN pivot used to leave the range unchanged and loop for ever.
    @Test(arguments: [5, 17, 40, 600, 700, 2000])
    func selectionsEndOnNaN(count: Int) {
        var noise = Synthetic.Noise(seed: UInt64(7 * count))
        for nanEvery in [1, 2, 3, 7] {
            let values = (0..<count).map { i in i % nanEvery == 0 ? Double.nan : noise.uniform() }
            for q in [0.0, 0.5, 0.99] {
                var long = values
                _ = RobustStats.quantile(&long, count: count, q)
                var short = values
                var scratch = [Double](repeating: 0, count: 2 * count)
                _ = short.withUnsafeMutableBufferPointer { b in
                    scratch.withUnsafeMutableBufferPointer { s in RobustStats.shortQuantile(b, count: count, q, scratch: s) }
                }
            }
            var pair = values
            _ = RobustStats.quantiles(&pair, count: count, low: 0.01, high: 0.99)
        }
    }

    @Test func gatherSkipsNaN() {
        var buffer: [Double] = []
        let n = RobustStats.gather([1, .nan, 3, .nan, 5], 0..<5, into: &buffer)
        #expect(n == 3)
        #expect(Array(buffer.prefix(3)) == [1, 3, 5])
    }

    @Test func presentIsNotNaN() {
        let values: [Double] = [.nan, -.nan, .signalingNaN, Double(bitPattern: 0xFFF0_0000_0000_0001), -0.0, 0,
                                .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -1]
        for x in values { #expect(RobustStats.present(x) == (x.isNaN ? 0 : 1)) }
    }

    /// The pointer loop gathers what `isNaN` filtering gives, bit for bit
    /// (NaN payloads, signed zeros, infinities; sub-ranges).
    @Test func gatherMatchesFilter() {
        let specials: [Double] = [.nan, -.nan, .signalingNaN, -0.0, 0, .infinity, -.infinity,
                                  Double(bitPattern: 0x7FF8_0000_0000_0001), .leastNonzeroMagnitude]
        var values: [Double] = []
        for i in 0..<1_000 { values.append(i % 7 == 0 ? specials[i % specials.count] : Double(i % 13) - 6) }
        var buffer: [Double] = []
        for range in [0..<1_000, 3..<4, 17..<530, 999..<1_000, 5..<5] {
            let n = RobustStats.gather(values, range, into: &buffer)
            let expected = values[range].filter { !$0.isNaN }
            #expect(n == expected.count)
            #expect(buffer.prefix(n).map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    /// Long buffers take the sampled path: exact on shapes a time series
    /// has (sorted like a trend, a repeating cycle, constant runs, one
    /// outlier block) and with several quantiles asked from one buffer.
    @Test(arguments: ["trend", "falling", "cycle", "steps", "constant", "outliers"])
    func sampledSelectionMatchesSorting(shape: String) {
        let n = 16_128
        var noise = Synthetic.Noise(seed: 7)
        let values: [Double] = (0..<n).map { i in
            switch shape {
            case "trend": return Double(i) * 0.5
            case "falling": return -Double(i)
            case "cycle": return Double(i % 288)
            case "steps": return Double(i / 2000)
            case "constant": return 4
            default: return i >= 8000 && i < 8400 ? 1e6 : noise.uniform()
            }
        }
        let sorted = values.sorted()
        for q in [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0] {
            let pos = q * Double(n - 1)
            let lo = Int(pos)
            let expected = sorted[lo] + (sorted[min(lo + 1, n - 1)] - sorted[lo]) * (pos - Double(lo))
            var buffer = values
            #expect(RobustStats.quantile(&buffer, count: n, q) == expected, "\(shape) q=\(q)")
        }
        var buffer = values
        let spread = RobustStats.quantiles(&buffer, count: n, low: 0.01, high: 0.99)
        var again = values
        #expect(spread.low == RobustStats.quantile(&again, count: n, 0.01))
        again = values
        #expect(spread.high == RobustStats.quantile(&again, count: n, 0.99))
    }

    /// The two spread quantiles from one pass (`quantiles` with a second
    /// scratch) are bit for bit those of the two separate selections, on
    /// time-series shapes, ties, signed zeros.
    @Test(arguments: ["trend", "cycle", "steps", "constant", "outliers", "zeros", "noise"])
    func spreadQuantilesInOnePassMatchTwoSelections(shape: String) {
        var noise = Synthetic.Noise(seed: 11)
        for n in [1024, 1500, 16_128] {
            let values: [Double] = (0..<n).map { i in
                switch shape {
                case "trend": return Double(i) * 0.25
                case "cycle": return Double(i % 288) - 100
                case "steps": return Double(i / 700)
                case "constant": return -3
                case "outliers": return i % 97 == 0 ? 1e6 : noise.uniform()
                case "zeros": return noise.uniform() < 0.5 ? 0.0 : (noise.uniform() < 0.5 ? -0.0 : noise.gaussian())
                default: return noise.gaussian()
                }
            }
            for (low, high) in [(0.01, 0.99), (0.25, 0.75), (0.0, 1.0), (0.5, 0.5)] {
                var one = values
                var two = values
                var scratch = [Double](repeating: 0, count: n)
                var second = [Double](repeating: 0, count: n)
                let pair = one.withUnsafeMutableBufferPointer { b in
                    scratch.withUnsafeMutableBufferPointer { s in
                        second.withUnsafeMutableBufferPointer { e in
                            RobustStats.quantiles(b, count: n, low: low, high: high, scratch: s, second: e)
                        }
                    }
                }
                let separate = two.withUnsafeMutableBufferPointer { b in
                    scratch.withUnsafeMutableBufferPointer { s in
                        RobustStats.quantiles(b, count: n, low: low, high: high, scratch: s)
                    }
                }
                #expect(pair.low.bitPattern == separate.low.bitPattern, "\(shape) \(n) \(low)")
                #expect(pair.high.bitPattern == separate.high.bitPattern, "\(shape) \(n) \(high)")
            }
        }
    }

    /// The sampled selection's gathering pass as it was (three counters,
    /// NaNs counted out), the reference for `windowed`'s two-counter pass.
    static func referenceOrderStatistics(_ values: [Double], _ k: Int, withNext: Bool) -> (Double, Double) {
        var b = values
        let n = b.count
        var t = [Double](repeating: 0, count: n)
        return b.withUnsafeMutableBufferPointer { b in
            t.withUnsafeMutableBufferPointer { t in
                let k2 = withNext ? k + 1 : k
                let (low, high) = RobustStats.pivots(b, count: n, k, k2, sample: t)
                var below = 0
                var above = 0
                var m = 0
                for i in 0..<n {
                    let x = b[i]
                    t[m] = x
                    m += x >= low && x <= high ? 1 : 0
                    below += x < low ? 1 : 0
                    above += x > high ? 1 : 0
                }
                if below + m + above == n, below <= k, k2 < below + m {
                    return RobustStats.finish(t, count: m, k - below, withNext: withNext)
                }
                RobustStats.select(b, k, 0, n - 1)
                let a = b[k]
                guard withNext else { return (a, a) }
                var next = Double.infinity
                for i in (k + 1)..<n { next = min(next, b[i]) }
                return (a, next)
            }
        }
    }

    /// `orderStatistics` (two-counter gathering, NaN found in the window)
    /// bit for bit against the three-counter pass, with NaNs, signed zeros
    /// and ties; and the one-pass pair against it.
    @Test(arguments: ["trend", "noise", "zeros", "nan", "nans", "steps", "outliers"])
    func windowedMatchesThreeCounterPass(shape: String) {
        var noise = Synthetic.Noise(seed: 23)
        for n in [1024, 3000, 16_128] {
            let values: [Double] = (0..<n).map { i in
                switch shape {
                case "trend": return Double(i) * 0.25
                case "zeros": return noise.uniform() < 0.5 ? 0.0 : (noise.uniform() < 0.5 ? -0.0 : noise.gaussian())
                case "nan": return i == n / 2 + 1 ? .nan : noise.gaussian()
                case "nans": return i % 50 == 3 ? .nan : noise.gaussian()
                case "steps": return Double(i / 700)
                case "outliers": return i % 97 == 0 ? 1e6 : noise.uniform()
                default: return noise.gaussian()
                }
            }
            // (With a NaN, `select` itself does not end: only the pair's
            // verdict is checked below.)
            for q in [0.0, 0.01, 0.3, 0.5, 0.99, 1.0] where !values.contains(where: { $0.isNaN }) {
                let k = Int(q * Double(n - 1))
                for withNext in [false, true] where !(withNext && k + 1 >= n) {
                    let expected = Self.referenceOrderStatistics(values, k, withNext: withNext)
                    var b = values
                    var s = [Double](repeating: 0, count: n)
                    let got = b.withUnsafeMutableBufferPointer { b in
                        s.withUnsafeMutableBufferPointer { s in
                            RobustStats.orderStatistics(b, count: n, k, withNext: withNext, scratch: s)
                        }
                    }
                    #expect(got.0.bitPattern == expected.0.bitPattern, "\(shape) \(n) \(q)")
                    #expect(got.1.bitPattern == expected.1.bitPattern, "\(shape) \(n) \(q) next")
                }
            }
            // The pair: 1 % and 99 %, as `quantiles` asks them.
            let kh = Int(0.99 * Double(n - 1))
            let kl = Int(0.01 * Double(n - 1))
            var b = values
            var t = [Double](repeating: 0, count: n)
            var u = [Double](repeating: 0, count: n)
            let pair = b.withUnsafeMutableBufferPointer { b in
                t.withUnsafeMutableBufferPointer { t in
                    u.withUnsafeMutableBufferPointer { u in
                        RobustStats.windowedPair(b, count: n, kh, withNext: true, kl, withNext: true, scratch: t, u)
                    }
                }
            }
            if let pair, !values.contains(where: { $0.isNaN }) {
                let h = Self.referenceOrderStatistics(values, kh, withNext: true)
                let l = Self.referenceOrderStatistics(values, kl, withNext: true)
                #expect(pair.0.0.bitPattern == h.0.bitPattern && pair.0.1.bitPattern == h.1.bitPattern, "\(shape) \(n)")
                #expect(pair.1.0.bitPattern == l.0.bitPattern && pair.1.1.bitPattern == l.1.bitPattern, "\(shape) \(n)")
            }
            // A NaN anywhere sends both selections back to `select`.
            if values.contains(where: { $0.isNaN }) { #expect(pair.map { _ in false } ?? true, "\(shape) \(n)") }
        }
    }

    /// The counting comparison of the seasonal spreads decides exactly what
    /// the MAD compared with the threshold decides, also at the threshold
    /// itself and between the two middle order statistics.
    @Test(arguments: [1, 2, 7, 168, 169, 1000])
    func spreadComparisonMatchesMAD(count: Int) {
        var noise = Synthetic.Noise(seed: UInt64(count))
        let values = (0..<count).map { _ in (noise.uniform() * 40).rounded() - 20 }
        // All values in bucket 0 and a constant offset for every bucket.
        var starts = [Int](repeating: count, count: 169)
        starts[0] = 0
        var scratch = [Double](repeating: 0, count: count)
        let mad = Seasonality.spread(values, starts, { _ in 1.5 }, &scratch)
        var candidates = [mad, mad.nextUp, mad.nextDown, 0, 100, -1, .nan]
        for v in values { candidates.append(abs(v - 1.5)) }
        for t in candidates {
            #expect(Seasonality.spread(values, starts, { _ in 1.5 }, isBelow: t) == (mad < t), "t=\(t)")
        }
    }
}
