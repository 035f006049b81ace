import Collector
import Foundation
import Logging
import RRD
import RRDTesting
import Testing

/// Collects log messages (rejects are reported through the logger).
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.lock(); defer { lock.unlock() }
        stored.append("\(event.level) \(event.message)")
    }

    var messages: [String] {
        lock.lock(); defer { lock.unlock() }
        return stored
    }

    var logger: Logger { Logger(label: "test") { _ in self } }
}

enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static let t0 = 1_700_000_040
}

/// The built `vigil-collector` next to the test bundle (or $VIGIL_COLLECTOR).
enum CollectorBinary {
    static var path: String {
        if let p = ProcessInfo.processInfo.environment["VIGIL_COLLECTOR"] { return p }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("vigil-collector").path
    }

    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let p = path
        try #require(FileManager.default.isExecutableFile(atPath: p), "missing \(p): swift build --product vigil-collector",
                     sourceLocation: sourceLocation)
        return p
    }
}

/// A collector writing into a fresh directory, with captured logs.
struct TestStore {
    let dir: TemporaryDirectory
    let log = LogCapture()
    var rrdDir: String { dir.file("rrd") }

    init() throws { dir = try TemporaryDirectory("vigil-collector") }

    func ingester(daemon: String? = nil, batchSize: Int = 20_000, schema: StorageSchema = StorageSchema()) throws -> Ingester {
        try Ingester(options: CollectorOptions(rrdDirectory: rrdDir, schema: schema, daemon: daemon, batchSize: batchSize),
                     logger: log.logger)
    }

    /// Ingests files with a new ingester and returns the summary.
    @discardableResult
    func ingest(_ paths: [String], daemon: String? = nil, batchSize: Int = 20_000) throws -> IngestSummary {
        let i = try ingester(daemon: daemon, batchSize: batchSize)
        for p in paths { try i.ingest(path: p) }
        return i.flush()
    }

    /// Reads the files of `rrdDir`.
    var view: TestStoreView { TestStoreView(rrdDir: rrdDir) }

    /// The service file of `host`/`service` (`nil` = host perfdata).
    func rrd(_ host: String, _ service: String?) throws -> String { try view.rrd(host, service) }

    /// The sidecar path of the service file.
    func meta(_ host: String, _ service: String?) throws -> String { try view.meta(host, service) }

    /// The service sidecar as on disk (`nil`: none or unreadable).
    func sidecar(_ host: String, _ service: String?) throws -> ServiceMetadata? { try view.sidecar(host, service) }

    /// What the service sidecar says about `label`.
    func metric(_ host: String, _ service: String?, _ label: String) throws -> ServiceMetadata.Metric? {
        try view.metric(host, service, label)
    }

    /// A metric file of the older layout, `host/service/label.rrd`.
    func metricFile(_ host: String, _ service: String?, _ label: String) throws -> String {
        try view.metricFile(host, service, label)
    }

    /// Full-resolution values of `label` by time (NaN = unknown).
    func series(_ host: String, _ service: String?, _ label: String, from: Int = Fixture.t0 - 120,
                to: Int = Fixture.t0 + 600, daemon: RRDCachedClient? = nil) throws -> [Int: Double] {
        try view.series(host, service, label, from: from, to: to, daemon: daemon)
    }

    /// The value of `label` in the service file's last update (`nil` = unknown).
    func lastValue(_ host: String, _ service: String?, _ label: String) throws -> Double? {
        try view.lastValue(host, service, label)
    }

    func files() -> [String] { view.files() }

    func remove() { dir.remove() }
}

enum TestStoreError: Error, CustomStringConvertible {
    case noSuchColumn(file: String, label: String, dataSource: String, columns: [String])
    var description: String {
        switch self {
        case .noSuchColumn(let f, let l, let d, let c): return "\(f): no data source \(d) for label '\(l)' (has \(c))"
        }
    }
}

/// Reads a collector's files in any directory: one service file
/// `host/service.rrd` with a data source per label
/// (`ServiceMetadata.dataSourceName(for:)`) and its sidecar
/// `host/service.meta`; metric files `host/service/label.rrd` of the
/// older layout.
struct TestStoreView {
    let rrdDir: String

