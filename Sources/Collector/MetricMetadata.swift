import RRD
#if canImport(Glibc)
import Glibc
#endif

/// The sidecar of a metric file (`<label>.meta` beside `<label>.rrd`):
/// what the perfdata said about the metric. Written only when something in
/// it changes; `lastSeen` is refreshed at most once a day (the exact time of
/// the last value is the RRD's own last update).
///
/// Format: UTF-8 text, `key=value` lines, values percent-encoded like file
/// names except that printable ASCII other than `%` is kept.
public struct MetricMetadata: Sidecar, Sendable, Equatable {
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

    /// The sidecar's text up to (without) the seen times: everything that
    /// describes the metric. Two metadata with the same description text
    /// describe the same metric (`describesSameMetric`).
    func descriptionText() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(MetricMetadata.header.count + 64 + host.count + (service?.count ?? 0) + label.utf8.count
                            + (checkCommand?.count ?? 0))
        out += MetricMetadata.header
        MetricMetadata.appendLine(&out, "host", host)
        if let service { MetricMetadata.appendLine(&out, "service", service) }
        MetricMetadata.appendLine(&out, "label", label.utf8)
        MetricMetadata.appendLine(&out, "uom", uom.utf8)
        if let warning { MetricMetadata.appendLine(&out, "warning", warning.utf8) }
        if let critical { MetricMetadata.appendLine(&out, "critical", critical.utf8) }
        if let minimum { MetricMetadata.appendLine(&out, "min", RRDNumber.text(minimum).utf8) }
        if let maximum { MetricMetadata.appendLine(&out, "max", RRDNumber.text(maximum).utf8) }
        if let checkCommand { MetricMetadata.appendLine(&out, "check_command", checkCommand) }
        MetricMetadata.appendLine(&out, "type", dataSourceType.utf8)
        return out
    }

    private static let header = Array("# vigil-collector metric metadata 1\n".utf8)
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// `key=value\n`, the value escaped (printable ASCII but `%` kept).
    static func appendLine<C: Collection>(_ out: inout [UInt8], _ key: StaticString, _ value: C) where C.Element == UInt8 {
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(0x3D)
        for b in value {
            if b > 0x20 && b < 0x7F && b != 0x25 {
                out.append(b)
            } else {
                out.append(0x25)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            }
        }
        out.append(0x0A)
    }

    public init?(parsing bytes: [UInt8]) {
        // a service sidecar has the same keys for each of its metrics: not one metric's
        guard !ServiceMetadata.isServiceSidecar(bytes) else { return nil }
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

    /// The sidecar's text.
    public func serialized() -> [UInt8] { sidecarText() }

    /// Reads a sidecar that probably describes `expected`; see `Sidecar.read`.
    static func read(path: String, relativeTo directoryFD: Int32, expecting expected: MetricMetadata,
                     description: [UInt8]) -> MetricMetadata? {
        var identity: FileIdentity?
        return read(path: path, relativeTo: directoryFD, expecting: expected, description: description, identity: &identity)
    }

    /// `first_seen=X\nlast_seen=Y\n` exactly, as `sidecarText` writes it.
    static func seenTimes(_ rest: ArraySlice<UInt8>) -> (Double, Double)? {
        func value(_ key: String, _ s: ArraySlice<UInt8>) -> (Double, ArraySlice<UInt8>)? {
            let k = key.utf8
            guard s.starts(with: k), let nl = s.firstIndex(of: 0x0A) else { return nil }
            let start = s.startIndex + k.count
            guard start < nl else { return nil }
            let digits = s[start..<nl]
            if digits.count <= 15, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                // whole seconds, the usual case: no String, no strtod
                return (Double(digits.reduce(0) { $0 * 10 + Int64($1 - 0x30) }), s[(nl + 1)...])
            }
            guard let v = Double(String(decoding: digits, as: UTF8.self)) else { return nil }
            return (v, s[(nl + 1)...])
        }
        guard let (first, r1) = value("first_seen=", rest), let (last, r2) = value("last_seen=", r1), r2.isEmpty else { return nil }
        return (first, last)
    }

    static func escape(_ v: [UInt8]) -> [UInt8] {
        PercentEncoding.encode(v) { _, b in b > 0x20 && b < 0x7F && b != 0x25 }
    }

    static func unescape(_ v: ArraySlice<UInt8>) -> [UInt8]? { PercentEncoding.decode(v) }
}

/// What the two sidecar kinds (`MetricMetadata`, `ServiceMetadata`) share:
/// a description, then the seen times, which change more often.
protocol Sidecar {
    var firstSeen: Double { get set }
    var lastSeen: Double { get set }
    /// The text up to (without) the seen times.
    func descriptionText() -> [UInt8]
    init?(parsing bytes: [UInt8])
}

extension Sidecar {
    /// The sidecar's text: the description, then the seen times.
    func sidecarText() -> [UInt8] {
        var out = descriptionText()
        MetricMetadata.appendLine(&out, "first_seen", RRDNumber.text(firstSeen).utf8)
        MetricMetadata.appendLine(&out, "last_seen", RRDNumber.text(lastSeen).utf8)
        return out
    }

    /// Reads a sidecar that probably says `description` (the collector's
    /// case on every pass): when its text is `description` followed by the
    /// seen times, only those are parsed and the result is `expected` with
    /// the file's seen times, which is what a full read would give;
    /// otherwise the file is parsed in full. `nil` when absent or
    /// unreadable; `identity` is set to the file's identity as it was read.
    static func read(path: String, relativeTo directoryFD: Int32, expecting expected: Self, description: [UInt8],
                     identity: inout FileIdentity?) -> Self? {
        guard let bytes = try? FileIO.readIfExists(path, relativeTo: directoryFD, identity: &identity) else { return nil }
        if bytes.count > description.count, bytes.starts(with: description),
           let (first, last) = MetricMetadata.seenTimes(bytes[description.count...]) {
            var m = expected
            m.firstSeen = first
            m.lastSeen = last
            return m
        }
        return Self(parsing: bytes)
    }
}
