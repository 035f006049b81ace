import Collector
#if canImport(Glibc)
import Glibc
#endif

/// One metric the scan found: which data source of which file holds it.
public struct SourceMetric: Sendable, Hashable {
    public var id: MetricID
    /// The RRD data-source name.
    public var dataSource: String
    public var uom: String
    public var minimum: Double?
    public var maximum: Double?
    /// `nil`: inferred by the learner from the unit and label.
    public var direction: AlertDirection?

    public init(id: MetricID, dataSource: String, uom: String = "", minimum: Double? = nil, maximum: Double? = nil,
                direction: AlertDirection? = nil) {
        self.id = id
        self.dataSource = dataSource
        self.uom = uom
        self.minimum = minimum
        self.maximum = maximum
        self.direction = direction
    }
}

/// One RRD file to read, and what its data sources are.
public struct SourceFile: Sendable, Hashable {
    public enum Layout: String, Sendable, Hashable {
        /// Written by vigil-collector (metadata from its sidecar).
        case collector
        /// A PNP4Nagios perfdata directory (names and units from its XML).
        case pnp4nagios
        /// Any other RRD: every data source is a metric named from the path.
        case plain
    }

    public var path: String
    public var layout: Layout
    /// The metrics known before opening the file. Plain files list none:
    /// each data source found in the file becomes `host`/`service`/DS name.
    public var metrics: [SourceMetric]
    /// For plain files: the names derived from the path.
    public var host: String
    public var service: String

    public init(path: String, layout: Layout, metrics: [SourceMetric], host: String = "", service: String = "") {
        self.path = path
        self.layout = layout
        self.metrics = metrics
        self.host = host
        self.service = service
    }
}

/// Finds every metric below a directory, whatever wrote it:
///
/// - **PNP4Nagios**: `HOST/SERVICE.xml` next to `SERVICE.rrd` (or
///   `SERVICE_NAME.rrd` per label): host, service, label, unit and min/max
///   come from the XML.
/// - **vigil-collector**: files described by the collector's metadata
///   sidecar, a file per service or (older trees) per metric (see
///   ``CollectorLayout``).
/// - **any other `.rrd`**: each data source is a metric; the path below the
///   root names it: `a/b/c.rrd` is host `a`, service `b/c`, and `x.rrd`
///   directly in the root is host `x` with host perfdata. The label is the
///   data-source name.
///
/// Hidden files and directories (a leading `.`) are skipped: that is where
/// temporary files live. Files are returned sorted by path.
public enum RRDTree {
    public struct Scan: Sendable {
        public var files: [SourceFile] = []
        /// Things that were skipped and why (unreadable XML …).
        public var warnings: [String] = []
    }

