import Foundation
import Testing
@testable import Checks
@testable import NagiosPlugin

/// A profile as vigil-analytics writes it (ProfileStore, format 1).
enum BaselineSample {
    /// Monday 2025-11-24 16:00:00 UTC: hour-of-week 16.
    static let monday16: Int64 = 1_764_000_000

    static func text(rrd: String = "/var/lib/vigil/rrd/web01/Load/load1.rrd", ds: String = "value", uom: String = "") -> String {
        """
        vigil-profile 1
        host web01
        service Load
        label load1
        uom \(uom)
        direction high
        generated 1764000000
        utc-offset 0
        rrd \(rrd)
        ds \(ds)
        step 300
        warn ~:3.2
        crit ~:4.8
        hour 16 ~:1.5 ~:2.5
        hour 167 0.5:2 0:3
        end

        """
    }

    static func profile(_ text: String = text()) throws -> BaselineProfile {
        try BaselineProfile(parsing: text, path: "/p/load1.profile")
    }
}

struct BaselineProfileTests {
    @Test func parsesEveryField() throws {
        let p = try BaselineSample.profile()
        #expect(p.host == "web01" && p.service == "Load" && p.label == "load1" && p.uom == "")
        #expect(p.generated == 1_764_000_000 && p.utcOffsetSeconds == 0 && p.step == 300)
        #expect(p.rrdPath == "/var/lib/vigil/rrd/web01/Load/load1.rrd" && p.dataSource == "value")
        #expect(p.staticBand == .init(warning: "~:3.2", critical: "~:4.8"))
        #expect(p.hours[16] == .init(warning: "~:1.5", critical: "~:2.5"))
        #expect(p.hours.compactMap { $0 }.count == 2)
    }

    /// Format 2: the shift and burst checks' lines and the expected values.
    @Test func parsesTheVersion2Lines() throws {
        let text = BaselineSample.text().replacingOccurrences(of: "vigil-profile 1\n", with: "vigil-profile 2\n")
            .replacingOccurrences(of: "crit ~:4.8\n", with: "crit ~:4.8\nshift 3 0.3 -\nburst 16 2\nexpected 1.25\n")
            .replacingOccurrences(of: "hour 16 ~:1.5 ~:2.5\n", with: "hour 16 ~:1.5 ~:2.5 1\n")
        let p = try BaselineSample.profile(text)
        #expect(p.shiftChecks == 3 && p.shiftHigh == 0.3 && p.shiftLow == nil)
        #expect(p.burstChecks == 16 && p.burstLimit == 2)
        #expect(p.staticBand.expected == 1.25 && p.hours[16]?.expected == 1 && p.hours[167]?.expected == nil)
        for (line, why) in [("shift 3 x -", "bad 'shift' line"), ("shift 0 1 1", "bad 'shift' line"),
                            ("burst 65 1", "bad 'burst' line"), ("burst 16", "bad 'burst' line"),
                            ("expected nan", "bad 'expected'"), ("hour 3 - - x", "bad 'hour' line")] {
            let bad = text.replacingOccurrences(of: "step 300\n", with: "step 300\n\(line)\n")
            #expect(throws: PluginError.self) { try BaselineSample.profile(bad) }
            do { _ = try BaselineSample.profile(bad) } catch {
                guard let e = error as? PluginError, case .unknown(let message) = e else { continue }
                #expect(message.contains(why), "\(line): \(message)")
            }
        }
    }

    @Test func bandInForce() throws {
        let p = try BaselineSample.profile()
        #expect(p.band(at: BaselineSample.monday16).hour == 16)
        #expect(p.band(at: BaselineSample.monday16 + 3599).band.warning == "~:1.5")
        let later = p.band(at: BaselineSample.monday16 + 3600)
        #expect(later.hour == nil && later.band.warning == "~:3.2", "hour 17 has no line: the static band")
        #expect(p.band(at: BaselineSample.monday16 - 16 * 3600 - 1).hour == 167, "Sunday 23:59:59")
        var shifted = p
        shifted.utcOffsetSeconds = -3600
        #expect(shifted.band(at: BaselineSample.monday16 + 3600).hour == 16)
    }

    @Test func hourNames() {
        #expect(BaselineProfile.hourText(16) == "Mon 16:00-17:00")
        #expect(BaselineProfile.hourText(167) == "Sun 23:00-00:00")
        #expect(BaselineProfile.hourText(24 * 2 + 9) == "Wed 09:00-10:00")
    }

    @Test func escapedNames() throws {
        let text = BaselineSample.text().replacingOccurrences(of: "service Load", with: "service Disk \\\\data\\nX")
        #expect(try BaselineSample.profile(text).service == "Disk \\data\nX")
    }

