import Foundation
import Testing

/// check_disk next to Debian's 2.3.3 binary on small tmpfs file systems the
/// test mounts (root is required), whose usage does not move while it runs:
/// stdout and exit code must be identical byte for byte. Cases that cover
/// every file system (whose usage other processes change) compare the
/// output with digits masked.
@Suite(.serialized)
final class CheckDiskSideBySideTests {
    let base: String
    var a: String { base + "/a" }
    var b: String { base + "/b" }
    var r: String { base + "/r" }
    /// Unique device names, so that -x/-M/-r can refer to them.
    let tag: String

    init() throws {
        tag = "vigil\(UInt32.random(in: 100_000...999_999))"
        base = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-disk-\(tag)").path
        for (dir, device, opts) in [("a", "\(tag)a", "size=10m,nr_inodes=1000"), ("b", "\(tag)b", "size=20m"),
                                    ("r", "\(tag)host:/export", "size=5m")] {
            try FileManager.default.createDirectory(atPath: base + "/" + dir, withIntermediateDirectories: true)
            let m = try E2E.run("/bin/mount", ["-t", "tmpfs", "-o", opts, device, base + "/" + dir])
            try #require(m.code == 0, "mounting a tmpfs needs root: \(m)")
        }
        // 3000 KiB and 50 files on a; b and r stay empty.
        try Data(count: 3000 * 1024).write(to: URL(fileURLWithPath: a + "/data"))
        for i in 0..<50 { _ = FileManager.default.createFile(atPath: a + "/f\(i)", contents: nil) }
        try E2E.require("\(E2E.plugins)/check_disk")
        try E2E.require("\(E2E.cPlugins)/check_disk")
    }

    deinit {
        // Lazy: a busy mount point (an open file, a child still running) must not leak the mount.
        for dir in [a, b, r] { _ = try? E2E.run("/bin/umount", ["-l", dir]) }
        try? FileManager.default.removeItem(atPath: base)
    }

