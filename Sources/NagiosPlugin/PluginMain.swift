#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The name, usage line and help text of a plugin.
public struct PluginInfo: Sendable {
    /// The program name Nagios knows it by, `check_dummy`.
    public let name: String
    /// The usage synopsis lines printed after `Usage:`, indented as the
    /// C plugin indents them (most use one space).
    public let usage: String
    /// The text between the version line and the usage in `--help`.
    public let description: String
    /// The option descriptions printed after `Options:`.
    public let options: String
    /// Optional notes and examples printed after the options.
    public let notes: String

    /// The Monitoring Plugins release whose behaviour we reproduce.
    public static let compatibleRelease = "2.3.3"
    public static let vigilVersion = "0.1.0"

    /// `Usage: check_x …` on each synopsis line, as the 2.3.3 shell and
    /// Perl scripts print it (check_log, check_mailq, check_sensors),
    /// instead of `Usage:` on a line of its own (the C plugins).
    public let inlineUsage: Bool

    public init(name: String, usage: String, description: String, options: String = "", notes: String = "",
                inlineUsage: Bool = false) {
        self.name = name
        self.usage = usage
        self.description = description
        self.options = options
        self.notes = notes
        self.inlineUsage = inlineUsage
    }

    /// `check_dummy v2.3.3 (vigil 0.1.0)`: the release number first, so
    /// that scripts that read the C plugins' `-V` keep working.
    public var versionLine: String {
        "\(name) v\(PluginInfo.compatibleRelease) (vigil \(PluginInfo.vigilVersion))\n"
    }

    /// `Usage:` and the synopsis, as printed after a usage error.
    public var usageText: String {
        guard inlineUsage else { return "Usage:\n\(usage)\n" }
        return usage.split(separator: "\n").map { "Usage: " + $0.drop { $0 == " " } + "\n" }.joined()
    }

    /// The full `--help` text.
    public var helpText: String {
        var s = versionLine + "\n" + description + "\n\n" + usageText
        s += "\nOptions:\n -h, --help\n    Print detailed help screen\n -V, --version\n    Print version information\n"
        if !options.isEmpty { s += options + (options.hasSuffix("\n") ? "" : "\n") }
        if !notes.isEmpty { s += "\n" + notes + (notes.hasSuffix("\n") ? "" : "\n") }
        s += "\nVigil plugins are drop-in replacements for the Monitoring Plugins \(PluginInfo.compatibleRelease).\n"
        return s
    }
}

/// How a check ends when nothing went wrong.
public enum PluginExit: Sendable, Equatable {
    /// A measured result.
    case result(CheckResult)
    /// Text printed as is with the given state (help, version, pass-through
    /// output of a wrapped plugin).
    case text(String, Status)
}

/// Every way a plugin can fail; ``PluginMain`` turns each into output and
/// an exit code, so that no other code ever exits.
public enum PluginError: Error, Sendable, Equatable {
    /// Bad command line: `progname: message`, then the usage, exit 3
    /// (the C library's `usage4()`/`usage2()`).
    case usage(String)
    /// The C library's `usage(message)`: the message as is, then the usage.
    case plainUsage(String)
    /// What getopt_long refuses (unknown option, missing value): the
    /// message on standard error after the program name as started
    /// (`argv[0]`), then `preface` (if any) and the usage on standard
    /// output, exit 3 — getopt's complaint followed by `usage5()`.
    case getopt(String, preface: String = "")
    /// The check could not measure: `UNKNOWN - message`, exit 3.
    case unknown(String)
    /// The C library's `die(state, text)`: text printed as is, exit `state`.
    case state(Status, String)
}

extension PluginError {
    public init(_ usage: UsageError) { self = .getopt(usage.message) }
    /// A range 2.3.3 refuses too gets its words (`die()`, no usage); one
    /// that 2.3.3 misreads (`abc` as 0) gets ours, then the usage.
    public init(_ range: RangeError) {
        self = range.isReversed ? .state(.unknown, "Range format incorrect") : .usage(range.description)
    }
}

/// The one exit point of every plugin.
public enum PluginMain {
    /// Runs `body`, prints what it returned or threw, and exits with the
    /// state's code. Thrown errors become UNKNOWN (3).
    public static func run(_ info: PluginInfo, _ body: () throws(PluginError) -> PluginExit) -> Never {
        let (text, errorText, status) = fullOutcome(info, programPath: CommandLine.arguments.first, body)
        if !errorText.isEmpty { StandardStream.error.write(errorText) }
        StandardStream.output.write(text)
        exit(status.exitCode)
    }

    /// What ``run(_:_:)`` would print on standard output and exit with,
    /// without exiting (tests).
    public static func outcome(_ info: PluginInfo, _ body: () throws(PluginError) -> PluginExit) -> (String, Status) {
        let (text, _, status) = fullOutcome(info, programPath: nil, body)
        return (text, status)
    }

    /// Standard output, standard error and the state. `programPath` is
    /// `argv[0]`, which getopt names in its complaints (the plugin's name
    /// when it is `nil` or names another program, as in
    /// `vigil-plugins check_load …`).
    public static func fullOutcome(_ info: PluginInfo, programPath: String?,
                                   _ body: () throws(PluginError) -> PluginExit) -> (String, String, Status) {
        do {
            switch try body() {
            case .result(let r): return (r.rendered, "", r.status)
            case .text(let t, let s): return (t, "", s)
            }
        } catch {
            switch error {
            case .usage(let message): return ("\(info.name): \(message)\n" + info.usageText, "", .unknown)
            case .plainUsage(let message): return (message + "\n" + info.usageText, "", .unknown)
            case .getopt(let message, let preface):
                var program = info.name
                if let path = programPath, path == info.name || path.hasSuffix("/" + info.name) { program = path }
                let before = preface.isEmpty ? "" : preface + "\n"
                return (before + info.usageText, "\(program): \(message)\n", .unknown)
            case .unknown(let message): return ("UNKNOWN - \(message)\n", "", .unknown)
            case .state(let s, let text): return (text.hasSuffix("\n") ? text : text + "\n", "", s)
            }
        }
    }
}

/// Unbuffered writes to a file descriptor, retrying short writes and EINTR.
public struct StandardStream: Sendable {
    public let fd: Int32
    public static let output = StandardStream(fd: 1)
    public static let error = StandardStream(fd: 2)

    public func write(_ text: String) {
        var copy = text
        copy.withUTF8 { write(bytes: $0) }
    }

    public func write(bytes: UnsafeBufferPointer<UInt8>) {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            left -= n
            p += n
        }
    }
}
