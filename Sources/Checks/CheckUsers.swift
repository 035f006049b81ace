import NagiosPlugin
import SystemProbes

/// `check_users -w RANGE -c RANGE`: the number of logged-in user sessions
/// (utmp `USER_PROCESS` records) against thresholds.
public enum CheckUsers {
    public static let info = PluginInfo(
        name: "check_users",
        usage: "check_users -w <users> -c <users>",
        description: """
        Counts the user sessions logged in on this machine (the login
        records of /var/run/utmp that `who` lists) and compares the count
        with thresholds.
        """,
        options: """
         --extra-opts=[section][@file]
            Read options from an ini file: the section (default: the plugin's
            name) of the file (default: the first of the standard places).
         -w, --warning=RANGE
            WARNING when the count is outside RANGE (a plain number N means
            more than N users).
         -c, --critical=RANGE
            CRITICAL when the count is outside RANGE.
         Both are required; they may also be given as the first two
         arguments without -w/-c. -v is accepted and ignored.
        """,
        notes: """
        Examples:
         check_users -w 5 -c 10
            WARNING with 6 to 10 sessions, CRITICAL with more than 10.
         check_users -w 1: -c 0:
            WARNING when nobody is logged in.

        Perfdata: users=COUNT;WARN;CRIT;0 (the ranges as given).
        """
    )

    static let options = OptionParser([
        OptionSpec("h", "help"), OptionSpec("V", "version"), OptionSpec("v", nil),
        OptionSpec("c", "critical", .required), OptionSpec("w", "warning", .required),
    ], stopAtFirstOperand: true)

    public struct Configuration: Sendable, Equatable {
        public var warning: String
        public var critical: String
        public var thresholds: Thresholds
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            try configure(ExtraOpts.expanded(arguments, plugin: info.name)).run { config in
                let users = Utmp.read(.live).reduce(0) { $0 + ($1.isUserProcess ? 1 : 0) }
                return .result(evaluate(users: users, config))
            }
        }
    }

    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        if arguments.isEmpty { throw .usage("Could not parse arguments") }
        let parsed = options.parseInOrder(arguments)
        var warning: String?
        var critical: String?
        for option in parsed.options {
            switch option.key {
            case "help", "version": return .exit(info.standardExit(option.key))
            case "warning": warning = option.value
            case "critical": critical = option.value
            default: break
            }
        }
        try parsed.checkRefusal()
        var operands = parsed.operands[...]
        if warning == nil { warning = operands.popFirst() }
        if critical == nil { critical = operands.popFirst() }
        // 2.3.3 crashes without both thresholds; a clear message instead.
        guard let warning else { throw .usage("Warning threshold (-w) is required") }
        guard let critical else { throw .usage("Critical threshold (-c) is required") }
        do {
            let t = try Thresholds(warning: warning, critical: critical)
            return .run(Configuration(warning: warning, critical: critical, thresholds: t))
        } catch {
            throw PluginError(error)
        }
    }

    public static func evaluate(users: Int, _ config: Configuration) -> CheckResult {
        let status = config.thresholds.status(of: Double(users))
        let perf = try? PerfDatum(label: "users", value: String(users), warning: config.warning,
                                  critical: config.critical, minimum: "0", layout: .float)
        return CheckResult(status: status, summary: "USERS \(status.label) - \(users) users currently logged in ",
                           perfdata: perf.map { [$0] } ?? [], separator: "|")
    }
}
