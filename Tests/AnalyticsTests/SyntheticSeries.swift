import Analytics

/// Deterministic synthetic metrics with known answers for the learner tests.
enum Synthetic {
    /// 2024-01-01 00:00 UTC, a Monday.
    static let monday: Int64 = 1_704_067_200
    static let step: Int64 = 300
    static let perDay = 288

    /// A small deterministic PRNG (SplitMix64) so that tests are reproducible.
    struct Noise {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        /// Uniform in [0, 1).
        mutating func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) / Double(UInt64(1) << 53)
        }
        /// Approximately normal (sum of 12 uniforms − 6).
        mutating func gaussian() -> Double {
            var s = 0.0
            for _ in 0..<12 { s += uniform() }
            return s - 6
        }
    }

    /// `days` days of 5-minute values from `f(index, time)`.
    static func series(days: Int, start: Int64 = monday, _ f: (Int, Int64) -> Double) -> TimeSeries {
        let n = days * perDay
        var values = [Double](repeating: 0, count: n)
        for i in 0..<n { values[i] = f(i, start + Int64(i) * step) }
        return TimeSeries(start: start, step: step, values: values)
    }

    /// Hour of day (0–23, UTC) of a time.
    static func hour(_ t: Int64) -> Int { Int((t % 86_400) / 3600) }

    /// Noise around 100 with σ = `sigma`.
    static func flat(days: Int, sigma: Double = 2, seed: UInt64 = 1) -> TimeSeries {
        var noise = Noise(seed: seed)
        return series(days: days) { _, _ in 100 + sigma * noise.gaussian() }
    }

    /// A daily cycle: 20 at night, 80 from 08:00 to 20:00, plus noise.
    static func dailySquare(days: Int, seed: UInt64 = 2) -> TimeSeries {
        var noise = Noise(seed: seed)
        return series(days: days) { _, t in
            (8..<20).contains(hour(t)) ? 80 + 2 * noise.gaussian() : 20 + 2 * noise.gaussian()
        }
    }

    static let id = MetricID(host: "h", service: "s", label: "value")

    static func analyze(_ s: TimeSeries, uom: String = "", direction: AlertDirection? = .both,
                        minimum: Double? = nil, maximum: Double? = nil,
                        configuration: LearnerConfiguration = LearnerConfiguration()) -> MetricAnalysis {
        Learner.analyze(id: id, uom: uom, series: s, direction: direction, minimum: minimum, maximum: maximum,
                        now: s.end, configuration: configuration)
    }
}
