#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

/// `check_disk -w LIMIT -c LIMIT [-p PATH]…`: free space and inodes of
/// mounted file systems, as Monitoring Plugins 2.3.3 reports them.
///
/// The command line is order-sensitive as in 2.3.3: each `-p`/`-r`/`-R`
/// selects paths with the thresholds, group and matching mode in force at
/// that point, `-C` clears them, `-i`/`-I` drop paths selected so far.
public enum CheckDisk {
    public static let info = PluginInfo(
        name: "check_disk",
        // The synopsis as 2.3.3 prints it after a usage error (its shape included).
        usage: """
         check_disk {-w absolute_limit |-w  percentage_limit% | -W inode_percentage_limit } {-c absolute_limit|-c percentage_limit% | -K inode_percentage_limit } {-p path | -x device}
        [-C] [-E] [-e] [-f] [-g group ] [-k] [-l] [-M] [-m] [-R path ] [-r path ]
        [-t timeout] [-u unit] [-v] [-X type] [-N type]
        """,
        description: """
        Reports the free space (and free inodes) of mounted file systems and
        alerts when it falls below a limit. The perfdata holds the used space
        in bytes for graphing.
        """,
        options: """
         --extra-opts=[section][@file]
            Read options from an ini file: the section (default: the plugin's
            name) of the file (default: the first of the standard places).
         -w, --warning=LIMIT
         -c, --critical=LIMIT
            Alert when the free space is at or below LIMIT: a number of units
            (see -u, MiB by default) or a percentage of the size (10%). A range
            (@10:20%) is taken as the free-space interval that alerts.
            Both a unit and a percentage limit may be given; each applies.
         -W, --iwarning=PCT%
         -K, --icritical=PCT%
            The same for the percentage of free inodes.
         -p, --path=PATH, --partition=PATH
            Check the file system PATH lives on (a mount point, a file or
            directory on it, or a device name). Repeatable; uses the limits
            given before it.
         -r, --ereg-path=REGEX, --ereg-partition=REGEX
         -R, --eregi-path=REGEX, --eregi-partition=REGEX
            Check every file system whose mount point or device matches the
            extended regular expression (-R ignores case). Repeatable.
         -A, --all
            Check every file system (the same as -R '.*').
         -i, --ignore-ereg-path=REGEX, --ignore-ereg-partition=REGEX
         -I, --ignore-eregi-path=REGEX, --ignore-eregi-partition=REGEX
            Drop the paths selected so far whose mount point or device matches
            (-I ignores case). Select paths first (-p, -r, -A).
         -x, --exclude_device=PATH
            Skip a mount point or device when all file systems are checked.
         -X, --exclude-type=TYPE
            Skip file systems of this type (repeatable; iso9660 is always skipped).
         -N, --include-type=TYPE
            Check only file systems of these types (repeatable).
         -C, --clear
            Forget the limits (and group) given so far, so that the following
            -p options get their own; paths not named keep the earlier limits.
         -E, --exact-match
            -p must name a mount point exactly (give it before any -p).
         -g, --group=NAME
            Add the space of the following selected file systems together and
            apply the limits to the sum, reported under NAME.
         -e, --errors-only
            List only the file systems that are not OK.
         -f, --freespace-ignore-reserved
            Leave blocks reserved for root out of the size.
         -P, --iperfdata
            Add the number of used inodes to the perfdata.
         -u, --units=UNIT
            bytes, kB or KiB, MB or MiB (default), GB or GiB, TB or TiB, PB or PiB
            (all powers of 1024, as in 2.3.3).
         -k, --kilobytes
            Same as -u kB.
         -m, --megabytes
            Same as -u MB.
         -l, --local
            Skip network file systems.
         -L, --stat-remote-fs
            Like -l, but still check that network file systems answer (stale
            NFS handles give CRITICAL).
         -M, --mountpoint
            Name file systems by their device instead of their mount point.
         -t, --timeout=SECONDS
            Give up after this many seconds (default: 10).
         -v, --verbose
            Mark the file systems in alert; -vvv prints the computation.
         -q, --quiet
            Same as -e.
        """,
        notes: """
        Positional form: check_disk [WARN_USED% [CRIT_USED%]] [PATH] alerts on
        the used percentage instead.

        Examples:
         check_disk -w 10% -c 5% -p /
            WARNING when 10% or less of / is free, CRITICAL at 5% or less.
         check_disk -w 20% -c 10% -p /var -C -w 500 -c 100 -p /tmp
            /var by percentage, /tmp by 500 MiB and 100 MiB.
         check_disk -w 10% -c 5% -g data -r '^/srv/data' -X tmpfs
            The file systems under /srv/data together, as one group.
        """
    )

