import Glibc
import Testing
@testable import Checks
@testable import NagiosPlugin
@testable import SystemProbes

/// A machine with fixed mounts and `statvfs()` numbers.
struct FakeDiskProbe: FilesystemProbe {
    var table: [MountEntry]
    var usages: [String: FilesystemUsage]
    /// Paths whose `stat()` fails, with the errno.
    var statFailures: [String: Int32] = [:]

    func mounts() throws(SystemError) -> [MountEntry] { table }
    func usage(of path: String) -> FilesystemUsage? { usages[path] }
    func statError(of path: String) -> Int32 { statFailures[path] ?? 0 }
}

struct CheckDiskTests {
    /// The root file system of the development machine, as `strace` showed
    /// the C plugin's `statfs("/")`, and a 10 MiB tmpfs with 3000 KiB used.
    static let rootUsage = FilesystemUsage(blockSize: 4096, blocks: 66_053_021, freeBlocks: 62_095_151,
                                           availableBlocks: 20_808_533, files: 16_777_216, freeFiles: 16_371_353)
    static let smallTmpfs = FilesystemUsage(blockSize: 4096, blocks: 2560, freeBlocks: 1810, availableBlocks: 1810,
                                            files: 1000, freeFiles: 948)
    static let emptyTmpfs = FilesystemUsage(blockSize: 4096, blocks: 5120, freeBlocks: 5120, availableBlocks: 5120,
                                            files: 3_085_510, freeFiles: 3_085_509)

    static let probe = FakeDiskProbe(
        table: [
            MountEntry(device: "proc", mountPoint: "/proc", type: "proc"),
            MountEntry(device: "/dev/vda", mountPoint: "/", type: "ext4"),
            MountEntry(device: "sys2a", mountPoint: "/mnt/a", type: "tmpfs"),
            MountEntry(device: "sys2b", mountPoint: "/mnt/b", type: "tmpfs"),
            MountEntry(device: "fake:/export", mountPoint: "/mnt/r", type: "nfs"),
            MountEntry(device: "/dev/sr0", mountPoint: "/media/cd", type: "iso9660"),
        ],
        usages: [
            "/proc": FilesystemUsage(blockSize: 4096, blocks: 0, freeBlocks: 0, availableBlocks: 0, files: 0, freeFiles: 0),
            "/": rootUsage, "/mnt/a": smallTmpfs, "/mnt/b": emptyTmpfs, "/mnt/r": emptyTmpfs,
            "/media/cd": FilesystemUsage(blockSize: 2048, blocks: 100, freeBlocks: 0, availableBlocks: 0, files: 0, freeFiles: 0),
        ])

    func run(_ args: [String], probe: FakeDiskProbe = probe) -> (String, Status) {
        PluginMain.outcome(CheckDisk.info) { () throws(PluginError) in try CheckDisk.run(args, probe: probe) }
    }

