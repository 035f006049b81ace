import Foundation
import Testing

/// check_apt next to Debian's 2.3.3 binary: both read the same saved
/// simulation output (their hidden --input-file option), and both run the
/// real `apt-get -s upgrade` of this machine.
struct CheckAptSideBySideTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SystemProbesTests/Fixtures/apt").path

    static let fixtureCases: [[String]] = [
        [], ["-l"], ["-o"], ["-o", "-l"], ["-d"], ["-d", "-l", "-v"], ["-v"], ["-w", "0"], ["-w", "31"], ["-w", "30"],
        ["-i", "^Inst (bash|sed) ", "-l"], ["-i", "bash", "-i", "sed", "-e", "bash", "-l"], ["-e", "Security", "-o", "-l"],
        ["-c", "Debian:12", "-c", "python", "-l"], ["-c", "^Inst lib", "-o", "-l"], ["--include=^Inst lib", "--exclude=dev", "--list"],
        ["-i", "[[:digit:]]{3}", "-l"], ["-e", "."], ["-n", "-l"], ["-n", "-i", "("],
    ]

    @Test(arguments: ["bookworm-upgrade.txt", "ubuntu-jammy-upgrade.txt", "odd-lines.txt", "empty.txt"])
    func sameOutputForTheSameSimulation(_ fixture: String) throws {
        try E2E.require("\(E2E.plugins)/check_apt")
        for args in Self.fixtureCases {
            let all = ["--input-file=\(Self.fixtures)/\(fixture)"] + args
            let ours = try E2E.plugin("check_apt", all)
            let theirs = try E2E.cPlugin("check_apt", all)
            #expect(ours.stdout == theirs.stdout, "\(fixture) \(args)")
            #expect(ours.code == theirs.code, "\(fixture) \(args)")
        }
    }

    /// 2.3.3 prints these messages without a final newline; ours ends the line.
    @Test(arguments: [["-c", "("], ["-e", "["], ["-i", "a{2,1}"], ["--input-file=/nonexistent/apt.txt"]])
    func unreadableInputOrBadExpressions(_ args: [String]) throws {
        let all = args.first?.hasPrefix("--input-file") == true ? args : ["--input-file=\(Self.fixtures)/empty.txt"] + args
        let ours = try E2E.plugin("check_apt", all)
        let theirs = try E2E.cPlugin("check_apt", all)
        #expect(ours.code == 3 && theirs.code == 3)
        #expect(ours.stdout == theirs.stdout + "\n", "\(args)")
    }

    @Test(arguments: [["-U-o \"x\""], ["-U-s -qq -o ' x"]])
    func unsplittableOptionsAreUnknown(_ args: [String]) throws {
        let ours = try E2E.plugin("check_apt", args)
        let theirs = try E2E.cPlugin("check_apt", args)
        #expect(ours.stdout == theirs.stdout && ours.code == 3 && theirs.code == 3, "\(ours) \(theirs)")
    }

    /// The real simulation of this machine (about 2 s each when idle; the
    /// timeout is raised so that a busy test machine does not cut it short).
    @Test(arguments: [[], ["-d", "-l"], ["-U-s -qq --bogus"], ["-n", "-u-q --bogus"]])
    func realAptGet(_ options: [String]) throws {
        try E2E.require("/usr/bin/apt-get")
        let args = ["-t", "300"] + options
        let ours = try E2E.plugin("check_apt", args)
        let theirs = try E2E.cPlugin("check_apt", args)
        #expect(ours.stdout == theirs.stdout, "\(args)")
        #expect(ours.code == theirs.code, "\(args)")
        #expect(ours.stderr == theirs.stderr, "\(args)")
    }

    @Test func timeoutWhileReading() throws {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-apt-fifo-\(UUID().uuidString)").path
        try #require(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        // E2E.run starts children with no signal blocked, so both alarms fire.
        let ours = try E2E.plugin("check_apt", ["-t", "1", "--input-file=\(fifo)"])
        let theirs = try E2E.cPlugin("check_apt", ["-t", "1", "--input-file=\(fifo)"])
        #expect(ours.stdout == "CRITICAL - Plugin timed out after 1 seconds\n")
        #expect(ours.stdout == theirs.stdout && ours.code == 2 && theirs.code == 2)
    }

    /// Ours rejects what it cannot read; 2.3.3 does too for unknown options
    /// and missing values, but reads junk numbers as 0 (atoi).
    @Test(arguments: [["-t", "abc"], ["-w", "x"], ["-w", "5x"]])
    func badArgumentsAreUnknown(_ args: [String]) throws {
        let ours = try E2E.plugin("check_apt", ["-n"] + args)
        #expect(ours.code == 3, "\(args)")
        #expect(ours.stdout.hasPrefix("check_apt: "))
    }

    /// What getopt refuses: its complaint on stderr, the usage on stdout, as 2.3.3.
    @Test(arguments: [["-x"], ["-t"], ["-i"], ["--bogus"], ["--bogus=1"], ["--list=1"], ["-t", "1", "-Z", "-w"], ["-h", "-Z"]])
    func getoptErrorsAsTheCPlugin(_ args: [String]) throws {
        let ours = try E2E.plugin("check_apt", ["-n"] + args)
        let theirs = try E2E.cPlugin("check_apt", ["-n"] + args)
        #expect(E2E.alike(ours, theirs), "\(args)\nours: \(ours)\nC: \(theirs)")
    }
}
