import RRD

/// The sidecar of a metric file (`<label>.meta` beside `<label>.rrd`):
/// what the perfdata said about the metric. Written only when something in
/// it changes; `lastSeen` is refreshed at most once a day (the exact time of
/// the last value is the RRD's own last update).
///
/// Format: UTF-8 text, `key=value` lines, values percent-encoded like file
/// names except that printable ASCII other than `%` is kept.
public struct MetricMetadata: Sendable, Equatable {
    public static let lastSeenGranularity = 86_400.0

    public var host: [UInt8]
    public var service: [UInt8]?
    public var label: String
    public var uom: String
    public var warning: String?
    public var critical: String?
    public var minimum: Double?
    public var maximum: Double?
    public var checkCommand: [UInt8]?
    /// `GAUGE` or `DDERIVE`.
    public var dataSourceType: String
    public var firstSeen: Double
    public var lastSeen: Double

    public init(host: [UInt8], service: [UInt8]?, label: String, uom: String, warning: String?, critical: String?,
                minimum: Double?, maximum: Double?, checkCommand: [UInt8]?, dataSourceType: String,
                firstSeen: Double, lastSeen: Double) {
        self.host = host
        self.service = service
        self.label = label
        self.uom = uom
        self.warning = warning
        self.critical = critical
        self.minimum = minimum
        self.maximum = maximum
        self.checkCommand = checkCommand
        self.dataSourceType = dataSourceType
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }

    /// Whether anything but the seen times differs.
    func describesSameMetric(as o: MetricMetadata) -> Bool {
        host == o.host && service == o.service && label == o.label && uom == o.uom && warning == o.warning
            && critical == o.critical && minimum == o.minimum && maximum == o.maximum
            && checkCommand == o.checkCommand && dataSourceType == o.dataSourceType
    }

    public func serialized() -> [UInt8] {
        var lines: [(String, [UInt8]?)] = [
            ("host", host), ("service", service), ("label", Array(label.utf8)), ("uom", Array(uom.utf8)),
            ("warning", warning.map { Array($0.utf8) }), ("critical", critical.map { Array($0.utf8) }),
            ("min", minimum.map { Array(RRDNumber.text($0).utf8) }), ("max", maximum.map { Array(RRDNumber.text($0).utf8) }),
            ("check_command", checkCommand), ("type", Array(dataSourceType.utf8)),
        ]
        lines.append(("first_seen", Array(RRDNumber.text(firstSeen).utf8)))
        lines.append(("last_seen", Array(RRDNumber.text(lastSeen).utf8)))
        var out = Array("# vigil-collector metric metadata 1\n".utf8)
        for (k, v) in lines {
            guard let v else { continue }
            out += Array(k.utf8)
            out.append(0x3D)
            out += MetricMetadata.escape(v)
            out.append(0x0A)
        }
        return out
    }

    public init?(parsing bytes: [UInt8]) {
        var fields: [String: [UInt8]] = [:]
        for line in bytes.split(separator: 0x0A) where line.first != 0x23 {
            guard let eq = line.firstIndex(of: 0x3D) else { return nil }
            guard let value = MetricMetadata.unescape(line[(eq + 1)...]) else { return nil }
            fields[String(decoding: line[line.startIndex..<eq], as: UTF8.self)] = value
        }
        func text(_ k: String) -> String? { fields[k].map { String(decoding: $0, as: UTF8.self) } }
        func number(_ k: String) -> Double? { text(k).flatMap(Double.init) }
        guard let host = fields["host"], let label = text("label"), let type = text("type"),
              let first = number("first_seen"), let last = number("last_seen") else { return nil }
        self.init(host: host, service: fields["service"], label: label, uom: text("uom") ?? "", warning: text("warning"),
                  critical: text("critical"), minimum: number("min"), maximum: number("max"),
                  checkCommand: fields["check_command"], dataSourceType: type, firstSeen: first, lastSeen: last)
    }

    /// Reads a sidecar; `nil` when absent or unreadable.
    public static func read(path: String) -> MetricMetadata? {
        guard let bytes = try? FileIO.readIfExists(path) else { return nil }
        return MetricMetadata(parsing: bytes)
    }

    static func escape(_ v: [UInt8]) -> [UInt8] {
        PercentEncoding.encode(v) { _, b in b > 0x20 && b < 0x7F && b != 0x25 }
    }

    static func unescape(_ v: ArraySlice<UInt8>) -> [UInt8]? { PercentEncoding.decode(v) }
}
