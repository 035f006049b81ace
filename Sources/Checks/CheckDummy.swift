import NagiosPlugin

/// `check_dummy <state> [text]`: returns the state given, for testing
/// Nagios set-ups and for passive/freshness services.
public enum CheckDummy {
    public static let info = PluginInfo(
        name: "check_dummy",
        usage: " check_dummy <integer state> [optional text]",
        description: """
        Exits with the state given as its first argument (0 OK, 1 WARNING,
        2 CRITICAL, 3 UNKNOWN) and prints that state with the optional text.
        Useful for testing notification set-ups and as the check command of
        services that only receive passive results.
        """,
        notes: """
        Examples:
         check_dummy 0 "all fine"
            prints 'OK: all fine' and exits 0
         check_dummy 2
            prints 'CRITICAL' and exits 2
        """
    )

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in try evaluate(arguments) }
    }

    /// Mirrors the 2.3.3 plugin: only an exact `-h`/`--help`/`-V`/`--version`
    /// first argument is an option; the state must be an integer (leading
    /// blanks allowed, as C's `strtol` does); only the second argument is text.
    public static func evaluate(_ arguments: [String]) throws(PluginError) -> PluginExit {
        guard let first = arguments.first else { throw .usage("Could not parse arguments") }
        switch first {
        case "-h", "--help": return .text(info.helpText, .unknown)
        case "-V", "--version": return .text(info.versionLine, .unknown)
        default: break
        }
        guard let code = NumberFormat.cIntegerArgument(first) else {
            throw .usage("Arguments to check_dummy must be an integer")
        }
        guard let status = Status(rawValue: code) else {
            throw .state(.unknown, "UNKNOWN: Status \(code) is not a supported error state")
        }
        var line = status.label
        if arguments.count > 1 { line += ": " + arguments[1] }
        return .text(line + "\n", status)
    }
}
