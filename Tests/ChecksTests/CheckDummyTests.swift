import Testing
@testable import Checks
@testable import NagiosPlugin

struct CheckDummyTests {
    func run(_ args: [String]) -> (String, Status) {
        PluginMain.outcome(CheckDummy.info) { () throws(PluginError) in try CheckDummy.evaluate(args) }
    }

    @Test(arguments: [
        (["0"], "OK\n", Status.ok), (["1", "a", "b"], "WARNING: a\n", .warning), (["2", "hello"], "CRITICAL: hello\n", .critical),
        (["3"], "UNKNOWN\n", .unknown), ([" 2"], "CRITICAL\n", .critical), (["2 "], "CRITICAL\n", .critical),
        (["--", "2"], "OK: 2\n", .ok), (["2", "-h"], "CRITICAL: -h\n", .critical), ([""], "OK\n", .ok),
        (["4"], "UNKNOWN: Status 4 is not a supported error state\n", .unknown),
        (["-1"], "UNKNOWN: Status -1 is not a supported error state\n", .unknown),
    ])
    func statesAndText(_ c: ([String], String, Status)) {
        let (text, status) = run(c.0)
        #expect(text == c.1)
        #expect(status == c.2)
    }

    @Test(arguments: [["x"], ["2.5"], ["+2"], ["0x2"], ["-hV"], ["--he"], ["99999999999"]])
    func nonIntegersAreUsageErrors(_ args: [String]) {
        let (text, status) = run(args)
        #expect(text == "check_dummy: Arguments to check_dummy must be an integer\nUsage:\n check_dummy <integer state> [optional text]\n")
        #expect(status == .unknown)
    }

    @Test func noArguments() {
        #expect(run([]).0.hasPrefix("check_dummy: Could not parse arguments\nUsage:\n"))
    }

    @Test func helpAndVersionExitUnknown() {
        #expect(run(["-V"]) == (CheckDummy.info.versionLine, .unknown))
        #expect(run(["--help"]).0.contains("Usage:\n check_dummy <integer state> [optional text]"))
        #expect(run(["-h"]).1 == .unknown)
    }
}

struct NegateTests {
    func output(_ text: String, _ code: Int32) -> Command.Output {
        Command.Output(stdout: Array(text.utf8), stderr: [], exitCode: code)
    }

    func config(_ args: [String]) throws -> Negate.Configuration {
        guard case .run(let c) = try Negate.configure(args) else {
            Issue.record("no configuration for \(args)")
            return Negate.Configuration()
        }
        return c
    }

    @Test func defaultSwapsOkAndCritical() throws {
        let c = try config(["/bin/x"])
        #expect(Negate.evaluate(output("OK: fine\n", 0), c) == .text("OK: fine\n", .critical))
        #expect(Negate.evaluate(output("CRITICAL: bad\n", 2), c) == .text("CRITICAL: bad\n", .ok))
        #expect(Negate.evaluate(output("WARNING\n", 1), c) == .text("WARNING\n", .warning))
        #expect(Negate.evaluate(output("UNKNOWN\n", 3), c) == .text("UNKNOWN\n", .unknown))
    }

    @Test func substituteReplacesEveryOccurrenceOfTheOriginalWord() throws {
        let c = try config(["-s", "-o", "warning", "/bin/x"])
        #expect(Negate.evaluate(output("OK: OK-ish\nsecond OK line | a=1\n", 0), c)
                == .text("WARNING: WARNING-ish\nsecond WARNING line | a=1\n", .warning))
    }

    /// Byte-wise, like the C plugin's strstr: adjacent and overlapping
    /// candidates, a word followed by a combining mark, the end of the line.
    @Test(arguments: [
        ("OKOK", "WARNINGWARNING"), ("OOK", "OWARNING"), ("OK\u{301} é OK", "WARNING\u{301} é WARNING"),
        ("xO", "xO"), ("", ""), ("K", "K"), ("ok OK", "ok WARNING"),
    ])
    func substituteMatchesBytes(_ c: (String, String)) {
        #expect(c.0.replacingAll("OK", with: "WARNING") == c.1)
    }

    @Test func noOutputIsUnknownUnlessWorse() throws {
        let c = try config(["/bin/x"])
        #expect(Negate.evaluate(output("", 0), c) == .text("No data returned from command\n", .unknown))
        #expect(Negate.evaluate(output("", 1), c) == .text("No data returned from command\n", .warning))
        #expect(Negate.evaluate(output("", 2), c) == .text("No data returned from command\n", .critical))
        #expect(Negate.evaluate(output("", 127), c) == .text("No data returned from command\n", .unknown))
    }

    @Test func optionsAndTimeout() throws {
        let c = try config(["-t", "5:warning", "-T", "unknown", "-c", "1", "-u", "OK", "--ok=critical", "./p", "-w", "3"])
        #expect(c.timeoutSeconds == 5 && c.timeoutState == .unknown)
        #expect(c.map == [.critical, .warning, .warning, .ok])
        #expect(c.command == ["./p", "-w", "3"])
        #expect(try config(["-t", "3:UNKNOWN", "/p"]).timeoutState == .unknown)
    }

    @Test(arguments: [
        ([], "Could not parse arguments"), (["-s"], "Could not parse arguments"), (["check_dummy", "0"], "Require path to command"),
        (["-o", "foo", "/p"], "Ok must be a valid state name (OK, WARNING, CRITICAL, UNKNOWN) or integer (0-3)."),
        (["-w", "7", "/p"], "Warning must be a valid state name (OK, WARNING, CRITICAL, UNKNOWN) or integer (0-3)."),
        (["-t", "abc", "/p"], "Timeout interval must be a positive integer - abc"),
        (["-x", "/p"], "invalid option -- 'x'"),
    ])
    func usageErrors(_ c: ([String], String)) {
        #expect(throws: expectedUsage(c.1)) { try Negate.configure(c.0) }
    }
}
