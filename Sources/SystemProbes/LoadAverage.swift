import NagiosPlugin

/// The 1-, 5- and 15-minute load averages of `/proc/loadavg`.
///
/// Debian's check_load 2.3.3 reads them from the output of `uptime`, which
/// prints each with two decimals; ``uptimeRounded`` gives those values, so
/// that thresholds compare exactly what the C plugin compares.
public struct LoadAverage: Sendable, Equatable {
    public static let path = "/proc/loadavg"

    /// The three averages as the kernel wrote them.
    public var values: [Double]

    public init(_ one: Double, _ five: Double, _ fifteen: Double) {
        values = [one, five, fifteen]
    }

    /// Reads the averages the way procps does (`sscanf "%lf %lf %lf"`):
    /// fields that are missing or unreadable stay 0.
    public init(parsing bytes: [UInt8]) {
        var scanner = CScanner(bytes)
        var v: [Double] = [0, 0, 0]
        for i in 0..<3 {
            guard let d = scanner.double() else { break }
            v[i] = d
        }
        values = v
    }

    /// Reads `/proc/loadavg` under `root`.
    public static func read(_ root: SystemRoot) throws(SystemError) -> LoadAverage {
        LoadAverage(parsing: try root.read(path))
    }

    /// Each value printed with `%.2f` and read back, as check_load sees
    /// them through `uptime` (3.125 becomes 3.12, 1.999 becomes 2).
    public var uptimeRounded: LoadAverage {
        var r = self
        r.values = values.map { FixedPoint.rounded($0, decimals: 2) }
        return r
    }
}

/// The number of online CPUs, found the way glibc's `get_nprocs()` (and so
/// `sysconf(_SC_NPROCESSORS_ONLN)`) finds it: the kernel's online list in
/// sysfs, else the `cpuN` lines of `/proc/stat`.
public enum CPUCount {
    public static let onlinePath = "/sys/devices/system/cpu/online"
    public static let statPath = "/proc/stat"

    /// Counts a CPU list such as `0-3,6` (0 when it cannot be read).
    public static func parseOnlineList(_ bytes: [UInt8]) -> Int {
        var scanner = CScanner(bytes)
        var count = 0
        repeat {
            guard let first = scanner.digits() else { return 0 }
            var last = first
            if scanner.consume(UInt8(ascii: "-")) {
                guard let m = scanner.digits() else { return 0 }
                last = m
            }
            if last >= first { count += Int(clamping: last - first + 1) }
            _ = scanner.consume(UInt8(ascii: ","))
        } while !scanner.atEnd && !scanner.consume(UInt8(ascii: "\n"))
        return count
    }

    /// Counts the lines of `/proc/stat` that start with `cpu` and a digit.
    public static func parseProcStat(_ bytes: [UInt8]) -> Int {
        var count = 0
        var lineStart = true
        var i = 0
        while i < bytes.count {
            if lineStart, i + 3 < bytes.count, bytes[i] == UInt8(ascii: "c"), bytes[i + 1] == UInt8(ascii: "p"),
               bytes[i + 2] == UInt8(ascii: "u"), bytes[i + 3] >= 0x30, bytes[i + 3] <= 0x39 {
                count += 1
            }
            lineStart = bytes[i] == 0x0A
            i += 1
        }
        return count
    }

    /// The online CPUs under `root`, or `nil` when neither source tells.
    public static func online(_ root: SystemRoot) -> Int? {
        if let list = try? root.read(onlinePath) {
            let n = parseOnlineList(list)
            if n > 0 { return n }
        }
        if let stat = try? root.read(statPath) {
            let n = parseProcStat(stat)
            if n > 0 { return n }
        }
        return nil
    }
}

extension CScanner {
    /// Unsigned decimal digits with no sign or leading blanks (`strtoul`
    /// on a kernel list), saturating.
    mutating func digits() -> UInt64? {
        guard !atEnd, CScanner.isDigit(bytes[index]) else { return nil }
        return unsignedLong()
    }
}