    @Test(arguments: [
        ("", "empty file"), ("hello 1\n", "not a vigil-analytics profile"), ("vigil-profile 3\nend\n", "format version 3"),
        ("vigil-profile 1\nlabel x\nwarn ~:3\n", "incomplete"), ("vigil-profile 1\nlabel x\nwarn 3:x\nend\n", "bad range '3:x'"),
        ("vigil-profile 1\nlabel x\nhour 168 - -\nend\n", "bad 'hour' line 3"), ("vigil-profile 1\nend\n", "no label"),
        ("vigil-profile 1\nlabel x\nend\nwarn 1\n", "text after 'end'"),
    ])
    func damagedProfilesAreErrors(_ c: (String, String)) {
        do throws(PluginError) {
            _ = try BaselineProfile(parsing: c.0, path: "/p/load1.profile")
            Issue.record("accepted: \(c.0)")
        } catch {
            guard case .unknown(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.hasPrefix("Cannot read profile /p/load1.profile: "))
            #expect(message.contains(c.1), "\(message)")
        }
    }
}

struct CheckBaselineWrappingTests {
    func config(_ args: [String]) throws -> CheckBaseline.Configuration {
        guard case .run(let c) = try CheckBaseline.configure(args) else {
            Issue.record("no configuration")
            return CheckBaseline.Configuration()
        }
        return c
    }

    func wrapped(_ stdout: String, _ code: Int32, baselineOnly: Bool = false, profiles: [BaselineProfile]? = nil) throws -> PluginExit {
        var c = try config(["-p", "/p", "--", "/bin/plugin"])
        c.baselineOnly = baselineOnly
        return try CheckBaseline.evaluateWrapped(Command.Output(stdout: Array(stdout.utf8), stderr: [], exitCode: code),
                                             profiles: try profiles ?? [BaselineSample.profile()], config: c,
                                             now: BaselineSample.monday16)
    }

    static let inside = "OK - load average: 1.20, 1.00, 0.90|load1=1.200;20;40;0; load5=1.000;20;40;0;\n"
    static let outside = "OK - load average: 2.70, 1.00, 0.90|load1=2.700;20;40;0; load5=1.000;20;40;0;\n"

    @Test func insideTheBandThePluginsResultIsKept() throws {
        #expect(try wrapped(Self.inside, 0) == .text(Self.inside, .ok))
        let warning = "WARNING - load average: 1.20|load1=1.200;1;40;0;\nsecond line\n"
        #expect(try wrapped(warning, 1) == .text(warning, .warning))
    }

