import Foundation
import Testing
import NagiosPlugin
@testable import SystemProbes

/// Fixture files and roots under `Fixtures/` (load/, swap/, procs/, utmp/).
enum LocalFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func root(_ name: String) -> SystemRoot { SystemRoot(path: directory.appendingPathComponent(name).path) }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func lines(_ name: String) throws -> [String] {
        String(decoding: try bytes(name), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }
}

struct CScannerTests {
    @Test func integersAsGlibcStoresThem() {
        var s = CScanner("  42 -7 +3 99999999999 x")
        #expect(s.int() == 42)
        #expect(s.int() == -7)
        #expect(s.int() == 3)
        #expect(s.int() == 1_215_752_191)  // (int) 99999999999
        #expect(s.int() == nil)
        #expect(s.rest.first == UInt8(ascii: "x"))
    }

    @Test func unsignedLongWrapsNegativesAndSaturates() {
        var s = CScanner("-5 18446744073709551616 12")
        #expect(s.unsignedLong() == UInt64.max - 4)
        #expect(s.unsignedLong() == UInt64.max)
        #expect(s.unsignedLong() == 12)
        #expect(s.atEnd)
    }

    @Test func floatsAndWords() {
        var s = CScanner("1.5.5 1e1 0x10 abc")
        #expect(s.float() == 1.5)
        #expect(s.rest.first == UInt8(ascii: "."))
        s.skip(2)
        #expect(s.float() == 10)
        #expect(s.double() == 16)
        #expect(s.double() == nil)
        #expect(s.word().map { String(decoding: $0, as: UTF8.self) } == "abc")
        #expect(s.word() == nil)
    }
}

struct LoadAverageTests {
    @Test func parsesTheThreeAverages() {
        let l = LoadAverage(parsing: Array("0.15 0.10 0.05 1/100 42\n".utf8))
        #expect(l.values == [0.15, 0.10, 0.05])
    }

    @Test(arguments: [
        ("3.125 2.3456789 1.999 1/1 1", [3.12, 2.35, 2.0]),
        ("1.009 0.1 10", [1.01, 0.1, 10]),
        ("1e2 0x10 +3", [100, 16, 3]),
        ("abc 1 2", [0, 0, 0]),
        ("1.5", [1.5, 0, 0]),
        ("", [0, 0, 0]),
    ])
    func roundedAsUptimePrintsThem(_ c: (String, [Double])) {
        #expect(LoadAverage(parsing: Array(c.0.utf8)).uptimeRounded.values == c.1)
    }

    @Test func readsThroughAFixtureRoot() throws {
        #expect(try LoadAverage.read(LocalFixtures.root("load/busy4")).values == [12.5, 7.25, 3.125])
        #expect(throws: SystemError.self) { try LoadAverage.read(SystemRoot(path: "/nonexistent")) }
    }

    @Test(arguments: [("0-3\n", 4), ("0,2-5,7\n", 6), ("0\n", 1), ("5-2\n", 0), ("", 0), ("x\n", 0), ("0-\n", 0), ("0-1,4-5", 4)])
    func onlineCPUList(_ c: (String, Int)) {
        #expect(CPUCount.parseOnlineList(Array(c.0.utf8)) == c.1)
    }

    @Test func cpuCountFallsBackToProcStat() throws {
        #expect(CPUCount.online(LocalFixtures.root("load/busy4")) == 4)
        #expect(CPUCount.online(LocalFixtures.root("load/sparse")) == 6)
        #expect(CPUCount.online(LocalFixtures.root("load/idle")) == 2)  // no sysfs: cpu0, cpu1 of /proc/stat
        #expect(CPUCount.parseProcStat(try LocalFixtures.bytes("load/idle/proc/stat")) == 2)
        #expect(CPUCount.online(SystemRoot(path: "/nonexistent")) == nil)
    }
}

