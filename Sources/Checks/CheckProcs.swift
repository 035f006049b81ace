#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

/// `check_procs [-w RANGE] [-c RANGE] [-m METRIC] [filters…]`: counts the
/// processes that match the filters, or checks each one's memory, CPU or
/// age, from the output of `ps`.
public enum CheckProcs {
    public static let info = PluginInfo(
        name: "check_procs",
        usage: """
        check_procs -w <range> -c <range> [-m metric] [-s state] [-p ppid]
         [-u user] [-r rss] [-z vsz] [-P %cpu] [-a argument-array]
         [-C command] [-k] [-t timeout] [-v]
        """,
        description: """
        Looks at the processes listed by ps. By default it counts those that
        pass every filter given and compares the count with the ranges;
        with --metric it compares each matching process's size, CPU share or
        age instead and reports how many are beyond the ranges.
        """,
        options: """
         --extra-opts=[section][@file]
            Read options from an ini file: the section (default: the plugin's
            name) of the file (default: the first of the standard places).
         -w, --warning=RANGE
            WARNING when the metric is outside RANGE (N means above N,
            N: below N, @A:B inside A..B).
         -c, --critical=RANGE
            CRITICAL when the metric is outside RANGE.
         -m, --metric=PROCS|VSZ|RSS|CPU|ELAPSED
            What the ranges apply to: the number of matching processes
            (PROCS, the default), or per process its virtual size (VSZ, KiB),
            resident size (RSS, KiB), CPU percentage (CPU) or running time
            in seconds (ELAPSED).
         -t, --timeout=SECONDS[:STATE]
            Give up after SECONDS (default 10) with STATE (default CRITICAL).
         -v, --verbose
            -v adds the names of the processes beyond the ranges; -vv lists
            each matching process; -vvv shows every ps line as it is read.
         -T, --traditional-filter
            Leave out only this plugin's own process id, instead of every
            other running copy of this plugin.

        Filters (a process must pass all that are given):
         -s, --status=FLAGS
            ps state flags that must appear, together and in this order, in
            the process state (Z, D, R, Ss …).
         -p, --ppid=PID
            Children of process PID only.
         -u, --user=USER
            Processes of this user name or numeric user id.
         -C, --command=NAME
            Processes whose command name (without directory) is exactly NAME.
         -a, --argument-array=TEXT
            Processes whose command line contains TEXT.
         --ereg-argument-array=REGEX
            Processes whose command line matches the POSIX extended REGEX.
         -r, --rss=KIB
            Resident size of at least KIB.
         -z, --vsz=KIB
            Virtual size of at least KIB.
         -P, --pcpu=PERCENT
            CPU share of at least PERCENT.
         -k, --no-kthreads
            Leave out Linux kernel threads (the children of kthreadd).
            The long form takes a value, which is ignored (as in 2.3.3).
        """,
        notes: """
        Arguments after the options, if any, are the warning range, the
        critical range and the status flags, in that order.

        Examples:
         check_procs -w 1:1 -c 1:5 -C sshd
            WARNING unless exactly one sshd; CRITICAL with none or more than 5.
         check_procs -s Z -w 5 -c 20
            Zombie processes: WARNING above 5, CRITICAL above 20.
         check_procs -m RSS -w 500000 -c 1000000 -u www-data
            Alerts for each www-data process using more than ~500 MB / 1 GB.
         check_procs -m CPU -w 80 -c 95 -v
            Alerts for busy processes and names them.

        Perfdata: procs=COUNT;WARN;CRIT;0; for PROCS, otherwise the count
        plus procs_warn and procs_crit, the processes beyond each range.
        For tests, --input-file=FILE reads saved ps output instead of
        running ps.
        """
    )

