#if canImport(Glibc)
import Glibc
#endif

/// One of `count` parts of the services of an input: a service belongs to
/// the part its host and service names hash to, so each service file is
/// written by exactly one process, in input order.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Reads `I/N` (as `description` writes it).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether the service (`nil`: host perfdata) of `host` is this part's.
    public func owns<C: Collection>(host: C, service: C?) -> Bool where C.Element == UInt8 {
        Shard.part(host: host, service: service, count: count) == index
    }

    /// FNV-1a of the names' bytes (a 0 byte between them, none for host
    /// perfdata): the same part in every process.
    static func part<C: Collection>(host: C, service: C?, count: Int) -> Int where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ b: UInt8) {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        for b in host { add(b) }
        if let service {
            add(0)
            for b in service { add(b) }
        }
        return Int(h % UInt64(count))
    }
}

extension IngestSummary {
    /// The counts as one line of numbers (a worker's report to its parent).
    public var reportLine: String {
        "\(files) \(records) \(stored) \(duplicates) \(rejectedRecords) \(rejectedMetrics) \(failed)\n"
    }

    /// Reads `reportLine`.
    public init?(reportLine text: String) {
        let n = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        guard n.count == 7 else { return nil }
        self.init()
        (files, records, stored, duplicates, rejectedRecords, rejectedMetrics, failed) = (n[0], n[1], n[2], n[3], n[4], n[5], n[6])
    }
}

/// How to store one input file with several writer processes: how many,
/// and the arguments (without the program name and `--shard`) of the
/// `ingest` command that stores a file's part in a worker.
public struct WorkerPlan: Sendable {
    public var count: Int
    public var arguments: @Sendable (_ file: String) -> [String]
    /// Inputs smaller than this are stored by one process: another
    /// process's start (about 12 ms) would cost more than it saves.
    public static let minimumBytes = 256 << 10

    public init(count: Int, arguments: @escaping @Sendable (_ file: String) -> [String]) {
        self.count = count
        self.arguments = arguments
    }

    /// `count` when `files` hold at least `minimumBytes` together, else 1.
    public func processes(for files: [String]) -> Int {
        guard count > 1 else { return 1 }
        var bytes = 0
        for f in files {
            var st = stat()
            if stat(f, &st) == 0 { bytes += Int(st.st_size) }
        }
        return bytes >= WorkerPlan.minimumBytes ? count : 1
    }
}

/// Writer processes: librrd maps every file it updates, so threads of one
/// process serialise on the kernel's address-space lock, while processes
/// do not. The parent stores part 0 of the services itself and starts a
/// worker for each other part (a fork, or a new copy of the executable with
/// `--shard I/N`); each reads the whole input, stores only its services'
/// values and reports its counts through a pipe.
public enum WorkerProcesses {
    /// The descriptor a worker writes its `IngestSummary.reportLine` to.
    public static let reportDescriptor: Int32 = 3

    public struct Worker {
        public let shard: Shard
        let pid: pid_t
        /// Read end of the report pipe.
        let report: Int32
    }

    /// What a worker ended with.
    public struct Outcome: Sendable {
        public var shard: Shard
        /// `nil` when it reported nothing (it crashed or could not start).
        public var summary: IngestSummary?
        /// Its exit status, or 128 + the signal that ended it.
        public var status: Int32
    }

    /// What a worker does: store its part and say how it went (exit status
    /// 0, 1 when values could not be stored or a file read, 2 when the
    /// RRD directory or rrdcached cannot be used).
    public typealias Work = () -> (summary: IngestSummary, status: Int32)

    /// Starts a worker for `shard`. In a process with one thread (`ingest`,
    /// a `spool` pass) it is a fork that runs `work` at once, with nothing
    /// to load or parse again; in a process with more threads (`spool
    /// --watch`), where forking is unsafe, it is this executable started
    /// anew with `arguments` (without the program name) plus `--shard I/N`.
    public static func start(shard: Shard, arguments: [String], work: Work) throws(SystemError) -> Worker {
        var fds: [Int32] = [-1, -1]
        _ = try syscall("pipe", "") { pipe(&fds) }
        // close-on-exec, so that no other process inherits them (Glibc's
        // module does not export pipe2)
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        if threadCount() == 1 {
            let pid = fork()
            if pid == 0 {
                // the worker: nothing of the parent's stack runs again here
                close(fds[0])
                let (summary, status) = work()
                report(summary, to: fds[1])
                _exit(status)
            }
            close(fds[1])
            if pid < 0 {
                let e = errno
                close(fds[0])
                throw SystemError(call: "fork", path: "", code: e)
            }
            return Worker(shard: shard, pid: pid, report: fds[0])
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the copy: only fd 3 goes to the child
        posix_spawn_file_actions_adddup2(&actions, fds[1], reportDescriptor)
        let program = CommandLine.arguments.first ?? "vigil-collector"
        let argv = [program] + arguments + ["--shard", shard.description]
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, "/proc/self/exe", &actions, nil, cArgs, environ)
        close(fds[1])
        if rc != 0 {
            close(fds[0])
            throw SystemError(call: "posix_spawn", path: "/proc/self/exe", code: rc)
        }
        return Worker(shard: shard, pid: pid, report: fds[0])
    }

    /// The number of threads of this process (`/proc/self/task`); 0 when
    /// it cannot be read, which `start` treats as "several".
    static func threadCount() -> Int {
        guard let dir = opendir("/proc/self/task") else { return 0 }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            if entry.pointee.d_name.0 != 0x2E { n += 1 } // not "." or ".."
        }
        return n
    }

    /// Waits for a worker and reads its report.
    public static func wait(_ worker: Worker) -> Outcome {
        var text: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 256)
        while true {
            let n = buf.withUnsafeMutableBytes { read(worker.report, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            text += buf[0..<n]
        }
        close(worker.report)
        var status: Int32 = 0
        while waitpid(worker.pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import
        let signal = status & 0x7F
        let code = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        return Outcome(shard: worker.shard, summary: IngestSummary(reportLine: String(decoding: text, as: UTF8.self)), status: code)
    }

    /// Waits for every worker: the counts they reported together (without
    /// files, which the parent read too) and what each ended with.
    public static func waitAll(_ workers: [Worker]) -> (summary: IngestSummary, outcomes: [Outcome]) {
        var summary = IngestSummary()
        let outcomes = workers.map { w in
            let outcome = wait(w)
            if var counts = outcome.summary {
                counts.files = 0
                summary.add(counts)
            }
            return outcome
        }
        return (summary, outcomes)
    }

    /// A worker's report to its parent (on `reportDescriptor` when started
    /// anew).
    public static func report(_ summary: IngestSummary, to fd: Int32 = reportDescriptor) {
        let line = Array(summary.reportLine.utf8)
        var done = 0
        while done < line.count {
            let n = line.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + done }, line.count - done) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
    }
}
