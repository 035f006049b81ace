#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin

/// `check_file_age -f FILE [-w SECS] [-c SECS] [-W BYTES] [-C BYTES] [-i]`:
/// how old and how big a file is (the 2.3.3 Perl script's behaviour).
public enum CheckFileAge {
    public static let info = PluginInfo(
        name: "check_file_age",
        usage: """
          check_file_age [-w SECONDS] [-c SECONDS] [-W BYTES] [-C BYTES] [-i] -f FILE
          check_file_age [-h | --help]
          check_file_age [-V | --version]
        """,
        description: """
        Alerts when a file was last modified too long ago, or is too small.
        A missing file is CRITICAL unless -i is given.
        """,
        options: """
         -f, --file=FILE
            The file (or directory) to check; may also be the first operand.
         -w, --warning-age=SECONDS
         -c, --critical-age=SECONDS
            Alert when the file is older than this (default: 240 and 600).
         -W, --warning-size=BYTES
         -C, --critical-size=BYTES
            Alert when the file is smaller than this (default: no size check).
         -i, --ignore-missing
            Report OK when the file does not exist.
        """,
        notes: """
        Plain numbers are limits as described above. When any of the four is
        written as a range (10:, @0:300, ~:600), all four are read as ranges
        of values that are fine (standard plugin range syntax); an unset size
        range is then 0: (any size).

        Examples:
         check_file_age -w 3600 -c 7200 -f /var/backups/db.dump
            WARNING after an hour without change, CRITICAL after two.
         check_file_age -w 3600 -c 7200 -W 1024 -C 1 -f /var/spool/report.csv
            Also WARNING below 1 KiB and CRITICAL when empty.
        """
    )

    static let options = OptionParser([
        OptionSpec("V", "version"), OptionSpec("h", "help"), OptionSpec("i", "ignore-missing"),
        OptionSpec("f", "file", .required), OptionSpec("w", "warning-age", .required),
        OptionSpec("W", "warning-size", .required), OptionSpec("c", "critical-age", .required),
        OptionSpec("C", "critical-size", .required),
    ])

    /// What the command line asks for; thresholds stay the text given,
    /// because the perfdata repeats them verbatim.
    public struct Configuration: Sendable, Equatable {
        public var file = ""
        public var warningAge = "240"
        public var criticalAge = "600"
        public var warningSize = ""
        public var criticalSize = ""
        public var ignoreMissing = false
    }

