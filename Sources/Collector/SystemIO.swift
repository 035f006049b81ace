import RRD
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: the call, the file, and `strerror(errno)`.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public let call: String
    public let path: String
    public let code: Int32
    public var description: String { "\(call) \(path): \(String(cString: strerror(code)))" }
}

/// errno at the edge: retries EINTR, throws an error naming the call.
@discardableResult
func syscall<T: BinaryInteger>(_ call: String, _ path: String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let r = body()
        if r >= 0 { return r }
        let e = errno
        if e == EINTR { continue }
        throw SystemError(call: call, path: path, code: e)
    }
}

enum FileIO {
    /// The whole file, or `nil` if it does not exist. A relative `path`
    /// is resolved from the directory `directoryFD` (`AT_FDCWD`: the
    /// working directory): fewer path components for the kernel to walk.
    static func readIfExists(_ path: String, relativeTo directoryFD: Int32 = AT_FDCWD,
                             limit: Int = 1 << 20) throws(SystemError) -> [UInt8]? {
        try readFile(path, relativeTo: directoryFD, limit: limit, identity: false)?.bytes
    }

    /// `readIfExists`, also giving the identity of the file read (taken
    /// from the open file before reading: a change during or after the
    /// read makes it differ from any later `stat`).
    static func readIfExists(_ path: String, relativeTo directoryFD: Int32 = AT_FDCWD, limit: Int = 1 << 20,
                             identity: inout FileIdentity?) throws(SystemError) -> [UInt8]? {
        let r = try readFile(path, relativeTo: directoryFD, limit: limit, identity: true)
        identity = r?.identity
        return r?.bytes
    }

    private static func readFile(_ path: String, relativeTo directoryFD: Int32, limit: Int,
                             identity wanted: Bool) throws(SystemError) -> (bytes: [UInt8], identity: FileIdentity?)? {
        var identity: FileIdentity?
        let fd = openat(directoryFD, path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SystemError(call: "open", path: path, code: errno)
        }
        defer { close(fd) }
        if wanted {
            var st = stat()
            if fstat(fd, &st) == 0 { identity = FileIdentity(st) }
        }
        // read straight into the result: 1 kB first (a sidecar is a few
        // hundred bytes), then 4 kB at a time
        var out: [UInt8] = []
        var chunk = 1024
        while out.count < limit {
            defer { chunk = 4096 }
            let old = out.count
            var n = 0
            var failure: SystemError?
            out.append(contentsOf: repeatElement(0, count: chunk))
            out.withUnsafeMutableBytes { raw in
                do throws(SystemError) {
                    n = try syscall("read", path) { read(fd, raw.baseAddress.map { $0 + old }, chunk) }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            out.removeSubrange((old + n)...)
            // a short read of a regular file is its end: spare the read of 0
            if n < chunk { break }
        }
        return (out, identity)
    }

    /// Replaces `path` atomically: write a temporary file in the same
    /// directory, fsync it if asked, rename it over `path`.
    static func replace(_ path: String, with bytes: [UInt8], sync: Bool) throws(SystemError) {
        let dir = directory(of: path)
        let temp = "\(dir)/.vigil-write-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = try syscall("open", temp) { open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            defer { close(fd) }
            try writeAll(fd, bytes, temp)
            if sync { try syscall("fsync", temp) { fsync(fd) } }
        }
        try syscall("rename", path) { rename(temp, path) }
        ok = true
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(SystemError) {
        var off = 0
        while off < bytes.count {
            let n = try syscall("write", path) { bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + off }, bytes.count - off) } }
            off += n
        }
    }

    /// `mkdir -p` for one path (parents included); existing directories are fine.
    static func makeDirectories(_ path: String) throws(SystemError) {
        if mkdir(path, 0o755) == 0 { return }
        let e = errno
        if e == EEXIST { return }
        if e == ENOENT {
            let parent = directory(of: path)
            if parent != path, !parent.isEmpty {
                try makeDirectories(parent)
                if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
                throw SystemError(call: "mkdir", path: path, code: errno)
            }
        }
        throw SystemError(call: "mkdir", path: path, code: e)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        let d = String(path.utf8[..<slash]) ?? "."
        return d.isEmpty ? "/" : d
    }

    /// Removes `.vigil-create-*` / `.vigil-write-*` files older than
    /// `age` seconds from `dir`: left by a process killed while it was
    /// creating a file (they are never renamed into place afterwards).
    static func removeStaleTemporaries(in dir: String, olderThan age: Int) {
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(".vigil-create-") || name.hasPrefix(".vigil-write-") else { continue }
            var st = stat()
            let path = "\(dir)/\(name)"
            if lstat(path, &st) == 0, now.tv_sec - st.st_mtim.tv_sec > age { unlink(path) }
        }
    }

    /// Whether `path` (relative to `directoryFD`) is a directory.
    static func isDirectory(_ path: String, relativeTo directoryFD: Int32) -> Bool {
        var st = stat()
        return fstatat(directoryFD, path, &st, 0) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Flushes the whole file system holding `path` (syncfs).
    static func syncFileSystem(of path: String) throws(SystemError) {
        do { try RRDFile.syncFileSystem(containing: path) } catch {
            throw SystemError(call: "syncfs", path: path, code: Int32(error.message.split(separator: " ").last.flatMap { Int32($0) } ?? EIO))
        }
    }

    /// fsync of a directory (makes a rename/unlink in it durable).
    static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = try syscall("open", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(fd) }
        try syscall("fsync", path) { fsync(fd) }
    }

    /// An absolute path (relative ones resolved against the working directory).
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buf, buf.count) != nil else { return path }
        let cwd = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return cwd == "/" ? "/\(path)" : "\(cwd)/\(path)"
    }
}

/// Reads a file descriptor line by line with a fixed buffer: memory stays
/// flat whatever the file size. A line longer than `maxLine` is reported
/// (as `.tooLong`) and skipped up to its end.
struct LineReader {
    enum Line {
        case line(ArraySlice<UInt8>)
        case tooLong(Int)
    }

    let fd: Int32
    let path: String
    let maxLine: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private var discarding = false
    private var discarded = 0
    private(set) var lineNumber = 0

    init(fd: Int32, path: String, maxLine: Int) {
        self.fd = fd
        self.path = path
        self.maxLine = maxLine
        buffer.reserveCapacity(1 << 16)
    }

    /// The next line without its `\n` (a final line without one counts).
    mutating func next() throws(SystemError) -> Line? {
        var searchFrom = start
        while true {
            if let nl = buffer[searchFrom...].firstIndex(of: 0x0A) {
                lineNumber += 1
                let slice = buffer[start..<nl]
                start = nl + 1
                if discarding {
                    discarding = false
                    let total = discarded + slice.count
                    discarded = 0
                    return .tooLong(total)
                }
                return .line(slice)
            }
            if eof {
                if start < buffer.count || discarding {
                    lineNumber += 1
                    let slice = buffer[start..<buffer.count]
                    start = buffer.count
                    if discarding {
                        discarding = false
                        return .tooLong(discarded + slice.count)
                    }
                    return .line(slice)
                }
                return nil
            }
            // compact, then read more
            if start > 0 {
                buffer.removeSubrange(0..<start)
                start = 0
            }
            if buffer.count > maxLine {
                discarding = true
                discarded += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
            searchFrom = buffer.count
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: 1 << 16))
            let n = try syscall("read", path) { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + old }, 1 << 16) } }
            buffer.removeSubrange((old + n)...)
            if n == 0 { eof = true }
        }
    }
}