    static let options = OptionParser([
        // Long names in 2.3.3's longopts order: getopt lists an ambiguous
        // abbreviation's candidates in that order (`--ver`: verbose, version).
        OptionSpec("h", "help", key: "h"),
        OptionSpec("?", nil, key: "?"),
        OptionSpec("t", "timeout", .required, key: "t"),
        OptionSpec("w", "warning", .required, key: "w"), OptionSpec("c", "critical", .required, key: "c"),
        OptionSpec("W", "iwarning", .required, key: "W"), OptionSpec("K", "icritical", .required, key: "K"),
        OptionSpec("k", "kilobytes", key: "k"), OptionSpec("m", "megabytes", key: "m"),
        OptionSpec("u", "units", .required, key: "u"),
        OptionSpec("p", "path", .required, key: "p"), OptionSpec(nil, "partition", .required, key: "p"),
        OptionSpec("x", "exclude_device", .required, key: "x"),
        OptionSpec("X", "exclude-type", .required, key: "X"), OptionSpec("N", "include-type", .required, key: "N"),
        OptionSpec("g", "group", .required, key: "g"),
        OptionSpec("R", "eregi-path", .required, key: "R"), OptionSpec(nil, "eregi-partition", .required, key: "R"),
        OptionSpec("r", "ereg-path", .required, key: "r"), OptionSpec(nil, "ereg-partition", .required, key: "r"),
        OptionSpec("f", "freespace-ignore-reserved", key: "f"),
        OptionSpec("i", "ignore-ereg-path", .required, key: "i"),
        OptionSpec(nil, "ignore-ereg-partition", .required, key: "i"),
        OptionSpec("I", "ignore-eregi-path", .required, key: "I"),
        OptionSpec(nil, "ignore-eregi-partition", .required, key: "I"),
        OptionSpec("l", "local", key: "l"), OptionSpec("L", "stat-remote-fs", key: "L"),
        OptionSpec("P", "iperfdata", key: "P"), OptionSpec("M", "mountpoint", key: "M"),
        OptionSpec("e", "errors-only", key: "e"), OptionSpec("E", "exact-match", key: "E"),
        OptionSpec("A", "all", key: "A"), OptionSpec("v", "verbose", key: "v"),
        OptionSpec("V", "version", key: "V"),
        OptionSpec("q", "quiet", key: "q"), OptionSpec("C", "clear", key: "C"),
    ], stopAtFirstOperand: true)

    public static func main(_ arguments: [String]) -> Never {
        PluginMain.run(info) { () throws(PluginError) in
            try run(ExtraOpts.expanded(arguments, plugin: info.name), probe: LiveFilesystemProbe(), armTimeout: true)
        }
    }

    /// Parses the command line, measures through `probe` and renders the
    /// result. Verbose (-vvv) traces come first, as the C plugin prints them.
    public static func run(_ arguments: [String], probe: some FilesystemProbe,
                           armTimeout: Bool = false) throws(PluginError) -> PluginExit {
        let session = DiskSession(probe: probe)
        do {
            if let early = try session.parse(arguments) { return early }
            if armTimeout, session.timeoutSeconds > 0 {
                Timeout.arm(seconds: UInt32(session.timeoutSeconds), state: .critical)
            }
            try session.selectDefaults()
            let (text, status) = try session.evaluate()
            return .text(session.trace + text, status)
        } catch {
            guard !session.trace.isEmpty else { throw error }
            switch error {
            case .usage(let m): throw .state(.unknown, session.trace + "check_disk: \(m)\n" + info.usageText)
            case .plainUsage(let m): throw .state(.unknown, session.trace + m + "\n" + info.usageText)
            case .getopt: throw error
            case .unknown(let m): throw .state(.unknown, session.trace + "UNKNOWN - \(m)\n")
            case .state(let s, let t): throw .state(s, session.trace + t)
            }
        }
    }
}

// MARK: - The C plugin's data model

/// A mount entry shared by reference, as the C plugin shares `mount_entry`
/// pointers: renaming a group's entry renames it for every path using it.
final class DiskMount {
    var device: String
    var mountPoint: String
    let type: String
    let isDummy: Bool
    let isRemote: Bool

    init(_ e: MountEntry) {
        device = e.device
        mountPoint = e.mountPoint
        type = e.type
        isDummy = e.isDummy
        isRemote = e.isRemote
    }

    /// The name shown in the output and perfdata.
    func label(byDevice: Bool) -> String { mountPoint == "none" || byDevice ? device : mountPoint }
}

/// A range as 2.3.3's `parse_range_string()` leaves it: an infinite end
/// keeps the value 0, which the perfdata arithmetic then uses.
struct DiskRange: Equatable {
    var start: Double = 0
    var end: Double = 0
    var startInfinite = false
    var endInfinite = true
    var inside = false

