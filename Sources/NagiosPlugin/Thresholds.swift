/// A warning and a critical range. Critical is checked first; a threshold
/// that is not set never alerts (`get_status()` of the C library).
public struct Thresholds: Sendable, Hashable {
    public var warning: ThresholdRange?
    public var critical: ThresholdRange?

    public init(warning: ThresholdRange? = nil, critical: ThresholdRange? = nil) {
        self.warning = warning
        self.critical = critical
    }

    /// Parses the two specs; `nil` leaves that threshold unset.
    public init(warning: String?, critical: String?) throws(RangeError) {
        self.warning = try warning.map { (s: String) throws(RangeError) in try ThresholdRange(parsing: s) }
        self.critical = try critical.map { (s: String) throws(RangeError) in try ThresholdRange(parsing: s) }
    }

    /// The state of `value`: CRITICAL if the critical range alerts, else
    /// WARNING if the warning range alerts, else OK.
    public func status(of value: Double) -> Status {
        if let critical, critical.alerts(value) { return .critical }
        if let warning, warning.alerts(value) { return .warning }
        return .ok
    }

    /// Splits comma lists such as `-w 5,4,3 -c 10,8,6` into `count` threshold
    /// pairs. Missing trailing elements repeat the last one given (so one
    /// element applies to all, as in check_load); an empty or missing list
    /// leaves that threshold unset. More elements than `count` is an error.
    public static func lists(warning: String?, critical: String?, count: Int) throws(RangeError) -> [Thresholds] {
        let w = try expand(warning, count: count)
        let c = try expand(critical, count: count)
        return (0..<count).map { Thresholds(warning: w[$0], critical: c[$0]) }
    }

    private static func expand(_ text: String?, count: Int) throws(RangeError) -> [ThresholdRange?] {
        guard let text, !text.isEmpty else { return Array(repeating: nil, count: count) }
        let ranges = try ThresholdRange.parseList(text)
        if ranges.count > count {
            throw RangeError(text: text, reason: "more than \(count) values")
        }
        return (0..<count).map { ranges[min($0, ranges.count - 1)] }
    }
}