    /// What was found about the file.
    public struct FileFacts: Sendable, Equatable {
        public var age: Int64
        public var size: Int64
        public init(age: Int64, size: Int64) {
            self.age = age
            self.size = size
        }
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            let config: Configuration
            switch try configure(arguments, warn: { StandardStream.error.write($0) }) {
            case .exit(let exit): return exit
            case .run(let c): config = c
            }
            return try evaluate(config, facts: measure(config.file))
        }
    }

    /// Reads the options; help and version come back as `.exit`.
    /// As the script's GetOptions: an unknown option or a missing value is
    /// warned about through `warn` (standard error) and left out.
    public static func configure(_ arguments: [String], warn: (String) -> Void = { _ in })
        throws(PluginError) -> Invocation<Configuration> {
        let (parsed, warnings) = options.parseLikeGetoptLong(arguments)
        if !warnings.isEmpty { warn(warnings) }
        if parsed.has("version") { return .exit(.text(info.versionLine, .unknown)) }
        if parsed.has("help") { return .exit(.text(info.helpText, .unknown)) }
        var c = Configuration()
        c.file = parsed.last("file") ?? ""
        c.warningAge = parsed.last("warning-age") ?? c.warningAge
        c.criticalAge = parsed.last("critical-age") ?? c.criticalAge
        c.warningSize = parsed.last("warning-size") ?? ""
        c.criticalSize = parsed.last("critical-size") ?? ""
        c.ignoreMissing = parsed.has("ignore-missing")
        // The script takes the first operand when -f is missing (or "0", false to Perl).
        if perlFalse(c.file) { c.file = parsed.operands.first ?? "" }
        if perlFalse(c.file) { throw .state(.unknown, "FILE_AGE UNKNOWN: No file specified\n") }
        _ = try limits(c)
        return .run(c)
    }

    /// The file's age (now − mtime, whole seconds) and size, following
    /// symbolic links; `nil` when it does not exist.
    public static func measure(_ path: String, now: Int64? = nil) -> FileFacts? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let t = now ?? Int64(time(nil))
        return FileFacts(age: t - Int64(st.st_mtim.tv_sec), size: Int64(st.st_size))
    }

    /// Two ways of judging, chosen as the script chooses.
    enum Limits: Equatable {
        /// All four limits plain digits: age above, size below alerts.
        case plain(warnAge: Double, critAge: Double, warnSize: Double, critSize: Double)
        /// Any limit not plain digits: all four are ranges of good values.
        case ranges(warnAge: ThresholdRange, critAge: ThresholdRange, warnSize: ThresholdRange, critSize: ThresholdRange)
    }

    static func limits(_ c: Configuration) throws(PluginError) -> Limits {
        let digits = { (s: String) in !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        let plain = digits(c.criticalAge) && digits(c.warningAge)
            && (perlFalse(c.warningSize) || digits(c.warningSize))
            && (perlFalse(c.criticalSize) || digits(c.criticalSize))
        if plain {
            let n = { (s: String) in perlFalse(s) ? 0 : (Double(s) ?? 0) }
            return .plain(warnAge: n(c.warningAge), critAge: n(c.criticalAge),
                          warnSize: n(c.warningSize), critSize: n(c.criticalSize))
        }
        return .ranges(warnAge: try range(c.warningAge), critAge: try range(c.criticalAge),
                       warnSize: try range(sizeText(c.warningSize, plain: false)),
                       critSize: try range(sizeText(c.criticalSize, plain: false)))
    }

    /// The size limit as the script prints it: `0` (plain) or `0:` (ranges) when unset.
    static func sizeText(_ s: String, plain: Bool) -> String { perlFalse(s) ? (plain ? "0" : "0:") : s }

    /// Monitoring::Plugin::Range's syntax: blanks ignored,
    /// `[@][start|~][:[end]]` with decimal numbers (`1e3` allowed). Text it would
    /// refuse is a usage error here (the script dies when it gets to it).
    static func range(_ raw: String) throws(PluginError) -> ThresholdRange {
        let bad = PluginError.usage("invalid range '\(raw)'")
        var body = Substring(raw.filter { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}") })
        guard body.contains(where: { ($0 >= "0" && $0 <= "9") || $0 == "~" }) else { throw bad }
        func number(_ s: Substring) throws(PluginError) -> Double {
            // Monitoring::Plugin's value syntax: [-+]digits[.digits][e[-+]digits].
            guard s.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B || $0 == 0x65 }),
                  let v = NumberFormat.parseStrict(s) else { throw bad }
            return v
        }
        var inside = false
        if body.first == "@" {
            inside = true
            body = body.dropFirst()
        }
        var start: Double = 0
        var end = Double.infinity
        var valid = false
        var startInfinite = false
        if body.first == "~" {
            startInfinite = true
            body = body.dropFirst()
        }
        if let colon = body.firstIndex(of: ":") {
            let left = body[..<colon]
            if !left.isEmpty {
                if startInfinite { throw bad }
                start = try number(left)
            }
            body = body[body.index(after: colon)...]
            valid = true
        } else if startInfinite {
            throw bad
        }
        if !body.isEmpty {
            end = try number(body)
            valid = true
        }
        guard valid else { throw bad }
        if startInfinite { start = -.infinity }
        guard start <= end else { throw bad }
        return ThresholdRange(start: start, end: end, alertsInside: inside)
    }

    /// Judges the facts and renders the script's line.
    public static func evaluate(_ c: Configuration, facts: FileFacts?) throws(PluginError) -> PluginExit {
        guard let f = facts else {
            if c.ignoreMissing {
                return .text("FILE_AGE OK: \(c.file) doesn't exist, but ignore-missing was set\n", .ok)
            }
            return .text("FILE_AGE CRITICAL: File not found - \(c.file)\n", .critical)
        }
        let status: Status
        let plain: Bool
        switch try limits(c) {
        case let .plain(warnAge, critAge, warnSize, critSize):
            plain = true
            let age = Double(f.age), size = Double(f.size)
            if age > critAge || size < critSize {
                status = .critical
            } else if age > warnAge || size < warnSize {
                status = .warning
            } else {
                status = .ok
            }
        case let .ranges(warnAge, critAge, warnSize, critSize):
            plain = false
            let age = Double(f.age), size = Double(f.size)
            if critAge.alerts(age) || critSize.alerts(size) {
                status = .critical
            } else if warnAge.alerts(age) || warnSize.alerts(size) {
                status = .warning
            } else {
                status = .ok
            }
        }
        let perf = "age=\(f.age)s;\(c.warningAge);\(c.criticalAge) size=\(f.size)B;"
            + "\(sizeText(c.warningSize, plain: plain));\(sizeText(c.criticalSize, plain: plain));0"
        return .text("FILE_AGE \(status.label): \(c.file) is \(f.age) seconds old and \(f.size) bytes | \(perf)\n", status)
    }

    /// Perl's idea of a false string.
    static func perlFalse(_ s: String) -> Bool { s.isEmpty || s == "0" }
}
