/// Swap space as check_swap 2.3.3 reads it from `/proc/meminfo`, in whole
/// MiB (the C plugin divides before it computes anything, and its output
/// and perfdata depend on that).
///
/// Two line shapes count, matched the way the C plugin's `sscanf` patterns
/// match them:
/// - `SwapTotal: N kB`, `SwapFree: N kB`, `SwapCached: N kB` (any kernel
///   since 2.6): the total is SwapTotal; free is SwapFree **plus**
///   SwapCached.
/// - `Swap: TOTAL USED FREE` in bytes (Linux 2.4), one per line; each is
///   also a ``Device`` that `--allswaps` checks on its own.
///
/// `/proc/swaps` is not read: 2.3.3 does not read it on Linux.
public struct SwapInfo: Sendable, Equatable {
    public static let path = "/proc/meminfo"

    /// One `Swap: TOTAL USED FREE` line, in MiB.
    public struct Device: Sendable, Equatable {
        public var totalMB: UInt64
        public var usedMB: UInt64
        public var freeMB: UInt64
        public init(totalMB: UInt64, usedMB: UInt64, freeMB: UInt64) {
            self.totalMB = totalMB
            self.usedMB = usedMB
            self.freeMB = freeMB
        }
    }

    /// A `SwapXxx:` field as read (check_swap -vvv prints them):
    /// `Total`, `Free`, `Cached` … and the value in kB.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var kB: UInt64
        public init(name: String, kB: UInt64) {
            self.name = name
            self.kB = kB
        }
    }

    public var devices: [Device] = []
    public var fields: [Field] = []
    /// Total swap in MiB.
    public var totalMB: UInt64 = 0
    /// Free swap in MiB (free + cached).
    public var freeMB: UInt64 = 0
    /// `total - free`, wrapping like the C plugin's unsigned arithmetic
    /// when free exceeds total.
    public var usedMB: UInt64 { totalMB &- freeMB }

    public init(totalMB: UInt64, freeMB: UInt64, devices: [Device] = [], fields: [Field] = []) {
        self.totalMB = totalMB
        self.freeMB = freeMB
        self.devices = devices
        self.fields = fields
    }

    public init(parsing bytes: [UInt8]) {
        var start = 0
        var lastKB: UInt64 = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            parseLine(CScanner(Array(bytes[start..<end])), lastKB: &lastKB)
            start = end + 1
        }
    }

    /// Reads `/proc/meminfo` under `root`.
    public static func read(_ root: SystemRoot) throws(SystemError) -> SwapInfo {
        SwapInfo(parsing: try root.read(path))
    }

    /// `%*[S]%*[w]%*[a]%*[p]`: runs of each letter, in this order.
    private static func swapPrefix(_ s: inout CScanner) -> Bool {
        for letter in "Swap".utf8 where s.run({ $0 == letter }) == nil { return false }
        return true
    }

    private mutating func parseLine(_ line: CScanner, lastKB: inout UInt64) {
        // "%*[S]%*[w]%*[a]%*[p]%*[:] %lu %lu %lu" == 3
        var s = line
        if SwapInfo.swapPrefix(&s), s.run({ $0 == UInt8(ascii: ":") }) != nil,
           let total = s.unsignedLong(), let used = s.unsignedLong(), let free = s.unsignedLong() {
            let mb: UInt64 = 1024 * 1024
            let device = Device(totalMB: total / mb, usedMB: used / mb, freeMB: free / mb)
            devices.append(device)
            totalMB = device.totalMB
            freeMB = device.freeMB
            return
        }
        // "%*[S]%*[w]%*[a]%*[p]%[TotalFreCchd]%*[:] %lu %*[k]%*[B]" != 0:
        // a value that does not parse leaves the previous line's in place.
        s = line
        let nameSet = Array("TotalFreCchd".utf8)
        guard SwapInfo.swapPrefix(&s), let name = s.run({ nameSet.contains($0) }) else { return }
        if s.run({ $0 == UInt8(ascii: ":") }) != nil, let value = s.unsignedLong() { lastKB = value }
        let field = Field(name: String(decoding: name, as: UTF8.self), kB: lastKB)
        fields.append(field)
        switch field.name {
        case "Total": totalMB = field.kB / 1024
        case "Free", "Cached": freeMB &+= field.kB / 1024
        default: break
        }
    }
}
