import Foundation
import NagiosPlugin
import Testing
@testable import Analytics
import Checks

@Suite struct BacktestTests {
    static func rows(_ values: [Double], start: Int64 = Synthetic.monday, step: Int64 = 300) -> [BacktestRow] {
        values.enumerated().map { BacktestRow(time: start + Int64($0.offset) * step, value: $0.element) }
    }

    /// What the nightly run at the start of day `day` (rows of 5 minutes
    /// from Monday) learns from the rows before it.
    static func learned(_ rows: [BacktestRow], day: Int) -> MetricAnalysis {
        let midnight = rows[day * 288].time
        return Learner.analyze(id: MetricID(host: "backtest", service: "", label: "value"), uom: "",
                               series: Backtest.history(rows[0..<(day * 288)], until: midnight),
                               direction: nil, minimum: nil, maximum: nil, now: midnight)
    }

    static func noise(_ n: Int, seed: UInt64) -> [Double] {
        var g = Synthetic.Noise(seed: seed)
        return (0..<n).map { _ in 100 + 2 * g.gaussian() }
    }

    @Test func timestampsParseAsUTC() {
        #expect(BacktestCSV.parseTimestamp("1970-01-01 00:00:00") == 0)
        #expect(BacktestCSV.parseTimestamp("2014-04-01 00:00:00") == 1_396_310_400)
        #expect(BacktestCSV.parseTimestamp("2011-07-01 00:15:01") == 1_309_479_301)
        #expect(BacktestCSV.parseTimestamp("2024-02-29T12:30:00") == 1_709_209_800)
        #expect(BacktestCSV.parseTimestamp("2014-13-01 00:00:00") == nil)
        #expect(BacktestCSV.parseTimestamp("yesterday") == nil)
    }

    @Test func csvWithHeaderAndCRLF() throws {
        let rows = try BacktestCSV.parse("timestamp,value\r\n2014-04-01 00:00:00,1.5\r\n2014-04-01 00:05:00,2\r\n")
        #expect(rows.count == 2)
        #expect(rows[1].time == 1_396_310_700 && rows[1].value == 2)
        #expect(rows[0].valueText == "1.5" && rows[0].timestampText == "2014-04-01 00:00:00")
        #expect(throws: BacktestError.self) { try BacktestCSV.parse("timestamp,value\n2014-04-01 00:00:00,abc\n") }
    }

    @Test func sustainedShiftNotifiesOnceOnItsThirdRow() {
        // 10 days of noise, then the value jumps to 200 for 6 hours.
        var values = Self.noise(10 * 288 + 72, seed: 21)
        let shift = 10 * 288 + 40
        for i in shift..<(shift + 72) where i < values.count { values[i] = 200 }
        let scores = Backtest.run(Self.rows(values))
        #expect(scores.indices.filter { scores[$0] } == [shift + 2])
    }

    /// A level shift of 3 σ stays inside the band (at least 4 σ wide), but
    /// the mean of the last 3 checks was never that high in the history:
    /// the shift check notifies within two hours; without it (and the
    /// burst check) nothing does.
    @Test func aShiftInsideTheBandIsCaughtByTheShiftCheck() throws {
        var values = Self.noise(10 * 288 + 72, seed: 31)
        let shift = 10 * 288 + 40
        for i in shift..<values.count { values[i] += 6 }
        let rows = Self.rows(values)
        let learned = Self.learned(rows, day: 10)
        let limits = try #require(learned.limits(at: rows[shift].time))
        #expect(try #require(limits.warningHigh) - 100 > 6, "the shifted level is inside the warning band")
        let expected = try #require(limits.expected), high = try #require(limits.shiftHigh)
        #expect(abs(expected - 100) < 1 && high > 2 && high < 6)
        let scores = Backtest.run(rows)
        let notified = scores.indices.filter { scores[$0] }
        #expect(notified.count == 1 && (shift..<(shift + 24)).contains(notified.first ?? -1), "\(notified) \(shift) \(limits)")
        var off = BacktestConfiguration()
        off.learner.shiftChecks = 0
        off.learner.burstChecks = 0
        #expect(!Backtest.run(rows, configuration: off).contains(true))
    }

