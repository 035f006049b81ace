import NagiosPlugin
import Testing
@testable import Analytics

@Suite struct LearnerTests {
    @Test func coldStartWithTooLittleHistory() {
        let s = Synthetic.series(days: 1) { i, _ in Double(i) }
        let short = TimeSeries(start: s.start, step: s.step, values: Array(s.values.prefix(40)))
        let a = Synthetic.analyze(short)
        guard case .coldStart(let reason) = a.outcome else {
            Issue.record("expected a cold start, got \(a.outcome)")
            return
        }
        #expect(reason.contains("40 values"))
        #expect(a.band == nil && a.profile == nil)
        #expect(a.status(of: 1e12, at: short.end) == .ok)
    }

    @Test func coldStartWhenAllMissing() {
        let s = TimeSeries(start: Synthetic.monday, step: 300, values: [Double](repeating: .nan, count: 2000))
        #expect(Synthetic.analyze(s).outcome == .coldStart(reason: "no data"))
    }

    /// The history runs from the first to the last present value (found
    /// from each end), whatever is missing around and between them.
    @Test(arguments: [(0, 0), (1, 0), (0, 1), (97, 41), (2_000, 3)])
    func historySpansThePresentValues(missingFront: Int, missingBack: Int) {
        var s = Synthetic.flat(days: 14, sigma: 2)
        for i in 0..<missingFront { s.values[i] = .nan }
        for i in (s.values.count - missingBack)..<s.values.count { s.values[i] = .nan }
        for i in stride(from: 3_000, to: 3_500, by: 3) { s.values[i] = .nan }
        var first = -1
        var last = -1
        for i in s.values.indices where !s.values[i].isNaN {
            if first < 0 { first = i }
            last = i
        }
        #expect(Synthetic.analyze(s).historySeconds == Int64(last - first + 1) * s.step)
    }

    @Test func flatNoiseGetsABandAroundTheLevel() throws {
        let s = Synthetic.flat(days: 14, sigma: 2)
        let a = Synthetic.analyze(s)
        #expect(a.outcome == .thresholds)
        #expect(!a.hasDailySeason && !a.hasWeeklySeason && a.profile == nil)
        let band = try #require(a.band)
        let wl = try #require(band.warningLow), wh = try #require(band.warningHigh)
        let cl = try #require(band.criticalLow), ch = try #require(band.criticalHigh)
        // Centred on 100, wider than the noise (σ 2), not absurdly wide.
        #expect(abs((wl + wh) / 2 - 100) < 1)
        #expect(wh - 100 > 6 && wh - 100 < 25)
        #expect(ch > wh && cl < wl)
        #expect(abs(a.trendPerDay) < 0.2)
        // Every value of the history itself is at worst WARNING, and far values are CRITICAL.
        #expect(a.status(of: 100, at: s.end) == .ok)
        #expect(a.status(of: 100 + 3 * (ch - 100), at: s.end) == .critical)
        #expect(a.status(of: 100 - 3 * (100 - cl), at: s.end) == .critical)
    }

    @Test func dailyCycleGivesAProfileThatFollowsIt() throws {
        let s = Synthetic.dailySquare(days: 14)
        let a = Synthetic.analyze(s)
        #expect(a.hasDailySeason)
        let profile = try #require(a.profile)
        let noonMonday = Synthetic.monday + 12 * 3600
        let threeAM = Synthetic.monday + 3 * 3600
        // The night level at noon is abnormal, the day level at 03:00 too…
        #expect(profile.band(at: noonMonday)?.status(of: 20) != .ok)
        #expect(profile.band(at: threeAM)?.status(of: 80) != .ok)
        // …each is normal at its own time, and the static band accepts both.
        #expect(a.status(of: 80, at: noonMonday) == .ok)
        #expect(a.status(of: 20, at: threeAM) == .ok)
        let band = try #require(a.band)
        #expect(band.status(of: 20) == .ok && band.status(of: 80) == .ok)
        #expect(a.status(of: 20, at: noonMonday) != .ok)
    }

    @Test func weeklyCycleIsFoundWithEnoughWeeks() {
        var noise = Synthetic.Noise(seed: 3)
        // Weekdays busy (60), weekends quiet (10), from a Monday.
        let s = Synthetic.series(days: 28) { i, _ in
            (i / Synthetic.perDay) % 7 < 5 ? 60 + noise.gaussian() : 10 + noise.gaussian()
        }
        let a = Synthetic.analyze(s)
        #expect(a.hasWeeklySeason)
        let saturdayNoon = Synthetic.monday + 5 * 86_400 + 12 * 3600
        let wednesdayNoon = Synthetic.monday + 2 * 86_400 + 12 * 3600
        #expect(a.status(of: 60, at: saturdayNoon) != .ok)
        #expect(a.status(of: 10, at: wednesdayNoon) != .ok)
        #expect(a.status(of: 10, at: saturdayNoon) == .ok)
        // Three weeks are needed: with one, no weekly cycle.
        let short = TimeSeries(start: s.start, step: s.step, values: Array(s.values.prefix(8 * Synthetic.perDay)))
        #expect(!Synthetic.analyze(short).hasWeeklySeason)
    }

