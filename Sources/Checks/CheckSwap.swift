import NagiosPlugin
import SystemProbes

/// `check_swap -w LIMIT -c LIMIT [-a] [-n STATE] [-v]`: free swap space
/// against limits given in bytes or as a percentage of the total.
public enum CheckSwap {
    public static let info = PluginInfo(
        name: "check_swap",
        usage: " check_swap [-av] -w <percent_free>% -c <percent_free>%\n  -w <bytes_free> -c <bytes_free> [-n <state>]",
        description: """
        Reports how much swap space is free (from /proc/meminfo; swap that
        is cached in memory counts as free) and compares it with limits.
        """,
        options: """
         --extra-opts=[section][@file]
            Read options from an ini file: the section (default: the plugin's
            name) of the file (default: the first of the standard places).
         -w, --warning=BYTES | PERCENT%
            WARNING when at most BYTES bytes, or at most PERCENT percent of
            the total, is free.
         -c, --critical=BYTES | PERCENT%
            CRITICAL when at most BYTES bytes, or at most PERCENT percent, is
            free. With the same unit, the warning limit must not be below
            the critical one. At least one of -w and -c is needed.
         -a, --allswaps
            Also check each swap area on its own where the kernel lists them
            in /proc/meminfo (Linux 2.4 'Swap:' lines; newer kernels only
            give totals).
         -n, --no-swap=STATE
            The result when there is no swap at all (OK, WARNING, CRITICAL,
            UNKNOWN or 0-3; default CRITICAL).
         -v, --verbose
            With -a, list each swap area's free MB; -vvv also shows what was
            read from /proc/meminfo.
        """,
        notes: """
        Examples:
         check_swap -w 20% -c 10%
            WARNING at 20% free or less, CRITICAL at 10% or less.
         check_swap -w 20% -c 104857600 -n ok
            CRITICAL below 100 MiB free; OK on machines without swap.

        Sizes are counted in whole MiB, as 2.3.3 counts them. Perfdata:
        swap=FREE bytes, limits in bytes, minimum 0, maximum the total.
        """
    )

    static let options = OptionParser([
        // Long names in 2.3.3's longopts order: getopt lists an ambiguous
        // abbreviation's candidates in that order (`--ver`: verbose, version).
        OptionSpec("h", "help"), OptionSpec("v", "verbose"), OptionSpec("V", "version"),
        OptionSpec("w", "warning", .required), OptionSpec("c", "critical", .required),
        OptionSpec("a", "allswaps"), OptionSpec("n", "no-swap", .required),
        OptionSpec("?", nil, key: "?"),  // in 2.3.3's optstring: the usage without a getopt complaint
    ])

    /// A `-w`/`-c` limit: free bytes, or a percentage of the total.
    public struct Limit: Sendable, Equatable {
        public var isPercentage = false
        public var value: UInt64 = 0
        public init(isPercentage: Bool = false, value: UInt64 = 0) {
            self.isPercentage = isPercentage
            self.value = value
        }
    }

