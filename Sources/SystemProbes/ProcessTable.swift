#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin

/// One process as check_procs 2.3.3 reads it from a line of
/// `ps axwwo 'stat uid pid ppid vsz rss pcpu etime comm args'`.
public struct ProcessEntry: Sendable, Equatable {
    /// Process state flags (`S`, `Ss`, `R+`, `Z` …).
    public var stat: String
    public var uid: Int32
    public var pid: Int32
    public var ppid: Int32
    /// Virtual and resident size in KiB, as ps prints them.
    public var vsz: Int32
    public var rss: Int32
    /// CPU percentage (a C `float`, compared as one).
    public var pcpu: Float
    /// Elapsed time as ps prints it: `[[DD-]HH:]MM:SS`.
    public var etime: String
    /// The command name without any directory (`comm`, as `base_name` cuts it).
    public var command: String
    /// The full command line, trailing blanks removed.
    public var args: String

    public init(stat: String = "", uid: Int32 = 0, pid: Int32 = 0, ppid: Int32 = 0, vsz: Int32 = 0, rss: Int32 = 0,
                pcpu: Float = 0, etime: String = "", command: String = "", args: String = "") {
        self.stat = stat
        self.uid = uid
        self.pid = pid
        self.ppid = ppid
        self.vsz = vsz
        self.rss = rss
        self.pcpu = pcpu
        self.etime = etime
        self.command = command
        self.args = args
    }

    /// ``etime`` in seconds (``ProcessTable/elapsedSeconds(_:)``).
    public var elapsedSeconds: Int32? { ProcessTable.elapsedSeconds(etime) }
}

/// The `ps` command check_procs and check_load run, and the parser of its
/// output.
public enum ProcessTable {
    public static let psPath = "/bin/ps"
    public static let psArguments = ["axwwo", "stat uid pid ppid vsz rss pcpu etime comm args"]
    /// The command line as the C plugins print it with `-vv`.
    public static let commandLine = "/bin/ps axwwo 'stat uid pid ppid vsz rss pcpu etime comm args'"

    /// Runs ps in the C locale (as the C plugins' child gets `LC_ALL=C`,
    /// so that `%CPU` is written with a decimal point).
    public static func run() throws(Command.Failure) -> Command.Output {
        setenv("LC_ALL", "C", 1)
        return try Command(path: psPath, arguments: psArguments).run()
    }

    /// Parses ps lines one after another with the C plugin's
    /// `sscanf("%s %d %d %d %d %d %f %s %s %n")`.
    ///
    /// As in C, the fields live on from one line to the next: a zombie
    /// line (state holding `Z`) that lacks later fields still counts and
    /// keeps the previous line's values for them.
    public struct Parser: Sendable {
        public private(set) var last = ProcessEntry()

        public init() {}

        /// The process on `line`, or `nil` when the line does not parse
        /// (check_procs -v reports it as "Not parseable").
        public mutating func parse(_ line: String) -> ProcessEntry? { parse(Array(line.utf8)) }

        /// The process on a line of bytes (no newline).
        public mutating func parse(_ line: [UInt8]) -> ProcessEntry? {
            var s = CScanner(line)
            var e = last
            e.command = ""
            e.args = ""
            let fields = Parser.scan(&s, into: &e)
            last = e
            guard fields == 9 || (fields < 9 && e.stat.utf8.contains(UInt8(ascii: "Z"))) else { return nil }
            if fields == 9 {
                s.skipSpace()
                e.args = ProcessTable.strip(s.rest)
            }
            e.command = ProcessTable.baseName(e.command)
            last = e
            return e
        }

        /// The number of fields converted (as `sscanf` counts them).
        private static func scan(_ s: inout CScanner, into e: inout ProcessEntry) -> Int {
            guard let stat = s.word() else { return 0 }
            e.stat = String(decoding: stat, as: UTF8.self)
            guard let uid = s.int() else { return 1 }
            e.uid = uid
            guard let pid = s.int() else { return 2 }
            e.pid = pid
            guard let ppid = s.int() else { return 3 }
            e.ppid = ppid
            guard let vsz = s.int() else { return 4 }
            e.vsz = vsz
            guard let rss = s.int() else { return 5 }
            e.rss = rss
            guard let pcpu = s.float() else { return 6 }
            e.pcpu = pcpu
            guard let etime = s.word() else { return 7 }
            e.etime = String(decoding: etime, as: UTF8.self)
            guard let comm = s.word() else { return 8 }
            e.command = String(decoding: comm, as: UTF8.self)
            return 9
        }
    }