    func alerts(_ value: Double) -> Bool {
        let within: Bool
        switch (startInfinite, endInfinite) {
        case (false, false): within = start <= value && value <= end
        case (false, true): within = start <= value
        case (true, false): within = value <= end
        case (true, true): within = true
        }
        return within == inside
    }

    /// Parses `[@][start:][end]` where numbers may carry a `%`. Unlike the C
    /// plugin (which reads `abc` as 0), text that is not a number is refused.
    init(parsing text: String) throws(PluginError) {
        var body = Substring(text)
        if body.first == "@" {
            inside = true
            body = body.dropFirst()
        }
        func number(_ s: Substring) throws(PluginError) -> Double {
            var digits = s
            if digits.last == "%" { digits = digits.dropLast() }
            guard let v = NumberFormat.parseStrict(digits) else {
                throw .usage("Range format incorrect: '\(text)' (a number or percentage is expected)")
            }
            return v
        }
        var endText = body
        if let colon = body.firstIndex(of: ":") {
            let left = body[..<colon]
            if left == "~" {
                startInfinite = true
            } else if !left.isEmpty {
                start = try number(left)
            }
            endText = body[body.index(after: colon)...]
        } else if body.isEmpty {
            throw .usage("Range format incorrect: '\(text)' (a number or percentage is expected)")
        }
        if !endText.isEmpty {
            end = try number(endText)
            endInfinite = false
        }
        if !startInfinite && !endInfinite && start > end { throw .state(.unknown, "Range format incorrect") }
    }
}

struct DiskThresholds {
    var warning: DiskRange?
    var critical: DiskRange?

    /// `get_status()`: critical first, unset ranges never alert.
    func status(_ value: Double) -> Status {
        if let critical, critical.alerts(value) { return .critical }
        if let warning, warning.alerts(value) { return .warning }
        return .ok
    }
}

/// One selected path (`struct parameter_list`).
final class DiskPath {
    let name: String
    var freeUnits = DiskThresholds()
    var freePercent = DiskThresholds()
    var usedPercent = DiskThresholds()
    var freeInodesPercent = DiskThresholds()
    var group: String?
    var bestMatch: DiskMount?

    var total: UInt64 = 0, available: UInt64 = 0, availableToRoot: UInt64 = 0, used: UInt64 = 0
    var inodesFree: UInt64 = 0, inodesFreeToRoot: UInt64 = 0, inodesUsed: UInt64 = 0, inodesTotal: UInt64 = 0
    var freePct: Double = -1, usedPct: Double = -1
    var usedUnits: UInt64 = 0, freeUnitsValue: UInt64 = 0, totalUnits: UInt64 = 0
    var usedInodesPct: Double = 0, freeInodesPct: Double = 0

    init(name: String) { self.name = name }
}

/// The threshold texts in force at a point of the command line.
struct DiskLimitTexts: Equatable {
    var warnFreeUnits: String?, critFreeUnits: String?
    var warnFreePercent: String?, critFreePercent: String?
    var warnUsedPercent: String?, critUsedPercent: String?
    var warnFreeInodes: String?, critFreeInodes: String?

    var isEmpty: Bool { self == DiskLimitTexts() }

    /// `set_all_thresholds()`: parses the texts onto a path. `cache` keeps
    /// ranges already parsed (the same texts are applied to every mount).
    func apply(to path: DiskPath, cache: inout [(String, DiskRange)]) throws(PluginError) {
        func range(_ text: String?) throws(PluginError) -> DiskRange? {
            guard let text else { return nil }
            for (t, r) in cache where t == text { return r }
            let r = try DiskRange(parsing: text)
            cache.append((text, r))
            return r
        }
        path.freeUnits = DiskThresholds(warning: try range(warnFreeUnits), critical: try range(critFreeUnits))
        path.freePercent = DiskThresholds(warning: try range(warnFreePercent), critical: try range(critFreePercent))
        path.usedPercent = DiskThresholds(warning: try range(warnUsedPercent), critical: try range(critUsedPercent))
        path.freeInodesPercent = DiskThresholds(warning: try range(warnFreeInodes), critical: try range(critFreeInodes))
    }
}

// MARK: - One run

/// The state of one check_disk run, mirroring the C plugin's globals so
/// that every order-dependent rule of 2.3.3 holds.
final class DiskSession {
    // Neither generic nor using Set/Dictionary: each generic type first
    // instantiated at run time costs a scan of the binary's conformance
    // records, which would make check_disk dearer than the C plugin.
    let probe: any FilesystemProbe
    var trace = ""
    var verbose = 0
    var mounts: [DiskMount] = []
    var paths: [DiskPath] = []
    var limits = DiskLimitTexts()
    var group: String?
    var pathSelected = false
    var exactMatch = false
    var erronly = false
    var displayByDevice = false
    var showLocalOnly = false
    var statRemote = false
    var inodePerfdata = false
    var ignoreReserved = false
    var excludedPaths: [String] = []
    var excludedTypes: [String] = ["iso9660"]
    var includedTypes: [String] = []
    var units: String?
    var mult: UInt64 = 1024 * 1024
    var timeoutSeconds = 10
    /// Mount points already reported (`np_seen_name()`); few, so a list.
    var seen: [String] = []
    var rangeCache: [(String, DiskRange)] = []