    /// A sparse series that was only once measured at some hour of the
    /// week, during a busy spell, must not learn that spell as the normal
    /// value of that hour: a bucket needs `seasonMinimumWeeks` days.
    @Test func hourSeenOnOneDayOnlyGetsNoOffsetOfItsOwn() throws {
        var noise = Synthetic.Noise(seed: 3)
        let thursday = 3
        let s = Synthetic.series(days: 28) { i, t in
            let day = i / Synthetic.perDay
            if day % 7 == thursday && Synthetic.hour(t) == 4 { return day == 7 + thursday ? 500 : .nan }
            return day % 7 < 5 ? 60 + noise.gaussian() : 10 + noise.gaussian()
        }
        let a = Synthetic.analyze(s)
        #expect(a.hasWeeklySeason)
        let profile = try #require(a.profile)
        let thursdayFour = Synthetic.monday + Int64(thursday) * 86_400 + 4 * 3600 + 1800
        // The hour falls back to the weekday level, like its neighbours.
        #expect(profile.band(at: thursdayFour)?.status(of: 60) == .ok)
        #expect(profile.band(at: thursdayFour)?.status(of: 500) == .critical)
    }

    /// The cycle is learned from the last `seasonWindowDays`: when its
    /// amplitude grows, the profile follows within three weeks instead of
    /// keeping the median shape of the whole history.
    @Test func dailyCycleFollowsAChangedAmplitude() throws {
        var noise = Synthetic.Noise(seed: 5)
        // Busy 08:00–18:00; the busy level jumps from 40 to 120 for the last 14 days.
        let s = Synthetic.series(days: 49) { i, t in
            let busy = (8..<18).contains(Synthetic.hour(t))
            let peak = i / Synthetic.perDay < 35 ? 40.0 : 120.0
            return (busy ? peak : 20) + 2 * noise.gaussian()
        }
        let noon = TimeOfWeekProfile.bucket(at: s.end - 86_400 + 12 * 3600)
        func noonOffset(_ c: LearnerConfiguration) throws -> Double {
            var w = LearnerWorkspace()
            guard case .learned(let b) = Baseline.learn(series: s, now: s.end, configuration: c, workspace: &w)
            else { throw LearnerTestError.coldStart }
            return b.season[noon]
        }
        #expect(abs(try noonOffset(LearnerConfiguration()) - 100) < 5)
        var whole = LearnerConfiguration()
        whole.seasonWindowDays = 0
        #expect(try noonOffset(whole) < 90)
    }

    @Test func trendIsMeasuredPerDay() {
        var noise = Synthetic.Noise(seed: 4)
        let s = Synthetic.series(days: 20) { i, _ in 50 + 2.5 * Double(i) / Double(Synthetic.perDay) + noise.gaussian() }
        let a = Synthetic.analyze(s)
        #expect(abs(a.trendPerDay - 2.5) < 0.1)
        // The level in force follows the trend (the last day, not the average).
        #expect(a.status(of: 50 + 2.5 * 19.5, at: s.end) == .ok)
    }

    @Test func quantisedCounterValuesNeverGiveAZeroWidthBand() throws {
        var noise = Synthetic.Noise(seed: 5)
        // Mostly 0, sometimes 1–3: MAD is 0.
        let s = Synthetic.series(days: 10) { _, _ in
            let u = noise.uniform()
            return u < 0.9 ? 0 : (u < 0.97 ? 1 : (u < 0.99 ? 2 : 3))
        }
        let a = Synthetic.analyze(s, uom: "c")
        let band = try #require(a.band)
        let wh = try #require(band.warningHigh)
        #expect(wh > 0)
        #expect(a.status(of: 0, at: s.end) == .ok)
        #expect(a.status(of: 1000, at: s.end) == .critical)
    }

    @Test func gapsAreTolerated() throws {
        var noise = Synthetic.Noise(seed: 6)
        let s = Synthetic.series(days: 10) { i, _ in
            (i / 12) % 3 == 0 ? .nan : 100 + 2 * noise.gaussian()
        }
        let a = Synthetic.analyze(s)
        #expect(a.outcome == .thresholds)
        let wh = try #require(a.band?.warningHigh)
        #expect(wh > 106 && wh < 125)
    }

    @Test func isolatedSpikesDoNotWidenTheBand() throws {
        var noise = Synthetic.Noise(seed: 7)
        // One-row spikes to 1000 about once a day: Nagios never alerts on
        // a single check (max_check_attempts 3), so they must not make the
        // band absurdly wide either.
        let s = Synthetic.series(days: 14) { i, _ in i % 197 == 0 ? 1000 : 100 + 2 * noise.gaussian() }
        let a = Synthetic.analyze(s)
        let wh = try #require(a.band?.warningHigh)
        #expect(wh < 130)
    }

