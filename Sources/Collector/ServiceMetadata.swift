import RRD

/// The sidecar of a service file (`<service>.meta` beside `<service>.rrd`):
/// which data source holds which perfdata label, and what the perfdata said
/// about each. Its metrics are listed in the file's data-source order, so
/// the sidecar alone says how to read (and, through rrdcached, write) the
/// file. Written only when something in it changes; `lastSeen` is refreshed
/// at most once a day (the exact time of the last value is the RRD's own
/// last update).
///
/// Format: UTF-8 text, `key=value` lines (values escaped as in
/// `MetricMetadata`): the service's `host`, `service`, `check_command`,
/// then for each data source a `metric=<ds name>` line followed by that
/// metric's `label`, `uom`, `warning`, `critical`, `min`, `max`, `type`,
/// and last the service's `first_seen` and `last_seen`.
public struct ServiceMetadata: Sidecar, Sendable, Equatable {
    public struct Metric: Sendable, Equatable {
        /// The RRD data-source name (`ServiceMetadata.dataSourceName(for:)`).
        public var dataSource: String
        /// `nil` only for a data source found in the file whose label is
        /// not known (its sidecar was lost and the label has not come again).
        public var label: String?
        public var uom: String
        public var warning: String?
        public var critical: String?
        public var minimum: Double?
        public var maximum: Double?
        /// `GAUGE` or `DDERIVE`.
        public var dataSourceType: String

        public init(dataSource: String, label: String?, uom: String = "", warning: String? = nil, critical: String? = nil,
                    minimum: Double? = nil, maximum: Double? = nil, dataSourceType: String = "GAUGE") {
            self.dataSource = dataSource
            self.label = label
            self.uom = uom
            self.warning = warning
            self.critical = critical
            self.minimum = minimum
            self.maximum = maximum
            self.dataSourceType = dataSourceType
        }
    }

    public var host: [UInt8]
    /// `nil` for host perfdata.
    public var service: [UInt8]?
    public var checkCommand: [UInt8]?
    /// In the file's data-source order.
    public var metrics: [Metric]
    public var firstSeen: Double
    public var lastSeen: Double

    public init(host: [UInt8], service: [UInt8]?, checkCommand: [UInt8]?, metrics: [Metric], firstSeen: Double, lastSeen: Double) {
        self.host = host
        self.service = service
        self.checkCommand = checkCommand
        self.metrics = metrics
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }

    static let header = Array("# vigil-collector service metadata 1\n".utf8)

    /// Whether `bytes` (a sidecar's first bytes) are a service sidecar.
    public static func isServiceSidecar<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.starts(with: header)
    }

    /// The data-source name of a label: the label itself when librrd
    /// accepts it and it starts with a letter or digit (`load1`, `rta`),
    /// else `_` and the 64-bit FNV-1a hash of its UTF-8 bytes in hex. The
    /// name depends on the label alone, so a sidecar lost or left behind by
    /// a crash is rebuilt from the records that follow without mixing up
    /// two labels (a generated name never equals a kept label).
    public static func dataSourceName(for label: String) -> String {
        let u = label.utf8
        if let first = u.first, first != 0x5F, RRDDataSource.isValidName(label) { return label }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in u {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [0x5F]
        for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((h >> UInt64(shift)) & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The metric of a label, if the sidecar has it.
    public func metric(label: String) -> Metric? { metrics.first { $0.label == label } }

    /// Whether anything but the seen times differs.
    func describesSameService(as o: ServiceMetadata) -> Bool {
        host == o.host && service == o.service && checkCommand == o.checkCommand && metrics == o.metrics
    }

    /// The sidecar's text.
    public func serialized() -> [UInt8] { sidecarText() }

    /// The text up to (without) the seen times: two sidecars with the same
    /// description text describe the same service (`describesSameService`).
    func descriptionText() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ServiceMetadata.header.count + 32 + host.count + (service?.count ?? 0) + (checkCommand?.count ?? 0)
                            + metrics.count * 96)
        out += ServiceMetadata.header
        MetricMetadata.appendLine(&out, "host", host)
        if let service { MetricMetadata.appendLine(&out, "service", service) }
        if let checkCommand { MetricMetadata.appendLine(&out, "check_command", checkCommand) }
        for m in metrics {
            MetricMetadata.appendLine(&out, "metric", m.dataSource.utf8)
            if let label = m.label { MetricMetadata.appendLine(&out, "label", label.utf8) }
            MetricMetadata.appendLine(&out, "uom", m.uom.utf8)
            if let warning = m.warning { MetricMetadata.appendLine(&out, "warning", warning.utf8) }
            if let critical = m.critical { MetricMetadata.appendLine(&out, "critical", critical.utf8) }
            if let minimum = m.minimum { MetricMetadata.appendLine(&out, "min", RRDNumber.text(minimum).utf8) }
            if let maximum = m.maximum { MetricMetadata.appendLine(&out, "max", RRDNumber.text(maximum).utf8) }
            MetricMetadata.appendLine(&out, "type", m.dataSourceType.utf8)
        }
        return out
    }

    /// Reads a sidecar's text; `nil` when it is not a well-formed service sidecar.
    public init?(parsing bytes: [UInt8]) {
        guard ServiceMetadata.isServiceSidecar(bytes) else { return nil }
        var host: [UInt8]?
        var service: [UInt8]?
        var command: [UInt8]?
        var metrics: [Metric] = []
        var first: Double?
        var last: Double?
        for line in bytes.split(separator: 0x0A) where line.first != 0x23 {
            guard let eq = line.firstIndex(of: 0x3D), let value = MetricMetadata.unescape(line[(eq + 1)...]) else { return nil }
            let key = String(decoding: line[line.startIndex..<eq], as: UTF8.self)
            let text = String(decoding: value, as: UTF8.self)
            switch key {
            case "metric":
                guard RRDDataSource.isValidName(text), !metrics.contains(where: { $0.dataSource == text }) else { return nil }
                metrics.append(Metric(dataSource: text, label: nil))
            case "first_seen": first = Double(text)
            case "last_seen": last = Double(text)
            default:
                if let k = metrics.indices.last {
                    switch key {
                    case "label": metrics[k].label = text
                    case "uom": metrics[k].uom = text
                    case "warning": metrics[k].warning = text
                    case "critical": metrics[k].critical = text
                    case "min": metrics[k].minimum = Double(text)
                    case "max": metrics[k].maximum = Double(text)
                    case "type": metrics[k].dataSourceType = text
                    default: break
                    }
                } else {
                    switch key {
                    case "host": host = value
                    case "service": service = value
                    case "check_command": command = value
                    default: break
                    }
                }
            }
        }
        guard let host, let first, let last else { return nil }
        self.init(host: host, service: service, checkCommand: command, metrics: metrics, firstSeen: first, lastSeen: last)
    }

    /// Reads a sidecar; `nil` when absent or not a service sidecar.
    public static func read(path: String) -> ServiceMetadata? {
        guard let bytes = try? FileIO.readIfExists(path) else { return nil }
        return ServiceMetadata(parsing: bytes)
    }
}
