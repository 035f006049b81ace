import NagiosPlugin

/// `check_cluster (-s | -h) -d STATES [-w RANGE] [-c RANGE] [-l LABEL]`:
/// judges a cluster of hosts or services from their states, which Nagios
/// passes in with on-demand macros (`$SERVICESTATEID:host:svc$,…`).
public enum CheckCluster {
    public static let usage = """
     check_cluster (-s | -h) -d val1[,val2,...,valn] [-l label]
    [-w threshold] [-c threshold] [-v] [--help]
    """

    public static let info = PluginInfo(
        name: "check_cluster",
        usage: usage,
        description: """
        Counts how many members of a host or service cluster are not OK and
        compares that count with the warning and critical ranges. The member
        states are given on the command line; the plugin checks nothing by
        itself.
        """,
        options: """
         --extra-opts=[section][@file]
            Read options from an ini file: the section (default: the plugin's
            name) of the file (default: the first of the standard places).
         -s, --service
            The members are services: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
            (the default).
         -h, --host
            The members are hosts: 0 UP, 1 DOWN, 2 UNREACHABLE.
            Note: -h is not help here; use --help.
         -d, --data=LIST
            The members' state codes, comma-separated, one digit 0-3 each.
         -w, --warning=RANGE
            Number of non-OK members that makes the cluster WARNING.
         -c, --critical=RANGE
            Number of non-OK members that makes the cluster CRITICAL.
         -l, --label=TEXT
            Text shown instead of "Service cluster" / "Host cluster".
         -v, --verbose
            Print the thresholds before the result.
        """,
        notes: """
        Ranges follow the plugin guidelines: N alerts above N, N: below N,
        @a:b inside a..b. A count of 0 never alerts with a plain N.

        Examples:
         check_cluster -s -d $SERVICESTATEID:web1:HTTP$,$SERVICESTATEID:web2:HTTP$ -w 1 -c 1
            WARNING/CRITICAL as soon as one web server is not OK (-c wins).
         check_cluster -h -l "DB hosts" -d 0,1,0 -c @2:
            CRITICAL when two or more hosts are down or unreachable.
        """
    )

    /// Helps with `--help` and `-H` only: `-h` means hosts.
    static var helpText: String {
        info.helpText.replacingAll(" -h, --help\n    Print detailed help screen\n",
                                   with: " -H, --help\n    Print detailed help screen\n")
    }

    static let options = OptionParser([
        OptionSpec("d", "data", .required), OptionSpec("w", "warning", .required),
        OptionSpec("c", "critical", .required), OptionSpec("l", "label", .required),
        OptionSpec("h", "host"), OptionSpec("s", "service"), OptionSpec("v", "verbose"),
        OptionSpec("V", "version"), OptionSpec("H", "help"),
    ])

    public enum Kind: Sendable, Equatable { case services, hosts }

    public struct Configuration: Sendable, Equatable {
        public var kind: Kind = .services
        public var states: [Int] = []
        public var thresholds = Thresholds()
        public var label: String?
        public var verbose = 0
    }

    /// How many members are in each state (index = state code).
    public struct Counts: Sendable, Equatable {
        public var byState: [Int] = [0, 0, 0, 0]
        public init(_ states: [Int]) {
            for s in states where (0...3).contains(s) { byState[s] += 1 }
        }
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in try run(ExtraOpts.expanded(arguments, plugin: info.name)) }
    }

    /// The whole plugin: it reads nothing but its arguments.
    public static func run(_ arguments: [String]) throws(PluginError) -> PluginExit {
        try configure(arguments).run { config in .text(render(config), evaluate(config)) }
    }

    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        // 2.3.3 answers every refused command line with
        // `usage("Could not parse arguments")` (after getopt's own complaint).
        if arguments.isEmpty { throw .plainUsage("Could not parse arguments") }
        let parsed: ParsedArguments
        parsed = options.parseInOrder(arguments)
        var config = Configuration()
        var warning: String?, critical: String?
        var haveData = false
        for option in parsed.options {
            let value = option.value ?? ""
            switch option.key {
            case "help": return .exit(.text(helpText, .unknown))
            case "version": return .exit(.text(info.versionLine, .unknown))
            case "host": config.kind = .hosts
            case "service": config.kind = .services
            case "warning": warning = value
            case "critical": critical = value
            case "label": config.label = value
            case "verbose": config.verbose += 1
            case "data":
                config.states = try parseData(value)
                haveData = true
            default: break
            }
        }
        try parsed.checkRefusal(preface: "Could not parse arguments")
        guard haveData else { throw .plainUsage("Could not parse arguments") }
        do { config.thresholds = try Thresholds(warning: warning, critical: critical) } catch { throw PluginError(error) }
        return .run(config)
    }

    /// `0,1,2`: single digits 0–3 separated by single commas, as 2.3.3 demands.
    static func parseData(_ text: String) throws(PluginError) -> [Int] {
        let bytes = Array(text.utf8)
        var states: [Int] = []
        var i = 0
        while true {
            guard i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "3") else {
                throw .plainUsage("Could not parse arguments")
            }
            states.append(Int(bytes[i] - UInt8(ascii: "0")))
            if i + 1 == bytes.count { return states }
            guard bytes[i + 1] == UInt8(ascii: ",") else {
                throw .plainUsage("Could not parse arguments")
            }
            i += 2
        }
    }

    /// The number of members that are not OK/UP.
    public static func problems(_ config: Configuration) -> Int {
        let c = Counts(config.states).byState
        return config.kind == .services ? c[1] + c[2] + c[3] : c[1] + c[2]
    }

    public static func evaluate(_ config: Configuration) -> Status {
        config.thresholds.status(of: Double(problems(config)))
    }

    public static func render(_ config: Configuration) -> String {
        var text = ""
        if config.verbose > 0 { text += thresholdsLine(config.thresholds) }
        let c = Counts(config.states).byState
        let state = evaluate(config).label
        switch config.kind {
        case .services:
            text += "CLUSTER \(state): \(config.label ?? "Service cluster"): \(c[0]) ok, \(c[1]) warning, \(c[3]) unknown, \(c[2]) critical\n"
        case .hosts:
            text += "CLUSTER \(state): \(config.label ?? "Host cluster"): \(c[0]) up, \(c[1]) down, \(c[2]) unreachable\n"
        }
        return text
    }

    /// The `-v` line of 2.3.3 (`print_thresholds`): infinite ends print as 0.
    static func thresholdsLine(_ t: Thresholds) -> String {
        func ends(_ r: ThresholdRange) -> String {
            let start = r.start.isInfinite ? 0 : r.start
            let end = r.end.isInfinite ? 0 : r.end
            return "start=" + NumberFormat.formatDouble("%g", start) + " end=" + NumberFormat.formatDouble("%g", end)
        }
        var s = "check_cluster - "
        s += t.warning.map { "Warning: \(ends($0)); " } ?? "Warning not set; "
        s += t.critical.map { "Critical: \(ends($0))" } ?? "Critical not set"
        return s + "\n"
    }
}
