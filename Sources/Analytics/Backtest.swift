// Replays a series through the production pipeline, the way cron + Nagios
// would have run it: thresholds re-learned every `relearnInterval` seconds
// of data time from the rows before that moment only, every row judged by
// the thresholds in force (with check_baseline's spike latch), Nagios
// soft/hard states decide notifications.

import NagiosPlugin

/// One CSV row: a check result at a time.
public struct BacktestRow: Sendable, Hashable {
    /// Unix seconds (UTC).
    public var time: Int64
    public var value: Double
    /// The row's fields as read, written back unchanged.
    public var timestampText: String
    public var valueText: String

    public init(time: Int64, value: Double, timestampText: String = "", valueText: String = "") {
        self.time = time
        self.value = value
        self.timestampText = timestampText
        self.valueText = valueText
    }
}

public struct BacktestConfiguration: Sendable, Hashable {
    public var learner = LearnerConfiguration()
    /// Seconds of data time between two learning runs (the cron cadence).
    public var relearnInterval: Int64 = 86_400
    /// Learning runs happen at Unix times ≡ `relearnOffset` mod `relearnInterval`
    /// (0 = at midnight UTC, like a nightly cron job).
    public var relearnOffset: Int64 = 0
    public var maxCheckAttempts = 3
    /// nil: one notification per problem (no re-notification).
    public var notificationInterval: Int64? = nil
    /// No alarm is scored in the first min(fraction × rows, maximum) rows.
    public var probationFraction = 0.15
    public var probationMaximum = 750
    /// The spike latch check_baseline applies (`SpikeLatch`): minimum
    /// excess beyond the critical limit, in warning-to-critical gaps, and
    /// the number of checks after the spike that stay non-OK (0 = off).
    public var spikeFactor = SpikeLatch.defaultFactor
    public var latchLength = SpikeLatch.defaultLength
    /// CRITICAL is held while the values stay non-OK (`SpikeLatch.holdsCritical`).
    public var holdCritical = SpikeLatch.defaultHoldsCritical
    /// OK checks after a problem that still report it (`SpikeLatch.recoveryChecks`).
    public var recoveryChecks = SpikeLatch.defaultRecoveryChecks
    /// The state a shift reports (`SpikeLatch.shiftStatus`).
    public var shiftStatus = SpikeLatch.defaultShiftStatus

    public init() {}
}

public enum Backtest {
    /// The number of leading rows in which no alarm counts (NAB's probation).
    public static func probationRows(_ count: Int, configuration c: BacktestConfiguration = BacktestConfiguration())
        -> Int
    {
        min(Int((c.probationFraction * Double(count)).rounded(.down)), c.probationMaximum)
    }

    /// For each row, whether Nagios would have sent a problem notification
    /// for it. Rows must be in time order.
    public static func run(_ rows: [BacktestRow], configuration c: BacktestConfiguration = BacktestConfiguration())
        -> [Bool]
    {
        run(rows, configuration: c, trace: nil)
    }

    /// One row as judged, for `--trace`: the limits in force (nil while
    /// cold-starting) and check_baseline's verdict.
    public struct TraceRow: Sendable, Hashable {
        public var limits: BandLimits?
        public var verdict: SpikeLatch.Verdict?
        public var notified: Bool
    }

