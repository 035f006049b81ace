import Foundation
import Testing

/// check_cluster next to Debian's 2.3.3 binary. The plugin reads nothing
/// but its arguments, so every combination can be compared exactly.
struct CheckClusterSideBySideTests {
    static let handPicked: [[String]] = [
        ["-s", "-d", "0,0,1", "-w", "1", "-c", "2"], ["-h", "-d", "0,1,2,3"], ["-d", "0,1,2,3"],
        ["-s", "-d", "0,1,2,3", "-l", "My label"], ["-s", "-d", "1,1", "-c", "@2"], ["-s", "-d", "1", "-v", "-v"],
        ["-s", "-d", "1", "extra"], ["-s", "-d", "1", "-c", ""], ["-s", "-d", "1", "-v", "-w", "1", "-c", "@2:3"],
        ["-s", "-d", "1,1", "-w", "2:", "-c", "1", "-v"], ["-s", "-d", "1", "-w", "1e2", "-v"], ["-s", "-d", "1", "-w", "0.5", "-v"],
        ["-sd1"], ["-d", "1", "-l", ""], ["-h", "-d", "3,3", "-c", "0"], ["-s", "-d", "1", "--lab=x"],
        ["-d", "1", "-v", "-w", "", "-c", "~:"], ["-d", "1", "-v", "-w", "@~:0"], ["-d", "1,1", "-vv", "-w", "1e-1:1.5e0"],
        ["-d", "2,2,2,2,1,0", "-w", "3", "-c", "4"], ["-h", "-d", "1,1,2", "-w", "2", "-c", "3", "-l", "Hosts"],
        ["--data=0,2", "--critical=1:", "--host"], ["--service", "--data", "3,3,3", "--warning", "~:2", "--verbose"],
        ["-h", "-s", "-d", "2"], ["-s", "-h", "-d", "2"], ["-d", "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1", "-c", "@1"],
        ["-l", "a b  c", "-d", "2", "-w", "10:", "-c", "5:6"], ["-d", "1", "-w", "@0:0.99", "-c", "@1.5:2"],
    ]

    /// Every data list of up to three members against a set of ranges, for
    /// both kinds.
    static var generated: [[String]] {
        var lists: [String] = []
        for a in 0...3 {
            lists.append("\(a)")
            for b in 0...3 {
                lists.append("\(a),\(b)")
                for c in 0...3 { lists.append("\(a),\(b),\(c)") }
            }
        }
        let ranges: [[String]] = [[], ["-w", "1"], ["-c", "1"], ["-w", "0", "-c", "2"], ["-w", "@1:2", "-c", "@3"], ["-w", "2:", "-c", "~:1"]]
        var cases: [[String]] = []
        for (i, l) in lists.enumerated() {
            let kind = i % 2 == 0 ? "-s" : "-h"
            cases.append([kind, "-d", l] + ranges[i % ranges.count])
        }
        return cases
    }

    @Test(arguments: handPicked + generated)
    func sameOutputAndExitCode(_ args: [String]) throws {
        try E2E.require("\(E2E.plugins)/check_cluster")
        let ours = try E2E.plugin("check_cluster", args)
        let theirs = try E2E.cPlugin("check_cluster", args)
        #expect(ours.stdout == theirs.stdout, "\(args)")
        #expect(ours.code == theirs.code, "\(args)")
    }

    /// Bad arguments: both UNKNOWN (3); ours explains in one line, then the usage.
    @Test(arguments: [
        ["-s", "-d", "0,1,4"], ["-s", "-d", ""], ["-s", "-d", "0,"], ["-s", "-d", "00"], [], ["-s"], ["-s", "-d", "1", "-w", "1:0"],
        ["-x", "-d", "1"], ["-s", "-d", "1", "--ver"], ["-d"], ["-d", "x", "-Z"], ["-Z", "-d", "x"], ["-d", "1", "-w", "5:1", "-Z"], ["-d", "1", "-c", "5:2"],
    ])
    func badArgumentsAreUnknownInBoth(_ args: [String]) throws {
        let ours = try E2E.plugin("check_cluster", args)
        let theirs = try E2E.cPlugin("check_cluster", args)
        #expect(ours.code == 3 && theirs.code == 3, "\(args)")
        // 2.3.3's own words: usage("Could not parse arguments") after getopt's
        // complaint on stderr, or "Range format incorrect".
        #expect(E2E.alike(ours, theirs), "\(args)\nours: \(ours)\nC: \(theirs)")
    }

    /// --extra-opts (ini files) is not supported: both exit 3, with other words.
    @Test func extraOptsIsUnknownInBoth() throws {
        let args = ["--extra-opts=foo", "-s", "-d", "1"]
        #expect(try E2E.plugin("check_cluster", args).code == 3 && E2E.cPlugin("check_cluster", args).code == 3)
    }

    /// Ranges 2.3.3 misreads (`abc` as 0) are refused with our reason.
    @Test(arguments: [["-s", "-d", "0,0,1", "-w", "abc"], ["-s", "-d", "0,0,1", "-c", "10abc"]])
    func junkRangesAreRefused(_ args: [String]) throws {
        let ours = try E2E.plugin("check_cluster", args)
        #expect(ours.code == 3 && ours.stdout.hasPrefix("check_cluster: invalid range '"), "\(ours)")
        #expect(ours.stdout.contains("Usage:\n check_cluster (-s | -h)"))
    }

    @Test func versionAndHelpExitUnknown() throws {
        let ours = try E2E.plugin("check_cluster", ["-V"])
        let theirs = try E2E.cPlugin("check_cluster", ["-V"])
        #expect(ours.code == 3 && theirs.code == 3)
        #expect(ours.stdout.hasPrefix("check_cluster v2.3.3 ") && theirs.stdout.hasPrefix("check_cluster v2.3.3 "))
        for flag in ["--help", "-H"] {
            let help = try E2E.plugin("check_cluster", [flag])
            #expect(help.code == 3 && help.stdout.contains(" -h, --host\n"))
        }
    }
}
