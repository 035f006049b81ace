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
public struct SpoolProcessor {
    public let directory: String
    public let ingester: Ingester
    let logger: Logger

    public init(directory: String, ingester: Ingester, logger: Logger) {
        self.directory = FileIO.absolute(directory)
        self.ingester = ingester
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
            do {
                try ingester.ingest(path: file)
            } catch {
                _ = ingester.flush()
                logger.error("\(file): \(error); kept for a retry")
                return (total, files.count - n)
            }
            let s = ingester.flush()
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
}

/// `spool --watch`: processes the spool directory every `interval` seconds
/// until a graceful shutdown (SIGTERM/SIGINT), finishing the file at hand.
public struct SpoolService: Service {
    let options: CollectorOptions
    let directory: String
    let interval: Double
    let logger: Logger

    public init(options: CollectorOptions, directory: String, interval: Double, logger: Logger) {
        self.options = options
        self.directory = directory
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let ingester = try Ingester(options: options, logger: logger)
        let spool = SpoolProcessor(directory: directory, ingester: ingester, logger: logger)
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
