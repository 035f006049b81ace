// A metric's history on a regular time grid, as read from an RRD
// (one consolidated value per step, NaN where the RRD has no data).

/// Values on a regular grid: `values[i]` is the value at `start + i * step`
/// (Unix seconds). `Double.nan` marks a missing value.
public struct TimeSeries: Sendable, Hashable {
    public var start: Int64
    /// Seconds between two values; always > 0.
    public var step: Int64
    public var values: [Double]

    public init(start: Int64, step: Int64, values: [Double]) {
        self.start = start
        self.step = max(1, step)
        self.values = values
    }

    /// The time of the value at `index`.
    public func time(at index: Int) -> Int64 { start + Int64(index) * step }

    /// The time just after the last value.
    public var end: Int64 { start + Int64(values.count) * step }

    /// Number of values that are not NaN.
    public var presentCount: Int {
        var n = 0
        for v in values where !v.isNaN { n += 1 }
        return n
    }

    /// Puts irregular samples on a grid of `step` seconds starting at
    /// `start`, averaging the samples that fall into the same step (what an
    /// RRD AVERAGE consolidation does); steps without a sample are NaN.
    /// Samples before `start` are ignored; samples must be in time order.
    public static func regularized<S: Sequence>(_ samples: S, start: Int64, step: Int64, until end: Int64)
        -> TimeSeries where S.Element == (time: Int64, value: Double)
    {
        let step = max(1, step)
        let count = end > start ? Int((end - start + step - 1) / step) : 0
        var sums = [Double](repeating: 0, count: count)
        var counts = [Int32](repeating: 0, count: count)
        for s in samples {
            guard s.time >= start, s.time < end, !s.value.isNaN else { continue }
            let i = Int((s.time - start) / step)
            sums[i] += s.value
            counts[i] += 1
        }
        var values = [Double](repeating: .nan, count: count)
        for i in 0..<count where counts[i] > 0 {
            values[i] = sums[i] / Double(counts[i])
        }
        return TimeSeries(start: start, step: step, values: values)
    }
}
