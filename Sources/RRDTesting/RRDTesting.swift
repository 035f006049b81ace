import Foundation

/// Test support for modules that use RRD files: temporary directories and
/// a real rrdcached (Debian's) started on a unix socket in one.
public enum RRDTestingError: Error, CustomStringConvertible {
    case setup(String)
    public var description: String {
        switch self { case .setup(let s): return s }
    }
}

/// A fresh directory under $TMPDIR (or /tmp), removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ prefix: String = "vigil-test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buf in buf.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw RRDTestingError.setup("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
        chmod(path, 0o755)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A real `rrdcached` (Debian package `rrdcached`) listening on a unix
/// socket inside a temporary directory, with `-b BASE -B`, in the
/// foreground (`-g`), writes delayed by an hour so that tests see exactly
/// what FLUSH changes. Throws (so the test fails) when it cannot start.
public final class RRDCachedDaemon: @unchecked Sendable {
    public static let executable = "/usr/bin/rrdcached"
    public let directory: TemporaryDirectory
    public let socketPath: String
    public let baseDirectory: String
    private let process: Process

    /// `unix:PATH`, as `--daemon` takes it.
    public var address: String { "unix:\(socketPath)" }

    public init(extraArguments: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: RRDCachedDaemon.executable) else {
            throw RRDTestingError.setup("\(RRDCachedDaemon.executable) missing: apt-get install rrdcached")
        }
        directory = try TemporaryDirectory("vigil-rrdcached")
        socketPath = directory.file("sock")
        baseDirectory = directory.file("base")
        try FileManager.default.createDirectory(atPath: baseDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("journal"), withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: RRDCachedDaemon.executable)
        process.arguments = ["-g", "-l", "unix:\(socketPath)", "-b", baseDirectory, "-B", "-F",
                             "-w", "3600", "-z", "1", "-p", directory.file("pid"),
                             "-j", directory.file("journal")] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        for _ in 0..<200 {
            if FileManager.default.fileExists(atPath: socketPath) { return }
            if !process.isRunning { break }
            usleep(50_000)
        }
        stop()
        throw RRDTestingError.setup("rrdcached did not open \(socketPath)")
    }

    /// Stops the daemon (SIGTERM: it writes pending values first) and
    /// removes its directory.
    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        directory.remove()
    }

    deinit { stop() }
}

/// Runs an executable and captures its output (test support).
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public func runProcess(_ path: String, _ arguments: [String], stdin: Data? = nil) throws -> ProcessResult {
    let scratch = try TemporaryDirectory("vigil-run")
    defer { scratch.remove() }
    let inPath = scratch.file("stdin"), errPath = scratch.file("stderr")
    _ = FileManager.default.createFile(atPath: inPath, contents: stdin ?? Data())
    _ = FileManager.default.createFile(atPath: errPath, contents: Data())
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle(forWritingAtPath: errPath)
    p.standardInput = FileHandle(forReadingAtPath: inPath)
    try p.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let errData = FileManager.default.contents(atPath: errPath) ?? Data()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}
