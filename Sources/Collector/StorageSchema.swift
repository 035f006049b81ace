import RRD

/// How new RRD files are laid out: the step, the heartbeat and the archives
/// (retention). A service file has a data source per label
/// (`ServiceMetadata.dataSourceName(for:)`); a metric file of the older
/// layout has one, named `value`.
public struct StorageSchema: Sendable, Equatable {
    /// Name of the single data source of a metric file (older layout).
    public static let dataSourceName = "value"

    /// Seconds per primary data point.
    public var step: Int
    /// Seconds without a value after which it is unknown.
    public var heartbeat: Int
    public var archives: [RRDArchive]

    public init(step: Int = 60, heartbeat: Int = 900, archives: [RRDArchive]? = nil) {
        self.step = step
        self.heartbeat = heartbeat
        self.archives = archives ?? StorageSchema.defaultArchives(step: step)
    }

    /// The default retention, with a 60 s step:
    /// full resolution 3 days; 5-minute averages 9 weeks; hourly average,
    /// min and max 400 days; daily average, min and max 5 years. Other steps
    /// keep the same durations (rounded).
    public static func defaultArchives(step: Int) -> [RRDArchive] {
        let s = max(step, 1)
        func steps(_ seconds: Int) -> Int { max(1, seconds / s) }
        func rows(_ span: Int, _ per: Int) -> Int { max(1, span / (per * s)) }
        let day = 86_400
        let fiveMin = steps(300), hour = steps(3_600), daily = steps(day)
        var result = [RRDArchive(.average, steps: 1, rows: rows(3 * day, 1)),
                      RRDArchive(.average, steps: fiveMin, rows: rows(63 * day, fiveMin))]
        for cf in [RRDConsolidation.average, .minimum, .maximum] {
            result.append(RRDArchive(cf, steps: hour, rows: rows(400 * day, hour)))
        }
        for cf in [RRDConsolidation.average, .minimum, .maximum] {
            result.append(RRDArchive(cf, steps: daily, rows: rows(1_830 * day, daily)))
        }
        return result
    }

    /// Reads `CF:steps:rows` or `RRA:CF:xff:steps:rows` (as rrdtool writes it).
    public static func parseArchive(_ text: String) -> RRDArchive? {
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "RRA" { parts.removeFirst() }
        var xff = 0.5
        if parts.count == 4, let x = Double(parts[1]), (0..<1).contains(x) {
            xff = x
            parts.remove(at: 1)
        }
        guard parts.count == 3, let cf = RRDConsolidation(rawValue: parts[0].uppercased()),
              let steps = Int(parts[1]), steps > 0, let rows = Int(parts[2]), rows > 0 else { return nil }
        return RRDArchive(cf, xff: xff, steps: steps, rows: rows)
    }

    /// The data source for a metric: `c` (a counter) becomes DDERIVE with
    /// minimum 0 (a rate per second; fractional values accepted; a reset
    /// gives one unknown interval instead of a huge spike); anything else is
    /// a GAUGE with the perfdata min/max as limits.
    /// `name` is the data source's name in the file (`value` in a metric file).
    public func dataSource(uom: String, minimum: Double?, maximum: Double?,
                           name: String = StorageSchema.dataSourceName) -> RRDDataSource {
        if uom == "c" {
            return RRDDataSource(name: name, kind: .dderive, heartbeat: heartbeat, minimum: 0)
        }
        return RRDDataSource(name: name, kind: .gauge, heartbeat: heartbeat,
                             minimum: minimum, maximum: maximum.flatMap { max in (minimum.map { max > $0 } ?? true) ? max : nil })
    }
}