    static let options = OptionParser([
        // Long names in 2.3.3's longopts order: getopt lists an ambiguous
        // abbreviation's candidates in that order (`--v`: vsz, version, verbose).
        OptionSpec("h", "help"),
        OptionSpec("w", "warning", .required), OptionSpec("c", "critical", .required),
        OptionSpec("m", "metric", .required), OptionSpec("t", "timeout", .required),
        OptionSpec("s", "status", .required), OptionSpec("p", "ppid", .required),
        OptionSpec("u", "user", .required), OptionSpec("C", "command", .required),
        OptionSpec("z", "vsz", .required), OptionSpec("V", "version"), OptionSpec("v", "verbose"),
        OptionSpec("r", "rss", .required),
        OptionSpec("P", "pcpu", .required), OptionSpec(nil, "elapsed", .required),
        OptionSpec("a", "argument-array", .required), OptionSpec(nil, "ereg-argument-array", .required),
        OptionSpec(nil, "input-file", .required), OptionSpec("T", "traditional-filter"),
        // 2.3.3: -k takes no value but --no-kthreads requires one.
        OptionSpec("k", nil, key: "no-kthreads"), OptionSpec(nil, "no-kthreads", .required),
    ])

    public enum Metric: String, Sendable, CaseIterable {
        case procs = "PROCS", vsz = "VSZ", rss = "RSS", cpu = "CPU", elapsed = "ELAPSED"
    }

    /// The process filters; a process must pass every one that is set.
    public struct Filters {
        public var state: String?
        public var ppid: Int32?
        public var uid: Int32?
        public var command: String?
        public var argument: String?
        public var regex: PosixRegex?
        public var rss: Int32?
        public var vsz: Int32?
        public var pcpu: Float?

        public init() {}

        public func matches(_ p: ProcessEntry) -> Bool {
            if let state, !p.stat.contains(substring: state) { return false }
            if let argument, !p.args.contains(substring: argument) { return false }
            if let regex, !regex.matches(p.args) { return false }
            if let command, command != p.command { return false }
            if let ppid, p.ppid != ppid { return false }
            if let uid, p.uid != uid { return false }
            if let vsz, p.vsz < vsz { return false }
            if let rss, p.rss < rss { return false }
            if let pcpu, p.pcpu < pcpu { return false }
            return true
        }
    }

    public struct Configuration {
        /// The range texts as given (printed back in perfdata).
        public var warning: String?
        public var critical: String?
        public var thresholds = Thresholds()
        public var metric = Metric.procs
        /// The word the summary starts with: what `-m` said (PROCS by default).
        public var metricName = "PROCS"
        public var filters = Filters()
        /// "with …" text of the summary: the filters in the order given.
        public var description = ""
        public var verbose = 0
        public var noKernelThreads = false
        public var traditional = false
        public var inputFile: String?
        public var timeoutSeconds = Timeout.defaultSeconds
        public var timeoutState = Status.critical

        public init() {}
    }

    /// This plugin's own process, which it leaves out of the count, with
    /// its parent (a wrapper such as a shell or `negate`).
    public struct Identity: Sendable, Equatable {
        public var pid: Int32
        public var ppid: Int32
        /// The program file this process runs; `nil` makes the plugin
        /// compare process ids only (as `-T` does).
        public var executable: FileIdentity?
        /// The command name ps shows for copies of this plugin (`check_procs`).
        public var command: String

        public init(pid: Int32, ppid: Int32, executable: FileIdentity?, command: String) {
            self.pid = pid
            self.ppid = ppid
            self.executable = executable
            self.command = command
        }

