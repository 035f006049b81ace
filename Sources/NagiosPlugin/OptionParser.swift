/// One option a plugin accepts, like a `struct option` of `getopt_long`.
public struct OptionSpec: Sendable {
    public enum Argument: Sendable { case none, required, optional }
    /// The single-letter form, `w` for `-w`.
    public let short: Character?
    /// The long form without dashes, `warning` for `--warning`.
    public let long: String?
    public let argument: Argument
    /// What ``ParsedArguments`` reports; the long name, else the letter.
    public let key: String
    /// Only the full long name selects it, no abbreviation: for the hidden
    /// test options the C plugin does not have (`--i` must stay unknown).
    public let exactOnly: Bool

    public init(_ short: Character?, _ long: String?, _ argument: Argument = .none, key: String? = nil,
                exactOnly: Bool = false) {
        self.short = short
        self.long = long
        self.argument = argument
        self.key = key ?? long ?? short.map { String($0) } ?? ""
        self.exactOnly = exactOnly
    }
}

/// The options and operands found on a command line, in order.
public struct ParsedArguments: Sendable, Equatable {
    public struct Option: Sendable, Equatable {
        public let key: String
        public let value: String?
    }
    public var options: [Option] = []
    public var operands: [String] = []
    /// What getopt refused, when ``OptionParser/parseInOrder(_:)`` stopped
    /// there: `options` and `operands` hold what came before it.
    public var refusal: UsageError?

    public init() {}

    /// Whether the option was given at least once.
    public func has(_ key: String) -> Bool { options.contains { $0.key == key } }
    /// The last value given for `key` (later options override earlier ones, as in C).
    public func last(_ key: String) -> String? { options.last { $0.key == key }?.value }
    /// Every value given for `key`, in order (repeated `-p` paths …).
    public func all(_ key: String) -> [String] { options.compactMap { $0.key == key ? $0.value : nil } }
    /// How many times the option was given (`-vvv` is 3).
    public func count(_ key: String) -> Int { options.reduce(0) { $0 + ($1.key == key ? 1 : 0) } }
}

/// A small `getopt_long` work-alike: `-w5`, `-w 5`, `--warning=5`,
/// `--warning 5`, clustered flags (`-vvv`), unambiguous long prefixes
/// (`--crit`), `--` to end options, and operands anywhere (GNU permutation)
/// unless `stopAtFirstOperand` is set (like an optstring starting with `+`,
/// which wrappers such as `negate` need).
public struct OptionParser: Sendable {
    public let specs: [OptionSpec]
    public let stopAtFirstOperand: Bool

    public init(_ specs: [OptionSpec], stopAtFirstOperand: Bool = false) {
        self.specs = specs
        self.stopAtFirstOperand = stopAtFirstOperand
    }

    /// Any collection of arguments (an `ArraySlice` of `CommandLine.arguments` …).
    public func parse<C: Collection>(_ arguments: C) throws(UsageError) -> ParsedArguments where C.Element == String {
        try parse(Array(arguments))
    }

    /// Not generic on purpose: a generic entry point costs every plugin
    /// ~100k instructions of runtime type look-up at start-up.
    public func parse(_ args: [String]) throws(UsageError) -> ParsedArguments {
        var unused = ""
        var partial = ParsedArguments()
        do {
            return try parse(args, perlWarnings: &unused, lenient: false, partial: &partial)
        } catch {
            // getopt hands out options one at a time and the C plugins stop
            // at --help/--version: what comes after them is never looked at.
            if partial.options.contains(where: { OptionParser.exitKeys.contains($0.key) }) { return partial }
            throw error
        }
    }

    /// As a C plugin's getopt loop meets them: the options up to the first
    /// one getopt refuses, and that refusal in ``ParsedArguments/refusal``.
    /// The plugin handles the options in order (an earlier bad value or
    /// `--help` wins, as in 2.3.3) and then reports the refusal.
    public func parseInOrder(_ args: [String]) -> ParsedArguments {
        var unused = ""
        var partial = ParsedArguments()
        do {
            return try parse(args, perlWarnings: &unused, lenient: false, partial: &partial)
        } catch {
            partial.refusal = error
            return partial
        }
    }

    /// The keys of the options that end a C plugin's option loop.
    static let exitKeys = ["help", "version", "h", "V"]

    /// As Perl's Getopt::Long (with `bundling`) reads a command line for the
    /// 2.3.3 Perl plugins: an unknown option or a missing value is not fatal.
    /// GetOptions warns (`Unknown option: z`, `Option f requires an
    /// argument`) and goes on without it; the warnings, one a line, are
    /// returned for standard error.
    public func parseLikeGetoptLong(_ args: [String]) -> (ParsedArguments, String) {
        var warnings = ""
        var partial = ParsedArguments()
        do {
            return (try parse(args, perlWarnings: &warnings, lenient: true, partial: &partial), warnings)
        } catch {
            return (ParsedArguments(), warnings)  // not reached: lenient parsing does not throw
        }
    }

