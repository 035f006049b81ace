import Collector
import Foundation
import RRD
import RRDTesting
import Testing

/// The data-source name of a label as `ServiceMetadata.dataSourceName`
/// documents it, computed here independently: `_` and the 64-bit FNV-1a
/// hash of the label's UTF-8 bytes in 16 lower-case hex digits.
func generatedDataSourceName(_ label: String) -> String {
    var h: UInt64 = 14_695_981_039_346_656_037
    for b in label.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
    let hex = String(h, radix: 16)
    return "_" + String(repeating: "0", count: 16 - hex.count) + hex
}

/// Where a test's collector writes: librrd directly into a fresh
/// directory, or through a real rrdcached (its base directory).
final class StoreUnderTest {
    let store: TestStore
    let daemon: RRDCachedDaemon?
    /// For reading through the daemon (fetch flushes first).
    let client: RRDCachedClient?
    let rrdDir: String

    init(daemon useDaemon: Bool) throws {
        store = try TestStore()
        if useDaemon {
            let d = try RRDCachedDaemon()
            daemon = d
            client = try RRDCachedClient(d.address)
            rrdDir = d.baseDirectory
        } else {
            daemon = nil
            client = nil
            rrdDir = store.rrdDir
        }
    }

    var view: TestStoreView { TestStoreView(rrdDir: rrdDir) }
    var log: LogCapture { store.log }

    func ingester() throws -> Ingester {
        try Ingester(options: CollectorOptions(rrdDirectory: rrdDir, daemon: daemon?.address), logger: store.log.logger)
    }

    private var fileCount = 0

    /// Writes `lines` to a new input file and stores it with `ingester`
    /// (a new one when `nil`).
    func ingest(_ lines: [String], with ingester: Ingester? = nil) throws -> IngestSummary {
        fileCount += 1
        let f = try writeFile(store.dir, "input\(fileCount)", Array(lines.joined(separator: "\n").utf8))
        let i = try ingester ?? self.ingester()
        try i.ingest(path: f)
        return i.flush()
    }

    func series(_ host: String, _ service: String?, _ label: String) throws -> [Int: Double] {
        try view.series(host, service, label, daemon: client)
    }

    /// The data-source names of the service file, in file order.
    func dataSources(_ host: String, _ service: String?) throws -> [String] {
        let path = try view.rrd(host, service)
        if let client { try client.flush(path) }
        return try RRDFile.info(path: path).dataSources.map(\.name)
    }

    func remove() {
        client?.close()
        daemon?.stop()
        store.remove()
    }
}

/// Values at `t0 + 60 k` for k in `steps` (nil = absent from the fetch).
func values(_ series: [Int: Double], _ steps: ClosedRange<Int>) -> [Double?] {
    steps.map { series[t0 + 60 * $0] }
}

/// Compares with NaN equal to NaN.
func same(_ a: [Double?], _ b: [Double?]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in x == y || (x?.isNaN == true && y?.isNaN == true) }
}

@Suite struct ServiceFileTests {
    @Test func dataSourceNamesAreTheLabelOrAHashOfIt() {
        #expect(ServiceMetadata.dataSourceName(for: "load1") == "load1")
        #expect(ServiceMetadata.dataSourceName(for: "1min") == "1min")
        #expect(ServiceMetadata.dataSourceName(for: "in_octets") == "in_octets")
        #expect(ServiceMetadata.dataSourceName(for: String(repeating: "a", count: 19)) == String(repeating: "a", count: 19))
        for label in ["/var", "used space", "_x", "_", String(repeating: "a", count: 20), "naïve", "a-b", "a.b", "%2F"] {
            let name = ServiceMetadata.dataSourceName(for: label)
            #expect(name == generatedDataSourceName(label), "\(label)")
            #expect(RRDDataSource.isValidName(name) && name.utf8.count == 17, "\(label)")
        }
        // a generated name is never a kept label's name (kept names start with a letter or digit)
        let generated = ServiceMetadata.dataSourceName(for: "used space")
        #expect(ServiceMetadata.dataSourceName(for: generated) != generated)
    }

