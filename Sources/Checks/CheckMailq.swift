#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

/// `check_mailq -w N -c N [-W N -C N] [-M MTA] [-t S] [-s] [-d DIR] [-v]`:
/// counts the messages waiting in the mail queue.
public enum CheckMailq {
    public static let usageLine = "check_mailq -w <warn> -c <crit> [-W <warn>] [-C <crit>] [-M <MTA>] [-t <timeout>] [-s] [-d <CONFIGDIR>] [-v]"

    public static let info = PluginInfo(
        name: "check_mailq",
        usage: usageLine,
        description: """
        Counts the messages in the mail server's queue, using the MTA's own
        listing command, and compares the count with -w/-c. For sendmail it
        also counts messages per sender and destination domain (-W/-C).
        """,
        options: """
         -w, --warning=N
            WARNING from N queued messages on (required; must be below -c).
         -c, --critical=N
            CRITICAL from N queued messages on (required).
         -W, --warning-domain=N
            sendmail: WARNING when N messages come from or go to one domain.
            qmail: applied to the messages not yet preprocessed.
         -C, --critical-domain=N
            As -W, for CRITICAL (must be above -W).
         -M, --mailserver=MTA
            sendmail, qmail, postfix, exim or nullmailer. Without it the MTA
            is guessed from what is installed (qmail, postfix, exim,
            nullmailer, else sendmail).
         -t, --timeout=SECONDS
            WARNING when the listing takes longer than this (default: 15).
         -s, --sudo
            Run the listing command through /usr/bin/sudo.
         -d, --configdir=DIR
            postfix: the configuration directory (passed as mailq -C DIR).
         -v, --verbose
            Print what was read while reading it.
        """,
        notes: """
        The queue is read with /usr/bin/mailq (sendmail, postfix, exim and
        nullmailer all provide it) or qmail-qstat. Reading the queue usually
        needs root or the MTA's trusted user: use -s with a sudo rule.

        Examples:
         check_mailq -w 50 -c 200
         check_mailq -M postfix -w 100 -c 500 -s
        """,
        inlineUsage: true
    )

    /// Debian's build: the listing command, sudo, and the default timeout.
    public static let mailqPath = "/usr/bin/mailq"
    public static let sudoPath = "/usr/bin/sudo"
    public static let defaultTimeout = 15
    /// Where qmail-qstat is looked for (Debian's build has none configured).
    public static let qmailQstatCandidates = ["/var/qmail/bin/qmail-qstat", "/usr/sbin/qmail-qstat", "/usr/bin/qmail-qstat"]
    /// Test-only overrides of the two listing commands (see docs/plugins/check_mailq.md).
    public static let mailqVariable = "VIGIL_TEST_MAILQ"
    public static let qstatVariable = "VIGIL_TEST_QMAIL_QSTAT"

    static let options = OptionParser([
        OptionSpec("V", "version"), OptionSpec("v", "verbose"), OptionSpec("h", "help"),
        OptionSpec("M", "mailserver", .optional), OptionSpec("w", "warning", .required),
        OptionSpec("c", "critical", .required), OptionSpec("W", "warning-domain", .required),
        OptionSpec("C", "critical-domain", .required), OptionSpec("t", "timeout", .required),
        OptionSpec("s", "sudo"), OptionSpec("d", "configdir", .optional),
    ])

