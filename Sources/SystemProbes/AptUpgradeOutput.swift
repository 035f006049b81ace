#if canImport(Glibc)
import Glibc
#endif

/// The output of `apt-get -s upgrade` (a simulation), as check_apt reads it:
/// every line starting with `Inst ` is a package that would be upgraded,
/// e.g. `Inst bash [5.2.15-2+b8] (5.2.15-2+b13 Debian:12.15/oldstable [amd64])`.
/// The text in parentheses names the archives the new version comes from,
/// which is what the security expression is matched against.
///
/// Lines are kept in place as C strings (each `\n` replaced by a NUL, as
/// the C plugin splits command output), so that matching hundreds of lines
/// against POSIX expressions costs no copies.
public struct AptUpgradeOutput: Sendable, Equatable {
    private let buffer: [UInt8]
    /// Where each line starts and ends in the output (a last line without
    /// `\n` counts). Two plain arrays: cheaper to build than ranges.
    private let starts: [Int]
    private let ends: [Int]

    public init(bytes: [UInt8]) {
        var buffer = bytes
        buffer.append(0)
        self.init(terminated: buffer)
    }

    /// Reads a saved simulation output (check_apt's test-only `--input-file`)
    /// straight into the line buffer.
    public init(contentsOf path: String) throws(SystemError) {
        let fd = try retryingEINTR("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? max(Int(st.st_size), 0) : 0
        // Read a regular file straight into its final buffer (no zeroing,
        // no copies); anything beyond the size (FIFOs, /proc) in chunks.
        var failure: Int32 = 0
        var buffer = [UInt8](unsafeUninitializedCapacity: size + 1) { raw, count in
            count = 0
            guard let base = raw.baseAddress else { return }
            while count < size {
                let n = read(fd, base + count, size - count)
                if n > 0 { count += n } else if n == 0 || errno != EINTR { failure = n < 0 ? errno : 0; break }
            }
        }
        if failure != 0 { throw SystemError(call: "read", path: path, errno: failure) }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = try retryingEINTR("read", path) { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
            if n == 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
        }
        buffer.append(0)
        self.init(terminated: buffer)
    }

    /// `buffer` ends in the NUL that terminates the last line.
    private init(terminated buffer: consuming [UInt8]) {
        var starts: [Int] = [], ends: [Int] = []
        let count = buffer.count - 1
        buffer.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress else { return }
            var start = 0
            while start < count {
                // memchr finds each newline far faster than a byte loop.
                let end = memchr(base + start, 0x0A, count - start).map { $0.assumingMemoryBound(to: UInt8.self) - base } ?? count
                starts.append(start)
                ends.append(end)
                if end < count { base[end] = 0 }
                start = end + 1
            }
        }
        self.buffer = buffer
        self.starts = starts
        self.ends = ends
    }

    /// The number of lines.
    public var lineCount: Int { starts.count }

    /// Where line `index` lies in the output.
    public func lineRange(_ index: Int) -> Range<Int> { starts[index]..<ends[index] }

    public static let installPrefix: [UInt8] = Array("Inst ".utf8)

    /// Line `index` as text.
    public func line(_ index: Int) -> String {
        String(decoding: buffer[lineRange(index)], as: UTF8.self)
    }

    /// Every line, each followed by `\n` (what -v prints).
    public var text: String {
        var s = ""
        for i in 0..<lineCount { s += line(i) + "\n" }
        return s
    }

    /// Whether line `index` announces a package installation.
    public func isInstallLine(_ index: Int) -> Bool {
        buffer[lineRange(index)].starts(with: AptUpgradeOutput.installPrefix)
    }

    /// The package name of an `Inst ` line: the text after the prefix up
    /// to the first space (all of it when there is none).
    public func packageName(_ index: Int) -> String {
        let rest = buffer[lineRange(index)].dropFirst(AptUpgradeOutput.installPrefix.count)
        return String(decoding: rest.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
    }

    /// Calls `body` with each line's index and the line as a C string.
    public func forEachLine(_ body: (Int, UnsafePointer<CChar>) -> Void) {
        buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return }
                for i in 0..<starts.count { body(i, base + starts[i]) }
            }
        }
    }
}