        /// The running process.
        public static func current() -> Identity {
            let name = Substring((CommandLine.arguments.first ?? "check_procs").split(separator: "/").last ?? "")
            return Identity(pid: getpid(), ppid: getppid(), executable: FileIdentity.executable(of: getpid(), root: .live),
                            command: String(decoding: name.utf8.prefix(15), as: UTF8.self))
        }
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            try configure(ExtraOpts.expanded(arguments, plugin: info.name)).run { config throws(PluginError) in
                let me = Identity.current()
                Timeout.arm(seconds: config.timeoutSeconds, state: config.timeoutState)
                let input = try readInput(config)
                return evaluate(input, config, me: me) { FileIdentity.executable(of: $0, root: .live) }
            }
        }
    }

    /// The ps output (from ps, or from `--input-file`) and the state ps
    /// ended with (0 for a file).
    public struct Input: Sendable, Equatable {
        /// The lines without their newline, header first.
        public var lines: [[UInt8]]
        public var exitCode: Int32
        public init(output: [UInt8], exitCode: Int32 = 0) {
            lines = ProcessTable.lines(output)
            self.exitCode = exitCode
        }
        public init(lines: [String], exitCode: Int32 = 0) {
            self.lines = lines.map { Array($0.utf8) }
            self.exitCode = exitCode
        }
    }

    static func readInput(_ config: Configuration) throws(PluginError) -> Input {
        let trace = config.verbose >= 2 ? "CMD: \(ProcessTable.commandLine)\n" : ""
        if let file = config.inputFile {
            do { return Input(output: try readFile(file)) } catch {
                throw .state(.unknown, trace + "Error opening \(file): \(String(cString: strerror(error.errno)))")
            }
        }
        let output: Command.Output
        do { output = try ProcessTable.run() } catch {
            throw .state(.unknown, trace + "UNKNOWN - \(error)")
        }
        if let first = output.stderr.lines.first {
            throw .state(.warning, trace + "System call sent warnings to stderr: \(first)")
        }
        return Input(output: output.stdout, exitCode: output.exitCode)
    }

    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        let parsed = options.parseInOrder(arguments)
        var c = Configuration()
        func describe(_ text: String) { c.description += (c.description.isEmpty ? "" : ", ") + text }
        /// `-s`, `-C`, `-a`: the first one given counts.
        func first(_ field: WritableKeyPath<Filters, String?>, _ value: String, _ text: String) {
            guard c.filters[keyPath: field] == nil else { return }
            c.filters[keyPath: field] = value
            describe(text)
        }
        /// `-p`, `-r`, `-z`: an integer; the last one counts, each is described.
        func integer(_ field: WritableKeyPath<Filters, Int32?>, _ value: String, _ text: String,
                     _ error: String) throws(PluginError) {
            guard let v = scanInteger(value) else { throw .usage(error) }
            c.filters[keyPath: field] = v
            describe(text + String(v))
        }
        for option in parsed.options {
            let value = option.value ?? ""
            switch option.key {
            case "help", "version": return .exit(info.standardExit(option.key))
            case "timeout": (c.timeoutSeconds, c.timeoutState) = try Timeout.parse(value)
            case "warning": c.warning = value
            case "critical": c.critical = value
            case "ppid": try integer(\.ppid, value, "PPID = ", "Parent Process ID must be an integer!")
            case "rss": try integer(\.rss, value, "RSS >= ", "RSS must be an integer!")
            case "vsz": try integer(\.vsz, value, "VSZ >= ", "VSZ must be an integer!")
            case "status": first(\.state, value, "STATE = \(value)")
            case "command": first(\.command, value, "command name '\(value)'")
            case "argument-array": first(\.argument, value, "args '\(value)'")
            case "user":
                let (uid, name) = try user(value)
                c.filters.uid = uid
                describe("UID = \(uid) (\(name))")
            case "ereg-argument-array":
                do { c.filters.regex = try PosixRegex(value, options: .extended) } catch {
                    throw .state(.unknown, "PROCS UNKNOWN: Could not compile regular expression - \(error.message)")
                }
                describe("regex args '\(String(value.map { $0 == "|" ? "," : $0 }))'")
            case "pcpu":
                guard let v = scanFloat(value) else { throw .usage("PCPU must be a float!") }
                c.filters.pcpu = v
                describe("PCPU >= \(FixedPoint.format(Double(v), decimals: 2))")
            case "metric":
                c.metricName = value
                guard let m = Metric(rawValue: value) else {
                    throw .usage("Metric must be one of PROCS, VSZ, RSS, CPU, ELAPSED!")
                }
                c.metric = m
            case "no-kthreads": c.noKernelThreads = true
            case "verbose": c.verbose += 1
            case "traditional-filter": c.traditional = true
            case "input-file": c.inputFile = value
            default: break  // --elapsed: accepted and ignored, as in 2.3.3
            }
        }
        try parsed.checkRefusal()
        var operands = parsed.operands[...]
        if c.warning == nil { c.warning = operands.popFirst() }
        if c.critical == nil { c.critical = operands.popFirst() }
        if c.filters.state == nil, let state = operands.popFirst() { first(\.state, state, "STATE = \(state)") }
        do { c.thresholds = try Thresholds(warning: c.warning, critical: c.critical) } catch { throw PluginError(error) }
        return .run(c)
    }

    /// `sscanf(text, "%d%[^0-9]") == 1`: an integer with nothing after it.
    static func scanInteger(_ text: String) -> Int32? {
        var s = CScanner(text)
        guard let v = s.int(), s.atEnd else { return nil }
        return v
    }

    /// `sscanf(text, "%f%[^0-9.]") == 1`: a number, optionally followed by
    /// digits or dots (so `1.5.5` reads as 1.5, as in 2.3.3).
    static func scanFloat(_ text: String) -> Float? {
        var s = CScanner(text)
        guard let v = s.float() else { return nil }
        if let next = s.rest.first, !(next == UInt8(ascii: ".") || (next >= 0x30 && next <= 0x39)) { return nil }
        return v
    }

    /// `-u`: a user id (digits, blanks and `-` as the C plugin's
    /// `is_integer` allows) that must exist, or a user name.
    static func user(_ text: String) throws(PluginError) -> (Int32, String) {
        if let uid = NumberFormat.cIntegerArgument(text) {
            guard let pw = Passwd.user(id: UInt32(bitPattern: uid)) else { throw .usage("UID was not found - \(text)") }
            return (uid, pw.name)
        }
        guard let pw = Passwd.user(named: text) else { throw .usage("User name was not found - \(text)") }
        return (Int32(bitPattern: pw.uid), pw.name)
    }

    /// Counts and checks the processes in `input`. `executable(pid)` says
    /// which program a listed process runs, to recognise copies of this
    /// plugin.
    public static func evaluate(_ input: Input, _ config: Configuration, me: Identity,
                                executable: (Int32) -> FileIdentity?) -> PluginExit {
        var trace = config.verbose >= 2 ? "CMD: \(ProcessTable.commandLine)\n" : ""
        if config.verbose >= 2 { trace.reserveCapacity(input.lines.count * 256) }
        let usePid = config.traditional || me.executable == nil
        var parser = ProcessTable.Parser()
        var kthreadd: Int32 = 0
        var found = 0, procs = 0, warn = 0, crit = 0
        var fails: [String] = []
        var status = Status(rawValue: input.exitCode) ?? .unknown
        let f2 = { (v: Float) in FixedPoint.format(Double(v), decimals: 2) }
        for line in input.lines.dropFirst() {
            if config.verbose >= 3 { trace += String(decoding: line, as: UTF8.self) }
            guard let p = parser.parse(line) else {
                // 2.3.3 prints no line text and no newline here (-vvv shows the line).
                if config.verbose > 0 { trace += "Not parseable: " }
                continue
            }
            let seconds = config.metric == .elapsed ? p.elapsedSeconds : 0
            if config.verbose >= 3 {
                if config.metric == .elapsed, let seconds { trace += "seconds: \(seconds)\n" }
                // Appended piece by piece into the one trace string: an
                // interpolated line per process cost more than the C plugin's printf.
                trace += "proc#="; trace += String(procs); trace += " uid="; trace += String(p.uid)
                trace += " vsz="; trace += String(p.vsz); trace += " rss="; trace += String(p.rss)
                trace += " pid="; trace += String(p.pid); trace += " ppid="; trace += String(p.ppid)
                trace += " pcpu="; trace += f2(p.pcpu); trace += " stat="; trace += p.stat
                trace += " etime="; trace += p.etime; trace += " prog="; trace += p.command
                trace += " args="; trace += p.args; trace += "\n"
            }
            if usePid ? p.pid == me.pid : (p.command == me.command && executable(p.pid) == me.executable) {
                continue  // this plugin, or another copy of it
            }
            if p.pid == me.ppid { continue }
            if config.noKernelThreads {
                if kthreadd == 0 && p.command == "kthreadd" { kthreadd = p.pid }
                if kthreadd == p.ppid {
                    if config.verbose >= 2 {
                        trace += "Ignore kernel thread: pid=\(p.pid) ppid=\(p.ppid) prog=\(p.command) args=\(p.args)\n"
                    }
                    continue
                }
            }
            found += 1
            guard config.filters.matches(p) else { continue }
            procs += 1
            if config.verbose >= 2 {
                trace += "Matched: uid="; trace += String(p.uid); trace += " vsz="; trace += String(p.vsz)
                trace += " rss="; trace += String(p.rss); trace += " pid="; trace += String(p.pid)
                trace += " ppid="; trace += String(p.ppid); trace += " pcpu="; trace += f2(p.pcpu)
                trace += " stat="; trace += p.stat; trace += " etime="; trace += p.etime
                trace += " prog="; trace += p.command; trace += " args="; trace += p.args; trace += "\n"
            }
            let value: Double
            switch config.metric {
            case .procs: continue
            case .vsz: value = Double(p.vsz)
            case .rss: value = Double(p.rss)
            case .cpu: value = Double(p.pcpu)
            case .elapsed: value = Double(seconds ?? 0)
            }
            let s = config.thresholds.status(of: value)
            if s == .warning { warn += 1 } else if s == .critical { crit += 1 } else { continue }
            fails.append(p.command)
            status = Status.combinedClassic(status, s)
        }
        if found == 0 { return .text(trace + "Unable to read output\n", .unknown) }
        if status == .unknown { status = .ok }
        if config.metric == .procs {
            status = Status.combinedClassic(status, config.thresholds.status(of: Double(procs)))
        }
        var summary = "\(config.metricName) \(status.label): "
        if config.metric != .procs {
            if status == .warning { summary += "\(warn) warn out of " }
            if status == .critical { summary += "\(crit) crit, \(warn) warn out of " }
        }
        summary += procs == 1 ? "1 process" : "\(procs) processes"
        if !config.description.isEmpty { summary += " with \(config.description)" }
        if config.verbose >= 1 && !fails.isEmpty { summary += " [\(fails.joined(separator: ", "))]" }
        let perfdata: [PerfDatum?]
        if config.metric == .procs {
            perfdata = [try? PerfDatum(label: "procs", value: String(procs), warning: config.warning ?? "",
                                       critical: config.critical ?? "", minimum: "0", layout: .integer)]
        } else {
            perfdata = [("procs", procs), ("procs_warn", warn), ("procs_crit", crit)].map {
                try? PerfDatum.integer($0.0, Int64($0.1), minimum: 0)
            }
        }
        let result = CheckResult(status: status, summary: summary, perfdata: perfdata.compactMap { $0 })
        return .text(trace + result.rendered, status)
    }
}

extension String {
    /// `strstr(self, needle) != NULL`, byte for byte (an empty needle matches).
    func contains(substring needle: String) -> Bool {
        // strstr, as the C plugin matches: the generic `utf8.firstRange(of:)`
        // looked up type metadata on every call, ~150,000 instructions per
        // process line with -a (ten times the C plugin's whole run).
        needle.isEmpty || withCString { haystack in needle.withCString { strstr(haystack, $0) != nil } }
    }
}
