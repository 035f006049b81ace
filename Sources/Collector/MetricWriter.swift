import Logging
import RRD
#if canImport(Glibc)
import Glibc
#endif

/// Writes batches of metric values: creates missing files, keeps limits and
/// the sidecar in step with the perfdata, and stores values either with
/// librrd directly or through rrdcached (`BATCH`).
///
/// Thread safety: `write` is called from one thread at a time; its worker
/// threads share only immutable state (options, logger, the batch) and each
/// writes its own metrics' files.
final class MetricWriter: @unchecked Sendable {
    struct Counts {
        var stored = 0
        var duplicates = 0
        var failed = 0
    }

    let options: CollectorOptions
    let logger: Logger
    let daemon: RRDCachedClient?
    /// The RRD directory, open: sidecars are read relative to it (the
    /// kernel walks 3 path components instead of the whole absolute path).
    let rootFD: Int32

    init(options: CollectorOptions, logger: Logger) throws(CollectorError) {
        self.options = options
        self.logger = logger
        do {
            rootFD = try syscall("open", options.rrdDirectory) {
                open(options.rrdDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }
        } catch {
            throw .system(error)
        }
        if let address = options.daemon {
            if options.rrdDirectory.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A }) {
                close(rootFD)
                throw .usage("with --daemon the RRD directory path may not contain white space (rrdcached's protocol)")
            }
            do { daemon = try RRDCachedClient(address) } catch {
                close(rootFD)
                throw .rrd(error)
            }
        } else {
            daemon = nil
        }
    }

    deinit { close(rootFD) }

    func write(_ batch: [PendingMetric]) -> Counts {
        var counts = Counts()
        if let daemon {
            // (index in batch, the sidecar as it was) of the metrics whose file is ready
            var ready: [(Int, MetricMetadata?)] = []
            ready.reserveCapacity(batch.count)
            for k in batch.indices {
                let full = "\(options.rrdDirectory)/\(batch[k].base)"
                do {
                    ready.append((k, try prepare(batch[k], full)))
                } catch {
                    counts.failed += batch[k].values.count
                    logger.error("\(batch[k].base): not stored: \(error)")
                }
            }
            if !ready.isEmpty { updateThroughDaemon(daemon, batch, ready, &counts) }
            return counts
        }
        // librrd directly: metrics are independent files, written by
        // `threads` threads (each metric's values by one thread, in order)
        let workers = max(1, min(options.threads, batch.count / 64 + 1))
        let perWorker = UnsafeMutableBufferPointer<Counts>.allocate(capacity: workers)
        perWorker.initialize(repeating: Counts())
        defer { perWorker.deallocate() }
        let slots = SendableBuffer(perWorker)
        runOnThreads(workers) { w in
            var mine = Counts()
            var k = w
            while k < batch.count {
                self.storeDirect(batch[k], &mine)
                k += workers
            }
            slots.buffer[w] = mine
        }
        for c in perWorker {
            counts.stored += c.stored
            counts.duplicates += c.duplicates
            counts.failed += c.failed
        }
        return counts
    }

    /// Everything for one metric with librrd: file, limits, values, sidecar.
    private func storeDirect(_ metric: PendingMetric, _ counts: inout Counts) {
        let full = "\(options.rrdDirectory)/\(metric.base)"
        do {
            let existing = try prepare(metric, full)
            try updateDirect(metric, full + ".rrd", &counts)
            try writeSidecar(metric, full, existing)
        } catch {
            counts.failed += metric.values.count
            logger.error("\(metric.base): not stored: \(error)")
        }
    }

    // MARK: steps

    /// Makes sure the file exists with the right type and limits; returns
    /// the sidecar as it was.
    private func prepare(_ metric: PendingMetric, _ full: String) throws(CollectorError) -> MetricMetadata? {
        let rrd = full + ".rrd"
        let existing = MetricMetadata.read(path: metric.base + ".meta", relativeTo: rootFD, expecting: metric.metadata,
                                           description: metric.metadata.descriptionText())
        if existing == nil, !FileIO.exists(rrd) {
            // a new metric: its directory may be new too (mkdir is atomic,
            // so threads racing here are fine)
            let dir = FileIO.directory(of: full)
            do { try FileIO.makeDirectories(dir) } catch { throw .system(error) }
            try create(metric, rrd)
            FileIO.removeStaleTemporaries(in: dir, olderThan: 3_600)
        } else if let existing {
            try retune(metric, rrd, existing)
        }
        return existing
    }

    private func create(_ metric: PendingMetric, _ rrd: String) throws(CollectorError) {
        do { try createFile(metric, rrd) } catch { throw .rrd(error) }
    }

    private func createFile(_ metric: PendingMetric, _ rrd: String) throws(RRDError) {
        // One step before the first value, so that the first value fills a
        // whole primary data point (librrd drops a point more than half unknown).
        let start = Int((metric.values.first?.0 ?? 1).rounded(.down)) - options.schema.step
        do {
            if let daemon {
                try daemon.create(rrd, step: options.schema.step, start: start, dataSources: [metric.dataSource],
                                  archives: options.schema.archives)
            } else {
                try RRDFile.create(path: rrd, step: options.schema.step, start: start, dataSources: [metric.dataSource],
                                   archives: options.schema.archives)
            }
        } catch where error.kind == .alreadyExists {
            return
        }
    }

    /// The perfdata changed a counter into a gauge (or back), or its
    /// min/max: change the file's header to match.
    private func retune(_ metric: PendingMetric, _ rrd: String, _ old: MetricMetadata) throws(CollectorError) {
        let ds = metric.dataSource
        let was = options.schema.dataSource(uom: old.uom, minimum: old.minimum, maximum: old.maximum)
        let typeChanged = old.dataSourceType != ds.kind.rawValue
        let limitsChanged = was.minimum != ds.minimum || was.maximum != ds.maximum
        guard typeChanged || limitsChanged else { return }
        do {
            try daemon?.flush(rrd)
            if typeChanged {
                try RRDFile.tune(path: rrd, arguments: ["-d", "\(ds.name):\(ds.kind.rawValue)"])
            }
            try RRDFile.setLimits(path: rrd, dataSource: ds.name, minimum: ds.minimum, maximum: ds.maximum)
            logger.info("\(metric.base): data source now \(ds.definition)")
        } catch {
            throw .rrd(error)
        }
    }

    private func updateStrings(_ values: ArraySlice<(Double, Double?)>) -> [String] {
        values.map { RRDFile.updateString(time: $0.0, values: [$0.1]) }
    }

    private func updateDirect(_ metric: PendingMetric, _ rrd: String, _ counts: inout Counts) throws(CollectorError) {
        var values = metric.values[...]
        do {
            do {
                try RRDFile.update(path: rrd, values: updateStrings(values))
            } catch where error.kind == .notAfterLastUpdate {
                // Some values are not after the file's last update (a
                // re-read spool file, an older file): count and skip them.
                let last = Double(try RRDFile.last(path: rrd))
                let keep = values.drop { $0.0 < last + 1 }
                counts.duplicates += values.count - keep.count
                values = keep
                try RRDFile.update(path: rrd, values: updateStrings(values), skipPastUpdates: true)
            } catch where !FileIO.exists(rrd) {
                // sidecar without its RRD (deleted by hand): make it anew
                try createFile(metric, rrd)
                try RRDFile.update(path: rrd, values: updateStrings(values))
            }
        } catch {
            throw .rrd(error)
        }
        counts.stored += values.count
    }

    private func updateThroughDaemon(_ daemon: RRDCachedClient, _ metrics: [PendingMetric], _ ready: [(Int, MetricMetadata?)],
                                     _ counts: inout Counts) {
        // one UPDATE per value, written straight into the batch's bytes;
        // `firstCommand[k]` is the index of metric k's first command
        var batch = RRDCachedBatch(capacity: ready.count * (options.rrdDirectory.utf8.count + 64))
        var firstCommand: [Int] = []
        firstCommand.reserveCapacity(ready.count + 1)
        var failedMetric = [Bool](repeating: false, count: ready.count)
        for (k, (m, _)) in ready.enumerated() {
            let metric = metrics[m]
            firstCommand.append(batch.count)
            do {
                try batch.appendUpdates(path: "\(options.rrdDirectory)/\(metric.base).rrd", metric.values)
            } catch {
                failedMetric[k] = true
                counts.failed += metric.values.count
                logger.error("\(metric.base): not stored: \(error)")
            }
        }
        firstCommand.append(batch.count)
        /// The metric a command index belongs to.
        func owner(_ index: Int) -> Int {
            var lo = 0, hi = ready.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if firstCommand[mid] <= index { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
        do {
            let errors = try daemon.batch(batch)
            var bad = 0
            for e in errors where e.index >= 0 && e.index < batch.count {
                if e.message.contains("illegal attempt to update") {
                    counts.duplicates += 1
                } else {
                    let k = owner(e.index)
                    counts.failed += 1
                    failedMetric[k] = true
                    if bad < 10 { logger.error("\(metrics[ready[k].0].base): rrdcached: \(e.message)") }
                    bad += 1
                }
            }
            counts.stored += batch.count - errors.count
        } catch {
            counts.failed += batch.count
            logger.error("rrdcached: \(error)")
            return
        }
        for (k, (m, existing)) in ready.enumerated() where !failedMetric[k] {
            do {
                try writeSidecar(metrics[m], "\(options.rrdDirectory)/\(metrics[m].base)", existing)
            } catch {
                logger.error("\(metrics[m].base): \(error)")
            }
        }
    }

    /// Rewrites the sidecar only when what it says changes (or `lastSeen`
    /// is more than a day old).
    private func writeSidecar(_ metric: PendingMetric, _ full: String, _ old: MetricMetadata?) throws(CollectorError) {
        var meta = metric.metadata
        if let old {
            meta.firstSeen = min(old.firstSeen, meta.firstSeen)
            if old.describesSameMetric(as: meta), meta.firstSeen == old.firstSeen,
               meta.lastSeen - old.lastSeen < MetricMetadata.lastSeenGranularity {
                return
            }
            meta.lastSeen = max(old.lastSeen, meta.lastSeen)
        }
        do {
            try FileIO.replace(full + ".meta", with: meta.serialized(), sync: false)
        } catch {
            throw .system(error)
        }
    }
}

/// A buffer whose elements are written by different threads, one each.
struct SendableBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}
