import ArgumentParser
import Collector
import Dispatch
import Logging
import RRD
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Options shared by `ingest` and `spool`.
struct StorageOptions: ParsableArguments {
    @Option(name: .customLong("rrd-dir"), help: "Directory of the RRD files (created if missing).")
    var rrdDirectory: String

    @Option(help: ArgumentHelp("Write through rrdcached: unix:PATH, PATH, HOST or HOST:PORT.", valueName: "address"))
    var daemon: String?

    @Option(help: "Seconds per primary data point of new files.")
    var step: Int = 60

    @Option(help: "Seconds without a value after which it is unknown (new files).")
    var heartbeat: Int = 900

    @Option(name: .customLong("rra"), help: ArgumentHelp("An archive of new files, CF:STEPS:ROWS or RRA:CF:XFF:STEPS:ROWS; repeat for several (replaces the default retention).", valueName: "archive"))
    var archives: [String] = []

    @Option(name: .customLong("batch-size"), help: "Metric values gathered before writing.")
    var batchSize: Int = 20_000

    @Option(help: ArgumentHelp("Writer processes for ingest without --daemon, when the files hold 256 KiB or more (default: the number of CPUs, at most 8).", valueName: "n"))
    var jobs: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard step > 0 else { throw ValidationError("--step must be positive") }
        guard heartbeat > 0 else { throw ValidationError("--heartbeat must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let jobs, !(1...64).contains(jobs) { throw ValidationError("--jobs must be 1 to 64") }
        for a in archives where StorageSchema.parseArchive(a) == nil {
            throw ValidationError("--rra '\(a)': expected CF:STEPS:ROWS (CF = AVERAGE, MIN, MAX or LAST)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level '\(logLevel)' unknown") }
        if let daemon {
            do { _ = try RRDCachedAddress(parsing: daemon) } catch { throw ValidationError("--daemon: \(error.message)") }
        }
    }

    var collectorOptions: CollectorOptions {
        let rras = archives.compactMap(StorageSchema.parseArchive)
        return CollectorOptions(rrdDirectory: rrdDirectory,
                                schema: StorageSchema(step: step, heartbeat: heartbeat, archives: rras.isEmpty ? nil : rras),
                                daemon: daemon, batchSize: batchSize)
    }

    /// Writer processes for librrd directly (`--jobs`, default one per
    /// CPU, at most 8); `arguments` gives a worker's `ingest` arguments.
    func workerPlan(_ arguments: @escaping @Sendable (String) -> [String]) -> WorkerPlan? {
        guard daemon == nil else { return nil }
        let n = jobs ?? min(8, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        return n > 1 ? WorkerPlan(count: n, arguments: arguments) : nil
    }

    /// The options a worker process needs to store like this one.
    var workerArguments: [String] {
        var a = ["ingest", "--rrd-dir", rrdDirectory, "--step", String(step), "--heartbeat", String(heartbeat),
                 "--batch-size", String(batchSize), "--log-level", logLevel]
        for r in archives { a += ["--rra", r] }
        return a
    }

    func makeLogger() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        return Logger(label: "vigil-collector")
    }
}

/// A synchronous command on the main thread: `ingest` and a `spool` pass
/// never start a thread. librrd maps and unmaps every file it updates, and
/// each unmap in a process whose threads have run on other CPUs interrupts
/// those CPUs to flush their TLBs (an async `main` runs on a pool thread
/// while the main thread waits: two threads), which slows the other
/// writer process on the other core.
@main
struct VigilCollector: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil-collector",
        abstract: "Stores Nagios/Icinga performance data in RRD files, one file per service.",
        discussion: "See docs/collector.md for the file layout, the retention and how to wire Nagios or Icinga 2.",
        subcommands: [Ingest.self, Spool.self])
}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store the records of perfdata files (or of one plugin's output) and exit.",
        discussion: """
        Each line of FILE is a record in one of the formats Nagios or Icinga 2 write \
        (PNP4Nagios bulk template, Nagios' default template, Icinga 2 PerfdataWriter), \
        detected per line. With --host (and --service), FILE is instead the raw output of \
        one plugin run. Prints one summary line; exits 1 if any value could not be stored.
        """)

    @OptionGroup var storage: StorageOptions

    @Option(help: "Read FILE as raw plugin output of this host.")
    var host: String?

    @Option(help: "With --host: the service (omit for host perfdata).")
    var service: String?

    @Option(help: "With --host: the check time in seconds since the epoch (default: now).")
    var time: Double?

    @Argument(help: ArgumentHelp("Perfdata files; - reads standard input.", valueName: "file"))
    var files: [String]

    /// Set by the parent on the writer processes it starts.
    @Option(help: .hidden)
    var shard: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("no FILE given (use - for standard input)") }
        if host == nil, service != nil || time != nil { throw ValidationError("--service and --time need --host") }
        if let host, host.isEmpty { throw ValidationError("--host is empty") }
        if let service, service.isEmpty { throw ValidationError("--service is empty") }
        if let shard, Shard(parsing: shard) == nil { throw ValidationError("--shard '\(shard)': expected I/N") }
    }

    /// How many processes write: several only for librrd directly, from
    /// files (each reads them whole) holding enough records to be worth
    /// another process's start.
    func writerCount() -> Int {
        guard host == nil, !files.contains("-") else { return 1 }
        // (the arguments of a worker started anew are this run's own: see run())
        return storage.workerPlan { _ in [] }?.processes(for: files) ?? 1
    }

    /// Stores the part `part` (`nil`: all) of the files' records; `quiet`
    /// leaves unreadable files to the first part to report.
    func store(_ part: Shard?, logger: Logger, quiet: Bool) -> (summary: IngestSummary, status: Int32) {
        var options = storage.collectorOptions
        options.shard = part
        let ingester: Ingester
        do { ingester = try Ingester(options: options, logger: logger) } catch {
            logger.critical("\(error)")
            return (IngestSummary(), 2)
        }
        var unreadable = 0
        for file in files {
            do {
                if let host {
                    let bytes = try Ingester.readAll(path: file)
                    var now = timespec()
                    clock_gettime(CLOCK_REALTIME, &now)
                    ingester.ingestPluginOutput(bytes, name: file == "-" ? "stdin" : file, host: host, service: service,
                                                time: time ?? Double(now.tv_sec))
                } else {
                    try ingester.ingest(path: file)
                }
            } catch {
                if !quiet { logger.error("\(error)") }
                unreadable += 1
            }
        }
        let summary = ingester.flush()
        return (summary, summary.failed > 0 || unreadable > 0 ? 1 : 0)
    }

    func run() throws {
        let logger = storage.makeLogger()
        if let part = shard.flatMap(Shard.init(parsing:)) {
            // started anew by a parent (see WorkerProcesses.start)
            let (summary, status) = store(part, logger: logger, quiet: true)
            WorkerProcesses.report(summary)
            if status != 0 { throw ExitCode(status) }
            return
        }
        // the parent stores part 0 and starts a worker for each other part;
        // a part whose worker cannot start is stored here afterwards
        let n = writerCount()
        var workers: [WorkerProcesses.Worker] = []
        var parts: [Shard?] = [n > 1 ? Shard(index: 0, count: n) : nil]
        let arguments = Array(CommandLine.arguments.dropFirst()) // for a worker started anew
        for i in 1..<max(n, 1) {
            guard let part = Shard(index: i, count: n) else { continue }
            do {
                workers.append(try WorkerProcesses.start(shard: part, arguments: arguments) {
                    store(part, logger: logger, quiet: true)
                })
            } catch {
                logger.warning("writer process \(part): \(error); storing its part here")
                parts.append(part)
            }
        }
        var summary = IngestSummary()
        var status: Int32 = 0
        for (k, part) in parts.enumerated() {
            var (counts, s) = store(part, logger: logger, quiet: k > 0)
            if k > 0 { counts.files = 0 } // every part reads the same files
            summary.add(counts)
            status = max(status, s)
        }
        let (fromWorkers, outcomes) = WorkerProcesses.waitAll(workers)
        summary.add(fromWorkers)
        for outcome in outcomes {
            if outcome.summary == nil {
                logger.error("writer process \(outcome.shard) ended with status \(outcome.status) before reporting: its part of the services may not be stored")
            }
            status = max(status, outcome.status == 0 ? 0 : outcome.status == 2 ? 2 : 1)
        }
        print("vigil-collector: \(summary.line)")
        if status != 0 { throw ExitCode(status) }
    }
}

