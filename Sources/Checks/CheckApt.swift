#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

/// `check_apt [-u|-U|-d[=OPTS]] [-n] [-i RE] [-e RE] [-c RE] [-o] [-l] [-w N]`:
/// simulates an `apt-get upgrade` and counts the packages it would
/// install, security updates separately.
public enum CheckApt {
    public static let info = PluginInfo(
        name: "check_apt",
        usage: "check_apt [[-d|-u|-U]opts] [-n] [-l] [-t timeout] [-w packages-warning]",
        description: """
        Asks apt-get what an upgrade would install (a simulation that changes
        nothing) and reports the number of pending updates: CRITICAL when any
        of them is a security update, WARNING when there are at least
        --packages-warning of them, OK otherwise.
        """,
        options: """
         --extra-opts=[section][@file]
            Read options from an ini file: the section (default: the plugin's
            name) of the file (default: the first of the standard places).
         -t, --timeout=SECONDS
            Give up after this many seconds (default: 10). An update (-u) may
            need more.
         -n, --no-upgrade
            Skip the simulated upgrade (only useful with -u).
         -l, --list
            After the summary, list the packages: security updates first
            (marked "(security)"), each group sorted by name.
         -i, --include=REGEXP
            Count only packages whose apt-get line matches (POSIX extended
            regular expression). May be repeated; the expressions are OR-ed.
         -e, --exclude=REGEXP
            Do not count packages whose line matches. May be repeated.
         -c, --critical=REGEXP
            Lines matching this are security updates (repeatable). The default
            recognises Debian and Ubuntu security archives:
            ^[^\\(]*\\(.* (Debian-Security:|Ubuntu:[^/]*/[^-]*-security)
         -o, --only-critical
            Only security updates change the state; others are just counted.
         -w, --packages-warning=N
            Number of pending updates that makes the result WARNING (default: 1).

        These change the system and need root:
         -u, --update[=OPTS]
            Run `apt-get update` first (default options: -q). A failing update
            makes the result CRITICAL.
         -U, --upgrade[=OPTS]
            Simulate a normal upgrade (the default), optionally with your own
            apt-get options instead of -o 'Debug::NoLocking=true' -s -qq.
            Options without -s perform a REAL upgrade.
         -d, --dist-upgrade[=OPTS]
            Simulate a dist-upgrade instead, with the same OPTS rule.
        """,
        notes: """
        OPTS must be attached: -uOPTS or --update=OPTS. apt-get's output on
        standard error makes the result at least WARNING ("warnings
        detected"); a non-zero exit makes it UNKNOWN ("errors detected").

        Examples:
         check_apt
            APT CRITICAL: 3 packages available for upgrade (1 critical updates).
         check_apt -d -l -e '^Inst linux-'
            dist-upgrade, listing the packages, ignoring kernel packages.
        """
    )

    /// `/usr/bin/apt-get` as Debian's build runs it.
    public static let aptGet = "/usr/bin/apt-get"
    public static let upgradeDefaultOptions = "-o 'Debug::NoLocking=true' -s -qq"
    public static let updateDefaultOptions = "-q"
    /// What counts as a security update unless -c is given.
    public static let securityPattern = "^[^\\(]*\\(.* (Debian-Security:|Ubuntu:[^/]*/[^-]*-security)"

    static let options = OptionParser([
        OptionSpec("h", "help"), OptionSpec("V", "version"), OptionSpec("v", "verbose"),
        OptionSpec("t", "timeout", .required), OptionSpec("u", "update", .optional),
        OptionSpec("U", "upgrade", .optional), OptionSpec("n", "no-upgrade"),
        OptionSpec("d", "dist-upgrade", .optional), OptionSpec("l", "list"),
        OptionSpec("i", "include", .required), OptionSpec("e", "exclude", .required),
        OptionSpec("c", "critical", .required), OptionSpec("o", "only-critical"),
        OptionSpec(nil, "input-file", .required), OptionSpec("w", "packages-warning", .required),
    ])

    public enum Upgrade: Sendable, Equatable { case upgrade, distUpgrade, none }

    public struct Configuration: Sendable, Equatable {
        public var verbose = 0
        public var timeout: UInt32 = Timeout.defaultSeconds
        public var upgrade = Upgrade.upgrade
        public var upgradeOptions: String?
        public var update = false
        public var updateOptions: String?
        public var list = false
        public var include: String?
        public var exclude: String?
        public var critical: String?
        public var onlyCritical = false
        public var packagesWarning = 1
        /// Test-only: read the simulation output from this file (`--input-file`).
        public var inputFile: String?
    }

