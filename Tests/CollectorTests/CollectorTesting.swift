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

    func rrd(_ host: String, _ service: String?, _ label: String) -> String {
        let base = try? MetricPath(host: Array(host.utf8), service: service.map { Array($0.utf8) }, label: Array(label.utf8)).relativeBase()
        return "\(rrdDir)/\(base ?? "?").rrd"
    }

    /// Full-resolution values by time (NaN = unknown).
    func series(_ host: String, _ service: String?, _ label: String, from: Int = Fixture.t0 - 120,
                to: Int = Fixture.t0 + 600, daemon: RRDCachedClient? = nil) throws -> [Int: Double] {
        let r = try RRDFile.fetch(path: rrd(host, service, label), cf: .average, start: from, end: to, resolution: 60, daemon: daemon)
        var out: [Int: Double] = [:]
        for i in r.rows.indices { out[r.time(ofRow: i)] = r.rows[i][0] }
        return out
    }

    func files() -> [String] {
        (FileManager.default.enumerator(atPath: rrdDir)?.allObjects as? [String] ?? []).filter {
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(rrdDir)/\($0)", isDirectory: &d) && !d.boolValue
        }.sorted()
    }

    func remove() { dir.remove() }
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
