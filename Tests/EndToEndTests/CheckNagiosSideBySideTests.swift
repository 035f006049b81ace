import Foundation
import Testing

/// check_nagios next to Debian's 2.3.3 binary, against a real Nagios Core
/// started for the test and against a status file plus a stand-in process.
/// The status age moves with the clock, so each comparison is retried until
/// Debian's plugin gives the same answer before and after ours.
@Suite(.serialized)
struct CheckNagiosSideBySideTests {
    /// Runs C, ours, C; returns once both C runs agree (same second).
    /// Ours must print what the C plugin prints when run just before and just
    /// after it. Nagios may rewrite its status file between two runs (the age
    /// printed then moves by a second), so a mismatch is retried; only one that
    /// persists through all attempts is a failure.
    static func compare(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        var mismatch: (ours: E2E.Result, theirs: E2E.Result)?
        for _ in 0..<10 {
            let before = try E2E.cPlugin("check_nagios", args)
            let ours = try E2E.plugin("check_nagios", args)
            let after = try E2E.cPlugin("check_nagios", args)
            guard before == after else { continue }
            if ours.stdout == before.stdout && ours.code == before.code { return }
            mismatch = (ours, before)
        }
        guard let mismatch else {
            Issue.record("Debian's check_nagios never gave the same answer twice for \(args)", sourceLocation: sourceLocation)
            return
        }
        #expect(mismatch.ours.stdout == mismatch.theirs.stdout, "\(args)", sourceLocation: sourceLocation)
        #expect(mismatch.ours.code == mismatch.theirs.code, "\(args)", sourceLocation: sourceLocation)
    }

    @Test func realNagiosCore() throws {
        try E2E.require("\(E2E.plugins)/check_nagios")
        let nagios = try NagiosHarness(services: [
            NagiosHarness.Service(description: "dummy", commandLine: "\(E2E.plugins)/check_dummy 0 fine"),
        ])
        defer { nagios.stop() }
        try nagios.start()
        _ = try nagios.waitForResults()
        let status = nagios.statusFile.path
        let config = nagios.configFile.path
        for args in [
            ["-F", status, "-C", config], ["-F", status, "-C", config, "-e", "1"], ["-F", status, "-e", "5", "-C", "/usr/sbin/nagios4 " + config],
            ["-F", status, "-C", config, "-vv"], ["-F", status, "-C", config, "-v"], [status, "1", config],
            ["--filename=\(status)", "--command=\(config)", "--expires=2", "--timeout=20"],
            ["-F", status, "-C", config + " (not running)"], ["-F", status + ".missing", "-C", config],
        ] {
            try Self.compare(args)
        }
        // Nagios itself runs: at least one process, OK within a minute.
        let ours = try E2E.plugin("check_nagios", ["-F", status, "-C", config, "-e", "1"])
        #expect(ours.code == 0 && ours.stdout.hasPrefix("NAGIOS OK: "), "\(ours)")
    }

    @Test func statusFilesAndAStandInProcess() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-nagios-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A process whose command line nothing else on the machine has.
        let marker = "\(Int.random(in: 100_000_000...999_999_999))"
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = [marker]
        try sleeper.run()
        // SIGKILL: the test runner's blocked signal mask is inherited by
        // Foundation's children, so a SIGTERM (terminate()) would never arrive.
        defer { kill(sleeper.processIdentifier, SIGKILL); sleeper.waitUntilExit() }
        let now = Int(Date().timeIntervalSince1970)
        let files: [(String, String)] = [
            ("status.dat", "########\ninfo {\n\tcreated=\(now - 30)\n\tversion=4.4.6\n}\n\nprogramstatus {\n\tpid=1\n}\n"),
            ("future.dat", "info {\n\tcreated=\(now + 3600)\n}\n"),
            ("status.log", "# old format\n[\(now - 500)] PROGRAM;1\n[\(now - 90)] HOST;web1;UP\n[\(now - 200)] SERVICE;x\n"),
            ("nostamp.dat", "nothing to see\n"),
            ("empty.dat", ""),
        ]
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let p = { (name: String) in dir.appendingPathComponent(name).path }
        let process = "sleep \(marker)"
        for args in [
            ["-F", p("status.dat"), "-C", process], ["-F", p("status.dat"), "-C", process, "-e", "1"],
            ["-F", p("future.dat"), "-C", process], ["-F", p("status.log"), "-C", process, "-e", "1"],
            ["-F", p("status.log"), "-C", process, "-e", "2"], ["-F", p("nostamp.dat"), "-C", process],
            ["-F", p("empty.dat"), "-C", process], ["-F", dir.path, "-C", process], ["-F", p("missing"), "-C", process],
            ["-F", p("status.dat"), "-C", "not running \(marker)"], ["-F", p("nostamp.dat"), "-C", "not running \(marker)"],
            ["-F", p("status.dat"), "-C", process, "-vv"], [p("status.dat"), "0", process], ["-F", p("status.dat"), "-C", process, "-t", "0"],
        ] {
            try Self.compare(args)
        }
    }

    /// Bad arguments: UNKNOWN (3) from both.
    @Test(arguments: [
        [], ["-F", "x"], ["-C", "y"], ["-e", "abc"], ["-t", "-1"], ["-x"], ["status.dat", "x", "bash"], ["status.dat"], ["-e"],
        ["--ver"], ["-F", "x", "-C", "y", "-e", "1.5"],
    ])
    func badArgumentsAreUnknown(_ args: [String]) throws {
        let ours = try E2E.plugin("check_nagios", args)
        let theirs = try E2E.cPlugin("check_nagios", args)
        #expect(ours.code == 3 && theirs.code == 3, "\(args): \(ours) / \(theirs)")
        #expect(!ours.stdout.isEmpty && !ours.stdout.contains("\n\n"))
    }

    /// The texts too: usage_va() without arguments, getopt's complaints on stderr.
    @Test(arguments: [[], ["-Z"], ["--bogus=1"], ["-F"], ["-e"], ["-C", "y"], ["-F", "x"], ["-e", "abc"], ["-t", "-1"], ["--i"],
                      ["--input"], ["-h", "-Z"], ["-e", "abc", "-Z"], ["-Z", "-e", "abc"]])
    func badArgumentsAsTheCPlugin(_ args: [String]) throws {
        let ours = try E2E.plugin("check_nagios", args)
        let theirs = try E2E.cPlugin("check_nagios", args)
        #expect(E2E.alike(ours, theirs), "\(args)\nours: \(ours)\nC: \(theirs)")
    }

    /// Our test-only --input-file reads a saved ps listing.
    @Test func savedProcessListing() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("SystemProbesTests/Fixtures/nagios").path
        let r = try E2E.plugin("check_nagios", ["-F", fixtures + "/status.dat", "-C", "/usr/sbin/nagios4 --worker",
                                                "-e", "9999999", "--input-file", fixtures + "/ps.txt"])
        #expect(r.code == 0 && r.stdout.hasPrefix("NAGIOS OK: 2 processes, status log updated "), "\(r)")
    }
}
