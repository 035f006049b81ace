#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

/// `check_nagios -F STATUSFILE -C PROCESS [-e MINUTES] [-t SECONDS]`: is
/// Nagios running, and has it written its status file recently?
public enum CheckNagios {
    public static let info = PluginInfo(
        name: "check_nagios",
        usage: "check_nagios -F <status log file> -t <timeout_seconds> -e <expire_minutes> -C <process_string>",
        description: """
        Checks the Nagios daemon on this machine: at least one process whose
        command line contains the given text must be running, and the status
        file must have been updated within the given number of minutes.
        """,
        options: """
         --extra-opts=[section][@file]
            Read options from an ini file: the section (default: the plugin's
            name) of the file (default: the first of the standard places).
         -F, --filename=FILE
            The status file Nagios writes (status_file in nagios.cfg, e.g.
            /var/lib/nagios4/status.dat; the old status.log works too).
         -e, --expires=MINUTES
            WARNING when the status file is older than this (default: 0).
         -C, --command=TEXT
            Text to look for in the command lines of running processes,
            e.g. /usr/sbin/nagios4.
         -t, --timeout=SECONDS
            Give up after this many seconds (default: 10).
         -v, --verbose
            Given twice, print the ps command and every process found.
        """,
        notes: """
        Without a matching process the result is CRITICAL, as it is when the
        status file cannot be read or holds no time stamp. The old form
        `check_nagios FILE MINUTES TEXT` is accepted too.

        Examples:
         check_nagios -F /var/lib/nagios4/status.dat -e 5 -C /usr/sbin/nagios4
        """
    )

    static let options = OptionParser([
        OptionSpec("F", "filename", .required), OptionSpec("e", "expires", .required),
        OptionSpec("C", "command", .required), OptionSpec("t", "timeout", .required),
        OptionSpec("V", "version"), OptionSpec("h", "help"), OptionSpec("v", "verbose"),
        OptionSpec(nil, "input-file", .required, exactOnly: true),
    ], stopAtFirstOperand: true)

    public struct Configuration: Sendable, Equatable {
        public var statusFile = ""
        public var expireMinutes = 0
        public var processText = ""
        public var timeout: UInt32 = 10
        public var verbose = 0
        /// Test-only: read the `ps` listing from this file (`--input-file`).
        public var psFile: String?
    }

