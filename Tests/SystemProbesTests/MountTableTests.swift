import Foundation
import Testing
@testable import SystemProbes

/// The mount table parser on fixture files (copies of a Debian 12
/// `/proc/self/mounts` plus hand-written edge cases), read through a
/// fixture `SystemRoot` the way check_disk reads `/etc/mtab`.
struct MountTableTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mounts").path

    /// The mount table of a fixture root whose `/etc/mtab` is the named
    /// fixture file; the root is removed again once it has been read.
    func readTable(_ fixture: String) throws -> [MountEntry] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-mtab-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixtures + "/" + fixture,
                                         toPath: dir.appendingPathComponent("etc/mtab").path)
        return try MountTable.read(root: SystemRoot(path: dir.path))
    }

    @Test func debianTableInFileOrder() throws {
        let entries = try readTable("mtab-debian12")
        #expect(entries.count == 17)
        #expect(entries.map(\.mountPoint).prefix(6) == ["/proc", "/sys", "/dev", "/dev/shm", "/dev/pts", "/"])
        let rootFS = try #require(entries.first { $0.mountPoint == "/" })
        #expect(rootFS == MountEntry(device: "/dev/vda", mountPoint: "/", type: "ext4", options: "rw,relatime,discard"))
        #expect(!rootFS.isDummy && !rootFS.isRemote)
    }

    @Test func octalEscapesAreDecoded() throws {
        let entries = try readTable("mtab-debian12")
        #expect(entries.contains { $0.mountPoint == "/srv/data files" && $0.type == "xfs" })
    }

    @Test(arguments: [
        ("/proc", true), ("/sys", true), ("/dev", false), ("/dev/shm", false), ("/dev/pts", true),
        ("/sys/fs/cgroup", false), ("/dev/mqueue", true), ("/mnt/bind", false), ("/mnt/none", true),
        ("/proc/sys/fs/binfmt_misc", true), ("/media/cdrom", false),
    ])
    func dummyFileSystems(_ c: (String, Bool)) throws {
        let entries = try readTable("mtab-debian12")
        let e = try #require(entries.first { $0.mountPoint == c.0 })
        #expect(e.isDummy == c.1)
    }

    @Test(arguments: [("/home", true), ("/mnt/nas", true), ("/mnt/smb3", false), ("/", false), ("/srv/data files", false)])
    func remoteFileSystems(_ c: (String, Bool)) throws {
        let entries = try readTable("mtab-debian12")
        let e = try #require(entries.first { $0.mountPoint == c.0 })
        #expect(e.isRemote == c.1)
    }

    @Test func commentsBlankLinesTabsAndShortLines() throws {
        let entries = try readTable("mtab-edge")
        #expect(entries == [
            MountEntry(device: "/dev/sda1", mountPoint: "/boot", type: "ext2", options: "rw"),
            MountEntry(device: "weird\\name", mountPoint: "/mnt/tab\tin\nnl\\x", type: "ext4", options: ""),
            MountEntry(device: "/dev/short", mountPoint: "/short", type: "", options: ""),
        ])
    }

    @Test func missingTableIsAnError() {
        #expect(throws: SystemError.self) { try MountTable.read(root: SystemRoot(path: "/nonexistent-vigil-root")) }
    }

    static let percentCases: [(UInt64, UInt64, Double)] = [
        (0, 100, 0), (1, 100, 1), (1, 1000, 1), (999, 1000, 100), (1000, 1000, 100),
        (15_782_228, 99_065_612, 16), (52, 1000, 6), (5, 0, -1),
        (UInt64.max / 2, UInt64.max, 50), (UInt64.max, UInt64.max, 100),
    ]

    @Test(arguments: percentCases)
    func percentagesRoundUpLikeDf(_ c: (UInt64, UInt64, Double)) {
        #expect(ceilingPercent(c.0, of: c.1) == c.2)
    }

    @Test func liveProbeReadsStatvfsAndStat() {
        let probe = LiveFilesystemProbe()
        let usage = probe.usage(of: "/")
        #expect(usage != nil && (usage?.blocks ?? 0) > 0 && (usage?.blockSize ?? 0) > 0)
        #expect(probe.usage(of: "/nonexistent-vigil") == nil)
        #expect(probe.statError(of: "/") == 0)
        #expect(probe.statError(of: "/nonexistent-vigil") == ENOENT)
    }
}
