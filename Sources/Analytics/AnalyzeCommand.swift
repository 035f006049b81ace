import Foundation
import Logging
import RRD

/// What `vigil-analytics analyze` is asked to do.
public struct AnalyzeOptions: Sendable {
    public var rrdDirectories: [String]
    public var nagiosConfig: String?
    public var icinga2Config: String?
    public var profileDirectory: String?
    public var reportDirectory: String?
    /// At most this many metrics (the most anomalous) get a graph.
    public var reportGraphs = 100
    public var daemon: String?
    public var validateWith: String?
    public var nagiosBinary = "/usr/sbin/nagios4"
    /// Worker threads; `nil` = one per CPU.
    public var jobs: Int?
    /// Analysis time; `nil` = now.
    public var now: Int64?
    /// Seconds per value asked from the RRDs (librrd picks the archive).
    public var resolution = 300
    public var progress = false
    public var summary = false
    public var learner = LearnerConfiguration()

    public init(rrdDirectories: [String]) {
        self.rrdDirectories = rrdDirectories
    }
}

/// What a run did, for the command line to print.
public struct AnalyzeOutcome: Sendable {
    /// Problems worth a line on stderr even under cron.
    public var messages: [String] = []
    /// One paragraph for a person at a terminal.
    public var summary = ""
    /// `--validate-with` refused the new Nagios file (the old one was kept).
    public var configurationRejected = false
    public var files = 0
    public var metrics: [ConfiguredMetric] = []
}

public struct AnalyzeError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `vigil-analytics analyze`: scan → read and learn each file on a few
/// worker threads (each holds one file's series at a time, so memory does
/// not grow with the number of metrics beyond one small record each) →
/// write the profiles as they come, then the Nagios and Icinga 2 files and
/// the report in a deterministic order.
public enum AnalyzeCommand {
    public static func run(_ options: AnalyzeOptions, logger: Logger) throws(AnalyzeError) -> AnalyzeOutcome {
        let now = options.now ?? Int64(Date().timeIntervalSince1970)
        RRDFile.keepLargeBuffersInHeap()
        var outcome = AnalyzeOutcome()
        var files: [SourceFile] = []
        for dir in options.rrdDirectories {
            let scan: RRDTree.Scan
            do { scan = try RRDTree.scan(dir) } catch { throw AnalyzeError("cannot read --rrd-dir: \(error)") }
            for w in scan.warnings { logger.info("skipped: \(w)") }
            files += scan.files
        }
        outcome.files = files.count
        // An empty result would replace every threshold with nothing: a
        // wrong or unmounted --rrd-dir must not do that.
        guard !files.isEmpty else {
            throw AnalyzeError("no RRD file found below \(options.rrdDirectories.joined(separator: ", ")); nothing written")
        }
        var lock: Int32 = -1
        defer { if lock >= 0 { close(lock) } }
        if let dir = options.profileDirectory {
            do { try makeDirectories(dir) } catch { throw AnalyzeError("cannot create --profiles directory: \(error)") }
            lock = try lockProfiles(dir)
        }
        let state = SharedState(fileCount: files.count, graphCapacity: options.reportDirectory == nil ? 0 : options.reportGraphs,
                                progress: options.progress ? ProgressBar(total: files.count) : nil)
        let jobs = max(1, min(options.jobs ?? ProcessInfo.processInfo.activeProcessorCount, max(files.count, 1)))
        let sharedFiles = files
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            Worker(options: options, now: now, logger: logger, state: state).run(sharedFiles)
        }
        state.progress?.finish()
        var results = state.takeResults()
        let failures = state.takeFailures()
        if let fatal = state.takeFatal() {
            throw AnalyzeError("\(fatal); nothing written")
        }
        if results.isEmpty {
            throw AnalyzeError("no metric could be read (\(failures.first ?? "")); nothing written")
        }
        outcome.messages += failures
        results.sort { $0.analysis.id < $1.analysis.id }
        outcome.metrics = results
        let info = GenerationInfo(time: now, source: "--rrd-dir " + options.rrdDirectories.joined(separator: " "))

