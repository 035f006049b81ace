import Testing
@testable import NagiosPlugin

struct OptionParserTests {
    let parser = OptionParser([
        OptionSpec("w", "warning", .required), OptionSpec("c", "critical", .required),
        OptionSpec("v", "verbose"), OptionSpec("h", "help"), OptionSpec("V", "version"),
        OptionSpec(nil, "verify", .optional), OptionSpec("t", "timeout", .required),
    ])

    @Test(arguments: [["-w5"], ["-w", "5"], ["--warning=5"], ["--warning", "5"], ["--warn", "5"], ["--w=5"]])
    func everySpellingOfAnArgument(_ args: [String]) throws {
        let p = try parser.parse(args)
        #expect(p.last("warning") == "5")
        #expect(p.operands.isEmpty)
    }

    @Test func negativeValueIsAnArgumentNotAnOption() throws {
        #expect(try parser.parse(["-w", "-5", "-c", "~:-3"]).last("critical") == "~:-3")
        #expect(try parser.parse(["-w", "-5"]).last("warning") == "-5")
    }

    @Test func clustersRepeatsAndPermutation() throws {
        let p = try parser.parse(["host", "-vvv", "-w", "1", "--", "-c", "x"])
        #expect(p.count("verbose") == 3)
        #expect(p.operands == ["host", "-c", "x"])
        #expect(try parser.parse(["-vw3"]).last("warning") == "3")
        #expect(try parser.parse(["-w", "1", "-w", "2"]).all("warning") == ["1", "2"])
        #expect(try parser.parse(["-w", "1", "-w", "2"]).last("warning") == "2")
        #expect(try parser.parse(["-"]).operands == ["-"])
    }

    @Test func stopsAtFirstOperandWhenAsked() throws {
        let p = try OptionParser(parser.specs, stopAtFirstOperand: true).parse(["-v", "/bin/x", "-w", "1"])
        #expect(p.count("verbose") == 1)
        #expect(p.operands == ["/bin/x", "-w", "1"])
    }

    @Test func optionalArgumentsOnlyAttached() throws {
        #expect(try parser.parse(["--verify=yes"]).last("verify") == "yes")
        let p = try parser.parse(["--verify", "yes"])
        #expect(p.has("verify") && p.last("verify") == nil && p.operands == ["yes"])
    }

    @Test(arguments: [
        (["-x"], "invalid option -- 'x'"),
        (["--bogus"], "unrecognized option '--bogus'"),
        (["-w"], "option requires an argument -- 'w'"),
        (["--warning"], "option '--warning' requires an argument"),
        (["--help=1"], "option '--help' doesn't allow an argument"),
        (["--ver"], "option '--ver' is ambiguous; possibilities: '--verbose' '--version' '--verify'"),
        (["--bogus=1"], "unrecognized option '--bogus=1'"), (["--ver=1"], "option '--ver=1' is ambiguous; possibilities: '--verbose' '--version' '--verify'"),
    ])
    func errorsSayWhatIsWrong(_ c: ([String], String)) {
        #expect(throws: UsageError(c.1)) { try parser.parse(c.0) }
    }
}

extension OptionParserTests {
    @Test func getoptLongWarnsAndGoesOn() {
        let (p, warnings) = parser.parseLikeGetoptLong(["-x", "-w", "5", "--bogus=2", "--ver", "-c"])
        #expect(p.last("warning") == "5" && !p.has("critical"))
        #expect(warnings == "Unknown option: x\nUnknown option: bogus\nOption ver is ambiguous (verbose, verify, version)\nOption c requires an argument\n")
        // Single letters are names too (`--c` is -c), and messages use the name as typed.
        let (q, more) = parser.parseLikeGetoptLong(["--w", "3", "--crit"])
        #expect(q.last("warning") == "3" && more == "Option crit requires an argument\n")
    }

    @Test func whatFollowsHelpOrVersionIsNotLookedAt() throws {
        #expect(try parser.parse(["-h", "--bogus"]).options.map(\.key) == ["help"])
        #expect(try parser.parse(["-w", "1", "-V", "-x", "-c"]).options.map(\.key) == ["warning", "version"])
        #expect(throws: UsageError("invalid option -- 'x'")) { try parser.parse(["-x", "-V"]) }
    }

    @Test func inOrderParsingStopsAtTheRefusal() {
        let p = parser.parseInOrder(["-w", "1", "op", "-vx", "-c", "2"])
        #expect(p.options.map(\.key) == ["warning", "verbose"] && p.operands == ["op"])
        #expect(p.refusal == UsageError("invalid option -- 'x'"))
        #expect(parser.parseInOrder(["-w", "1"]).refusal == nil)
    }

    @Test func exactOnlyOptionsAreNotAbbreviated() throws {
        let p = OptionParser([OptionSpec(nil, "input-file", .required, exactOnly: true), OptionSpec("t", "timeout", .required)])
        #expect(try p.parse(["--input-file=x"]).last("input-file") == "x")
        #expect(throws: UsageError("unrecognized option '--i'")) { try p.parse(["--i"]) }
    }
}