    /// The profile carries what check_baseline needs for both checks: the
    /// expected value of each hour (seasonal) or of the static band, the
    /// shift limits and the burst limit, with their windows.
    @Test func profilesCarryTheShiftAndBurstLimits() throws {
        for (series, seasonal) in [(Synthetic.dailySquare(days: 21), true), (Synthetic.flat(days: 21), false)] {
            let analysis = Synthetic.analyze(series)
            let text = try #require(ProfileStore.render(analysis, rrd: nil, generated: 0))
            let band = try #require(seasonal ? analysis.profile?.buckets[12] : analysis.band)
            let high = try #require(band.shiftHigh), low = try #require(band.shiftLow)
            let burst = try #require(band.burstLimit)
            #expect(text.contains("\nshift 3 \(ConfigNumber.render(high)) \(ConfigNumber.render(low))\n"), "\(text)")
            #expect(text.contains("\nburst 16 \(burst)\n"))
            let expected = try #require(band.expected)
            if seasonal {
                #expect(analysis.band?.expected == nil && !text.contains("\nexpected "))
                #expect(text.contains("\nhour 12 \(band.warningRange ?? "-") \(band.criticalRange ?? "-") \(ConfigNumber.render(expected))\n"))
                #expect(abs(expected - 80) < 2)
            } else {
                #expect(text.contains("\nexpected \(ConfigNumber.render(expected))\n") && !text.contains("\nhour "))
                #expect(abs(expected - 100) < 1)
            }
        }
    }

    /// Production judges what the backtest judges: check_baseline, reading
    /// the profile analyze writes, gives every check the same state as the
    /// backtest's evaluator with the learned bands (a seasonal and a flat
    /// metric; a day with a shift, scattered warnings and a spike).
    @Test func checkBaselineJudgesAsTheBacktest() throws {
        for (series, base) in [(Synthetic.dailySquare(days: 21), 80.0), (Synthetic.flat(days: 21), 100.0)] {
            let analysis = Synthetic.analyze(series)
            let text = try #require(ProfileStore.render(analysis, rrd: nil, generated: 0))
            let profile = try BaselineProfile(parsing: text, path: "/p/value.profile")
            var noise = Synthetic.Noise(seed: 77)
            let start = series.start + Int64(series.values.count) * series.step
            let band = try #require(analysis.limits(at: start + 12 * 3600))
            let warn = try #require(band.warningHigh)
            var backtest = SpikeLatch()
            var plugin = SpikeLatch()
            var states: [Status] = []
            var reasons: Set<String> = []
            for i in 0..<288 {
                let t = start + Int64(i) * 300
                let hour = Int((t % 86_400) / 3600)
                var v = (base == 80 && !(8..<20).contains(hour) ? 20 : base) + 2 * noise.gaussian()
                if (140..<150).contains(i) { v += 0.6 * (warn - base) }  // a shift inside the band
                if (170..<200).contains(i), i % 5 == 0 { v = warn + 1 }  // scattered warnings
                if i == 230 { v += 40 * (warn - base) }  // a spike
                let limits = try #require(analysis.limits(at: t))
                let expected = backtest.judge(v, limits: limits, at: t)
                let got = try #require(CheckBaseline.judge(profile, value: v, uom: "", at: t, latch: &plugin))
                #expect(got.status == expected.status, "row \(i): \(v) \(got.text)")
                states.append(expected.status)
                reasons.insert(Backtest.reason(expected))
            }
            #expect(states.contains(.warning) && states.contains(.critical), "the day exercises the checks")
            #expect(reasons.isSuperset(of: ["shift", "burst", "spike"]), "\(reasons)")
        }
    }