    init(probe: any FilesystemProbe) { self.probe = probe }

    func log(_ text: String) { trace += text }

    func readMounts() throws(PluginError) -> [DiskMount] {
        do {
            return try probe.mounts().map(DiskMount.init)
        } catch {
            throw .unknown("cannot read the mount table: \(error)")
        }
    }

    // MARK: Options

    /// Processes the options in order; returns help/version output, or nil to go on.
    func parse(_ rawArguments: [String]) throws(PluginError) -> PluginExit? {
        if rawArguments.isEmpty { throw .usage("Could not parse arguments") }
        mounts = try readMounts()
        let arguments = rawArguments.map { $0 == "-to" ? "-t" : $0 }
        let parsed = CheckDisk.options.parseInOrder(arguments)
        for option in parsed.options {
            let value = option.value ?? ""
            switch option.key {
            case "h": return .text(CheckDisk.info.helpText, .unknown)
            case "V": return .text(CheckDisk.info.versionLine, .unknown)
            case "?": throw .plainUsage("Unknown argument")  // `-?` is in 2.3.3's optstring: no getopt complaint
            case "t":
                guard let t = DiskC.cInteger(value) else {
                    throw .usage("Timeout interval must be a positive integer - \(value)")
                }
                timeoutSeconds = t
            case "w", "c":
                let text = value.hasPrefix("@") ? value : "@" + value
                let percent = value.contains("%")
                switch (option.key, percent) {
                case ("w", true): limits.warnFreePercent = text
                case ("w", false): limits.warnFreeUnits = text
                case (_, true): limits.critFreePercent = text
                default: limits.critFreeUnits = text
                }
            case "W": limits.warnFreeInodes = value.hasPrefix("@") ? value : "@" + value
            case "K": limits.critFreeInodes = value.hasPrefix("@") ? value : "@" + value
            case "u":
                guard let unit = Self.unit(named: value) else {
                    throw .state(.unknown, "unit type \(value) not known\n")
                }
                (units, mult) = unit
            case "k": (units, mult) = ("kiB", 1024)
            case "m": (units, mult) = ("MiB", 1024 * 1024)
            case "L":
                statRemote = true
                showLocalOnly = true
            case "l": showLocalOnly = true
            case "P": inodePerfdata = true
            case "p": try selectPath(value)
            case "x": excludedPaths.append(value)
            case "X": excludedTypes.append(value)
            case "N": includedTypes.append(value)
            case "v": verbose += 1
            case "q", "e": erronly = true
            case "E":
                if pathSelected { throw .state(.unknown, "DISK UNKNOWN: Must set -E before selecting paths\n") }
                exactMatch = true
            case "f": ignoreReserved = true
            case "g":
                if pathSelected { throw .state(.unknown, "DISK UNKNOWN: Must set group value before selecting paths\n") }
                group = value
            case "i", "I": try ignoreMatching(value, ignoreCase: option.key == "I")
            case "A": try selectMatching(".*", ignoreCase: true)
            case "r", "R": try selectMatching(value, ignoreCase: option.key == "R")
            case "M": displayByDevice = true
            case "C": try clear()
            default: break
            }
        }
        // getopt's complaint on stderr, then `usage("Unknown argument")`.
        try parsed.checkRefusal(preface: "Unknown argument")
        try positional(parsed.operands)
        if units == nil { (units, mult) = ("MiB", 1024 * 1024) }
        return nil
    }

    /// `check_disk [WARN_USED% [CRIT_USED%]] [PATH]` after the options.
    func positional(_ operands: [String]) throws(PluginError) {
        var rest = operands[...]
        if limits.warnUsedPercent == nil, let first = rest.first, DiskC.cNonNegativeInteger(first) {
            limits.warnUsedPercent = first
            rest = rest.dropFirst()
        }
        if limits.critUsedPercent == nil, let first = rest.first, DiskC.cNonNegativeInteger(first) {
            limits.critUsedPercent = first
            rest = rest.dropFirst()
        }
        if let name = rest.first {
            let path = DiskPath(name: name)
            paths.append(path)
            pathSelected = true
            try limits.apply(to: path, cache: &rangeCache)
        }
    }