    public struct Configuration: Sendable, Equatable {
        public var warning = 0
        public var critical = 0
        /// -W/-C; unset ones compare as 0 and print as nothing, as in Perl.
        public var domainWarning: Int?
        public var domainCritical: Int?
        public var mta: MailTransferAgent?
        public var timeout = CheckMailq.defaultTimeout
        public var sudo = false
        public var configDirectory: String?
        public var verbose = false
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            try configure(arguments, warn: { StandardStream.error.write($0) }).run(check)
        }
    }

    /// Lists the queue with the MTA's command and judges the listing.
    static func check(_ configured: Configuration) throws(PluginError) -> PluginExit {
        var config = configured
        let mailq: String = override(mailqVariable) ?? mailqPath
        let qstat: String = override(qstatVariable) ?? installedQstat()
        let mta = config.mta ?? detect(root: .live, qstat: qstat)
        config.mta = mta
        if config.sudo && access(sudoPath, X_OK) != 0 { throw .state(.unknown, "ERROR: Cannot execute sudo") }
        if config.timeout > 0 {
            Timeout.arm(seconds: UInt32(config.timeout), state: .warning,
                        kind: .custom("ERROR: timed out waiting for \(mailq) "))
        }
        let program = mta == .qmail ? qstat : mailq
        var arguments: [String] = []
        if mta == .postfix, let dir = config.configDirectory, !dir.isEmpty, dir != "0" {
            arguments = ["-C"] + dir.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        }
        let shown = ([program] + arguments).joined(separator: " ")
        guard access(program, X_OK) == 0 else {
            throw .state(.unknown, "ERROR: \(program) is not executable by (uid \(geteuid()):gid(\(groupList())))")
        }
        let command = config.sudo ? Command(path: sudoPath, arguments: [program] + arguments)
                                  : Command(path: program, arguments: arguments)
        let output: Command.Output
        do { output = try command.run() } catch { throw .state(.unknown, "ERROR: could not open \(shown) ") }
        Timeout.disarm()
        return try evaluate(output, mta: mta, config, mailqPath: mailq, qstatPath: qstat)
    }

    /// Debian's build configures no qmail-qstat; we use one if it is installed.
    static func installedQstat() -> String {
        for path in qmailQstatCandidates where access(path, X_OK) == 0 { return path }
        return ""
    }

    static func override(_ variable: String) -> String? {
        getenv(variable).map { String(cString: $0) }
    }

    /// Perl's `$)`: the effective group, then the supplementary groups.
    static func groupList() -> String {
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let got = getgroups(count, &groups)
        return ([getegid()] + groups.prefix(Int(max(got, 0)))).map { String($0) }.joined(separator: " ")
    }

    /// The 2.3.3 guess when -M is not given, from what is installed.
    public static func detect(root: SystemRoot, qstat: String) -> MailTransferAgent {
        func isDirectory(_ p: String) -> Bool {
            var st = stat()
            return stat(root.resolve(p), &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        }
        func exists(_ p: String) -> Bool {
            var st = stat()
            return stat(root.resolve(p), &st) == 0
        }
        if !qstat.isEmpty && access(qstat, X_OK) == 0 { return .qmail }
        if isDirectory("/var/lib/postfix") || isDirectory("/var/local/lib/postfix")
            || exists("/usr/sbin/postfix") || exists("/usr/local/sbin/postfix") { return .postfix }
        if isDirectory("/usr/lib/exim4") || isDirectory("/usr/local/lib/exim4")
            || exists("/usr/sbin/exim") || exists("/usr/local/sbin/exim") { return .exim }
        if isDirectory("/usr/lib/nullmailer") || isDirectory("/usr/local/lib/nullmailer")
            || exists("/usr/sbin/nullmailer-send") || exists("/usr/local/sbin/nullmailer-send") { return .nullmailer }
        return .sendmail
    }

    /// Reads the command line as the script's GetOptions does: unknown
    /// options, missing or non-numeric values are warned about (through
    /// `warn`, standard error) and left out, and the script goes on.
    public static func configure(_ arguments: [String], warn: (String) -> Void = { _ in })
        throws(PluginError) -> Invocation<Configuration> {
        let (parsed, warnings) = options.parseLikeGetoptLong(attachingOptionalValues(arguments))
        if !warnings.isEmpty { warn(warnings) }
        func integer(_ text: String, _ option: String) -> Int? {
            guard let v = Int(text) else {
                warn("Value \"\(text)\" invalid for option \(option) (number expected)\n")
                return nil
            }
            return v
        }
        var config = Configuration()
        var warning: Int?, critical: Int?, mailserver: String?
        var version = false, help = false
        for option in parsed.options {
            let value = option.value ?? ""
            switch option.key {
            case "version": version = true
            case "help": help = true
            case "verbose": config.verbose = true
            case "mailserver": mailserver = value
            case "warning": warning = integer(value, "w") ?? warning
            case "critical": critical = integer(value, "c") ?? critical
            case "warning-domain": config.domainWarning = integer(value, "W") ?? config.domainWarning
            case "critical-domain": config.domainCritical = integer(value, "C") ?? config.domainCritical
            case "timeout": config.timeout = integer(value, "t") ?? config.timeout
            case "sudo": config.sudo = true
            case "configdir": config.configDirectory = value
            default: break
            }
        }
        if version { return .exit(.text(info.versionLine, .unknown)) }
        if help { return .exit(.text(info.helpText, .unknown)) }
        // The script's print_usage(): the synopsis alone.
        guard let warning, let critical else { throw .state(.unknown, info.usageText) }
        if warning >= critical { throw .state(.unknown, "Warning (-w) cannot be greater than Critical (-c)!") }
        if let w = config.domainWarning, let c = config.domainCritical, w >= c {
            throw .state(.unknown, "Warning (-W) cannot be greater than Critical (-C)!")
        }
        config.warning = warning
        config.critical = critical
        if let mailserver {
            if mailserver.isEmpty {
                config.mta = .sendmail
            } else if let m = MailTransferAgent(rawValue: mailserver) {
                config.mta = m
            } else {
                throw .state(.unknown, "-M: \(mailserver) is not supported")
            }
        }
        return .run(config)
    }

    /// Getopt::Long takes the value of an optional-value option (`-M`,
    /// `-d`) from the next argument when that does not start with `-`;
    /// getopt only takes an attached one. This attaches such values first.
    static func attachingOptionalValues(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let arg = args[i]
            let next: String? = i + 1 < args.count ? args[i + 1] : nil
            i += 1
            if arg == "--" {
                out += args[(i - 1)...]
                break
            }
            switch valueOfNext(arg) {
            case .required:
                out.append(arg)
                if let next { out.append(next); i += 1 }
            case .optional:
                if let next, !next.hasPrefix("-") {
                    out.append(arg.hasPrefix("--") ? arg + "=" + next : arg + next)
                    i += 1
                } else {
                    out.append(arg)
                }
            case .none:
                out.append(arg)
            }
        }
        return out
    }

    /// Whether the last option in `arg` wants the following argument as its value.
    static func valueOfNext(_ arg: String) -> OptionSpec.Argument {
        if arg.hasPrefix("--") {
            let name = arg.dropFirst(2)
            if name.contains("=") { return .none }
            let exact = options.specs.first { $0.long.map { $0[...] == name } ?? false }
            let prefixed = options.specs.filter { $0.long?.hasPrefix(name) ?? false }
            guard let spec = exact ?? (prefixed.count == 1 ? prefixed.first : nil) else { return .none }
            return spec.argument
        }
        guard arg.hasPrefix("-"), arg.count > 1 else { return .none }
        var rest = arg.dropFirst()
        while let letter = rest.first {
            rest = rest.dropFirst()
            guard let spec = options.specs.first(where: { $0.short == letter }) else { return .none }
            if spec.argument == .none { continue }
            return rest.isEmpty ? spec.argument : .none
        }
        return .none
    }

    /// Reads the listing and decides, with the 2.3.3 texts.
    public static func evaluate(_ output: Command.Output, mta: MailTransferAgent, _ config: Configuration,
                                mailqPath: String, qstatPath: String) throws(PluginError) -> PluginExit {
        var shownMailq = mailqPath
        if mta == .postfix, let dir = config.configDirectory, !dir.isEmpty, dir != "0" { shownMailq += " -C " + dir }
        if output.exitCode != 0 && mta != .nullmailer {
            let code = output.exitCode > 128 ? 0 : output.exitCode
            let path = mta == .postfix ? shownMailq : mailqPath
            throw .state(.critical, "CRITICAL: Error code \(code) returned from \(path)")
        }
        let parser = MailQueueParser(commandPath: mailqPath)
        let summary: MailQueueSummary
        switch mta {
        case .sendmail: summary = parser.sendmail(output.stdout)
        case .postfix:
            do { summary = try parser.postfix(output.stdout) } catch { throw .state(.unknown, "Couldn't match \(shownMailq) output") }
        case .qmail:
            do { summary = try parser.qmail(output.stdout) } catch { throw .state(.unknown, "Couldn't match \(qstatPath) output") }
        case .exim: summary = parser.exim(output.stdout)
        case .nullmailer: summary = parser.nullmailer(output.stdout)
        }
        var verdict = Verdict(config: config, mta: mta, summary: summary)
        verdict.decide()
        let text = verdict.trace + "\(verdict.message)|unsent=\(summary.messages);\(config.warning);\(config.critical);0\n"
        return .text(text, verdict.state)
    }

    /// The 2.3.3 message and state logic, quirks included.
    struct Verdict {
        let config: Configuration
        let mta: MailTransferAgent
        let summary: MailQueueSummary
        var message = ""
        var state = Status.unknown
        var trace = ""

        init(config: Configuration, mta: MailTransferAgent, summary: MailQueueSummary) {
            self.config = config
            self.mta = mta
            self.summary = summary
            if mta == .sendmail && config.verbose { trace = summary.trace.joined() }
        }

        var W: String { config.domainWarning.map { String($0) } ?? "" }
        var C: String { config.domainCritical.map { String($0) } ?? "" }
        var w: Int { config.domainWarning ?? 0 }
        var c: Int { config.domainCritical ?? 0 }

        mutating func decide() {
            let q = summary.messages
            let name = mta.rawValue
            let emptyText: String? = switch mta {
            case .sendmail: "OK: sendmail mailq is empty"
            case .postfix: "OK: postfix mailq reports queue is empty"
            case .qmail: "OK: qmail-qstat reports queue is empty"
            case .exim, .nullmailer: nil
            }
            if q == 0, let emptyText {
                message = emptyText
                state = .ok
                return
            }
            if config.verbose && emptyText != nil { trace += "msg_q = \(q) warn=\(config.warning) crit=\(config.critical)\n" }
            if q < config.warning {
                message = "OK: \(name) mailq (\(q)) is below threshold (\(config.warning)/\(config.critical))"
                state = .ok
            } else if q < config.critical {
                message = "WARNING: \(name) mailq is \(q) (threshold w = \(config.warning))"
                state = .warning
            } else {
                message = "CRITICAL: \(name) mailq is \(q) (threshold c = \(config.critical))"
                state = .critical
            }
            guard config.domainWarning != nil else { return }
            if mta == .sendmail {
                domain(summary.sourceDomains, summary.sourceOrder, "FROM", "src")
                domain(summary.destinationDomains, summary.destinationOrder, "TO", "dst")
            } else if mta == .qmail {
                // 2.3.3 compares a variable that is always 0 (the parsed
                // count lands in a block-local copy): reproduced as is.
                let preprocessed = 0
                message += "[Preprocessed = \(preprocessed)]"
                if preprocessed >= w && preprocessed < c {
                    state = state == .critical ? .critical : .warning
                } else if preprocessed >= c {
                    state = .critical
                }
            }
        }

        /// -W/-C applied to the busiest domain in one direction.
        mutating func domain(_ counts: [String: Int], _ order: [String], _ direction: String, _ tag: String) {
            let top = MailQueueSummary.busiest(counts, order: order)
            let key = top?.domain ?? ""
            let n = top?.count ?? 0
            let shown = top.map { String($0.count) } ?? ""
            if config.verbose { trace += "\(tag) max is \(key) with \(shown) messages\n" }
            let what = "\(shown) messages in queue \(direction) \(key)"
            if n >= w && n < c {
                if state == .ok {
                    message = "WARNING: \(what) (threshold W = \(W))"
                    state = .warning
                } else {
                    message += " -and- \(what) (threshold W = \(W))"
                }
            } else if n >= c {
                switch state {
                case .ok:
                    message = "CRITICAL: \(what) (threshold C = \(C))"
                    state = .critical
                case .warning:
                    // 2.3.3 rewrites the text but leaves the state WARNING.
                    message = "CRITICAL: \(what) (threshold C = \(C)) -and- " + message
                    if let r = message.firstRange(of: "WARNING: ") { message.removeSubrange(r) }
                default:
                    message += " -and- \(what) (threshold W = \(W))"
                }
            } else if n > 0 {
                message += " \(shown) msgs. \(direction) \(key) is below threshold (\(W)/\(C))"
            }
        }
    }
}
