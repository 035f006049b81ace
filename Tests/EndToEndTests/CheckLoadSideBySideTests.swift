import Foundation
import Testing

/// check_load, ours and Debian's, on the same /proc/loadavg (and CPU list).
struct CheckLoadSideBySideTests {
    static let roots = ["load/busy4", "load/idle", "load/sparse"]
    static let argumentSets: [[String]] = [
        ["-w", "5", "-c", "10"], ["-w", "15,10,5", "-c", "20,15,10"], ["-w", "12,8,4", "-c", "20,15,10"],
        ["-r", "-w", "3", "-c", "4"], ["-r", "-w", "3,2,1", "-c", "4,3,2"], ["--percpu", "-w", "0.5", "-c", "1"],
        ["-c", "1"], ["1", "2"], ["-w", "1,2", "-c", "3"],
        // Inconsistent thresholds: UNKNOWN with the same words.
        ["-w", "1"], ["-w", "-1", "-c", "5"], ["-w", "1,2,3", "-c", "1,1,3"],
    ]

    func binds(_ root: String) -> [(String, String)] {
        var b = [(LocalChecks.fixture(root + "/proc/loadavg"), "/proc/loadavg")]
        let online = LocalChecks.fixture(root + "/sys/devices/system/cpu/online")
        if FileManager.default.fileExists(atPath: online) { b.append((online, "/sys/devices/system/cpu/online")) }
        return b
    }

    @Test(arguments: roots, argumentSets)
    func sameBytesOnFixtures(_ root: String, _ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_load", arguments, binds: binds(root))
        #expect(ours.stdout == c.stdout)
        #expect(ours.code == c.code)
    }

    @Test(arguments: ["1.999 1.5 1.05 1/2 3\n", "3.125 2.3456789 0.005 1/1 1\n", "abc 1 2\n", "1e2 0x10 +3 1/1 1\n",
                      "  1.23   4.56 7.89\n", "1.5\n", "\n"])
    func oddLoadavgContents(_ contents: String) throws {
        let file = try LocalChecks.temporaryFile(contents)
        defer { try? FileManager.default.removeItem(at: file) }
        let (ours, c) = try LocalChecks.both("check_load", ["-w", "3", "-c", "50"], binds: [(file.path, "/proc/loadavg")])
        #expect(ours.stdout == c.stdout)
        #expect(ours.code == c.code)
    }

    @Test(arguments: [["-w", "1000", "-c", "2000"], ["-r", "-w", "1000,900,800", "-c", "2000"]])
    func liveLoadMasked(_ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_load", arguments)
        #expect(ours.code == 0 && c.code == 0)
        #expect(LocalChecks.masked(ours.stdout) == LocalChecks.masked(c.stdout))
        #expect(ours.stdout.hasPrefix("LOAD OK - "))
    }

    @Test func topProcessesHaveTheSameShape() throws {
        let (ours, c) = try LocalChecks.both("check_load", ["-w", "1000", "-c", "2000", "-n", "3"],
                                             binds: binds("load/busy4"))
        let o = ours.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let t = c.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(o.count == 6 && o.count == t.count)  // result, ps header, 3 processes, ""
        #expect(o.first == t.first)
        #expect(o.count > 1 && t.count > 1 && o[1] == t[1])
        #expect(ours.code == c.code)
    }

    @Test(arguments: [[], ["-w", "abc", "-c", "1"], ["-x"], ["--foo"], ["-w"], ["-w", "", "-c", "5"], ["--p=1"], ["--foo=1"],
                      ["-w", "1", "-c", "abc"], ["-n"], ["-w", "1", "-c", "2", "-t", "5"], ["--help=1"], ["--percpu=1"],
                      ["-w", "abc", "-c", "1", "-Z"], ["-Z", "-w", "abc"]])
    func badArgumentsExitUnknown(_ arguments: [String]) throws {
        let (ours, c) = try LocalChecks.both("check_load", arguments)
        #expect(ours.code == 3 && c.code == 3)
        #expect(E2E.alike(ours, c), "ours: \(ours)\nC: \(c)")
    }

    /// Values 2.3.3 misreads (strtod's prefix, atoi) are refused.
    @Test(arguments: [["-w", "10abc", "-c", "20"], ["-w", "5:1", "-c", "10"], ["-w", "10%", "-c", "20%"],
                      ["-w", "1,2,3,4", "-c", "5"], ["-w", "1", "-c", "2", "-n", "x"]])
    func misreadValuesAreRefused(_ arguments: [String]) throws {
        let ours = try E2E.plugin("check_load", arguments)
        #expect(ours.code == 3)
        #expect(ours.stdout.contains("Usage:\ncheck_load [-r] -w WLOAD1,WLOAD5,WLOAD15 -c CLOAD1,CLOAD5,CLOAD15"))
    }
}