struct SwapInfoTests {
    @Test func debian12MeminfoCountsCachedSwapAsFree() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-swap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("proc"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: LocalFixtures.directory.appendingPathComponent("swap/meminfo-debian12"),
                                         to: dir.appendingPathComponent("proc/meminfo"))
        let s = try SwapInfo.read(SystemRoot(path: dir.path))
        #expect(s.totalMB == 2047)  // 2097148 kB
        #expect(s.freeMB == 1025)  // 1048576 kB free + 1024 kB cached
        #expect(s.usedMB == 1022)
        #expect(s.devices.isEmpty)
        #expect(s.fields == [.init(name: "Cached", kB: 1024), .init(name: "Total", kB: 2097148), .init(name: "Free", kB: 1_048_576)])
    }

    @Test func noSwap() throws {
        let s = SwapInfo(parsing: try LocalFixtures.bytes("swap/meminfo-noswap"))
        #expect(s.totalMB == 0 && s.freeMB == 0)
        #expect(s.fields.map(\.name) == ["Cached", "Total", "Free"])
    }

    @Test func linux24SwapLinesAreDevicesAndTheLastOneIsTheTotal() throws {
        let s = SwapInfo(parsing: try LocalFixtures.bytes("swap/meminfo-linux24"))
        #expect(s.devices == [.init(totalMB: 2047, usedMB: 1024, freeMB: 1023), .init(totalMB: 1024, usedMB: 0, freeMB: 1024)])
        #expect(s.totalMB == 1024 && s.freeMB == 1024)
        #expect(s.fields.isEmpty)
    }

    @Test func oddLinesAsTheCPatternsReadThem() throws {
        // A value that does not parse repeats the previous one; SSwwap
        // matches; "Swaptotal" is read but not used; "100 MB" counts 100.
        let s = SwapInfo(parsing: try LocalFixtures.bytes("swap/meminfo-odd"))
        #expect(s.fields.map(\.name) == ["Total", "Free", "Cached", "total", "Free", "Free"])
        #expect(s.fields.map(\.kB) == [3_000_000, 3_000_000, 3_000_000, 5, 1000, 100])
        #expect(s.totalMB == 2929 && s.freeMB == 5858)
        #expect(s.usedMB == UInt64.max - 2928)  // wraps, as in C
    }

    @Test func mixedShapesAccumulateFreeOntoTheSwapLine() throws {
        let s = SwapInfo(parsing: try LocalFixtures.bytes("swap/meminfo-mixed"))
        #expect(s.devices.count == 1)
        #expect(s.totalMB == 2929 && s.freeMB == 1023 + 1953)
    }
}

struct UtmpTests {
    @Test func readsGlibcRecords() throws {
        let records = Utmp.parse(try LocalFixtures.bytes("utmp/utmp-3users"))
        #expect(records.count == 7)
        #expect(records.map(\.type) == [2, 1, 6, 7, 7, 7, 8])
        #expect(records.filter(\.isUserProcess).map(\.user) == ["user0", "user1", "user2"])
        let first = try #require(records.first { $0.isUserProcess })
        #expect(first.line == "pts/0" && first.id == "ts/0" && first.host == "192.0.2.0" && first.pid == 1000)
        #expect(first.seconds == 1_700_000_100)
        #expect(records[0].kind == .bootTime)
    }

    @Test func aShortRecordAtTheEndIsIgnored() throws {
        let bytes = try LocalFixtures.bytes("utmp/utmp-12users-truncated")
        #expect(bytes.count % Utmp.recordSize != 0)
        #expect(Utmp.parse(bytes).filter(\.isUserProcess).count == 12)
    }

    @Test func encodesAndReadsBack() {
        let r = UtmpRecord(type: 7, pid: 4242, line: "pts/12", id: "s/12", user: String(repeating: "u", count: 40),
                           host: "example.org", seconds: -5)
        let bytes = r.bytes
        #expect(bytes.count == Utmp.recordSize)
        var expected = r
        expected.user = String(repeating: "u", count: 32)  // cut to the field size
        #expect(Utmp.parse(bytes + [0, 1, 2]) == [expected])
    }

    @Test func missingFileReadsAsNoRecords() throws {
        #expect(Utmp.read(SystemRoot(path: "/nonexistent")).isEmpty)
        let root = LocalFixtures.root("utmp")
        #expect(Utmp.read(root, path: "/utmp-boot-only").count == 4)
    }
}

