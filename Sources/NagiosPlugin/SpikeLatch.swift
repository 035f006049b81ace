// The one place that judges a learned metric's successive values, shared by
// check_baseline (RRD and wrapping modes) and the analytics backtest: Nagios
// range semantics for each value, plus a *spike latch* that keeps the result
// non-OK for a few checks after one extreme value, so that a one-check spike
// far beyond the critical limit reaches a hard state (max_check_attempts)
// and is notified instead of recovering on the next check.

/// Warning and critical limits on one side or both (`nil`: unbounded), as
/// learned by vigil-analytics; endpoints are inclusive (a value equal to a
/// limit is within it), critical is checked first. vigil-analytics learns
/// them as its `ThresholdBand`.
public struct BandLimits: Sendable, Codable, Hashable {
    public var warningLow: Double?
    public var warningHigh: Double?
    public var criticalLow: Double?
    public var criticalHigh: Double?
    /// The metric's own spike size beyond each critical limit, in
    /// warning-to-critical gaps: how far single checks went in its normal
    /// history, above and below (profile key `spike`). The latch holds only
    /// values beyond it (and beyond its own factor). `nil`: none learned, or
    /// normal spikes stayed within the critical limit.
    public var spikeHigh: Double?
    public var spikeLow: Double?
    /// The expected value the band is centred on (profile: the hour's
    /// centre), when known: the shift check measures residuals from it.
    public var expected: Double?
    /// How far the mean of the last ``SpikeLatch/shiftChecks`` residuals
    /// (value − expected) may lie above / below 0 in normal behaviour
    /// (profile key `shift`); `nil`: not checked on that side.
    public var shiftHigh: Double?
    public var shiftLow: Double?
    /// The most checks out of ``SpikeLatch/burstChecks`` in a row that
    /// were beyond a warning limit in normal behaviour (profile key
    /// `burst`); `nil`: not checked.
    public var burstLimit: Int?

    public init(warningLow: Double? = nil, warningHigh: Double? = nil, criticalLow: Double? = nil,
                criticalHigh: Double? = nil, spikeHigh: Double? = nil, spikeLow: Double? = nil,
                expected: Double? = nil, shiftHigh: Double? = nil, shiftLow: Double? = nil,
                burstLimit: Int? = nil) {
        self.burstLimit = burstLimit
        self.warningLow = warningLow
        self.warningHigh = warningHigh
        self.criticalLow = criticalLow
        self.criticalHigh = criticalHigh
        self.spikeHigh = spikeHigh
        self.spikeLow = spikeLow
        self.expected = expected
        self.shiftHigh = shiftHigh
        self.shiftLow = shiftLow
    }

    /// The limits of a warning/critical pair of ranges; `nil` when a range
    /// alerts inside (`@a:b`), which has no "beyond".
    public init?(_ thresholds: Thresholds) {
        if thresholds.warning?.alertsInside == true || thresholds.critical?.alertsInside == true { return nil }
        func low(_ r: ThresholdRange?) -> Double? { r.flatMap { $0.start == -.infinity ? nil : $0.start } }
        func high(_ r: ThresholdRange?) -> Double? { r.flatMap { $0.end == .infinity ? nil : $0.end } }
        self.init(warningLow: low(thresholds.warning), warningHigh: high(thresholds.warning),
                  criticalLow: low(thresholds.critical), criticalHigh: high(thresholds.critical))
    }

    /// CRITICAL outside the critical limits, else WARNING outside the
    /// warning limits, else OK; NaN is UNKNOWN.
    public func status(of value: Double) -> Status {
        if value.isNaN { return .unknown }
        if let l = criticalLow, value < l { return .critical }
        if let h = criticalHigh, value > h { return .critical }
        if let l = warningLow, value < l { return .warning }
        if let h = warningHigh, value > h { return .warning }
        return .ok
    }

    /// How far `value` lies beyond a critical limit, in units of that
    /// side's warning-to-critical gap (`(v − crit) / (crit − warn)` above,
    /// mirrored below); `nil` when it is not beyond a critical limit or that
    /// side has no warning limit to measure the gap with. With the learner's
    /// critical limits at 3 × the warning distance from the expected value,
    /// the gap is ⅔ of the critical distance, so an excess of `k` means the
    /// value is `1 + 2k/3` critical distances from the expected value.
    public func excessBeyondCritical(_ value: Double) -> Double? {
        if let c = criticalHigh, value > c, let w = warningHigh, c > w { return (value - c) / (c - w) }
        if let c = criticalLow, value < c, let w = warningLow, w > c { return (c - value) / (w - c) }
        return nil
    }
}

