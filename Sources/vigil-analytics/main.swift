// vigil-analytics: learns each metric's normal behaviour from the RRDs and
// writes dynamic thresholds as Nagios / Icinga 2 configuration, time-of-week
// profiles for check_baseline and an HTML report. The logic lives in the
// Analytics library; this file only maps the command line onto it.
import Analytics
import NagiosPlugin
import ArgumentParser
import Logging

#if canImport(Glibc)
import Glibc
#endif

struct VigilAnalytics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil-analytics",
        abstract: "Anomaly detection over RRD files and dynamic thresholds for Nagios and Icinga 2.",
        version: AnalyticsVersion.string,
        subcommands: [Analyze.self, BacktestSubcommand.self]
    )
}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse every metric of an RRD tree and write thresholds, profiles and a report.",
        discussion: """
        Meant for cron (daily): quiet unless something goes wrong, a progress bar only on a terminal.
        Exit status: 0 done; 1 the new Nagios configuration was rejected by --validate-with (the old \
        file was kept); 2 unreadable input or unwritable output; 64 bad options.
        """
    )

    @Option(name: .customLong("rrd-dir"), help: ArgumentHelp("Directory scanned for RRD files (vigil-collector tree, PNP4Nagios perfdata, or any *.rrd).", valueName: "DIR"))
    var rrdDir: [String]

    @Option(name: .customLong("nagios-conf"), help: ArgumentHelp("Nagios object file to (re)write with the thresholds.", valueName: "FILE"))
    var nagiosConf: String?

    @Option(name: .customLong("icinga2"), help: ArgumentHelp("Icinga 2 configuration file to (re)write.", valueName: "FILE"))
    var icinga2: String?

    @Option(name: .customLong("profiles"), help: ArgumentHelp("Directory for the time-of-week profiles check_baseline reads.", valueName: "DIR"))
    var profiles: String?

    @Option(name: .customLong("report"), help: ArgumentHelp("Directory for the HTML report (index.html).", valueName: "DIR"))
    var report: String?

    @Option(name: .customLong("report-graphs"), help: ArgumentHelp("Most anomalous metrics drawn in the report (all are in its table).", valueName: "N"))
    var reportGraphs: Int = 100

    @Option(name: .customLong("daemon"), help: ArgumentHelp("rrdcached address (unix:PATH, PATH or HOST[:PORT]): FLUSH each file before reading it.", valueName: "ADDRESS"))
    var daemon: String?

    @Option(name: .customLong("validate-with"), help: ArgumentHelp("Main Nagios configuration: replace --nagios-conf only if `nagios4 -v` accepts it with the new file.", valueName: "NAGIOS_CFG"))
    var validateWith: String?

    @Option(name: .customLong("nagios-bin"), help: ArgumentHelp("Nagios binary used by --validate-with.", valueName: "PATH"))
    var nagiosBin: String = "/usr/sbin/nagios4"

    @Option(name: .customLong("jobs"), help: ArgumentHelp("Worker threads (default: the number of CPUs).", valueName: "N"))
    var jobs: Int?

    @Option(name: .customLong("now"), help: ArgumentHelp("Analyse as of this Unix time instead of the current time.", valueName: "SECONDS"))
    var now: Int64?

    @Flag(name: .customLong("quiet"), help: "No progress bar and no summary, even on a terminal.")
    var quiet = false

    @Flag(name: .customLong("verbose"), help: "Log each file read.")
    var verbose = false

    func validate() throws {
        if rrdDir.isEmpty { throw ValidationError("--rrd-dir is required") }
        if nagiosConf == nil && icinga2 == nil && profiles == nil && report == nil {
            throw ValidationError("nothing to write: give --nagios-conf, --icinga2, --profiles or --report")
        }
        if validateWith != nil && nagiosConf == nil { throw ValidationError("--validate-with needs --nagios-conf") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if reportGraphs < 0 { throw ValidationError("--report-graphs must not be negative") }
    }

    func run() throws {
        var logger = Logger(label: "vigil-analytics")
        logger.logLevel = verbose ? .debug : .warning
        var options = AnalyzeOptions(rrdDirectories: rrdDir)
        options.nagiosConfig = nagiosConf
        options.icinga2Config = icinga2
        options.profileDirectory = profiles
        options.reportDirectory = report
        options.reportGraphs = reportGraphs
        options.daemon = daemon
        options.validateWith = validateWith
        options.nagiosBinary = nagiosBin
        options.jobs = jobs
        options.now = now
        options.progress = !quiet && isatty(2) == 1
        options.summary = !quiet && isatty(1) == 1
        let outcome: AnalyzeOutcome
        do {
            outcome = try AnalyzeCommand.run(options, logger: logger)
        } catch {
            FileStream.standardError.write("vigil-analytics: \(error)\n")
            throw ExitCode(2)
        }
        for line in outcome.messages { FileStream.standardError.write(line + "\n") }
        if options.summary { print(outcome.summary) }
        if outcome.configurationRejected { throw ExitCode(1) }
    }
}