struct ProcessTableTests {
    @Test func parsesTheSampleLikeCheckProcs() throws {
        var parser = ProcessTable.Parser()
        let entries = try LocalFixtures.lines("procs/ps-sample.txt").dropFirst().compactMap { parser.parse($0) }
        #expect(entries.count == 6)
        #expect(entries[0] == ProcessEntry(stat: "Ss", uid: 0, pid: 5_000_001, ppid: 0, vsz: 1000, rss: 100, pcpu: 1.5,
                                           etime: "01:02", command: "sshd", args: "/usr/sbin/sshd -D"))
        #expect(entries[4].command == "apache2")  // /usr/bin/apache2 without its directory
        #expect(entries[5].command == "0:1")  // kworker/0:1, as base_name cuts it
        #expect(entries[2].args == "[defunct] <defunct>")
    }

    @Test func realCaptureParsesEveryLine() throws {
        var parser = ProcessTable.Parser()
        let lines = try LocalFixtures.lines("procs/ps-debian12.txt")
        let entries = lines.dropFirst().compactMap { parser.parse($0) }
        #expect(entries.count == lines.count - 1)
        #expect(entries.contains { $0.command == "kthreadd" && $0.ppid == 0 })
    }

    @Test func zombieWithoutCommandKeepsThePreviousFields() {
        var parser = ProcessTable.Parser()
        #expect(parser.parse("S 0 10 1 100 200 0.5 00:10 sh /bin/sh") != nil)
        let z = parser.parse("Z 5")
        #expect(z == ProcessEntry(stat: "Z", uid: 5, pid: 10, ppid: 1, vsz: 100, rss: 200, pcpu: 0.5, etime: "00:10",
                                  command: "", args: ""))
        #expect(parser.parse("") != nil)  // still "Z", as the C variables are
        #expect(parser.parse("S x") == nil)
        #expect(parser.parse("") == nil)
    }

    @Test func argsLoseTrailingBlanksAndCR() {
        var parser = ProcessTable.Parser()
        #expect(parser.parse("S 0 1 0 1 1 0.0 00:01 a/ /opt/a/ x \t\r")?.args == "/opt/a/ x")
        #expect(parser.parse("S 0 1 0 1 1 0.0 00:01 a")?.args == "")
    }

    @Test(arguments: [
        ("00:05", Int32(5)), ("01:02", 62), ("10:00:00", 36000), ("1-02:03:04", 93784), ("5", 0), ("",  0),
        ("2-00:00:00", 172_800), ("3-", 259_200), ("1:2:3:4", 0),
    ])
    func elapsedSeconds(_ c: (String, Int32)) {
        #expect(ProcessTable.elapsedSeconds(c.0) == c.1)
    }

    @Test func bogusDayCountIsNil() {
        #expect(ProcessTable.elapsedSeconds("49710-01:00:00") == nil)
    }

    @Test(arguments: [("kworker/0:1", "0:1"), ("/usr/bin/x", "x"), ("a/", "a/"), ("a//", "a/"), ("/", "/"), ("//", "/"),
                      ("", ""), ("sshd", "sshd"), ("a/b/", "b/")])
    func baseName(_ c: (String, String)) {
        #expect(ProcessTable.baseName(c.0) == c.1)
    }

    @Test func cpuKeyNeedsTheFieldsBeforeIt() {
        #expect(ProcessTable.cpuKey("R 0 1 0 5 5 43.6 00:01 x x") == 43.6)
        #expect(ProcessTable.cpuKey("STAT UID PID") == 0)
        #expect(ProcessTable.cpuKey("R 0 1 0 5 5") == 0)
    }

    @Test func executableIdentity() {
        let me = FileIdentity.executable(of: getpid(), root: .live)
        #expect(me != nil)
        #expect(me == FileIdentity(path: "/proc/self/exe"))
        #expect(FileIdentity.executable(of: Int32.max, root: .live) == nil)  // no such process
        #expect(FileIdentity.executable(of: getpid(), root: SystemRoot(path: "/nonexistent")) == nil)
    }
}

struct PasswdTests {
    static let file = """
        root:x:0:0:root:/root:/bin/bash
        # a comment
        www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
        +nisuser::::::
        broken:x:abc:1::/:/bin/sh
        short:x:5

        alias:x:33:33::/:/bin/sh
        """

    @Test func parsesAccountLines() {
        let bytes = Array(Self.file.utf8)
        let entries = Passwd.parse(bytes)
        #expect(entries.map(\.name) == ["root", "www-data", "alias"])
        #expect(entries[1] == PasswdEntry(name: "www-data", uid: 33, gid: 33, home: "/var/www", shell: "/usr/sbin/nologin"))
        // The first account with a uid wins, as getpwuid() finds it.
        #expect(Passwd.find(uid: 33, in: bytes)?.name == "www-data")
        #expect(Passwd.find(name: "alias", in: bytes)?.uid == 33)
        #expect(Passwd.find(name: "broken", in: bytes) == nil)
        #expect(Passwd.find(name: "nobody-here", in: bytes) == nil)
        #expect(Passwd.find(uid: 5, in: bytes) == nil)
    }

    @Test func looksUpThroughTheRootThenNSS() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-passwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("etc"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.file.write(to: dir.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
        let root = SystemRoot(path: dir.path)
        #expect(Passwd.user(named: "alias", root: root)?.uid == 33)
        // Not in the fixture: asked of the live system's NSS (getent), where root exists.
        #expect(Passwd.user(id: 0, root: SystemRoot(path: "/nonexistent"))?.name == "root")
        #expect(Passwd.user(named: "no-such-user-vigil", root: root) == nil)
        #expect(Passwd.user(named: "-x", root: root) == nil)
    }
}

struct FixedPointTests {
    /// glibc's own `%.*f`, the reference.
    func printf(_ v: Double, _ decimals: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        _ = withVaList([Int32(decimals), v]) { vsnprintf(&buffer, buffer.count, "%.*f", $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test(arguments: [0, 1, 2, 3])
    func matchesGlibcPrintf(_ decimals: Int) {
        var values: [Double] = [0, -0.0, 0.5, 1.5, 2.5, 0.125, 0.375, 2.675, 1.005, 3.125, 1.8125, 0.0005, 0.0015, 0.9995,
                                -0.001, -1.25, 0.07499999, 0.075, 12.5, 7.25, 1e-300, Double.leastNonzeroMagnitude,
                                123456789012.34, 4503599627370495.5, 9007199254740992, 1e15, 1e17, 1.7976931348623157e308, .infinity, -.infinity, .nan]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            values.append(Double(Int.random(in: -100_000...100_000, using: &generator)) / 1000 + 0.0005)
            values.append(Double.random(in: -1000...1000, using: &generator))
            values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator)))
        }
        for v in values {
            #expect(FixedPoint.format(v, decimals: decimals) == printf(v, decimals), "\(v)")
            if v.isFinite, abs(v) < 1e12 {
                #expect(FixedPoint.rounded(v, decimals: decimals) == Double(printf(v, decimals)), "\(v)")
            }
        }
    }
}