    /// What was measured: the status file's time stamp and the processes.
    public struct Measurement: Sendable, Equatable {
        public var statusTime: UInt64
        public var processes: [ProcessEntry]
        public var now: Int64
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            try configure(ExtraOpts.expanded(arguments, plugin: info.name)).run { (config: Configuration) throws(PluginError) in
                Timeout.arm(seconds: config.timeout, state: .critical)
                let measured = try measure(config)
                Timeout.disarm()
                return evaluate(measured, config, selfPath: CommandLine.arguments.first ?? "")
            }
        }
    }

    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        // 2.3.3's usage_va(): the name and the reason, no usage.
        if arguments.isEmpty { throw .state(.unknown, "check_nagios: Could not parse arguments") }
        var config = Configuration()
        // The 2.3.3 positional form: FILE MINUTES TEXT.
        if let first = arguments.first, !isOption(first) {
            config.statusFile = first
            config.expireMinutes = try nonNegative(arguments.count > 1 ? arguments[1] : nil,
                                                   "Expiration time must be an integer (seconds)")
            guard arguments.count > 2 else { throw .state(.unknown, "You must provide a process string") }
            config.processText = arguments[2]
            return .run(config)
        }
        let parsed = options.parseInOrder(arguments)
        var file: String?, process: String?
        for option in parsed.options {
            let value = option.value ?? ""
            switch option.key {
            case "help", "version": return .exit(info.standardExit(option.key))
            case "filename": file = value
            case "command": process = value
            case "expires": config.expireMinutes = try nonNegative(value, "Expiration time must be an integer (seconds)")
            case "timeout": config.timeout = UInt32(try nonNegative(value, "Timeout must be an integer (seconds)"))
            case "verbose": config.verbose += 1
            case "input-file": config.psFile = value
            default: break
            }
        }
        try parsed.checkRefusal()
        guard let file else { throw .state(.unknown, "You must provide the status_log") }
        guard let process else { throw .state(.unknown, "You must provide a process string") }
        config.statusFile = file
        config.processText = process
        return .run(config)
    }

    /// `is_option()` of the C library: starts with one or two dashes.
    static func isOption(_ s: String) -> Bool {
        let dashes = s.utf8.prefix { $0 == UInt8(ascii: "-") }.count
        return dashes == 1 || dashes == 2
    }

    /// `is_intnonneg()`: an integer (leading blanks and a sign allowed) ≥ 0.
    static func nonNegative(_ text: String?, _ message: String) throws(PluginError) -> Int {
        guard let text else { throw .state(.unknown, message) }
        var body = Substring(text)
        while let f = body.first, f == " " || f == "\t" || f == "\n" { body = body.dropFirst() }
        guard let v = Int32(body), v >= 0 else { throw .state(.unknown, message) }
        return Int(v)
    }

    public static func measure(_ config: Configuration) throws(PluginError) -> Measurement {
        // Like fopen(): only failing to open is an error; a file that
        // cannot be read (a directory) simply holds no time stamp.
        var status: [UInt8] = []
        do throws(SystemError) { status = try readFile(config.statusFile) } catch where error.call == "open" {
            throw .state(.critical, "NAGIOS CRITICAL: Cannot open status log for reading!")
        } catch {}
        let time = NagiosStatusFile.latestEntryTime(status)
        var listing: [UInt8] = []
        if let psFile = config.psFile {
            do throws(SystemError) { listing = try readFile(psFile) } catch { throw .unknown("\(error)") }
        } else if let out = try? ProcessTable.run() {
            listing = out.stdout
        }
        return Measurement(statusTime: time, processes: processes(listing), now: Int64(Glibc.time(nil)))
    }

    /// The lines of a ps listing that scan completely (2.3.3 skips the
    /// header and any other line it cannot read).
    public static func processes(_ listing: [UInt8]) -> [ProcessEntry] {
        var parser = ProcessTable.Parser()
        return ProcessTable.lines(listing).compactMap { parser.parse($0) }
    }

    /// The processes that count: their command line holds the text, is not
    /// empty, and does not hold this plugin's own path (`argv[0]`).
    public static func matching(_ processes: [ProcessEntry], text: String, selfPath: String) -> [ProcessEntry] {
        var found: [ProcessEntry] = []
        for p in processes where !p.args.isEmpty && !contains(p.args, selfPath) && contains(p.args, text) {
            found.append(p)
        }
        return found
    }

    /// `strstr() != NULL`, as the C plugin tests it (an empty needle is
    /// always found).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        haystack.withCString { h in needle.withCString { n in strstr(h, n) != nil } }
    }

    public static func evaluate(_ m: Measurement, _ config: Configuration, selfPath: String) -> PluginExit {
        let found = matching(m.processes, text: config.processText, selfPath: selfPath)
        var prefix = ""
        if config.verbose >= 2 {
            prefix += "command: \(ProcessTable.commandLine)\n"
            for p in found { prefix += "Found process: \(p.command) \(p.args)\n" }
        }
        if found.isEmpty {
            return .text(prefix + "NAGIOS CRITICAL: Could not locate a running Nagios process!\n", .critical)
        }
        if m.statusTime == 0 {
            return .text(prefix + "NAGIOS CRITICAL: Cannot parse Nagios log file for valid time\n", .critical)
        }
        // (int)(time_t - unsigned long), as the C plugin computes it.
        let age = Int32(truncatingIfNeeded: UInt64(bitPattern: m.now) &- m.statusTime)
        let limit = Int32(truncatingIfNeeded: config.expireMinutes) &* 60
        let status: Status = age > limit ? .warning : .ok
        let processes = found.count == 1 ? "1 process" : "\(found.count) processes"
        let seconds = age == 1 ? "1 second" : "\(age) seconds"
        return .text(prefix + "NAGIOS \(status.label): \(processes), status log updated \(seconds) ago\n", status)
    }
}
