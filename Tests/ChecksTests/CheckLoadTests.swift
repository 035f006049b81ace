import Testing
@testable import Checks
@testable import NagiosPlugin
import SystemProbes

struct CheckLoadTests {
    func config(_ args: [String]) throws -> CheckLoad.Configuration {
        try #require(try CheckLoad.configure(args).configuration)
    }

    /// Configure and evaluate as `main` does, on a fixture root.
    func run(_ args: [String], root: String, cpus: Int? = nil) -> (String, Status) {
        PluginMain.outcome(CheckLoad.info) { () throws(PluginError) in try CheckLoad.configure(args).run { c throws(PluginError) in
            let load: LoadAverage
            do throws(SystemError) { load = try LoadAverage.read(LocalCheckFixtures.root(root)) } catch {
                throw .unknown(error.description)
            }
            let (text, status) = try CheckLoad.evaluate(load, cpus: c.perCPU ? (cpus ?? CPUCount.online(LocalCheckFixtures.root(root))) : nil, c)
            return .text(text, status)
        } }
    }

    @Test func oneValueFillsAllThreeAndTwoValuesRepeatTheLast() throws {
        #expect(try config(["-w", "5", "-c", "10"]).warning == [5, 5, 5])
        #expect(try config(["-w", "1,2", "-c", "3"]).warning == [1, 2, 2])
        let c = try config(["--warning=4,3,2", "--critical", "8,6,4", "-r", "-n", "7"])
        #expect(c.warning == [4, 3, 2] && c.critical == [8, 6, 4] && c.perCPU && c.processesToShow == 7)
        #expect(try config(["-c", "1"]).warning == [0, 0, 0])  // as 2.3.3: a missing -w is 0
    }

    @Test(arguments: [
        (["-w", "abc", "-c", "1"], "Warning threshold must be float or float triplet!"),
        (["-w", "1", "-c", "2,x"], "Warning threshold must be float or float triplet!"),
        (["-w", "1,2,3,4", "-c", "5"], "Warning threshold must be float or float triplet!"),
        (["-w", "", "-c", "5"], "Warning threshold must be float or float triplet!"),
        (["-w", "1,,3", "-c", "5"], "Warning threshold must be float or float triplet!"),
        (["-w", "10abc", "-c", "50"], "Warning threshold must be float or float triplet!"),
    ])
    func thresholdErrorsAreCsPlainUsage(_ c: ([String], String)) {
        #expect(throws: PluginError.plainUsage(c.1 + "\n")) { try CheckLoad.configure(c.0) }
    }

