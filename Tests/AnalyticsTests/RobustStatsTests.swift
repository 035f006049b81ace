import Testing
@testable import Analytics

@Suite struct RobustStatsTests {
    /// Quantiles by quickselect agree with a full sort (NumPy's "linear" method).
    @Test(arguments: [1, 2, 3, 15, 16, 17, 100, 1001])
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

    @Test func medianAndMAD() {
        var b = [1.0, 2, 3, 4, 100]
        #expect(RobustStats.median(&b, count: 5) == 3)
        b = [1.0, 2, 3, 4, 100]
        #expect(RobustStats.mad(&b, count: 5, center: 3) == 1)
        var empty: [Double] = []
        #expect(RobustStats.median(&empty, count: 0).isNaN)
    }

    @Test func gatherSkipsNaN() {
        var buffer: [Double] = []
        let n = RobustStats.gather([1, .nan, 3, .nan, 5], 0..<5, into: &buffer)
        #expect(n == 3)
        #expect(Array(buffer.prefix(3)) == [1, 3, 5])
    }
}
