import Logging
import NagiosPlugin
import RRD
#if canImport(Glibc)
import Glibc
#endif

/// Settings of a collector run.
public struct CollectorOptions: Sendable {
    /// Where the metric files live (made absolute).
    public var rrdDirectory: String
    public var schema: StorageSchema
    /// rrdcached address (`unix:/path`, `host:port`), `nil` = write with librrd.
    public var daemon: String?
    /// Metric values gathered before they are written (bounds memory).
    public var batchSize: Int
    /// Longer input lines are rejected (and skipped) without being held in memory.
    public var maxLineLength: Int
    /// The part of the services this process stores when several worker
    /// processes share the input (`WorkerProcesses`); `nil` = all.
    public var shard: Shard?

    public init(rrdDirectory: String, schema: StorageSchema = StorageSchema(), daemon: String? = nil,
                batchSize: Int = 20_000, maxLineLength: Int = 1 << 20, shard: Shard? = nil) {
        self.shard = shard
        self.rrdDirectory = FileIO.absolute(rrdDirectory)
        while self.rrdDirectory.count > 1, self.rrdDirectory.hasSuffix("/") { self.rrdDirectory.removeLast() }
        self.schema = schema
        self.daemon = daemon
        self.batchSize = max(1, batchSize)
        self.maxLineLength = max(1024, maxLineLength)
    }
}

/// Counts of a run. `records` counts every non-blank input line (or plugin
/// output), rejected ones included; `rejects` are problems in the input
/// (reported with file, line and reason); `failed` are values that could
/// not be stored.
public struct IngestSummary: Sendable, Equatable {
    public var files = 0
    public var records = 0
    /// Metric values written (or accepted by rrdcached).
    public var stored = 0
    /// Values whose time was not after the metric's last one.
    public var duplicates = 0
    public var rejectedRecords = 0
    public var rejectedMetrics = 0
    public var failed = 0

    public init() {}

    public var rejects: Int { rejectedRecords + rejectedMetrics }

    public mutating func add(_ o: IngestSummary) {
        files += o.files
        records += o.records
        stored += o.stored
        duplicates += o.duplicates
        rejectedRecords += o.rejectedRecords
        rejectedMetrics += o.rejectedMetrics
        failed += o.failed
    }

    /// The one-line summary the tool prints.
    public var line: String {
        var s = "\(files) file\(files == 1 ? "" : "s"), \(records) records, \(stored) metrics stored, "
            + "\(duplicates) duplicates, \(rejects) rejects (\(rejectedRecords) records, \(rejectedMetrics) metrics)"
        if failed > 0 { s += ", \(failed) NOT STORED" }
        return s
    }
}

/// Errors that stop a run (as opposed to rejects, which are reported and skipped).
public enum CollectorError: Error, Sendable, CustomStringConvertible {
    case system(SystemError)
    case rrd(RRDError)
    case usage(String)
    /// A writer process failed (its part of the values may not be stored).
    case worker(String)
    /// A label cannot have a data source of its own in its service's file.
    case naming(String)

    public var description: String {
        switch self {
        case .system(let e): return e.description
        case .rrd(let e): return e.description
        case .usage(let s): return s
        case .worker(let s), .naming(let s): return s
        }
    }
}

/// Reads perfdata records and stores each metric value in its own RRD.
/// Values are gathered in batches of `batchSize` and written in input order
/// per metric; input is streamed, so memory does not grow with file size.
/// Not thread-safe: one ingester per task.
public final class Ingester {
    public let options: CollectorOptions
    let logger: Logger
    let writer: MetricWriter
    private var pending: [PendingService] = []
    private var pendingIndex: [String: Int] = [:]
    private var pendingValues = 0
    /// Counts since the last `takeSummary()`.
    private var summary = IngestSummary()

    public init(options: CollectorOptions, logger: Logger) throws(CollectorError) {
        self.options = options
        self.logger = logger
        do {
            try FileIO.makeDirectories(options.rrdDirectory)
        } catch {
            throw .system(error)
        }
        writer = try MetricWriter(options: options, logger: logger)
    }

