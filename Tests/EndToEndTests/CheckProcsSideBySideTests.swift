import Foundation
import Testing

/// check_procs, ours and Debian's, on the same saved ps output
/// (`--input-file`), and on the live process table with numbers masked.
struct CheckProcsSideBySideTests {
    static let inputs = ["ps-sample.txt", "ps-debian12.txt", "ps-edge.txt"]
    static let argumentSets: [[String]] = [
        [], ["-s", "S"], ["-s", "Ss"], ["-s", "Z"], ["-C", "apache2"], ["-C", "sshd"], ["-a", "apache2", "-C", "apache2"],
        ["--ereg-argument-array=apache|sshd"], ["--ereg-argument-array=^\\["], ["-u", "33"], ["-u", "www-data"], ["-u", "root"],
        ["-p", "5000001"], ["-p", "1", "-p", "5000004"], ["-r", "40000"], ["-z", "50000", "-r", "1"], ["-P", "12.3"],
        ["-P", "1.5.5"], ["-k"], ["-k", "-vv"], ["-m", "VSZ", "-w", "10000", "-c", "55000", "-v"],
        ["-m", "CPU", "-w", "10", "-c", "20"], ["-m", "ELAPSED", "-w", "3600", "-c", "86400", "-vv"],
        ["-m", "ELAPSED", "-w", "60", "-c", "600", "-vvv"], ["-m", "RSS", "-w", "10000", "-c", "50000", "-v"],
        ["-w", "2", "-c", "5"], ["2", "5", "S"], ["-w", "1:3", "-c", "@2:3"], ["-vvv"], ["-v"], ["-w", "", "-c", "5"],
        ["--elapsed=5"], ["--st", "R"], ["-T"], ["--no-kthreads=1"], ["-t", "5"], ["-u", "33", "-C", "apache2", "-v", "-m", "RSS",
        "-w", "45000", "-c", "100000"], ["-u", ""], ["-p", "4294967297"],
    ]

    @Test(arguments: inputs, argumentSets)
    func sameBytesOnSavedOutput(_ input: String, _ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_procs", ["--input-file=" + LocalChecks.fixture("procs/" + input)] + arguments)
        #expect(ours.stdout == c.stdout)
        #expect(ours.code == c.code)
    }

    @Test func parentIsLeftOut() throws {
        // The test process is the parent of both plugins.
        let me = ProcessInfo.processInfo.processIdentifier
        let file = try LocalChecks.temporaryFile("""
            STAT UID PID PPID VSZ RSS %CPU ELAPSED COMMAND COMMAND
            S 0 \(me) 1 100 100 0.0 00:01 xctest /path/to/xctest
            S 0 5000001 1 100 100 0.0 00:01 sshd /usr/sbin/sshd

            """)
        defer { try? FileManager.default.removeItem(at: file) }
        let (ours, c) = try LocalChecks.both("check_procs", ["--input-file=" + file.path, "-vv"])
        #expect(ours.stdout == c.stdout)
        #expect(ours.stdout.hasSuffix("PROCS OK: 1 process | procs=1;;;0;\n"))
    }