    public static func scan(_ root: String) throws(FileError) -> Scan {
        var scan = Scan()
        var seen: Set<[UInt64]> = []
        var st = stat()
        guard stat(root, &st) == 0 else { throw FileError(call: "stat", path: root, errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw FileError(call: "opendir", path: root, errno: ENOTDIR) }
        let base = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        walk(base, relative: [], scan: &scan, seen: &seen)
        scan.files.sort { $0.path < $1.path }
        return scan
    }

    private static func walk(_ dir: String, relative: [String], scan: inout Scan, seen: inout Set<[UInt64]>) {
        var st = stat()
        guard stat(dir, &st) == 0 else {
            scan.warnings.append("\(dir): \(String(cString: strerror(errno)))")
            return
        }
        // A directory reached twice through links is read once.
        guard seen.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { return }
        guard let d = opendir(dir) else {
            scan.warnings.append("\(dir): \(String(cString: strerror(errno)))")
            return
        }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(d)
        names.sort()
        var files: [String] = []
        var subdirs: [String] = []
        for name in names {
            var s = stat()
            guard stat(dir + "/" + name, &s) == 0 else { continue }
            if (s.st_mode & S_IFMT) == S_IFDIR { subdirs.append(name) } else if (s.st_mode & S_IFMT) == S_IFREG { files.append(name) }
        }
        var claimed: Set<String> = []
        // vigil-collector's own files first, then PNP4Nagios XML.
        let collector = CollectorLayout.files(in: dir, names: files, relative: relative, warnings: &scan.warnings)
        for f in collector {
            claimed.insert(f.path)
            if f.layout != .collector || !f.metrics.isEmpty { scan.files.append(f) }
        }
        for name in files where name.hasSuffix(".xml") {
            let path = dir + "/" + name
            let text: String
            do { text = try readFile(path) } catch {
                scan.warnings.append("\(error)")
                continue
            }
            guard text.contains("<NAGIOS") else { continue }
            let xml: PNP4NagiosXML
            do { xml = try PNP4NagiosXML(parsing: text) } catch {
                scan.warnings.append("\(path): \(error)")
                continue
            }
            let stem = String(name.dropLast(4))
            for file in pnpFiles(xml, directory: dir, stem: stem, available: Set(files)) where !claimed.contains(file.path) {
                claimed.insert(file.path)
                scan.files.append(file)
            }
        }
        for name in files where name.hasSuffix(".rrd") && !claimed.contains(dir + "/" + name) {
            let components = relative + [String(name.dropLast(4))]
            let host = components[0]
            let service = components.count == 1 ? "" : components.dropFirst().joined(separator: "/")
            scan.files.append(SourceFile(path: dir + "/" + name, layout: .plain, metrics: [], host: host, service: service))
        }
        for sub in subdirs {
            walk(dir + "/" + sub, relative: relative + [sub], scan: &scan, seen: &seen)
        }
    }

    /// The RRD files one PNP XML describes, with their metrics.
    static func pnpFiles(_ xml: PNP4NagiosXML, directory: String, stem: String, available: Set<String>) -> [SourceFile] {
        var byFile: [String: [SourceMetric]] = [:]
        for ds in xml.dataSources {
            let multiple = ds.storageType.uppercased() == "MULTIPLE"
            // Prefer the file next to the XML (the tree may have been copied
            // from another machine), then the recorded path.
            let recordedName = ds.rrdFile.split(separator: "/").last.map(String.init)
            let candidates = [recordedName, multiple ? "\(stem)_\(ds.name).rrd" : "\(stem).rrd"].compactMap { $0 }
            var path: String?
            for c in candidates where available.contains(c) {
                path = directory + "/" + c
                break
            }
            if path == nil, !ds.rrdFile.isEmpty, access(ds.rrdFile, R_OK) == 0 { path = ds.rrdFile }
            guard let path else { continue }
            let id = MetricID(host: xml.host, service: xml.service, label: ds.label)
            byFile[path, default: []].append(SourceMetric(id: id, dataSource: multiple ? "1" : String(ds.index),
                                                          uom: ds.unit, minimum: ds.minimum, maximum: ds.maximum))
        }
        return byFile.keys.sorted().map { path in
            SourceFile(path: path, layout: .pnp4nagios, metrics: byFile[path] ?? [], host: xml.host, service: xml.service)
        }
    }
}

/// vigil-collector's tree, names percent-encoded (`MetricPath`), in either
/// of its two layouts (one tree may hold both):
///
/// - **a file per service** (`<host>/<service>.rrd`, host perfdata
///   `<host>/@host.rrd`): a data source per perfdata label, and the
///   `<service>.meta` sidecar (`ServiceMetadata`) giving each data source's
///   label, unit and min/max. A data source whose label the sidecar does
///   not know (it was rebuilt from the file) is read under its own name
///   when that name is a label kept as it is (`load1`: a generated name
///   starts with `_`), and skipped with a warning otherwise (the label
///   cannot be recovered from its hash; the collector writes it into the
///   sidecar again when the label comes back).
/// - **a file per metric** (services the collector stored before service
///   files existed): `<host>/<service>/<label>.rrd` with one data source
///   `value` and the `<label>.meta` sidecar (`MetricMetadata`).
///
/// A sidecar that cannot be read or parsed is a warning; the file is still
/// read, named from its path where the path says which layout it is.
public enum CollectorLayout {
    /// The data source of a file of the per-metric layout.
    public static let dataSource = "value"