    @Test func flappingHighLowRowsWidenTheBand() {
        var noise = Synthetic.Noise(seed: 12)
        // Once a day three rows go high, low, high: no same-side run of 3,
        // but Nagios counts 3 non-OK checks and would notify every day.
        let s = Synthetic.series(days: 14) { i, _ in
            switch i % Synthetic.perDay {
            case 100, 102: 112 + noise.gaussian()
            case 101: 88 + noise.gaussian()
            default: 100 + noise.gaussian()
            }
        }
        let a = Synthetic.analyze(s)
        let t = s.end
        #expect(a.status(of: 112, at: t) == .ok || a.status(of: 88, at: t) == .ok)
        #expect(a.status(of: 200, at: t) != .ok)
    }

    @Test func replayFactorCountsProblemsAsNagiosDoes() {
        var scratch = [Double](repeating: 0, count: 16)
        var starts = [Double](repeating: 0, count: 16)
        // +2, −2 alternating against limits of 1: one long problem until the
        // limits are doubled.
        let flap = (0..<12).map { $0 % 2 == 0 ? 2.0 : -2.0 }
        let both = Excursions.replayFactor(flap, count: flap.count, runLength: 3, upper: 1, lower: 1,
                                           direction: .both, skip: 0, scratch: &scratch, starts: &starts)
        #expect(abs(both - 2) < 1e-6)
        // Only the high side watched: no row run of 3 is beyond the limit.
        #expect(Excursions.replayFactor(flap, count: flap.count, runLength: 3, upper: 1, lower: 1,
                                        direction: .high, skip: 0, scratch: &scratch, starts: &starts) == 1)
        // Two separate problems of heights 3 and 5: a budget of one keeps
        // the bigger one, so the limits grow to the smaller one's height.
        let two: [Double] = [0, 3, 3, 3, 0, 0, 5, 5, 5, 0, 0, 0]
        let f = Excursions.replayFactor(two, count: two.count, runLength: 3, upper: 1, lower: 1, direction: .both,
                                        skip: 1, scratch: &scratch, starts: &starts)
        #expect(abs(f - 3) < 1e-6)
        #expect(Excursions.replayFactor(two, count: two.count, runLength: 3, upper: 1, lower: 1, direction: .both,
                                        skip: 2, scratch: &scratch, starts: &starts) == 1)
    }

    /// The replay (which skips the division for rows within both limits)
    /// gives the same factor, bit for bit, as the straightforward one:
    /// every row's ratio divided out, run minima, problems counted by
    /// bisection.
    @Test(arguments: [1, 3, 4])
    func replayFactorMatchesStraightforwardReplay(runLength: Int) {
        func reference(_ r: [Double], upper: Double, lower: Double, direction: AlertDirection, skip: Int) -> Double {
            let runs = r.count - runLength + 1
            let ratio: [Double] = r.map { x in
                if x.isNaN { return 0 }
                let high = direction != .low ? x / upper : 0
                let low = direction != .high ? -x / lower : 0
                return max(high, low)
            }
            let minima: [Double] = (0..<runs).map { i in ratio[i..<(i + runLength)].min() ?? 0 }
            func problems(_ f: Double) -> Int {
                (0..<runs).filter { minima[$0] > f && ($0 == 0 || minima[$0 - 1] <= f) }.count
            }
            guard problems(1) > skip else { return 1 }
            var lo = 1.0
            var hi = max(1, minima.max() ?? 0)
            for _ in 0..<30 {
                let mid = (lo + hi) / 2
                if problems(mid) <= skip { hi = mid } else { lo = mid }
            }
            return hi
        }
        var noise = Synthetic.Noise(seed: UInt64(70 + runLength))
        let r: [Double] = (0..<3000).map { i in
            let u = noise.uniform()
            if u < 0.02 { return .nan }
            if u < 0.03 { return -0.0 }
            return 1.5 * noise.gaussian() + (i % 400 < 6 ? 5 : 0) - (i % 650 < 5 ? 6 : 0)
        }
        var scratch: [Double] = []
        var starts: [Double] = []
        for (upper, lower) in [(2.0, 3.0), (4.0, 4.0), (1.0, 0.5), (9.0, 9.0)] {
            for direction in [AlertDirection.both, .high, .low] {
                for skip in [0, 2, 10] {
                    let fast = Excursions.replayFactor(r, count: r.count, runLength: runLength, upper: upper,
                                                       lower: lower, direction: direction, skip: skip,
                                                       scratch: &scratch, starts: &starts)
                    let slow = reference(r, upper: upper, lower: lower, direction: direction, skip: skip)
                    #expect(fast.bitPattern == slow.bitPattern, "\(upper) \(lower) \(direction) \(skip)")
                }
            }
        }
    }

    /// The two-sided scan gives, bit for bit, what the one-sided passes give.
    private func expectLimitsMatchOneSidedPasses(_ r: [Double], runLength: Int, skips: [Int],
                                                 sourceLocation: SourceLocation = #_sourceLocation) {
        for skip in skips {
            var a: [Double] = []
            var b: [Double] = []
            let both = Excursions.limits(r, count: r.count, runLength: runLength, skip: skip, scratch: &a, &b)
            let up = Excursions.limit(r, count: r.count, runLength: runLength, upward: true, skip: skip, scratch: &a)
            let down = Excursions.limit(r, count: r.count, runLength: runLength, upward: false, skip: skip, scratch: &a)
            #expect(both.up.bitPattern == up.bitPattern, "skip \(skip)", sourceLocation: sourceLocation)
            #expect(both.down.bitPattern == down.bitPattern, "skip \(skip)", sourceLocation: sourceLocation)
        }
    }

    /// The one-pass excursion limits equal the two one-side passes, for
    /// every run length (the short ones use the register path), with
    /// NaN, zeros and runs of each sign.
    @Test(arguments: [1, 2, 3, 4, 5, 7])
    func excursionLimitsMatchOneSidedPasses(runLength: Int) {
        var noise = Synthetic.Noise(seed: UInt64(40 + runLength))
        let r: [Double] = (0..<5000).map { i in
            let u = noise.uniform()
            if u < 0.02 { return .nan }
            if u < 0.05 { return 0 }
            return noise.gaussian() + (i % 700 < 20 ? 4 : 0) - (i % 900 < 15 ? 5 : 0)
        }
        expectLimitsMatchOneSidedPasses(r, runLength: runLength, skips: [0, 3, 40])
    }

    /// Same with the values the vector scan could treat differently:
    /// −0, ±∞, the largest finite values and long runs of one sign.
    @Test(arguments: [1, 3, 6])
    func excursionLimitsMatchOneSidedPassesWithExtremes(runLength: Int) {
        var noise = Synthetic.Noise(seed: UInt64(90 + runLength))
        let specials: [Double] = [-0.0, 0, .infinity, -.infinity, .nan, .greatestFiniteMagnitude,
                                  -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude]
        let r: [Double] = (0..<4000).map { i in
            let u = noise.uniform()
            if u < 0.04 { return specials[Int(noise.uniform() * Double(specials.count)) % specials.count] }
            return (i / 50 % 3 == 0 ? 2 : 0) + noise.gaussian()
        }
        expectLimitsMatchOneSidedPasses(r, runLength: runLength, skips: [0, 1, 25])
    }

    /// Residuals with NaN, signed zeros, ±∞, the largest finite values and
    /// runs of one sign: what the shift and burst passes must treat as the
    /// straightforward code does.
    private static func awkwardResiduals(seed: UInt64, count: Int = 4000) -> [Double] {
        var noise = Synthetic.Noise(seed: seed)
        let specials: [Double] = [-0.0, 0, .infinity, -.infinity, .nan, .greatestFiniteMagnitude,
                                  -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude]
        return (0..<count).map { i in
            let u = noise.uniform()
            if i < 2000 && u < 0.03 { return specials[Int(noise.uniform() * Double(specials.count)) % specials.count] }
            if u < 0.05 { return .nan }
            return (i / 60 % 4 == 0 ? 2.5 : 0) - (i / 90 % 5 == 1 ? 3 : 0) + noise.gaussian()
        }
    }

    /// The shift limits folded from the means as they are formed (no
    /// incident skipped) equal, bit for bit, the means written out and
    /// scanned as single-check excursions; also where no mean is positive.
    @Test(arguments: [2, 3, 5, 16])
    func shiftFoldMatchesScannedMeans(checks: Int) {
        let cases = [Self.awkwardResiduals(seed: 120 + UInt64(checks)),
                     Self.awkwardResiduals(seed: 130 + UInt64(checks)).map { $0.isNaN ? $0 : -abs($0) },
                     Array(Self.awkwardResiduals(seed: 140).suffix(1500)), [Double](repeating: .nan, count: 50)]
        for r in cases {
            var means: [Double] = []
            var a: [Double] = []
            var b: [Double] = []
            Excursions.shiftMeans(r, count: r.count, checks: checks, into: &means)
            let scanned = Excursions.limits(means, count: r.count, runLength: 1, skip: 0, scratch: &a, &b)
            let folded = Excursions.shiftLimits(r, count: r.count, checks: checks, skip: 0, means: &means,
                                                scratch: &a, &b)
            #expect(folded.up.bitPattern == scanned.up.bitPattern, "\(folded) \(scanned)")
            #expect(folded.down.bitPattern == scanned.down.bitPattern, "\(folded) \(scanned)")
        }
    }

    /// `maskIncidents` against the straightforward way: mark every
    /// residual of a run of `runLength` beyond a watched limit and every
    /// single one beyond a spike limit, then blank each mark and the
    /// `margin` residuals on either side. Also the fused pass's flag.
    @Test(arguments: [1, 3, 4])
    func maskIncidentsMatchesMarkingRuns(runLength: Int) {
        let r = Self.awkwardResiduals(seed: 170 + UInt64(runLength))
        for (upper, lower, spike) in [(1.0, 1.0, Double.infinity), (2.5, 0.5, 3.0), (0.0, 3.0, 2.0),
                                      (Double.infinity, 1.0, 3.5), (4.0, 4.0, 1.0)] {
            for direction in [AlertDirection.both, .high, .low] {
                for margin in [0, 1, 16] {
                    func beyond(_ x: Double) -> Bool {
                        (direction != .low && x > upper) || (direction != .high && x < -lower)
                    }
                    func spiking(_ x: Double) -> Bool {
                        (direction != .low && x > spike) || (direction != .high && x < -spike)
                    }
                    var marked = r.map(spiking)
                    var i = 0
                    while i < r.count {
                        var j = i
                        while j < r.count && beyond(r[j]) { j += 1 }
                        if j - i >= runLength { for k in i..<j { marked[k] = true } }
                        i = max(j, i + 1)
                    }
                    var expected = r
                    for k in r.indices where marked[k] {
                        for j in max(0, k - margin)...min(r.count - 1, k + margin) { expected[j] = .nan }
                    }
                    var masked = r
                    let found = Excursions.maskIncidents(&masked, count: r.count, runLength: runLength, upper: upper,
                                                         lower: lower, direction: direction, margin: margin,
                                                         spikeUpper: spike, spikeLower: spike)
                    let label = "\(upper) \(lower) \(spike) \(direction) \(margin)"
                    #expect(found == marked.contains(true), "\(label)")
                    #expect(masked.map(\.bitPattern) == expected.map(\.bitPattern), "\(label)")
                    let fused = Excursions.shiftAndBurst(r, count: r.count, checks: 3, window: 16, upper: upper,
                                                         lower: lower, direction: direction, incidentLength: runLength,
                                                         spikeUpper: spike, spikeLower: spike)
                    #expect(fused.incident == marked.contains(true), "\(label)")
                }
            }
        }
        // A spike just inside a run, before the run is long enough: the
        // margin before the run's start is masked too.
        var short = [Double](repeating: 0, count: 60)
        short[30] = 2
        short[31] = 9
        short[32] = 2
        let found = Excursions.maskIncidents(&short, count: 60, runLength: 3, upper: 1, lower: 1, direction: .both,
                                             margin: 5, spikeUpper: 5, spikeLower: 5)
        #expect(found && short.indices.filter { short[$0].isNaN } == Array(25...37))
    }

    /// A real incident in the history (2 hours 20 σ high, 4 days ago; or
    /// one check 100 σ high) is left out of the shift and burst limits, as
    /// it is out of the band's:
    /// they stay those of the metric's noise instead of the incident's size
    /// (a burst limit of 16 of 16 checks: never a burst, for 8 weeks).
    @Test func anIncidentDoesNotBlindTheShiftAndBurstChecks() throws {
        let n = 14 * Synthetic.perDay
        var noise = Synthetic.Noise(seed: 31)
        let s = Synthetic.series(days: 14) { i, _ in
            ((n - 4 * Synthetic.perDay)..<(n - 4 * Synthetic.perDay + 24)).contains(i) ? 140 : 100 + 2 * noise.gaussian()
        }
        let skipping = try #require(Synthetic.analyze(s, direction: .high).band)
        #expect((skipping.burstLimit ?? 99) <= 2 && (skipping.shiftHigh ?? 99) < 8, "\(skipping)")
        var keeping = LearnerConfiguration()
        keeping.skipBandIncidents = false
        let blind = try #require(Synthetic.analyze(s, direction: .high, configuration: keeping).band)
        #expect(blind.burstLimit == 16 && (blind.shiftHigh ?? 0) > 35, "\(blind)")
        // The band itself is the same either way.
        #expect(skipping.warningHigh == blind.warningHigh && skipping.criticalHigh == blind.criticalHigh)
        // A single check the latch held (100 σ high) is an incident too:
        // its 3-check mean no longer sets the shift limit.
        var spikeNoise = Synthetic.Noise(seed: 32)
        let spiked = Synthetic.series(days: 14) { i, _ in
            i == n - 3 * Synthetic.perDay ? 300 : 100 + 2 * spikeNoise.gaussian()
        }
        let spikeSkipped = try #require(Synthetic.analyze(spiked, direction: .high).band)
        let spikeKept = try #require(Synthetic.analyze(spiked, direction: .high, configuration: keeping).band)
        #expect((spikeSkipped.shiftHigh ?? 99) < 8 && (spikeKept.shiftHigh ?? 0) > 60,
                "\(spikeSkipped.shiftHigh ?? -1) \(spikeKept.shiftHigh ?? -1)")
    }

    /// The burst count kept in a word of verdicts equals the straightforward
    /// sliding count that judges each residual when it enters and leaves.
    @Test(arguments: [1, 2, 16, 63, 64, 100])
    func burstMostMatchesSlidingCount(window: Int) {
        func reference(_ r: [Double], upper: Double, lower: Double, direction: AlertDirection) -> Int {
            let n = min(64, window)
            let high = direction != .low
            let low = direction != .high
            func outside(_ x: Double) -> Int { (high && x > upper) || (low && x < -lower) ? 1 : 0 }
            var count = 0
            var most = 0
            for i in 0..<r.count {
                count += outside(r[i])
                if i >= n { count -= outside(r[i - n]) }
                most = max(most, count)
            }
            return most
        }
        let r = Self.awkwardResiduals(seed: 150 + UInt64(window))
        for (upper, lower) in [(1.0, 1.0), (2.5, 0.5), (0.0, 3.0), (Double.infinity, 1.0),
                               (Double.greatestFiniteMagnitude, .greatestFiniteMagnitude)] {
            for direction in [AlertDirection.both, .high, .low] {
                let fast = Excursions.burstMost(r, count: r.count, window: window, upper: upper, lower: lower,
                                                direction: direction)
                #expect(fast == reference(r, upper: upper, lower: lower, direction: direction),
                        "\(upper) \(lower) \(direction)")
            }
        }
    }

    /// The shift and burst pass gives what the two separate passes give,
    /// bit for bit.
    @Test(arguments: [(3, 16), (2, 64), (5, 1), (16, 100)])
    func shiftAndBurstMatchSeparatePasses(checks: Int, window: Int) {
        let r = Self.awkwardResiduals(seed: 160 + UInt64(checks))
        var means: [Double] = []
        var a: [Double] = []
        var b: [Double] = []
        let shift = Excursions.shiftLimits(r, count: r.count, checks: checks, skip: 0, means: &means, scratch: &a, &b)
        for (upper, lower) in [(1.0, 1.0), (2.5, 0.5), (Double.infinity, 1.0)] {
            for direction in [AlertDirection.both, .high, .low] {
                let both = Excursions.shiftAndBurst(r, count: r.count, checks: checks, window: window, upper: upper,
                                                    lower: lower, direction: direction)
                let burst = Excursions.burstMost(r, count: r.count, window: window, upper: upper, lower: lower,
                                                 direction: direction)
                #expect(both.burst == burst, "\(upper) \(lower) \(direction)")
                #expect(both.shift.up.bitPattern == shift.up.bitPattern)
                #expect(both.shift.down.bitPattern == shift.down.bitPattern)
            }
        }
    }

    /// The hour-of-week buckets written an hour at a time equal the ones
    /// written index by index, for steps that divide an hour, do not, or
    /// exceed it, from any second of the week (and before 1970).
    @Test(arguments: [1, 60, 300, 301, 1234, 3599, 3600, 3601, 7200, 86_400] as [Int64])
    func bucketsByHourMatchStepwise(step: Int64) {
        for start in [Synthetic.monday, Synthetic.monday + 1, Synthetic.monday + 3599, 1_764_000_017, -400_000, 0] {
            let series = TimeSeries(start: start, step: step, values: [Double](repeating: 0, count: 5000))
            for (lower, upper) in [(0, 5000), (17, 4000), (100, 100), (4999, 5000)] {
                var fast = LearnerWorkspace()
                var slow = LearnerWorkspace()
                fast.fillBuckets(series: series, from: lower, to: upper)
                slow.fillBucketsStepwise(series: series, from: lower, to: upper)
                #expect(fast.buckets == slow.buckets, "\(start) \(lower) \(upper)")
            }
        }
    }

    /// Without a cycle (every offset +0) the day levels taken from the day
    /// medians equal the ones selected again, bit for bit: with NaN, −0,
    /// ties and days without values; with a non-zero (or −0) offset
    /// nothing is taken.
    @Test func dayLevelsReuseTheDayMedians() {
        var noise = Synthetic.Noise(seed: 170)
        let perDay = 288
        let values: [Double] = (0..<(30 * perDay + 17)).map { i in
            let u = noise.uniform()
            if (i / perDay) % 9 == 4 { return .nan }
            if u < 0.03 { return .nan }
            if u < 0.06 { return -0.0 }
            if u < 0.09 { return 0 }
            return (i / perDay) % 5 == 2 ? Double(Int(noise.uniform() * 4)) : 50 + 10 * noise.gaussian()
        }
        let first = 17
        let blocks = Blocks(range: first..<values.count, end: values.count, size: perDay)
        let buckets = [UInt8]((0..<(values.count - first)).map { UInt8(($0 / 12) % 168) })
        var gathered: [Double] = []
        var scratch = [Double](repeating: 0, count: 4 * perDay)
        var spare = [Double](repeating: 0, count: 4 * perDay)
        for knownFrom in [0, 9, blocks.count - 1] {
            var medians = [Double](repeating: .nan, count: blocks.count)
            for k in knownFrom..<blocks.count {
                let n = RobustStats.gather(values, blocks[k], into: &gathered)
                if n > 0 {
                    medians[k] = gathered.withUnsafeMutableBufferPointer { b in
                        spare.withUnsafeMutableBufferPointer { RobustStats.shortQuantile(b, count: n, 0.5, scratch: $0) }
                    }
                }
            }
            for offsets in [[Double](repeating: 0, count: 168), [Double](repeating: -0.0, count: 168),
                            (0..<168).map { Double($0 % 3) }] {
                func levels(_ known: [Double]?) -> [Double] {
                    values.withUnsafeBufferPointer { v in
                        offsets.withUnsafeBufferPointer { o in
                            buckets.withUnsafeBufferPointer { bk in
                                scratch.withUnsafeMutableBufferPointer { t in
                                    spare.withUnsafeMutableBufferPointer { s in
                                        Baseline.dayLevels(v, offsets: o, buckets: bk, from: first, blocks: blocks,
                                                           known: known, knownFrom: knownFrom, scratch: t, spare: s)
                                    }
                                }
                            }
                        }
                    }
                }
                let reused = levels(medians)
                let selected = levels(nil)
                #expect(reused.map(\.bitPattern) == selected.map(\.bitPattern), "\(knownFrom) \(offsets[1])")
            }
        }
    }

    @Test func levelShiftIsFollowedAfterADay() throws {
        var noise = Synthetic.Noise(seed: 8)
        // 100 for 10 days, then 300 for the last 3.
        let s = Synthetic.series(days: 13) { i, _ in (i < 10 * Synthetic.perDay ? 100 : 300) + 2 * noise.gaussian() }
        let a = Synthetic.analyze(s)
        #expect(a.status(of: 300, at: s.end) == .ok)
        #expect(a.status(of: 100, at: s.end) != .ok)
    }

    @Test func recentAnomaliesAreReported() throws {
        var noise = Synthetic.Noise(seed: 9)
        let n = 14 * Synthetic.perDay
        // A 1-hour burst to 200 in the last day.
        let s = Synthetic.series(days: 14) { i, _ in (n - 100..<n - 88).contains(i) ? 200 : 100 + 2 * noise.gaussian() }
        let a = Synthetic.analyze(s)
        let spike = try #require(a.anomalies.first { $0.kind == .spike })
        #expect(spike.start == s.time(at: n - 100))
        #expect(spike.end == s.time(at: n - 88))
        #expect(spike.score > 10)
        #expect(a.anomalyScore >= spike.score)
        // A quiet history has none.
        #expect(Synthetic.analyze(Synthetic.flat(days: 14)).anomalies.isEmpty)
    }

    /// The last day drifting away at a rate the history never had is a
    /// trend break; a steady trend, a flat history and a step are not.
    @Test func trendBreakIsReported() throws {
        let n = 14 * Synthetic.perDay
        let day = n - Synthetic.perDay
        var noise = Synthetic.Noise(seed: 21)
        // Flat at 100 ± 2, then a ramp to 160 over the last day (a leak).
        let ramp = Synthetic.series(days: 14) { i, _ in
            100 + (i >= day ? 60 * Double(i - day) / Double(Synthetic.perDay) : 0) + 2 * noise.gaussian()
        }
        let leak = try #require(Synthetic.analyze(ramp).anomalies.first { $0.kind == .trendBreak })
        #expect(leak.start == ramp.time(at: day) && leak.score >= 3 && leak.detail.hasPrefix("drifting 6"),
                "\(leak)")
        // Only the rising side matters for a latency: a falling ramp is fine.
        var fallingNoise = Synthetic.Noise(seed: 22)
        let falling = Synthetic.series(days: 14) { i, _ in
            100 - (i >= day ? 60 * Double(i - day) / Double(Synthetic.perDay) : 0) + 2 * fallingNoise.gaussian()
        }
        #expect(Synthetic.analyze(falling).anomalies.contains { $0.kind == .trendBreak })
        #expect(!Synthetic.analyze(falling, direction: .high).anomalies.contains { $0.kind == .trendBreak })
        // The same growth every day is the learned trend, not a break.
        var steadyNoise = Synthetic.Noise(seed: 23)
        let steady = Synthetic.series(days: 14) { i, _ in
            10 + 5 * Double(i) / Double(Synthetic.perDay) + 0.1 * steadyNoise.gaussian()
        }
        #expect(!Synthetic.analyze(steady).anomalies.contains { $0.kind == .trendBreak })
        // A step (at a third, or late in the day) is not a ramp.
        for at in [day + Synthetic.perDay / 3, day + 5 * Synthetic.perDay / 6] {
            var stepNoise = Synthetic.Noise(seed: 24)
            let step = Synthetic.series(days: 14) { i, _ in (i >= at ? 140 : 100) + 2 * stepNoise.gaussian() }
            #expect(!Synthetic.analyze(step).anomalies.contains { $0.kind == .trendBreak }, "step at \(at - day)")
        }
    }

    @Test func diskFullForecastNeedsTheMaximum() throws {
        var noise = Synthetic.Noise(seed: 10)
        // Used space growing 5 GB a day towards a 100 GB disk, at 80 GB now.
        let s = Synthetic.series(days: 14) { i, _ in 10 + 5 * Double(i) / Double(Synthetic.perDay) + 0.1 * noise.gaussian() }
        let withMax = Synthetic.analyze(s, uom: "GB", direction: nil, minimum: 0, maximum: 100)
        #expect(withMax.direction == .high)
        let forecast = try #require(withMax.anomalies.first { $0.kind == .forecastFull })
        let days = Double(forecast.end - forecast.start) / 86_400
        #expect(days > 2.5 && days < 4.5)
        let withoutMax = Synthetic.analyze(s, uom: "GB", direction: nil)
        #expect(!withoutMax.anomalies.contains { $0.kind == .forecastFull })
        // 1 GB a day for 13 days, then 30 GB in the last one (a runaway
        // log): 40 → 70 GB. The learned trend says a month; the recent rate
        // says a day.
        let day = 13 * Synthetic.perDay
        var runawayNoise = Synthetic.Noise(seed: 11)
        let runaway = Synthetic.series(days: 14) { i, _ in
            let days = Double(i) / Double(Synthetic.perDay)
            return 27 + days + (i >= day ? 29 * (days - 13) : 0) + 0.1 * runawayNoise.gaussian()
        }
        let fast = Synthetic.analyze(runaway, uom: "GB", direction: nil, minimum: 0, maximum: 100)
        #expect(fast.anomalies.contains { $0.kind == .trendBreak })
        let soon = try #require(fast.anomalies.first { $0.kind == .forecastFull })
        let left = Double(soon.end - soon.start) / 86_400
        #expect(left > 0.7 && left < 1.3, "\(soon)")
    }

    @Test func directionLimitsWhichSideAlerts() throws {
        let s = Synthetic.flat(days: 7)
        let high = Synthetic.analyze(s, direction: .high)
        #expect(high.band?.warningLow == nil && high.band?.criticalLow == nil)
        #expect(high.band?.warningHigh != nil)
        #expect(high.status(of: -1e9, at: s.end) == .ok)
        let low = Synthetic.analyze(s, direction: .low)
        #expect(low.band?.warningHigh == nil && low.band?.warningLow != nil)
    }

    @Test func perfdataBoundsClampTheBand() throws {
        // A percentage near 100 %: no limit above the maximum can exist.
        var noise = Synthetic.Noise(seed: 11)
        let s = Synthetic.series(days: 7) { _, _ in 97 + noise.gaussian() }
        let a = Synthetic.analyze(s, uom: "%", direction: .both, minimum: 0, maximum: 100)
        let band = try #require(a.band)
        for limit in [band.warningHigh, band.criticalHigh, band.warningLow, band.criticalLow].compactMap({ $0 }) {
            #expect(limit > 0 && limit < 100)
        }
        #expect(band.criticalHigh == nil)
    }

    @Test(arguments: [
        ("rta", "ms", nil, AlertDirection.high), ("time", "s", nil, .high), ("cpu", "%", nil, .high),
        ("root", "MB", 1000.0, .high), ("in", "c", nil, .both), ("eth0_in", "B", nil, .both),
        ("free_space", "MB", 1000.0, .low), ("users", "", nil, .both), ("errors", "", nil, .high),
    ] as [(String, String, Double?, AlertDirection)])
    func directionInference(label: String, uom: String, maximum: Double?, expected: AlertDirection) {
        #expect(Learner.inferDirection(label: label, uom: uom, minimum: nil, maximum: maximum) == expected)
    }

    @Test func regularizedAveragesSamplesPerStep() {
        let s = TimeSeries.regularized([(time: 0, value: 1), (time: 10, value: 3), (time: 650, value: 7)],
                                       start: 0, step: 300, until: 900)
        #expect(s.values.count == 3)
        #expect(s.values[0] == 2)
        #expect(s.values[1].isNaN)
        #expect(s.values[2] == 7)
        #expect(s.presentCount == 2)
    }
}

