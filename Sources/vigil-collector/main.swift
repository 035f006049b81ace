import ArgumentParser
import Collector
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

    @Option(help: "Threads writing RRD files with librrd (without --daemon).")
    var jobs: Int = 1

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard step > 0 else { throw ValidationError("--step must be positive") }
        guard heartbeat > 0 else { throw ValidationError("--heartbeat must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1 to 64") }
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
                                daemon: daemon, batchSize: batchSize, threads: jobs)
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

@main
struct VigilCollector: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil-collector",
        abstract: "Stores Nagios/Icinga performance data in RRD files, one file per metric.",
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

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("no FILE given (use - for standard input)") }
        if host == nil, service != nil || time != nil { throw ValidationError("--service and --time need --host") }
        if let host, host.isEmpty { throw ValidationError("--host is empty") }
        if let service, service.isEmpty { throw ValidationError("--service is empty") }
    }

    func run() throws {
        let logger = storage.makeLogger()
        let ingester: Ingester
        do { ingester = try Ingester(options: storage.collectorOptions, logger: logger) } catch {
            logger.critical("\(error)")
            throw ExitCode(2)
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
                logger.error("\(error)")
                unreadable += 1
            }
        }
        let summary = ingester.flush()
        print("vigil-collector: \(summary.line)")
        if summary.failed > 0 || unreadable > 0 { throw ExitCode(1) }
    }
}

struct Spool: AsyncParsableCommand {
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

    func run() async throws {
        let logger = storage.makeLogger()
        if watch {
            let service = SpoolService(options: storage.collectorOptions, directory: directory, interval: interval, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            try await group.run()
            return
        }
        let ingester: Ingester
        do { ingester = try Ingester(options: storage.collectorOptions, logger: logger) } catch {
            logger.critical("\(error)")
            throw ExitCode(2)
        }
        let spool = SpoolProcessor(directory: directory, ingester: ingester, logger: logger)
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