/// Keeps a metric's result at the state of its last *extreme* value for the
/// next `length` checks.
///
/// A value is extreme when it lies beyond a critical limit by at least
/// `factor` × that side's warning-to-critical gap
/// (``BandLimits/excessBeyondCritical(_:)``), and further than the spikes
/// the metric makes normally (``BandLimits/spikeHigh``, learned from its
/// history: a nightly job's spike is not an incident). Such a value is judged as
/// usual (CRITICAL), and each of the next `length` checks reports at least
/// that state, with the spike as the reason, even if its own value is back
/// within the band. A new extreme value restarts the latch; a moderate
/// outlier (beyond the critical limit by less) never latches. With
/// `length` 2 and Nagios' `max_check_attempts 3`, one extreme check makes a
/// hard CRITICAL and one notification, where it used to be a soft state
/// that recovered on the next check.
public struct SpikeLatch: Sendable, Hashable {
    /// The shipped parameters (measured by the NAB backtest, docs/analytics.md).
    public static let defaultFactor = 4.0
    public static let defaultLength = 2

    /// Minimum excess beyond the critical limit, in warning-to-critical gaps.
    public var factor: Double
    /// Checks after the spike that stay non-OK (0 = no latch).
    public var length: Int

    /// The extreme value in force.
    public struct Spike: Sendable, Hashable {
        public var time: Int64
        public var value: Double
        /// The spike's own state (CRITICAL).
        public var status: Status
        /// The critical range it was beyond, for the explanation.
        public var limit: Double
        /// Checks since the spike (0 = this check is the spike).
        public var checksAgo: Int

        public init(time: Int64, value: Double, status: Status, limit: Double, checksAgo: Int) {
            self.time = time
            self.value = value
            self.status = status
            self.limit = limit
            self.checksAgo = checksAgo
        }
    }

    /// The spike that is latched (or was just seen), if any.
    public var spike: Spike?
    /// Hold CRITICAL while the values stay non-OK: once a check reports
    /// CRITICAL, later checks that are only WARNING report CRITICAL too,
    /// until a check is OK (hysteresis: a value hovering around the
    /// critical limit is one CRITICAL problem, not a WARNING↔CRITICAL
    /// change — and a notification — at every crossing).
    public var holdsCritical: Bool
    /// The first check of the CRITICAL in force (`checksAgo` counts the
    /// checks since), while `holdsCritical`.
    public var criticalSince: Spike?

    public static let defaultHoldsCritical = true

    /// OK checks after a *hard* problem that still report its state (0 =
    /// none; hysteresis on recovery): once `hardAfter` checks in a row were
    /// not OK (Nagios' hard state), the problem ends only at the
    /// `recoveryChecks + 1`-th OK check in a row, so a value flapping around
    /// a limit, or a changed regime crossing back and forth, is one problem,
    /// not a recovery and a new notification at every crossing. A soft
    /// problem (fewer non-OK checks) is never held.
    public var recoveryChecks: Int
    /// The last hard problem's state as reported (not held), with the OK
    /// checks since in `checksAgo`, while `recoveryChecks > 0`.
    public var problem: Spike?
    /// Non-OK checks in a row, held ones not counted.
    public var nonOKRun: Int
    /// Non-OK checks in a row that make a problem hard: `length + 1`
    /// (`length` is `max_check_attempts − 1`), 3 when the latch is off.
    public var hardAfter: Int { length > 0 ? length + 1 : SpikeLatch.defaultLength + 1 }

    /// The shipped recovery hold (1 hour of 5-minute checks; measured by the NAB backtest).
    public static let defaultRecoveryChecks = 12

    /// Checks whose mean residual the shift check judges (0 = off).
    public var shiftChecks: Int
    /// The state a shift reports.
    public var shiftStatus: Status

    /// The residuals (value − expected) of the last checks, oldest first,
    /// at most `shiftChecks`.
    public var recentResiduals: [Double]

    /// Checks the burst check counts over (0 = off; at most 64).
    public var burstChecks: Int
    /// Bit k set: the check k checks ago was beyond a warning limit.
    public var recentOutside: UInt64

    public static let defaultShiftChecks = 3
    public static let defaultBurstChecks = 16
    public static let defaultShiftStatus = Status.warning