    /// The 2.3.3 unit names (all powers of 1024, shown with an `i`).
    static func unit(named name: String) -> (String, UInt64)? {
        if name.lowercased() == "bytes" { return ("B", 1) }
        let table: [(String, String, String, UInt64)] = [
            ("KiB", "kB", "kiB", 1 << 10), ("MiB", "MB", "MiB", 1 << 20), ("GiB", "GB", "GiB", 1 << 30),
            ("TiB", "TB", "TiB", 1 << 40), ("PiB", "PB", "PiB", 1 << 50),
        ]
        for (a, b, shown, m) in table where name == a || name == b { return (shown, m) }
        return nil
    }

    /// Comparing lengths first keeps the many misses cheap.
    static func same(_ a: String, _ b: String) -> Bool { a.utf8.count == b.utf8.count && a == b }

    func findPath(_ name: String) -> DiskPath? { paths.first { Self.same($0.name, name) } }

    func addPath(_ name: String) -> DiskPath {
        let p = DiskPath(name: name)
        paths.append(p)
        return p
    }

    func selectPath(_ name: String) throws(PluginError) {
        if limits.isEmpty {
            throw .state(.unknown, "DISK UNKNOWN: Must set a threshold value before using -p\n")
        }
        let path = findPath(name) ?? addPath(name)
        path.group = group
        try limits.apply(to: path, cache: &rangeCache)
        try statPath(path)
        mounts = try readMounts()
        setBestMatch(from: paths.firstIndex { $0 === path } ?? 0)
        pathSelected = true
    }

    func compile(_ pattern: String, ignoreCase: Bool) throws(PluginError) -> PosixRegex {
        do {
            return try PosixRegex(pattern, options: ignoreCase ? [.extended, .ignoreCase] : .extended)
        } catch {
            throw .state(.unknown, "DISK UNKNOWN: Could not compile regular expression - \(error.message)\n")
        }
    }

    func matches(_ mount: DiskMount, _ re: PosixRegex) -> Bool {
        re.matches(mount.device) || re.matches(mount.mountPoint)
    }

    /// `-r`, `-R`, `-A`: every mount entry matching, with the current limits.
    func selectMatching(_ pattern: String, ignoreCase: Bool) throws(PluginError) {
        if limits.isEmpty {
            throw .state(.unknown, "DISK UNKNOWN: Must set a threshold value before using -r/-R\n")
        }
        let re = try compile(pattern, ignoreCase: ignoreCase)
        var found = false
        for me in mounts where matches(me, re) {
            found = true
            if verbose >= 3 { log("\(me.device) \(me.mountPoint) matching expression \(pattern)\n") }
            let path = findPath(me.mountPoint) ?? addPath(me.mountPoint)
            path.group = group
            try limits.apply(to: path, cache: &rangeCache)
        }
        if !found {
            throw .state(.unknown, "DISK UNKNOWN: Regular expression did not match any path or disk - \(pattern)\n")
        }
        pathSelected = true
        setBestMatch(from: 0)
    }

    /// `-i`, `-I`: drops selected paths whose mount entry matches.
    func ignoreMatching(_ pattern: String, ignoreCase: Bool) throws(PluginError) {
        if !pathSelected {
            throw .state(.unknown, "DISK UNKNOWN: Paths need to be selected before using -i/-I. Use -A to select all paths explicitly\n")
        }
        let re = try compile(pattern, ignoreCase: ignoreCase)
        var kept: [DiskPath] = []
        for path in paths {
            if let me = path.bestMatch, matches(me, re) {
                if verbose >= 3 { log("ignoring \(path.name) matching regex\n") }
            } else {
                kept.append(path)
            }
        }
        paths = kept
    }

    /// `-C`: without a selection yet, every mount gets the limits so far;
    /// then the limits and group are forgotten.
    func clear() throws(PluginError) {
        if !pathSelected { try selectAllMounts() }
        limits = DiskLimitTexts()
        pathSelected = false
        group = nil
    }

    func selectAllMounts() throws(PluginError) {
        for me in mounts {
            let path = findPath(me.mountPoint) ?? addPath(me.mountPoint)
            path.bestMatch = me
            path.group = group
            try limits.apply(to: path, cache: &rangeCache)
        }
    }

    /// `stat_path()`: a path that cannot be stat'ed is CRITICAL.
    func statPath(_ path: DiskPath) throws(PluginError) {
        if verbose >= 3 { log("calling stat on \(path.name)\n") }
        let err = probe.statError(of: path.name)
        guard err != 0 else { return }
        if verbose >= 3 { log("stat failed on \(path.name)\n") }
        throw .state(.critical, "DISK CRITICAL - \(path.name) is not accessible: \(String(cString: strerror(err)))\n")
    }

