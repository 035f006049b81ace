/// Where a metric lives under `--rrd-dir`: `<host>/<service>/<label>.rrd`
/// (and `<label>.meta`), each part encoded by `MetricPath.encode`, host
/// perfdata under the service directory `@host`.
///
/// The encoding keeps `[A-Za-z0-9._-]` and writes every other byte as `%XX`
/// (upper-case hex); a leading `.` is written `%2E`. So any byte of a name is
/// stored (spaces, `/`, NUL, quotes, UTF-8), no part is ever `.`, `..`,
/// empty or contains `/` (nothing lands outside the directory), and the
/// encoding is reversible, so two different names never share a file.
/// `@host` cannot be the encoding of any service name (`@` is always encoded).
public struct MetricPath: Sendable, Hashable {
    /// Longest encoded part accepted (bytes): `<part>.meta` must fit
    /// NAME_MAX (255). Longer names are rejected, never truncated or hashed.
    public static let maxEncodedLength = 240
    /// Service directory of host perfdata.
    public static let hostDirectory = "@host"

    public let host: [UInt8]
    /// `nil` for host perfdata.
    public let service: [UInt8]?
    public let label: [UInt8]

    public init(host: [UInt8], service: [UInt8]?, label: [UInt8]) {
        self.host = host
        self.service = service
        self.label = label
    }

    /// `host/service/label` relative to the RRD directory, without extension.
    /// Throws when a part is empty or its encoding is too long.
    public func relativeBase() throws(MetricNameError) -> String {
        try MetricPath.relativeDirectory(host: host, service: service) + MetricPath.encodePart(label, what: "label")
    }

    /// `host/service/` (encoded), the directory of a record's metrics in
    /// the one-file-per-metric layout.
    public static func relativeDirectory(host: [UInt8], service: [UInt8]?) throws(MetricNameError) -> String {
        try relativeServiceBase(host: host, service: service) + "/"
    }

    /// `host/service` (encoded, without extension): the service file
    /// `host/service.rrd` and its sidecar `host/service.meta`; host perfdata
    /// is `host/@host.rrd`.
    public static func relativeServiceBase(host: [UInt8], service: [UInt8]?) throws(MetricNameError) -> String {
        let h = try encodePart(host, what: "host name")
        let s = try service.map { (x: [UInt8]) throws(MetricNameError) -> String in try encodePart(x, what: "service description") } ?? hostDirectory
        return "\(h)/\(s)"
    }

    public static func encodePart(_ bytes: [UInt8], what: String) throws(MetricNameError) -> String {
        if bytes.isEmpty { throw MetricNameError(reason: "empty \(what)") }
        let e = encode(bytes)
        if e.utf8.count > maxEncodedLength {
            throw MetricNameError(reason: "\(what) too long (\(bytes.count) bytes, \(e.utf8.count) encoded; at most \(maxEncodedLength) encoded bytes)")
        }
        return e
    }

    /// The reversible, path-safe encoding of a name.
    public static func encode(_ bytes: [UInt8]) -> String {
        let out = PercentEncoding.encode(bytes) { i, b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x5F || b == 0x2D || (b == 0x2E && i > 0)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The name an encoded part stands for; `nil` if `text` is not exactly
    /// what `encode` produces (so decoding is the inverse of encoding).
    public static func decode(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, let out = PercentEncoding.decode(text.utf8) else { return nil }
        return encode(out) == text ? out : nil
    }

    /// Reads back a path relative to the RRD directory
    /// (`host/service/label.rrd`, `.meta` or no extension).
    public static func parse(relativePath: String) -> MetricPath? {
        var p = relativePath
        for ext in [".rrd", ".meta"] where p.hasSuffix(ext) {
            p.removeLast(ext.count)
        }
        let parts = p.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let h = decode(parts[0]), let l = decode(parts[2]) else { return nil }
        if parts[1] == hostDirectory { return MetricPath(host: h, service: nil, label: l) }
        guard let s = decode(parts[1]) else { return nil }
        return MetricPath(host: h, service: s, label: l)
    }
}

/// Why a metric could not be given a file name.
public struct MetricNameError: Error, Sendable, Equatable {
    public let reason: String
}