    /// ps output split into lines without their newline, as the C
    /// plugins' `cmd_run` splits it (a last line without a newline counts).
    public static func lines(_ output: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var start = 0
        for i in output.indices where output[i] == 0x0A {
            result.append(Array(output[start..<i]))
            start = i + 1
        }
        if start < output.count { result.append(Array(output[start...])) }
        return result
    }

    /// The `%CPU` of a line as check_load's sort reads it: 0 unless the
    /// fields before it parse.
    public static func cpuKey(_ line: String) -> Float {
        var s = CScanner(line)
        guard s.word() != nil else { return 0 }
        for _ in 0..<5 where s.int() == nil { return 0 }
        return s.float() ?? 0
    }

    /// `convert_to_seconds()` of check_procs: `D-HH:MM:SS`, `HH:MM:SS` or
    /// `MM:SS`; anything else is 0. A day count of 49710 (a kernel bug of
    /// old) gives `nil`: the C plugin counts it as 0 without its `-vvv`
    /// trace.
    public static func elapsedSeconds(_ etime: String) -> Int32? {
        var hyphens = 0, colons = 0
        for b in etime.utf8 {
            if b == UInt8(ascii: "-") { hyphens += 1 } else if b == UInt8(ascii: ":") { colons += 1 }
        }
        var parts: [Int32] = [0, 0, 0, 0]  // days, hours, minutes, seconds
        var s = CScanner(etime)
        let first: Int
        let separators: [UInt8]
        if hyphens > 0 {
            (first, separators) = (0, Array("-::".utf8))
        } else if colons == 2 {
            (first, separators) = (1, Array("::".utf8))
        } else if colons == 1 {
            (first, separators) = (2, Array(":".utf8))
        } else {
            return 0
        }
        for i in first..<4 {
            guard let v = s.int() else { break }
            parts[i] = v
            if i - first < separators.count, !s.consume(separators[i - first]) { break }
        }
        if hyphens > 0, parts[0] == 49710 { return nil }
        return parts[0] &* 86400 &+ parts[1] &* 3600 &+ parts[2] &* 60 &+ parts[3]
    }

    /// `strip()` of the C library: trailing blanks, tabs, CR and LF removed.
    static func strip(_ bytes: ArraySlice<UInt8>) -> String {
        var end = bytes.endIndex
        while end > bytes.startIndex, [0x20, 0x0D, 0x0A, 0x09].contains(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// gnulib's `base_name()`: the last path component, one trailing slash
    /// kept (`kworker/0:1` → `0:1`, `/usr/bin/x` → `x`, `/` → `/`).
    public static func baseName(_ name: String) -> String {
        let b = Array(name.utf8)
        let slash = UInt8(ascii: "/")
        var base = 0
        while base < b.count, b[base] == slash { base += 1 }
        var lastWasSlash = false
        var p = base
        while p < b.count {
            if b[p] == slash {
                lastWasSlash = true
            } else if lastWasSlash {
                base = p
                lastWasSlash = false
            }
            p += 1
        }
        if base == b.count {  // only slashes, or empty
            return b.isEmpty ? "" : "/"
        }
        var length = b.count - base
        while length > 1, b[base + length - 1] == slash { length -= 1 }
        if base + length < b.count, b[base + length] == slash { length += 1 }
        return String(decoding: b[base..<base + length], as: UTF8.self)
    }
}

/// Which file a path names: device and inode, as `stat()` reports them.
public struct FileIdentity: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// `stat()` of `path` (following links), or `nil` when it fails.
    public init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }

    /// The program process `pid` runs (`/proc/PID/exe` under `root`), or
    /// `nil` when it cannot be read (a kernel thread, another user's
    /// process without privileges, a process that is gone).
    public static func executable(of pid: Int32, root: SystemRoot) -> FileIdentity? {
        FileIdentity(path: root.resolve("/proc/\(pid)/exe"))
    }
}