    private func parse(_ args: [String], perlWarnings: inout String, lenient: Bool,
                       partial result: inout ParsedArguments) throws(UsageError) -> ParsedArguments {
        var i = 0
        while i < args.count {
            let arg = args[i]
            i += 1
            if arg == "--" {
                result.operands += args[i...]
                break
            }
            if arg.hasPrefix("--") {
                let body = arg.dropFirst(2)
                let name: Substring
                let inline: String?
                if let eq = body.firstIndex(of: "=") {
                    name = body[..<eq]
                    inline = String(body[body.index(after: eq)...])
                } else {
                    name = body
                    inline = nil
                }
                let spec: OptionSpec
                if lenient {
                    // Getopt::Long knows the single letters as names too (`--c` is -c),
                    // and lists the candidates of an abbreviation sorted.
                    let letter = name.count == 1 ? specs.first(where: { $0.short.map { String($0)[...] == name } ?? false }) : nil
                    guard let found = letter ?? (try? findLong(name, original: arg)) else {
                        let hits = specs.compactMap { $0.long }.filter { $0.hasPrefix(name) }.sorted()
                        perlWarnings += hits.count > 1 ? "Option \(name) is ambiguous (\(hits.joined(separator: ", ")))\n"
                                                       : "Unknown option: \(name)\n"
                        continue
                    }
                    spec = found
                } else {
                    spec = try findLong(name, original: arg)
                }
                let longName = spec.long ?? String(name)
                switch spec.argument {
                case .none:
                    if inline != nil {
                        if lenient { perlWarnings += "Option \(name) does not take an argument\n"; continue }
                        throw UsageError("option '--\(longName)' doesn't allow an argument")
                    }
                    result.options.append(.init(key: spec.key, value: nil))
                case .optional:
                    result.options.append(.init(key: spec.key, value: inline))
                case .required:
                    if let inline {
                        result.options.append(.init(key: spec.key, value: inline))
                    } else if i < args.count {
                        result.options.append(.init(key: spec.key, value: args[i]))
                        i += 1
                    } else if lenient {
                        perlWarnings += "Option \(name) requires an argument\n"
                    } else {
                        throw UsageError("option '--\(longName)' requires an argument")
                    }
                }
                continue
            }
            if arg.hasPrefix("-") && arg.count > 1 {
                var rest = Substring(arg.dropFirst())
                while let letter = rest.first {
                    rest = rest.dropFirst()
                    guard let spec = specs.first(where: { $0.short == letter }) else {
                        if lenient { perlWarnings += "Unknown option: \(letter)\n"; continue }
                        throw UsageError("invalid option -- '\(letter)'")
                    }
                    switch spec.argument {
                    case .none:
                        result.options.append(.init(key: spec.key, value: nil))
                        continue
                    case .optional:
                        result.options.append(.init(key: spec.key, value: rest.isEmpty ? nil : String(rest)))
                    case .required:
                        if !rest.isEmpty {
                            result.options.append(.init(key: spec.key, value: String(rest)))
                        } else if i < args.count {
                            result.options.append(.init(key: spec.key, value: args[i]))
                            i += 1
                        } else if lenient {
                            perlWarnings += "Option \(letter) requires an argument\n"
                        } else {
                            throw UsageError("option requires an argument -- '\(letter)'")
                        }
                    }
                    break
                }
                continue
            }
            result.operands.append(arg)
            if stopAtFirstOperand {
                result.operands += args[i...]
                break
            }
        }
        return result
    }

    private func findLong(_ name: Substring, original: String) throws(UsageError) -> OptionSpec {
        if let exact = specs.first(where: { $0.long.map { $0[...] == name } ?? false }) { return exact }
        let candidates = specs.filter { !$0.exactOnly && ($0.long?.hasPrefix(name) ?? false) }
        // Several specs may share a long name's prefix yet mean the same key.
        var keys: [String] = []
        for c in candidates where !keys.contains(c.key) { keys.append(c.key) }
        if keys.count == 1, let only = candidates.first { return only }
        // glibc quotes the whole argument, `=value` included.
        if keys.isEmpty { throw UsageError("unrecognized option '\(original)'") }
        let names = candidates.compactMap { $0.long.map { "'--\($0)'" } }.joined(separator: " ")
        throw UsageError("option '\(original)' is ambiguous; possibilities: \(names)")
    }
}

/// A command line getopt_long would refuse. C plugins let getopt print it
/// (`argv[0]: message` on standard error) and then print their usage on
/// standard output; ``PluginError/getopt(_:preface:)`` does the same.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
