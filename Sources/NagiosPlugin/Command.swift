#if canImport(Glibc)
import Glibc
#endif

/// Runs another program and collects what it prints (`cmd_run_array()` of
/// the C library). The child gets its own process group so that a timeout
/// can kill it and everything it started.
public struct Command: Sendable {
    public struct Output: Sendable, Equatable {
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        /// The exit code, or 128+N when killed by signal N.
        public var exitCode: Int32

        public init(stdout: [UInt8], stderr: [UInt8], exitCode: Int32) {
            self.stdout = stdout
            self.stderr = stderr
            self.exitCode = exitCode
        }
    }

    /// Why a command could not be run.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let call: String
        public let errno: Int32
        public var description: String { "\(call): \(String(cString: strerror(errno)))" }
    }

    public let path: String
    public let arguments: [String]

    /// `arguments` excludes the program itself; `path` is used as argv[0]
    /// and is not searched in `PATH`.
    public init(path: String, arguments: [String]) {
        self.path = path
        self.arguments = arguments
    }

    /// Starts the program, reads both of its outputs to the end and waits.
    /// With `killOnTimeout`, a ``Timeout`` alarm kills its process group.
    public func run(killOnTimeout: Bool = true) throws(Failure) -> Output {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw Failure(call: "pipe", errno: errno) }
        guard pipe(&errPipe) == 0 else {
            let e = errno
            close(outPipe[0]); close(outPipe[1])
            throw Failure(call: "pipe", errno: e)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in [outPipe[0], outPipe[1], errPipe[0], errPipe[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setpgroup(&attr, 0)
        var flags = Int16(POSIX_SPAWN_SETPGROUP)
        // The child starts with default signal dispositions and mask.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGALRM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attr, &emptyMask)
        flags |= Int16(POSIX_SPAWN_SETSIGDEF) | Int16(POSIX_SPAWN_SETSIGMASK)
        posix_spawnattr_setflags(&attr, flags)

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = argv.withUnsafeBufferPointer { buf -> Int32 in
            guard let base = buf.baseAddress else { return EINVAL }
            return posix_spawn(&pid, path, &actions, &attr, base, environ)
        }
        close(outPipe[1]); close(errPipe[1])
        if rc != 0 {
            close(outPipe[0]); close(errPipe[0])
            throw Failure(call: "exec \(path)", errno: rc)
        }
        if killOnTimeout { Timeout.killOnTimeout(processGroup: pid) }
        defer { if killOnTimeout { Timeout.killOnTimeout(processGroup: 0) } }

        var output = Output(stdout: [], stderr: [], exitCode: 0)
        var fds = [pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0),
                   pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)]
        var open = 2
        var chunk = [UInt8](repeating: 0, count: 65536)
        while open > 0 {
            let n = poll(&fds, nfds_t(fds.count), -1)
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            for k in 0..<fds.count where fds[k].fd >= 0 && fds[k].revents != 0 {
                let got = chunk.withUnsafeMutableBytes { read(fds[k].fd, $0.baseAddress, $0.count) }
                if got > 0 {
                    if k == 0 { output.stdout += chunk[0..<got] } else { output.stderr += chunk[0..<got] }
                } else if got == 0 || errno != EINTR {
                    close(fds[k].fd)
                    fds[k].fd = -1
                    open -= 1
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw Failure(call: "waitpid", errno: errno) }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let signal = status & 0x7f
        output.exitCode = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return output
    }
}

extension Array where Element == UInt8 {
    /// The bytes split into lines without their `\n` (a last line without
    /// one counts; a trailing newline adds no empty line).
    public var lines: [String] {
        var result: [String] = []
        var start = startIndex
        for i in indices where self[i] == 0x0A {
            result.append(String(decoding: self[start..<i], as: UTF8.self))
            start = i + 1
        }
        if start < endIndex { result.append(String(decoding: self[start...], as: UTF8.self)) }
        return result
    }
}