    /// Ingests a perfdata file (`-` = standard input), line by line.
    /// Throws only when the file cannot be read; everything read is stored
    /// (call `flush()` to write the last batch).
    public func ingest(path: String) throws(CollectorError) {
        let isStdin = path == "-"
        let name = isStdin ? "stdin" : path
        let fd = isStdin ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError(call: "open", path: path, code: errno)) }
        defer { if !isStdin { close(fd) } }
        summary.files += 1
        var reader = LineReader(fd: fd, path: name, maxLine: options.maxLineLength)
        while true {
            let next: LineReader.Line?
            do { next = try reader.next() } catch { throw .system(error) }
            guard let next else { break }
            switch next {
            case .tooLong(let n):
                // no names to give it an owner: the first writer process reports it
                guard options.shard?.index ?? 0 == 0 else { continue }
                reject(name, reader.lineNumber, "line of \(n) bytes is longer than \(options.maxLineLength)", record: true)
            case .line(let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                if let shard = options.shard, Ingester.part(of: bytes, count: shard.count) != shard.index { continue }
                let record: PerfdataRecord
                do {
                    record = try RecordParser.parse(line: bytes)
                } catch {
                    reject(name, reader.lineNumber, error.reason, record: true)
                    continue
                }
                add(record, file: name, line: reader.lineNumber)
            }
        }
    }

    /// Ingests raw plugin output (summary, long output, `|` perfdata) for
    /// one host/service (`service` nil = host perfdata).
    public func ingestPluginOutput(_ bytes: [UInt8], name: String, host: String, service: String?, time: Double) {
        summary.files += 1
        let output = PluginOutput(parsing: String(decoding: bytes, as: UTF8.self))
        let record = PerfdataRecord(format: .pluginOutput, time: time, host: Array(host.utf8), service: service.map { Array($0.utf8) },
                                    perfdata: Array(output.perfdata.utf8))
        add(record, file: name, line: 1)
    }

    /// Reads a whole file descriptor (for plugin output on stdin or in a file).
    public static func readAll(path: String, limit: Int = 1 << 20) throws(CollectorError) -> [UInt8] {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system(SystemError(call: "open", path: path, code: errno)) }
        defer { if path != "-" { close(fd) } }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n: Int
            do { n = try syscall("read", path) { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } } } catch { throw .system(error) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Writes every gathered value. Returns the counts since the last call.
    public func flush() -> IngestSummary {
        writePending()
        writer.saveSidecarCache()
        let s = summary
        summary = IngestSummary()
        return s
    }

    // MARK: records → pending values

    /// The writer process a line belongs to (`Shard`): that of its host and
    /// service; a line without them (not a record) is the first process's.
    /// Each process counts and reports only its own lines.
    static func part(of line: ArraySlice<UInt8>, count: Int) -> Int {
        if let names = RecordParser.names(line: line) {
            return Shard.part(host: names.host, service: names.service, count: count)
        }
        guard let record = try? RecordParser.parse(line: line) else { return 0 }
        return Shard.part(host: record.host, service: record.service, count: count)
    }

    private func add(_ record: PerfdataRecord, file: String, line: Int) {
        summary.records += 1
        let parsed = record.perfdata.withUnsafeBufferPointer { PerfdataParser.parse(bytes: $0) }
        for e in parsed.errors {
            reject(file, line, "\(e.reason): '\(RecordParser.preview(e.text.utf8))'", record: false)
        }
        let base: String
        do {
            base = try MetricPath.relativeServiceBase(host: record.host, service: record.service)
        } catch {
            for item in parsed.items {
                reject(file, line, "metric '\(RecordParser.preview(item.label.utf8))': \(error.reason)", record: false)
            }
            return
        }
        // labels first: a bad one is rejected whatever the record's time,
        // and a record with no good metric touches no file
        var accepted: [(item: ParsedPerfDatum, encoded: String)] = []
        accepted.reserveCapacity(parsed.items.count)
        var seen = Set<String>() // only for many labels: a linear search for the usual few
        let few = parsed.items.count <= 16
        for item in parsed.items {
            let label = Array(item.label.utf8)
            let encoded: String
            do {
                encoded = try MetricPath.encodePart(label, what: "label")
            } catch {
                reject(file, line, "metric '\(RecordParser.preview(label))': \(error.reason)", record: false)
                continue
            }
            if few ? accepted.contains(where: { $0.encoded == encoded }) : !seen.insert(encoded).inserted {
                reject(file, line, "label '\(RecordParser.preview(label))' appears twice in the record", record: false)
                continue
            }
            accepted.append((item, encoded))
        }
        guard !accepted.isEmpty else { return }
        let s: Int
        if let i = pendingIndex[base] {
            s = i
        } else {
            s = pending.count
            pendingIndex[base] = s
            pending.append(PendingService(base: base, host: record.host, service: record.service, firstTime: record.time))
        }
        if let last = pending[s].rows.last, record.time <= last.time {
            // out of order or repeated within the batch: every metric of the record
            summary.duplicates += accepted.count
            return
        }
        pending[s].checkCommand = record.checkCommand
        var row = PendingRow(time: record.time, values: [PendingRow.Reading](repeating: .absent, count: pending[s].series.count))
        for (item, encoded) in accepted {
            let k = pending[s].seriesIndex(item.label, encoded: encoded)
            if k >= row.values.count {
                row.values.append(contentsOf: repeatElement(.absent, count: k + 1 - row.values.count))
            }
            let ds = options.schema.dataSource(uom: item.uom, minimum: item.minimum, maximum: item.maximum,
                                               name: pending[s].series[k].metric.dataSource)
            pending[s].series[k].metric = ServiceMetadata.Metric(
                dataSource: ds.name, label: item.label, uom: item.uom, warning: item.warning, critical: item.critical,
                minimum: item.minimum, maximum: item.maximum, dataSourceType: ds.kind.rawValue)
            pending[s].series[k].dataSource = ds
            row.values[k] = item.value.map { .value($0) } ?? .unknown
            row.count += 1
        }
        pending[s].rows.append(row)
        pending[s].valueCount += row.count
        pendingValues += row.count
        if pendingValues >= options.batchSize { writePending() }
    }

    private func reject(_ file: String, _ line: Int, _ reason: String, record: Bool) {
        if record {
            summary.records += 1
            summary.rejectedRecords += 1
        } else {
            summary.rejectedMetrics += 1
        }
        logger.warning("\(file):\(line): \(record ? "record" : "metric") rejected: \(reason)")
    }

    private func writePending() {
        guard !pending.isEmpty else { return }
        let counts = writer.write(pending)
        summary.stored += counts.stored
        summary.duplicates += counts.duplicates
        summary.failed += counts.failed
        pending.removeAll(keepingCapacity: true)
        pendingIndex.removeAll(keepingCapacity: true)
        pendingValues = 0
    }
}

