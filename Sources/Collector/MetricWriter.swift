import Logging
import RRD
#if canImport(Glibc)
import Glibc
#endif

/// Writes batches of metric values: creates missing files, keeps limits and
/// the sidecar in step with the perfdata, and stores values either with
/// librrd directly or through rrdcached (`BATCH`).
///
/// Not thread-safe: one writer per ingester.
final class MetricWriter {
    struct Counts {
        var stored = 0
        var duplicates = 0
        var failed = 0
    }

    let options: CollectorOptions
    let logger: Logger
    /// The connection `BATCH`es go over (`--daemon`).
    let daemon: RRDCachedClient?
    /// A second connection for the commands a metric may need while a
    /// batch is being sent on the first (CREATE, FLUSH); opened when first
    /// needed.
    var control: RRDCachedClient?
    /// The sidecars read or written so far, kept across runs in
    /// `cacheFile` (each read once while it does not change).
    let sidecars = SidecarCache()
    /// `sidecars`' file in the RRD directory: one per writer process.
    let cacheFile: String
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
        cacheFile = ".vigil-sidecars-\(options.shard?.index ?? 0)-of-\(options.shard?.count ?? 1)"
        sidecars.load(cacheFile, relativeTo: rootFD)
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

    /// Saves what was learnt about the sidecars (a failure costs only
    /// reads in the next run).
    func saveSidecarCache() {
        do { try sidecars.save(cacheFile, in: options.rrdDirectory) } catch {
            logger.warning("\(error): the next run reads every sidecar")
        }
    }

    func write(_ batch: [PendingService]) -> Counts {
        var counts = Counts()
        if let daemon {
            sendThroughDaemon(daemon, batch, &counts)
            return counts
        }
        // librrd directly, one service after the other (parallel writers are
        // processes, one per shard: see `WorkerProcesses`)
        for service in batch { storeDirect(service, &counts) }
        return counts
    }

    /// Everything for one metric file (older layout) with librrd: file,
    /// limits, values, sidecar.
    func storeDirect(_ metric: PendingMetric, _ counts: inout Counts) {
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
        let existing = readSidecar(metric)
        if existing == nil, !FileIO.exists(rrd) {
            // a new metric: its directory may be new too
            let dir = FileIO.directory(of: full)
            do { try FileIO.makeDirectories(dir) } catch { throw .system(error) }
            do { try createFile(rrd, start: metric.values.first?.0 ?? 1, [metric.dataSource]) } catch { throw .rrd(error) }
            FileIO.removeStaleTemporaries(in: dir, olderThan: 3_600)
        } else if let existing {
            try retune(metric, rrd, existing)
        }
        return existing
    }

    /// The sidecar of `metric` as it is on disk (`nil`: none or
    /// unreadable): from `sidecars` when the file has not changed since
    /// this process read or wrote it, else read (cheaply when it describes
    /// the metric as the perfdata does now).
    private func readSidecar(_ metric: PendingMetric) -> MetricMetadata? {
        let path = metric.base + ".meta"
        let description = metric.metadata.descriptionText()
        let hash = SidecarCache.hash(description)
        if let known = sidecars.entry(metric.base), known.description == hash,
           FileIdentity.of(path, relativeTo: rootFD) == known.identity {
            var m = metric.metadata
            m.firstSeen = known.firstSeen
            m.lastSeen = known.lastSeen
            return m
        }
        var identity: FileIdentity?
        let read = MetricMetadata.read(path: path, relativeTo: rootFD, expecting: metric.metadata, description: description,
                                       identity: &identity)
        if let read, let identity {
            let d = read.describesSameMetric(as: metric.metadata) ? hash : SidecarCache.hash(read.descriptionText())
            sidecars.store(metric.base, .init(identity: identity, description: d, firstSeen: read.firstSeen, lastSeen: read.lastSeen))
        } else {
            sidecars.remove(metric.base)
        }
        return read
    }