struct Spool: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store every file of a spool directory, removing each once all its records are stored.",
        discussion: """
        Without --watch: one pass, then exit (1 if a file had to be kept). With --watch: \
        a pass every --interval seconds until SIGTERM or SIGINT, which end it after the file at hand.
        """)

    @OptionGroup var storage: StorageOptions

    @Flag(help: "Keep running and process new files as they arrive.")
    var watch = false

    @Option(help: "With --watch: seconds between passes.")
    var interval: Double = 5

    @Argument(help: ArgumentHelp("The spool directory.", valueName: "spooldir"))
    var directory: String

    func validate() throws {
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
    }

    /// Each spool file of 256 KiB or more is stored by `--jobs` processes.
    var workerPlan: WorkerPlan? {
        let arguments = storage.workerArguments
        return storage.workerPlan { file in arguments + [file] }
    }

    func run() throws {
        let logger = storage.makeLogger()
        if watch {
            let service = SpoolService(options: storage.collectorOptions, directory: directory, interval: interval,
                                       workers: workerPlan, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            try runBlocking { try await group.run() }
            return
        }
        let ingester: Ingester
        do { ingester = try Ingester(options: storage.collectorOptions, logger: logger) } catch {
            logger.critical("\(error)")
            throw ExitCode(2)
        }
        let spool = SpoolProcessor(directory: directory, ingester: ingester, workers: workerPlan, logger: logger)
        do {
            let (summary, kept) = try spool.processOnce()
            print("vigil-collector: \(summary.line)\(kept > 0 ? ", \(kept) files kept" : "")")
            if kept > 0 { throw ExitCode(1) }
        } catch let e as CollectorError {
            logger.critical("\(e)")
            throw ExitCode(2)
        }
    }
}

/// Runs `body` as a task and blocks the calling (main) thread until it
/// ends: the service group of `spool --watch` needs Swift concurrency, the
/// rest of the tool does not.
func runBlocking(_ body: @escaping @Sendable () async throws -> Void) throws {
    final class Outcome: @unchecked Sendable {
        var error: (any Error)?
        let done = DispatchSemaphore(value: 0)
    }
    let outcome = Outcome()
    Task.detached {
        do { try await body() } catch { outcome.error = error }
        outcome.done.signal()
    }
    outcome.done.wait()
    if let error = outcome.error { throw error }
}
