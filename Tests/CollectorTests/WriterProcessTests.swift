import Collector
import Foundation
import RRD
import RRDTesting
import Testing

/// A run of the built collector, with the processes it started.
struct WatchedRun {
    var status: Int32
    var stdout: String
    var stderr: String
    /// The command lines (arguments after the program) of the processes
    /// the collector started while it ran.
    var children: [[String]]
}

/// Runs `bin` and watches /proc for the processes it starts (a worker
/// stays visible until its parent has waited for it, at the end of the run).
/// `stopWhen`: for a run that does not end by itself (`spool --watch`), a
/// SIGTERM is sent once it returns true.
func runWatchingChildren(_ bin: String, _ arguments: [String], stopWhen: (() -> Bool)? = nil) throws -> WatchedRun {
    let scratch = try TemporaryDirectory("vigil-run")
    defer { scratch.remove() }
    let outPath = scratch.file("stdout"), errPath = scratch.file("stderr")
    for p in [outPath, errPath] { _ = FileManager.default.createFile(atPath: p, contents: Data()) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: bin)
    p.arguments = arguments
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle(forWritingAtPath: outPath)
    p.standardError = FileHandle(forWritingAtPath: errPath)
    try p.run()
    let parent = p.processIdentifier
    var seen: [Int32: [String]] = [:]
    var stopped = false
    while p.isRunning {
        if let stopWhen, !stopped, stopWhen() {
            kill(parent, SIGTERM)
            stopped = true
        }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != parent,
                  let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { continue }
            // "pid (comm) state ppid …": the command name may hold spaces and parentheses
            let text = String(decoding: stat, as: UTF8.self)
            guard let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == parent else { continue }
            // read again until the end: before its exec a child shows its
            // parent's command line; a child that exited (not yet waited for) none
            let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
            if !cmdline.isEmpty || seen[pid] == nil {
                seen[pid] = cmdline.split(separator: 0).dropFirst().map { String(decoding: $0, as: UTF8.self) }
            }
        }
        usleep(2_000)
    }
    p.waitUntilExit()
    let out = FileManager.default.contents(atPath: outPath) ?? Data()
    let err = FileManager.default.contents(atPath: errPath) ?? Data()
    return WatchedRun(status: p.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self), children: seen.keys.sorted().compactMap { seen[$0] })
}

/// The `.rrd` files among `files` (relative paths) whose minute values
/// over the inputs' 11 steps differ between the trees `a` and `b`.
func differentRRDFiles(_ files: [String], _ a: String, _ b: String) throws -> [String] {
    try files.filter { $0.hasSuffix(".rrd") }.filter { f in
        try RRDFile.fetch(path: "\(a)/\(f)", start: t0 - 120, end: t0 + 60 * 11, resolution: 60)
            != RRDFile.fetch(path: "\(b)/\(f)", start: t0 - 120, end: t0 + 60 * 11, resolution: 60)
    }
}

/// Small files (the runs write hundreds): one archive of 200 minutes.
let smallArchive = ["--rra", "AVERAGE:1:200"]

/// An input of at least `WorkerPlan.minimumBytes`: `services` services on
/// 13 hosts plus host perfdata, `steps` records each, labels in a rotating
/// order, one label appearing half-way for every fourth service, a counter,
/// and every tenth service repeating one record (duplicates). Returns the
/// text and the number of metric values in it.
func writerProcessInput(services: Int = 240, steps: Int = 10) -> (text: String, values: Int) {
    var lines: [String] = []
    var count = 0
    for k in 0..<steps {
        for s in 0..<services {
            var items = ["'used space'=\((s + 7 * k) % 100)%;80;90;0;100", "load1=\(Double(s) + Double(k) / 4)", "bytes=\(1000 * k + s)c"]
            if s % 4 == 0, k >= steps / 2 { items.append("late=\(k)") }
            items = Array(items[(k % items.count)...] + items[..<(k % items.count)])
            let line = pnpLine(t0 + 60 * k, host: "host-\(s % 13)", service: "Service number \(s)", perfdata: items.joined(separator: " "))
            lines.append(line)
            count += items.count
            if s % 10 == 0, k == 3 {
                lines.append(line)
                count += items.count
            }
        }
        for h in 0..<13 {
            lines.append("DATATYPE::HOSTPERFDATA\tTIMET::\(t0 + 60 * k)\tHOSTNAME::host-\(h)\tHOSTPERFDATA::rta=\(h).5ms;100;200;0 pl=\(k)%\tHOSTCHECKCOMMAND::check-host-alive")
            count += 2
        }
    }
    return (lines.joined(separator: "\n") + "\n", count)
}

