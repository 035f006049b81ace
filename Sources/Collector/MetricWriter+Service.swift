import Logging
import RRD
#if canImport(Glibc)
import Glibc
#endif

/// How one service's values go into its service file.
struct ServicePlan {
    /// The sidecar to keep: the metrics in the file's data-source order.
    var sidecar: ServiceMetadata
    /// The sidecar as it was on disk.
    var old: ServiceMetadata?
    /// For each column of the pending service, the position of its data
    /// source in the file.
    var positions: [Int]
}

/// Where one service's values go.
enum ServiceTarget {
    case serviceFile(ServicePlan)
    /// A service stored one file per metric (a tree written before service
    /// files existed) stays so: these are its metrics.
    case metricFiles([PendingMetric])
}

extension MetricWriter {
    /// Makes sure the service's file exists with a data source per label,
    /// of the right type and limits, and says how to write to it.
    func plan(_ s: PendingService) throws(CollectorError) -> ServiceTarget {
        let full = "\(options.rrdDirectory)/\(s.base)"
        let rrd = full + ".rrd"
        let expected = expectedSidecar(s)
        var known = false
        let existing = readServiceSidecar(s, expected, known: &known)
        if let existing, !known, !FileIO.exists(rrd) {
            // the sidecar without its file (deleted by hand): the file is
            // made anew with the sidecar's data sources, in its order
            do {
                try createFile(rrd, start: s.firstTime, existing.metrics.map { m in
                    options.schema.dataSource(uom: m.uom, minimum: m.minimum, maximum: m.maximum, name: m.dataSource)
                })
            } catch {
                throw .rrd(error)
            }
            logger.warning("\(s.base): service file missing beside its sidecar, made anew")
        }
        if existing == nil, !FileIO.exists(rrd) {
            if FileIO.isDirectory(s.base, relativeTo: rootFD) { return .metricFiles(s.metricFiles()) }
            let dir = FileIO.directory(of: full)
            do { try FileIO.makeDirectories(dir) } catch { throw .system(error) }
            do { try createFile(rrd, start: s.firstTime, s.series.map(\.dataSource)) } catch { throw .rrd(error) }
            FileIO.removeStaleTemporaries(in: dir, olderThan: 3_600)
            return .serviceFile(ServicePlan(sidecar: expected, old: nil, positions: Array(s.series.indices)))
        }
        if let existing, let plan = try planFromSidecar(s, existing, rrd) { return .serviceFile(plan) }
        return .serviceFile(try reconcile(s, existing, rrd))
    }

    /// What the sidecar says when it lists exactly the labels of `s`, in
    /// their order (the usual case, recognised by comparing bytes).
    func expectedSidecar(_ s: PendingService) -> ServiceMetadata {
        ServiceMetadata(host: s.host, service: s.service, checkCommand: s.checkCommand, metrics: s.series.map(\.metric),
                        firstSeen: s.firstTime, lastSeen: s.lastTime)
    }

    /// Every label of `s` is in the sidecar under its own name: the plan
    /// follows from the sidecar alone (retuning what changed). `nil` when
    /// a label is new to the file.
    private func planFromSidecar(_ s: PendingService, _ existing: ServiceMetadata, _ rrd: String)
        throws(CollectorError) -> ServicePlan?
    {
        var sidecar = existing
        var positions: [Int] = []
        positions.reserveCapacity(s.series.count)
        for series in s.series {
            let p: Int?
            if let k = positions.last.map({ $0 + 1 }), k < existing.metrics.count, existing.metrics[k].label == series.label {
                p = k
            } else {
                p = existing.metrics.firstIndex { $0.label == series.label }
            }
            guard let p, existing.metrics[p].dataSource == series.metric.dataSource else { return nil }
            positions.append(p)
        }
        for (k, series) in s.series.enumerated() {
            let old = existing.metrics[positions[k]]
            if old != series.metric {
                let was = options.schema.dataSource(uom: old.uom, minimum: old.minimum, maximum: old.maximum, name: old.dataSource)
                try retune(rrd, series.dataSource, typeWas: old.dataSourceType, limitsWere: was)
            }
            sidecar.metrics[positions[k]] = series.metric
        }
        sidecar.checkCommand = s.checkCommand
        return ServicePlan(sidecar: sidecar, old: existing, positions: positions)
    }