    @Test func otherUsageErrors() {
        #expect(throws: PluginError.usage("Could not parse arguments")) { try CheckLoad.configure([]) }
        #expect(throws: PluginError.usage("Number of processes to show must be an integer")) {
            try CheckLoad.configure(["-w", "1", "-c", "2", "-n", "x"])
        }
        #expect(throws: PluginError.getopt("invalid option -- 'v'")) { try CheckLoad.configure(["-v"]) }
    }

    @Test(arguments: [
        (["-w", "1"], "Parameter inconsistency: 1-minute \"warning load\" is greater than \"critical load\""),
        (["-w", "1,2,3", "-c", "1,1,3"], "Parameter inconsistency: 5-minute \"warning load\" is greater than \"critical load\""),
        (["-w", "-1", "-c", "5"], "Warning threshold for 1-minute load average is not specified"),
        (["-w", "1", "-c", "5,5,-2"], "Critical threshold for 15-minute load average is not specified"),
    ])
    func inconsistentThresholdsAreUnknown(_ c: ([String], String)) {
        #expect(throws: PluginError.state(.unknown, c.1)) { try CheckLoad.configure(c.0) }
    }

    /// What `main` hands to `configure` for `--extra-opts`: the ini options
    /// first, so the command line's -w wins and the file's -c stays.
    @Test func extraOptsGoBeforeTheCommandLine() throws {
        let ini = "[check_load]\nwarning=5\ncritical=10,9,8\n[other]\nwarning=1\n"
        let env = ExtraOpts.Environment(variable: { _ in nil }, exists: { _ in false },
                                        read: { _ in .success(Array(ini.utf8)) })
        let args = try ExtraOpts.expand(["-w", "7", "--extra-opts=@x.ini"], section: CheckLoad.info.name, environment: env)
        #expect(args == ["--warning=5", "--critical=10,9,8", "-w", "7"])
        let c = try config(args)
        #expect(c.warning == [7, 7, 7] && c.critical == [10, 9, 8])
        #expect(throws: ExtraOptsError.invalidSection(section: "nope", file: "x.ini")) {
            try ExtraOpts.expand(["--extra-opts=nope@x.ini"], section: CheckLoad.info.name, environment: env)
        }
    }

    @Test func helpAndVersion() throws {
        #expect(try CheckLoad.configure(["-V"]) == .exit(.text(CheckLoad.info.versionLine, .unknown)))
        guard case .exit(.text(let help, .unknown)) = try CheckLoad.configure(["-w", "1", "--help"]) else {
            Issue.record("no help")
            return
        }
        #expect(help.contains("--procs-to-show"))
    }

    @Test func totalLoadAgainstThresholds() {
        #expect(run(["-w", "5", "-c", "10"], root: "load/busy4") == (
            "LOAD CRITICAL - total load average: 12.50, 7.25, 3.12|load1=12.500;5.000;10.000;0; "
                + "load5=7.250;5.000;10.000;0; load15=3.120;5.000;10.000;0; \n", .critical))
        #expect(run(["-w", "15,10,5", "-c", "20,15,10"], root: "load/busy4").1 == .ok)
        #expect(run(["-w", "12,8,4", "-c", "20,15,10"], root: "load/busy4").1 == .warning)
        #expect(run(["-w", "12.5", "-c", "20"], root: "load/busy4").1 == .ok)  // "above", not "at"
        #expect(run(["-w", "1", "-c", "2"], root: "load/idle") == (
            "LOAD OK - total load average: 0.15, 0.10, 0.05|load1=0.150;1.000;2.000;0; "
                + "load5=0.100;1.000;2.000;0; load15=0.050;1.000;2.000;0; \n", .ok))
    }

    @Test func perCPUShowsScaledAndTotal() {
        #expect(run(["-r", "-w", "3", "-c", "4"], root: "load/busy4") == (
            "LOAD WARNING - scaled load average: 3.12, 1.81, 0.78 - total load average: 12.50, 7.25, 3.12|"
                + "load1=12.500;;;0; scaled_load1=3.125;3.000;4.000;0; load5=7.250;;;0; scaled_load5=1.812;3.000;4.000;0; "
                + "load15=3.120;;;0; scaled_load15=0.780;3.000;4.000;0; \n", .warning))
        #expect(run(["-r", "-w", "1", "-c", "2"], root: "load/idle").0.hasPrefix(
            "LOAD OK - scaled load average: 0.07, 0.05, 0.03 - total load average: 0.15, 0.10, 0.05|"))
        #expect(run(["-r", "-w", "0.6", "-c", "1"], root: "load/sparse").0.hasPrefix(
            "LOAD WARNING - scaled load average: 0.67, 0.42, 0.17 -"))
    }

    @Test func negativeLoadIsUnknown() throws {
        #expect(throws: PluginError.state(.unknown, "Error processing /proc/loadavg")) {
            try CheckLoad.evaluate(LoadAverage(-1, 0, 0), cpus: nil, try config(["-w", "1", "-c", "2"]))
        }
    }

    @Test func missingLoadFileIsUnknown() {
        #expect(run(["-w", "1", "-c", "2"], root: "load/none") ==
                ("UNKNOWN - open \(LocalCheckFixtures.path("load/none"))/proc/loadavg: No such file or directory\n", .unknown))
    }

    func ps(_ lines: [String], exit: Int32 = 0) -> () throws(Command.Failure) -> Command.Output {
        { () throws(Command.Failure) in
            Command.Output(stdout: Array(lines.map { $0 + "\n" }.joined().utf8), stderr: [], exitCode: exit)
        }
    }

    @Test func topProcessesByCPUStableAndHeaderFirst() {
        let lines = ["STAT UID PID PPID VSZ RSS %CPU ELAPSED COMMAND COMMAND",
                     "S 0 1 0 1 1 0.3 00:01 a a", "R 0 2 0 1 1 43.6 00:01 b b", "S 0 3 0 1 1 0.3 00:01 c c",
                     "S 0 4 0 1 1 19.2 00:01 d d", "garbage", "S 0 5 0 1 1 0.3 00:01 e e"]
        let top = CheckLoad.topProcesses(run: ps(lines), count: 4)
        #expect(top.stdout == [lines[0], lines[2], lines[4], lines[1], lines[3]].map { $0 + "\n" }.joined())
        #expect(top.stderr == "")
        #expect(CheckLoad.topProcesses(run: ps(lines), count: 100).stdout.split(separator: "\n").count == lines.count)
    }

    @Test func topProcessesFailures() {
        let header = ["STAT UID PID PPID VSZ RSS %CPU ELAPSED COMMAND COMMAND"]
        #expect(CheckLoad.topProcesses(run: ps(header), count: 3) == ("", "some error occurred getting procs list.\n"))
        let failed = CheckLoad.topProcesses(run: ps(header + ["S 0 1 0 1 1 0.3 00:01 a a"], exit: 1), count: 3)
        #expect(failed == ("", "'/bin/ps axwwo 'stat uid pid ppid vsz rss pcpu etime comm args'' exited with non-zero status.\n"))
        let missing = CheckLoad.topProcesses(run: { () throws(Command.Failure) in
            try Command(path: "/nonexistent/ps", arguments: []).run()
        }, count: 3)
        #expect(missing.stdout == "" && missing.stderr.hasSuffix("exited with non-zero status.\n"))
    }
}
