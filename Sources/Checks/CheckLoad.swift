#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

/// `check_load -w W1,W5,W15 -c C1,C5,C15 [-r] [-n N]`: the system load
/// averages against thresholds, optionally per CPU, optionally followed by
/// the processes using the most CPU.
public enum CheckLoad {
    public static let info = PluginInfo(
        name: "check_load",
        usage: "check_load [-r] -w WLOAD1,WLOAD5,WLOAD15 -c CLOAD1,CLOAD5,CLOAD15 [-n NUMBER_OF_PROCS]",
        description: """
        Reads the 1-, 5- and 15-minute load averages of this machine and
        compares each with its own warning and critical limit.
        """,
        options: """
         --extra-opts=[section][@file]
            Read options from an ini file: the section (default: the plugin's
            name) of the file (default: the first of the standard places).
         -w, --warning=WLOAD1[,WLOAD5[,WLOAD15]]
            WARNING when a load average is above its limit. One value sets
            all three limits; two values set the 1-minute limit and the
            other two.
         -c, --critical=CLOAD1[,CLOAD5[,CLOAD15]]
            CRITICAL when a load average is above its limit (same forms).
            Each warning limit must not exceed its critical limit.
         -r, --percpu
            Divide the load averages by the number of online CPUs before
            comparing them; both the divided and the raw values are shown.
         -n, --procs-to-show=N
            After the result, list the N processes using the most CPU (from
            ps, header line included). 0, the default, lists none.
        """,
        notes: """
        Examples:
         check_load -w 4,3,2 -c 8,6,4
            WARNING above 4 (1 min), 3 (5 min) or 2 (15 min); CRITICAL above 8, 6, 4.
         check_load -r -w 0.9 -c 1.5 -n 5
            Limits per CPU, and the five busiest processes on the lines below.

        Perfdata: load1, load5, load15 (and scaled_load1 … with -r), three
        decimals, minimum 0.
        """
    )

    static let options = OptionParser([
        OptionSpec("h", "help"), OptionSpec("V", "version"),
        OptionSpec("w", "warning", .required), OptionSpec("c", "critical", .required),
        OptionSpec("r", "percpu"), OptionSpec("n", "procs-to-show", .required),
    ])

    /// The minutes of the three averages, for messages and perfdata labels.
    static let minutes = [1, 5, 15]