    /// Single WARNING checks that never make three in a row: one every 4
    /// checks is more than the history ever had in 16, so the second one
    /// latches (the burst check) and Nagios notifies two checks later.
    @Test func scatteredWarningsAreABurst() throws {
        var values = Self.noise(10 * 288 + 72, seed: 32)
        let rows0 = Self.rows(values)
        let learned = Self.learned(rows0, day: 10)
        let limits = try #require(learned.limits(at: rows0[10 * 288 + 40].time))
        let limit = try #require(limits.burstLimit)
        #expect(limit == 1, "a history of noise never had 2 warnings in 16 checks")
        let warn = try #require(limits.warningHigh), crit = try #require(limits.criticalHigh)
        let warning = warn + 0.05 * (crit - warn)
        let first = 10 * 288 + 40
        for k in 0..<6 { values[first + 4 * k] = warning }
        var c = BacktestConfiguration()
        c.learner.shiftChecks = 0
        let notified = Backtest.run(Self.rows(values), configuration: c)
        #expect(notified.indices.filter { notified[$0] } == [first + 4 + 2])
        c.learner.burstChecks = 0
        #expect(!Backtest.run(Self.rows(values), configuration: c).contains(true), "without the burst check")
    }

    /// check_baseline's spike latch, in the backtest: one row far beyond the
    /// critical limit is held CRITICAL for two more checks, so Nagios
    /// (max_check_attempts 3) notifies on the second row after it; a row
    /// just beyond the warning limit stays a soft state that recovers (one
    /// check is neither a burst nor, this close to the band, a shift).
    @Test func oneExtremeRowNotifiesTwoChecksLaterAModerateOneNever() throws {
        let base = Self.noise(10 * 288 + 72, seed: 24)
        let spike = 10 * 288 + 40
        let rows = Self.rows(base)
        let learned = Self.learned(rows, day: 10)
        let limits = try #require(learned.limits(at: rows[spike].time))
        let high = try #require(limits.criticalHigh), gap = high - (try #require(limits.warningHigh))
        var extreme = base
        extreme[spike] = high + (SpikeLatch.defaultFactor + 1) * gap
        let scores = Backtest.run(Self.rows(extreme))
        #expect(scores.indices.filter { scores[$0] } == [spike + 2])
        var moderate = base
        moderate[spike] = try #require(limits.warningHigh) + 0.1 * gap
        #expect(!Backtest.run(Self.rows(moderate)).contains(true))
        // The shift check sees it too (the mean of the last 3 checks was
        // never that high); without both it is one soft state.
        var off = BacktestConfiguration()
        off.latchLength = 0
        #expect(Backtest.run(Self.rows(extreme), configuration: off).contains(true), "without the latch")
        off.learner.shiftChecks = 0
        #expect(!Backtest.run(Self.rows(extreme), configuration: off).contains(true), "without the latch and shifts")
    }

    /// A metric that spikes every night (a cron job) learns that size as
    /// normal: the nightly spike is not held (no notification), and the
    /// profile tells check_baseline so; a spike three times as high still is.
    @Test func aNightlySpikeIsNormalALargerOneIsNot() throws {
        var values = Self.noise(15 * 288, seed: 25)
        for day in 0..<15 { values[day * 288 + 39] = 250 }  // 03:15 every day
        let rows = Self.rows(values)
        let learned = Self.learned(rows, day: 14)
        let band = try #require(learned.band)
        let limits = try #require(learned.limits(at: rows[14 * 288 + 39].time))
        let excess = try #require(limits.excessBeyondCritical(250))
        #expect(excess > SpikeLatch.defaultFactor, "250 would be extreme by the factor alone")
        #expect(try #require(band.spikeHigh) >= excess && band.spikeLow == nil)
        let text = try #require(ProfileStore.render(learned, rrd: nil, generated: 0))
        #expect(text.contains("\nspike \(ConfigNumber.render(try #require(band.spikeHigh))) -\n"))
        let scores = Backtest.run(rows)
        #expect(!scores[(14 * 288)...].contains(true), "the nightly spike of day 15")
        var larger = values
        larger[14 * 288 + 39] = 100 + 3 * 150
        let notified = Backtest.run(Self.rows(larger))
        #expect(notified.indices.filter { notified[$0] && $0 >= 14 * 288 } == [14 * 288 + 41])
    }