    /// `np_set_best_match()` (with Debian's patch): for each path from
    /// `start` on without a match, the last mount whose device is the path,
    /// else the longest mount point that is a prefix of it (exact with -E);
    /// only mounts `statvfs()` can read qualify.
    func setBestMatch(from start: Int) {
        guard start < paths.count, paths[start...].contains(where: { $0.bestMatch == nil }) else { return }
        // The mount points and devices as two flat byte buffers, built once
        // per call, so that this paths × mounts loop compares with memcmp
        // as the C plugin does with strcmp (String comparisons and per-pair
        // copies made it cost twice the C plugin's run on a host with 60 mounts).
        var dirBytes: [UInt8] = [], dirStart: [Int] = [], devBytes: [UInt8] = [], devStart: [Int] = []
        dirStart.reserveCapacity(mounts.count + 1)
        devStart.reserveCapacity(mounts.count + 1)
        for me in mounts {
            var dir = me.mountPoint, device = me.device
            dirStart.append(dirBytes.count)
            dir.withUTF8 { dirBytes.append(contentsOf: $0) }
            devStart.append(devBytes.count)
            device.withUTF8 { devBytes.append(contentsOf: $0) }
        }
        dirStart.append(dirBytes.count)
        devStart.append(devBytes.count)
        /// Whether `count` bytes of `table` from `offset` equal the first `count` of `name`.
        func equal(_ table: UnsafeBufferPointer<UInt8>, _ offset: Int, _ name: UnsafeBufferPointer<UInt8>, _ count: Int) -> Bool {
            if count == 0 { return true }
            guard let t = table.baseAddress, let n = name.baseAddress else { return false }
            return memcmp(t + offset, n, count) == 0
        }
        dirBytes.withUnsafeBufferPointer { dirs in
            devBytes.withUnsafeBufferPointer { devs in
                for path in paths[start...] where path.bestMatch == nil {
                    let nameBytes = Array(path.name.utf8)
                    path.bestMatch = nameBytes.withUnsafeBufferPointer { name -> DiskMount? in
                        var best: DiskMount?
                        for k in 0..<mounts.count {
                            let length = devStart[k + 1] - devStart[k]
                            if length == name.count && equal(devs, devStart[k], name, length)
                                && probe.usage(of: mounts[k].mountPoint) != nil {
                                best = mounts[k]
                            }
                        }
                        if best != nil { return best }
                        var bestLength = 0
                        for k in 0..<mounts.count {
                            let length = dirStart[k + 1] - dirStart[k]
                            let candidate = exactMatch
                                ? length == name.count && equal(dirs, dirStart[k], name, length)
                                : bestLength <= length && length <= name.count
                                    && (length == 1 || equal(dirs, dirStart[k], name, length))
                            if candidate && probe.usage(of: mounts[k].mountPoint) != nil {
                                best = mounts[k]
                                bestLength = length
                            }
                        }
                        return best
                    }
                }
            }
        }
    }

    /// After the options: all mounts when nothing was selected, then the
    /// best matches, and CRITICAL for a path that matches no mount.
    func selectDefaults() throws(PluginError) {
        if !pathSelected { try selectAllMounts() }
        setBestMatch(from: 0)
        for path in paths where path.bestMatch == nil {
            throw .state(.critical, "DISK CRITICAL: \(path.name) not found\n")
        }
    }

    // MARK: Measurement

    /// `get_path_stats()`.
    func pathStats(_ p: DiskPath, _ fs: FilesystemUsage) {
        p.available = fs.availableBlocks
        p.availableToRoot = fs.freeBlocks
        p.used = fs.blocks &- fs.freeBlocks
        p.total = ignoreReserved ? fs.blocks &- p.availableToRoot &+ p.available : fs.blocks
        p.usedUnits = p.used &* fs.blockSize / mult
        p.freeUnitsValue = p.available &* fs.blockSize / mult
        p.totalUnits = p.total &* fs.blockSize / mult
        p.inodesFree = fs.freeFiles
        p.inodesFreeToRoot = fs.freeFiles
        p.inodesUsed = fs.files &- fs.freeFiles
        p.inodesTotal = ignoreReserved ? fs.files &- p.inodesFreeToRoot &+ p.inodesFree : fs.files
        if let me = p.bestMatch { seen.append(me.mountPoint) }
    }