    public init(factor: Double = SpikeLatch.defaultFactor, length: Int = SpikeLatch.defaultLength,
                holdsCritical: Bool = SpikeLatch.defaultHoldsCritical, spike: Spike? = nil,
                criticalSince: Spike? = nil, recoveryChecks: Int = SpikeLatch.defaultRecoveryChecks,
                problem: Spike? = nil, nonOKRun: Int = 0, shiftChecks: Int = SpikeLatch.defaultShiftChecks,
                shiftStatus: Status = SpikeLatch.defaultShiftStatus, recentResiduals: [Double] = [],
                burstChecks: Int = SpikeLatch.defaultBurstChecks, recentOutside: UInt64 = 0) {
        self.burstChecks = min(64, max(0, burstChecks))
        self.recentOutside = recentOutside
        self.shiftChecks = max(0, shiftChecks)
        self.shiftStatus = shiftStatus
        self.recentResiduals = recentResiduals
        self.factor = factor
        self.length = max(0, length)
        self.holdsCritical = holdsCritical
        self.spike = spike
        self.criticalSince = criticalSince
        self.recoveryChecks = max(0, recoveryChecks)
        self.problem = problem
        self.nonOKRun = max(0, nonOKRun)
    }

    /// The excess beyond the critical limit a value needs to be extreme: the
    /// latch's factor, or the metric's normal spike size if larger (`>`:
    /// as large as a normal spike is not extreme).
    func minimumExcess(_ value: Double, _ limits: BandLimits) -> Double {
        let learned = value > (limits.criticalHigh ?? .infinity) ? limits.spikeHigh : limits.spikeLow
        guard let learned, learned >= factor else { return factor }
        return learned.nextUp
    }

    /// One check's verdict.
    public struct Verdict: Sendable, Hashable {
        /// The value's own state against the limits.
        public var own: Status
        /// What the check reports: the worse of `own` and a latched spike's.
        public var status: Status
        /// The earlier spike that raised `status` above `own`, if any.
        public var latchedBy: Spike?
        /// The start of the CRITICAL that is held although this value is
        /// only WARNING (`holdsCritical`), if any.
        public var heldSince: Spike?
        /// The problem whose state is held although this check is OK
        /// (`recoveryChecks`), if any; its `checksAgo` counts the OK checks.
        public var recoveringFrom: Spike? = nil
        /// The mean residual of the last `shiftChecks` checks when it lies
        /// beyond the band's shift limits (which raised `status`).
        public var shift: Double? = nil
        /// The checks out of the last `burstChecks` beyond a warning limit,
        /// when more than the band's burst limit (this check latched).
        public var burst: Int? = nil

        public init(own: Status, status: Status, latchedBy: Spike? = nil, heldSince: Spike? = nil,
                    recoveringFrom: Spike? = nil) {
            self.own = own
            self.status = status
            self.latchedBy = latchedBy
            self.heldSince = heldSince
            self.recoveringFrom = recoveringFrom
        }
    }

    /// Judges the next check's value (checks in time order). A NaN value
    /// (no data) is UNKNOWN and does not count as a check for the latch.
    public mutating func judge(_ value: Double, limits: BandLimits, at time: Int64) -> Verdict {
        var v = judgeSpike(value, limits: limits, at: time)
        if value.isNaN { return v }
        if let mean = judgeShift(value, limits: limits) {
            v.shift = mean
            v.status = v.status.worst(shiftStatus)
        }
        if recoveryChecks > 0 {
            if v.status == .ok, var p = problem, p.checksAgo < recoveryChecks {
                // Still recovering: report the problem's state, keep the held CRITICAL.
                p.checksAgo += 1
                problem = p
                v.status = p.status
                v.recoveringFrom = p
                if var c = criticalSince {
                    c.checksAgo += 1
                    criticalSince = c
                }
                return v
            }
            problem = nil
        }
        v = holdCritical(v, value: value, limits: limits, at: time)
        nonOKRun = v.status == .ok ? 0 : nonOKRun + 1
        if recoveryChecks > 0, nonOKRun >= hardAfter {
            // The limit the value is beyond, on its side, at the reported level.
            let below = value < (limits.warningLow ?? limits.criticalLow ?? -.infinity)
            let limit = v.status == .critical ? (below ? limits.criticalLow : limits.criticalHigh)
                : (below ? limits.warningLow : limits.warningHigh)
            problem = Spike(time: time, value: value, status: v.status, limit: limit ?? value, checksAgo: 0)
        }
        return v
    }