    /// The file is the truth about its data sources: labels new to it are
    /// added (`rrd_tune DS:…`), labels it has keep their data source (names
    /// depend only on the label, so this also rebuilds a lost sidecar).
    private func reconcile(_ s: PendingService, _ existing: ServiceMetadata?, _ rrd: String) throws(CollectorError) -> ServicePlan {
        let inFile: [RRDDataSource]
        do {
            if daemon != nil { try controlConnection().flush(rrd) }
            inFile = try RRDFile.info(path: rrd).dataSources
        } catch {
            throw .rrd(error)
        }
        var metrics = inFile.map { d in
            existing?.metrics.first { $0.dataSource == d.name }
                ?? ServiceMetadata.Metric(dataSource: d.name, label: nil, minimum: d.minimum, maximum: d.maximum,
                                          dataSourceType: d.kind.rawValue)
        }
        var positions: [Int] = []
        var added: [RRDDataSource] = []
        for series in s.series {
            let name = series.metric.dataSource
            if let p = metrics.firstIndex(where: { $0.dataSource == name }) {
                // two labels whose generated names collide (a 64-bit hash):
                // refused rather than mixed
                if let other = metrics[p].label, other != series.label {
                    throw .naming("label '\(series.label)': its data source \(name) already holds '\(other)'")
                }
                if p < inFile.count {
                    try retune(rrd, series.dataSource, typeWas: inFile[p].kind.rawValue, limitsWere: inFile[p])
                }
                metrics[p] = series.metric
                positions.append(p)
            } else {
                added.append(series.dataSource)
                positions.append(metrics.count)
                metrics.append(series.metric)
            }
        }
        if !added.isEmpty {
            do { try RRDFile.addDataSources(path: rrd, added) } catch { throw .rrd(error) }
            logger.info("\(s.base): data sources added: \(added.map(\.definition).joined(separator: " "))")
        }
        let sidecar = ServiceMetadata(host: s.host, service: s.service, checkCommand: s.checkCommand, metrics: metrics,
                                      firstSeen: existing?.firstSeen ?? s.firstTime, lastSeen: existing?.lastSeen ?? s.lastTime)
        return ServicePlan(sidecar: sidecar, old: existing, positions: positions)
    }

    /// The service sidecar as it is on disk (`nil`: none, unreadable or not
    /// a service sidecar), from `sidecars` when the file has not changed
    /// since this process read or wrote it.
    /// `known`: it came from `sidecars` (this file was seen before, no read).
    private func readServiceSidecar(_ s: PendingService, _ expected: ServiceMetadata, known fromMemory: inout Bool)
        -> ServiceMetadata?
    {
        let path = s.base + ".meta"
        let description = expected.descriptionText()
        let hash = SidecarCache.hash(description)
        if let known = sidecars.entry(s.base), FileIdentity.of(path, relativeTo: rootFD) == known.identity {
            if known.description == hash {
                var m = expected
                m.firstSeen = known.firstSeen
                m.lastSeen = known.lastSeen
                fromMemory = true
                return m
            }
            if let parsed = known.service {
                fromMemory = true
                return parsed
            }
        }
        var identity: FileIdentity?
        let read = ServiceMetadata.read(path: path, relativeTo: rootFD, expecting: expected, description: description,
                                        identity: &identity)
        if let read, let identity {
            let same = read.describesSameService(as: expected)
            sidecars.store(s.base, .init(identity: identity, description: same ? hash : SidecarCache.hash(read.descriptionText()),
                                         firstSeen: read.firstSeen, lastSeen: read.lastSeen, service: same ? nil : read))
        } else {
            sidecars.remove(s.base)
        }
        return read
    }

    /// Changes a data source whose type or limits differ from what the
    /// perfdata says now.
    func retune(_ rrd: String, _ ds: RRDDataSource, typeWas: String, limitsWere was: RRDDataSource) throws(CollectorError) {
        let typeChanged = typeWas != ds.kind.rawValue
        guard typeChanged || was.minimum != ds.minimum || was.maximum != ds.maximum else { return }
        do {
            if daemon != nil { try controlConnection().flush(rrd) }
            if typeChanged { try RRDFile.tune(path: rrd, arguments: ["-d", "\(ds.name):\(ds.kind.rawValue)"]) }
            try RRDFile.setLimits(path: rrd, dataSource: ds.name, minimum: ds.minimum, maximum: ds.maximum)
        } catch {
            throw .rrd(error)
        }
        logger.info("\(rrd): data source now \(ds.definition)")
    }

    /// A new file (service or metric) from its first value's time.
    func createFile(_ rrd: String, start first: Double, _ dataSources: [RRDDataSource]) throws(RRDError) {
        // One step before the first value, so that the first value fills a
        // whole primary data point (librrd drops a point more than half unknown).
        let start = Int(first.rounded(.down)) - options.schema.step
        do {
            if daemon != nil {
                try controlConnection().create(rrd, step: options.schema.step, start: start, dataSources: dataSources,
                                               archives: options.schema.archives)
            } else {
                try RRDFile.create(path: rrd, step: options.schema.step, start: start, dataSources: dataSources,
                                   archives: options.schema.archives)
            }
        } catch where error.kind == .alreadyExists {
            return
        }
    }

    /// The values of `rows` in the file's data-source order: `time:v1:v2…`
    /// with `U` for unknown and absent labels.
    func serviceUpdate(_ row: PendingRow, _ plan: ServicePlan, into out: inout [UInt8]) {
        RRDFile.appendTime(row.time, to: &out)
        let width = plan.sidecar.metrics.count
        if plan.positions.count == width, plan.positions.elementsEqual(0..<width) {
            for k in 0..<width {
                out.append(0x3A)
                RRDNumber.append(k < row.values.count ? row.values[k].number : nil, to: &out)
            }
            return
        }
        var byPosition = [Double?](repeating: nil, count: width)
        for (k, v) in row.values.enumerated() { byPosition[plan.positions[k]] = v.number }
        for v in byPosition {
            out.append(0x3A)
            RRDNumber.append(v, to: &out)
        }
    }