    /// Cases on the test's own file systems only: compared byte for byte.
    var exactCases: [[String]] {
        [
            ["-w", "10%", "-c", "5%", "-p", a],
            ["-w", "80%", "-c", "75%", "-p", a],
            ["-w", "75%", "-c", "60%", "-p", a, "-p", b],
            ["-w", "80%", "-c", "75%", "-p", a, "-p", b, "-v"],
            ["-w", "80%", "-c", "75%", "-p", a, "-p", b, "-e"],
            ["-w", "10%", "-c", "5%", "-p", a, "-p", b, "-e"],
            ["-w", "10%", "-c", "5%", "-p", a, "-p", b, "-e", "-v"],
            ["-w", "10%", "-c", "5%", "-p", a, "-vvv"],
            ["-vvv", "-w", "10%", "-c", "5%", "-p", a + "/data", "-p", b],
            ["-w", "3", "-c", "1", "-p", a],
            ["-w", "12", "-c", "11", "-p", a],
            ["-w", "2.5", "-c", "0.5", "-p", a],
            ["-w", "150%", "-c", "10:", "-p", a],
            ["-w", "@20%", "-c", "5%", "-p", a],
            ["-w", "20%:30%", "-c", "5%", "-p", a],
            ["-w", "3", "-w", "10%", "-c", "1", "-p", a],
            ["-w", "10%", "-c", "5%", "-W", "99%", "-K", "10%", "-P", "-p", a],
            ["-w", "10%", "-c", "5%", "-W", "10%", "-K", "95%", "-P", "-v", "-p", a],
            ["-w", "10%", "-c", "5%", "-W", "150%", "-K", "120%", "-P", "-p", a],
            ["-w", "10%", "-c", "5%", "-W", "10:20%", "-P", "-p", a],
            ["-w", "10%", "-c", "5%", "-W", "0.5%", "-K", "99.99%", "-P", "-p", a],
            ["-w", "10%", "-c", "5%", "-u", "bytes", "-p", a],
            ["-w", "10%", "-c", "5%", "-u", "BYTES", "-p", a],
            ["-w", "10%", "-c", "5%", "-u", "kB", "-p", a],
            ["-w", "10%", "-c", "5%", "-u", "KiB", "-p", a],
            ["-w", "10%", "-c", "5%", "-u", "MB", "-p", a],
            ["-w", "10%", "-c", "5%", "-u", "GiB", "-p", a],
            ["-w", "10%", "-c", "5%", "-u", "TB", "-p", a],
            ["-w", "10%", "-c", "5%", "-u", "PiB", "-p", a],
            ["-w", "10%", "-c", "5%", "-k", "-p", a],
            ["-w", "10%", "-c", "5%", "-m", "-p", a],
            ["-w", "10%", "-c", "5%", "-f", "-p", a],
            ["-w", "10%", "-c", "5%", "-M", "-p", a],
            ["-w", "10%", "-c", "5%", "-E", "-p", a],
            ["-w", "10%", "-c", "5%", "-p", a, "-p", a, "-w", "50%", "-p", a],
            ["-w", "10%", "-c", "5%", "-p", "\(tag)b"],
            ["-w", "10%", "-c", "5%", "-r", tag],
            ["-w", "10%", "-c", "5%", "-R", tag.uppercased()],
            ["-w", "10%", "-c", "5%", "-r", tag, "-i", "b$"],
            ["-w", "10%", "-c", "5%", "-r", tag, "-I", "B$", "-vvv"],
            ["-w", "10%", "-c", "5%", "-r", tag, "-l"],
            ["-w", "10%", "-c", "5%", "-r", tag, "-L", "-vvv"],
            ["-w", "10%", "-c", "5%", "-r", tag, "-x", a, "-x", "\(tag)b"],
            ["-w", "10%", "-c", "5%", "-r", tag, "-X", "tmpfs"],
            ["-w", "10%", "-c", "5%", "-r", tag, "-N", "ext4"],
            ["-w", "10%", "-c", "5%", "-g", "grp", "-r", "\(tag)(a|b)"],
            ["-w", "10%", "-c", "5%", "-g", "grp", "-r", "\(tag)(a|b)", "-vvv"],
            ["-w", "10%", "-c", "5%", "-g", "grp", "-r", "\(tag)a", "-C", "-w", "1%", "-c", "1%", "-p", b, "-vvv"],
            ["-w", "10%", "-c", "5%", "-g", "grp", "-p", a, "-p", b, "-x", a],
            ["-w", "10%", "-c", "5%", "-P", "--units=kB", "--path=\(a)", "--partition", b],
            ["--warning=10%", "--critical", "5%", "--iwarning=5%", "--icritical=1%", "--iperfdata", "--path", a],
            ["-w", "10%", "-c", "5%", "-t", "5", "-p", a],
            ["-w", "10%", "-c", "5%", "-to", "5", "-p", a],
            ["-w", "10%", "-c", "5%", "-q", "-p", a],
            ["10", "5", a], ["50", "20", a], ["50", a], [a],
            ["-w", "80%", "-c", "5%", "50", "20", a],
            ["-w", "10%", "-c", "5%", "--", a],
            ["-w", "10%", "-c", "5%", a, "-p", b],
            // Errors both report the same way.
            ["-w", "10%", "-c", "5%", "-p", base + "/nonexistent"],
            ["-w", "10%", "-c", "5%", "-E", "-p", base],
            ["-w", "10%", "-c", "5%", "-r", "\(tag)zzz"],
            ["-w", "10%", "-c", "5%", "-r", "("],
            ["-w", "10%", "-c", "5%", "-i", tag],
            ["-w", "10%", "-c", "5%", "-p", a, "-E"],
            ["-w", "10%", "-c", "5%", "-p", a, "-g", "g"],
            ["-p", a], ["-r", tag],
            ["-w", "10%", "-c", "5%", "-u", "foo", "-p", a],
            ["-w", "10%", "-c", "5%", "-u", "kiB", "-p", a],
            ["-w", "10%", "-c", "5%", "-X", "tmpfs", "-p", a],
        ]
    }

    @Test func sameOutputOnOwnFileSystems() throws {
        for args in exactCases {
            let ours = try E2E.plugin("check_disk", args)
            let theirs = try E2E.cPlugin("check_disk", args)
            #expect(ours.stdout == theirs.stdout, "\(args)")
            #expect(ours.code == theirs.code, "\(args)")
        }
    }