    /// The recovery hold, in the backtest: a changed level that crosses the
    /// band's edge back and forth (bad for 4 rows, fine for 3, …) is one
    /// notification, not one per crossing.
    @Test func aFlappingNewLevelNotifiesOnce() throws {
        var values = Self.noise(10 * 288 + 120, seed: 26)
        let rows = Self.rows(values)
        let learned = Self.learned(rows, day: 10)
        let start = 10 * 288 + 20
        let limits = try #require(learned.limits(at: rows[start].time))
        // Between the warning and the critical limit: WARNING, never latched.
        let level = (try #require(limits.warningHigh) + (try #require(limits.criticalHigh))) / 2
        for k in 0..<12 { for i in 0..<4 { values[start + 7 * k + i] = level } }
        let scores = Backtest.run(Self.rows(values))
        #expect(scores.indices.filter { scores[$0] } == [start + 2])
        var off = BacktestConfiguration()
        off.recoveryChecks = 0
        let plain = Backtest.run(Self.rows(values), configuration: off)
        #expect(plain.indices.filter { plain[$0] } == (0..<12).map { start + 7 * $0 + 2 })
    }

    @Test func nothingDuringProbation() {
        // A shift inside the first 15 % of the rows is never scored.
        var values = Self.noise(3000, seed: 22)
        for i in 350..<420 { values[i] = 500 }
        let scores = Backtest.run(Self.rows(values))
        #expect(Backtest.probationRows(3000) == 450)
        #expect(!scores[0..<450].contains(true))
        #expect(Backtest.probationRows(100_000) == 750)
    }

    /// Changing the future never changes the past: the score of row i
    /// depends only on rows ≤ i.
    @Test(arguments: [1500, 2100, 2880, 3333])
    func noLookAhead(cut: Int) {
        let base = Synthetic.dailySquare(days: 14, seed: 23).values
        var changed = base
        var g = Synthetic.Noise(seed: UInt64(cut))
        for i in cut..<changed.count { changed[i] = g.uniform() * 1000 - 500 }
        let a = Backtest.run(Self.rows(base))
        let b = Backtest.run(Self.rows(changed))
        #expect(Array(a[0..<cut]) == Array(b[0..<cut]))
        #expect(a != b || a[cut...].allSatisfy { !$0 })
    }

    @Test func relearningIsDailyAtMidnight() {
        #expect(Backtest.nextMoment(after: 1_396_310_400, BacktestConfiguration()) == 1_396_396_800)
        #expect(Backtest.nextMoment(after: 1_396_310_399, BacktestConfiguration()) == 1_396_310_400)
    }

    /// The whole dev corpus through the `backtest` command, scored with the
    /// NAB scorer. The score is printed (recorded in docs/analytics.md); the
    /// assertion is only a floor that catches regressions.
    @Test func nabDevCorpus() throws {
        let shared = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("../../../shared")
            .standardized.path
        let nab = shared + "/data/nab"
        let list = nab + "/files.txt"
        #expect(FileManager.default.fileExists(atPath: list), "the NAB data must be at \(nab)")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-backtest-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let summary = try Backtest.backtestCommand(dataDir: nab + "/data", filesList: list, outDir: out)
        let files = try String(contentsOfFile: list, encoding: .utf8).split(whereSeparator: \.isNewline)
        #expect(summary.files == files.count && summary.files == 39)
        for f in files {
            let input = try String(contentsOfFile: nab + "/data/" + f, encoding: .utf8).split(whereSeparator: \.isNewline)
            let output = try String(contentsOfFile: out + "/" + f, encoding: .utf8).split(whereSeparator: \.isNewline)
            #expect(output.count == input.count, "\(f)")
            #expect(output.first == "timestamp,value,anomaly_score")
            for (i, line) in output.enumerated().dropFirst() {
                let cols = line.split(separator: ",", omittingEmptySubsequences: false)
                guard cols.count == 3, cols[2] == "0" || cols[2] == "1", line.hasPrefix(input[i] + ",") else {
                    Issue.record("\(f):\(i + 1): \(line)")
                    break
                }
            }
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [shared + "/tools/nab_score.py", "--nab", nab, "--results", out, "--threshold", "0.5",
                       "--files", list, "--profile", "standard"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print("NAB dev score (\(summary.rows) rows, \(summary.notifications) notifications): \(text)")
        #expect(p.terminationStatus == 0)
        let after = text.components(separatedBy: "normalized=").dropFirst().first ?? ""
        let normalized = try #require(Double(after.split(separator: " ").first ?? ""), "no score in \(text)")
        #expect(normalized >= 74)
    }
}