    /// Everything for one service with librrd: file, data sources, values, sidecar.
    func storeDirect(_ s: PendingService, _ counts: inout Counts) {
        let target: ServiceTarget
        do {
            target = try plan(s)
        } catch {
            counts.failed += s.valueCount
            logger.error("\(s.base): not stored: \(error)")
            return
        }
        switch target {
        case .metricFiles(let metrics):
            for m in metrics { storeDirect(m, &counts) }
        case .serviceFile(let plan):
            let full = "\(options.rrdDirectory)/\(s.base)"
            do {
                try updateDirect(s, plan, full + ".rrd", &counts)
                try writeSidecar(s, plan, full + ".meta")
            } catch {
                logger.error("\(s.base): not stored: \(error)")
            }
        }
    }

    private func updateDirect(_ s: PendingService, _ plan: ServicePlan, _ rrd: String, _ counts: inout Counts) throws(CollectorError) {
        let template = plan.sidecar.metrics.map(\.dataSource).joined(separator: ":")
        func strings(_ rows: ArraySlice<PendingRow>) -> [String] {
            var bytes: [UInt8] = []
            return rows.map { row in
                bytes.removeAll(keepingCapacity: true)
                serviceUpdate(row, plan, into: &bytes)
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        var rows = s.rows[...]
        do {
            do {
                try RRDFile.update(path: rrd, values: strings(rows), template: template)
            } catch where error.kind == .notAfterLastUpdate {
                // Some records are not after the file's last update (a
                // re-read spool file, an older file): count and skip them.
                let last = Double(try RRDFile.last(path: rrd))
                let keep = rows.drop { $0.time < last + 1 }
                counts.duplicates += rows.prefix(rows.count - keep.count).reduce(0) { $0 + $1.count }
                rows = keep
                try RRDFile.update(path: rrd, values: strings(rows), template: template, skipPastUpdates: true)
            } catch where !FileIO.exists(rrd) {
                // sidecar without its RRD (deleted by hand): make it anew
                try createFile(rrd, start: s.firstTime, plan.sidecar.metrics.map { m in
                    options.schema.dataSource(uom: m.uom, minimum: m.minimum, maximum: m.maximum, name: m.dataSource)
                })
                try RRDFile.update(path: rrd, values: strings(rows), template: template)
            }
        } catch {
            counts.failed += rows.reduce(0) { $0 + $1.count }
            throw .rrd(error)
        }
        counts.stored += rows.reduce(0) { $0 + $1.count }
    }

    /// Rewrites the sidecar only when what it says changes (or `lastSeen`
    /// is more than a day old).
    func writeSidecar(_ s: PendingService, _ plan: ServicePlan, _ path: String) throws(CollectorError) {
        var meta = plan.sidecar
        meta.firstSeen = min(plan.old?.firstSeen ?? s.firstTime, s.firstTime)
        meta.lastSeen = max(plan.old?.lastSeen ?? s.lastTime, s.lastTime)
        if let old = plan.old, old.describesSameService(as: meta), meta.firstSeen == old.firstSeen,
           s.lastTime - old.lastSeen < MetricMetadata.lastSeenGranularity {
            return
        }
        do {
            try FileIO.replace(path, with: meta.serialized(), sync: false)
        } catch {
            sidecars.remove(s.base)
            throw .system(error)
        }
        if let identity = FileIdentity.of(s.base + ".meta", relativeTo: rootFD) {
            let description = meta.descriptionText()
            let same = description == expectedSidecar(s).descriptionText()
            sidecars.store(s.base, .init(identity: identity, description: SidecarCache.hash(description), firstSeen: meta.firstSeen,
                                         lastSeen: meta.lastSeen, service: same ? nil : meta))
        } else {
            sidecars.remove(s.base)
        }
    }
}

extension PendingService {
    /// The service's values as metric files (`host/service/label`) of the
    /// older layout.
    func metricFiles() -> [PendingMetric] {
        series.indices.compactMap { k in
            let m = series[k].metric
            var values: [(Double, Double?)] = []
            for row in rows where k < row.values.count {
                switch row.values[k] {
                case .absent: continue
                case .unknown: values.append((row.time, nil))
                case .value(let v): values.append((row.time, v))
                }
            }
            guard let first = values.first, let last = values.last else { return nil }
            let meta = MetricMetadata(host: host, service: service, label: series[k].label, uom: m.uom, warning: m.warning,
                                      critical: m.critical, minimum: m.minimum, maximum: m.maximum, checkCommand: checkCommand,
                                      dataSourceType: m.dataSourceType, firstSeen: first.0, lastSeen: last.0)
            var ds = series[k].dataSource
            ds.name = StorageSchema.dataSourceName
            return PendingMetric(base: base + "/" + series[k].encodedLabel, metadata: meta, dataSource: ds, values: values,
                                 lastTime: last.0)
        }
    }
}