    func serviceBase(_ host: String, _ service: String?) throws -> String {
        try MetricPath.relativeServiceBase(host: Array(host.utf8), service: service.map { Array($0.utf8) })
    }

    func rrd(_ host: String, _ service: String?) throws -> String { "\(rrdDir)/\(try serviceBase(host, service)).rrd" }

    func meta(_ host: String, _ service: String?) throws -> String { "\(rrdDir)/\(try serviceBase(host, service)).meta" }

    func sidecar(_ host: String, _ service: String?) throws -> ServiceMetadata? { ServiceMetadata.read(path: try meta(host, service)) }

    func metric(_ host: String, _ service: String?, _ label: String) throws -> ServiceMetadata.Metric? {
        try sidecar(host, service)?.metric(label: label)
    }

    func metricFile(_ host: String, _ service: String?, _ label: String) throws -> String {
        let base = try MetricPath(host: Array(host.utf8), service: service.map { Array($0.utf8) }, label: Array(label.utf8)).relativeBase()
        return "\(rrdDir)/\(base).rrd"
    }

    /// Full-resolution values of `label` by time (NaN = unknown): the
    /// column of its data source in the service file. Throws when the
    /// file has no such data source.
    func series(_ host: String, _ service: String?, _ label: String, from: Int = Fixture.t0 - 120,
                to: Int = Fixture.t0 + 600, daemon: RRDCachedClient? = nil) throws -> [Int: Double] {
        let path = try rrd(host, service)
        let r = try RRDFile.fetch(path: path, cf: .average, start: from, end: to, resolution: 60, daemon: daemon)
        let name = ServiceMetadata.dataSourceName(for: label)
        guard let column = r.column(name) else {
            throw TestStoreError.noSuchColumn(file: path, label: label, dataSource: name, columns: r.dsNames)
        }
        var out: [Int: Double] = [:]
        for i in column.indices { out[r.time(ofRow: i)] = column[i] }
        return out
    }

    /// The value of `label` in the service file's last update (`nil` = unknown).
    func lastValue(_ host: String, _ service: String?, _ label: String) throws -> Double? {
        let path = try rrd(host, service)
        let name = ServiceMetadata.dataSourceName(for: label)
        let values = try RRDFile.lastUpdate(path: path).values
        guard let v = values[name] else {
            throw TestStoreError.noSuchColumn(file: path, label: label, dataSource: name, columns: values.keys.sorted())
        }
        return v
    }

    /// Every file under the directory (relative paths), sorted.
    func files() -> [String] {
        (FileManager.default.enumerator(atPath: rrdDir)?.allObjects as? [String] ?? []).filter {
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(rrdDir)/\($0)", isDirectory: &d) && !d.boolValue
        }.sorted()
    }
}

/// Whether a path relative to the RRD directory is the collector's own
/// sidecar cache (`.vigil-sidecars-I-of-N`, hidden, at the top).
func isSidecarCache(_ relativePath: String) -> Bool {
    guard relativePath.hasPrefix(".vigil-sidecars-"), !relativePath.contains("/") else { return false }
    let parts = relativePath.dropFirst(".vigil-sidecars-".count).split(separator: "-", omittingEmptySubsequences: false)
    return parts.count == 3 && parts[1] == "of" && Int(parts[0]) != nil && Int(parts[2]) != nil
}

/// Writes `text` to a new file in `dir` and returns its path.
func writeFile(_ dir: TemporaryDirectory, _ name: String, _ bytes: [UInt8]) throws -> String {
    let p = dir.file(name)
    try Data(bytes).write(to: URL(fileURLWithPath: p))
    return p
}

func pnpLine(_ t: Int, host: String = "h", service: String = "s", perfdata: String) -> String {
    "DATATYPE::SERVICEPERFDATA\tTIMET::\(t)\tHOSTNAME::\(host)\tSERVICEDESC::\(service)\tSERVICEPERFDATA::\(perfdata)\tSERVICECHECKCOMMAND::check_x"
}
