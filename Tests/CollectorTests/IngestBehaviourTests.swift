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
        // every trick stored under the directory, each in its own file, names readable back
        let files = store.files()
        for (n, name) in tricks.enumerated() {
            let path = store.rrd("../..", "../../tmp", name)
            #expect(path.hasPrefix(store.rrdDir + "/"))
            #expect(try RRDFile.lastUpdate(path: path).values["value"] == .some(Double(n)), "\(name)")
            let rel = String(path.dropFirst(store.rrdDir.count + 1))
            #expect(files.contains(rel))
            #expect(MetricPath.parse(relativePath: rel)?.label == Array(name.utf8))
        }
        #expect(try RRDFile.last(path: store.rrd("h\0ost", "s\0", "nul")) == t0)
        // nothing outside the RRD directory
        let outside = try FileManager.default.contentsOfDirectory(atPath: store.dir.path).sorted()
        #expect(outside == ["hostile", "rrd"])
        #expect(files.allSatisfy { $0.hasSuffix(".rrd") || $0.hasSuffix(".meta") })
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
        let meta = store.rrd("h", "s", "v").replacingOccurrences(of: ".rrd", with: ".meta")
        func inode() throws -> Int { (try FileManager.default.attributesOfItem(atPath: meta)[.systemFileNumber] as? Int) ?? -1 }
        try run(0, "v=1MB;5;10;0;100")
        let first = try inode()
        try run(1, "v=2MB;5;10;0;100")
        try run(2, "v=3MB;5;10;0;100")
        #expect(try inode() == first)
        #expect(MetricMetadata.read(path: meta)?.lastSeen == Double(t0))
        // thresholds change: rewritten
        try run(3, "v=4MB;6;12;0;100")
        #expect(try inode() != first)
        let m = try #require(MetricMetadata.read(path: meta))
        #expect(m.warning == "6" && m.critical == "12" && m.firstSeen == Double(t0) && m.lastSeen == Double(t0 + 180))
        // max changes: the RRD's limit follows
        try run(4, "v=150MB;6;12;0;200")
        #expect(try RRDFile.info(path: store.rrd("h", "s", "v")).dataSources.first?.maximum == 200)
        #expect(try store.series("h", "s", "v")[t0 + 240] == 150)
        // becomes a counter: the data source type follows
        try run(5, "v=1000c")
        #expect(try RRDFile.info(path: store.rrd("h", "s", "v")).dataSources.first?.kind == .dderive)
        #expect(MetricMetadata.read(path: meta)?.dataSourceType == "DDERIVE")
    }

    /// One ingester remembers the sidecars it read or wrote, but only while
    /// the file is unchanged: a sidecar rewritten or deleted by someone
    /// else between two batches is read again and put right.
    @Test func sidecarChangedByAnotherWriterBetweenBatchesIsReadAgain() throws {
        let store = try TestStore(); defer { store.remove() }
        let i = try store.ingester()
        let meta = store.rrd("h", "s", "v").replacingOccurrences(of: ".rrd", with: ".meta")
        func batch(_ k: Int) throws {
            let f = try writeFile(store.dir, "f\(k)", Array(pnpLine(t0 + 60 * k, perfdata: "v=\(k)MB;5;10;0;100").utf8))
            try i.ingest(path: f)
            let s = i.flush()
            #expect(s.stored == 1 && s.failed == 0)
        }
        try batch(0)
        try batch(1)
        // another writer replaces it (other thresholds): put back as the perfdata says
        var other = try #require(MetricMetadata.read(path: meta))
        other.warning = "7"
        try Data(other.serialized()).write(to: URL(fileURLWithPath: meta))
        try batch(2)
        #expect(MetricMetadata.read(path: meta)?.warning == "5")
        // the same size, edited in place: read again too (a change within
        // the file system's timestamp tick of the last write would not be
        // seen: the test waits for the next one)
        usleep(50_000)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: meta))
        let edited = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "warning=5", with: "warning=6")
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: meta))
        try h.write(contentsOf: Data(edited.utf8))
        try h.close()
        try batch(3)
        #expect(MetricMetadata.read(path: meta)?.warning == "5")
        // deleted: written anew
        try FileManager.default.removeItem(atPath: meta)
        try batch(4)
        #expect(MetricMetadata.read(path: meta)?.warning == "5")
        #expect(try store.series("h", "s", "v")[t0 + 240] == 4)
    }

    @Test func staleTemporariesOfKilledRunsAreRemoved() throws {
        let store = try TestStore(); defer { store.remove() }
        let dir = store.rrdDir + "/h/s"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, age) in [(".vigil-create-1-2", 7_200), (".vigil-write-3-4", 7_200), (".vigil-create-5-6", 10), (".other", 7_200)] {
            _ = FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data("x".utf8))
            var times = [timespec(tv_sec: time(nil) - age, tv_nsec: 0), timespec(tv_sec: time(nil) - age, tv_nsec: 0)]
            _ = utimensat(AT_FDCWD, "\(dir)/\(name)", &times, 0)
        }
        let f = try writeFile(store.dir, "f", Array(pnpLine(t0, perfdata: "new=1").utf8))
        try store.ingest([f])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == [".other", ".vigil-create-5-6", "new.meta", "new.rrd"])
    }

    @Test func configurableRetention() throws {
        let store = try TestStore(); defer { store.remove() }
        let schema = StorageSchema(step: 300, heartbeat: 600, archives: [try #require(StorageSchema.parseArchive("AVERAGE:1:100")),
                                                                         try #require(StorageSchema.parseArchive("RRA:MAX:0.3:12:10"))])
        let i = try store.ingester(schema: schema)
        let f = try writeFile(store.dir, "f", Array(pnpLine(t0, perfdata: "v=1").utf8))
        try i.ingest(path: f)
        _ = i.flush()
        let info = try RRDFile.info(path: store.rrd("h", "s", "v"))
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