    /// `get_stats()`: one file system, or the sum over a group.
    func stats(_ p: DiskPath, _ fs: FilesystemUsage) throws(PluginError) {
        if let g = p.group {
            var first = true
            var memberUsage = FilesystemUsage(blockSize: 0, blocks: 0, freeBlocks: 0, availableBlocks: 0, files: 0, freeFiles: 0)
            for member in paths {
                if member.group == g, let me = member.bestMatch {
                    try statPath(member)
                    if let u = probe.usage(of: me.mountPoint) { memberUsage = u }
                    pathStats(member, memberUsage)
                    if verbose >= 3 {
                        log("Group \(g): adding \(memberUsage.blocks) blocks sized \(memberUsage.blockSize), (\(me.mountPoint)) used_units=\(member.usedUnits) free_units=\(member.freeUnitsValue) total_units=\(member.totalUnits) mult=\(mult)\n")
                    }
                    if !first {
                        p.total &+= member.total
                        p.available &+= member.available
                        p.availableToRoot &+= member.availableToRoot
                        p.used &+= member.used
                        p.usedUnits &+= member.usedUnits
                        p.freeUnitsValue &+= member.freeUnitsValue
                        p.totalUnits &+= member.totalUnits
                        p.inodesTotal &+= member.inodesTotal
                        p.inodesFree &+= member.inodesFree
                        p.inodesFreeToRoot &+= member.inodesFreeToRoot
                        p.inodesUsed &+= member.inodesUsed
                    }
                    first = false
                }
                if verbose >= 3 {
                    log("Group \(g) now has: used_units=\(p.usedUnits) free_units=\(p.freeUnitsValue) total_units=\(p.totalUnits) fsu_blocksize=\(memberUsage.blockSize) mult=\(mult)\n")
                }
            }
            p.bestMatch?.mountPoint = g
            p.bestMatch?.device = g
        } else {
            pathStats(p, fs)
        }
        p.usedPct = ceilingPercent(p.used, of: p.used &+ p.available)
        p.freePct = 100 - p.usedPct
        p.usedInodesPct = ceilingPercent(p.inodesTotal &- p.inodesFree, of: p.inodesTotal)
        p.freeInodesPct = 100 - p.usedInodesPct
    }

    // MARK: Evaluation and output

    func evaluate() throws(PluginError) -> (String, Status) {
        var result = Status.unknown
        var output = ""
        var perf: [PerfDatum] = []
        var lastUsage = FilesystemUsage(blockSize: 0, blocks: 0, freeBlocks: 0, availableBlocks: 0, files: 0, freeFiles: 0)
        let unitName = units ?? "MiB"
        for path in paths {
            if verbose >= 3, let w = path.freePercent.warning, let c = path.freePercent.critical {
                log("Thresholds(pct) for \(path.name) warn: \(NumberFormat.fixed6(w.end)) crit \(NumberFormat.fixed6(c.end))\n")
            }
            if verbose >= 3, let g = path.group { log("Group of \(path.name): \(g)\n") }
            guard let me = path.bestMatch else { continue }
            if seen.contains(where: { Self.same($0, me.mountPoint) }) { continue }
            seen.append(me.mountPoint)
            if path.group == nil {
                if me.isRemote && showLocalOnly {
                    if statRemote { try statPath(path) }
                    continue
                }
                if excludedTypes.contains(me.type) { continue }
                if excludedPaths.contains(me.device) || excludedPaths.contains(me.mountPoint) { continue }
                if !includedTypes.isEmpty && !includedTypes.contains(me.type) { continue }
            }
            try statPath(path)
            // Like the C plugin, a failing statvfs() leaves the last numbers in place.
            if let u = probe.usage(of: me.mountPoint) { lastUsage = u }
            let fs = lastUsage
            guard fs.blocks != 0 && me.mountPoint != "none" else { continue }
            try stats(path, fs)
            if verbose >= 3 {
                log("For \(me.mountPoint), used_pct=\(DiskC.cG(path.usedPct)) free_pct=\(DiskC.cG(path.freePct)) used_units=\(path.usedUnits) free_units=\(path.freeUnitsValue) total_units=\(path.totalUnits) used_inodes_pct=\(DiskC.cG(path.usedInodesPct)) free_inodes_pct=\(DiskC.cG(path.freeInodesPct)) fsp.fsu_blocksize=\(fs.blockSize) mult=\(mult)\n")
            }
            // The six comparisons of 2.3.3, in its order (two never have limits).
            var diskResult = Status.unknown
            func combine(_ name: String, _ s: Status) {
                if verbose >= 3 { log("\(name) result=\(s.rawValue)\n") }
                diskResult = Status.combinedClassic(diskResult, s)
            }
            combine("Freespace_units", path.freeUnits.status(Double(path.freeUnitsValue)))
            combine("Freespace%", path.freePercent.status(path.freePct))
            combine("Usedspace_units", .ok)
            combine("Usedspace_percent", path.usedPercent.status(path.usedPct))
            combine("Usedinodes_percent", .ok)
            combine("Freeinodes_percent", path.freeInodesPercent.status(path.freeInodesPct))
            result = Status.combinedClassic(result, diskResult)

            let label = me.label(byDevice: displayByDevice)
            perf.append(try spacePerfdatum(path, label: label))
            if inodePerfdata { perf.append(try inodePerfdatum(path, label: label + " (inodes)")) }

            if diskResult == .ok && erronly && verbose == 0 { continue }
            let flagged = diskResult != .ok && verbose >= 1
            output += flagged ? " \(diskResult.label) [" : ""
            output += " \(label) \(path.freeUnitsValue)\(unitName) (\(DiskC.percent(path.freePct))%"
            if path.usedInodesPct < 0 {
                output += " inode=-)\(diskResult != .ok ? "]" : "");"
            } else {
                output += " inode=\(DiskC.percent(path.freeInodesPct))%)\(flagged ? "]" : "");"
            }
        }
        let preamble = erronly && result == .ok ? "" : " - free space:"
        var perfText = ""
        for datum in perf { perfText += " " + datum.description }
        return ("DISK \(result.label)\(preamble)\(output)|\(perfText)\n", result)
    }

    /// The used space in bytes, with the free-space limits turned into
    /// used-space "high tides" by 2.3.3's arithmetic (wrap-arounds included).
    func spacePerfdatum(_ p: DiskPath, label: String) throws(PluginError) -> PerfDatum {
        let totalBytes = p.totalUnits &* mult
        func tide(_ units: DiskRange?, _ percent: DiskRange?) -> UInt64? {
            var high: UInt64 = .max
            if let units { high = DiskC.cDoubleToUInt64((Double(p.totalUnits) - units.end) * Double(mult)) }
            if let percent { high = min(high, DiskC.cDoubleToUInt64((1.0 - percent.end / 100) * Double(totalBytes))) }
            return high == .max ? nil : high
        }
        let warn = tide(p.freeUnits.warning, p.freePercent.warning)
        let crit = tide(p.freeUnits.critical, p.freePercent.critical)
        return try perfdatum(label, p.usedUnits &* mult, "B", warn, crit, totalBytes)
    }

    /// The used inodes, with the free-inode percentages as used-inode tides.
    func inodePerfdatum(_ p: DiskPath, label: String) throws(PluginError) -> PerfDatum {
        func tide(_ r: DiskRange?) -> UInt64? {
            guard let r else { return nil }
            let high = DiskC.cDoubleToUInt64(Swift.min(Double(UInt64.max), (1.0 - r.end / 100) * Double(p.inodesTotal)).magnitude)
            return high == .max ? nil : high
        }
        return try perfdatum(label, p.inodesUsed, "", tide(p.freeInodesPercent.warning),
                             tide(p.freeInodesPercent.critical), p.inodesTotal)
    }

    func perfdatum(_ label: String, _ value: UInt64, _ uom: String, _ warn: UInt64?, _ crit: UInt64?,
                   _ max: UInt64) throws(PluginError) -> PerfDatum {
        do {
            return try PerfDatum(label: label, value: String(value), uom: uom, warning: warn.map { String($0) },
                                 critical: crit.map { String($0) }, minimum: "0", maximum: String(max),
                                 layout: .integer)
        } catch {
            throw .unknown("cannot write perfdata for '\(label)': \(error)")
        }
    }
}

