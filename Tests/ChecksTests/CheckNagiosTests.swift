import Testing
@testable import Checks
@testable import NagiosPlugin
@testable import SystemProbes

struct CheckNagiosTests {
    static let selfPath = "/usr/lib/nagios/plugins/check_nagios"

    func config(_ args: [String]) throws -> CheckNagios.Configuration {
        try #require(try CheckNagios.configure(args).configuration, "no configuration for \(args)")
    }

    func measurement(age: Int64, statusTime: UInt64 = 1_795_543_665) throws -> CheckNagios.Measurement {
        let procs = CheckNagios.processes(try SystemFixtures.bytes("nagios/ps.txt"))
        return CheckNagios.Measurement(statusTime: statusTime, processes: procs, now: Int64(statusTime) + age)
    }

    @Test(arguments: [
        (["-F", "s", "-C", "/usr/sbin/nagios4"], Int64(5), "NAGIOS WARNING: 3 processes, status log updated 5 seconds ago\n", Status.warning),
        (["-F", "s", "-C", "/usr/sbin/nagios4", "-e", "1"], 5, "NAGIOS OK: 3 processes, status log updated 5 seconds ago\n", .ok),
        (["-F", "s", "-C", "nagios4 -d", "-e", "1"], 60, "NAGIOS OK: 1 process, status log updated 60 seconds ago\n", .ok),
        (["-F", "s", "-C", "nagios4 -d", "-e", "1"], 61, "NAGIOS WARNING: 1 process, status log updated 61 seconds ago\n", .warning),
        (["-F", "s", "-C", "nagios4", "-e", "5"], 1, "NAGIOS OK: 4 processes, status log updated 1 second ago\n", .ok),
        (["-F", "s", "-C", "nagios4"], 0, "NAGIOS OK: 4 processes, status log updated 0 seconds ago\n", .ok),
        (["-F", "s", "-C", "nagios4"], -7, "NAGIOS OK: 4 processes, status log updated -7 seconds ago\n", .ok),
        (["-F", "s", "-C", "not-running"], 0, "NAGIOS CRITICAL: Could not locate a running Nagios process!\n", .critical),
        (["s", "10", "/usr/sbin/nagios4 --worker"], 3, "NAGIOS OK: 2 processes, status log updated 3 seconds ago\n", .ok),
    ])
    func countsProcessesAndAges(_ c: ([String], Int64, String, Status)) throws {
        let exit = CheckNagios.evaluate(try measurement(age: c.1), try config(c.0), selfPath: "/usr/lib/nagios/plugins/check_nagios")
        #expect(exit == .text(c.2, c.3))
    }

    @Test func ownCommandLineAndEmptyArgumentsNeverCount() throws {
        let m = try measurement(age: 0)
        // The fixture's check_nagios line mentions /usr/sbin/nagios4 but holds argv[0].
        #expect(CheckNagios.matching(m.processes, text: "/usr/sbin/nagios4", selfPath: "/usr/lib/nagios/plugins/check_nagios").count == 3)
        #expect(CheckNagios.matching(m.processes, text: "/usr/sbin/nagios4", selfPath: "check_nagios").count == 3)
        #expect(CheckNagios.matching(m.processes, text: "/usr/sbin/nagios4", selfPath: "/elsewhere/x").count == 4)
        // An empty -C matches every process with arguments (strstr with "").
        #expect(CheckNagios.matching(m.processes, text: "", selfPath: "/x").count == 10)
    }

