// The contract between the learning side of the analytics (baselines,
// detectors, backtest) and the output side (Nagios/Icinga config writers,
// time-of-week profiles for check_baseline, the HTML report). Learners
// produce `MetricAnalysis`; writers only read it.

import NagiosPlugin

/// Which side of the normal band is bad for a metric.
public enum AlertDirection: String, Sendable, Codable, Hashable {
    /// Only high values are bad (latency, errors, used space, load).
    case high
    /// Only low values are bad (free space, throughput floors).
    case low
    /// Both ways are bad (traffic, request rates).
    case both
}

/// Identifies one metric: a perfdata label of a service on a host.
public struct MetricID: Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    public var host: String
    /// Empty for host perfdata.
    public var service: String
    public var label: String

    public init(host: String, service: String, label: String) {
        self.host = host
        self.service = service
        self.label = label
    }

    public var description: String { "\(host)/\(service)/\(label)" }

    public static func < (a: MetricID, b: MetricID) -> Bool {
        (a.host, a.service, a.label) < (b.host, b.service, b.label)
    }
}

/// Warning and critical limits on one side or both; `nil` is unbounded.
/// Rendered to Nagios range syntax by the writers (`lower:upper`, `~:upper`,
/// `lower:`). The same type check_baseline judges with (NagiosPlugin's
/// `BandLimits`), so that what is learned and what is judged cannot drift apart.
public typealias ThresholdBand = BandLimits

/// A band per hour of the week (168 buckets, bucket 0 = Monday 00:00–00:59
/// UTC unless `utcOffsetSeconds` says otherwise), for values that follow a
/// daily/weekly cycle a static range cannot follow.
public struct TimeOfWeekProfile: Sendable, Codable, Hashable {
    public static let bucketsPerWeek = 168
    public var utcOffsetSeconds: Int
    /// Exactly 168 entries; `nil` where there was not enough history.
    public var buckets: [ThresholdBand?]

    public init(utcOffsetSeconds: Int = 0, buckets: [ThresholdBand?]) {
        self.utcOffsetSeconds = utcOffsetSeconds
        self.buckets = buckets
    }

    /// The bucket index for a Unix time.
    public static func bucket(at unixTime: Int64, utcOffsetSeconds: Int = 0) -> Int {
        // 1970-01-01 was a Thursday: shift so that 0 is Monday 00:00.
        let t = unixTime + Int64(utcOffsetSeconds) + 3 * 86_400
        let hour = ((t / 3600) % 168 + 168) % 168
        return Int(hour)
    }

    /// The band in force at a Unix time.
    public func band(at unixTime: Int64) -> ThresholdBand? {
        guard buckets.count == Self.bucketsPerWeek else { return nil }
        return buckets[Self.bucket(at: unixTime, utcOffsetSeconds: utcOffsetSeconds)]
    }
}

/// One anomaly found in the recent window.
public struct Anomaly: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable {
        case spike, dip, levelShift, trendBreak, forecastFull
    }
    public var kind: Kind
    public var start: Int64
    public var end: Int64
    /// How far outside normal, in robust standard deviations (or 0–1 for forecasts).
    public var score: Double
    public var detail: String

    public init(kind: Kind, start: Int64, end: Int64, score: Double, detail: String) {
        self.kind = kind
        self.start = start
        self.end = end
        self.score = score
        self.detail = detail
    }
}

/// Everything the analytics learned about one metric.
public struct MetricAnalysis: Sendable, Codable, Hashable {
    public enum Outcome: Sendable, Codable, Hashable {
        /// Thresholds were derived.
        case thresholds
        /// Not enough history (or too many gaps): no threshold is emitted.
        case coldStart(reason: String)
    }

    public var id: MetricID
    public var uom: String
    public var direction: AlertDirection
    public var outcome: Outcome
    /// Static ranges for the whole week (what a plain `-w/-c` can say).
    public var band: ThresholdBand?
    /// Hour-of-week bands, when the metric has a daily/weekly cycle.
    public var profile: TimeOfWeekProfile?
    public var hasDailySeason: Bool
    public var hasWeeklySeason: Bool
    /// Change per day of the trend, in the metric's unit.
    public var trendPerDay: Double
    public var anomalies: [Anomaly]
    /// 0 = normal; ranks metrics in the report.
    public var anomalyScore: Double
    /// Seconds of history analysed.
    public var historySeconds: Int64
    /// The windows (in checks) the band's `shiftHigh`/`shiftLow` and
    /// `burstLimit` were learned for (`LearnerConfiguration`); written into
    /// the profile so that check_baseline judges the same windows.
    public var shiftChecks = 0
    public var burstChecks = 0

    public init(id: MetricID, uom: String = "", direction: AlertDirection = .both, outcome: Outcome,
                band: ThresholdBand? = nil, profile: TimeOfWeekProfile? = nil, hasDailySeason: Bool = false,
                hasWeeklySeason: Bool = false, trendPerDay: Double = 0, anomalies: [Anomaly] = [],
                anomalyScore: Double = 0, historySeconds: Int64 = 0) {
        self.id = id
        self.uom = uom
        self.direction = direction
        self.outcome = outcome
        self.band = band
        self.profile = profile
        self.hasDailySeason = hasDailySeason
        self.hasWeeklySeason = hasWeeklySeason
        self.trendPerDay = trendPerDay
        self.anomalies = anomalies
        self.anomalyScore = anomalyScore
        self.historySeconds = historySeconds
    }
}
