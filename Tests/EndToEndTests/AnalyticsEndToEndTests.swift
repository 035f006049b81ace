import Foundation
import Testing

/// `vigil-analytics` and the installed `check_baseline` run as a user (or
/// cron, or Nagios) runs them, on RRD files written by the built
/// `vigil-collector` from Nagios-style perfdata.
struct AnalyticsEndToEndTests {
    /// The binary of the same build as this test bundle (or VIGIL_ANALYTICS).
    static var analytics: String {
        if let p = ProcessInfo.processInfo.environment["VIGIL_ANALYTICS"] { return p }
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let candidates = [here + "/vigil-analytics", E2E.repo.path + "/.build/release/vigil-analytics",
                          E2E.repo.path + "/.build/debug/vigil-analytics"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Monday 2025-11-24 16:00 UTC.
    static let now = 1_764_000_000

    /// A scratch directory every user (nagios too) can read.
    static func scratch() throws -> URL {
        let dir = URL(fileURLWithPath: "/tmp/vigil-e2e-analytics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        chmod(dir.path, 0o755)
        return dir
    }

    /// Three weeks of check_load perfdata every 5 minutes, as Nagios writes
    /// it, stored by the built `vigil-collector`: `root/web01/Load.rrd`
    /// (labels load1 with a daily cycle, +40 during the last hour, and
    /// load5 without) and `root/web02/Load.rrd` (calm), each with its
    /// `Load.meta` sidecar.
    static func makeTree(_ root: URL) throws {
        try E2E.require(CollectorNagiosTests.collector)
        var lines: [String] = []
        let start = now - 21 * 86_400
        for t in stride(from: start, through: now, by: 300) {
            for host in ["web01", "web02"] {
                let day = sin(Double(t % 86_400) / 86_400 * 2 * .pi)
                let noise = Double((t / 300 * 2_654_435_761) % 1000) / 5000
                let spike = host == "web01" && t > now - 3600 ? 40.0 : 0
                let perfdata = "load1=\(2 + day + noise + spike);30;40;0; load5=\(1.5 + day / 2 + noise);30;40;0;"
                lines.append("DATATYPE::SERVICEPERFDATA\tTIMET::\(t)\tHOSTNAME::\(host)\tSERVICEDESC::Load\tSERVICEPERFDATA::\(perfdata)"
                    + "\tSERVICECHECKCOMMAND::check_load")
            }
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let perfdata = root.deletingLastPathComponent().appendingPathComponent("service-perfdata").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: perfdata, atomically: false, encoding: .utf8)
        let r = try E2E.run(CollectorNagiosTests.collector, ["ingest", "--rrd-dir", root.path, perfdata])
        try #require(r.code == 0 && r.stdout.contains("\(lines.count) records, \(2 * lines.count) metrics stored"), "\(r)")
        for host in ["web01", "web02"] {
            try #require(FileManager.default.fileExists(atPath: root.path + "/\(host)/Load.meta"))
        }
    }

    @Test func analyzeIsQuietUnderCronAndWritesEveryOutput() throws {
        try E2E.require(Self.analytics)
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeTree(dir.appendingPathComponent("rrd"))
        let out = dir.path + "/out"
        let r = try E2E.run(Self.analytics, ["analyze", "--rrd-dir", dir.path + "/rrd", "--nagios-conf", out + "/vigil.cfg",
                                             "--icinga2", out + "/vigil.conf", "--profiles", out + "/profiles",
                                             "--report", out + "/report", "--now", String(Self.now)])
        #expect(r == E2E.Result(stdout: "", stderr: "", code: 0), "no terminal: no progress bar, no summary")
        for f in ["vigil.cfg", "vigil.conf", "report/index.html", "profiles/web01/Load/load1.profile",
                  "profiles/web02/Load/load5.profile"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + f), "\(f)")
        }
        let cfg = try String(contentsOfFile: out + "/vigil.cfg", encoding: .utf8)
        #expect(cfg.contains("    _VIGIL_LOAD1_WARN_MAX"))
        #expect(cfg.contains("    _VIGIL_PROFILES                 \(out)/profiles/web01/Load\n"))
        let html = try String(contentsOfFile: out + "/report/index.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 4)
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count,
                "no external asset: the only URL is the SVG namespace")
    }

    @Test func checkBaselineWrapsAPluginAndReadsTheRRD() throws {
        try E2E.require(Self.analytics)
        try E2E.require(E2E.plugins + "/check_baseline")
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeTree(dir.appendingPathComponent("rrd"))
        let a = try E2E.run(Self.analytics, ["analyze", "--rrd-dir", dir.path + "/rrd", "--profiles", dir.path + "/profiles",
                                             "--now", String(Self.now)])
        try #require(a.code == 0, "\(a)")
        let profile = dir.path + "/profiles/web02/Load/load1.profile"
        let profiles = dir.path + "/profiles/web02/Load"
        // The profile names the service file and the label's data source in it.
        let text = try String(contentsOfFile: profile, encoding: .utf8)
        #expect(text.contains("\nrrd \(dir.path)/rrd/web02/Load.rrd\nds load1\n"), "\(text)")
        let time = String(Self.now + 300)
        // A plugin whose own thresholds are loose: inside the learned band
        // its result stands; outside, check_baseline raises it.
        let calm = "OK - load average: 1.02, 1.10, 1.20|load1=1.020;30;40;0; load5=1.100;30;40;0;"
        let inside = try E2E.plugin("check_baseline", ["-p", profiles, "-T", time, "--", "/bin/sh", "-c", "echo '\(calm)'"])
        #expect(inside == E2E.Result(stdout: calm + "\n", stderr: "", code: 0))
        let busy = "OK - load average: 9.50, 1.10, 1.20|load1=9.500;30;40;0; load5=1.100;30;40;0;"
        let outside = try E2E.plugin("check_baseline", ["-p", profiles, "-T", time, "--", "/bin/sh", "-c", "echo '\(busy)'"])
        #expect(outside.code == 2, "\(outside)")
        #expect(outside.stdout.hasPrefix("BASELINE CRITICAL - load1 is 9.5, outside ~:"))
        #expect(outside.stdout.hasSuffix("(critical for Mon 16:00-17:00); plugin said: \(busy)\n"))
        // The spike latch: one extreme value holds CRITICAL for the next
        // two checks (the state file remembers it between runs), so that
        // Nagios' third attempt makes it a hard state (`-R 0`: without the
        // recovery hold, which would keep that hard problem 12 checks longer).
        let state = dir.path + "/load.state"
        let extreme = "OK - load average: 400.00, 1.10, 1.20|load1=400;30;40;0; load5=1.100;30;40;0;"
        let first = try E2E.plugin("check_baseline", ["-p", profiles, "-s", state, "-R", "0", "-T", time, "--", "/bin/sh", "-c", "echo '\(extreme)'"])
        #expect(first.code == 2 && first.stdout.contains("; extreme, held for the next 2 checks; plugin said: "), "\(first)")
        for ago in 1...2 {
            let later = String(Self.now + 300 + 300 * ago)
            let held = try E2E.plugin("check_baseline", ["-p", profiles, "-s", state, "-R", "0", "-T", later, "--", "/bin/sh", "-c", "echo '\(calm)'"])
            #expect(held.code == 2, "\(held)")
            #expect(held.stdout.hasPrefix("BASELINE CRITICAL - load1 spiked to 400 on Mon 16:05, \(ago) check\(ago == 1 ? "" : "s") ago, beyond the critical limit "), "\(held)")
            #expect(held.stdout.hasSuffix("; plugin said: \(calm)\n"))
        }
        let released = try E2E.plugin("check_baseline", ["-p", profiles, "-s", state, "-R", "0", "-T", String(Self.now + 1200), "--", "/bin/sh", "-c", "echo '\(calm)'"])
        #expect(released == E2E.Result(stdout: calm + "\n", stderr: "", code: 0))
        // The wrapped plugin's own WARNING is kept when the baseline is fine.
        let warn = try E2E.plugin("check_baseline", ["-p", profile, "-T", time, "--", "/bin/sh", "-c",
                                                     "echo 'WARNING - x|load1=1.0'; exit 1"])
        #expect(warn == E2E.Result(stdout: "WARNING - x|load1=1.0\n", stderr: "", code: 1))
        // RRD mode (the service file written by vigil-collector): web01's
        // last hour is +40, web02's is normal; load5 is read from its own
        // data source of the same file.
        let spiked = try E2E.plugin("check_baseline", ["-p", dir.path + "/profiles/web01/Load/load1.profile", "-T", time])
        #expect(spiked.code == 2, "\(spiked)")
        #expect(spiked.stdout.hasPrefix("BASELINE CRITICAL - load1 is 4"))
        let normal = try E2E.plugin("check_baseline", ["-p", profile, "-T", time])
        #expect(normal.code == 0, "\(normal)")
        #expect(normal.stdout.hasPrefix("BASELINE OK - load1 is "))
        #expect(normal.stdout.contains("|load1=") || normal.stdout.contains("| load1="))
        let load5 = try E2E.plugin("check_baseline", ["-p", dir.path + "/profiles/web01/Load/load5.profile", "-T", time])
        #expect(load5.code == 0 && load5.stdout.hasPrefix("BASELINE OK - load5 is "), "\(load5)")
        // No profile (not learned yet): wrapping passes the plugin through;
        // RRD mode has nothing to judge and says so.
        let unlearned = try E2E.plugin("check_baseline", ["-p", dir.path + "/nope", "--", "/bin/sh", "-c", "echo '\(busy)'"])
        #expect(unlearned == E2E.Result(stdout: busy + "\n", stderr: "", code: 0))
        let missing = try E2E.plugin("check_baseline", ["-p", dir.path + "/nope.profile"])
        #expect(missing.code == 3 && missing.stdout.hasPrefix("UNKNOWN - Cannot read profile \(dir.path)/nope.profile:"))
        // A damaged profile is UNKNOWN in both modes.
        try "vigil-profile 1\nlabel load1\nwarn ~:3\n".write(toFile: dir.path + "/bad.profile", atomically: false, encoding: .utf8)
        let damaged = try E2E.plugin("check_baseline", ["-p", dir.path + "/bad.profile", "--", "/bin/sh", "-c", "echo '\(calm)'"])
        #expect(damaged.code == 3 && damaged.stdout.contains("incomplete (no 'end' line)"), "\(damaged)")
    }

    /// A new file that `nagios4 -v` refuses (the user's service inherits a
    /// template whose metric is gone): exit 1, the old file stays, stderr
    /// says why.
    @Test func refusedConfigurationExitsOneAndKeepsTheOldFile() throws {
        try E2E.require(Self.analytics)
        try E2E.require("/usr/sbin/nagios4")
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makeTree(dir.appendingPathComponent("rrd"))
        let d = dir.path
        for sub in ["rw", "tmp", "checkresults"] {
            try FileManager.default.createDirectory(atPath: d + "/" + sub, withIntermediateDirectories: true)
            chmod(d + "/" + sub, 0o777)
        }
        try """
        cfg_file=\(d)/objects.cfg
        cfg_file=\(d)/vigil.cfg
        status_file=\(d)/status.dat
        log_file=\(d)/nagios.log
        command_file=\(d)/rw/nagios.cmd
        query_socket=\(d)/rw/q.sock
        lock_file=\(d)/nagios.lock
        temp_file=\(d)/nagios.tmp
        temp_path=\(d)/tmp
        check_result_path=\(d)/checkresults
        use_syslog=0
        """.write(toFile: d + "/nagios.cfg", atomically: false, encoding: .utf8)
        try ("""
        define command {
            command_name    check_vigil_load
            command_line    /usr/lib/nagios/plugins/check_load -w $_SERVICEVIGIL_LOAD1_WARN_MAX$,$_SERVICEVIGIL_LOAD5_WARN_MAX$,99 -c $_SERVICEVIGIL_LOAD1_CRIT_MAX$,$_SERVICEVIGIL_LOAD5_CRIT_MAX$,99
        }
        define host {
            host_name             web01
            max_check_attempts    3
            check_period          24x7
            contacts              nobody
            notification_interval 0
            notification_period   24x7
        }
        define service {
            use                   vigil:web01:Load
            host_name             web01
            service_description   Load
            check_command         check_vigil_load
            max_check_attempts    3
            check_interval        5
            retry_interval        1
            check_period          24x7
            contacts              nobody
            notification_interval 0
            notification_period   24x7
        }

        """ + NagiosHarness.baseObjects).write(toFile: d + "/objects.cfg", atomically: false, encoding: .utf8)
        let args = ["analyze", "--rrd-dir", d + "/rrd", "--nagios-conf", d + "/vigil.cfg", "--validate-with", d + "/nagios.cfg",
                    "--now", String(Self.now)]
        let first = try E2E.run(Self.analytics, args)
        #expect(first == E2E.Result(stdout: "", stderr: "", code: 0))
        let accepted = try String(contentsOfFile: d + "/vigil.cfg", encoding: .utf8)
        try FileManager.default.removeItem(atPath: d + "/rrd/web01/Load.rrd")
        let second = try E2E.run(Self.analytics, args)
        #expect(second.code == 1)
        #expect(second.stdout == "")
        #expect(second.stderr.contains("\(d)/vigil.cfg NOT replaced"))
        #expect(second.stderr.contains("Template 'vigil:web01:Load' specified in service definition could not be"), "\(second.stderr)")
        #expect(try String(contentsOfFile: d + "/vigil.cfg", encoding: .utf8) == accepted)
    }

    @Test func backtestWritesOneScoreColumnPerFile() throws {
        try E2E.require(Self.analytics)
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(atPath: dir.path + "/data/sub", withIntermediateDirectories: true)
        var csv = "timestamp,value\n"
        for i in 0..<600 { csv += "2025-01-01 \(String(format: "%02d:%02d", i / 60 % 24, i % 60)):00,\(i % 17 == 0 ? 50 : 10 + i % 3)\n" }
        try csv.write(toFile: dir.path + "/data/sub/a.csv", atomically: false, encoding: .utf8)
        try "sub/a.csv\n".write(toFile: dir.path + "/list.txt", atomically: false, encoding: .utf8)
        let r = try E2E.run(Self.analytics, ["backtest", "--data", dir.path + "/data", "--files", dir.path + "/list.txt",
                                             "--out", dir.path + "/out"])
        #expect(r.code == 0, "\(r)")
        let lines = try String(contentsOfFile: dir.path + "/out/sub/a.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "timestamp,value,anomaly_score")
        #expect(lines.count == 601)
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix(",0") || $0.hasSuffix(",1") })
    }

    @Test func usageErrorsAndUnreadableInput() throws {
        try E2E.require(Self.analytics)
        let none = try E2E.run(Self.analytics, ["analyze", "--rrd-dir", "/tmp"])
        #expect(none.code == 64, "\(none)")
        #expect(none.stderr.contains("nothing to write"))
        let missing = try E2E.run(Self.analytics, ["analyze", "--rrd-dir", "/nonexistent-vigil", "--report", "/tmp/x"])
        #expect(missing.code == 2 && missing.stderr.contains("cannot read --rrd-dir"), "\(missing)")
    }
}
