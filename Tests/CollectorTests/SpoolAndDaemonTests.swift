import Collector
import Foundation
import RRD
import RRDTesting
import Testing

/// `n` spool files of `services` services × 2 metrics, one time step per file.
func makeSpool(_ dir: String, files n: Int, services: Int, start: Int = t0) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for f in 0..<n {
        var text = ""
        for s in 0..<services {
            text += pnpLine(start + 60 * f, host: "host\(s % 7)", service: "svc \(s)", perfdata: "a=\(f * 1000 + s) 'b c'=\(f).5%;80;90;0;100") + "\n"
        }
        let p = "\(dir)/perfdata.\(1_700_000_000 + f)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        // oldest first by modification time
        var times = [timespec(tv_sec: 1_700_000_000 + f, tv_nsec: 0), timespec(tv_sec: 1_700_000_000 + f, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, p, &times, 0)
    }
}

/// Checks that every value `makeSpool` wrote is in the RRDs.
func verifySpool(_ store: TestStore, files n: Int, services: Int, daemon: RRDCachedClient? = nil) throws -> Int {
    var missing = 0
    for s in 0..<services {
        let a = try store.series("host\(s % 7)", "svc \(s)", "a", from: t0 - 60, to: t0 + 60 * n, daemon: daemon)
        let b = try store.series("host\(s % 7)", "svc \(s)", "b c", from: t0 - 60, to: t0 + 60 * n, daemon: daemon)
        for f in 0..<n {
            if a[t0 + 60 * f] != Double(f * 1000 + s) { missing += 1 }
            if b[t0 + 60 * f] != Double(f) + 0.5 { missing += 1 }
        }
    }
    return missing
}

@Suite struct SpoolTests {
    @Test func spoolStoresEverythingAndRemovesTheFiles() throws {
        let store = try TestStore(); defer { store.remove() }
        let spool = store.dir.file("spool")
        try makeSpool(spool, files: 5, services: 20)
        try Data("junk\n".utf8).write(to: URL(fileURLWithPath: "\(spool)/.incomplete"))
        let processor = SpoolProcessor(directory: spool, ingester: try store.ingester(), logger: store.log.logger)
        #expect(try processor.pendingFiles().count == 5)
        let (s, kept) = try processor.processOnce()
        #expect(kept == 0)
        #expect(s.files == 5 && s.records == 100 && s.stored == 200 && s.failed == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool) == [".incomplete"])
        #expect(try verifySpool(store, files: 5, services: 20) == 0)
    }

    @Test func aFileThatCannotBeStoredIsKeptAndLaterFilesWait() throws {
        let store = try TestStore(); defer { store.remove() }
        let spool = store.dir.file("spool")
        try makeSpool(spool, files: 3, services: 2)
        // a directory where a service file must go: storing fails (both
        // values of the service's record in the first file)
        let blocker = try store.rrd("host1", "svc 1")
        try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: true)
        let processor = SpoolProcessor(directory: spool, ingester: try store.ingester(), logger: store.log.logger)
        let (s, kept) = try processor.processOnce()
        #expect(kept == 3)
        #expect(s.failed == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).count == 3)
        #expect(store.log.messages.contains { $0.contains("kept for a retry") })
        // fixed: the retry stores everything
        try FileManager.default.removeItem(atPath: blocker)
        let (s2, kept2) = try processor.processOnce()
        #expect(kept2 == 0 && s2.failed == 0)
        #expect(try verifySpool(store, files: 3, services: 2) == 0)
    }
}

@Suite struct RRDCachedModeTests {
    @Test func ingestThroughARealRRDCached() throws {
        let daemon = try RRDCachedDaemon()
        defer { daemon.stop() }
        // the RRD directory is the daemon's base directory
        let store = try TestStore(); defer { store.remove() }
        let i = try Ingester(options: CollectorOptions(rrdDirectory: daemon.baseDirectory, daemon: daemon.address), logger: store.log.logger)
        try i.ingest(path: Fixture.path("pnp-bulk.perfdata"))
        let s = i.flush()
        #expect(s.stored == 12 && s.failed == 0 && s.rejects == 0)
        let client = try RRDCachedClient(daemon.address)
        let rrd = "\(daemon.baseDirectory)/web-01/Disk%20%2Fvar.rrd"
        // one UPDATE per record, both labels in it
        #expect(try client.pending(rrd).count == 2)
        // without a flush the file on disk has nothing yet
        #expect(try RRDFile.last(path: rrd) == t0 - 60)
        let view = TestStoreView(rrdDir: daemon.baseDirectory)
        #expect(try view.rrd("web-01", "Disk /var") == rrd)
        let disk = try view.series("web-01", "Disk /var", "/var", daemon: client)
        #expect(disk[t0] == 2048 && disk[t0 + 60] == 2049)
        // the second record had its labels in the other order
        let inodes = try view.series("web-01", "Disk /var", "inodes", daemon: client)
        #expect(inodes[t0] == 12.5 && inodes[t0 + 60] == 13)
        #expect(try view.sidecar("web-01", "Disk /var")?.metrics.map(\.label) == ["/var", "inodes"])
        // again: everything is a duplicate, nothing fails
        try i.ingest(path: Fixture.path("pnp-bulk.perfdata"))
        let again = i.flush()
        #expect(again.stored == 0 && again.duplicates == 12 && again.failed == 0)
        let stats = try client.stats()
        // one UPDATE per record with perfdata (5 of 6), twice: the refused duplicates included
        #expect(stats["UpdatesReceived"] == 10)
    }

