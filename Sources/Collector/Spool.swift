import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// An NPCD-style spool directory: complete perfdata files that Nagios (its
/// `service_perfdata_file_processing_command`) or Icinga 2's PerfdataWriter
/// moved there. Files are processed oldest first (modification time, then
/// name); names starting with `.` are ignored (files still being written).
///
/// A file is removed only after every record in it is stored: written by
/// librrd and flushed to disk with `syncfs`, or acknowledged by rrdcached.
/// A crash or kill at any point leaves the file in place; processing it
/// again stores what was missing and counts the rest as duplicates. A file
/// whose values could not all be stored is kept and retried, and the pass
/// stops there so that later files never overtake it.
///
/// With a `WorkerPlan` of several processes (librrd directly), a large file
/// is stored by this process (part 0 of its services) and a worker process
/// per other part, and it is removed only when every one stored all of its
/// values.
public final class SpoolProcessor {
    public let directory: String
    public let ingester: Ingester
    let workers: WorkerPlan?
    /// Stores part 0 when workers store the others (made when first needed).
    private var firstPart: Ingester?
    let logger: Logger

    public init(directory: String, ingester: Ingester, workers: WorkerPlan? = nil, logger: Logger) {
        self.directory = FileIO.absolute(directory)
        self.ingester = ingester
        self.workers = ingester.options.daemon == nil ? workers : nil
        self.logger = logger
    }

    /// The files to process, oldest first.
    public func pendingFiles() throws(CollectorError) -> [String] {
        guard let dir = opendir(directory) else {
            throw .system(SystemError(call: "opendir", path: directory, code: errno))
        }
        defer { closedir(dir) }
        var found: [(Int, Int, String)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            let path = "\(directory)/\(name)"
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            found.append((st.st_mtim.tv_sec, st.st_mtim.tv_nsec, path))
        }
        return found.sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }.map(\.2)
    }

    /// One pass over the directory. `shouldStop` is asked between files.
    /// Returns the counts and how many files were kept for a retry.
    public func processOnce(shouldStop: () -> Bool = { false }) throws(CollectorError) -> (summary: IngestSummary, kept: Int) {
        var total = IngestSummary()
        let files = try pendingFiles()
        for (n, file) in files.enumerated() {
            if shouldStop() { break }
            let s: IngestSummary
            do {
                s = try store(file)
            } catch {
                logger.error("\(file): \(error); kept for a retry")
                return (total, files.count - n)
            }
            total.add(s)
            if s.failed > 0 {
                logger.error("\(file): \(s.failed) values not stored; file kept for a retry")
                return (total, files.count - n)
            }
            do {
                if ingester.options.daemon == nil {
                    try FileIO.syncFileSystem(of: ingester.options.rrdDirectory)
                }
                try syscall("unlink", file) { unlink(file) }
                try FileIO.syncDirectory(directory)
            } catch {
                logger.error("\(file): \(error)")
                return (total, files.count - n)
            }
        }
        return (total, 0)
    }

    /// Stores one file, with worker processes when the plan says so.
    /// Throws when the file cannot be read or a worker could not report.
    private func store(_ file: String) throws(CollectorError) -> IngestSummary {
        let n = workers?.processes(for: [file]) ?? 1
        guard n > 1, let workers, let me = Shard(index: 0, count: n) else {
            do { try ingester.ingest(path: file) } catch {
                _ = ingester.flush()
                throw error
            }
            return ingester.flush()
        }
        if firstPart?.options.shard != me {
            var options = ingester.options
            options.shard = me
            firstPart = try Ingester(options: options, logger: logger)
        }
        guard let firstPart else { return IngestSummary() }
        var started: [WorkerProcesses.Worker] = []
        var problem: CollectorError?
        for i in 1..<n {
            guard let part = Shard(index: i, count: n) else { continue }
            let options = ingester.options, logger = logger
            do {
                started.append(try WorkerProcesses.start(shard: part, arguments: workers.arguments(file)) {
                    var mine = options
                    mine.shard = part
                    do {
                        let ingester = try Ingester(options: mine, logger: logger)
                        do { try ingester.ingest(path: file) } catch {
                            _ = ingester.flush()
                            return (IngestSummary(), 1)
                        }
                        let summary = ingester.flush()
                        return (summary, summary.failed > 0 ? 1 : 0)
                    } catch {
                        logger.critical("\(error)")
                        return (IngestSummary(), 2)
                    }
                })
            } catch {
                problem = .system(error)
                break
            }
        }
        do { try firstPart.ingest(path: file) } catch { problem = problem ?? error }
        var (summary, outcomes) = WorkerProcesses.waitAll(started)
        summary.add(firstPart.flush())
        for outcome in outcomes where outcome.summary == nil || outcome.status != 0 {
            problem = problem ?? .worker("writer process \(outcome.shard) ended with status \(outcome.status)")
        }
        if let problem { throw problem }
        return summary
    }
}

/// `spool --watch`: processes the spool directory every `interval` seconds
/// until a graceful shutdown (SIGTERM/SIGINT), finishing the file at hand.
public struct SpoolService: Service {
    let options: CollectorOptions
    let directory: String
    let interval: Double
    let logger: Logger

    let workers: WorkerPlan?

    public init(options: CollectorOptions, directory: String, interval: Double, workers: WorkerPlan? = nil, logger: Logger) {
        self.options = options
        self.directory = directory
        self.interval = interval
        self.workers = workers
        self.logger = logger
    }

    public func run() async throws {
        let ingester = try Ingester(options: options, logger: logger)
        let spool = SpoolProcessor(directory: directory, ingester: ingester, workers: workers, logger: logger)
        logger.info("watching \(spool.directory) every \(interval) s, RRD files in \(options.rrdDirectory)")
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let (s, kept) = try spool.processOnce { Task.isShuttingDownGracefully || Task.isCancelled }
                if s.files > 0 || kept > 0 { logger.info("\(s.line)\(kept > 0 ? ", \(kept) files kept" : "")") }
            } catch {
                logger.error("\(error)")
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(nanoseconds: UInt64(max(interval, 0.05) * 1e9))
            }
        }
        logger.info("spool watcher stopped")
    }
}