// MARK: - C arithmetic and number syntax

/// The C plugin's arithmetic and number syntax, reproduced exactly.
enum DiskC {
    /// `(uint64_t)x` as x86-64 code computes it: negative values wrap around,
    /// values out of range (and NaN) give what `cvttsd2si` gives.
    static func cDoubleToUInt64(_ x: Double) -> UInt64 {
        let twoTo63 = 9_223_372_036_854_775_808.0
        if x.isNaN { return 1 << 63 }
        if x < twoTo63 {
            guard x > -twoTo63 else { return 1 << 63 }
            return UInt64(bitPattern: Int64(x))
        }
        let y = x - twoTo63
        guard y < twoTo63 else { return 0 }
        return UInt64(bitPattern: Int64(y)) ^ (1 << 63)
    }

    /// printf's `%.0f` for a percentage, without going through `vsnprintf`
    /// (whose `CVarArg` boxing costs a runtime conformance lookup) when the
    /// value is a whole number, as 2.3.3's rounded-up percentages are.
    static func percent(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15, !(value == 0 && value.sign == .minus) {
            return String(Int64(value))
        }
        return NumberFormat.fixed(value, decimals: 0)
    }

    /// printf's `%g`.
    static func cG(_ value: Double) -> String { NumberFormat.formatDouble("%g", value) }

    /// The C library's `is_integer()` + `atoi()`: blanks, a sign and digits
    /// that fit an `int`.
    static func cInteger(_ text: String) -> Int? {
        var s = Substring(text)
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s = s.dropFirst() }
        if s.first == "+" { s = s.dropFirst() }
        guard let v = Int32(s) else { return nil }
        return Int(v)
    }

    /// `is_intnonneg()`.
    static func cNonNegativeInteger(_ text: String) -> Bool { (DiskC.cInteger(text) ?? -1) >= 0 }
}