    @Test func outsideTheBandTheStateIsRaisedAndExplained() throws {
        #expect(try wrapped(Self.outside, 0) == .text(
            "BASELINE CRITICAL - load1 is 2.7, outside ~:2.5 (critical for Mon 16:00-17:00); plugin said: " + Self.outside, .critical))
        let warn = "OK - x|load1=2.0\nlong output\n"
        #expect(try wrapped(warn, 0) == .text(
            "BASELINE WARNING - load1 is 2, outside ~:1.5 (warning for Mon 16:00-17:00); plugin said: OK - x|load1=2.0\nlong output\n", .warning))
        // The plugin's worse state wins ("worst of").
        #expect(try wrapped(warn.replacingOccurrences(of: "OK", with: "CRITICAL"), 2) == .text("CRITICAL - x|load1=2.0\nlong output\n", .critical))
    }

    @Test func baselineOnlyReplacesThePluginsThresholds() throws {
        let w = "WARNING - load average: 1.20|load1=1.200;1;40;0;\n"
        #expect(try wrapped(w, 1, baselineOnly: true) == .text(
            "BASELINE OK - load1 is 1.2, within ~:1.5 / ~:2.5 for Mon 16:00-17:00; plugin said: " + w, .ok))
        #expect(try wrapped("UNKNOWN - no\n", 3, baselineOnly: true) == .text("UNKNOWN - no\n", .unknown))
    }

    @Test func labelsWithoutUsableValuesLeaveTheState() throws {
        #expect(try wrapped("OK - x|other=5\n", 0) == .text("OK - x|other=5\n", .ok))
        #expect(try wrapped("OK - x|load1=U\n", 0) == .text("OK - x|load1=U\n", .ok))
        #expect(try wrapped("", 0) == .text("No data returned from command\n", .unknown))
        #expect(try wrapped("", 2) == .text("No data returned from command\n", .critical))
    }

    @Test func unitsAreConverted() throws {
        let ms = try BaselineSample.profile(BaselineSample.text(uom: "ms"))
        // 0.0027 s = 2.7 ms: outside ~:2.5 ms.
        guard case .text(let text, let state) = try wrapped("OK|load1=0.0027s\n", 0, profiles: [ms]) else { return }
        #expect(state == .critical && text.hasPrefix("BASELINE CRITICAL - load1 is 2.7ms, outside ~:2.5"))
        #expect(try wrapped("OK|load1=5c\n", 0, profiles: [ms]) == .text("OK|load1=5c\n", .ok))
        #expect(CheckBaseline.convert(1, from: "GB", to: "MB") == 1024)
    }

    static func state(_ exit: PluginExit) -> Status? {
        if case .text(_, let s) = exit { return s }
        return nil
    }

    /// One wrapping-mode run against the sample profile, `minutes` after Monday 16:00.
    static func runAtMinute(_ stdout: String, _ minutes: Int64, _ c: CheckBaseline.Configuration,
                            profile: BaselineProfile? = nil) throws -> PluginExit {
        try CheckBaseline.evaluateWrapped(Command.Output(stdout: Array(stdout.utf8), stderr: [], exitCode: 0),
                                          profiles: [profile ?? BaselineSample.profile()], config: c,
                                          now: BaselineSample.monday16 + 60 * minutes)
    }

    /// The spike latch in wrapping mode: `--state-file` carries it from run to run.
    @Test func anExtremeValueIsHeldForTheNextTwoRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-latch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = try config(["-p", "/p", "-s", dir.path + "/state", "-R", "0", "--", "/bin/plugin"])
        func run(_ stdout: String, _ minutes: Int64) throws -> PluginExit { try Self.runAtMinute(stdout, minutes, c) }
        // Hour 16: warning ~:1.5, critical ~:2.5 (gap 1): 9 is 6.5 gaps beyond.
        let spike = "OK - x|load1=9\n"
        #expect(try run(spike, 5) == .text("BASELINE CRITICAL - load1 is 9, outside ~:2.5 (critical for Mon 16:00-17:00); extreme, held for the next 2 checks; plugin said: OK - x|load1=9\n", .critical))
        #expect(try run(Self.inside, 10) == .text("BASELINE CRITICAL - load1 spiked to 9 on Mon 16:05, 1 check ago, beyond the critical limit 2.5; now 1.2, within ~:1.5 / ~:2.5 for Mon 16:00-17:00; plugin said: " + Self.inside, .critical))
        #expect(try run(Self.inside, 15) == .text("BASELINE CRITICAL - load1 spiked to 9 on Mon 16:05, 2 checks ago, beyond the critical limit 2.5; now 1.2, within ~:1.5 / ~:2.5 for Mon 16:00-17:00; plugin said: " + Self.inside, .critical))
        #expect(try run(Self.inside, 20) == .text(Self.inside, .ok))
        // A moderate outlier (2.7: 0.2 gaps beyond) is not held.
        #expect(try Self.state(run(Self.outside, 25)) == .critical)
        #expect(try run(Self.inside, 30) == .text(Self.inside, .ok))
        // A CRITICAL stays CRITICAL while the value is still WARNING.
        #expect(try Self.state(run(Self.outside, 31)) == .critical)
        let warn = "OK - x|load1=2\n"
        #expect(try run(warn, 32) == .text("BASELINE CRITICAL - load1 is 2, outside ~:1.5 (warning for Mon 16:00-17:00); critical since Mon 16:31 (2.7, 1 check ago) and not back within ~:1.5 since; plugin said: OK - x|load1=2\n", .critical))
        #expect(try run(Self.inside, 33) == .text(Self.inside, .ok))
        #expect(try Self.state(run(warn, 34)) == .warning)
        // Without a state file every run judges its own value only.
        c.stateFile = nil
        #expect(try Self.state(run(spike, 35)) == .critical)
        #expect(try run(Self.inside, 40) == .text(Self.inside, .ok))
        // A damaged state file is ignored; an unwritable one is UNKNOWN.
        try "garbage".write(toFile: dir.path + "/state", atomically: false, encoding: .utf8)
        c.stateFile = dir.path + "/state"
        #expect(try run(Self.inside, 45) == .text(Self.inside, .ok))
        c.stateFile = dir.path + "/missing/state"
        #expect(throws: PluginError.self) { try run(spike, 50) }
    }

    /// `--recovery`: a hard problem (3 runs not OK) is still reported by
    /// the next N OK runs; the state file carries it.
    @Test func aHardProblemRecoversAfterEnoughOKRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-recovery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try config(["-p", "/p", "-s", dir.path + "/state", "-R", "2", "--", "/bin/plugin"])
        func run(_ stdout: String, _ minutes: Int64) throws -> PluginExit { try Self.runAtMinute(stdout, minutes, c) }
        let warn = "OK - x|load1=2\n"
        // Soft: two WARNING runs, then OK ends it.
        #expect(try Self.state(run(warn, 1)) == .warning && Self.state(run(warn, 2)) == .warning)
        #expect(try run(Self.inside, 3) == .text(Self.inside, .ok))
        // Hard: the third WARNING run in a row; the next 2 OK runs still report it.
        for m in Int64(4)...6 { #expect(try Self.state(run(warn, m)) == .warning) }
        #expect(try run(Self.inside, 7) == .text("BASELINE WARNING - load1 is 1.2, within ~:1.5 / ~:2.5 for Mon 16:00-17:00; warning until Mon 16:06 (2), ends after 3 OK checks in a row (1 so far); plugin said: " + Self.inside, .warning))
        #expect(try Self.state(run(Self.inside, 8)) == .warning)
        #expect(try run(Self.inside, 9) == .text(Self.inside, .ok))
        #expect(try run(Self.inside, 10) == .text(Self.inside, .ok))
    }

    /// The shift and burst checks in wrapping mode: the state file carries
    /// the recent residuals and which checks were outside.
    @Test func shiftsAndBurstsAcrossRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-shift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = BaselineSample.text()
            .replacingOccurrences(of: "crit ~:4.8\n", with: "crit ~:4.8\nshift 3 0.3 -\nburst 4 1\n")
            .replacingOccurrences(of: "hour 16 ~:1.5 ~:2.5\n", with: "hour 16 ~:1.5 ~:2.5 1\n")
        let profile = try BaselineSample.profile(text)
        let c = try config(["-p", "/p", "-s", dir.path + "/state", "-R", "0", "--", "/bin/plugin"])
        func run(_ value: String, _ minutes: Int64) throws -> PluginExit {
            try Self.runAtMinute("OK - x|load1=\(value)\n", minutes, c, profile: profile)
        }
        // 1.4 is 0.4 above the expected 1: the third such check is a shift.
        #expect(try run("1.4", 1) == .text("OK - x|load1=1.4\n", .ok))
        #expect(try run("1.4", 2) == .text("OK - x|load1=1.4\n", .ok))
        let third = try run("1.4", 3)
        #expect(third == .text("BASELINE WARNING - load1 is 1.4, within ~:1.5 / ~:2.5 for Mon 16:00-17:00; the last 3 checks are 0.4 above the expected 1 on average (a shift); plugin said: OK - x|load1=1.4\n", .warning), "\(third)")
        let saved = try String(contentsOfFile: dir.path + "/state", encoding: .utf8)
        #expect(saved.contains("\nresiduals 3 0.3999999999999999 0.3999999999999999 0.3999999999999999 load1\n"), "\(saved)")
        #expect(try run("1", 4) == .text("OK - x|load1=1\n", .ok))
        // Two WARNING checks within 4: a burst, held for 2 more checks.
        #expect(try Self.state(run("2", 5)) == .warning)
        #expect(try run("0.5", 6) == .text("OK - x|load1=0.5\n", .ok))
        #expect(try run("2", 7) == .text("BASELINE WARNING - load1 is 2, outside ~:1.5 (warning for Mon 16:00-17:00); 2 of the last 4 checks outside the warning limits (at most 1 normally), held for the next 2 checks; plugin said: OK - x|load1=2\n", .warning))
        #expect(try Self.state(run("0.5", 8)) == .warning)
        #expect(try Self.state(run("0.5", 9)) == .warning)
        #expect(try run("0.5", 10) == .text("OK - x|load1=0.5\n", .ok))
        // Denser still: the explanation gives the profile's limit, not the count less one.
        #expect(try Self.state(run("2", 11)) == .warning)
        #expect(try Self.state(run("2", 12)) == .warning)
        let dense = try run("2", 13)
        #expect(dense == .text("BASELINE WARNING - load1 is 2, outside ~:1.5 (warning for Mon 16:00-17:00); 3 of the last 4 checks outside the warning limits (at most 1 normally), held for the next 2 checks; plugin said: OK - x|load1=2\n", .warning), "\(dense)")
    }

    @Test func latchStateRoundTrips() {
        let spike = SpikeLatch.Spike(time: 1_764_000_300, value: 9.5, status: .critical, limit: 2.5, checksAgo: 1)
        let spikes = ["load1": BaselineLatchState.Memory(spike: spike, criticalSince: spike, problem: spike, nonOKRun: 4),
                      "a b\\c\nd": BaselineLatchState.Memory(spike: SpikeLatch.Spike(time: 5, value: -1e-9, status: .warning, limit: 0, checksAgo: 0))]
        let text = BaselineLatchState.render(spikes)
        #expect(text.hasPrefix("vigil-baseline-state 1\nspike 0 5 1 "))
        #expect(text.hasSuffix("\nspike 1 1764000300 2 9.5 2.5 load1\ncritical 1 1764000300 2 9.5 2.5 load1\n"
            + "problem 1 1764000300 2 9.5 2.5 load1\nrun 4 load1\n"))
        #expect(BaselineLatchState.parse(text) == spikes)
        #expect(BaselineLatchState.parse("vigil-baseline-state 1\nspike x\n").isEmpty)
        // The shift and burst checks' memory.
        let recent = ["load1": BaselineLatchState.Memory(residuals: [0.5, -1e-9, 2], outside: 0b1011)]
        let recentText = BaselineLatchState.render(recent)
        #expect(recentText == "vigil-baseline-state 1\nresiduals 3 0.5 -1e-09 2 load1\noutside 11 load1\n")
        #expect(BaselineLatchState.parse(recentText) == recent)
        for bad in ["residuals 3 1 2 load1", "residuals x load1", "residuals 1 nan load1", "outside -1 load1"] {
            #expect(BaselineLatchState.parse("vigil-baseline-state 1\n\(bad)\n").isEmpty, "\(bad)")
        }
    }

    @Test func options() throws {
        let c = try config(["-p", "a", "--profile=b", "-b", "-t", "5:critical", "-T", "1700000000", "--", "/x", "-w", "1"])
        #expect(c.profiles == ["a", "b"] && c.baselineOnly && c.timeoutSeconds == 5 && c.timeoutState == .critical)
        #expect(c.time == 1_700_000_000 && c.command == ["/x", "-w", "1"])
        let r = try config(["-p", "a", "-r", "/f.rrd", "-d", "value", "-D", "unix:/s", "-a", "600"])
        #expect(r.command.isEmpty && r.rrdPath == "/f.rrd" && r.dataSource == "value" && r.daemon == "unix:/s" && r.maxAge == 600)
        #expect(try config(["-p", "a", "/x"]).command == ["/x"])
        let l = try config(["-p", "a", "-s", "/var/tmp/s", "-l", "3", "-k", "2.5", "-n", "--", "/x"])
        #expect(l.stateFile == "/var/tmp/s" && l.latchLength == 3 && l.spikeFactor == 2.5 && !l.holdCritical)
        #expect(try config(["-p", "a"]).holdCritical)
        #expect(try config(["-p", "a"]).latchLength == SpikeLatch.defaultLength)
        #expect(try config(["-p", "a"]).recoveryChecks == SpikeLatch.defaultRecoveryChecks)
        #expect(try config(["-p", "a", "-R", "5"]).recoveryChecks == 5)
    }

    @Test(arguments: [
        ([], "At least one --profile is required"), (["-p", "a", "--", "check_load"], "Require path to command"),
        (["-p", "a", "-r", "/f", "--", "/x"], "--rrd, --ds and --daemon are for RRD mode (no wrapped plugin)"),
        (["-p", "a", "-a", "0"], "--max-age must be a positive number of seconds - 0"),
        (["-p", "a", "-T", "soon"], "--time must be a Unix time in seconds - soon"), (["-x"], "invalid option -- 'x'"),
        (["-p", "a", "-s", "/s"], "--state-file is for wrapping mode (RRD mode reads the recent values from the RRD)"),
        (["-p", "a", "-l", "-1"], "--latch must be a number of checks (0-100) - -1"),
        (["-p", "a", "-k", "x"], "--spike-factor must be a non-negative number - x"),
        (["-p", "a", "-R", "x"], "--recovery must be a number of checks (0-1000) - x"),
    ])
    func usageErrors(_ c: ([String], String)) {
        #expect(throws: expectedUsage(c.1)) { try CheckBaseline.configure(c.0) }
    }

    @Test func helpAndVersion() throws {
        guard case .exit(.text(let help, .unknown)) = try CheckBaseline.configure(["--help"]) else {
            Issue.record("no help")
            return
        }
        #expect(help.contains("check_baseline -p PROFILE") && help.contains("--baseline-only"))
        #expect(try CheckBaseline.configure(["-V"]) == .exit(.text(CheckBaseline.info.versionLine, .unknown)))
    }
}