    /// Thresholds given before the first -C with no path of their own apply
    /// to every file system (as in 2.3.3), so "/" is in the output and its
    /// free space moves while other tests write: digits masked.
    @Test func thresholdsBeforeTheFirstClearCoverAllFileSystems() throws {
        let args = ["-w", "100", "-c", "50", "-C", "-w", "1", "-c", "1", "-p", a, "-C", "-w", "5%", "-c", "3%", "-p", b]
        let ours = try E2E.plugin("check_disk", args)
        let theirs = try E2E.cPlugin("check_disk", args)
        #expect(Self.masked(ours.stdout) == Self.masked(theirs.stdout))
        #expect(ours.stdout.contains(" \(a) ") && ours.stdout.contains(" \(b) "), "\(ours.stdout)")
        #expect(ours.code == theirs.code)
    }

    /// All file systems of the machine: same shape, digits masked.
    @Test(arguments: [
        ["-w", "10%", "-c", "5%"], ["-w", "10%", "-c", "5%", "-P", "-A"], ["-w", "10%", "-c", "5%", "-l", "-M"],
        ["-w", "10%", "-c", "5%", "-L"], ["-w", "10%", "-c", "5%", "-A", "-I", "DEV"], ["-w", "10%", "-c", "5%", "-N", "tmpfs"],
        ["-w", "99%", "-c", "5%", "-e"], ["-w", "10%", "-c", "5%", "-C", "-w", "20%", "-c", "10%"],
        ["-w", "10%", "-c", "5%", "-N", "nothing"], ["-w", "10%", "-c", "5%", "-p", "/"],
    ])
    func sameShapeOnAllFileSystems(_ args: [String]) throws {
        let ours = try E2E.plugin("check_disk", args)
        let theirs = try E2E.cPlugin("check_disk", args)
        #expect(Self.masked(ours.stdout) == Self.masked(theirs.stdout))
        #expect(ours.code == theirs.code)
    }

    /// Every run of digits becomes one `#`.
    static func masked(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch.isNumber {
                if out.last != "#" { out.append("#") }
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// Bad command lines: both exit 3 (the texts are each plugin's own).
    @Test(arguments: [
        [], ["-Z"], ["--bogus"], ["-w"], ["-w", "10%", "-c", "5%", "-t", "abc"], ["-w", "10:5", "-c", "5%", "-p", "/"],
        ["-?"], ["-h"], ["-V"], ["--help"],
    ])
    func badArgumentsExitUnknown(_ args: [String]) throws {
        let ours = try E2E.plugin("check_disk", args)
        let theirs = try E2E.cPlugin("check_disk", args)
        #expect(theirs.code == 3)
        #expect(ours.code == 3)
        #expect(!ours.stdout.isEmpty)
    }

    /// Usage errors in 2.3.3's words: getopt's complaint on stderr, then
    /// "Unknown argument" and the synopsis; the C library's usage4/die texts.
    @Test(arguments: [
        [], ["-Z"], ["--bogus"], ["--bogus=1"], ["-w"], ["-w", "0%", "-c", "0%", "-p", "/", "-g"],
        ["-w", "0%", "-c", "0%", "-p", "/", "-t", "x"], ["-w", "-5%", "-c", "5%", "-p", "/"], ["-w", "10:5", "-c", "5%", "-p", "/"],
        ["-u", "XB", "-p", "/"], ["-w", "0%", "-c", "0%", "-p", "/", "-E"], ["-?"], ["--ver"], ["--v"], ["-V", "-Z"],
        ["-u", "XB", "-Z"], ["-w", "0%", "-c", "0%", "-p", "/", "-E", "-Z"], ["-Z", "-u", "XB"],
    ])
    func usageErrorsAsTheCPlugin(_ args: [String]) throws {
        let ours = try E2E.plugin("check_disk", args)
        let theirs = try E2E.cPlugin("check_disk", args)
        #expect(E2E.alike(ours, theirs), "\(args)\nours: \(ours)\nC: \(theirs)")
    }

    /// Limits 2.3.3 misreads (strtod's prefix: `30M` and `30G` are both 30
    /// MiB, `abc` is 0) are refused.
    @Test(arguments: [["-w", "30M", "-c", "10M", "-p", "/"], ["-w", "abc", "-c", "5%"], ["-W", "abc", "-p", "/"], ["-w", "", "-c", "", "-p", "/"]])
    func misreadLimitsAreRefused(_ args: [String]) throws {
        let ours = try E2E.plugin("check_disk", args)
        #expect(ours.code == 3 && ours.stdout.hasPrefix("check_disk: Range format incorrect: '"), "\(ours)")
    }
}
