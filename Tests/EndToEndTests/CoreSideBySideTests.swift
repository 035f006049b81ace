import Foundation
import Testing

/// check_dummy and negate next to Debian's 2.3.3 binaries: same stdout,
/// same exit code. Usage errors: same exit code (3) and our message is the
/// one-line explanation plus the usage.
struct CoreSideBySideTests {
    static let dummyCases: [[String]] = [
        ["0"], ["1"], ["2"], ["3"], ["0", "hello"], ["2", "multi word text"], ["1", "a", "b"], ["4"], ["-1"],
        [" 2"], ["2 "], ["--", "2"], ["2", "-h"], [""], ["x"], ["2.5"], ["+2"], ["0x2"], ["-hV"], ["--he"], ["-z"],
        [], ["99999999999"], ["-V", "2"], ["2", "hello", "-V"],
    ]

    @Test(arguments: dummyCases)
    func checkDummy(_ args: [String]) throws {
        try E2E.require("\(E2E.plugins)/check_dummy")
        let ours = try E2E.plugin("check_dummy", args)
        let theirs = try E2E.cPlugin("check_dummy", args)
        #expect(ours.code == theirs.code)
        if args.first == "-V" {
            #expect(ours.stdout.hasPrefix("check_dummy v2.3.3 ") && theirs.stdout.hasPrefix("check_dummy v2.3.3 "))
        } else {
            #expect(ours.stdout == theirs.stdout)
        }
    }

    @Test func checkDummyHelpIsOursButShapedAlike() throws {
        let ours = try E2E.plugin("check_dummy", ["--help"])
        #expect(ours.code == 3)
        #expect(ours.stdout.contains("Usage:\n check_dummy <integer state> [optional text]\n"))
        #expect(ours.stdout.contains(" -h, --help") && ours.stdout.contains(" -V, --version"))
    }

    /// A committed stand-in plugin (written files can fail to exec with
    /// ETXTBSY while parallel tests fork).
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/plugin-stand-in.sh").path

    static let negateCases: [[String]] = [
        ["S", "0", "OK"], ["S", "1", "WARNING"], ["S", "2", "CRITICAL"], ["S", "3", "UNKNOWN"],
        ["-s", "S", "0", "OK-ish"], ["-s", "-o", "warning", "S", "0", "OK"], ["--substitute", "--ok=warning", "S", "0", "OK"],
        ["-c", "1", "S", "2", "x"], ["-o", "UnKnown", "S", "0", "x"], ["-o", "2", "--", "S", "0", "x"],
        ["-w", "OK", "-c", "UNKNOWN", "S", "1", "x"], ["-u", "0", "S", "3", "x"], ["S", "0", "-s"],
        ["/bin/sh", "-c", "exit 2"], ["/bin/sh", "-c", "exit 1"], ["/bin/true"], ["/bin/sh", "-c", "printf a"],
        ["/nonexistent/plugin"],
        [], ["-s"], ["check_dummy", "0"], ["../x"], ["-o", "foo", "S", "0"], ["-w", "7", "S", "1"], ["-t", "abc", "/bin/true"], ["-x", "S", "0"],
        ["--bogus=1", "S", "0"], ["-o"], ["-t"], ["-T", "bogus", "S", "0"], ["-u", "5", "S", "0"], ["--timeout=5x", "S", "0"],
        ["--help=1"], ["-h", "--bogus"], ["--t"], ["-o", "foo", "-Z", "/bin/true"], ["-Z", "-o", "foo", "/bin/true"],
        ["-t", "2", "/bin/sleep", "5"], ["-T", "warning", "-t", "1", "/bin/sleep", "5"], ["-t", "1", "-T", "3", "/bin/sleep", "5"],
    ]

    @Test(arguments: negateCases)
    func negate(_ template: [String]) throws {
        try E2E.require("\(E2E.plugins)/negate")
        let s = Self.script
        let args = template.map { $0 == "S" ? s : $0 }
        let ours = try E2E.plugin("negate", args)
        let theirs = try E2E.cPlugin("negate", args)
        #expect(ours.code == theirs.code, "\(args)")
        if (theirs.code == 3 && theirs.stdout.contains("Usage:")) || theirs.stdout.hasPrefix("negate v2.3.3 ") {
            // Usage errors: 2.3.3's words, getopt's complaints on stderr.
            #expect(E2E.alike(ours, theirs), "ours: \(ours)\nC: \(theirs)")
        } else {
            #expect(ours.stdout == theirs.stdout, "\(args)")
            // 2.3.3 says nothing when the plugin cannot be started; we say why on stderr.
            if !args.contains("/nonexistent/plugin") { #expect(ours.stderr == theirs.stderr, "\(args)") }
        }
    }

    /// One operand holding the whole definition (`negate '/path/plugin 0 x'`,
    /// how upstream's negate.t and many configurations call it): split as
    /// cmd_run splits it, refusals giving "No data returned from command".
    static let quotedDefinitions: [String] = [
        "S 0 redsweaterblog", "S 2 x", "S 0 'a dummy okay'", "S 1 'two words' and more",
        "S 0 trail   ", "S 0 'unbalanced", "S 0 \"double\"", "S 0 ' x", "S 0 a'b", "S 0 'x'y", "S 0 ''",
        "S\t0\ttabs", "/nonexistent/plugin 0", "S",
    ]

    @Test(arguments: quotedDefinitions)
    func negateQuotedDefinition(_ template: String) throws {
        try E2E.require("\(E2E.plugins)/negate")
        let definition = template.replacingOccurrences(of: "S", with: Self.script, options: .anchored)
        let ours = try E2E.plugin("negate", [definition])
        let theirs = try E2E.cPlugin("negate", [definition])
        #expect(ours.code == theirs.code, "\(definition)")
        #expect(ours.stdout == theirs.stdout, "\(definition)")
    }

    /// 2.3.3's negate exits 0 for -h and -V (unlike most C plugins).
    @Test(arguments: [["-h"], ["--help"], ["-V"], ["--version"], ["-V", "/bin/true"]])
    func negateHelpAndVersionExitLikeTheCPlugin(_ args: [String]) throws {
        try E2E.require("\(E2E.plugins)/negate")
        let ours = try E2E.plugin("negate", args)
        let theirs = try E2E.cPlugin("negate", args)
        #expect(ours.code == 0)
        #expect(ours.code == theirs.code)
        #expect(ours.stdout.hasPrefix("negate v2.3.3 "))
    }

    @Test func negateTimeoutWithStateSuffix() throws {
        let r = try E2E.plugin("negate", ["-t", "1:UNKNOWN", "/bin/sleep", "5"])
        #expect(r.code == 3)
        #expect(r.stdout == "UNKNOWN - Plugin timed out after 1 seconds\n")
    }

    @Test func negateTimeoutKillsTheWholeProcessGroup() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-negate-\(getpid())").path
        // The child's own child would write the marker after 3 s if it survived.
        let r = try E2E.plugin("negate", ["-t", "1", "/bin/sh", "-c", "(sleep 3; touch \(marker)) & sleep 10"])
        #expect(r.code == 2)
        Thread.sleep(forTimeInterval: 3.5)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