    public struct Configuration: Sendable, Equatable {
        /// The limits for the 1-, 5- and 15-minute averages (0 when not given, as in C).
        public var warning: [Double] = [0, 0, 0]
        public var critical: [Double] = [0, 0, 0]
        public var perCPU = false
        public var processesToShow = 0
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            try configure(ExtraOpts.expanded(arguments, plugin: info.name)).run { config throws(PluginError) in
                let load: LoadAverage
                do throws(SystemError) { load = try LoadAverage.read(.live) } catch { throw .unknown(error.description) }
                let cpus = config.perCPU ? (CPUCount.online(.live) ?? sysconf(Int32(_SC_NPROCESSORS_ONLN))) : nil
                let (text, status) = try evaluate(load, cpus: cpus, config)
                guard config.processesToShow > 0 else { return .text(text, status) }
                let top = topProcesses(run: { () throws(Command.Failure) in try ProcessTable.run() },
                                       count: config.processesToShow)
                if !top.stderr.isEmpty { StandardStream.error.write(top.stderr) }
                return .text(text + top.stdout, status)
            }
        }
    }

    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        if arguments.isEmpty { throw .usage("Could not parse arguments") }
        let parsed = options.parseInOrder(arguments)
        var config = Configuration()
        for option in parsed.options {
            switch option.key {
            case "help", "version": return .exit(info.standardExit(option.key))
            case "warning": config.warning = try triplet(option.value)
            case "critical": config.critical = try triplet(option.value)
            case "percpu": config.perCPU = true
            case "procs-to-show":
                guard let n = option.value.flatMap({ NumberFormat.parseInteger($0) }) else {
                    throw .usage("Number of processes to show must be an integer")
                }
                config.processesToShow = n
            default: break
            }
        }
        try parsed.checkRefusal()
        // 2.3.3 ignores operands, and checks critical before warning for each average.
        for i in 0..<3 {
            if config.critical[i] < 0 {
                throw .state(.unknown, "Critical threshold for \(minutes[i])-minute load average is not specified")
            } else if config.warning[i] < 0 {
                throw .state(.unknown, "Warning threshold for \(minutes[i])-minute load average is not specified")
            } else if config.warning[i] > config.critical[i] {
                throw .state(.unknown, "Parameter inconsistency: \(minutes[i])-minute \"warning load\" is greater than \"critical load\"")
            }
        }
        return .run(config)
    }

    /// `5`, `5,4` or `5,4,3`: one to three numbers, the last one repeated
    /// to fill the three places.
    static func triplet(_ text: String?) throws(PluginError) -> [Double] {
        let parts = (text ?? "").split(separator: ",", omittingEmptySubsequences: false)
        var values: [Double] = []
        for part in parts {
            guard let v = NumberFormat.parseStrict(part) else { values = []; break }
            values.append(v)
        }
        guard let last = values.last, values.count <= 3 else {
            // 2.3.3's `usage("…!\n")` (for -c too): the text, an empty line, the usage.
            throw .plainUsage("Warning threshold must be float or float triplet!\n")
        }
        while values.count < 3 { values.append(last) }
        return values
    }

    /// The status line and perfdata for `load`, as 2.3.3 prints them (the
    /// values rounded to two decimals first, as it reads them from
    /// `uptime`; perfdata items each followed by a space).
    public static func evaluate(_ load: LoadAverage, cpus: Int?, _ config: Configuration) throws(PluginError) -> (String, Status) {
        let total = load.uptimeRounded.values
        if total.contains(where: { $0 < 0 }) { throw .state(.unknown, "Error processing \(LoadAverage.path)") }
        // Plain concatenation: `joined(separator:)` costs more at start-up than all the rest.
        let list = { (v: [Double]) in
            FixedPoint.format(v[0], decimals: 2) + ", " + FixedPoint.format(v[1], decimals: 2) + ", "
                + FixedPoint.format(v[2], decimals: 2)
        }
        var line = "total load average: " + list(total)
        var compared = total
        var scaled: [Double]?
        if let cpus, cpus > 0 {
            let s = total.map { $0 / Double(cpus) }
            line = "scaled load average: " + list(s) + " - " + line
            compared = s
            scaled = s
        }
        var status = Status.ok
        for i in 0..<3 {
            if compared[i] > config.critical[i] {
                status = .critical
                break
            } else if compared[i] > config.warning[i] {
                status = .warning
            }
        }
        let f3 = { (v: Double) in FixedPoint.format(v, decimals: 3) }
        var perfdata = ""
        for i in 0..<3 {
            let label = "load\(minutes[i])"
            if let scaled {
                perfdata += "\(label)=\(f3(total[i]));;;0; "
                perfdata += "scaled_\(label)=\(f3(scaled[i]));\(f3(config.warning[i]));\(f3(config.critical[i]));0; "
            } else {
                perfdata += "\(label)=\(f3(total[i]));\(f3(config.warning[i]));\(f3(config.critical[i]));0; "
            }
        }
        return ("LOAD \(status.label) - \(line)|\(perfdata)\n", status)
    }

    /// `-n N`: the ps header and the N lines with the highest %CPU (a
    /// stable sort, as glibc's `qsort` sorts them for the C plugin), or a
    /// message for standard error when ps fails.
    public static func topProcesses(run: () throws(Command.Failure) -> Command.Output,
                                    count: Int) -> (stdout: String, stderr: String) {
        let output: Command.Output
        do { output = try run() } catch {
            return ("", "'\(ProcessTable.commandLine)' exited with non-zero status.\n")
        }
        if output.exitCode != 0 { return ("", "'\(ProcessTable.commandLine)' exited with non-zero status.\n") }
        let lines = output.stdout.lines
        guard let header = lines.first, lines.count >= 2 else { return ("", "some error occurred getting procs list.\n") }
        let ranked = lines.dropFirst().enumerated()
            .map { (key: ProcessTable.cpuKey($0.element), order: $0.offset, line: $0.element) }
            .sorted { $0.key != $1.key ? $0.key > $1.key : $0.order < $1.order }
        var text = header + "\n"
        for entry in ranked.prefix(count) { text += entry.line + "\n" }
        return (text, "")
    }
}