    /// The files of `dir` that have a collector sidecar. A service file
    /// none of whose data sources can be named has no metrics (it is still
    /// claimed, so that it is not read as a plain file).
    static func files(in dir: String, names: [String], relative: [String], warnings: inout [String]) -> [SourceFile] {
        let present = Set(names)
        var result: [SourceFile] = []
        for name in names where name.hasSuffix(".rrd") {
            let stem = String(name.dropLast(4))
            guard present.contains(stem + ".meta") else { continue }
            let path = dir + "/" + name
            let metaPath = dir + "/" + stem + ".meta"
            // Why the sidecar cannot be used, and the file named from its path instead.
            let problem: String
            let fallback: SourceFile?
            do {
                let bytes = try readFileBytes(metaPath)
                if ServiceMetadata.isServiceSidecar(bytes) {
                    if let meta = ServiceMetadata(parsing: bytes) {
                        result.append(serviceFile(path, meta, warnings: &warnings))
                        continue
                    }
                    problem = "\(metaPath): not a well-formed service sidecar"
                    fallback = serviceFromPath(path, relative: relative, name: name)
                } else if let meta = MetricMetadata(parsing: bytes) {
                    let id = MetricID(host: String(decoding: meta.host, as: UTF8.self),
                                      service: meta.service.map { String(decoding: $0, as: UTF8.self) } ?? "", label: meta.label)
                    let metric = SourceMetric(id: id, dataSource: dataSource, uom: meta.uom, minimum: meta.minimum,
                                              maximum: meta.maximum)
                    result.append(SourceFile(path: path, layout: .collector, metrics: [metric], host: id.host, service: id.service))
                    continue
                } else {
                    problem = "\(metaPath): not a collector sidecar"
                    fallback = metricFromPath(path, relative: relative, name: name)
                }
            } catch {
                // Unreadable: the depth says which layout it probably is.
                problem = "\(error)"
                fallback = serviceFromPath(path, relative: relative, name: name) ?? metricFromPath(path, relative: relative, name: name)
            }
            if let fallback {
                warnings.append("\(problem); names taken from the path")
                result.append(fallback)
            } else {
                warnings.append("\(problem); read as any other RRD")
            }
        }
        return result
    }

    /// A service file's metrics, in the file's data-source order.
    static func serviceFile(_ path: String, _ meta: ServiceMetadata, warnings: inout [String]) -> SourceFile {
        let host = String(decoding: meta.host, as: UTF8.self)
        let service = meta.service.map { String(decoding: $0, as: UTF8.self) } ?? ""
        var metrics: [SourceMetric] = []
        var labels: Set<String> = []
        for m in meta.metrics {
            guard let label = m.label ?? (ServiceMetadata.dataSourceName(for: m.dataSource) == m.dataSource ? m.dataSource : nil) else {
                warnings.append("\(path): data source \(m.dataSource) skipped: its label is unknown (not in the sidecar)")
                continue
            }
            guard labels.insert(label).inserted else {
                warnings.append("\(path): data source \(m.dataSource) skipped: label '\(label)' is listed twice")
                continue
            }
            metrics.append(SourceMetric(id: MetricID(host: host, service: service, label: label), dataSource: m.dataSource,
                                        uom: m.uom, minimum: m.minimum, maximum: m.maximum))
        }
        return SourceFile(path: path, layout: .collector, metrics: metrics, host: host, service: service)
    }

    /// `<host>/<service>.rrd` directly below the scanned directory, its
    /// sidecar unusable: a plain file (a metric per data source, labels
    /// = data-source names) with host and service decoded from the path.
    static func serviceFromPath(_ path: String, relative: [String], name: String) -> SourceFile? {
        guard relative.count == 1, let h = MetricPath.decode(relative[0]) else { return nil }
        let stem = String(name.dropLast(4))
        let service: String
        if stem == MetricPath.hostDirectory {
            service = ""
        } else if let s = MetricPath.decode(stem) {
            service = String(decoding: s, as: UTF8.self)
        } else {
            return nil
        }
        return SourceFile(path: path, layout: .plain, metrics: [], host: String(decoding: h, as: UTF8.self), service: service)
    }

    /// `<host>/<service>/<label>.rrd` directly below the scanned directory,
    /// its sidecar unusable: the metric named from the path.
    static func metricFromPath(_ path: String, relative: [String], name: String) -> SourceFile? {
        guard relative.count == 2, let p = MetricPath.parse(relativePath: (relative + [name]).joined(separator: "/")) else { return nil }
        let id = MetricID(host: String(decoding: p.host, as: UTF8.self),
                          service: p.service.map { String(decoding: $0, as: UTF8.self) } ?? "",
                          label: String(decoding: p.label, as: UTF8.self))
        return SourceFile(path: path, layout: .collector, metrics: [SourceMetric(id: id, dataSource: dataSource)],
                          host: id.host, service: id.service)
    }
}