/// The on-disk RRD reader against files made and read by Debian's rrdtool.
struct RRDLatestValueTests {
    static let rrdtool = "/usr/bin/rrdtool"

    func rrdtool(_ args: [String]) throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: Self.rrdtool), "rrdtool missing: run scripts/setup")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.rrdtool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "rrdtool \(args)")
        return String(decoding: data, as: UTF8.self)
    }

    func makeFile(_ dir: URL, start: Int64, count: Int, value: (Int) -> String) throws -> String {
        let path = dir.appendingPathComponent("m.rrd").path
        _ = try rrdtool(["create", path, "--start", String(start), "--step", "300", "DS:value:GAUGE:600:U:U",
                         "DS:other:COUNTER:600:0:U", "RRA:MAX:0.5:1:50", "RRA:AVERAGE:0.5:12:40", "RRA:AVERAGE:0.5:1:100"])
        let updates = (1...count).map { "\(start + Int64($0) * 300):\(value($0)):\($0 * 600)" }
        _ = try rrdtool(["update", path] + updates)
        return path
    }

    @Test func latestValueMatchesRRDToolFetch() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let start: Int64 = 1_764_000_000
        let path = try makeFile(dir, start: start, count: 160) { i in i == 160 ? "U" : String(Double(i) / 4) }
        // The finest AVERAGE archive (not the MAX one listed first), last known row.
        let reading = try #require(try RRDLatestValue.read(path: path, dataSource: "value", oldest: start))
        let fetched = try rrdtool(["fetch", path, "AVERAGE", "-r", "300", "-s", String(start + 150 * 300), "-e", String(start + 160 * 300)])
        let known = fetched.split(separator: "\n").compactMap { line -> (Int64, Double)? in
            let parts = line.split(separator: " ")
            guard parts.count == 3, let t = Int64(parts[0].dropLast()), let v = Double(parts[1]), !v.isNaN else { return nil }
            return (t, v)
        }
        let last = try #require(known.last)
        #expect(reading.time == last.0 && reading.value == last.1 && reading.step == 300)
        #expect(reading.value == 159.0 / 4)
        let rate = try #require(try RRDLatestValue.read(path: path, dataSource: "other", oldest: start))
        #expect(rate.value == 2, "COUNTER: 600 per 300 s")
        #expect(try RRDLatestValue.read(path: path, dataSource: "value", oldest: start + 200 * 300) == nil, "too old")
    }

    @Test func badFilesAreClearErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try makeFile(dir, start: 1_764_000_000, count: 3) { String($0) }
        #expect(throws: PluginError.unknown("Cannot read RRD \(path): no data source 'nope'")) {
            try RRDLatestValue.read(path: path, dataSource: "nope", oldest: 0)
        }
        let text = dir.appendingPathComponent("x.rrd").path
        try "not an rrd at all, but long enough to have a header of 128 bytes ......................................................................".write(toFile: text, atomically: false, encoding: .utf8)
        #expect(throws: PluginError.unknown("Cannot read RRD \(text): not an RRD file")) {
            try RRDLatestValue.read(path: text, dataSource: "value", oldest: 0)
        }
        let short = dir.appendingPathComponent("short.rrd").path
        try "RRD".write(toFile: short, atomically: false, encoding: .utf8)
        #expect(throws: PluginError.unknown("Cannot read RRD \(short): file is truncated")) {
            try RRDLatestValue.read(path: short, dataSource: "value", oldest: 0)
        }
    }

    @Test func rrdModeJudgesTheLatestValue() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = BaselineSample.monday16
        let path = try makeFile(dir, start: now - 3000, count: 10) { $0 == 10 ? "2.7" : "1" }
        let profile = try BaselineSample.profile(BaselineSample.text(rrd: path))
        var c = CheckBaseline.Configuration()
        c.profiles = ["/p"]
        let exit = try CheckBaseline.evaluateRRD([profile], config: c, now: now)
        #expect(exit == .result(CheckResult(status: .critical, summary: "BASELINE CRITICAL - load1 is 2.7, outside ~:2.5 (critical for Mon 16:00-17:00)",
                                            perfdata: [try PerfDatum(label: "load1", value: "2.7", warning: "~:1.5", critical: "~:2.5")])))
        #expect(throws: PluginError.unknown("load1: no value in \(path) (value) during the last 900 seconds")) {
            try CheckBaseline.evaluateRRD([profile], config: c, now: now + 3600)
        }
    }

    /// RRD mode replays the recent rows for the shift check too.
    @Test func rrdModeSeesAShift() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = BaselineSample.monday16 + 600
        let path = try makeFile(dir, start: now - 3000, count: 10) { $0 >= 8 ? "1.4" : "1" }
        let text = BaselineSample.text(rrd: path)
            .replacingOccurrences(of: "crit ~:4.8\n", with: "crit ~:4.8\nshift 3 0.3 -\n")
            .replacingOccurrences(of: "hour 16 ~:1.5 ~:2.5\n", with: "hour 16 ~:1.5 ~:2.5 1\n")
        let profile = try BaselineSample.profile(text)
        var c = CheckBaseline.Configuration()
        c.profiles = ["/p"]
        // Rows 8–10 (Mon 16:00–16:10) are 1.4; the hours before have no expected value.
        guard case .result(let r) = try CheckBaseline.evaluateRRD([profile], config: c, now: now) else {
            Issue.record("no result")
            return
        }
        #expect(r.status == .warning && r.summary.hasSuffix("the last 3 checks are 0.4 above the expected 1 on average (a shift)"), "\(r.summary)")
        // One row earlier (a file ending at 16:05): two shifted rows are not yet a shift.
        let earlierDir = dir.appendingPathComponent("earlier")
        try FileManager.default.createDirectory(at: earlierDir, withIntermediateDirectories: true)
        let earlier = try makeFile(earlierDir, start: now - 3000, count: 9) { $0 >= 8 ? "1.4" : "1" }
        let earlierProfile = try BaselineSample.profile(text.replacingOccurrences(of: path, with: earlier))
        guard case .result(let before) = try CheckBaseline.evaluateRRD([earlierProfile], config: c, now: now - 300) else { return }
        #expect(before.status == .ok, "\(before.summary)")
    }

    /// The profile's `spike` line (normal spike size, learned): only larger
    /// values are held.
    @Test func learnedSpikeSizeRaisesTheBar() throws {
        let text = BaselineSample.text().replacingOccurrences(of: "crit ~:4.8\n", with: "crit ~:4.8\nspike 10 -\n")
        let profile = try BaselineSample.profile(text)
        #expect(profile.spikeHigh == 10 && profile.spikeLow == nil)
        func held(_ spike: Double) -> Status? {
            var latch = SpikeLatch()
            _ = CheckBaseline.judge(profile, value: spike, uom: "", at: BaselineSample.monday16, latch: &latch)
            return CheckBaseline.judge(profile, value: 1, uom: "", at: BaselineSample.monday16 + 300, latch: &latch)?.status
        }
        // Hour 16: critical ~:2.5, gap 1.
        #expect(held(12.5) == .ok, "10 gaps beyond: as large as a normal spike")
        #expect(held(12.6) == .critical)
        #expect(held(6.5) == .ok, "below the factor 4")
        #expect(throws: PluginError.self) {
            try BaselineSample.profile(BaselineSample.text().replacingOccurrences(of: "crit ~:4.8\n", with: "crit ~:4.8\nspike x\n"))
        }
    }

    /// RRD mode looks back over the last rows: a spike two rows ago still
    /// holds CRITICAL, three rows ago it no longer does.
    @Test func rrdModeHoldsARecentSpike() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = BaselineSample.monday16 + 600
        // Rows at now − 2700 … now; row 8 (now − 600 = Mon 16:00) is 100.
        let path = try makeFile(dir, start: now - 3000, count: 10) { $0 == 8 ? "100" : "1" }
        let profile = try BaselineSample.profile(BaselineSample.text(rrd: path))
        var c = CheckBaseline.Configuration()
        c.profiles = ["/p"]
        let exit = try CheckBaseline.evaluateRRD([profile], config: c, now: now)
        #expect(exit == .result(CheckResult(status: .critical, summary: "BASELINE CRITICAL - load1 spiked to 100 on Mon 16:00, 2 checks ago, beyond the critical limit 2.5; now 1, within ~:1.5 / ~:2.5 for Mon 16:00-17:00",
                                            perfdata: [try PerfDatum(label: "load1", value: "1", warning: "~:1.5", critical: "~:2.5")])))
        c.latchLength = 1
        c.recoveryChecks = 0
        guard case .result(let short) = try CheckBaseline.evaluateRRD([profile], config: c, now: now) else { return }
        #expect(short.status == .ok)
        let recent = try RRDLatestValue.readRecent(path: path, dataSource: "value", oldest: now - 900, rows: 3)
        #expect(recent.map(\.value) == [100, 1, 1] && recent.map(\.time) == [now - 600, now - 300, now])
    }

    /// RRD mode replays the last rows for the hold too: CRITICAL, then only
    /// WARNING rows, is still CRITICAL (and WARNING with `--no-hold`).
    @Test func rrdModeHoldsCriticalWhileTheValueStaysOutside() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = BaselineSample.monday16 + 1800
        let path = try makeFile(dir, start: now - 3000, count: 10) { $0 == 6 ? "2.7" : $0 > 6 ? "2" : "1" }
        let profile = try BaselineSample.profile(BaselineSample.text(rrd: path))
        var c = CheckBaseline.Configuration()
        c.profiles = ["/p"]
        guard case .result(let held) = try CheckBaseline.evaluateRRD([profile], config: c, now: now) else { return }
        #expect(held.status == .critical)
        #expect(held.summary == "BASELINE CRITICAL - load1 is 2, outside ~:1.5 (warning for Mon 16:00-17:00); critical since Mon 16:10 (2.7, 4 checks ago) and not back within ~:1.5 since")
        c.holdCritical = false
        guard case .result(let plain) = try CheckBaseline.evaluateRRD([profile], config: c, now: now) else { return }
        #expect(plain.status == .warning)
    }

    /// RRD mode replays the rows for `--recovery` too: three WARNING rows
    /// (a hard problem), then OK rows, still WARNING until N + 1 OK rows.
    @Test func rrdModeHoldsAHardProblemWhileRecovering() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = BaselineSample.monday16 + 1800
        // Rows 1…10 at 15:45 … 16:30: 16:05, 16:10, 16:15 are WARNING (2), the rest 1.
        let path = try makeFile(dir, start: now - 3000, count: 10) { (5...7).contains($0) ? "2" : "1" }
        let profile = try BaselineSample.profile(BaselineSample.text(rrd: path))
        var c = CheckBaseline.Configuration()
        c.profiles = ["/p"]
        c.recoveryChecks = 3
        guard case .result(let held) = try CheckBaseline.evaluateRRD([profile], config: c, now: now) else { return }
        #expect(held.status == .warning)
        #expect(held.summary.hasSuffix("warning until Mon 16:15 (2), ends after 4 OK checks in a row (3 so far)"))
        c.recoveryChecks = 2
        guard case .result(let over) = try CheckBaseline.evaluateRRD([profile], config: c, now: now) else { return }
        #expect(over.status == .ok)
        #expect(CheckBaseline.lookbackRows(c) >= c.recoveryChecks + c.latchLength + 2)
    }

    /// The collector's files have 1-minute rows and 5-minute averages;
    /// vigil-analytics learns from the 5-minute ones (`step 300` in the
    /// profile), so RRD mode judges those: one bad minute is a fifth of a
    /// check, as in the history the limits were learned from. Without an
    /// archive of the profile's step, the finest AVERAGE one is read.
    @Test func rrdModeReadsTheArchiveOfTheProfilesStep() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = BaselineSample.monday16 + 1800
        let path = dir.appendingPathComponent("load1.rrd").path
        _ = try rrdtool(["create", path, "--start", String(now - 3600), "--step", "60", "DS:value:GAUGE:120:0:U",
                         "RRA:AVERAGE:0.5:1:4320", "RRA:AVERAGE:0.5:5:18144", "RRA:MAX:0.5:60:9600"])
        // A value every minute: 1, and 6 in the last minute.
        let updates = stride(from: now - 3540, through: now, by: 60).map { t in "\(t):\(t == now ? "6" : "1")" }
        _ = try rrdtool(["update", path] + updates)
        let fiveMinutes = try RRDLatestValue.readRecent(path: path, dataSource: "value", oldest: now - 900, rows: 3,
                                                        resolution: 300)
        #expect(fiveMinutes.map(\.value) == [1, 1, 2] && fiveMinutes.map(\.step) == [300, 300, 300])
        #expect(fiveMinutes.last?.time == now)
        let oneMinute = try RRDLatestValue.readRecent(path: path, dataSource: "value", oldest: now - 900, rows: 3,
                                                      resolution: 60)
        #expect(oneMinute.map(\.value) == [1, 1, 6] && oneMinute.last?.step == 60)
        let noSuchArchive = try RRDLatestValue.read(path: path, dataSource: "value", oldest: now - 900,
                                                    resolution: 600)
        #expect(noSuchArchive?.value == 6 && noSuchArchive?.step == 60, "the finest AVERAGE archive")
        // The profile's band for Monday 16:00 is ~:1.5 (warning), ~:2.5 (critical).
        var c = CheckBaseline.Configuration()
        c.profiles = ["/p"]
        let learnedAtFiveMinutes = try BaselineSample.profile(BaselineSample.text(rrd: path))
        guard case .result(let warning) = try CheckBaseline.evaluateRRD([learnedAtFiveMinutes], config: c, now: now)
        else { return }
        #expect(warning.status == .warning && warning.summary.hasPrefix("BASELINE WARNING - load1 is 2,"),
                "\(warning.summary)")
        let learnedAtOneMinute = try BaselineSample.profile(
            BaselineSample.text(rrd: path).replacingOccurrences(of: "step 300", with: "step 60"))
        guard case .result(let critical) = try CheckBaseline.evaluateRRD([learnedAtOneMinute], config: c, now: now)
        else { return }
        #expect(critical.status == .critical && critical.summary.hasPrefix("BASELINE CRITICAL - load1 is 6,"),
                "\(critical.summary)")
    }

    /// vigil-collector's service file (`<host>/<service>.rrd`): a data
    /// source per label, one named from a hash (`_` + 16 hex digits, the
    /// longest name), a 60 s step, labels missing from some records. Each
    /// profile's `ds` picks its own column.
    @Test func rrdModeReadsItsDataSourceOfAServiceFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rrd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let now = BaselineSample.monday16 + 1800
        let path = dir.appendingPathComponent("Load.rrd").path
        let hashed = "_0123456789abcdef"
        _ = try rrdtool(["create", path, "--start", String(now - 3600), "--step", "60", "DS:load1:GAUGE:900:0:U",
                         "DS:load5:GAUGE:900:0:U", "DS:\(hashed):GAUGE:900:U:U", "RRA:AVERAGE:0.5:1:4320",
                         "RRA:AVERAGE:0.5:5:18144", "RRA:MAX:0.5:60:9600"])
        // Every 5 minutes; the hashed label only in the older records.
        let updates = stride(from: now - 3000, through: now, by: 300).map { t in
            "\(t):1:\(t == now ? "2.7" : "1"):\(t < now - 900 ? "9" : "U")"
        }
        _ = try rrdtool(["update", path, "--template", "load1:load5:\(hashed)"] + updates)
        var c = CheckBaseline.Configuration()
        c.profiles = ["/p"]
        let load5 = try BaselineSample.profile(BaselineSample.text(rrd: path, ds: "load5"))
        guard case .result(let critical) = try CheckBaseline.evaluateRRD([load5], config: c, now: now) else { return }
        #expect(critical.status == .critical && critical.summary.hasPrefix("BASELINE CRITICAL - load1 is 2.7, outside ~:2.5"))
        let load1 = try BaselineSample.profile(BaselineSample.text(rrd: path, ds: "load1"))
        guard case .result(let ok) = try CheckBaseline.evaluateRRD([load1], config: c, now: now) else { return }
        #expect(ok.status == .ok, "\(ok.summary)")
        let latest = try RRDLatestValue.read(path: path, dataSource: hashed, oldest: now - 3600)
        #expect(latest?.value == 9 && latest?.time == now - 1200 && latest?.step == 60,
                "the last known row of its own column (9 until the heartbeat ran out)")
        let none = try BaselineSample.profile(BaselineSample.text(rrd: path, ds: hashed))
        #expect(throws: PluginError.unknown("load1: no value in \(path) (\(hashed)) during the last 900 seconds")) {
            try CheckBaseline.evaluateRRD([none], config: c, now: now)
        }
    }
}
