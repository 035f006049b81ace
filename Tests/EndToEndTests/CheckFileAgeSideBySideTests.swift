import Foundation
import Testing

/// check_file_age next to Debian's 2.3.3 Perl script on temporary files
/// with an mtime far in the past. The age grows while the test runs, so
/// the number of seconds is masked; everything else must be identical.
@Suite(.serialized)
final class CheckFileAgeSideBySideTests {
    let dir: String
    var old: String { dir + "/old.txt" }
    var recent: String { dir + "/recent.txt" }
    var empty: String { dir + "/empty" }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-age-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 456).write(to: URL(fileURLWithPath: old))
        try Data(repeating: 0x42, count: 2048).write(to: URL(fileURLWithPath: recent))
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)], ofItemAtPath: old)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: recent)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)], ofItemAtPath: empty)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: old)
        try E2E.require("\(E2E.plugins)/check_file_age")
        try E2E.require("\(E2E.cPlugins)/check_file_age")
        // Range syntax in the script needs Monitoring::Plugin::Range.
        let perl = try E2E.run("/usr/bin/perl", ["-MMonitoring::Plugin::Range", "-e", "1"])
        try #require(perl.code == 0, "libmonitoring-plugin-perl is missing: run scripts/setup")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// The age in seconds of the output, replaced by `N` (both in the text and the perfdata).
    static func masked(_ s: String) -> String {
        var out = s
        for (prefix, suffix) in [(" is ", " seconds old"), ("age=", "s;")] {
            if let p = out.range(of: prefix), let q = out.range(of: suffix, range: p.upperBound..<out.endIndex) {
                out.replaceSubrange(p.upperBound..<q.lowerBound, with: "N")
            }
        }
        return out
    }

    var cases: [[String]] {
        [
            ["-f", old], [old], ["-f", recent], ["-f", empty], ["-f", dir], ["-f", dir + "/link"],
            ["-f", recent, "-w", "7200", "-c", "10000"], ["-f", recent, "-w", "60", "-c", "100000"],
            ["-f", recent, "-w", "0240", "-c", "99999"], ["-f", old, "-w", "99999999999", "-c", "999999999999"],
            ["-f", old, "-w", "99999999999", "-c", "999999999999", "-W", "457", "-C", "10"],
            ["-f", old, "-w", "99999999999", "-c", "999999999999", "-W", "456", "-C", "456"],
            ["-f", old, "-w", "99999999999", "-c", "999999999999", "-W", "0", "-C", "0"],
            ["-f", empty, "-w", "99999999999", "-c", "999999999999", "-C", "1"],
            ["-f", recent, "-w", "10:", "-c", "@0:5"], ["-f", recent, "-w", "10:", "-c", "5", "-W", "10:"],
            ["-f", recent, "-w", "0240", "-c", "10:", "-W", "3"], ["-f", recent, "-c", "1:2", "-w", " 10 "],
            ["-f", recent, "-w", "~:100000", "-c", "~:200000", "-W", "2048:", "-C", "@0:100"],
            ["-f", recent, "-w", "~:1e5", "-c", "+1:", "-W", "@2000:3000"],
            ["-f", recent, "-w", "-5:", "-c", "1e3"],
            ["--warning-age=300000000", "--critical-age", "400000000", "--warning-size=0:", "--critical-size=@7:9", old],
            ["-iw", "99999999999", "-c", "999999999999", old], ["-w99999999999", "-c999999999999", "-f" + old],
            ["-f", dir + "/missing"], ["-i", "-f", dir + "/missing"], ["--ignore-missing", "-f", dir + "/missing"],
            [], ["-f", ""], ["-f", "0"], ["-w", "5"],
        ]
    }

    @Test func sameOutput() throws {
        for args in cases {
            let ours = try E2E.plugin("check_file_age", args)
            let theirs = try E2E.cPlugin("check_file_age", args)
            #expect(Self.masked(ours.stdout) == Self.masked(theirs.stdout), "\(args)")
            #expect(ours.code == theirs.code, "\(args)")
        }
    }

    @Test func ageIsNowMinusMtime() throws {
        let ours = try E2E.plugin("check_file_age", ["-f", old])
        let expected = Int(Date().timeIntervalSince1970) - 1_000_000_000
        let text = ours.stdout
        let age = try #require(text.split(separator: " ").firstIndex(of: "is").map { Int(text.split(separator: " ")[$0 + 1]) ?? -1 })
        #expect(abs(age - expected) <= 2)
        #expect(text.hasSuffix(" | age=\(age)s;240;600 size=456B;0;0;0\n"))
    }

    /// Bad command lines both answer UNKNOWN (3) for.
    @Test(arguments: [[], ["-f", ""], ["-h"], ["-V"], ["--help"]])
    func unknownCases(_ args: [String]) throws {
        #expect(try E2E.plugin("check_file_age", args).code == 3)
        #expect(try E2E.cPlugin("check_file_age", args).code == 3)
    }

    /// GetOptions' complaints go to stderr and the script goes on without
    /// the option, as the 2.3.3 script does.
    @Test(arguments: [["-Z"], ["--bogus=1"], ["-f"], ["-f", "/nonexistent/vigil", "-Z"], ["-x", "-i", "-f", "/nonexistent/vigil"],
                      ["--warning", "5", "-f", "/nonexistent/vigil"], ["--c"], ["--f"], ["--ver"]])
    func unknownOptionsAreWarnings(_ args: [String]) throws {
        let ours = try E2E.plugin("check_file_age", args)
        let theirs = try E2E.cPlugin("check_file_age", args)
        #expect(E2E.alike(ours, theirs), "\(args)\nours: \(ours)\nC: \(theirs)")
    }
}