    @Test func spoolThroughRRDCached() throws {
        let daemon = try RRDCachedDaemon()
        defer { daemon.stop() }
        let store = try TestStore(); defer { store.remove() }
        let spool = store.dir.file("spool")
        try makeSpool(spool, files: 4, services: 10)
        let i = try Ingester(options: CollectorOptions(rrdDirectory: daemon.baseDirectory, daemon: daemon.address), logger: store.log.logger)
        let (s, kept) = try SpoolProcessor(directory: spool, ingester: i, logger: store.log.logger).processOnce()
        #expect(kept == 0 && s.stored == 80 && s.failed == 0)
        let view = TestStoreView(rrdDir: daemon.baseDirectory)
        let client = try RRDCachedClient(daemon.address)
        var missing = 0
        for svc in 0..<10 {
            let a = try view.series("host\(svc % 7)", "svc \(svc)", "a", daemon: client)
            for f in 0..<4 where a[t0 + 60 * f] != Double(f * 1000 + svc) { missing += 1 }
        }
        #expect(missing == 0)
    }

    /// A batch larger than one send (64 kB), with new labels in the middle
    /// of it (added to their files, flushed first, through the second
    /// connection while the batch is open) and repeated values: everything
    /// is stored, each duplicate counted once.
    @Test func streamedBatchWithNewMetricsInTheMiddle() throws {
        let daemon = try RRDCachedDaemon()
        defer { daemon.stop() }
        let store = try TestStore(); defer { store.remove() }
        var lines: [String] = []
        for s in 0..<600 { lines.append(pnpLine(t0, host: "h\(s % 13)", service: "svc \(s)", perfdata: "a=\(s) b=\(s).5")) }
        let first = try writeFile(store.dir, "first", Array(lines.joined(separator: "\n").utf8))
        lines = []
        for s in 0..<600 {
            // every third service gains a label; the first 50 repeat their first value too
            let extra = s % 3 == 0 ? " new=\(s + 1)" : ""
            if s < 50 { lines.append(pnpLine(t0, host: "h\(s % 13)", service: "svc \(s)", perfdata: "a=\(s) b=\(s).5")) }
            lines.append(pnpLine(t0 + 60, host: "h\(s % 13)", service: "svc \(s)", perfdata: "a=\(s + 1)\(extra) b=\(s).25"))
        }
        let second = try writeFile(store.dir, "second", Array(lines.joined(separator: "\n").utf8))
        let i = try Ingester(options: CollectorOptions(rrdDirectory: daemon.baseDirectory, daemon: daemon.address), logger: store.log.logger)
        try i.ingest(path: first)
        let s1 = i.flush()
        #expect(s1.stored == 1200 && s1.failed == 0 && s1.duplicates == 0)
        try i.ingest(path: second)
        let s2 = i.flush()
        #expect(s2.stored == 1400 && s2.failed == 0 && s2.duplicates == 100)
        let view = TestStoreView(rrdDir: daemon.baseDirectory)
        let client = try RRDCachedClient(daemon.address)
        var wrong = 0
        for s in stride(from: 0, to: 600, by: 7) {
            let a = try view.series("h\(s % 13)", "svc \(s)", "a", daemon: client)
            let b = try view.series("h\(s % 13)", "svc \(s)", "b", daemon: client)
            if a[t0] != Double(s) || a[t0 + 60] != Double(s + 1) || b[t0 + 60] != Double(s) + 0.25 { wrong += 1 }
            if s % 3 == 0, try view.series("h\(s % 13)", "svc \(s)", "new", daemon: client)[t0 + 60] != Double(s + 1) { wrong += 1 }
        }
        #expect(wrong == 0)
        // the sidecar of a service that gained a label lists it last, seen until the second batch
        let grown = try #require(try view.sidecar("h0", "svc 0"))
        #expect(grown.metrics.map(\.label) == ["a", "b", "new"])
        #expect(grown.firstSeen == Double(t0) && grown.lastSeen == Double(t0 + 60))
        #expect(try RRDFile.info(path: view.rrd("h0", "svc 0")).dataSources.map(\.name) == ["a", "b", "new"])
        // one that did not is not rewritten (last_seen is refreshed once a day)
        let same = try #require(try view.sidecar("h1", "svc 1"))
        #expect(same.metrics.map(\.label) == ["a", "b"] && same.lastSeen == Double(t0))
    }

    @Test func unreachableDaemonIsAnError() throws {
        let store = try TestStore(); defer { store.remove() }
        #expect(throws: CollectorError.self) {
            _ = try Ingester(options: CollectorOptions(rrdDirectory: store.rrdDir, daemon: "unix:\(store.dir.file("none.sock"))"),
                             logger: store.log.logger)
        }
    }
}

