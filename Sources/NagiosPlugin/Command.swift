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
    ///
    /// The C-side storage (pipes, argv, poll set, read buffer) is one
    /// uninitialised allocation rather than Swift arrays of `Int32`,
    /// `pollfd` and optional pointers: each such array type costs the
    /// runtime a metadata instantiation by mangled name, ~130,000
    /// instructions per exec together, more than the rest of a plugin.
    public func run(killOnTimeout: Bool = true) throws(Failure) -> Output {
        // 4 pipe ends, 2 pollfds, argv (program, arguments, NULL), read buffer.
        let argc = arguments.count + 1
        let pipeBytes = 4 * MemoryLayout<Int32>.stride
        let pollOffset = (pipeBytes + 15) & ~15
        let argvOffset = pollOffset + ((2 * MemoryLayout<pollfd>.stride + 15) & ~15)
        let chunkOffset = argvOffset + (((argc + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride + 15) & ~15)
        let chunkSize = 65536
        let storage = UnsafeMutableRawPointer.allocate(byteCount: chunkOffset + chunkSize, alignment: 16)
        defer { storage.deallocate() }
        let fd = storage.bindMemory(to: Int32.self, capacity: 4)  // out read, out write, err read, err write
        let fds = (storage + pollOffset).bindMemory(to: pollfd.self, capacity: 2)
        let argv = (storage + argvOffset).bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: argc + 1)
        let chunk = storage + chunkOffset

        guard pipe(fd) == 0 else { throw Failure(call: "pipe", errno: errno) }
        guard pipe(fd + 2) == 0 else {
            let e = errno
            close(fd[0]); close(fd[1])
            throw Failure(call: "pipe", errno: e)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fd[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fd[3], 2)
        for k in 0..<4 { posix_spawn_file_actions_addclose(&actions, fd[k]) }
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

        argv[0] = strdup(path)
        for (k, argument) in arguments.enumerated() { argv[k + 1] = strdup(argument) }
        argv[argc] = nil
        defer { for k in 0..<argc { free(argv[k]) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, environ)
        close(fd[1]); close(fd[3])
        if rc != 0 {
            close(fd[0]); close(fd[2])
            throw Failure(call: "exec \(path)", errno: rc)
        }
        if killOnTimeout { Timeout.killOnTimeout(processGroup: pid) }
        defer { if killOnTimeout { Timeout.killOnTimeout(processGroup: 0) } }

        var output = Output(stdout: [], stderr: [], exitCode: 0)
        fds[0] = pollfd(fd: fd[0], events: Int16(POLLIN), revents: 0)
        fds[1] = pollfd(fd: fd[2], events: Int16(POLLIN), revents: 0)
        var open = 2
        while open > 0 {
            let n = poll(fds, 2, -1)
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            for k in 0..<2 where fds[k].fd >= 0 && fds[k].revents != 0 {
                let got = read(fds[k].fd, chunk, chunkSize)
                if got > 0 {
                    let bytes = UnsafeRawBufferPointer(start: chunk, count: got)
                    if k == 0 { output.stdout.append(contentsOf: bytes) } else { output.stderr.append(contentsOf: bytes) }
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

extension Command {
    /// How the C library's `cmd_run()` turns one command string into
    /// argv (no shell): words are separated by blanks (space, tab, CR,
    /// LF); a word that starts with `'` runs to the next `'` (which ends
    /// it, even mid-word). A string with a `"`, a ` ' ` or a `'''`, or an
    /// opening `'` without a closing one is refused (`nil`), as cmd_run
    /// refuses it.
    public static func splitLikeCmdRun(_ line: String) -> [String]? {
        let bytes = Array(line.utf8)
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        func contains(_ needle: String) -> Bool {
            let n = Array(needle.utf8)
            guard bytes.count >= n.count else { return false }
            return (0...(bytes.count - n.count)).contains { bytes[$0..<$0 + n.count].elementsEqual(n) }
        }
        if bytes.contains(UInt8(ascii: "\"")) || contains(" ' ") || contains("'''") { return nil }
        var words: [String] = []
        var next: Int? = 0
        while let cursor = next {
            var start = cursor
            while start < bytes.count && isBlank(bytes[start]) { start += 1 }
            let end: Int
            if start < bytes.count && bytes[start] == UInt8(ascii: "'") {
                start += 1
                guard let close = bytes[start...].firstIndex(of: UInt8(ascii: "'")) else { return nil }
                end = close
                next = close + 1
            } else if let blank = bytes[start...].firstIndex(where: isBlank) {
                end = blank
                next = blank + 1
            } else {
                end = bytes.count
                next = nil
            }
            if let n = next, bytes[n...].allSatisfy(isBlank) { next = nil }
            words.append(String(decoding: bytes[start..<end], as: UTF8.self))
        }
        return words
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