struct PluginMainTests {
    let info = PluginInfo(name: "check_x", usage: " check_x -w N", description: "Checks x.")

    @Test func usageErrorNamesTheProgramAndPrintsUsage() {
        let (text, status) = PluginMain.outcome(info) { () throws(PluginError) in throw .usage("bad -w") }
        #expect(text == "check_x: bad -w\nUsage:\n check_x -w N\n")
        #expect(status == .unknown)
    }

    @Test func getoptComplaintsGoToStandardErrorAsTheCLibraryPrintsThem() {
        let r = PluginMain.fullOutcome(info, programPath: "/usr/lib/x/check_x") { () throws(PluginError) in
            throw .getopt("invalid option -- 'z'")
        }
        #expect(r.0 == "Usage:\n check_x -w N\n" && r.1 == "/usr/lib/x/check_x: invalid option -- 'z'\n" && r.2 == .unknown)
        // Started under another name (vigil-plugins check_x): the plugin's name.
        let other = PluginMain.fullOutcome(info, programPath: "vigil-plugins") { () throws(PluginError) in
            throw .getopt("option requires an argument -- 'w'", preface: "Unknown argument")
        }
        #expect(other.0 == "Unknown argument\nUsage:\n check_x -w N\n" && other.1 == "check_x: option requires an argument -- 'w'\n")
    }

    @Test func plainUsageAndInlineUsage() {
        #expect(PluginMain.outcome(info) { () throws(PluginError) in throw .plainUsage("Bad -w!\n") }
                == ("Bad -w!\n\nUsage:\n check_x -w N\n", .unknown))
        let script = PluginInfo(name: "check_s", usage: " check_s -F file\n check_s --help", description: "", inlineUsage: true)
        #expect(script.usageText == "Usage: check_s -F file\nUsage: check_s --help\n")
    }

    @Test func reversedRangesDieInTheCLibrarysWords() {
        #expect(PluginError(RangeError(text: "5:1", reason: "start is greater than end")) == .state(.unknown, "Range format incorrect"))
        #expect(PluginError(RangeError(text: "x", reason: "not a number")) == .usage("invalid range 'x': not a number"))
    }

    @Test func failuresBecomeUnknown() {
        let (text, status) = PluginMain.outcome(info) { () throws(PluginError) in throw .unknown("no such file") }
        #expect(text == "UNKNOWN - no such file\n" && status == .unknown)
    }

    @Test func dieWithState() {
        let (text, status) = PluginMain.outcome(info) { () throws(PluginError) in throw .state(.critical, "CRITICAL - gone") }
        #expect(text == "CRITICAL - gone\n" && status == .critical)
    }

    @Test func resultIsRendered() throws {
        let r = CheckResult(status: .warning, summary: "X WARNING - 5", perfdata: [try .integer("x", 5)],
                            longOutput: ["detail 1", "detail 2"])
        let (text, status) = PluginMain.outcome(info) { () throws(PluginError) in .result(r) }
        #expect(text == "X WARNING - 5 | x=5;;;;\ndetail 1\ndetail 2\n" && status == .warning)
    }

    @Test func helpAndVersionTexts() {
        #expect(info.versionLine == "check_x v2.3.3 (vigil \(PluginInfo.vigilVersion))\n")
        #expect(info.helpText.contains("Usage:\n check_x -w N\n"))
        #expect(info.helpText.contains("-h, --help"))
    }

    @Test func timeoutArguments() throws {
        #expect(try Timeout.parse("10") == (10, .critical))
        #expect(try Timeout.parse("5:UNKNOWN") == (5, .unknown))
        #expect(try Timeout.parse("5:1") == (5, .warning))
        #expect(try Timeout.parse("0") == (0, .critical))
        for bad in ["", "x", "-1", "5:", "5:bogus", "1.5"] {
            #expect(throws: PluginError.self) { try Timeout.parse(bad) }
        }
        #expect(Timeout.message(kind: .plugin, seconds: 3, state: .critical) == "CRITICAL - Plugin timed out after 3 seconds\n")
        #expect(Timeout.message(kind: .socket, seconds: 10, state: .unknown) == "UNKNOWN - Socket timeout after 10 seconds\n")
    }
}

struct PluginOutputTests {
    @Test func nagiosSplitsSummaryLongOutputAndPerfdata() {
        let o = PluginOutput(parsing: "DISK OK - free space | /=10MB;;;0;100\nline two\nline three | /var=5MB\n/home=3MB\n")
        #expect(o.summary == "DISK OK - free space")
        #expect(o.longOutput == ["line two", "line three "])
        #expect(o.perfdata == "/=10MB;;;0;100 /var=5MB /home=3MB")
    }

    @Test func noPerfdata() {
        let o = PluginOutput(parsing: "OK\n")
        #expect(o.summary == "OK" && o.longOutput.isEmpty && o.perfdata.isEmpty)
    }
}
