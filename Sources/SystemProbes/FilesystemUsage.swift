#if canImport(Glibc)
import Glibc
#endif

/// Block and inode counts of one file system: gnulib's `struct fs_usage`,
/// filled from `statvfs()` the way its `get_fs_usage()` fills it.
public struct FilesystemUsage: Sendable, Equatable {
    /// Bytes per block (`f_frsize`, or `f_bsize` when that is 0).
    public var blockSize: UInt64
    /// Size in blocks (`f_blocks`).
    public var blocks: UInt64
    /// Free blocks, counting the ones reserved for root (`f_bfree`).
    public var freeBlocks: UInt64
    /// Free blocks an unprivileged user may use (`f_bavail`).
    public var availableBlocks: UInt64
    /// Inodes (`f_files`).
    public var files: UInt64
    /// Free inodes (`f_ffree`).
    public var freeFiles: UInt64

    public init(blockSize: UInt64, blocks: UInt64, freeBlocks: UInt64, availableBlocks: UInt64,
                files: UInt64, freeFiles: UInt64) {
        self.blockSize = blockSize
        self.blocks = blocks
        self.freeBlocks = freeBlocks
        self.availableBlocks = availableBlocks
        self.files = files
        self.freeFiles = freeFiles
    }
}

/// Where file system facts come from: the live kernel, or fixed numbers
/// in tests. check_disk asks for nothing else about the machine than the
/// mount table, `statvfs()` and `stat()`.
public protocol FilesystemProbe {
    /// The mount table, in order (re-read on each call, as the C plugin does).
    func mounts() throws(SystemError) -> [MountEntry]
    /// `statvfs()` of a path, or `nil` when it fails.
    func usage(of path: String) -> FilesystemUsage?
    /// `stat()` of a path: 0 when it succeeds, else the errno.
    func statError(of path: String) -> Int32
}

/// The real machine (or a fixture tree for the mount table).
public struct LiveFilesystemProbe: FilesystemProbe {
    public let root: SystemRoot

    public init(root: SystemRoot = .live) { self.root = root }

    public func mounts() throws(SystemError) -> [MountEntry] {
        try MountTable.read(root: root)
    }

    public func usage(of path: String) -> FilesystemUsage? {
        var s = statvfs()
        var rc: Int32
        repeat { rc = statvfs(path, &s) } while rc < 0 && errno == EINTR
        guard rc == 0 else { return nil }
        return FilesystemUsage(blockSize: UInt64(s.f_frsize != 0 ? s.f_frsize : s.f_bsize),
                               blocks: UInt64(s.f_blocks), freeBlocks: UInt64(s.f_bfree),
                               availableBlocks: UInt64(s.f_bavail), files: UInt64(s.f_files),
                               freeFiles: UInt64(s.f_ffree))
    }

    public func statError(of path: String) -> Int32 {
        var st = stat()
        var rc: Int32
        repeat { rc = stat(path, &st) } while rc < 0 && errno == EINTR
        return rc == 0 ? 0 : errno
    }
}

/// Percentages as `df` and check_disk compute them: `value * 100 / total`
/// rounded up, -1 when `total` is 0 (gnulib/coreutils `calculate_percent`).
public func ceilingPercent(_ value: UInt64, of total: UInt64) -> Double {
    if value <= UInt64.max / 100 && total != 0 {
        let u100 = value * 100
        return Double(u100 / total + (u100 % total != 0 ? 1 : 0))
    }
    guard total != 0 else { return -1 }
    let pct = Double(value) * 100 / Double(total)
    guard pct < 9.0e18 else { return pct }
    let whole = Double(Int64(pct))
    if whole - 1 < pct && pct <= whole + 1 { return whole + (whole < pct ? 1 : 0) }
    return pct
}