        if let dir = options.profileDirectory {
            removeStaleProfiles(in: dir, keep: Set(results.compactMap(\.profilePath)), messages: &outcome.messages)
        }
        // The Nagios file and the report are rendered side by side: the
        // workers are done, and on 2 cores this tail was all wall time.
        let texts = RenderedTexts()
        let rendered = results
        let graphs = options.reportDirectory == nil ? [] : state.takeGraphs()
        let wantsConfig = options.nagiosConfig != nil
        let wantsReport = options.reportDirectory != nil
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 && wantsConfig {
                texts.setConfig(NagiosConfigWriter.render(rendered, info: info))
            } else if part == 1 && wantsReport {
                texts.setReport(ReportWriter.render(metrics: rendered.map(\.analysis), graphs: graphs, info: info))
            }
        }
        if let path = options.nagiosConfig {
            let text = texts.config ?? NagiosConfigWriter.render(results, info: info)
            do {
                let result: AtomicReplace.Outcome
                if let main = options.validateWith {
                    let validator = NagiosValidator(nagiosBinary: options.nagiosBinary, mainConfig: main, target: path)
                    var notes: [String] = []
                    result = try AtomicReplace.replace(path: path, contents: text) { (temp) throws(FileError) in
                        try validator.validate(candidate: temp) { notes.append($0) }
                    }
                    outcome.messages += notes
                } else {
                    result = try AtomicReplace.replace(path: path, contents: text)
                }
                if case .rejected(let reasons) = result {
                    outcome.configurationRejected = true
                    outcome.messages.append("\(path) NOT replaced: the new version fails `\(options.nagiosBinary) -v \(options.validateWith ?? "")`; the old file stays. Nagios said:")
                    outcome.messages += reasons.map { "  " + $0 }
                }
            } catch {
                throw AnalyzeError("cannot write \(path): \(error)")
            }
        }
        if let path = options.icinga2Config {
            do { try AtomicReplace.write(path: path, contents: Icinga2Writer.render(results, info: info)) } catch {
                throw AnalyzeError("cannot write \(path): \(error)")
            }
        }
        if let dir = options.reportDirectory {
            do {
                try makeDirectories(dir)
                let html = texts.report ?? ReportWriter.render(metrics: results.map(\.analysis), graphs: graphs, info: info)
                try AtomicReplace.write(path: dir + "/index.html", contents: html)
            } catch {
                throw AnalyzeError("cannot write the report: \(error)")
            }
        }
        let cold = results.filter { if case .coldStart = $0.analysis.outcome { true } else { false } }.count
        let anomalous = results.filter { !$0.analysis.anomalies.isEmpty }.count
        outcome.summary = "\(results.count) metrics from \(files.count) files: \(results.count - cold) with thresholds, "
            + "\(cold) cold start, \(anomalous) with recent anomalies."
        return outcome
    }

    /// One run at a time writes a profile directory (a cron run that
    /// overlaps the previous one, or a run by hand): the profiles are
    /// rewritten in place of their spares, and the sweep of stale ones
    /// must not race with another run's writes. The lock (`flock` on
    /// `DIR/.vigil-analytics.lock`) ends with the process.
    static func lockProfiles(_ dir: String) throws(AnalyzeError) -> Int32 {
        let path = dir + "/.vigil-analytics.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AnalyzeError("cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(fd)
            if e == EWOULDBLOCK {
                throw AnalyzeError("another vigil-analytics analyze is writing \(dir) (it holds \(path)); nothing written")
            }
            throw AnalyzeError("cannot lock \(path): \(String(cString: strerror(e)))")
        }
        return fd
    }

    /// Deletes profiles this run did not write (metrics that are gone or
    /// back to a cold start), so that check_baseline never judges with a
    /// stale band. Only files ending in `.profile`, and their spares, are touched.
    static func removeStaleProfiles(in dir: String, keep: Set<String>, messages: inout [String]) {
        var emptied: [String] = []
        let spareSuffix = ProfileStore.fileSuffix + AtomicReplace.spareSuffix
        forEachEntry(below: dir) { path, name in
            // A profile's spare (`.NAME.profile.spare`) goes with it.
            var profile = path
            if name.hasPrefix("."), name.hasSuffix(spareSuffix) {
                profile = parentDirectory(path) + "/" + name.dropFirst().dropLast(AtomicReplace.spareSuffix.count)
            } else if !name.hasSuffix(ProfileStore.fileSuffix) {
                return true
            }
            guard !keep.contains(profile) else { return true }
            do { try FileManager.default.removeItem(atPath: path) } catch {
                messages.append("cannot remove stale profile \(path): \(error)")
            }
            emptied.append(parentDirectory(path))
            return false
        }
        // Then the directories that became empty, deepest first, up to `dir`.
        var candidates = Set(emptied)
        while let d = candidates.max(by: { $0.count < $1.count }) {
            candidates.remove(d)
            guard d.count > dir.count, (try? FileManager.default.contentsOfDirectory(atPath: d))?.isEmpty == true else { continue }
            try? FileManager.default.removeItem(atPath: d)
            candidates.insert(parentDirectory(d))
        }
    }
}

