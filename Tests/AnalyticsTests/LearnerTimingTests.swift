import Testing
@testable import Analytics

/// Timing harness for the learner (docs/performance.md, "Analytics"): prints
/// the time per metric on the benchmark's shape, 8 weeks at 5-minute steps
/// (16,128 points) with daily and weekly cycles. No timing assertion (timing
/// belongs to benchmarks); run it on a release build for meaningful figures:
/// `swift test -c release -Xswiftc -enable-testing --filter LearnerTimingTests`.
@Suite struct LearnerTimingTests {
    static let metrics = 20

    /// A busy-weekday, quiet-night metric with noise and a few gaps.
    static func seasonal(seed: UInt64) -> TimeSeries {
        var noise = Synthetic.Noise(seed: seed)
        return Synthetic.series(days: 56) { i, t in
            if i % 997 == 0 { return .nan }
            let day = (i / Synthetic.perDay) % 7
            let hour = Synthetic.hour(t)
            let base = day < 5 ? 60.0 : 25.0
            let cycle = (8..<20).contains(hour) ? 20.0 : 0.0
            return base + cycle + 3 * noise.gaussian()
        }
    }

    /// Reusing one workspace across metrics gives exactly what a fresh one
    /// gives, and the learner finds the cycles; prints ms per metric.
    @Test func workspaceReuseIsExactAndTimed() {
        let series = (0..<Self.metrics).map { Self.seasonal(seed: UInt64($0 + 10)) }
        #expect(series[0].values.count == 16_128)
        var workspace = LearnerWorkspace()
        var results: [MetricAnalysis] = []
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for s in series {
                results.append(Learner.analyze(id: Synthetic.id, uom: "", series: s, direction: .both, minimum: nil,
                                               maximum: nil, now: s.end, configuration: LearnerConfiguration(),
                                               workspace: &workspace))
            }
        }
        let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15
        print("learner: \(ms / Double(Self.metrics)) ms/metric on \(series[0].values.count) points")
        for (s, r) in zip(series, results) {
            #expect(Synthetic.analyze(s) == r)
            #expect(r.hasDailySeason && r.hasWeeklySeason)
        }
    }
}
