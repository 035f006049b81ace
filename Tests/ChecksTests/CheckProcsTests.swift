import Testing
@testable import Checks
@testable import NagiosPlugin
import SystemProbes

struct CheckProcsTests {
    static let plugin = FileIdentity(device: 8, inode: 4242)
    /// A process that is not in any fixture.
    static let me = CheckProcs.Identity(pid: 42, ppid: 41, executable: plugin, command: "check_procs")

    func config(_ args: [String]) throws -> CheckProcs.Configuration {
        try #require(try CheckProcs.configure(args).configuration)
    }

    func lines(_ fixture: String) throws -> [String] {
        try LocalCheckFixtures.bytes("procs/" + fixture).lines
    }

    func run(_ args: [String], _ lines: [String], me: CheckProcs.Identity = me, exitCode: Int32 = 0,
             programs: [Int32: FileIdentity] = [:]) -> (String, Status) {
        PluginMain.outcome(CheckProcs.info) { () throws(PluginError) in
            try CheckProcs.configure(args).run { c in
                CheckProcs.evaluate(.init(lines: lines, exitCode: exitCode), c, me: me) { programs[$0] }
            }
        }
    }

    func run(_ args: [String], fixture: String = "ps-sample.txt") throws -> (String, Status) {
        run(args, try lines(fixture))
    }

