import Testing
@testable import Checks
@testable import NagiosPlugin

struct CheckClusterTests {
    func run(_ args: [String]) -> (String, Status) {
        PluginMain.outcome(CheckCluster.info) { () throws(PluginError) in try CheckCluster.run(args) }
    }

    // Expected texts and states as Debian's 2.3.3 binary prints them.
    @Test(arguments: [
        (["-s", "-d", "0,0,1", "-w", "1", "-c", "2"], "CLUSTER OK: Service cluster: 2 ok, 1 warning, 0 unknown, 0 critical\n", Status.ok),
        (["-h", "-d", "0,1,2,3"], "CLUSTER OK: Host cluster: 1 up, 1 down, 1 unreachable\n", .ok),
        (["-d", "0,1,2,3"], "CLUSTER OK: Service cluster: 1 ok, 1 warning, 1 unknown, 1 critical\n", .ok),
        (["-s", "-d", "0,1,2,3", "-l", "My label"], "CLUSTER OK: My label: 1 ok, 1 warning, 1 unknown, 1 critical\n", .ok),
        (["-s", "-d", "1,1", "-c", "@2"], "CLUSTER CRITICAL: Service cluster: 0 ok, 2 warning, 0 unknown, 0 critical\n", .critical),
        (["-s", "-d", "1", "-w", "0.5"], "CLUSTER WARNING: Service cluster: 0 ok, 1 warning, 0 unknown, 0 critical\n", .warning),
        (["-d", "2,2,2,2,1,0", "-w", "3", "-c", "4"], "CLUSTER CRITICAL: Service cluster: 1 ok, 1 warning, 0 unknown, 4 critical\n", .critical),
        (["-d", "2,2,2,1,0", "-w", "3", "-c", "4"], "CLUSTER WARNING: Service cluster: 1 ok, 1 warning, 0 unknown, 3 critical\n", .warning),
        (["-d", "3,3,3,3,3", "-w", "3", "-c", "4"], "CLUSTER CRITICAL: Service cluster: 0 ok, 0 warning, 5 unknown, 0 critical\n", .critical),
        (["-h", "-d", "3,3", "-c", "0"], "CLUSTER OK: Host cluster: 0 up, 0 down, 0 unreachable\n", .ok),
        (["-h", "-d", "1,1,2", "-w", "2", "-c", "3", "-l", "Hosts"], "CLUSTER WARNING: Hosts: 0 up, 2 down, 1 unreachable\n", .warning),
        (["-sd1"], "CLUSTER OK: Service cluster: 0 ok, 1 warning, 0 unknown, 0 critical\n", .ok),
        (["-s", "-d", "1", "--lab=x", "extra"], "CLUSTER OK: x: 0 ok, 1 warning, 0 unknown, 0 critical\n", .ok),
        (["-d", "1", "-l", ""], "CLUSTER OK: : 0 ok, 1 warning, 0 unknown, 0 critical\n", .ok),
        (["-h", "-s", "-d", "2"], "CLUSTER OK: Service cluster: 0 ok, 0 warning, 0 unknown, 1 critical\n", .ok),
        (["-d", "1", "-c", ""], "CLUSTER OK: Service cluster: 0 ok, 1 warning, 0 unknown, 0 critical\n", .ok),
        (["--data=0,2", "--critical=1:", "--host"], "CLUSTER OK: Host cluster: 1 up, 0 down, 1 unreachable\n", .ok),
        (["--data=0,0", "--critical=1:", "--host"], "CLUSTER CRITICAL: Host cluster: 2 up, 0 down, 0 unreachable\n", .critical),
    ])
    func countsAndStates(_ c: ([String], String, Status)) {
        let (text, status) = run(c.0)
        #expect(text == c.1)
        #expect(status == c.2)
    }

    @Test(arguments: [
        (["-s", "-d", "1", "-v", "-w", "1", "-c", "@2:3"], "check_cluster - Warning: start=0 end=1; Critical: start=2 end=3\n"),
        (["-s", "-d", "1", "-v", "-v"], "check_cluster - Warning not set; Critical not set\n"),
        (["-d", "1", "-v", "-w", "", "-c", "~:"], "check_cluster - Warning: start=0 end=0; Critical: start=0 end=0\n"),
        (["-d", "1", "-v", "-w", "1e-1:1.5e0", "-c", "10:"], "check_cluster - Warning: start=0.1 end=1.5; Critical: start=10 end=0\n"),
    ])
    func verbosePrintsThresholdsFirst(_ c: ([String], String)) {
        let (text, _) = run(c.0)
        #expect(text.hasPrefix(c.1))
        #expect(text.split(separator: "\n").count == 2)
    }

    @Test(arguments: [
        ["-s", "-d", "0,1,4"], ["-s", "-d", ""], ["-s", "-d", "0,"], ["-s", "-d", "00"], ["-d", "0;1"], ["-d", ",0"],
        [], ["-s"], ["-x", "-d", "1"], ["-s", "-d", "1", "--ver"], ["-d", "1", "-w", "1:0"], ["-d", "1", "-c", "abc"],
        ["-d", "1", "-w", "10abc"], ["--extra-opts=x", "-d", "1"], ["-d"],
    ])
    func badArgumentsAreUsageErrors(_ args: [String]) {
        let (text, status) = run(args)
        #expect(status == .unknown)
        if text == "Range format incorrect\n" { return }  // -w 1:0, in 2.3.3's words
        // 2.3.3's usage("Could not parse arguments"); ranges it misreads get our reason.
        #expect(text.hasPrefix("Could not parse arguments\nUsage:\n") || text.hasPrefix("check_cluster: invalid range '"), "\(text)")
        #expect(text.contains("Usage:\n check_cluster (-s | -h) -d val1[,val2,...,valn] [-l label]\n"))
    }

    @Test func dataErrorComesBeforeALaterVersionOption() {
        #expect(run(["-d", "5", "-V"]).0.hasPrefix("Could not parse arguments\nUsage:\n"))
        #expect(run(["-V", "-d", "5"]) == (CheckCluster.info.versionLine, .unknown))
    }

    @Test func helpIsCapitalHBecauseLowerHMeansHosts() {
        let (text, status) = run(["--help"])
        #expect(status == .unknown)
        #expect(text.contains(" -H, --help\n") && !text.contains(" -h, --help\n"))
        #expect(text.contains(" -h, --host\n"))
        #expect(run(["-H"]).0 == text)
    }

    @Test func problemsCountNonOkMembers() throws {
        guard case .run(let c) = try CheckCluster.configure(["-h", "-d", "0,1,2,3,3"]) else {
            Issue.record("no configuration")
            return
        }
        #expect(CheckCluster.problems(c) == 2)
        #expect(CheckCluster.Counts(c.states).byState == [1, 1, 1, 2])
    }
}
