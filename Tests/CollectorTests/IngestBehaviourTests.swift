import Collector
import Foundation
import RRD
import RRDTesting
import Testing

@Suite struct IngestBehaviourTests {
    @Test func hostileInputIsRejectedWithoutLosingTheRecordsAround() throws {
        let store = try TestStore(); defer { store.remove() }
        var lines: [[UInt8]] = []
        var expected: [Int: Double] = [:]
        func good(_ k: Int) {
            lines.append(Array(pnpLine(t0 + 60 * k, perfdata: "v=\(k)").utf8))
            expected[t0 + 60 * k] = Double(k)
        }
        let bad: [[UInt8]] = [
            Array("complete junk".utf8),
            Array("DATATYPE::SERVICEPERFDATA\tTIMET::17000\0\tHOSTNAME::h".utf8),
            [0, 0, 0, 0xFF, 0xFE, 0x09, 0x3A, 0x3A],
            Array(pnpLine(t0, perfdata: "'" + String(repeating: "x", count: 200_000) + "'=1").utf8),
            Array("DATATYPE::SERVICEPERFDATA\tTIMET::not-a-time\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::v=1".utf8),
            Array(pnpLine(t0, perfdata: "v=abc w=1..2 x=--3 y=1e z=NaN").utf8),
            Array(pnpLine(t0, perfdata: "'unterminated=1").utf8),
            Array(pnpLine(t0, perfdata: "=5 noequals").utf8),
        ]
        for k in 0..<8 {
            good(k)
            lines.append(bad[k])
        }
        good(8)
        // path tricks and odd names: each is its own metric, inside the directory
        let tricks = ["../../escape", "/", "..", ".", "a/b/../c", "'quoted''s'", "naïve ☃", "%2F", "with space", "@host"]
        var trickLine = ""
        for (n, name) in tricks.enumerated() {
            trickLine += "'\(name.replacingOccurrences(of: "'", with: "''"))'=\(n) "
        }
        lines.append(Array(pnpLine(t0, host: "../..", service: "../../tmp", perfdata: trickLine).utf8))
        lines.append(Array("DATATYPE::SERVICEPERFDATA\tTIMET::\(t0)\tHOSTNAME::h\0ost\tSERVICEDESC::s\0\tSERVICEPERFDATA::nul=1".utf8))
        var bytes: [UInt8] = []
        for l in lines { bytes += l + [0x0A] }
        let file = try writeFile(store.dir, "hostile", bytes)
        let s = try store.ingest([file])

        #expect(try store.series("h", "s", "v") .filter { expected[$0.key] != nil } == expected)
        #expect(s.failed == 0)
        #expect(s.rejectedRecords == 4) // junk, NUL in TIMET, binary, bad TIMET
        // 200 kB label; v=abc w x y z ("1e" is 1 with a unit 'e'? no: rejected); unterminated; '=5', noequals
        #expect(s.rejectedMetrics >= 7)
        let messages = store.log.messages.joined(separator: "\n")
        #expect(messages.contains("hostile:2: record rejected"))
        #expect(messages.contains("hostile:8: metric rejected: metric 'xxxx"))
        #expect(messages.contains("too long"))
        #expect(messages.contains("hostile:12: metric rejected: value is not a number: 'v=abc'"))
        // every trick stored under the directory, in one service file, each
        // in its own data source, names readable back from the path and the sidecar
        let files = store.files()
        let path = try store.rrd("../..", "../../tmp")
        #expect(path.hasPrefix(store.rrdDir + "/"))
        let rel = String(path.dropFirst(store.rrdDir.count + 1))
        #expect(files.contains(rel))
        let parts = rel.dropLast(".rrd".count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        #expect(parts.count == 2)
        #expect(parts.first.flatMap(MetricPath.decode) == Array("../..".utf8))
        #expect(parts.last.flatMap(MetricPath.decode) == Array("../../tmp".utf8))
        let sidecar = try #require(try store.sidecar("../..", "../../tmp"))
        #expect(sidecar.host == Array("../..".utf8) && sidecar.service == Array("../../tmp".utf8))
        let last = try RRDFile.lastUpdate(path: path).values
        #expect(last.count == tricks.count)
        #expect(Set(tricks.map(ServiceMetadata.dataSourceName(for:))).count == tricks.count)
        for (n, name) in tricks.enumerated() {
            let ds = ServiceMetadata.dataSourceName(for: name)
            #expect(last[ds] == .some(Double(n)), "\(name)")
            #expect(sidecar.metric(label: name)?.dataSource == ds, "\(name)")
        }
        #expect(sidecar.metrics.map(\.label) == tricks.map(Optional.some)) // in file order: as they came
        #expect(try RRDFile.last(path: store.rrd("h\0ost", "s\0")) == t0)
        // nothing outside the RRD directory
        let outside = try FileManager.default.contentsOfDirectory(atPath: store.dir.path).sorted()
        #expect(outside == ["hostile", "rrd"])
        // a service file and its sidecar per service, and the collector's sidecar cache
        var expectedFiles: [String] = []
        for (host, service) in [("h", "s"), ("../..", "../../tmp"), ("h\0ost", "s\0")] {
            let base = try store.view.serviceBase(host, service)
            expectedFiles += [base + ".meta", base + ".rrd"]
        }
        #expect(files.filter { !isSidecarCache($0) } == expectedFiles.sorted())
    }

    @Test func labelsAppearingDisappearingAndReorderedKeepTheirOwnHistory() throws {
        let store = try TestStore(); defer { store.remove() }
        let text = [
            pnpLine(t0, perfdata: "a=1 b=2"),
            pnpLine(t0 + 60, perfdata: "b=20 a=10"),
            pnpLine(t0 + 120, perfdata: "c=300 a=100"),
            pnpLine(t0 + 180, perfdata: "b=2000 c=3000 a=1000"),
        ].joined(separator: "\n")
        // in two runs, so that the later labels meet existing files
        let f1 = try writeFile(store.dir, "1", Array(text.split(separator: "\n")[0...1].joined(separator: "\n").utf8))
        let f2 = try writeFile(store.dir, "2", Array(text.split(separator: "\n")[2...3].joined(separator: "\n").utf8))
        try store.ingest([f1])
        let s = try store.ingest([f2])
        #expect(s.failed == 0 && s.rejects == 0 && s.stored == 5)
        let a = try store.series("h", "s", "a"), b = try store.series("h", "s", "b"), c = try store.series("h", "s", "c")
        #expect([a[t0], a[t0 + 60], a[t0 + 120], a[t0 + 180]] == [1, 10, 100, 1000])
        #expect([b[t0], b[t0 + 60]] == [2, 20])
        #expect(b[t0 + 180] == 2000)
        #expect([c[t0 + 120], c[t0 + 180]] == [300, 3000])
        #expect(c[t0].map { $0.isNaN } ?? true) // c did not exist yet
    }

    @Test func labelMissingForLongerThanTheHeartbeatIsUnknown() throws {
        let store = try TestStore(); defer { store.remove() }
        var lines: [String] = []
        for k in 0..<20 { lines.append(pnpLine(t0 + 60 * k, perfdata: k >= 3 && k < 18 ? "a=\(k)" : "a=\(k) b=\(k)")) }
        let f = try writeFile(store.dir, "f", Array(lines.joined(separator: "\n").utf8))
        try store.ingest([f])
        let b = try store.series("h", "s", "b", to: t0 + 60 * 20)
        #expect(b[t0 + 60 * 2] == 2)
        #expect(b[t0 + 60 * 10]?.isNaN == true) // 15 min gap > 900 s heartbeat: unknown, not interpolated
    }

    @Test func countersAcceptFractionsAndResets() throws {
        let store = try TestStore(); defer { store.remove() }
        let values = ["10.5", "70.5", "130.5", "0.25", "60.25"]
        let f = try writeFile(store.dir, "c", Array(values.enumerated().map { pnpLine(t0 + 60 * $0.offset, perfdata: "bytes=\($0.element)c") }.joined(separator: "\n").utf8))
        let s = try store.ingest([f])
        #expect(s.stored == 5 && s.rejects == 0)
        let r = try store.series("h", "s", "bytes")
        #expect(r[t0 + 60] == 1 && r[t0 + 120] == 1)
        #expect(r[t0 + 180]?.isNaN == true) // the reset: unknown, no spike
        #expect(r[t0 + 240] == 1)
    }

    @Test func repeatedAndOutOfOrderTimesAreDuplicates() throws {
        let store = try TestStore(); defer { store.remove() }
        let lines = [pnpLine(t0, perfdata: "v=1"), pnpLine(t0 + 60, perfdata: "v=2"), pnpLine(t0 + 60, perfdata: "v=99"),
                     pnpLine(t0 + 30, perfdata: "v=98"), pnpLine(t0 + 120, perfdata: "v=3")]
        let f = try writeFile(store.dir, "f", Array(lines.joined(separator: "\n").utf8))
        let s1 = try store.ingest([f])
        #expect(s1.stored == 3 && s1.duplicates == 2 && s1.rejects == 0 && s1.failed == 0)
        let s2 = try store.ingest([f])
        #expect(s2.stored == 0 && s2.duplicates == 5 && s2.failed == 0)
        // small batches: the same, across batch boundaries
        let s3 = try store.ingest([f], batchSize: 1)
        #expect(s3.stored == 0 && s3.duplicates == 5 && s3.failed == 0)
        let v = try store.series("h", "s", "v")
        #expect([v[t0], v[t0 + 60], v[t0 + 120]] == [1, 2, 3])
    }

    @Test func sidecarIsRewrittenOnlyWhenItChanges() throws {
        let store = try TestStore(); defer { store.remove() }
        func run(_ k: Int, _ perf: String) throws {
            let f = try writeFile(store.dir, "f\(k)", Array(pnpLine(t0 + 60 * k, perfdata: perf).utf8))
            let s = try store.ingest([f])
            #expect(s.stored == 1 && s.failed == 0)
        }
        let meta = try store.meta("h", "s")
        func inode() throws -> Int { (try FileManager.default.attributesOfItem(atPath: meta)[.systemFileNumber] as? Int) ?? -1 }
        func dataSource() throws -> RRDDataSource? {
            try RRDFile.info(path: store.rrd("h", "s")).dataSources.first { $0.name == "v" }
        }
        try run(0, "v=1MB;5;10;0;100")
        let first = try inode()
        try run(1, "v=2MB;5;10;0;100")
        try run(2, "v=3MB;5;10;0;100")
        #expect(try inode() == first)
        #expect(try store.sidecar("h", "s")?.lastSeen == Double(t0))
        // thresholds change: rewritten
        try run(3, "v=4MB;6;12;0;100")
        #expect(try inode() != first)
        let s = try #require(try store.sidecar("h", "s"))
        let m = try #require(s.metric(label: "v"))
        #expect(m.warning == "6" && m.critical == "12" && s.firstSeen == Double(t0) && s.lastSeen == Double(t0 + 180))
        #expect(s.metrics.count == 1 && s.checkCommand == Array("check_x".utf8))
        // max changes: the RRD's limit follows
        try run(4, "v=150MB;6;12;0;200")
        #expect(try dataSource()?.maximum == 200)
        #expect(try store.metric("h", "s", "v")?.maximum == 200)
        #expect(try store.series("h", "s", "v")[t0 + 240] == 150)
        // becomes a counter: the data source type follows
        try run(5, "v=1000c")
        #expect(try dataSource()?.kind == .dderive)
        #expect(try store.metric("h", "s", "v")?.dataSourceType == "DDERIVE")
        // nothing changes again: not rewritten
        let counter = try inode()
        try run(6, "v=1060c")
        #expect(try inode() == counter)
    }

    /// The collector remembers the sidecars it read or wrote, but only while
    /// the file is unchanged: a sidecar rewritten or deleted by someone
    /// else between two batches (or two runs) is read again and put right.
    @Test func sidecarChangedByAnotherWriterBetweenBatchesIsReadAgain() throws {
        let store = try TestStore(); defer { store.remove() }
        let i = try store.ingester()
        let meta = try store.meta("h", "s")
        func warning() throws -> String? { try store.metric("h", "s", "v")?.warning }
        func batch(_ k: Int) throws {
            let f = try writeFile(store.dir, "f\(k)", Array(pnpLine(t0 + 60 * k, perfdata: "v=\(k)MB;5;10;0;100").utf8))
            try i.ingest(path: f)
            let s = i.flush()
            #expect(s.stored == 1 && s.failed == 0)
        }
        try batch(0)
        try batch(1)
        // another writer replaces it (other thresholds): put back as the perfdata says
        var other = try #require(ServiceMetadata.read(path: meta))
        #expect(other.metrics.count == 1 && other.metrics.first?.warning == "5")
        other.metrics[0].warning = "7"
        try Data(other.serialized()).write(to: URL(fileURLWithPath: meta))
        #expect(try warning() == "7")
        try batch(2)
        #expect(try warning() == "5")
        // the same size, edited in place: read again too (a change within
        // the file system's timestamp tick of the last write would not be
        // seen: the test waits for the next one)
        usleep(50_000)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: meta))
        let edited = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "warning=5", with: "warning=6")
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: meta))
        try h.write(contentsOf: Data(edited.utf8))
        try h.close()
        #expect(try warning() == "6")
        try batch(3)
        #expect(try warning() == "5")
        // deleted: written anew
        try FileManager.default.removeItem(atPath: meta)
        try batch(4)
        #expect(try warning() == "5")
        #expect(try store.series("h", "s", "v")[t0 + 240] == 4)
        // what it remembers is kept for the next run (.vigil-sidecars-…),
        // which reads a sidecar changed in between again too
        other.metrics[0].warning = "8"
        try Data(other.serialized()).write(to: URL(fileURLWithPath: meta))
        let f = try writeFile(store.dir, "f5", Array(pnpLine(t0 + 300, perfdata: "v=5MB;5;10;0;100").utf8))
        let s = try store.ingest([f])
        #expect(s.stored == 1 && s.failed == 0)
        #expect(try warning() == "5")
        #expect(store.files().contains(where: isSidecarCache))
    }

    /// The sidecar cache is a shortcut only: damaged or describing other
    /// files, it costs reads, never values or sidecars.
    @Test(arguments: [Array("garbage".utf8), Array("vigil-collector sidecar cache 2\n".utf8) + [0xFF, 0x7F, 1, 2, 3], []])
    func aDamagedSidecarCacheCostsNothing(cache: [UInt8]) throws {
        let store = try TestStore(); defer { store.remove() }
        func run(_ k: Int, _ perfdata: String) throws -> IngestSummary {
            try store.ingest([try writeFile(store.dir, "f\(k)", Array(pnpLine(t0 + 60 * k, perfdata: perfdata).utf8))])
        }
        _ = try run(0, "a=1;5 b=2")
        let caches = store.files().filter(isSidecarCache)
        #expect(caches == [".vigil-sidecars-0-of-1"])
        for c in caches { try Data(cache).write(to: URL(fileURLWithPath: "\(store.rrdDir)/\(c)")) }
        let s = try run(1, "b=20 a=10;6")
        #expect(s.stored == 2 && s.failed == 0)
        #expect(try store.metric("h", "s", "a")?.warning == "6")
        #expect(values(try store.series("h", "s", "a"), 0...1) == [1, 10])
        #expect(values(try store.series("h", "s", "b"), 0...1) == [2, 20])
    }

    /// A cache from an earlier state of the tree (restored from a backup,
    /// left by a run that was killed) describes sidecars that have changed
    /// since: they are read again, not believed.
    @Test func aStaleSidecarCacheIsNotBelieved() throws {
        let store = try TestStore(); defer { store.remove() }
        func run(_ k: Int, _ perfdata: String) throws {
            let s = try store.ingest([try writeFile(store.dir, "f\(k)", Array(pnpLine(t0 + 60 * k, perfdata: perfdata).utf8))])
            #expect(s.stored == 1 && s.failed == 0)
        }
        try run(0, "a=1;5")
        let cache = "\(store.rrdDir)/.vigil-sidecars-0-of-1"
        let saved = try Data(contentsOf: URL(fileURLWithPath: cache))
        try run(1, "a=2;6")
        #expect(try store.metric("h", "s", "a")?.warning == "6")
        try saved.write(to: URL(fileURLWithPath: cache))
        // the perfdata says again what the old cache remembers: the sidecar must follow
        try run(2, "a=3;5")
        #expect(try store.metric("h", "s", "a")?.warning == "5")
    }

    @Test func staleTemporariesOfKilledRunsAreRemoved() throws {
        let store = try TestStore(); defer { store.remove() }
        // the directory a new service file goes into: the host's
        let dir = store.rrdDir + "/h"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, age) in [(".vigil-create-1-2", 7_200), (".vigil-write-3-4", 7_200), (".vigil-create-5-6", 10), (".other", 7_200)] {
            _ = FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data("x".utf8))
            var times = [timespec(tv_sec: time(nil) - age, tv_nsec: 0), timespec(tv_sec: time(nil) - age, tv_nsec: 0)]
            _ = utimensat(AT_FDCWD, "\(dir)/\(name)", &times, 0)
        }
        let f = try writeFile(store.dir, "f", Array(pnpLine(t0, perfdata: "new=1").utf8))
        try store.ingest([f])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == [".other", ".vigil-create-5-6", "s.meta", "s.rrd"])
    }

    @Test func configurableRetention() throws {
        let store = try TestStore(); defer { store.remove() }
        let schema = StorageSchema(step: 300, heartbeat: 600, archives: [try #require(StorageSchema.parseArchive("AVERAGE:1:100")),
                                                                         try #require(StorageSchema.parseArchive("RRA:MAX:0.3:12:10"))])
        let i = try store.ingester(schema: schema)
        let f = try writeFile(store.dir, "f", Array(pnpLine(t0, perfdata: "v=1").utf8))
        try i.ingest(path: f)
        _ = i.flush()
        let info = try RRDFile.info(path: store.rrd("h", "s"))
        #expect(info.step == 300)
        #expect(info.archives == [RRDArchive(.average, steps: 1, rows: 100), RRDArchive(.maximum, xff: 0.3, steps: 12, rows: 10)])
        #expect(info.dataSources.first?.heartbeat == 600)
    }

    @Test func defaultRetentionIsFitForAnalytics() {
        let a = StorageSchema().archives
        let step = StorageSchema().step
        func span(_ cf: RRDConsolidation, resolution: Int) -> Int {
            a.filter { $0.consolidation == cf && $0.steps * step <= resolution }.map { $0.steps * step * $0.rows }.max() ?? 0
        }
        #expect(span(.average, resolution: 60) >= 2 * 86_400)
        #expect(span(.average, resolution: 300) >= 56 * 86_400)
        #expect(span(.minimum, resolution: 3_600) >= 365 * 86_400)
        #expect(span(.maximum, resolution: 3_600) >= 365 * 86_400)
        #expect(span(.average, resolution: 86_400) >= 5 * 365 * 86_400)
    }
}