    @Test func noTimeStampIsCriticalButOnlyAfterTheProcessCheck() throws {
        var m = try measurement(age: 0)
        m.statusTime = 0
        #expect(CheckNagios.evaluate(m, try config(["-F", "s", "-C", "nagios4"]), selfPath: Self.selfPath)
                == .text("NAGIOS CRITICAL: Cannot parse Nagios log file for valid time\n", .critical))
        #expect(CheckNagios.evaluate(m, try config(["-F", "s", "-C", "absent"]), selfPath: Self.selfPath)
                == .text("NAGIOS CRITICAL: Could not locate a running Nagios process!\n", .critical))
    }

    @Test func veryVerboseShowsThePsCommandAndEachProcess() throws {
        let exit = CheckNagios.evaluate(try measurement(age: 2), try config(["-F", "s", "-C", "nagios4 --", "-vv"]), selfPath: Self.selfPath)
        #expect(exit == .text("""
            command: /bin/ps axwwo 'stat uid pid ppid vsz rss pcpu etime comm args'
            Found process: nagios4 /usr/sbin/nagios4 --worker /var/lib/nagios4/rw/nagios.qh
            Found process: nagios4 /usr/sbin/nagios4 --worker /var/lib/nagios4/rw/nagios.qh
            NAGIOS WARNING: 2 processes, status log updated 2 seconds ago

            """, .warning))
        let once = CheckNagios.evaluate(try measurement(age: 2), try config(["-F", "s", "-C", "nagios4 --", "-v"]), selfPath: Self.selfPath)
        #expect(once == .text("NAGIOS WARNING: 2 processes, status log updated 2 seconds ago\n", .warning))
    }

    @Test func ageArithmeticWrapsLikeTheCPlugin() throws {
        // (int)(now - created): a stamp far in the future wraps around.
        let m = CheckNagios.Measurement(statusTime: UInt64.max, processes: try measurement(age: 0).processes, now: 10)
        #expect(CheckNagios.evaluate(m, try config(["-F", "s", "-C", "nagios4"]), selfPath: Self.selfPath)
                == .text("NAGIOS WARNING: 4 processes, status log updated 11 seconds ago\n", .warning))
        // -e times 60 overflows an int in C; so it does here.
        let big = try config(["-F", "s", "-C", "nagios4", "-e", "2147483647"])
        #expect(CheckNagios.evaluate(try measurement(age: 5), big, selfPath: Self.selfPath)
                == .text("NAGIOS WARNING: 4 processes, status log updated 5 seconds ago\n", .warning))
    }

    @Test func readsTheFixtureListingLikeTheCPlugin() throws {
        let procs = CheckNagios.processes(try SystemFixtures.bytes("nagios/ps.txt"))
        // The header is skipped; every other line has all the columns.
        #expect(procs.count == 11)
        let nagios = procs.filter { $0.command == "nagios4" }
        #expect(nagios.count == 4)
        #expect(nagios[0].args == "/usr/sbin/nagios4 -d /etc/nagios4/nagios.cfg")
        #expect(nagios[0].pid == 21161 && nagios[0].ppid == 1 && nagios[0].uid == 104)
        #expect(nagios[3].stat == "Z" && nagios[3].args == "[nagios4] <defunct>")
        // Empty arguments stay empty (and never match); comm loses its directory.
        #expect(procs[9].args == "" && procs[9].command == "comm")
        #expect(procs.last?.command == "u8:2-ex")
    }

    @Test func measuresTheStatusFileAndAPsListingFromFiles() throws {
        var c = try config(["-F", SystemFixtures.path("nagios/status.dat"), "-C", "nagios4"])
        c.psFile = SystemFixtures.path("nagios/ps.txt")
        let m = try CheckNagios.measure(c)
        #expect(m.statusTime == 1_795_543_665 && m.processes.count == 11)
        c.statusFile = "/nonexistent/status.dat"
        #expect(throws: PluginError.state(.critical, "NAGIOS CRITICAL: Cannot open status log for reading!")) { try CheckNagios.measure(c) }
        // A directory opens but reads nothing: no time stamp, as with fopen().
        c.statusFile = "/"
        #expect(try CheckNagios.measure(c).statusTime == 0)
    }

    @Test(arguments: [
        ([], PluginError.state(.unknown, "check_nagios: Could not parse arguments")),
        (["-F", "x"], .state(.unknown, "You must provide a process string")),
        (["-C", "y"], .state(.unknown, "You must provide the status_log")),
        (["-e", "abc"], .state(.unknown, "Expiration time must be an integer (seconds)")),
        (["-e", "-1", "-F", "x", "-C", "y"], .state(.unknown, "Expiration time must be an integer (seconds)")),
        (["-t", "-1"], .state(.unknown, "Timeout must be an integer (seconds)")),
        (["-t", "5s"], .state(.unknown, "Timeout must be an integer (seconds)")),
        (["status.dat", "x", "bash"], .state(.unknown, "Expiration time must be an integer (seconds)")),
        (["status.dat"], .state(.unknown, "Expiration time must be an integer (seconds)")),
        (["status.dat", "5"], .state(.unknown, "You must provide a process string")),
        (["-x"], .getopt("invalid option -- 'x'")),
        (["--ver"], .getopt("option '--ver' is ambiguous; possibilities: '--version' '--verbose'")),
    ])
    func badArguments(_ c: ([String], PluginError)) {
        #expect(throws: c.1) { try CheckNagios.configure(c.0) }
    }

    @Test func optionsAndTheOldPositionalForm() throws {
        var c = try config(["-F", "/s", "-C", "n", "-e", " 5", "-t", "+20", "-v", "-v"])
        #expect(c.statusFile == "/s" && c.processText == "n" && c.expireMinutes == 5 && c.timeout == 20 && c.verbose == 2)
        c = try config(["/s", "7", "nagios", "ignored"])
        #expect(c.statusFile == "/s" && c.expireMinutes == 7 && c.processText == "nagios")
        // getopt stops at the first operand ("+" in the optstring).
        c = try config(["-F", "/s", "-C", "n", "x", "-e", "bad"])
        #expect(c.expireMinutes == 0)
        guard case .exit(let help) = try CheckNagios.configure(["-h"]) else { Issue.record("no help"); return }
        #expect(help == .text(CheckNagios.info.helpText, .unknown))
    }
}