/// Values of one metric waiting to be written, in increasing time order
/// (the one-file-per-metric layout).
struct PendingMetric: Sendable {
    var base: String
    var metadata: MetricMetadata
    var dataSource: RRDDataSource
    var values: [(Double, Double?)]
    var lastTime: Double
}

/// The records of one host/service waiting to be written, in increasing
/// time order: one row per record, one column per label seen.
struct PendingService: Sendable {
    struct Series: Sendable {
        var label: String
        /// The label as a file name part (`MetricPath.encode`).
        var encodedLabel: String
        /// What the latest record said (its `dataSource` is the name the
        /// label has in a service file).
        var metric: ServiceMetadata.Metric
        var dataSource: RRDDataSource
    }

    /// `host/service`, encoded, without extension.
    var base: String
    var host: [UInt8]
    var service: [UInt8]?
    var checkCommand: [UInt8]?
    var series: [Series] = []
    var rows: [PendingRow] = []
    var firstTime: Double
    /// Values in `rows` (labels present, `U` included).
    var valueCount = 0
    /// Label → index in `series`, built once a service has many labels.
    private var index: [String: Int] = [:]

    init(base: String, host: [UInt8], service: [UInt8]?, firstTime: Double) {
        self.base = base
        self.host = host
        self.service = service
        self.firstTime = firstTime
    }

    /// The column of `label`, added when new.
    mutating func seriesIndex(_ label: String, encoded: String) -> Int {
        if series.count <= 16 {
            if let k = series.firstIndex(where: { $0.label == label }) { return k }
        } else {
            if index.isEmpty { for (k, s) in series.enumerated() { index[s.label] = k } }
            if let k = index[label] { return k }
            index[label] = series.count
        }
        let name = ServiceMetadata.dataSourceName(for: label)
        series.append(Series(label: label, encodedLabel: encoded, metric: ServiceMetadata.Metric(dataSource: name, label: label),
                             dataSource: RRDDataSource(name: name, kind: .gauge, heartbeat: 0)))
        return series.count - 1
    }

    var lastTime: Double { rows.last?.time ?? firstTime }
}

/// One record's values, by column of its `PendingService`.
struct PendingRow: Sendable {
    enum Reading: Sendable {
        /// The record has no such label: unknown in a service file, nothing
        /// written in a metric file.
        case absent
        /// `U` in the perfdata: stored as unknown.
        case unknown
        case value(Double)

        var number: Double? {
            if case .value(let v) = self { return v }
            return nil
        }
    }

    var time: Double
    /// May be shorter than the service's columns (labels seen later are absent).
    var values: [Reading]
    /// Labels present.
    var count = 0
}
