import NagiosPlugin

/// What a command line asks a check to do: stop at once with some text
/// (`--help`, `--version`), or run with the configuration it describes.
public enum Invocation<Configuration> {
    case exit(PluginExit)
    case run(Configuration)

    /// The configuration, or `nil` for an early exit.
    public var configuration: Configuration? {
        if case .run(let c) = self { return c }
        return nil
    }
}

extension Invocation: Sendable where Configuration: Sendable {}
extension Invocation: Equatable where Configuration: Equatable {}

extension Invocation {
    /// The early exit, or what `body` makes of the configuration: the
    /// body of a check's `main`.
    public func run(_ body: (Configuration) throws(PluginError) -> PluginExit) throws(PluginError) -> PluginExit {
        switch self {
        case .exit(let e): return e
        case .run(let c): return try body(c)
        }
    }
}

extension ParsedArguments {
    /// After a plugin has handled `options` in order: getopt's refusal, if
    /// ``OptionParser/parseInOrder(_:)`` met one (with `preface` before the
    /// usage, as some 2.3.3 plugins print one).
    func checkRefusal(preface: String = "") throws(PluginError) {
        if let refusal { throw .getopt(refusal.message, preface: preface) }
    }
}

extension PluginInfo {
    /// `--help` or `--version` (by option key), exit 3 as in 2.3.3.
    func standardExit(_ key: String) -> PluginExit {
        .text(key == "help" ? helpText : versionLine, .unknown)
    }
}
