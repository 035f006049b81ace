#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

/// `check_log -F LOG -O OLDCOPY -q QUERY`: reports lines matching QUERY
/// that appeared in LOG since the last run, as the 2.3.3 shell script does:
/// `diff LOG OLDCOPY`, keep the lines that are not `>` lines, match them,
/// then copy LOG over OLDCOPY.
public enum CheckLog {
    public static let info = PluginInfo(
        name: "check_log",
        // The script's three synopsis lines (its "Other parameters" are in the help).
        usage: """
         check_log -F logfile -O oldlog -q query
         check_log --help
         check_log --version
        """,
        description: """
        Looks for new lines matching a pattern in a log file. Each run compares
        the log with the copy saved by the previous run (diff), reports the
        matching new lines and saves a fresh copy; the first run only saves it.
        """,
        options: """
         -F, --filename=LOGFILE
            The log file to watch.
         -O, --oldlog=OLDCOPY
            Where the copy of the log is kept between runs (one per service).
         -q, --query=QUERY
            The pattern, a basic regular expression as grep takes it.
         -e, --extended-regex
            QUERY (and --exclude) are extended regular expressions (grep -E).
         -p, --perl-regex
            QUERY (and --exclude) are Perl-style regular expressions (grep -P).
         --exclude=PATTERN
            Do not count matching lines that also match PATTERN.
         -a, --all
            Print every matching line, not only the last one.
         -x, --exitstatus=N
            Accepted for compatibility; as in 2.3.3, matches are always CRITICAL.
        """,
        notes: """
        Output: "(N) LINE" and CRITICAL when N new lines match (LINE is the last
        one, prefixed with "< " as diff prints it), else OK. Options take their
        value as the next argument (-F file, not -Ffile); parsing stops at an
        empty argument.

        Examples:
         check_log -F /var/log/auth.log -O /var/lib/nagios/auth.old -q 'authentication failure'
         check_log -F /var/log/app.log -O /var/lib/nagios/app.old -q 'ERROR|FATAL' -e --exclude 'retrying'

        Give each service its own OLDCOPY, and set max_check_attempts 1: a
        match is reported once only.
        """,
        inlineUsage: true
    )

    public enum Syntax: Sendable, Equatable { case basic, extended, perl }