    @Test func filtersAreDescribedInTheOrderGiven() throws {
        let c = try config(["-u", "0", "-C", "sshd", "-p", "1", "-a", "x", "-r", "5", "-z", "6", "-P", "1.5",
                            "--ereg-argument-array=a|b", "-s", "S", "-p", "2", "-C", "ignored", "-s", "R"])
        #expect(c.description == "UID = 0 (root), command name 'sshd', PPID = 1, args 'x', RSS >= 5, VSZ >= 6, "
                + "PCPU >= 1.50, regex args 'a,b', STATE = S, PPID = 2")
        #expect(c.filters.ppid == 2 && c.filters.command == "sshd" && c.filters.state == "S")
    }

    @Test func operandsAreWarningCriticalAndState() throws {
        let c = try config(["2", "5", "Z", "extra"])
        #expect(c.warning == "2" && c.critical == "5" && c.filters.state == "Z" && c.description == "STATE = Z")
        let d = try config(["-w", "1", "-c", "2", "3", "4"])
        #expect(d.filters.state == "3")
    }

    @Test func optionDetails() throws {
        let c = try config(["-m", "ELAPSED", "-t", "5:warning", "-k", "-T", "-vvv", "--input-file=/x", "--elapsed=9"])
        #expect(c.metric == .elapsed && c.metricName == "ELAPSED" && c.timeoutSeconds == 5 && c.timeoutState == .warning)
        #expect(c.noKernelThreads && c.traditional && c.verbose == 3 && c.inputFile == "/x")
        #expect(try config(["--no-kthreads=1"]).noKernelThreads)
        #expect(try config(["-p", " -7"]).filters.ppid == -7)
        #expect(try config(["-p", "4294967297"]).filters.ppid == 1)  // (int) as sscanf stores it
        #expect(try config(["-P", "1.5.5"]).filters.pcpu == 1.5)
        #expect(try config(["-u", ""]).filters.uid == 0)  // the C plugin's is_integer("") is true
        #expect(try config(["-u", "root"]).description == "UID = 0 (root)")
    }

    @Test(arguments: [
        (["-p", "9x"], "Parent Process ID must be an integer!"), (["-p", ""], "Parent Process ID must be an integer!"),
        (["-r", "5.5"], "RSS must be an integer!"), (["-z", "x"], "VSZ must be an integer!"),
        (["-P", "abc"], "PCPU must be a float!"), (["-P", "5x"], "PCPU must be a float!"),
        (["-m", "FOO"], "Metric must be one of PROCS, VSZ, RSS, CPU, ELAPSED!"),
        (["-u", "nosuchuser-vigil"], "User name was not found - nosuchuser-vigil"),
        (["-u", "4242424"], "UID was not found - 4242424"),
        (["-t", "abc"], "Timeout interval must be a positive integer - abc"),
        (["-w", "5:2"], "invalid range '5:2': start is greater than end"),
        (["-w", "abc"], "invalid range 'abc': not a number"),
        (["--no-kthreads"], "option '--no-kthreads' requires an argument"),
        (["-X", "foo"], "invalid option -- 'X'"), (["--t=5"], "option '--t=5' is ambiguous; possibilities: '--timeout' '--traditional-filter'"),
    ])
    func usageErrors(_ c: ([String], String)) {
        #expect(throws: expectedUsage(c.1)) { try CheckProcs.configure(c.0) }
    }

    @Test func badRegexIsUnknown() {
        #expect(throws: PluginError.state(.unknown, "PROCS UNKNOWN: Could not compile regular expression - Unmatched ( or \\(")) {
            try CheckProcs.configure(["--ereg-argument-array=("])
        }
    }

    @Test(arguments: [
        ([], "PROCS OK: 6 processes | procs=6;;;0;\n", Status.ok),
        (["-s", "S"], "PROCS OK: 3 processes with STATE = S | procs=3;;;0;\n", .ok),
        (["-s", "sS"], "PROCS OK: 0 processes with STATE = sS | procs=0;;;0;\n", .ok),
        (["-C", "apache2"], "PROCS OK: 2 processes with command name 'apache2' | procs=2;;;0;\n", .ok),
        (["-C", "/usr/bin/apache2"], "PROCS OK: 0 processes with command name '/usr/bin/apache2' | procs=0;;;0;\n", .ok),
        (["--ereg-argument-array=apache|sshd"], "PROCS OK: 3 processes with regex args 'apache,sshd' | procs=3;;;0;\n", .ok),
        (["-p", "5000001"], "PROCS OK: 1 process with PPID = 5000001 | procs=1;;;0;\n", .ok),
        (["-z", "50000", "-r", "1"], "PROCS OK: 2 processes with VSZ >= 50000, RSS >= 1 | procs=2;;;0;\n", .ok),
        (["-P", "12.3"], "PROCS OK: 2 processes with PCPU >= 12.30 | procs=2;;;0;\n", .ok),
        (["-k"], "PROCS OK: 5 processes | procs=5;;;0;\n", .ok),  // ppid 0 counts as kthreadd's until it is seen
        (["-w", "2", "-c", "5"], "PROCS CRITICAL: 6 processes | procs=6;2;5;0;\n", .critical),
        (["2", "5", "S"], "PROCS WARNING: 3 processes with STATE = S | procs=3;2;5;0;\n", .warning),
        (["-w", "1:3", "-c", "@2:3"], "PROCS WARNING: 6 processes | procs=6;1:3;@2:3;0;\n", .warning),
        (["-w", "", "-c", "5"], "PROCS CRITICAL: 6 processes | procs=6;;5;0;\n", .critical),
        (["-m", "VSZ", "-w", "10000", "-c", "55000", "-v"],
         "VSZ CRITICAL: 1 crit, 1 warn out of 6 processes [apache2, apache2] | procs=6;;;0; procs_warn=1;;;0; procs_crit=1;;;0;\n",
         .critical),
        (["-m", "CPU", "-w", "10", "-c", "20"],
         "CPU CRITICAL: 1 crit, 1 warn out of 6 processes | procs=6;;;0; procs_warn=1;;;0; procs_crit=1;;;0;\n", .critical),
        (["-m", "RSS"], "RSS OK: 6 processes | procs=6;;;0; procs_warn=0;;;0; procs_crit=0;;;0;\n", .ok),
        (["-u", "33", "-C", "apache2", "-v", "-m", "RSS", "-w", "45000", "-c", "100000"],
         "RSS WARNING: 1 warn out of 2 processes with UID = 33 (www-data), command name 'apache2' [apache2] "
            + "| procs=2;;;0; procs_warn=1;;;0; procs_crit=0;;;0;\n", .warning),
    ])
    func sample(_ c: ([String], String, Status)) throws {
        #expect(try run(c.0) == (c.1, c.2))
    }

    @Test func verboseTraceMatchesTheCPlugin() throws {
        let (text, status) = try run(["-m", "ELAPSED", "-w", "3600", "-c", "86400", "-vvv"], fixture: "ps-edge.txt")
        let expected = "CMD: /bin/ps axwwo 'stat uid pid ppid vsz rss pcpu etime comm args'\n"
            + "S        0 5000101     1   1000   100  0.5       00:10 a/              /opt/a/   \rseconds: 10\n"
            + "proc#=0 uid=0 vsz=1000 rss=100 pid=5000101 ppid=1 pcpu=0.50 stat=S etime=00:10 prog=a/ args=/opt/a/\n"
            + "Matched: uid=0 vsz=1000 rss=100 pid=5000101 ppid=1 pcpu=0.50 stat=S etime=00:10 prog=a/ args=/opt/a/\n"
            + "Not parseable: this is not a ps lineNot parseable: "
            + "R     0 5000103 5000101 99999999999 -5 1e1 49710-01:00:00 /usr/bin/tool tool --flag x  "
            + "proc#=1 uid=0 vsz=1215752191 rss=-5 pid=5000103 ppid=5000101 pcpu=10.00 stat=R etime=49710-01:00:00 "
            + "prog=tool args=tool --flag x\n"
            + "Matched: uid=0 vsz=1215752191 rss=-5 pid=5000103 ppid=5000101 pcpu=10.00 stat=R etime=49710-01:00:00 "
            + "prog=tool args=tool --flag x\n"
            + "Ss    0 5000104 5000101  2000  300 3.75 2-00:00:00 sshd sshd: user@pts/0seconds: 172800\n"
            + "proc#=2 uid=0 vsz=2000 rss=300 pid=5000104 ppid=5000101 pcpu=3.75 stat=Ss etime=2-00:00:00 prog=sshd "
            + "args=sshd: user@pts/0\n"
            + "Matched: uid=0 vsz=2000 rss=300 pid=5000104 ppid=5000101 pcpu=3.75 stat=Ss etime=2-00:00:00 prog=sshd "
            + "args=sshd: user@pts/0\n"
            + "S     0 5000105 5000101  2000  300 abc 00:01 brokenNot parseable: "
            + "D+   33 5000106 5000101  1 1 0.0 7 shortseconds: 0\n"
            + "proc#=3 uid=33 vsz=1 rss=1 pid=5000106 ppid=5000101 pcpu=0.00 stat=D+ etime=7 prog=short args=\n"
            + "Matched: uid=33 vsz=1 rss=1 pid=5000106 ppid=5000101 pcpu=0.00 stat=D+ etime=7 prog=short args=\n"
            + "S   33 5000107 5000101  1 1 0.0 01:02:03Not parseable: "
            + "ELAPSED CRITICAL: 1 crit, 0 warn out of 4 processes [sshd] | procs=4;;;0; procs_warn=0;;;0; procs_crit=1;;;0;\n"
        #expect(text == expected)
        #expect(status == .critical)
    }

    @Test func leavesOutItselfItsCopiesAndItsParent() throws {
        let sample = try lines("ps-sample.txt")
        let copy = "S 0 5000007 1 100 100 0.0 00:01 check_procs /usr/lib/nagios/plugins/check_procs"
        let other = "S 0 5000008 1 100 100 0.0 00:01 check_load /usr/lib/nagios/plugins/check_load"
        let all = sample + [copy, other]
        let programs = [Int32(5_000_007): Self.plugin, 5_000_008: Self.plugin]
        // A copy of this plugin is left out; another plugin of the same multi-call binary is not.
        #expect(run([], all, programs: programs).0 == "PROCS OK: 7 processes | procs=7;;;0;\n")
        // -T: only this process id (and the parent).
        #expect(run(["-T"], all, programs: programs).0 == "PROCS OK: 8 processes | procs=8;;;0;\n")
        let me = CheckProcs.Identity(pid: 5_000_002, ppid: 5_000_004, executable: nil, command: "check_procs")
        #expect(run([], sample, me: me).0 == "PROCS OK: 4 processes | procs=4;;;0;\n")
    }

    @Test func kernelThreadsAreTheChildrenOfKthreadd() throws {
        let capture = try lines("ps-debian12.txt")
        let all = run([], capture).0
        let user = run(["-k", "-vv"], capture).0
        let count = { (s: String) in Int(s.split(separator: "\n").last?.split(separator: " ")[2] ?? "") ?? -1 }
        let ignored = user.split(separator: "\n").filter { $0.hasPrefix("Ignore kernel thread: ") }
        #expect(ignored.count > 10)
        // init too: its parent id 0 matches while kthreadd has not been seen yet, as in 2.3.3.
        #expect(ignored.first?.hasPrefix("Ignore kernel thread: pid=5000001 ppid=0 prog=process_api") == true)
        #expect(count(all) == capture.count - 1)
        #expect(count(user) == count(all) - ignored.count)
    }

    @Test func nothingParsedIsUnknown() {
        #expect(run([], []) == ("Unable to read output\n", .unknown))
        #expect(run(["-v"], ["HEADER", "garbage"]) == ("Not parseable: Unable to read output\n", .unknown))
    }

    @Test func psExitCodeIsTheStartingState() {
        let lines = ["HEADER", "S 0 5000001 1 1 1 0.0 00:01 a a"]
        #expect(run([], lines, exitCode: 1) == ("PROCS WARNING: 1 process | procs=1;;;0;\n", .warning))
        #expect(run([], lines, exitCode: 3) == ("PROCS OK: 1 process | procs=1;;;0;\n", .ok))
    }
}

/// `-a` and `-s` match with strstr semantics: bytes, an empty needle
/// matches everything.
struct CheckProcsSubstringTests {
    @Test(arguments: [
        ("/usr/bin/sleep 120", "120", true), ("/usr/bin/sleep 120", "", true), ("", "", true), ("", "x", false),
        ("Ss+", "s+", true), ("Ss+", "S+", false), ("caf\u{e9} --x", "\u{e9} -", true),
        ("e\u{301}", "e", true), ("abc", "abcd", false),
    ])
    func matchesLikeStrstr(_ c: (String, String, Bool)) {
        #expect(c.0.contains(substring: c.1) == c.2)
    }
}
