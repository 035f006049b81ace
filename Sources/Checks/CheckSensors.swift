#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

/// `check_sensors [--ignore-fault] [-v]`: runs lm-sensors' `sensors` and
/// reports an alarm or a faulty sensor. Like the 2.3.3 shell script, only
/// the first argument is looked at.
public enum CheckSensors {
    public static let info = PluginInfo(
        name: "check_sensors",
        usage: "check_sensors [--ignore-fault]",
        description: """
        Runs the lm-sensors command `sensors` and reports CRITICAL when any
        chip reports an ALARM, UNKNOWN when a sensor reports a FAULT, and OK
        otherwise.
        """,
        options: """
         -i, --ignore-fault
            Do not turn a FAULT reading into UNKNOWN.
         -v, --verbose
            Print everything `sensors` printed after the result line.
        """,
        notes: """
        Only the first argument counts; -h and -V exit 0 here, as with the
        2.3.3 script. `sensors` is looked up in /usr/local/sbin,
        /usr/local/bin, /sbin, /bin, /usr/sbin and /usr/bin (install the
        lm-sensors package). If it exits non-zero the result is WARNING; if
        it cannot be found, UNKNOWN.

        Examples:
         check_sensors
         check_sensors --ignore-fault
        """,
        inlineUsage: true
    )

    /// The directories the 2.3.3 script sets `PATH` to before running `sensors`.
    public static let searchPath = ["/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin", "/usr/sbin", "/usr/bin"]

    /// Test-only: `VIGIL_TEST_SENSORS=/path/to/fake-sensors` runs that
    /// program instead of `sensors` (documented in docs/plugins/check_sensors.md).
    public static let overrideVariable = "VIGIL_TEST_SENSORS"

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            let first = arguments.first ?? ""
            if let exit = informational(first) { return exit }
            return evaluate(run(), firstArgument: first)
        }
    }

    /// `-h`/`--help` and `-V`/`--version` as the first argument (exit 0).
    public static func informational(_ first: String) -> PluginExit? {
        switch first {
        case "-h", "--help": return .text(info.helpText, .ok)
        case "-V", "--version": return .text(info.versionLine, .ok)
        default: return nil
        }
    }

    /// Runs `sensors` with both outputs merged, as `$(sensors 2>&1)` does;
    /// exit code 127 when it is not found.
    static func run() -> Command.Output {
        var path: String?
        if let override = getenv(overrideVariable) {
            path = String(cString: override)
        } else {
            path = nil
            for directory in searchPath where access(directory + "/sensors", X_OK) == 0 {
                path = directory + "/sensors"
                break
            }
        }
        guard let path else { return Command.Output(stdout: [], stderr: [], exitCode: 127) }
        do {
            var out = try Command(path: path, arguments: []).run(killOnTimeout: false)
            out.stdout += out.stderr
            out.stderr = []
            return out
        } catch {
            return Command.Output(stdout: [], stderr: [], exitCode: 127)
        }
    }

    /// The 2.3.3 decision, in its order: not found, failed, ALARM, FAULT.
    public static func evaluate(_ output: Command.Output, firstArgument: String) -> PluginExit {
        let text: String
        let status: Status
        let reading = SensorsReading(output.stdout)
        if output.exitCode == 127 {
            (text, status) = ("SENSORS UNKNOWN - command not found (did you install lmsensors?)", .unknown)
        } else if output.exitCode != 0 {
            (text, status) = ("WARNING - sensors returned state \(output.exitCode)", .warning)
        } else if reading.hasAlarm {
            (text, status) = ("SENSOR CRITICAL - Sensor alarm detected!", .critical)
        } else if reading.hasFault && firstArgument != "-i" && firstArgument != "--ignore-fault" {
            (text, status) = ("SENSOR UNKNOWN - Sensor reported fault", .unknown)
        } else {
            (text, status) = ("SENSORS OK", .ok)
        }
        var out = text + "\n"
        if firstArgument == "-v" || firstArgument == "--verbose" { out += reading.shellText + "\n" }
        return .text(out, status)
    }
}