    /// `run`, also handing each row's judgement to `trace`.
    public static func run(_ rows: [BacktestRow], configuration c: BacktestConfiguration,
                           trace: ((TraceRow) -> Void)?) -> [Bool]
    {
        var out = [Bool](repeating: false, count: rows.count)
        guard let first = rows.first else { return out }
        let probation = probationRows(rows.count, configuration: c)
        var machine = NagiosStateMachine(maxCheckAttempts: c.maxCheckAttempts,
                                         notificationInterval: c.notificationInterval)
        var workspace = LearnerWorkspace()
        let id = MetricID(host: "backtest", service: "", label: "value")
        var analysis: MetricAnalysis? = nil
        var latch = SpikeLatch(factor: c.spikeFactor, length: c.latchLength, holdsCritical: c.holdCritical,
                               recoveryChecks: c.recoveryChecks, shiftChecks: c.learner.shiftChecks,
                               shiftStatus: c.shiftStatus, burstChecks: c.learner.burstChecks)
        var nextLearn = nextMoment(after: first.time, c)
        for (i, row) in rows.enumerated() {
            if row.time >= nextLearn {
                // The cron run at `moment` sees the rows before it.
                var moment = nextLearn
                while row.time >= moment + c.relearnInterval { moment += c.relearnInterval }
                let series = history(rows[0..<i], until: moment)
                analysis = Learner.analyze(id: id, uom: "", series: series, direction: nil, minimum: nil,
                                           maximum: nil, now: moment, configuration: c.learner,
                                           workspace: &workspace)
                nextLearn = moment + c.relearnInterval
            }
            // Judged as check_baseline judges it (same evaluator, same latch).
            var status = Status.ok
            let limits = analysis?.limits(at: row.time)
            var verdict: SpikeLatch.Verdict? = nil
            if let limits {
                verdict = latch.judge(row.value, limits: limits, at: row.time)
                status = verdict?.status ?? .ok
            }
            let notify = machine.check(status, at: row.time)
            out[i] = notify && i >= probation
            trace?(TraceRow(limits: limits, verdict: verdict, notified: out[i]))
        }
        return out
    }

    static func nextMoment(after t: Int64, _ c: BacktestConfiguration) -> Int64 {
        let k = floorDiv(t - c.relearnOffset, c.relearnInterval) + 1
        return k * c.relearnInterval + c.relearnOffset
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// The rows before `until` as an RRD would hold them: a regular grid
    /// whose step is the usual interval between rows.
    public static func history(_ rows: ArraySlice<BacktestRow>, until: Int64) -> TimeSeries {
        guard let first = rows.first else { return TimeSeries(start: until, step: 300, values: []) }
        var gaps = [Double]()
        gaps.reserveCapacity(min(rows.count, 512))
        var prev = first.time
        for r in rows.dropFirst().prefix(512) {
            if r.time > prev { gaps.append(Double(r.time - prev)) }
            prev = r.time
        }
        let step = gaps.isEmpty ? 300 : Int64(RobustStats.median(&gaps, count: gaps.count))
        let start = first.time - Backtest.floorMod(first.time, step)
        return TimeSeries.regularized(rows.lazy.map { (time: $0.time, value: $0.value) }, start: start, step: step,
                                      until: until)
    }

    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }
}

/// Reads `timestamp,value` CSV text (a header line is skipped).
public enum BacktestCSV {
    public static func parse(_ text: String, file: String = "-") throws(BacktestError) -> [BacktestRow] {
        var rows = [BacktestRow]()
        var lineNumber = 0
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var l = line[...]
            if l.last == "\r" { l = l.dropLast() }
            if l.isEmpty { continue }
            let fields = l.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2 else { throw .badRow(file: file, line: lineNumber, text: String(l)) }
            guard let t = parseTimestamp(fields[0]), let v = Double(fields[1]) else {
                if lineNumber == 1 { continue }  // header
                throw .badRow(file: file, line: lineNumber, text: String(l))
            }
            rows.append(BacktestRow(time: t, value: v, timestampText: String(fields[0]),
                                    valueText: String(fields[1])))
        }
        return rows
    }

    /// `YYYY-MM-DD HH:MM:SS` (or with `T`; fractional seconds ignored) as
    /// UTC Unix seconds, or a plain Unix time.
    public static func parseTimestamp(_ s: Substring) -> Int64? {
        let u = Array(s.utf8)
        if let plain = Int64(s) { return plain }
        guard u.count >= 19, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x20 || u[10] == 0x54, u[13] == 0x3A,
            u[16] == 0x3A
        else { return nil }
        func num(_ a: Int, _ b: Int) -> Int64? {
            var v: Int64 = 0
            for i in a..<b {
                let d = u[i] &- 0x30
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        guard let y = num(0, 4), let m = num(5, 7), let d = num(8, 10), let hh = num(11, 13), let mm = num(14, 16),
            let ss = num(17, 19), (1...12).contains(m), (1...31).contains(d), hh < 24, mm < 60, ss < 61
        else { return nil }
        return daysFromCivil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
