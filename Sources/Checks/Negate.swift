import NagiosPlugin

/// `negate [-t N[:STATE]] [-T STATE] [-o|-w|-c|-u STATE] [-s] /path/to/plugin args…`:
/// runs another plugin and maps its state (by default OK ↔ CRITICAL).
public enum Negate {
    public static let info = PluginInfo(
        name: "negate",
        // 2.3.3's synopsis; the -t timeout:STATE extension is described in the help.
        usage: "negate [-t timeout] [-Towcu STATE] [-s] <definition of wrapped plugin>",
        description: """
        Runs another plugin and changes the state it returns: by default OK
        becomes CRITICAL and CRITICAL becomes OK, WARNING and UNKNOWN stay.
        The options below map each state to any other.
        """,
        options: """
         -t, --timeout=INTEGER[:STATE]
            Seconds before the wrapped plugin is killed (default: 11); the
            optional STATE is the result then (default: CRITICAL).
            Keep it longer than the plugin's own timeout to keep its state.
         -T, --timeout-result=STATE
            The result when the timeout above fires.
         -o, --ok=STATE
         -w, --warning=STATE
         -c, --critical=STATE
         -u, --unknown=STATE
            What the wrapped plugin's OK, WARNING, CRITICAL or UNKNOWN becomes.
            STATE is OK, WARNING, CRITICAL or UNKNOWN (any case) or 0-3.
         -s, --substitute
            Also replace the state word (in capitals) in the plugin's output.
        """,
        notes: """
        Examples:
         negate /usr/lib/nagios/plugins/check_tcp -H host -p 23
            CRITICAL while the port answers, OK when it does not.
         negate -w OK -c UNKNOWN /usr/lib/nagios/plugins/check_procs -C vi
            WARNING becomes OK, CRITICAL becomes UNKNOWN.

        Notes:
         The wrapped plugin must be given with its path (/… or ./…): negate
         does not search PATH. If it prints nothing, negate reports UNKNOWN
         (or the plugin's state when that is WARNING or CRITICAL).
         A definition given as one argument ('/path/check_x -H host') is
         split into words at blanks, 'single quotes' grouping, without a
         shell; one containing a double quote is not run.
        """
    )

    static let options = OptionParser([
        OptionSpec("h", "help"), OptionSpec("V", "version"),
        OptionSpec("t", "timeout", .required), OptionSpec("T", "timeout-result", .required),
        OptionSpec("o", "ok", .required), OptionSpec("w", "warning", .required),
        OptionSpec("c", "critical", .required), OptionSpec("u", "unknown", .required),
        OptionSpec("s", "substitute"),
    ], stopAtFirstOperand: true)

    /// What the command line asks for.
    public struct Configuration: Sendable, Equatable {
        public var timeoutSeconds: UInt32 = 11
        public var timeoutState: Status = .critical
        /// `map[s.rawValue]` is what state `s` of the wrapped plugin becomes.
        public var map: [Status] = [.critical, .warning, .ok, .unknown]
        public var substitute = false
        public var command: [String] = []
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            let config: Configuration
            switch try configure(arguments) {
            case .exit(let exit): return exit
            case .run(let c): config = c
            }
            Timeout.arm(seconds: config.timeoutSeconds, state: config.timeoutState)
            let output: Command.Output
            do {
                // One operand is a whole command line (a quoted definition),
                // split as cmd_run splits it; a string it refuses gives no output.
                let argv = config.command.count == 1 ? Command.splitLikeCmdRun(config.command[0]) : config.command
                if let argv, let program = argv.first {
                    output = try Command(path: program, arguments: Array(argv.dropFirst())).run()
                } else {
                    output = Command.Output(stdout: [], stderr: [], exitCode: Status.unknown.exitCode)
                }
            } catch {
                StandardStream.error.write("negate: \(error)\n")
                output = Command.Output(stdout: [], stderr: [], exitCode: Status.unknown.exitCode)
            }
            Timeout.disarm()
            if !output.stderr.isEmpty { StandardStream.error.write(String(decoding: output.stderr, as: UTF8.self)) }
            return evaluate(output, config)
        }
    }


    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        if arguments.isEmpty { throw .usage("Could not parse arguments") }
        let parsed: ParsedArguments
        parsed = options.parseInOrder(arguments)
        var config = Configuration()
        for option in parsed.options {
            switch option.key {
            // 2.3.3's negate exits 0 here (most C plugins exit 3).
            case "help": return .exit(.text(info.helpText, .ok))
            case "version": return .exit(.text(info.versionLine, .ok))
            case "timeout":
                let (seconds, state) = try Timeout.parse(option.value ?? "", defaultState: config.timeoutState)
                config.timeoutSeconds = seconds
                config.timeoutState = state
            case "timeout-result":
                config.timeoutState = try state(option.value, "Timeout result")
            case "ok": config.map[0] = try state(option.value, "Ok")
            case "warning": config.map[1] = try state(option.value, "Warning")
            case "critical": config.map[2] = try state(option.value, "Critical")
            case "unknown": config.map[3] = try state(option.value, "Unknown")
            case "substitute": config.substitute = true
            default: break
            }
        }
        try parsed.checkRefusal()
        guard let program = parsed.operands.first else { throw .usage("Could not parse arguments") }
        guard program.hasPrefix("/") || program.hasPrefix("./") else { throw .usage("Require path to command") }
        config.command = parsed.operands
        return .run(config)
    }

    private static func state(_ text: String?, _ what: String) throws(PluginError) -> Status {
        guard let text, let s = Status(argument: text) else {
            throw .usage("\(what) must be a valid state name (OK, WARNING, CRITICAL, UNKNOWN) or integer (0-3).")
        }
        return s
    }

    /// Maps the wrapped plugin's exit code and output.
    public static func evaluate(_ output: Command.Output, _ config: Configuration) -> PluginExit {
        let code = output.exitCode
        let lines = output.stdout.lines
        let original = Status(rawValue: code)
        if lines.isEmpty {
            // max_state_alt(code, UNKNOWN): WARNING and CRITICAL outrank UNKNOWN.
            let s = original.map { $0.worst(.unknown) } ?? .unknown
            return .text("No data returned from command\n", s)
        }
        guard let original else {
            // Not a plugin state (Nagios calls it out of bounds): UNKNOWN,
            // output unchanged.
            return .text(lines.map { $0 + "\n" }.joined(), .unknown)
        }
        let mapped = config.map[Int(original.rawValue)]
        var text = ""
        for var line in lines {
            if config.substitute && mapped != original {
                line = line.replacingAll(original.label, with: mapped.label)
            }
            text += line + "\n"
        }
        return .text(text, mapped)
    }
}

extension String {
    /// Every occurrence of `target` replaced, scanning left to right, byte
    /// for byte as the C plugin's strstr loop does. (The generic
    /// `firstRange(of:)` looked up type metadata on every call: ~130,000
    /// instructions per output line.)
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        let hay = Array(utf8), needle = Array(target.utf8), with = Array(replacement.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(hay.count)
        var i = 0
        while i < hay.count {
            var found = i + needle.count <= hay.count
            var k = 0
            while found && k < needle.count {
                if hay[i + k] != needle[k] { found = false }
                k += 1
            }
            if found {
                out.append(contentsOf: with)
                i += needle.count
            } else {
                out.append(hay[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