    /// Starts `plugin` blocked on opening a FIFO, lists it in a ps file
    /// under its pid, and runs the same plugin on that file.
    func runBesideABlockedCopy(_ plugin: String, _ extra: [String]) throws -> E2E.Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-procs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let blocked = Process()
        blocked.executableURL = URL(fileURLWithPath: plugin)
        blocked.arguments = ["--input-file=" + fifo, "-t", "30"]
        blocked.standardOutput = FileHandle.nullDevice
        try blocked.run()
        defer {
            // Unblock it: it reads an empty ps output and ends.
            if let h = FileHandle(forWritingAtPath: fifo) { try? h.close() }
            blocked.waitUntilExit()
        }
        // Process.run() returns once the copy runs its own program, which is
        // what the plugins compare (/proc/PID/exe).
        let list = dir.appendingPathComponent("ps.txt")
        try """
            STAT UID PID PPID VSZ RSS %CPU ELAPSED COMMAND COMMAND
            S 0 \(blocked.processIdentifier) 1 100 100 0.0 00:01 check_procs \(plugin) --input-file=\(fifo)
            S 0 5000001 1 100 100 0.0 00:01 sshd /usr/sbin/sshd

            """.write(to: list, atomically: true, encoding: .utf8)
        return try E2E.run(plugin, ["--input-file=" + list.path] + extra)
    }

    @Test func runningCopiesOfThePluginAreLeftOut() throws {
        let ours = try runBesideABlockedCopy(E2E.plugins + "/check_procs", [])
        let c = try runBesideABlockedCopy(E2E.cPlugins + "/check_procs", [])
        #expect(ours.stdout == "PROCS OK: 1 process | procs=1;;;0;\n")
        #expect(ours.stdout == c.stdout)
        // -T compares process ids only: the copy counts.
        let oursT = try runBesideABlockedCopy(E2E.plugins + "/check_procs", ["-T"])
        let cT = try runBesideABlockedCopy(E2E.cPlugins + "/check_procs", ["-T"])
        #expect(oursT.stdout == "PROCS OK: 2 processes | procs=2;;;0;\n")
        #expect(oursT.stdout == cT.stdout)
    }

    @Test func timeoutWhileReadingPs() throws {
        // Nobody writes to the FIFO: both give up after one second.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-procs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let (ours, c) = try LocalChecks.both("check_procs", ["--input-file=" + fifo, "-t", "1"])
        #expect(ours.stdout == "CRITICAL - Plugin timed out after 1 seconds\n")
        #expect(ours.stdout == c.stdout && ours.code == 2 && c.code == 2)
        let warning = try E2E.plugin("check_procs", ["--input-file=" + fifo, "--timeout=1:warning"])
        #expect(warning.stdout == "WARNING - Plugin timed out after 1 seconds\n" && warning.code == 1)
    }

    @Test(arguments: [[], ["-w", "100000", "-c", "200000"], ["-k"], ["-s", "S", "-u", "root"],
                      ["-m", "CPU", "-w", "1000", "-c", "2000"], ["-m", "RSS", "-w", "100000000", "-c", "200000000", "-v"]])
    func liveProcessTableMasked(_ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_procs", arguments)
        #expect(ours.code == c.code)
        #expect(LocalChecks.masked(ours.stdout) == LocalChecks.masked(c.stdout))
    }

    @Test(arguments: [
        ["-m", "FOO"], ["-p", "9x"], ["-P", "abc"], ["-r", "5.5"], ["-z", "x"], ["-u", "nosuchuser-vigil"], ["-u", "4242424"],
        ["-t", "abc"], ["--ereg-argument-array=("], ["--input-file=/nonexistent"],
        ["--input-file=" + LocalChecks.fixture("procs/empty-does-not-exist")], ["-X", "foo"], ["--no-kthreads"],
        ["-w", "5:1"], ["-c", "10:2"], ["-w", "-1"], ["-Z"], ["--bogus=1"], ["-w"], ["-m"], ["--e=3"], ["--v"], ["-V", "--bogus"],
        ["-m", "FOO", "-Z"], ["-Z", "-m", "FOO"], ["-w", "5:1", "-Z"],
    ])
    func badArgumentsExitUnknown(_ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_procs", arguments)
        #expect(ours.code == 3 && c.code == 3)
        // The C plugin's own words (getopt's on stderr): ours prints the same, ending in a newline.
        #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
    }

    /// Ranges 2.3.3 misreads (`abc` as 0, `10abc` as 10) are refused with our reason.
    @Test(arguments: [["-w", "abc"], ["-c", "10abc"], ["-m", "CPU", "-w", "x"]])
    func junkRangesAreRefused(_ arguments: [String]) throws {
        let ours = try E2E.plugin("check_procs", arguments)
        #expect(ours.code == 3 && ours.stdout.hasPrefix("check_procs: invalid range '"), "\(ours)")
    }
}