    /// What one apt-get run gave, as the C plugin records it.
    public struct Run: Sendable, Equatable {
        public var output: AptUpgradeOutput
        public var stderr: [UInt8] = []
        public var failed = false
        public init(output: [UInt8] = [], stderr: [UInt8] = [], failed: Bool = false) {
            self.output = AptUpgradeOutput(bytes: output)
            self.stderr = stderr
            self.failed = failed
        }
        public init(parsed: AptUpgradeOutput) { self.output = parsed }
    }

    /// The packages found, and the flags the summary mentions.
    public struct Findings: Sendable, Equatable {
        public var packages: [String] = []
        public var security: [String] = []
        public var state: Status
        public var stderrWarning = false
        public var execWarning = false
        /// What -v prints to standard output while reading.
        public var trace = ""
        /// What goes to standard error (failed commands, -v copies of stderr).
        public var errors = ""
        public var total: Int { packages.count + security.count }
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in try configure(ExtraOpts.expanded(arguments, plugin: info.name)).run(check) }
    }

    /// Runs apt-get (or reads --input-file) and judges what it printed.
    static func check(_ config: Configuration) throws(PluginError) -> PluginExit {
        Timeout.arm(seconds: config.timeout, state: .critical)
        setenv("LC_ALL", "C", 1)
        var updateRun: Run?
        if config.update { updateRun = try execute(commandLine(.none, options: config.updateOptions)) }
        var upgradeRun: Run?
        var regexes: Regexes?
        if config.upgrade != .none {
            regexes = try compile(config)
            if let file = config.inputFile {
                do throws(SystemError) { upgradeRun = Run(parsed: try AptUpgradeOutput(contentsOf: file)) } catch {
                    throw .state(.unknown, "Error opening \(file): \(String(cString: strerror(error.errno)))")
                }
            } else {
                upgradeRun = try execute(commandLine(config.upgrade, options: config.upgradeOptions))
            }
        }
        Timeout.disarm()
        let findings = evaluate(update: updateRun, upgrade: upgradeRun, regexes: regexes, config)
        if !findings.errors.isEmpty { StandardStream.error.write(findings.errors) }
        return .text(findings.trace + render(findings, config), findings.state)
    }

    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        let parsed = options.parseInOrder(arguments)
        var config = Configuration()
        for option in parsed.options {
            let value = option.value
            switch option.key {
            case "help", "version": return .exit(info.standardExit(option.key))
            case "verbose": config.verbose += 1
            case "timeout":
                guard let v = value, let t = UInt32(v) else { throw .usage("-t/--timeout needs a whole number of seconds, not '\(value ?? "")'") }
                config.timeout = t
            case "dist-upgrade":
                config.upgrade = .distUpgrade
                if let value { config.upgradeOptions = value }
            case "upgrade":
                config.upgrade = .upgrade
                if let value { config.upgradeOptions = value }
            case "no-upgrade": config.upgrade = .none
            case "update":
                config.update = true
                if let value { config.updateOptions = value }
            case "list": config.list = true
            case "include": config.include = alternative(config.include, value ?? "")
            case "exclude": config.exclude = alternative(config.exclude, value ?? "")
            case "critical": config.critical = alternative(config.critical, value ?? "")
            case "only-critical": config.onlyCritical = true
            case "input-file": config.inputFile = value
            case "packages-warning":
                guard let v = value, let n = Int32(v) else { throw .usage("-w/--packages-warning needs a whole number, not '\(value ?? "")'") }
                config.packagesWarning = Int(n)
            default: break
            }
        }
        try parsed.checkRefusal()
        return .run(config)
    }

    /// Repeated -i/-e/-c combine as `(a|b|c)`, as 2.3.3 builds them.
    static func alternative(_ expression: String?, _ next: String) -> String {
        guard let expression else { return "(\(next))" }
        return String(expression.dropLast()) + "|\(next))"
    }

    /// The apt-get command line (one string, split like np_runcmd splits it).
    public static func commandLine(_ upgrade: Upgrade, options: String?) -> String {
        switch upgrade {
        case .upgrade: "\(aptGet) \(options ?? upgradeDefaultOptions) upgrade"
        case .distUpgrade: "\(aptGet) \(options ?? upgradeDefaultOptions) dist-upgrade"
        case .none: "\(aptGet) \(options ?? updateDefaultOptions) update"
        }
    }

    /// np_runcmd's word splitting: blanks separate words, a word starting
    /// with `'` runs to the next `'`. Double quotes, ` ' ` and `'''` are
    /// refused (nil), as are unbalanced quotes.
    public static func split(_ line: String) -> [String]? {
        if line.contains("\"") || line.contains(" ' ") || line.contains("'''") { return nil }
        let blanks: Set<Character> = [" ", "\t", "\r", "\n"]
        var words: [String] = []
        var rest = Substring(line)
        while true {
            rest = rest.drop { blanks.contains($0) }
            if rest.first == "'" {
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: "'") else { return nil }
                if close == rest.startIndex {
                    // np_runcmd keeps the rest of the line, quote and all, and stops.
                    words.append(String(rest))
                    break
                }
                words.append(String(rest[..<close]))
                rest = rest[rest.index(after: close)...]
            } else if let blank = rest.firstIndex(where: { blanks.contains($0) }) {
                words.append(String(rest[..<blank]))
                rest = rest[rest.index(after: blank)...]
            } else {
                words.append(String(rest))
                break
            }
            if rest.allSatisfy({ blanks.contains($0) }) { break }
        }
        return words
    }

    /// Runs a command line; one that cannot be split is UNKNOWN, one that
    /// cannot be started counts as failed, as in the C plugin.
    static func execute(_ line: String) throws(PluginError) -> Run {
        guard let words = split(line), let path = words.first else { throw .state(.unknown, "Could not open pipe: \(line)") }
        do {
            let out = try Command(path: path, arguments: Array(words.dropFirst())).run()
            return Run(output: out.stdout, stderr: out.stderr, failed: out.exitCode != 0)
        } catch {
            return Run(failed: true)
        }
    }

    public struct Regexes {
        public let include: PosixRegex?
        public let exclude: PosixRegex?
        /// `nil`: the default ``securityPattern``, matched by
        /// ``matchesSecurityPattern(_:)`` instead of glibc's regexec.
        public let critical: PosixRegex?

        /// Whether a line is a security update.
        public func isSecurity(_ line: UnsafePointer<CChar>) -> Bool {
            if let critical { return critical.matches(cString: line) }
            return CheckApt.matchesSecurityPattern(line)
        }
    }

    /// Exactly what `regexec` answers for ``securityPattern``,
    /// `^[^\(]*\(.* (Debian-Security:|Ubuntu:[^/]*/[^-]*-security)`, in
    /// the C locale, without building glibc's DFA (which was two thirds of
    /// check_apt's instructions: each new line state costs a `build_trtable`).
    /// Read as POSIX reads it:
    /// - `^[^\(]*\(`: inside brackets a backslash is literal, so the first
    ///   `(` must come before any `\`;
    /// - `.* `: then a space anywhere after that `(`, followed by
    /// - `Debian-Security:`, or
    /// - `Ubuntu:`, the next `/` (no `/` may be skipped), and after it the
    ///   next `-` (none may be skipped) must begin `-security`.
    public static func matchesSecurityPattern(_ line: UnsafePointer<CChar>) -> Bool {
        var i = 0
        while true {
            let c = UInt8(bitPattern: line[i])
            if c == 0 || c == UInt8(ascii: "\\") { return false }
            if c == UInt8(ascii: "(") { break }
            i += 1
        }
        i += 1
        while line[i] != 0 {
            defer { i += 1 }
            guard line[i] == CChar(UInt8(ascii: " ")) else { continue }
            let rest = line + i + 1
            if hasPrefix(rest, "Debian-Security:") { return true }
            guard hasPrefix(rest, "Ubuntu:") else { continue }
            var j = 7
            while rest[j] != 0 && rest[j] != CChar(UInt8(ascii: "/")) { j += 1 }
            guard rest[j] != 0 else { continue }
            j += 1
            while rest[j] != 0 && rest[j] != CChar(UInt8(ascii: "-")) { j += 1 }
            if rest[j] != 0 && hasPrefix(rest + j, "-security") { return true }
        }
        return false
    }

    private static func hasPrefix(_ s: UnsafePointer<CChar>, _ prefix: StaticString) -> Bool {
        let p = prefix.utf8Start
        for k in 0..<prefix.utf8CodeUnitCount where UInt8(bitPattern: s[k]) != p[k] { return false }
        return true
    }

    /// Compiles the three expressions; a bad one is UNKNOWN with regerror's
    /// message (cut to 63 bytes, as 2.3.3 prints it).
    public static func compile(_ config: Configuration) throws(PluginError) -> Regexes {
        func one(_ pattern: String) throws(PluginError) -> PosixRegex {
            do { return try PosixRegex(pattern) } catch {
                let message = String(decoding: error.message.utf8.prefix(63), as: UTF8.self)
                throw .state(.unknown, "check_apt: Error compiling regexp: \(message)")
            }
        }
        let include = try config.include.map { (p: String) throws(PluginError) in try one(p) }
        let exclude = try config.exclude.map { (p: String) throws(PluginError) in try one(p) }
        let critical = try config.critical.map { (p: String) throws(PluginError) in try one(p) }
        return Regexes(include: include, exclude: exclude, critical: critical)
    }

    /// Classifies the packages and combines the states as 2.3.3 does.
    public static func evaluate(update: Run?, upgrade: Run?, regexes: Regexes?, _ config: Configuration) -> Findings {
        var findings = Findings(state: .unknown)
        var result = Status.unknown
        if let update {
            result = .ok
            if update.failed {
                findings.execWarning = true
                result = .critical
                findings.errors += "'\(commandLine(.none, options: config.updateOptions))' exited with non-zero status.\n"
            }
            if config.verbose > 0 { findings.trace += update.output.text }
            if !update.stderr.isEmpty {
                findings.stderrWarning = true
                result = Status.combinedClassic(result, .warning)
                if config.verbose > 0 { findings.errors += update.stderr.lines.map { $0 + "\n" }.joined() }
            }
        }
        var upgradeState = Status.ok
        if let upgrade, let regexes {
            upgradeState = .ok
            if upgrade.failed {
                findings.execWarning = true
                upgradeState = .unknown
                findings.errors += "'\(commandLine(config.upgrade, options: config.upgradeOptions))' exited with non-zero status.\n"
            }
            let output = upgrade.output
            output.forEachLine { i, line in
                if config.verbose > 0 { findings.trace += output.line(i) + "\n" }
                guard output.isInstallLine(i) else { return }
                if let include = regexes.include, !include.matches(cString: line) { return }
                if let exclude = regexes.exclude, exclude.matches(cString: line) { return }
                if regexes.isSecurity(line) {
                    findings.security.append(output.packageName(i))
                    if config.verbose > 0 { findings.trace += "*" }
                } else {
                    findings.packages.append(output.packageName(i))
                }
                if config.verbose > 0 { findings.trace += "*\(output.line(i))\n" }
            }
            if config.inputFile == nil && !upgrade.stderr.isEmpty {
                findings.stderrWarning = true
                upgradeState = Status.combinedClassic(upgradeState, .warning)
                if config.verbose > 0 { findings.errors += upgrade.stderr.lines.map { $0 + "\n" }.joined() }
            }
        }
        result = Status.combinedClassic(result, upgradeState)
        if !findings.security.isEmpty {
            result = Status.combinedClassic(result, .critical)
        } else if findings.total >= config.packagesWarning && !config.onlyCritical {
            result = Status.combinedClassic(result, .warning)
        }
        findings.state = result
        return findings
    }

    public static func render(_ f: Findings, _ config: Configuration) -> String {
        let what = config.upgrade == .distUpgrade ? "dist-upgrade" : "upgrade"
        var notes = f.stderrWarning ? " warnings detected" : ""
        if f.stderrWarning && f.execWarning { notes += "," }
        if f.execWarning { notes += " errors detected" }
        if f.stderrWarning || f.execWarning { notes += "." }
        var text = "APT \(f.state.label): \(f.total) packages available for \(what) (\(f.security.count) critical updates). "
        text += "\(notes)|available_upgrades=\(f.total);;;0 critical_updates=\(f.security.count);;;0\n"
        if config.list {
            for name in sortedBytewise(f.security) { text += "\(name) (security)\n" }
            if !config.onlyCritical {
                for name in sortedBytewise(f.packages) { text += "\(name)\n" }
            }
        }
        return text
    }

    /// `qsort` with `strcmp`: byte order.
    static func sortedBytewise(_ names: [String]) -> [String] {
        names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