    @Test func rootMatchesTheCPluginForTheSameNumbers() {
        // What /usr/lib/nagios/plugins/check_disk printed for these statfs numbers.
        #expect(run(["-w", "10%", "-c", "5%", "-p", "/"]) == (
            "DISK OK - free space: / 81283MiB (84% inode=97%);| /=16210984960B;243497277849;257024904396;0;270552530944\n",
            .ok))
    }

    @Test func allFileSystemsSkipEmptyRemoteOnlyWithLocalAndIso9660Always() {
        let (all, _) = run(["-w", "10%", "-c", "5%"])
        #expect(all.contains(" /mnt/r 20MiB") && !all.contains("/proc") && !all.contains("/media/cd"))
        let (local, _) = run(["-w", "10%", "-c", "5%", "-l"])
        #expect(!local.contains("/mnt/r"))
        #expect(local.hasPrefix("DISK OK - free space: / 81283MiB (84% inode=97%); /mnt/a 7MiB (70% inode=94%); /mnt/b 20MiB (100% inode=99%);|"))
    }

    @Test(arguments: [
        (["-w", "80%", "-c", "75%", "-p", "/mnt/a"], Status.critical,
         "DISK CRITICAL - free space: /mnt/a 7MiB (70% inode=94%);| /mnt/a=2097152B;2097151;2621440;0;10485760\n"),
        (["-w", "75%", "-c", "60%", "-p", "/mnt/a"], .warning,
         "DISK WARNING - free space: /mnt/a 7MiB (70% inode=94%);| /mnt/a=2097152B;2621440;4194304;0;10485760\n"),
        (["-w", "3", "-c", "1", "-p", "/mnt/a"], .ok,
         "DISK OK - free space: /mnt/a 7MiB (70% inode=94%);| /mnt/a=2097152B;7340032;9437184;0;10485760\n"),
        // A unit limit above the size wraps around like the C code's uint64 cast.
        (["-w", "12", "-c", "11", "-p", "/mnt/a"], .critical,
         "DISK CRITICAL - free space: /mnt/a 7MiB (70% inode=94%);| /mnt/a=2097152B;18446744073707454464;18446744073708503040;0;10485760\n"),
        (["-w", "150%", "-c", "10:", "-p", "/mnt/a"], .warning,
         "DISK WARNING - free space: /mnt/a 7MiB (70% inode=94%);| /mnt/a=2097152B;18446744073704308736;10485760;0;10485760\n"),
        (["-w", "10%", "-c", "5%", "-W", "150%", "-K", "120%", "-P", "-p", "/mnt/a"], .critical,
         "DISK CRITICAL - free space: /mnt/a 7MiB (70% inode=94%);| /mnt/a=2097152B;9437184;9961472;0;10485760 '/mnt/a (inodes)'=52;500;199;0;1000\n"),
        (["-w", "10%", "-c", "5%", "-u", "bytes", "-p", "/mnt/a"], .ok,
         "DISK OK - free space: /mnt/a 7413760B (70% inode=94%);| /mnt/a=3072000B;9437184;9961472;0;10485760\n"),
        (["-w", "10%", "-c", "5%", "-k", "-M", "-p", "/mnt/a"], .ok,
         "DISK OK - free space: sys2a 7240kiB (70% inode=94%);| sys2a=3072000B;9437184;9961472;0;10485760\n"),
        (["50", "20", "/mnt/a"], .critical,
         "DISK CRITICAL - free space: /mnt/a 7MiB (70% inode=94%);| /mnt/a=2097152B;;;0;10485760\n"),
    ])
    func limitsAndPerfdata(_ c: ([String], Status, String)) {
        #expect(run(c.0) == (c.2, c.1))
    }

    @Test func verboseFlagsAndErrorsOnly() {
        let args = ["-w", "80%", "-c", "75%", "-p", "/mnt/a", "-p", "/mnt/b"]
        #expect(run(args + ["-v"]).0.hasPrefix("DISK CRITICAL - free space: CRITICAL [ /mnt/a 7MiB (70% inode=94%)]; /mnt/b 20MiB (100% inode=99%);|"))
        #expect(run(args + ["-e"]).0.hasPrefix("DISK CRITICAL - free space: /mnt/a 7MiB (70% inode=94%);| /mnt/a="))
        let ok = ["-w", "10%", "-c", "5%", "-p", "/mnt/a", "-e"]
        #expect(run(ok).0.hasPrefix("DISK OK| /mnt/a=2097152B;"))
    }

    @Test func groupsAddUpAndTakeTheGroupName() {
        let (text, status) = run(["-w", "10%", "-c", "5%", "-g", "grp", "-r", "^/mnt/(a|b)$"])
        #expect(status == .ok)
        #expect(text == "DISK OK - free space: grp 27MiB (90% inode=99%);| grp=2097152B;28311552;29884416;0;31457280\n")
    }

    @Test func clearGivesLaterPathsTheirOwnLimits() {
        let (text, _) = run(["-w", "100", "-c", "50", "-C", "-w", "1", "-c", "1", "-p", "/mnt/a", "-C", "-w", "5%", "-c", "3%", "-p", "/mnt/b"])
        // Paths not named keep the limits in force at the first -C (100 and 50 MiB).
        #expect(text.contains("| /=16210984960B;270447673344;270500102144;0;270552530944 /mnt/a=2097152B;9437184;9437184;0;10485760 /mnt/b=0B;19922944;20342374;0;20971520 /mnt/r="))
    }

    @Test func samePathTwiceKeepsTheLastLimits() {
        let (text, _) = run(["-w", "10%", "-c", "5%", "-p", "/mnt/a", "-w", "50%", "-p", "/mnt/a"])
        #expect(text.hasSuffix("| /mnt/a=2097152B;5242880;9961472;0;10485760\n"))
    }

    @Test func filters() {
        #expect(run(["-w", "10%", "-c", "5%", "-X", "tmpfs", "-X", "nfs"]).0.hasPrefix("DISK OK - free space: / 81283MiB (84% inode=97%);| /="))
        #expect(run(["-w", "10%", "-c", "5%", "-N", "nfs"]).0.hasPrefix("DISK OK - free space: /mnt/r 20MiB"))
        #expect(run(["-w", "10%", "-c", "5%", "-x", "sys2a", "-x", "/", "-x", "/mnt/r"]).0.hasPrefix("DISK OK - free space: /mnt/b 20MiB"))
        #expect(run(["-w", "10%", "-c", "5%", "-A", "-i", "mnt", "-I", "VDA"]) == ("DISK UNKNOWN - free space:|\n", .unknown))
        #expect(run(["-w", "10%", "-c", "5%", "-N", "xfs"]) == ("DISK UNKNOWN - free space:|\n", .unknown))
    }

    @Test func bestMatchIsTheLongestMountPointPrefixOrTheDevice() {
        #expect(run(["-w", "10%", "-c", "5%", "-p", "/mnt/a/sub/file"]).0.hasPrefix("DISK OK - free space: /mnt/a 7MiB"))
        #expect(run(["-w", "10%", "-c", "5%", "-p", "/mnt/c"]).0.hasPrefix("DISK OK - free space: / 81283MiB"))
        #expect(run(["-w", "10%", "-c", "5%", "-p", "sys2b"]).0.hasPrefix("DISK OK - free space: /mnt/b 20MiB"))
        #expect(run(["-w", "10%", "-c", "5%", "-E", "-p", "/mnt/a/sub"]) == ("DISK CRITICAL: /mnt/a/sub not found\n", .critical))
    }

    /// np_set_best_match's rules, byte for byte: a prefix needs no `/`
    /// boundary (strncmp), of equal lengths the later entry wins (an
    /// over-mount), a mount statvfs() cannot read is passed over, and a
    /// device name wins over any mount point.
    @Test func bestMatchFollowsTheCRulesExactly() {
        var p = Self.probe
        p.table += [
            MountEntry(device: "sys2c", mountPoint: "/mnt/b", type: "tmpfs"),
            MountEntry(device: "dead", mountPoint: "/mnt/a/deep", type: "tmpfs"),
            MountEntry(device: "/mnt/a", mountPoint: "/srv/\u{e9}t\u{e9}", type: "tmpfs"),
        ]
        p.usages["/srv/\u{e9}t\u{e9}"] = Self.rootUsage
        #expect(run(["-w", "10%", "-c", "5%", "-p", "/mnt/abc"], probe: p).0.hasPrefix("DISK OK - free space: /mnt/a 7MiB"))
        #expect(run(["-w", "10%", "-c", "5%", "-p", "/mnt/a/deep/x"], probe: p).0.hasPrefix("DISK OK - free space: /mnt/a 7MiB"))
        #expect(run(["-w", "10%", "-c", "5%", "-p", "/mnt/a"], probe: p).0.hasPrefix("DISK OK - free space: /srv/\u{e9}t\u{e9} 81283MiB"))
        #expect(run(["-w", "10%", "-c", "5%", "-E", "-p", "/srv/\u{e9}t\u{e9}"], probe: p).0.hasPrefix("DISK OK - free space: /srv/\u{e9}t\u{e9} 81283MiB"))
        // The same text in decomposed form is other bytes: not the mount point.
        #expect(run(["-w", "10%", "-c", "5%", "-E", "-p", "/srv/e\u{301}te\u{301}"], probe: p).1 == .critical)
        let both = run(["-w", "10%", "-c", "5%", "-r", "^/mnt/b$"], probe: p).0
        #expect(both.hasPrefix("DISK OK - free space: /mnt/b 20MiB"))
        #expect(!both.contains("dead"))
    }

    @Test func inaccessiblePathsAreCritical() {
        var p = Self.probe
        p.statFailures["/nope"] = ENOENT
        #expect(run(["-w", "10%", "-c", "5%", "-p", "/nope"], probe: p) == ("DISK CRITICAL - /nope is not accessible: No such file or directory\n", .critical))
        p.statFailures["/mnt/r"] = ESTALE
        #expect(run(["-w", "10%", "-c", "5%", "-L"], probe: p) == ("DISK CRITICAL - /mnt/r is not accessible: Stale file handle\n", .critical))
        #expect(run(["-w", "10%", "-c", "5%", "-l"], probe: p).1 == .ok)
    }

    @Test func inodeFreeFileSystemsPrintADash() {
        var p = Self.probe
        p.usages["/mnt/b"] = FilesystemUsage(blockSize: 4096, blocks: 5120, freeBlocks: 100, availableBlocks: 100, files: 0, freeFiles: 0)
        #expect(run(["-w", "10%", "-c", "5%", "-p", "/mnt/b"], probe: p).0.hasPrefix("DISK CRITICAL - free space: /mnt/b 0MiB (1% inode=-)];|"))
    }

    @Test func verboseTraceComesFirst() {
        let (text, _) = run(["-w", "10%", "-c", "5%", "-vvv", "-p", "/mnt/a"])
        #expect(text == """
            calling stat on /mnt/a
            Thresholds(pct) for /mnt/a warn: 10.000000 crit 5.000000
            calling stat on /mnt/a
            For /mnt/a, used_pct=30 free_pct=70 used_units=2 free_units=7 total_units=10 used_inodes_pct=6 free_inodes_pct=94 fsp.fsu_blocksize=4096 mult=1048576
            Freespace_units result=0
            Freespace% result=0
            Usedspace_units result=0
            Usedspace_percent result=0
            Usedinodes_percent result=0
            Freeinodes_percent result=0
            DISK OK - free space: /mnt/a 7MiB (70% inode=94%);| /mnt/a=2097152B;9437184;9961472;0;10485760

            """)
    }

    @Test(arguments: [
        [], ["-Z"], ["--bogus"], ["-w"], ["-p", "/"], ["-w", "10%", "-c", "5%", "-u", "kiB"], ["-w", "abc", "-c", "5%"],
        ["-w", "10:5", "-c", "5%"], ["-w", "", "-c", "5%"], ["-w", "10%", "-c", "5%", "-t", "x"],
        ["-w", "10%", "-c", "5%", "-r", "("], ["-w", "10%", "-c", "5%", "-r", "nomatch"],
        ["-w", "10%", "-c", "5%", "-i", "x"], ["-w", "10%", "-c", "5%", "-p", "/", "-E"],
        ["-w", "10%", "-c", "5%", "-p", "/", "-g", "g"], ["-r", "x"], ["-?"],
    ])
    func badArgumentsAreUnknown(_ args: [String]) {
        let (text, status) = run(args)
        #expect(status == .unknown)
        #expect(!text.isEmpty && !text.hasPrefix("DISK OK"))
    }

    @Test func helpAndVersion() {
        #expect(run(["-V"]) == (CheckDisk.info.versionLine, .unknown))
        #expect(run(["--help"]).0.contains("--iperfdata"))
    }

    static let conversions: [(Double, UInt64)] = [
        (-1.0, UInt64.max), (-5_242_880.0, 18_446_744_073_704_308_736), (2_097_151.9999999995, 2_097_151),
        (Double.infinity, 0), (Double.nan, 1 << 63), (1e19, 10_000_000_000_000_000_000),
    ]

    @Test(arguments: conversions)
    func doubleToUInt64LikeX86(_ c: (Double, UInt64)) {
        #expect(DiskC.cDoubleToUInt64(c.0) == c.1)
    }
}