@Suite struct WriterProcessTests {
    /// `--jobs 2` stores exactly what `--jobs 1` stores: the same summary,
    /// the same files with the same values and sidecars, each value
    /// handled by one process (every value is counted once, as stored or
    /// as a duplicate).
    @Test func writerProcessesStoreWhatOneProcessStores() throws {
        let bin = try CollectorBinary.require()
        let dir = try TemporaryDirectory("vigil-jobs"); defer { dir.remove() }
        let (text, total) = writerProcessInput()
        let input = try writeFile(dir, "perfdata", Array(text.utf8))
        #expect(text.utf8.count >= WorkerPlan.minimumBytes)
        let one = dir.file("one"), two = dir.file("two")
        let r1 = try runWatchingChildren(bin, ["ingest", "--rrd-dir", one, "--jobs", "1"] + smallArchive + [input])
        let r2 = try runWatchingChildren(bin, ["ingest", "--rrd-dir", two, "--jobs", "2"] + smallArchive + [input])
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(r1.children.isEmpty)
        // one worker: a fork of the parent (its command line), not a new program
        #expect(r2.children.count == 1)
        #expect(r2.children.first == ["ingest", "--rrd-dir", two, "--jobs", "2"] + smallArchive + [input])

        // 24 duplicates: 24 services repeat a record of 3 labels
        let duplicates = 24 * 3
        #expect(r1.stdout == "vigil-collector: 1 file, \(240 * 10 + 24 + 13 * 10) records, \(total - duplicates) metrics stored, "
                + "\(duplicates) duplicates, 0 rejects (0 records, 0 metrics)\n")
        #expect(r2.stdout == r1.stdout)