    /// The perfdata changed a counter into a gauge (or back), or its
    /// min/max: change the file's header to match.
    private func retune(_ metric: PendingMetric, _ rrd: String, _ old: MetricMetadata) throws(CollectorError) {
        let was = options.schema.dataSource(uom: old.uom, minimum: old.minimum, maximum: old.maximum)
        try retune(rrd, metric.dataSource, typeWas: old.dataSourceType, limitsWere: was)
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
                try createFile(rrd, start: metric.values.first?.0 ?? 1, [metric.dataSource])
                try RRDFile.update(path: rrd, values: updateStrings(values))
            }
        } catch {
            throw .rrd(error)
        }
        counts.stored += values.count
    }

    /// Prepares `metric`'s file and appends its UPDATEs to `batch`; returns
    /// the sidecar as it was and the index of its first command, `nil`
    /// (counted and logged) when it cannot be stored.
    func queue(_ metric: PendingMetric, in batch: inout RRDCachedBatch,
                       _ counts: inout Counts) -> (sidecar: MetricMetadata?, first: Int)? {
        let full = "\(options.rrdDirectory)/\(metric.base)"
        do {
            let existing = try prepare(metric, full)
            let first = batch.count
            try batch.appendUpdates(path: full + ".rrd", metric.values)
            return (existing, first)
        } catch {
            counts.failed += metric.values.count
            logger.error("\(metric.base): not stored: \(error)")
            return nil
        }
    }

    /// The second connection to rrdcached (see `control`).
    func controlConnection() throws(RRDError) -> RRDCachedClient {
        if let control { return control }
        guard let address = daemon?.address else {
            throw RRDError(.connection, operation: "connect", path: "", message: "no rrdcached address")
        }
        let c = try RRDCachedClient(address: address)
        control = c
        return c
    }

    /// What went into a `BATCH`: a service's rows (one UPDATE each) or,
    /// for a service of the older layout, one metric's values.
    private enum Queued {
        case service(Int, ServicePlan)
        case metric(PendingMetric, MetricMetadata?)
    }

    /// One `BATCH` for the whole batch, one UPDATE per record (per value in
    /// metric files), sent while the next services are prepared (files
    /// created or retuned through the control connection before their first
    /// UPDATE goes out), so that rrdcached's work overlaps ours. Sidecars
    /// are written once rrdcached has acknowledged the batch.
    private func sendThroughDaemon(_ daemon: RRDCachedClient, _ services: [PendingService], _ counts: inout Counts) {
        let chunk = 1 << 16
        var batch = RRDCachedBatch(capacity: chunk + 4096)
        // what is in the batch, with the index of its first command
        var ready: [(unit: Queued, first: Int)] = []
        ready.reserveCapacity(services.count)
        var next = 0 // services before it are in `ready` or counted as failed
        func values(_ q: Queued) -> Int {
            switch q {
            case .service(let s, _): return services[s].valueCount
            case .metric(let m, _): return m.values.count
            }
        }
        do {
            try daemon.beginBatch()
            for s in services.indices {
                next = s + 1
                let service = services[s]
                let path = "\(options.rrdDirectory)/\(service.base)"
                do {
                    switch try plan(service) {
                    case .serviceFile(let plan):
                        let first = batch.count
                        do {
                            try batch.appendUpdates(path: path + ".rrd", count: service.rows.count) { i, out in
                                serviceUpdate(service.rows[i], plan, into: &out)
                            }
                        } catch {
                            throw CollectorError.rrd(error)
                        }
                        ready.append((.service(s, plan), first))
                    case .metricFiles(let metrics):
                        for m in metrics {
                            if let q = queue(m, in: &batch, &counts) { ready.append((.metric(m, q.sidecar), q.first)) }
                        }
                    }
                } catch {
                    counts.failed += service.valueCount
                    logger.error("\(service.base): not stored: \(error)")
                }
                if batch.bytes.count >= chunk { try daemon.sendBatch(&batch) }
            }
            try daemon.sendBatch(&batch)
        } catch {
            // the connection failed: nothing of this batch is known to be stored
            counts.failed += ready.reduce(0) { $0 + values($1.unit) }
            counts.failed += services[next...].reduce(0) { $0 + $1.valueCount }
            logger.error("rrdcached: \(error)")
            return
        }
        let errors: [RRDCachedBatchError]
        do {
            errors = try daemon.finishBatch()
        } catch {
            counts.failed += ready.reduce(0) { $0 + values($1.unit) }
            logger.error("rrdcached: \(error)")
            return
        }
        /// The entry of `ready` a command index belongs to.
        func owner(_ index: Int) -> Int {
            var lo = 0, hi = ready.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if ready[mid].first <= index { lo = mid } else { hi = mid - 1 }
            }
            return lo
        }
        var failedUnit = [Bool](repeating: false, count: ready.count)
        var notStored = 0
        var bad = 0
        for e in errors where e.index >= 0 && e.index < batch.count && !ready.isEmpty {
            let k = owner(e.index)
            // the values of the refused command: a service's row, or one value
            var n = 1
            if case .service(let s, _) = ready[k].unit {
                let row = e.index - ready[k].first
                n = row < services[s].rows.count ? services[s].rows[row].count : 0
            }
            notStored += n
            if e.message.contains("illegal attempt to update") {
                counts.duplicates += n
            } else {
                counts.failed += n
                failedUnit[k] = true
                // a service file deleted behind a known sidecar: the next
                // batch reads the sidecar again, sees the file missing and
                // makes it anew (the values of this one are retried)
                if case .service(let s, _) = ready[k].unit { sidecars.remove(services[s].base) }
                if bad < 10 { logger.error("\(options.rrdDirectory): rrdcached: \(e.message)") }
                bad += 1
            }
        }
        counts.stored += ready.reduce(0) { $0 + values($1.unit) } - notStored
        for (k, r) in ready.enumerated() where !failedUnit[k] {
            do {
                switch r.unit {
                case .service(let s, let plan):
                    try writeSidecar(services[s], plan, "\(options.rrdDirectory)/\(services[s].base).meta")
                case .metric(let m, let existing):
                    try writeSidecar(m, "\(options.rrdDirectory)/\(m.base)", existing)
                }
            } catch {
                logger.error("\(options.rrdDirectory): \(error)")
            }
        }
    }

    /// Rewrites the sidecar only when what it says changes (or `lastSeen`
    /// is more than a day old).
    func writeSidecar(_ metric: PendingMetric, _ full: String, _ old: MetricMetadata?) throws(CollectorError) {
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
            sidecars.remove(metric.base)
            throw .system(error)
        }
        if let identity = FileIdentity.of(metric.base + ".meta", relativeTo: rootFD) {
            sidecars.store(metric.base, .init(identity: identity, description: SidecarCache.hash(meta.descriptionText()),
                                              firstSeen: meta.firstSeen, lastSeen: meta.lastSeen))
        } else {
            sidecars.remove(metric.base)
        }
    }
}