/// Calls `body(path, name)` for every entry below `dir` (hidden ones too),
/// depth first, and descends into the directories among them (not into
/// links) for which it returns true. A `readdir` walk that takes the type
/// from the entry: FileManager's enumerator `stat`s each entry, and the
/// profile tree has a directory and a file per metric.
func forEachEntry(below dir: String, _ body: (String, String) -> Bool) {
    guard let d = opendir(dir) else { return }
    defer { closedir(d) }
    while let entry = readdir(d) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        let path = dir + "/" + name
        var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
        if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
            var st = stat()
            isDirectory = lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        }
        if body(path, name) && isDirectory { forEachEntry(below: path, body) }
    }
}

/// One worker thread: takes the next file, reads it, learns each metric.
struct Worker {
    let options: AnalyzeOptions
    let now: Int64
    let logger: Logger
    let state: SharedState

    func run(_ files: [SourceFile]) {
        var workspace = LearnerWorkspace()
        var daemon: RRDCachedClient?
        if let address = options.daemon {
            do { daemon = try RRDCachedClient(address) } catch {
                state.failAll("cannot reach rrdcached at \(address): \(error)")
                return
            }
        }
        defer { daemon?.close() }
        while let index = state.nextFile() {
            let file = files[index]
            do {
                try analyze(file, daemon: daemon, workspace: &workspace)
            } catch {
                state.fail("\(file.path): \(error)")
            }
            state.fileDone()
        }
    }

    func analyze(_ file: SourceFile, daemon: RRDCachedClient?, workspace: inout LearnerWorkspace) throws(RRDError) {
        let start = Int(now - options.learner.historyWindowSeconds)
        let fetched = try RRDFile.fetchColumns(path: file.path, cf: .average, start: start, end: Int(now),
                                               resolution: options.resolution, daemon: daemon)
        logger.debug("read \(file.path): \(fetched.rowCount) rows of \(fetched.step) s")
        var metrics = file.metrics
        if file.layout == .plain {
            // The header alone (not `rrd_info_r`, which maps the whole file again).
            let limits = (try? RRDFile.dataSources(path: file.path)) ?? []
            metrics = fetched.dsNames.map { name in
                let ds = limits.first { $0.name == name }
                return SourceMetric(id: MetricID(host: file.host, service: file.service, label: name), dataSource: name,
                                    minimum: ds?.minimum, maximum: ds?.maximum)
            }
        }
        for metric in metrics {
            guard let k = fetched.dsNames.firstIndex(of: metric.dataSource) else {
                state.fail("\(file.path): no data source '\(metric.dataSource)' for \(metric.id)")
                continue
            }
            // Row i covers the interval ending at start + (i+1)·step.
            let series = TimeSeries(start: Int64(fetched.start + fetched.step), step: Int64(fetched.step),
                                    values: fetched.columns[k])
            var analysis = Learner.analyze(id: metric.id, uom: metric.uom, series: series, direction: metric.direction,
                                           minimum: metric.minimum, maximum: metric.maximum, now: now,
                                           configuration: options.learner, workspace: &workspace)
            var profilePath: String?
            if let dir = options.profileDirectory {
                do {
                    profilePath = try ProfileStore.write(analysis, rrd: RRDLocation(path: file.path, dataSource: metric.dataSource,
                                                                                    step: fetched.step),
                                                         generated: now, into: dir)
                } catch {
                    state.fail("profile of \(metric.id): \(error)")
                }
            }
            if state.wantsGraph(score: analysis.anomalyScore) {
                state.offerGraph(ReportGraph(series: series, analysis: analysis, now: now))
            }
            analysis.profile = nil
            state.add(ConfiguredMetric(analysis: analysis, profilePath: profilePath))
        }
    }
}

