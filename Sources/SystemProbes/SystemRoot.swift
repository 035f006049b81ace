#if canImport(Glibc)
import Glibc
#endif

/// Where a probe reads the system from: `/` on a live host, a fixture tree
/// in tests (node_exporter's `--path.procfs` idea). Every probe takes one.
public struct SystemRoot: Sendable, Equatable {
    /// The directory that stands for `/`, without a trailing slash
    /// (empty for the real root).
    public let path: String

    public static let live = SystemRoot(path: "")

    public init(path: String) {
        var p = path
        while p.hasSuffix("/") { p.removeLast() }
        self.path = p
    }

    /// The real path of an absolute system path such as `/proc/loadavg`.
    public func resolve(_ systemPath: String) -> String { path + systemPath }

    /// The whole file as bytes; errors name the file and the reason.
    public func read(_ systemPath: String) throws(SystemError) -> [UInt8] {
        try readFile(resolve(systemPath))
    }

    /// The whole file as text (invalid UTF-8 repaired).
    public func readText(_ systemPath: String) throws(SystemError) -> String {
        String(decoding: try read(systemPath), as: UTF8.self)
    }
}

/// A failed system call, naming the call, the file and errno's text.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public let call: String
    public let path: String
    public let errno: Int32
    public init(call: String, path: String, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }
    public var description: String { "\(call) \(path): \(String(cString: strerror(errno)))" }
}

/// Retries `body` while it fails with EINTR; any other failure (a negative
/// result) becomes a ``SystemError`` naming the call.
@inline(__always)
public func retryingEINTR<T: SignedInteger>(_ call: String, _ path: String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let r = body()
        if r >= 0 { return r }
        if errno != EINTR { throw SystemError(call: call, path: path, errno: errno) }
    }
}

/// Reads a whole file (works for /proc files, whose size is reported as 0).
public func readFile(_ path: String) throws(SystemError) -> [UInt8] {
    let fd = try retryingEINTR("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while true {
        let n = try retryingEINTR("read", path) { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
        if n == 0 { break }
        out += chunk[0..<n]
    }
    return out
}
