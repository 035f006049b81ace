// Whole-file reads and writes with Glibc, for the backtest command.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum BacktestError: Error, Sendable, Hashable, CustomStringConvertible {
    case io(path: String, operation: String, errno: Int32)
    case badRow(file: String, line: Int, text: String)

    public var description: String {
        switch self {
        case .io(let path, let op, let e):
            let msg = strerror(e).map { String(cString: $0) } ?? "errno \(e)"
            return "\(path): \(op): \(msg)"
        case .badRow(let file, let line, let text):
            return "\(file):\(line): expected 'timestamp,value', got '\(text)'"
        }
    }
}

enum TextFile {
    static func read(_ path: String) throws(BacktestError) -> String {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func write(_ text: String, to path: String) throws(BacktestError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var text = text
        let failed: Int32? = text.withUTF8 { buf -> Int32? in
            var off = 0
            while off < buf.count {
                let n = systemWrite(fd, buf.baseAddress.map { $0 + off }, buf.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                off += n
            }
            return nil
        }
        if let e = failed { throw .io(path: path, operation: "write", errno: e) }
    }

    /// `mkdir -p` of the directory holding `path`.
    static func makeParentDirectories(of path: String) throws(BacktestError) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        var current = ""
        for (i, p) in parts.enumerated() {
            current += (i == 0 ? "" : "/") + p
            if p.isEmpty || p == "." { continue }
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw .io(path: current, operation: "mkdir", errno: errno)
            }
        }
    }
}

private func systemWrite(_ fd: Int32, _ buf: UnsafePointer<UInt8>?, _ count: Int) -> Int {
    write(fd, buf, count)
}

private func systemRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buf, count)
}