/// The Nagios file and the report, rendered on two threads.
final class RenderedTexts: @unchecked Sendable {
    private let lock = NSLock()
    private var configText: String?
    private var reportText: String?

    func setConfig(_ text: String) { lock.withLock { configText = text } }
    func setReport(_ text: String) { lock.withLock { reportText = text } }
    var config: String? { lock.withLock { configText } }
    var report: String? { lock.withLock { reportText } }
}

/// What the workers share, behind one lock.
final class SharedState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let fileCount: Int
    private var results: [ConfiguredMetric] = []
    private var failures: [String] = []
    private var fatal: String?
    private let graphCapacity: Int
    /// The most anomalous graphs so far (at most `graphCapacity`).
    private var graphs: [ReportGraph] = []
    let progress: ProgressBar?

    init(fileCount: Int, graphCapacity: Int, progress: ProgressBar?) {
        self.fileCount = fileCount
        self.graphCapacity = graphCapacity
        self.progress = progress
    }

    func nextFile() -> Int? {
        lock.withLock {
            guard next < fileCount else { return nil }
            next += 1
            return next - 1
        }
    }

    func fileDone() { progress?.advance() }

    func add(_ metric: ConfiguredMetric) { lock.withLock { results.append(metric) } }

    func fail(_ message: String) { lock.withLock { failures.append(message) } }

    /// Stops every worker: the run cannot produce a trustworthy result.
    func failAll(_ message: String) {
        lock.withLock {
            if fatal == nil { fatal = message }
            next = fileCount
        }
    }

    func takeFatal() -> String? { lock.withLock { fatal } }

    /// Whether a graph with this score would be kept (cheap pre-check so
    /// that workers only build graphs that count).
    func wantsGraph(score: Double) -> Bool {
        guard graphCapacity > 0 else { return false }
        return lock.withLock { graphs.count < graphCapacity || (graphs.map(\.score).min() ?? 0) < score }
    }

    func offerGraph(_ graph: ReportGraph) {
        lock.withLock {
            if graphs.count < graphCapacity {
                graphs.append(graph)
            } else if let i = graphs.indices.min(by: { ReportGraph.ranksBefore(graphs[$1], graphs[$0]) }),
                      ReportGraph.ranksBefore(graph, graphs[i]) {
                graphs[i] = graph
            }
        }
    }

    func takeResults() -> [ConfiguredMetric] { lock.withLock { results } }
    func takeFailures() -> [String] { lock.withLock { failures } }
    func takeGraphs() -> [ReportGraph] { lock.withLock { graphs } }
}

/// `analyzing [########------------]  412/1000 files` on stderr, redrawn
/// at most ten times a second; only used when stderr is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private var done = 0
    private var lastDraw = 0.0
    private let started = Date()

    init(total: Int) { self.total = total }

    func advance() {
        lock.withLock {
            done += 1
            let t = Date().timeIntervalSince(started)
            if t - lastDraw >= 0.1 || done == total {
                lastDraw = t
                draw(elapsed: t)
            }
        }
    }

    private func draw(elapsed: Double) {
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[2Kanalyzing [\(bar)] \(done)/\(total) files  \(Int(elapsed)) s".utf8))
    }

    func finish() {
        lock.withLock { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