    public struct Configuration: Sendable, Equatable {
        public var warning = Limit()
        public var critical = Limit()
        public var allSwaps = false
        public var noSwapState = Status.critical
        public var verbose = 0
    }

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            try configure(ExtraOpts.expanded(arguments, plugin: info.name)).run { config throws(PluginError) in
                let swap: SwapInfo
                do throws(SystemError) { swap = try SwapInfo.read(.live) } catch { throw .unknown(error.description) }
                return evaluate(swap, config)
            }
        }
    }

    public static func configure(_ arguments: [String]) throws(PluginError) -> Invocation<Configuration> {
        let parsed = options.parseInOrder(arguments)
        var config = Configuration()
        for option in parsed.options {
            switch option.key {
            case "help", "version": return .exit(info.standardExit(option.key))
            case "warning": config.warning = try limit(option.value, "Warning")
            case "critical": config.critical = try limit(option.value, "Critical")
            case "?": throw .state(.unknown, info.usageText)
            case "allswaps": config.allSwaps = true
            case "verbose": config.verbose += 1
            case "no-swap":
                guard let s = option.value.flatMap({ Status(argument: $0) }) else {
                    throw .usage("no-swap result must be a valid state name (OK, WARNING, CRITICAL, UNKNOWN) or integer (0-3).")
                }
                config.noSwapState = s
            default: break
            }
        }
        try parsed.checkRefusal()
        // Operands are ignored, as in 2.3.3.
        if config.warning.value == 0 && config.critical.value == 0 { throw .usage("Could not parse arguments") }
        if config.warning.isPercentage == config.critical.isPercentage && config.warning.value < config.critical.value {
            throw .usage("Warning should be more than critical")
        }
        return .run(config)
    }

    /// `N` (bytes) or `N%` (0–100), digits only.
    static func limit(_ text: String?, _ which: String) throws(PluginError) -> Limit {
        var digits = Substring(text ?? "")
        let percent = digits.last == "%"
        if percent { digits = digits.dropLast() }
        // 2.3.3 reads `-5%` as 2^64-5 %: out of range, in its words.
        if percent, digits.first == "-", let v = UInt64(digits.dropFirst()), v > 0 {
            throw .usage("\(which) threshold percentage must be <= 100!")
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = UInt64(digits), value < UInt64.max else {
            throw .usage("\(which) threshold be positive integer or percentage!")
        }
        if percent && value > 100 { throw .usage("\(which) threshold percentage must be <= 100!") }
        return Limit(isPercentage: percent, value: value)
    }

    /// The 2.3.3 verdict for one swap area (or the total): byte limits
    /// first, then percentages of space used, computed in C `float`s.
    static func state(freeMB: UInt64, totalMB: UInt64, _ config: Configuration) -> Status {
        let free = Float(freeMB), total = Float(totalMB)
        if total == 0 { return config.noSwapState }
        let freeBytes = CConvert.uint64(Double(free * 1_048_576))
        if !config.critical.isPercentage && config.critical.value >= freeBytes { return .critical }
        if !config.warning.isPercentage && config.warning.value >= freeBytes { return .warning }
        let usedPercent = CConvert.uint64(Double((total - free) / total * 100))
        for (limit, status) in [(config.critical, Status.critical), (config.warning, .warning)]
        where limit.isPercentage && limit.value != 0 && usedPercent >= 100 - limit.value {
            return status
        }
        return .ok
    }

    public static func evaluate(_ swap: SwapInfo, _ config: Configuration) -> PluginExit {
        var trace = ""
        if config.verbose >= 3 {
            trace += "Reading PROC_MEMINFO at \(SwapInfo.path)\n"
            for f in swap.fields { trace += "Got \(f.name) with \(f.kB)\n" }
        }
        // max_state() of the C library, starting from UNKNOWN.
        var status = Status.unknown
        var details = ""
        if config.allSwaps {
            for d in swap.devices {
                let percent = d.totalMB == 0 ? 100 : CConvert.uint32(100 * (Double(d.usedMB) / Double(d.totalMB)))
                status = Status.combinedClassic(status, state(freeMB: d.freeMB, totalMB: d.totalMB, config))
                if config.verbose > 0 { details += " [\(d.freeMB) (\(Int32(bitPattern: 100 &- percent))%)]" }
            }
        }
        let percentUsed: UInt32
        if swap.totalMB != 0 {
            percentUsed = CConvert.uint32(100 * Double(swap.usedMB) / Double(swap.totalMB))
        } else {
            percentUsed = 100
            details = "- Swap is either disabled, not present, or of zero size. "
        }
        status = Status.combinedClassic(status, state(freeMB: swap.freeMB, totalMB: swap.totalMB, config))
        let mb = { (v: UInt64) in Int32(truncatingIfNeeded: v) }
        let summary = "SWAP \(status.label) - \(Int32(bitPattern: 100 &- percentUsed))% free "
            + "(\(mb(swap.freeMB))MB out of \(mb(swap.totalMB))MB) \(details)"
        let totalBytes = swap.totalMB &* 1_048_576
        let printed = { (l: Limit) in l.isPercentage ? l.value &* (totalBytes / 100) : l.value }
        let perf = try? PerfDatum(label: "swap", value: String(swap.freeMB &* 1_048_576), uom: "B",
                                  warning: String(printed(config.warning)), critical: String(printed(config.critical)),
                                  minimum: "0", maximum: String(totalBytes), layout: .integer)
        let result = CheckResult(status: status, summary: summary, perfdata: perf.map { [$0] } ?? [], separator: "|")
        return .text(trace + result.rendered, status)
    }
}

/// C's conversions of out-of-range floating values as gcc compiles them
/// on x86-64 (`cvttsd2si` into 64 bits), so that odd /proc contents give
/// the numbers the C plugins print rather than a trap.
enum CConvert {
    static func int64(_ v: Double) -> Int64 {
        guard v.isFinite, v > -9.223372036854775808e18, v < 9.223372036854775808e18 else { return Int64.min }
        return Int64(v)
    }

    /// `(uint64_t) v`.
    static func uint64(_ v: Double) -> UInt64 {
        if v.isFinite, v >= 9.223372036854775808e18, v < 1.8446744073709551616e19 { return UInt64(v) }
        return UInt64(bitPattern: int64(v))
    }

    /// `(unsigned int) v`.
    static func uint32(_ v: Double) -> UInt32 { UInt32(truncatingIfNeeded: int64(v)) }
}