    mutating func holdCritical(_ verdict: Verdict, value: Double, limits: BandLimits, at time: Int64) -> Verdict {
        var v = verdict
        guard holdsCritical else { return v }
        switch v.status {
        case .critical:
            if var c = criticalSince {
                c.checksAgo += 1
                criticalSince = c
            } else {
                let limit = value < (limits.criticalLow ?? -.infinity) ? limits.criticalLow : limits.criticalHigh
                criticalSince = Spike(time: time, value: value, status: .critical, limit: limit ?? value,
                                      checksAgo: 0)
            }
        case .warning:
            if var c = criticalSince {
                c.checksAgo += 1
                criticalSince = c
                v.status = .critical
                v.heldSince = c
            }
        default:
            criticalSince = nil
        }
        return v
    }

    /// Records the value's residual and returns the mean of the last
    /// `shiftChecks` residuals when it lies beyond the band's shift limits.
    mutating func judgeShift(_ value: Double, limits: BandLimits) -> Double? {
        guard shiftChecks > 0, let e = limits.expected, limits.shiftHigh != nil || limits.shiftLow != nil else {
            recentResiduals.removeAll()
            return nil
        }
        if recentResiduals.count >= shiftChecks { recentResiduals.removeFirst(recentResiduals.count - shiftChecks + 1) }
        recentResiduals.append(value - e)
        guard recentResiduals.count == shiftChecks else { return nil }
        var sum = 0.0
        for r in recentResiduals { sum += r }
        let mean = sum / Double(shiftChecks)
        if let h = limits.shiftHigh, mean > h { return mean }
        if let l = limits.shiftLow, mean < -l { return mean }
        return nil
    }

    /// Records whether the check is beyond a warning limit and returns how
    /// many of the last `burstChecks` were, when more than the band's
    /// burst limit and this one is.
    mutating func judgeBurst(_ own: Status, limits: BandLimits) -> Int? {
        guard burstChecks > 0 else { return nil }
        let outside = own == .warning || own == .critical
        let mask: UInt64 = burstChecks >= 64 ? ~0 : (1 << UInt64(burstChecks)) - 1
        recentOutside = ((recentOutside << 1) | (outside ? 1 : 0)) & mask
        guard outside, let limit = limits.burstLimit else { return nil }
        let count = recentOutside.nonzeroBitCount
        return count > limit ? count : nil
    }

    /// The value's own state, raised by a latched extreme value or burst;
    /// latches a new one.
    mutating func judgeSpike(_ value: Double, limits: BandLimits, at time: Int64) -> Verdict {
        let own = limits.status(of: value)
        if value.isNaN { return Verdict(own: own, status: own, latchedBy: nil) }
        let burst = judgeBurst(own, limits: limits)
        if length > 0, let excess = limits.excessBeyondCritical(value), excess >= minimumExcess(value, limits) {
            let limit = value > (limits.criticalHigh ?? .infinity) ? limits.criticalHigh : limits.criticalLow
            spike = Spike(time: time, value: value, status: own, limit: limit ?? value, checksAgo: 0)
            return Verdict(own: own, status: own, latchedBy: nil)
        }
        // A latched spike of a worse state still in force is kept (its
        // count goes on below); else a burst latches like an extreme
        // value, at the value's own state.
        let worseInForce = spike.map { $0.checksAgo < length && $0.status.severity > own.severity } ?? false
        if length > 0, let burst, !worseInForce {
            let below = value < (limits.warningLow ?? limits.criticalLow ?? -.infinity)
            let limit = own == .critical ? (below ? limits.criticalLow : limits.criticalHigh)
                : (below ? limits.warningLow : limits.warningHigh)
            spike = Spike(time: time, value: value, status: own, limit: limit ?? value, checksAgo: 0)
            var v = Verdict(own: own, status: own, latchedBy: nil)
            v.burst = burst
            return v
        }
        guard var s = spike else { return Verdict(own: own, status: own, latchedBy: nil) }
        s.checksAgo += 1
        guard s.checksAgo <= length else {
            spike = nil
            return Verdict(own: own, status: own, latchedBy: nil)
        }
        spike = s
        let status = own.worst(s.status)
        return Verdict(own: own, status: status, latchedBy: status == own ? nil : s)
    }
}
