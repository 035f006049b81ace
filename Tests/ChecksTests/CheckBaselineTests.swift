import Foundation
import Testing
@testable import Checks
@testable import NagiosPlugin

/// A profile as vigil-analytics writes it (ProfileStore, format 1).
enum BaselineSample {
    /// Monday 2025-11-24 16:00:00 UTC: hour-of-week 16.
    static let monday16: Int64 = 1_764_000_000

    static func text(rrd: String = "/var/lib/vigil/rrd/web01/Load/load1.rrd", uom: String = "") -> String {
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
        ds value
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
        ("", "empty file"), ("hello 1\n", "not a vigil-analytics profile"), ("vigil-profile 2\nend\n", "format version 2"),
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
        return CheckBaseline.evaluateWrapped(Command.Output(stdout: Array(stdout.utf8), stderr: [], exitCode: code),
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

    @Test func options() throws {
        let c = try config(["-p", "a", "--profile=b", "-b", "-t", "5:critical", "-T", "1700000000", "--", "/x", "-w", "1"])
        #expect(c.profiles == ["a", "b"] && c.baselineOnly && c.timeoutSeconds == 5 && c.timeoutState == .critical)
        #expect(c.time == 1_700_000_000 && c.command == ["/x", "-w", "1"])
        let r = try config(["-p", "a", "-r", "/f.rrd", "-d", "value", "-D", "unix:/s", "-a", "600"])
        #expect(r.command.isEmpty && r.rrdPath == "/f.rrd" && r.dataSource == "value" && r.daemon == "unix:/s" && r.maxAge == 600)
        #expect(try config(["-p", "a", "/x"]).command == ["/x"])
    }

    @Test(arguments: [
        ([], "At least one --profile is required"), (["-p", "a", "--", "check_load"], "Require path to command"),
        (["-p", "a", "-r", "/f", "--", "/x"], "--rrd, --ds and --daemon are for RRD mode (no wrapped plugin)"),
        (["-p", "a", "-a", "0"], "--max-age must be a positive number of seconds - 0"),
        (["-p", "a", "-T", "soon"], "--time must be a Unix time in seconds - soon"), (["-x"], "invalid option -- 'x'"),
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
}