@Suite struct FlatSeriesTests {
    /// A metric that was always 0 gets a band of at least ±1 unit, not one
    /// that alerts on any non-zero value.
    @Test func alwaysZeroGetsAnAbsoluteFloor() throws {
        let s = Synthetic.series(days: 14) { _, _ in 0 }
        let a = Synthetic.analyze(s)
        #expect(a.outcome == .thresholds)
        let band = try #require(a.band)
        let wh = try #require(band.warningHigh), wl = try #require(band.warningLow)
        let ch = try #require(band.criticalHigh)
        #expect(wh >= 1 && wl <= -1)
        #expect(ch >= 3 * wh - 1e-9)
        #expect(a.status(of: 0.5, at: s.end) == .ok)
        #expect(a.status(of: -0.5, at: s.end) == .ok)
        #expect(a.status(of: 1e6, at: s.end) == .critical)
    }

    /// The floor applies only to a flat history: a noisy metric around 0
    /// keeps a band sized by its noise.
    @Test func noisyMetricKeepsItsOwnBand() throws {
        var noise = Synthetic.Noise(seed: 21)
        let s = Synthetic.series(days: 14) { _, _ in 0.01 * noise.gaussian() }
        let wh = try #require(Synthetic.analyze(s).band?.warningHigh)
        #expect(wh > 0.01 && wh < 0.5)
    }
}

enum LearnerTestError: Error { case coldStart }

extension LearnerWorkspace {
    /// `fillBuckets` one index at a time (the straightforward version,
    /// which the tests compare it with).
    mutating func fillBucketsStepwise(series: TimeSeries, from lower: Int, to upper: Int) {
        let n = max(0, upper - lower)
        if buckets.count < n { buckets = [UInt8](repeating: 0, count: n) }
        guard n > 0 else { return }
        var t = series.time(at: lower) + 3 * 86_400
        buckets.withUnsafeMutableBufferPointer { out in
            guard t >= 0 else {
                for i in 0..<n { out[i] = UInt8(TimeOfWeekProfile.bucket(at: series.time(at: lower + i))) }
                return
            }
            var hour = (t / 3600) % 168
            t %= 3600
            for i in 0..<n {
                out[i] = UInt8(hour)
                t += series.step
                if t >= 3600 {
                    hour = (hour + t / 3600) % 168
                    t %= 3600
                }
            }
        }
    }
}
