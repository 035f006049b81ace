// How a value is judged against learned thresholds: exactly what Nagios
// does with `-w`/`-c` ranges (`lo:hi`, endpoints inclusive, critical
// before warning), plus the time-of-week band in force.

import NagiosPlugin

extension ThresholdBand {
    /// The state of `value`: CRITICAL outside the critical limits, else
    /// WARNING outside the warning limits, else OK. NaN is UNKNOWN.
    public func status(of value: Double) -> Status {
        if value.isNaN { return .unknown }
        if let l = criticalLow, value < l { return .critical }
        if let h = criticalHigh, value > h { return .critical }
        if let l = warningLow, value < l { return .warning }
        if let h = warningHigh, value > h { return .warning }
        return .ok
    }
}

extension MetricAnalysis {
    /// The state of `value` measured at `time`: the worse of the static
    /// band and the time-of-week band in force (OK while cold-starting).
    public func status(of value: Double, at time: Int64) -> Status {
        guard outcome == .thresholds else { return .ok }
        var s = band?.status(of: value) ?? .ok
        if let p = profile?.band(at: time) { s = s.worst(p.status(of: value)) }
        return s
    }
}