    public struct Configuration: Sendable, Equatable {
        public var logFile = ""
        public var oldLog = ""
        public var query = ""
        public var exclude = ""
        public var syntax = Syntax.basic
        public var all = false
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            let config: Configuration
            switch try configure(arguments) {
            case .exit(let exit): return exit
            case .run(let c): config = c
            }
            return try check(config)
        }
    }

    /// As the 2.3.3 script prints it: `Usage: ` starts each synopsis line
    /// (scripts and tests look for `^Usage: ` on the first line).
    static var usageLines: String { info.usageText }

    /// The script's own argument loop: each option takes the next argument
    /// as its value; the loop stops at the first empty argument.
    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        if arguments.isEmpty { throw .state(.unknown, usageLines) }
        var c = Configuration()
        var extended = false, perl = false
        var i = 0
        func value(_ option: String) throws(PluginError) -> String {
            // The script fails here ("shift: can't shift that many", exit 2); ours says why.
            guard i + 1 < arguments.count else {
                throw .state(.unknown, "check_log: option '\(option)' requires an argument\n" + usageLines)
            }
            defer { i += 2 }
            return arguments[i + 1]
        }
        while i < arguments.count, !arguments[i].isEmpty {
            let arg = arguments[i]
            switch arg {
            case "-h", "--help": return .exit(.text(info.helpText, .ok))
            case "-V", "--version": return .exit(.text(info.versionLine, .ok))
            case "-F", "--filename": c.logFile = try value(arg)
            case "-O", "--oldlog": c.oldLog = try value(arg)
            case "-q", "--query": c.query = try value(arg)
            case "--exclude": c.exclude = try value(arg)
            case "-x", "--exitstatus": _ = try value(arg)
            case "-e", "--extended-regex": extended = true; i += 1
            case "-p", "--perl-regex": perl = true; i += 1
            case "-a", "--all": c.all = true; i += 1
            default: throw .state(.unknown, "Unknown argument: \(arg)\n" + usageLines)
            }
        }
        if extended && perl { throw .state(.unknown, "Can not use extended and perl regex at the same time\n") }
        c.syntax = perl ? .perl : extended ? .extended : .basic
        return .run(c)
    }

    /// A compiled query: POSIX for grep/grep -E, Swift's regex engine for -p.
    enum Matcher {
        case posix(PosixRegex)
        case perl(Regex<AnyRegexOutput>)

        init(_ pattern: String, syntax: Syntax) throws(PluginError) {
            do {
                switch syntax {
                case .basic: self = .posix(try PosixRegex(pattern, options: []))
                case .extended: self = .posix(try PosixRegex(pattern, options: .extended))
                case .perl: self = .perl(try Regex(pattern))
                }
            } catch {
                throw .unknown("invalid regular expression '\(pattern)': \(error)")
            }
        }

        func matches(_ line: String) -> Bool {
            switch self {
            case .posix(let re): re.matches(line)
            case .perl(let re): line.contains(re)
            }
        }
    }

    /// Runs the check against the real files.
    public static func check(_ c: Configuration) throws(PluginError) -> PluginExit {
        let query = try Matcher(c.query, syntax: c.syntax)
        let exclude = c.exclude.isEmpty ? nil : try Matcher(c.exclude, syntax: c.syntax)
        var st = stat()
        if stat(c.logFile, &st) != 0 {
            throw .state(.unknown, "Log check error: Log file \(c.logFile) does not exist!\n")
        }
        if access(c.logFile, R_OK) != 0 {
            throw .state(.unknown, "Log check error: Log file \(c.logFile) is not readable!\n")
        }
        if c.oldLog.isEmpty { throw .state(.unknown, "Oldlog parameter is needed\n") }
        if stat(c.oldLog, &st) != 0 {
            copy(c.logFile, to: c.oldLog)
            return .text("Log check data initialized...\n", .ok)
        }
        let diff = runDiff(c.logFile, c.oldLog)
        copy(c.logFile, to: c.oldLog)
        return evaluate(diffOutput: diff, query: query, exclude: exclude, all: c.all)
    }

    /// Counts and quotes the matching diff lines (the `>` lines, from the
    /// old copy, never count).
    static func evaluate(diffOutput: [String], query: Matcher, exclude: Matcher?, all: Bool) -> PluginExit {
        var matching: [String] = []
        for line in diffOutput where !line.hasPrefix(">") && query.matches(line) {
            if let exclude, exclude.matches(line) { continue }
            matching.append(line)
        }
        if matching.isEmpty { return .text("Log check ok - 0 pattern matches found\n", .ok) }
        var entry = all ? matching.joined(separator: "\n") : matching[matching.count - 1]
        // $(…) drops trailing newlines.
        while entry.hasSuffix("\n") { entry.removeLast() }
        return .text("(\(matching.count)) \(entry)\n", .critical)
    }

    /// `diff LOG OLD` as the script runs it (found in the script's PATH).
    static func runDiff(_ log: String, _ old: String) -> [String] {
        let dirs = ["/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin", "/usr/sbin", "/usr/bin"]
        guard let diff = dirs.map({ $0 + "/diff" }).first(where: { access($0, X_OK) == 0 }) else {
            StandardStream.error.write("check_log: diff: command not found\n")
            return []
        }
        do {
            let out = try Command(path: diff, arguments: [log, old]).run()
            if !out.stderr.isEmpty { StandardStream.error.write(String(decoding: out.stderr, as: UTF8.self)) }
            return out.stdout.lines
        } catch {
            StandardStream.error.write("check_log: \(error)\n")
            return []
        }
    }

    /// `cat LOG > OLD`: truncates and rewrites OLD in place.
    static func copy(_ source: String, to target: String) {
        let bytes: [UInt8]
        do {
            bytes = try readFile(source)
        } catch {
            StandardStream.error.write("check_log: \(error)\n")
            return
        }
        let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            StandardStream.error.write("check_log: cannot create \(target): \(String(cString: strerror(errno)))\n")
            return
        }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                StandardStream.error.write("check_log: write \(target): \(String(cString: strerror(errno)))\n")
                return
            }
            offset += n
        }
    }
}
