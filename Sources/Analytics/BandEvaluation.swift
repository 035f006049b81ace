// How a value is judged against learned thresholds: exactly what Nagios
// does with `-w`/`-c` ranges (`lo:hi`, endpoints inclusive, critical
// before warning), with the band check_baseline uses at that time. The
// judging itself (and the spike latch) is NagiosPlugin's `BandLimits`
// (`ThresholdBand` is that type) and `SpikeLatch`, the same code
// check_baseline runs.

import NagiosPlugin

extension MetricAnalysis {
    /// The limits in force at `time`, as check_baseline reads them from the
    /// profile: the time-of-week band of that hour when it has one, else
    /// the static band; `nil` while cold-starting or without any band.
    public func limits(at time: Int64) -> BandLimits? {
        guard outcome == .thresholds else { return nil }
        if let p = profile?.band(at: time) { return p }
        return band
    }

    /// The state of `value` measured at `time` against ``limits(at:)``
    /// (OK while cold-starting).
    public func status(of value: Double, at time: Int64) -> Status {
        limits(at: time)?.status(of: value) ?? .ok
    }
}