struct BacktestSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Replay CSV series through the production pipeline and mark the rows that would notify.",
        discussion: """
        For each path listed in LIST, reads DATA/<path> (timestamp,value) and writes OUT/<path> with the \
        columns timestamp,value,anomaly_score (1 where Nagios would send a notification).
        """
    )

    @Option(name: .customLong("data"), help: ArgumentHelp("Directory the listed CSV paths are relative to.", valueName: "DIR"))
    var data: String

    @Option(name: .customLong("files"), help: ArgumentHelp("File listing one CSV path per line.", valueName: "LIST"))
    var files: String

    @Option(name: .customLong("out"), help: ArgumentHelp("Output directory.", valueName: "DIR"))
    var out: String

    @Option(name: .customLong("spike-factor"),
            help: ArgumentHelp("Spike latch: minimum excess beyond the critical limit, in warning-to-critical gaps (default \(SpikeLatch.defaultFactor)).", valueName: "K"))
    var spikeFactor: Double = SpikeLatch.defaultFactor

    @Option(name: .customLong("latch"),
            help: ArgumentHelp("Spike latch: checks after an extreme value that stay non-OK (default \(SpikeLatch.defaultLength); 0 = off).", valueName: "N"))
    var latch: Int = SpikeLatch.defaultLength

    @Flag(name: .customLong("no-hold"), help: "Do not hold CRITICAL while the values stay outside the warning band.")
    var noHold = false

    @Option(name: .customLong("recovery"),
            help: ArgumentHelp("OK checks after a problem that still report it (default \(SpikeLatch.defaultRecoveryChecks); 0 = off).", valueName: "N"))
    var recovery: Int = SpikeLatch.defaultRecoveryChecks

    @Option(name: .customLong("trace"),
            help: ArgumentHelp("Also write, per file, each row's limits in force and verdict (for diagnosis).", valueName: "DIR"))
    var trace: String?

    @Option(name: .customLong("shift-checks"), help: .hidden) var shiftChecks: Int = SpikeLatch.defaultShiftChecks
    @Option(name: .customLong("shift-factor"), help: .hidden) var shiftFactor: Double?
    @Option(name: .customLong("shift-budget"), help: .hidden) var shiftBudget: Double?
    @Option(name: .customLong("shift-margin"), help: .hidden) var shiftMargin: Double?
    @Flag(name: .customLong("shift-critical"), help: .hidden) var shiftCritical = false
    @Option(name: .customLong("burst-checks"), help: .hidden) var burstChecks: Int = SpikeLatch.defaultBurstChecks
    @Option(name: .customLong("burst-minimum"), help: .hidden) var burstMinimum: Int?

    @Option(name: .customLong("set"), help: .hidden) var settings: [String] = []

    func run() throws {
        var configuration = BacktestConfiguration()
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let v = Double(parts[1]) else { throw ValidationError("bad --set \(setting)") }
            switch parts[0] {
            case "margin": configuration.learner.marginSigmas = v
            case "minimum": configuration.learner.minimumSigmas = v
            case "incidents": configuration.learner.incidentsPerDay = v / 7
            case "excursion": configuration.learner.excursionFactor = v
            case "critical": configuration.learner.criticalFactor = v
            case "replay": configuration.learner.replayMargin = v
            case "spike-incidents": configuration.learner.spikeIncidentsPerDay = v / 7
            case "season-days": configuration.learner.seasonWindowDays = Int(v)
            case "level-hours": configuration.learner.levelWindowSeconds = Int64(v * 3600)
            case "range-fraction": configuration.learner.minimumSigmaFractionOfRange = v
            default: throw ValidationError("unknown --set \(setting)")
            }
        }
        configuration.learner.shiftChecks = shiftChecks
        configuration.learner.burstChecks = burstChecks
        if let burstMinimum { configuration.learner.burstMinimum = burstMinimum }
        if let shiftFactor { configuration.learner.shiftFactor = shiftFactor }
        if let shiftBudget { configuration.learner.shiftIncidentsPerDay = shiftBudget / 7 }
        if let shiftMargin { configuration.learner.shiftMarginSigmas = shiftMargin }
        if shiftCritical { configuration.shiftStatus = .critical }
        configuration.spikeFactor = spikeFactor
        // The incidents the learner leaves out are the spikes this latch holds.
        configuration.learner.incidentSpikeFactor = spikeFactor
        configuration.latchLength = latch
        configuration.holdCritical = !noHold
        configuration.recoveryChecks = recovery
        do {
            let summary = try Backtest.backtestCommand(dataDir: data, filesList: files, outDir: out,
                                                       configuration: configuration, traceDir: trace)
            if isatty(1) == 1 {
                print("\(summary.files) files, \(summary.rows) rows, \(summary.notifications) notifications")
            }
        } catch {
            FileStream.standardError.write("vigil-analytics: \(error)\n")
            throw ExitCode(2)
        }
    }
}

/// Unbuffered writes to stderr.
struct FileStream {
    let fd: Int32
    static let standardError = FileStream(fd: 2)
    func write(_ text: String) {
        var copy = text
        copy.withUTF8 { buf in _ = Glibc.write(fd, buf.baseAddress, buf.count) }
    }
}

LoggingSystem.bootstrap(StreamLogHandler.standardError)
VigilAnalytics.main()