    /// One file per service, a data source per label in the order the
    /// labels came, generated names for labels librrd cannot take, and a
    /// sidecar listing them in that order with what the perfdata said.
    @Test func aServiceFileHasADataSourcePerLabelListedInTheSidecar() throws {
        let store = try TestStore(); defer { store.remove() }
        let first = "load1=0.5;1;2;0 '/var'=2048MB;3000;3500;0;4096 'used space'=75%;80;90;0;100 _x=3c"
        let second = "_x=63c 'used space'=76%;80;90;0;100 load1=0.75;1;2;0 '/var'=2049MB;3000;3500;0;4096"
        let f = try writeFile(store.dir, "f", Array([pnpLine(t0, perfdata: first), pnpLine(t0 + 60, perfdata: second)]
            .joined(separator: "\n").utf8))
        let s = try store.ingest([f])
        #expect(s.records == 2 && s.stored == 8 && s.duplicates == 0 && s.rejects == 0 && s.failed == 0)
        #expect(store.files().filter { !isSidecarCache($0) } == ["h/s.meta", "h/s.rrd"])

        let labels = ["load1", "/var", "used space", "_x"]
        let names = ["load1", generatedDataSourceName("/var"), generatedDataSourceName("used space"), generatedDataSourceName("_x")]
        #expect(labels.map(ServiceMetadata.dataSourceName(for:)) == names)
        let info = try RRDFile.info(path: store.rrd("h", "s"))
        #expect(info.dataSources.map(\.name) == names)
        #expect(info.dataSources.map(\.kind) == [.gauge, .gauge, .gauge, .dderive])
        #expect(info.dataSources.map(\.minimum) == [0, 0, 0, 0])
        #expect(info.dataSources.map(\.maximum) == [nil, 4096, 100, nil])

        let sidecar = try #require(try store.sidecar("h", "s"))
        #expect(sidecar.host == Array("h".utf8) && sidecar.service == Array("s".utf8))
        #expect(sidecar.checkCommand == Array("check_x".utf8))
        #expect(sidecar.firstSeen == Double(t0) && sidecar.lastSeen == Double(t0 + 60))
        #expect(sidecar.metrics == [
            ServiceMetadata.Metric(dataSource: names[0], label: "load1", uom: "", warning: "1", critical: "2", minimum: 0),
            ServiceMetadata.Metric(dataSource: names[1], label: "/var", uom: "MB", warning: "3000", critical: "3500",
                                   minimum: 0, maximum: 4096),
            ServiceMetadata.Metric(dataSource: names[2], label: "used space", uom: "%", warning: "80", critical: "90",
                                   minimum: 0, maximum: 100),
            ServiceMetadata.Metric(dataSource: names[3], label: "_x", uom: "c", dataSourceType: "DDERIVE"),
        ])
        // the text: a metric= line per data source, in file order
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: store.meta("h", "s"))), as: UTF8.self)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("metric=") } == names.map { "metric=\($0)"[...] })
        #expect(text.contains("metric=\(names[2])\nlabel=used%20space\nuom=%25\n"))

        // each label's values in its own column, whatever the order in the record
        #expect(values(try store.series("h", "s", "load1"), 0...1) == [0.5, 0.75])
        #expect(values(try store.series("h", "s", "/var"), 0...1) == [2048, 2049])
        #expect(values(try store.series("h", "s", "used space"), 0...1) == [75, 76])
        #expect(try store.series("h", "s", "_x")[t0 + 60] == 1) // (63 - 3) / 60 s
    }

    /// A label new to an existing file gets a data source appended to it
    /// (rrd_tune) with the other labels' history intact; a label missing
    /// from a record is unknown for it; labels in another order keep their
    /// own history (PNP4Nagios stores by position and mixes them up).
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func labelsAppearingDisappearingAndReordered(daemon: Bool, oneIngester: Bool) throws {
        let t = try StoreUnderTest(daemon: daemon); defer { t.remove() }
        let shared = oneIngester ? try t.ingester() : nil
        let s1 = try t.ingest([pnpLine(t0, perfdata: "a=1 'used space'=2"), pnpLine(t0 + 60, perfdata: "'used space'=20 a=10")],
                              with: shared)
        #expect(s1.stored == 4 && s1.failed == 0 && s1.duplicates == 0)
        let used = generatedDataSourceName("used space")
        #expect(try t.dataSources("h", "s") == ["a", used])
        // readers other than the collector (check_baseline as nagios) keep reading it
        let rrd = try t.view.rrd("h", "s")
        #expect(chmod(rrd, 0o644) == 0)

        // c is new and comes first; 'used space' is missing, then back in another order
        let s2 = try t.ingest([pnpLine(t0 + 120, perfdata: "c=300 a=100"),
                               pnpLine(t0 + 180, perfdata: "'used space'=2000 c=3000 a=1000")], with: shared)
        #expect(s2.stored == 5 && s2.failed == 0 && s2.duplicates == 0 && s2.rejects == 0)
        #expect(try t.dataSources("h", "s") == ["a", used, "c"])
        #expect(t.log.messages.filter { $0.contains("data sources added: DS:c:GAUGE") }.count == 1)
        var st = stat()
        #expect(stat(rrd, &st) == 0 && st.st_mode & 0o777 == 0o644)

        #expect(values(try t.series("h", "s", "a"), 0...3) == [1, 10, 100, 1000])
        #expect(same(values(try t.series("h", "s", "used space"), 0...3), [2, 20, .nan, 2000]))
        #expect(same(values(try t.series("h", "s", "c"), 0...3), [.nan, .nan, 300, 3000]))
        #expect(try t.view.sidecar("h", "s")?.metrics.map(\.label) == ["a", "used space", "c"])

        // and once more, every label in yet another order, one of them missing
        let s3 = try t.ingest([pnpLine(t0 + 240, perfdata: "c=3 'used space'=2")], with: shared)
        #expect(s3.stored == 2 && s3.failed == 0)
        #expect(try t.dataSources("h", "s") == ["a", used, "c"])
        #expect(same(values(try t.series("h", "s", "a"), 3...4), [1000, .nan]))
        #expect(values(try t.series("h", "s", "used space"), 3...4) == [2000, 2])
        #expect(values(try t.series("h", "s", "c"), 3...4) == [3000, 3])
    }

    /// The data-source names depend on the labels alone, so a sidecar that
    /// was deleted is rebuilt from the file and the next records; a label
    /// those records lack stays in the file, unlabelled, until it comes again.
    @Test(arguments: [false, true])
    func aLostSidecarIsRebuiltWithoutMixingLabels(daemon: Bool) throws {
        let t = try StoreUnderTest(daemon: daemon); defer { t.remove() }
        let shared = try t.ingester()
        _ = try t.ingest([pnpLine(t0, perfdata: "'/var'=1 'used space'=2 load1=3")], with: shared)
        let names = [generatedDataSourceName("/var"), generatedDataSourceName("used space"), "load1"]
        #expect(try t.dataSources("h", "s") == names)
        try FileManager.default.removeItem(atPath: t.view.meta("h", "s"))

        // the same ingester (which remembers the sidecar it wrote) and a new one
        let s2 = try t.ingest([pnpLine(t0 + 60, perfdata: "load1=30 '/var'=10")], with: shared)
        #expect(s2.stored == 2 && s2.failed == 0)
        let rebuilt = try #require(try t.view.sidecar("h", "s"))
        #expect(rebuilt.metrics.map(\.dataSource) == names)
        #expect(rebuilt.metrics.map(\.label) == ["/var", nil, "load1"])
        #expect(rebuilt.metric(label: "/var")?.dataSource == names[0])
        #expect(try t.dataSources("h", "s") == names) // nothing added

        try FileManager.default.removeItem(atPath: t.view.meta("h", "s"))
        let s3 = try t.ingest([pnpLine(t0 + 120, perfdata: "'used space'=200 load1=300 '/var'=100")])
        #expect(s3.stored == 3 && s3.failed == 0)
        #expect(try t.view.sidecar("h", "s")?.metrics.map(\.label) == ["/var", "used space", "load1"])
        #expect(try t.dataSources("h", "s") == names)
        #expect(values(try t.series("h", "s", "/var"), 0...2) == [1, 10, 100])
        #expect(same(values(try t.series("h", "s", "used space"), 0...2), [2, .nan, 200]))
        #expect(values(try t.series("h", "s", "load1"), 0...2) == [3, 30, 300])
        #expect(!t.log.messages.contains { $0.contains("data sources added") })
    }

    /// A service file deleted by hand behind its sidecar is made anew, with
    /// the sidecar's data sources in its order: directly at once; through
    /// rrdcached the batch that meets the missing file fails (its values
    /// are not stored, so a spool file would be kept and retried) and the
    /// next one makes the file, also in the process that remembers the
    /// sidecar.
    @Test(arguments: [false, true])
    func aServiceFileDeletedBehindItsSidecarIsMadeAnew(daemon: Bool) throws {
        let t = try StoreUnderTest(daemon: daemon); defer { t.remove() }
        let shared = try t.ingester()
        _ = try t.ingest([pnpLine(t0, perfdata: "'/var'=1 load1=3")], with: shared)
        _ = try t.ingest([pnpLine(t0 + 60, perfdata: "'/var'=2 load1=4")], with: shared)
        let names = [generatedDataSourceName("/var"), "load1"]
        if let client = t.client { try client.forget(try t.view.rrd("h", "s")) }
        try FileManager.default.removeItem(atPath: try t.view.rrd("h", "s"))

        // labels as before: the sidecar is known, not read again
        var s = try t.ingest([pnpLine(t0 + 120, perfdata: "'/var'=3 load1=5")], with: shared)
        if daemon {
            #expect(s.stored == 0 && s.failed == 2, "\(s) \(t.log.messages.suffix(3))")
            s = try t.ingest([pnpLine(t0 + 120, perfdata: "'/var'=3 load1=5")], with: shared)
        }
        #expect(s.stored == 2 && s.failed == 0, "\(s) \(t.log.messages.suffix(3))")
        #expect(try t.dataSources("h", "s") == names)
        #expect(values(try t.series("h", "s", "/var"), 2...2) == [3])
        #expect(values(try t.series("h", "s", "load1"), 2...2) == [5])
        // a new process (no memory of the sidecar) finds the file missing before writing
        try FileManager.default.removeItem(atPath: try t.view.rrd("h", "s"))
        if let client = t.client { try client.forget(try t.view.rrd("h", "s")) }
        try FileManager.default.removeItem(atPath: "\(t.rrdDir)/.vigil-sidecars-0-of-1")
        let s2 = try t.ingest([pnpLine(t0 + 180, perfdata: "'/var'=4 load1=6")])
        #expect(s2.stored == 2 && s2.failed == 0)
        #expect(values(try t.series("h", "s", "load1"), 3...3) == [6])
        #expect(t.log.messages.contains { $0.contains("made anew") })
    }

    /// A sidecar left behind by a crash between adding a data source and
    /// writing the sidecar lists fewer labels than the file has: the file
    /// is the truth, the next records go to their own data sources.
    @Test func aSidecarOlderThanItsFileIsPutRight() throws {
        let store = try TestStore(); defer { store.remove() }
        func run(_ k: Int, _ perfdata: String) throws -> IngestSummary {
            try store.ingest([try writeFile(store.dir, "f\(k)", Array(pnpLine(t0 + 60 * k, perfdata: perfdata).utf8))])
        }
        _ = try run(0, "a=1 b=2")
        let meta = try store.meta("h", "s")
        let before = try Data(contentsOf: URL(fileURLWithPath: meta))
        _ = try run(1, "a=10 b=20 c=30")
        #expect(try RRDFile.info(path: store.rrd("h", "s")).dataSources.map(\.name) == ["a", "b", "c"])
        try before.write(to: URL(fileURLWithPath: meta))
        #expect(try store.sidecar("h", "s")?.metrics.map(\.label) == ["a", "b"])
        let s = try run(2, "c=300 a=100")
        #expect(s.stored == 2 && s.failed == 0)
        #expect(try RRDFile.info(path: store.rrd("h", "s")).dataSources.map(\.name) == ["a", "b", "c"])
        #expect(try store.sidecar("h", "s")?.metrics.map(\.label) == ["a", "b", "c"])
        #expect(values(try store.series("h", "s", "a"), 0...2) == [1, 10, 100])
        #expect(same(values(try store.series("h", "s", "b"), 0...2), [2, 20, .nan]))
        #expect(same(values(try store.series("h", "s", "c"), 0...2), [.nan, 30, 300]))
    }

    /// A service stored one file per metric by an older version (a
    /// directory `host/service/` with `label.rrd` + `label.meta`, data
    /// source `value`) keeps that layout: its files go on, a new label gets
    /// a file of its own there, and no service file appears.
    @Test(arguments: [false, true])
    func anOlderPerMetricTreeKeepsItsLayout(daemon: Bool) throws {
        let t = try StoreUnderTest(daemon: daemon); defer { t.remove() }
        let schema = StorageSchema()
        let old = try t.view.metricFile("h", "s", "used space")
        try FileManager.default.createDirectory(atPath: (old as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try RRDFile.create(path: old, step: schema.step, start: t0 - 60,
                           dataSources: [schema.dataSource(uom: "%", minimum: 0, maximum: 100)], archives: schema.archives)
        try RRDFile.update(path: old, values: ["\(t0):1"])
        let oldMeta = MetricMetadata(host: Array("h".utf8), service: Array("s".utf8), label: "used space", uom: "%", warning: nil,
                                     critical: nil, minimum: 0, maximum: 100, checkCommand: Array("check_x".utf8),
                                     dataSourceType: "GAUGE", firstSeen: Double(t0), lastSeen: Double(t0))
        let metaPath = String(old.dropLast(".rrd".count)) + ".meta"
        try Data(oldMeta.serialized()).write(to: URL(fileURLWithPath: metaPath))

        let lines = [pnpLine(t0 + 60, perfdata: "'used space'=2%;80;90;0;100 b=3"),
                     pnpLine(t0 + 120, perfdata: "b=4 'used space'=5%;80;90;0;100")]
        let s = try t.ingest(lines)
        #expect(s.stored == 4 && s.failed == 0 && s.duplicates == 0)
        #expect(t.view.files().filter { !isSidecarCache($0) }
                == ["h/s/b.meta", "h/s/b.rrd", "h/s/used%20space.meta", "h/s/used%20space.rrd"])
        func column(_ label: String) throws -> [Double?] {
            let path = try t.view.metricFile("h", "s", label)
            let r = try RRDFile.fetch(path: path, start: t0 - 120, end: t0 + 600, resolution: 60, daemon: t.client)
            #expect(r.dsNames == [StorageSchema.dataSourceName])
            let byTime = Dictionary(uniqueKeysWithValues: r.rows.indices.map { (r.time(ofRow: $0), r.rows[$0][0]) })
            return values(byTime, 0...2)
        }
        #expect(try column("used space") == [1, 2, 5])
        #expect(same(try column("b"), [.nan, 3, 4]))
        // the sidecars are the per-metric kind, kept up to date
        let used = try #require(MetricMetadata.read(path: metaPath))
        #expect(used.warning == "80" && used.critical == "90" && used.firstSeen == Double(t0) && used.label == "used space")
        let b = try #require(MetricMetadata.read(path: String(try t.view.metricFile("h", "s", "b").dropLast(4)) + ".meta"))
        #expect(b.label == "b" && b.firstSeen == Double(t0 + 60) && b.lastSeen == Double(t0 + 120))
        #expect(try t.view.sidecar("h", "s") == nil)

        // read again: every value a duplicate, still per metric
        let again = try t.ingest(lines)
        #expect(again.stored == 0 && again.duplicates == 4 && again.failed == 0)
        #expect(!FileManager.default.fileExists(atPath: try t.view.rrd("h", "s")))
        // another service of the same host is new: it gets a service file
        let other = try t.ingest([pnpLine(t0, service: "other", perfdata: "a=1")])
        #expect(other.stored == 1)
        #expect(FileManager.default.fileExists(atPath: try t.view.rrd("h", "other")))
    }

    /// A record older than the service's last one counts its metrics as
    /// duplicates, but a metric that could never be stored (its label's
    /// file name part is too long) is bad input: rejected and reported,
    /// whether the record meets the newer one in the same batch or not.
    @Test(arguments: [false, true])
    func aBadMetricInAnOutOfOrderRecordIsRejected(sameBatch: Bool) throws {
        let store = try TestStore(); defer { store.remove() }
        let long = String(repeating: "x", count: 300)
        let newer = pnpLine(t0 + 60, perfdata: "v=1")
        let older = pnpLine(t0, perfdata: "\(long)=5 v=2")
        let s: IngestSummary
        if sameBatch {
            s = try store.ingest([try writeFile(store.dir, "f", Array((newer + "\n" + older).utf8))])
        } else {
            var sum = try store.ingest([try writeFile(store.dir, "f1", Array(newer.utf8))])
            sum.add(try store.ingest([try writeFile(store.dir, "f2", Array(older.utf8))]))
            s = sum
        }
        #expect(s.stored == 1)
        #expect(s.duplicates == 1, "only v=2 is a duplicate")
        #expect(s.rejectedMetrics == 1, "the 300-byte label is rejected")
        #expect(store.log.messages.contains { $0.contains("metric rejected: metric 'xxxx") && $0.contains("too long") })
    }

    /// Services with many labels (more than the collector looks up by
    /// scanning) in shuffled orders, some missing, some new: every label
    /// keeps its own values, new ones are appended in the order they came.
    @Test(arguments: [false, true])
    func manyLabelsInShuffledOrders(daemon: Bool) throws {
        let t = try StoreUnderTest(daemon: daemon); defer { t.remove() }
        func label(_ i: Int) -> String { i % 3 == 0 ? "disk /p\(i)" : "m\(i)" }
        func value(_ k: Int, _ i: Int) -> Int { 1000 * k + i }
        func record(_ k: Int, _ labels: [Int]) -> String {
            pnpLine(t0 + 60 * k, perfdata: labels.map { "'\(label($0))'=\(value(k, $0))" }.joined(separator: " "))
        }
        let first = (0..<30).map { ($0 * 7) % 30 }
        let s1 = try t.ingest([record(0, first), record(1, first.reversed()), record(2, first.filter { $0 % 4 != 1 })])
        #expect(s1.failed == 0 && s1.rejects == 0 && s1.stored == 60 + first.filter { $0 % 4 != 1 }.count)
        let second = Array((0..<40).reversed()).filter { $0 % 5 != 2 }
        let third = (0..<40).map { ($0 * 11) % 40 }
        let s2 = try t.ingest([record(3, second), record(4, third)])
        #expect(s2.failed == 0 && s2.rejects == 0 && s2.stored == second.count + 40)
        let order = first + second.filter { $0 >= 30 } + third.filter { $0 >= 30 && !second.contains($0) }
        #expect(try t.dataSources("h", "s") == order.map { ServiceMetadata.dataSourceName(for: label($0)) })
        #expect(try t.view.sidecar("h", "s")?.metrics.map(\.label) == order.map(label))
        var wrong: [String] = []
        for i in 0..<40 {
            let present: [Bool] = [i < 30, i < 30, i < 30 && i % 4 != 1, i % 5 != 2, true]
            let expected: [Double?] = (0...4).map { k in present[k] ? Double(value(k, i)) : .nan }
            if !same(values(try t.series("h", "s", label(i)), 0...4), expected) { wrong.append(label(i)) }
        }
        #expect(wrong.isEmpty, "\(wrong)")
    }

    /// A record whose every metric is rejected stores nothing and changes
    /// nothing: no file for a new service (and no error: the reject says
    /// it all), an existing service's sidecar as it was.
    @Test func aRecordWithOnlyRejectedMetricsTouchesNoFile() throws {
        let store = try TestStore(); defer { store.remove() }
        let long = String(repeating: "x", count: 300)
        let s1 = try store.ingest([try writeFile(store.dir, "f1", Array(pnpLine(t0, service: "new", perfdata: "\(long)=1").utf8))])
        #expect(s1.rejectedMetrics == 1 && s1.stored == 0 && s1.failed == 0)
        #expect(store.files().filter { !isSidecarCache($0) }.isEmpty)
        #expect(store.log.messages.filter { $0.hasPrefix("error") } == [])

        _ = try store.ingest([try writeFile(store.dir, "f2", Array(pnpLine(t0, perfdata: "a=1").utf8))])
        let meta = try store.meta("h", "s")
        let before = try Data(contentsOf: URL(fileURLWithPath: meta))
        let s2 = try store.ingest([try writeFile(store.dir, "f3", Array(pnpLine(t0 - 600, perfdata: "\(long)=1").utf8))])
        #expect(s2.rejectedMetrics == 1 && s2.stored == 0 && s2.failed == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: meta)) == before)
        #expect(try store.sidecar("h", "s")?.firstSeen == Double(t0))
    }
}