        let files1 = TestStoreView(rrdDir: one).files(), files2 = TestStoreView(rrdDir: two).files()
        #expect(files1.filter(isSidecarCache) == [".vigil-sidecars-0-of-1"])
        #expect(files2.filter(isSidecarCache) == [".vigil-sidecars-0-of-2", ".vigil-sidecars-1-of-2"])
        let stored = files1.filter { !isSidecarCache($0) }
        #expect(stored == files2.filter { !isSidecarCache($0) })
        #expect(stored.count == 2 * (240 + 13))
        var different: [String] = []
        for f in stored {
            if f.hasSuffix(".rrd") {
                let a = try RRDFile.fetch(path: "\(one)/\(f)", start: t0 - 120, end: t0 + 60 * 11, resolution: 60)
                let b = try RRDFile.fetch(path: "\(two)/\(f)", start: t0 - 120, end: t0 + 60 * 11, resolution: 60)
                if a != b || a.rows.isEmpty { different.append(f) }
            } else {
                let a = ServiceMetadata.read(path: "\(one)/\(f)"), b = ServiceMetadata.read(path: "\(two)/\(f)")
                if a == nil || a != b { different.append(f) }
            }
        }
        #expect(different.isEmpty, "\(different.prefix(5))")
        // and what was stored is the input
        let view = TestStoreView(rrdDir: two)
        for s in [0, 1, 4, 123, 239] {
            let used = try view.series("host-\(s % 13)", "Service number \(s)", "used space", to: t0 + 60 * 9)
            #expect(values(used, 0...9) == (0...9).map { Double((s + 7 * $0) % 100) }, "service \(s)")
            let late = s % 4 == 0 ? (0...9).map { $0 >= 5 ? Double($0) : .nan } : nil
            if let late {
                #expect(same(values(try view.series("host-\(s % 13)", "Service number \(s)", "late", to: t0 + 60 * 9), 0...9), late))
            }
        }
        #expect(try view.series("host-7", nil, "rta")[t0 + 60 * 4] == 7.5)
    }

    /// With several writer processes every reject is reported once: a line
    /// that is no record by the first process, a bad metric (or the metrics
    /// of a record no file can hold) by the process its service belongs to.
    @Test func rejectsAreReportedOnceWithWriterProcesses() throws {
        let bin = try CollectorBinary.require()
        let dir = try TemporaryDirectory("vigil-jobs"); defer { dir.remove() }
        // one service of each part of two
        func owner(_ s: Int) -> Int? {
            (0..<2).first { Shard(index: $0, count: 2)?.owns(host: Array("h".utf8), service: Array("svc\(s)".utf8)) == true }
        }
        let inFirst = try #require((0..<100).first { owner($0) == 0 })
        let inSecond = try #require((0..<100).first { owner($0) == 1 })
        var lines: [String] = []
        for k in 0..<10 {
            for s in 0..<200 { lines.append(pnpLine(t0 + 60 * k, host: "h", service: "svc\(s)", perfdata: "a=\(k) 'b c'=\(s)")) }
        }
        let good = lines.count
        lines.append("nonsense")
        lines.append(pnpLine(t0 + 600, host: "h", service: "svc\(inFirst)", perfdata: "a=1 first=x"))
        lines.append(pnpLine(t0 + 600, host: "h", service: "svc\(inSecond)", perfdata: "second=y a=2"))
        lines.append(pnpLine(t0, host: "h", service: String(repeating: "s", count: 300), perfdata: "a=1 b=2"))
        let text = lines.joined(separator: "\n") + "\n"
        #expect(text.utf8.count >= WorkerPlan.minimumBytes)
        let input = try writeFile(dir, "perfdata", Array(text.utf8))
        let r1 = try runWatchingChildren(bin, ["ingest", "--rrd-dir", dir.file("one"), "--jobs", "1"] + smallArchive + [input])
        let r2 = try runWatchingChildren(bin, ["ingest", "--rrd-dir", dir.file("two"), "--jobs", "2"] + smallArchive + [input])
        #expect(r2.children.count == 1)
        for r in [r1, r2] {
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == "vigil-collector: 1 file, \(good + 4) records, \(2 * good + 2) metrics stored, 0 duplicates, "
                    + "5 rejects (1 records, 4 metrics)\n")
            let warnings = r.stderr.split(separator: "\n").filter { $0.contains(" rejected: ") }
            #expect(warnings.count == 5, "\(warnings)")
            for (line, what) in [(good + 1, "record rejected: unrecognised record"), (good + 2, "metric rejected: value is not a number: 'first=x'"),
                                 (good + 3, "metric rejected: value is not a number: 'second=y'"), (good + 4, "metric rejected: metric 'a'"),
                                 (good + 4, "metric rejected: metric 'b'")] {
                #expect(warnings.filter { $0.contains("\(input):\(line): \(what)") }.count == 1, "\(line): \(what)")
            }
        }
    }

    /// `spool --jobs 2` stores a large spool file with a writer process too
    /// (a small one without), removes both once stored, and stores what
    /// `--jobs 1` stores.
    @Test func spoolStoresLargeFilesWithWriterProcesses() throws {
        let bin = try CollectorBinary.require()
        let dir = try TemporaryDirectory("vigil-jobs"); defer { dir.remove() }
        let large = writerProcessInput(services: 240, steps: 10)
        let small = (0..<5).map { pnpLine(t0 + 600, host: "host-\($0)", service: "Service number \($0)", perfdata: "load1=\($0)") }
        var outputs: [String] = []
        for jobs in [1, 2] {
            let spool = dir.file("spool\(jobs)")
            try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
            for (k, text) in [large.text, small.joined(separator: "\n")].enumerated() {
                let p = "\(spool)/perfdata.\(k)"
                try Data(text.utf8).write(to: URL(fileURLWithPath: p))
                var times = [timespec(tv_sec: 1_700_000_000 + k, tv_nsec: 0), timespec(tv_sec: 1_700_000_000 + k, tv_nsec: 0)]
                _ = utimensat(AT_FDCWD, p, &times, 0)
            }
            let r = try runWatchingChildren(bin, ["spool", "--rrd-dir", dir.file("rrd\(jobs)"), "--jobs", "\(jobs)"] + smallArchive + [spool])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.children.count == jobs - 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
            outputs.append(r.stdout)
        }
        #expect(outputs[0] == "vigil-collector: 2 files, \(240 * 10 + 24 + 130 + 5) records, \(large.values - 72 + 5) metrics stored, "
                + "72 duplicates, 0 rejects (0 records, 0 metrics)\n")
        #expect(outputs[1] == outputs[0])
        let one = TestStoreView(rrdDir: dir.file("rrd1")), two = TestStoreView(rrdDir: dir.file("rrd2"))
        let files = one.files().filter { !isSidecarCache($0) }
        #expect(files == two.files().filter { !isSidecarCache($0) })
        let different = try differentRRDFiles(files, one.rrdDir, two.rrdDir)
        #expect(different.isEmpty, "\(different.prefix(5))")
        #expect(try two.series("host-3", "Service number 3", "load1", to: t0 + 600)[t0 + 600] == 3)
    }

    /// `spool --watch` has threads (its service group), so its writer
    /// process is the executable started anew with `--shard 1/2` instead of
    /// a fork; it stores what one process stores.
    @Test func watchedSpoolStartsItsWriterProcessAnew() throws {
        let bin = try CollectorBinary.require()
        let dir = try TemporaryDirectory("vigil-jobs"); defer { dir.remove() }
        let large = writerProcessInput(services: 240, steps: 10)
        for jobs in [1, 2] {
            let spool = dir.file("spool\(jobs)")
            try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
            try Data(large.text.utf8).write(to: URL(fileURLWithPath: "\(spool)/perfdata.0"))
        }
        let one = try runWatchingChildren(bin, ["spool", "--rrd-dir", dir.file("rrd1"), "--jobs", "1"] + smallArchive + [dir.file("spool1")])
        #expect(one.status == 0, "\(one.stderr)")
        let spool2 = dir.file("spool2")
        let deadline = Date().addingTimeInterval(60)
        let two = try runWatchingChildren(bin, ["spool", "--watch", "--interval", "0.1", "--rrd-dir", dir.file("rrd2"), "--jobs", "2"]
                                          + smallArchive + [spool2]) {
            ((try? FileManager.default.contentsOfDirectory(atPath: spool2).isEmpty) ?? false) || Date() > deadline
        }
        #expect(two.status == 0, "\(two.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool2).isEmpty)
        #expect(two.children.count == 1)
        #expect(two.children.first.map { Array($0.prefix(3)) } == ["ingest", "--rrd-dir", dir.file("rrd2")])
        #expect(two.children.first.map { Array($0.suffix(3)) } == ["\(spool2)/perfdata.0", "--shard", "1/2"])
        let a = TestStoreView(rrdDir: dir.file("rrd1")), b = TestStoreView(rrdDir: dir.file("rrd2"))
        let files = a.files().filter { !isSidecarCache($0) }
        #expect(files.count == 2 * (240 + 13))
        #expect(files == b.files().filter { !isSidecarCache($0) })
        let different = try differentRRDFiles(files, a.rrdDir, b.rrdDir)
        #expect(different.isEmpty, "\(different.prefix(5))")
    }

    @Test func everyServiceBelongsToExactlyOnePart() {
        let names: [([UInt8], [UInt8]?)] = (0..<50).map { (Array("host-\($0 % 7)".utf8), $0 % 5 == 0 ? nil : Array("svc \($0)".utf8)) }
        for count in 1...4 {
            var perPart = [Int](repeating: 0, count: count)
            for (host, service) in names {
                let owners = (0..<count).filter { Shard(index: $0, count: count)?.owns(host: host, service: service) == true }
                #expect(owners.count == 1)
                for o in owners { perPart[o] += 1 }
            }
            #expect(perPart.allSatisfy { $0 > 0 }, "\(count): \(perPart)")
        }
        // host perfdata is spread over the parts too
        let parts = (0..<64).map { n in Shard(index: 0, count: 2)?.owns(host: Array("h\(n)".utf8), service: nil) }
        #expect(parts.contains(true) && parts.contains(false))
    }

    @Test func shardsAndReportsReadBackWhatTheyWrite() {
        #expect(Shard(parsing: "1/2") == Shard(index: 1, count: 2))
        #expect(Shard(index: 1, count: 3)?.description == "1/3")
        for bad in ["2/2", "-1/2", "0/0", "a/b", "1", "1/2/3", "", "/2"] { #expect(Shard(parsing: bad) == nil, "\(bad)") }
        var s = IngestSummary()
        (s.files, s.records, s.stored, s.duplicates, s.rejectedRecords, s.rejectedMetrics, s.failed) = (1, 20, 300, 4, 5, 6, 7)
        #expect(IngestSummary(reportLine: s.reportLine) == s)
        #expect(IngestSummary(reportLine: "1 2 3") == nil)
        #expect(IngestSummary(reportLine: "") == nil)
    }

    /// The library's side of writer processes: ingesters given the parts of
    /// two store disjoint sets of files that together are what one
    /// ingester stores, with the same values, and their counts add up.
    @Test func partsTogetherStoreWhatOneIngesterStores() throws {
        let dir = try TemporaryDirectory("vigil-shards"); defer { dir.remove() }
        let input = try writeFile(dir, "perfdata", Array(writerProcessInput(services: 40, steps: 4).text.utf8))
        let schema = StorageSchema(archives: [RRDArchive(.average, steps: 1, rows: 200)])
        let log = LogCapture()
        func run(_ shard: Shard?, into path: String) throws -> IngestSummary {
            let i = try Ingester(options: CollectorOptions(rrdDirectory: path, schema: schema, shard: shard), logger: log.logger)
            try i.ingest(path: input)
            return i.flush()
        }
        let whole = try run(nil, into: dir.file("whole"))
        var parts = IngestSummary()
        var files: [[String]] = []
        for k in 0..<2 {
            parts.add(try run(Shard(index: k, count: 2), into: dir.file("part\(k)")))
            files.append(TestStoreView(rrdDir: dir.file("part\(k)")).files().filter { !isSidecarCache($0) })
        }
        parts.files = 1
        #expect(parts == whole)
        #expect(whole.stored > 0 && whole.failed == 0)
        let all = TestStoreView(rrdDir: dir.file("whole")).files().filter { !isSidecarCache($0) }
        #expect(!files[0].isEmpty && !files[1].isEmpty)
        #expect(Set(files[0]).isDisjoint(with: files[1]))
        #expect((files[0] + files[1]).sorted() == all)
        var different: [String] = []
        for k in 0..<2 {
            for f in files[k] where f.hasSuffix(".rrd") {
                let a = try RRDFile.fetch(path: dir.file("part\(k)/\(f)"), start: t0 - 120, end: t0 + 300, resolution: 60)
                let b = try RRDFile.fetch(path: dir.file("whole/\(f)"), start: t0 - 120, end: t0 + 300, resolution: 60)
                if a != b { different.append(f) }
            }
        }
        #expect(different.isEmpty, "\(different.prefix(5))")
    }
}
