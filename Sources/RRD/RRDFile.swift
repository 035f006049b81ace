import CRRD
#if canImport(Glibc)
import Glibc
#endif

/// The librrd calls, one function each. Every call clears librrd's
/// per-thread error, makes the call and reads the error back with no
/// suspension point in between (these functions are synchronous), and
/// throws an `RRDError` carrying librrd's message.
///
/// These `rrd_*_r` calls work on the file directly and never talk to
/// rrdcached: when a daemon may hold pending updates for the file, `FLUSH`
/// it first (`RRDCachedClient.flush`, or pass `daemon:` to `fetch`).
public enum RRDFile {
    // MARK: create

    /// Creates an RRD. Wraps `rrd_create_r2` (with `no_overwrite`).
    ///
    /// The file is built under a temporary name in the same directory and
    /// then hard-linked into place, so that a crash never leaves a truncated
    /// RRD behind and an existing file is never replaced: if `path` exists
    /// the error has kind `.alreadyExists` and the file is untouched.
    /// - Parameters:
    ///   - step: seconds per primary data point.
    ///   - start: the last-update time of the new file; the first update
    ///     must be later than this.
    public static func create(path: String, step: Int, start: Int, dataSources: [RRDDataSource],
                              archives: [RRDArchive]) throws(RRDError) {
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let dir = slash.map { String(path.utf8[..<$0]) ?? "." } ?? "."
        let temp = "\(dir)/.vigil-create-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let args = dataSources.map(\.definition) + archives.map(\.definition)
        try call("rrd_create_r2", path) {
            withCStringArray(args) { argv, argc in
                rrd_create_r2(temp, UInt(max(step, 1)), time_t(start), 1, nil, nil, argc, argv) == 0
            }
        }
        defer { unlink(temp) }
        if link(temp, path) != 0 {
            let e = errno
            throw RRDError(e == EEXIST ? .alreadyExists : .system, operation: "rrd_create_r2", path: path,
                           message: e == EEXIST ? "file exists, not overwritten" : "link: \(errnoText(e))")
        }
    }

    // MARK: update

    /// Adds values. Wraps `rrd_updatex_r`.
    /// - Parameters:
    ///   - values: update strings, `time:v1[:v2…]` (time may have a
    ///     fraction, a value may be `U`), in increasing time order.
    ///   - template: data-source names the values are for, `a:b:c`
    ///     (`nil` = all, in the file's order).
    ///   - skipPastUpdates: silently skip values not after the last update
    ///     (`RRD_SKIP_PAST_UPDATES`) instead of failing with
    ///     `.notAfterLastUpdate` (which leaves the values before it written).
    public static func update(path: String, values: [String], template: String? = nil,
                              skipPastUpdates: Bool = false) throws(RRDError) {
        guard !values.isEmpty else { return }
        let flags: Int32 = skipPastUpdates ? Int32(RRD_SKIP_PAST_UPDATES) : 0
        try call("rrd_updatex_r", path) {
            withCStringArray(values) { argv, argc in
                rrd_updatex_r(path, template, flags, argc, argv) == 0
            }
        }
    }

    /// The text of one update, `time:v1:v2…` (`U` for nil or non-finite).
    public static func updateString(time: Double, values: [Double?]) -> String {
        var s = timeText(time)
        for v in values {
            s += ":"
            s += RRDNumber.text(v)
        }
        return s
    }

    /// A timestamp as librrd reads it: whole seconds, or with microseconds.
    public static func timeText(_ t: Double) -> String {
        let whole = t.rounded(.down)
        let micros = Int64(((t - whole) * 1_000_000).rounded())
        if micros == 0 { return String(Int64(whole)) }
        if micros >= 1_000_000 { return String(Int64(whole) + 1) }
        var frac = String(micros)
        while frac.utf8.count < 6 { frac = "0" + frac }
        while frac.hasSuffix("0") { frac.removeLast() }
        return "\(Int64(whole)).\(frac)"
    }

    /// `timeText(t)` appended to `out` (no String for whole seconds).
    public static func appendTime(_ t: Double, to out: inout [UInt8]) {
        if t == t.rounded(.down), abs(t) < 1e15 {
            RRDNumber.appendInteger(Int64(t), to: &out)
        } else {
            out.append(contentsOf: timeText(t).utf8)
        }
    }

    // MARK: fetch

    /// Reads consolidated values. Wraps `rrd_fetch_r`.
    ///
    /// librrd picks the archive that best matches `resolution` (seconds per
    /// row; `nil` = the finest) and covers the period, and aligns `start`
    /// and `end` to its step. Row `i` holds the value of the interval ending
    /// at `result.time(ofRow: i)`; unknown values are NaN.
    /// - Parameter daemon: when given, the file is `FLUSH`ed through that
    ///   rrdcached first so that pending updates are seen.
    public static func fetch(path: String, cf: RRDConsolidation = .average, start: Int, end: Int,
                             resolution: Int? = nil, daemon: RRDCachedClient? = nil) throws(RRDError) -> RRDFetchResult {
        try withFetched(path: path, cf: cf, start: start, end: end, resolution: resolution, daemon: daemon) { f in
            var rows: [[Double]] = []
            rows.reserveCapacity(f.rowCount)
            for r in 0..<f.rowCount {
                rows.append((0..<f.dsNames.count).map { f.value(row: r, column: $0) })
            }
            return RRDFetchResult(start: f.start, end: f.end, step: f.step, dsNames: f.dsNames, rows: rows)
        }
    }

    /// librrd's fetch buffer while `withFetched` runs (row-major).
    struct FetchedBuffer {
        let start: Int, end: Int, step: Int
        let dsNames: [String]
        let rowCount: Int
        let data: UnsafePointer<rrd_value_t>?

        func value(row: Int, column: Int) -> Double {
            data.map { $0[row * dsNames.count + column] } ?? .nan
        }
    }

    /// Calls `rrd_fetch_r` (after a `FLUSH` through `daemon`), hands the
    /// result to `body`, then frees librrd's memory.
    static func withFetched<R>(path: String, cf: RRDConsolidation, start: Int, end: Int, resolution: Int?,
                               daemon: RRDCachedClient?, _ body: (FetchedBuffer) -> R) throws(RRDError) -> R {
        if let daemon { try daemon.flush(path) }
        var s = time_t(start)
        var e = time_t(end)
        var step = UInt(max(resolution ?? 1, 1))
        var dsCount: UInt = 0
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var data: UnsafeMutablePointer<rrd_value_t>?
        try call("rrd_fetch_r", path) {
            rrd_fetch_r(path, cf.rawValue, &s, &e, &step, &dsCount, &names, &data) == 0
        }
        defer {
            if let names {
                for i in 0..<Int(dsCount) { rrd_freemem(names[i]) }
                rrd_freemem(names)
            }
            rrd_freemem(data)
        }
        let dsNames = (0..<Int(dsCount)).map { i in names.flatMap { $0[i] }.map { String(cString: $0) } ?? "" }
        let rowCount = step > 0 && e > s ? Int(e - s) / Int(step) : 0
        return body(FetchedBuffer(start: Int(s), end: Int(e), step: Int(step), dsNames: dsNames, rowCount: rowCount,
                                  data: data.map { UnsafePointer($0) }))
    }

    // MARK: last update, info

    /// Time of the last update. Wraps `rrd_last_r`.
    public static func last(path: String) throws(RRDError) -> Int {
        var t: time_t = -1
        try call("rrd_last_r", path) {
            t = rrd_last_r(path)
            return t != -1
        }
        return Int(t)
    }

    /// Time and values of the last update, by data-source name (`nil` for
    /// unknown). Wraps `rrd_lastupdate_r`.
    public static func lastUpdate(path: String) throws(RRDError) -> (time: Int, values: [String: Double?]) {
        var t: time_t = 0
        var count: UInt = 0
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var last: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        try call("rrd_lastupdate_r", path) {
            rrd_lastupdate_r(path, &t, &count, &names, &last) == 0
        }
        var values: [String: Double?] = [:]
        for i in 0..<Int(count) {
            let name = names.flatMap { $0[i] }.map { String(cString: $0) } ?? ""
            let text = last.flatMap { $0[i] }.map { String(cString: $0) } ?? "U"
            values[name] = Double(text).flatMap { $0.isNaN ? nil : $0 }
            rrd_freemem(names?[i])
            rrd_freemem(last?[i])
        }
        rrd_freemem(names)
        rrd_freemem(last)
        return (Int(t), values)
    }

    /// Everything librrd reports about a file (`rrdtool info`). Wraps `rrd_info_r`.
    public static func info(path: String) throws(RRDError) -> RRDInfo {
        var list: UnsafeMutablePointer<rrd_info_t>?
        try call("rrd_info_r", path) {
            list = rrd_info_r(path)
            return list != nil
        }
        defer { rrd_info_free(list) }
        var entries: [(String, RRDInfoValue)] = []
        var node = list
        while let n = node {
            let key = n.pointee.key.map { String(cString: $0) } ?? ""
            let v = n.pointee.value
            let value: RRDInfoValue
            switch n.pointee.type {
            case RD_I_VAL: value = .value(v.u_val)
            case RD_I_CNT: value = .count(UInt64(v.u_cnt))
            case RD_I_STR: value = .string(v.u_str.map { String(cString: $0) } ?? "")
            case RD_I_INT: value = .integer(Int64(v.u_int))
            default: value = .blob
            }
            entries.append((key, value))
            node = n.pointee.next
        }
        return RRDInfo(entries: entries)
    }

    // MARK: tune

    /// Changes a file's header, as `rrdtool tune FILE ARGUMENTS…`. Wraps
    /// `rrd_tune`. A `DS:` definition among the arguments adds a data
    /// source and `DEL:name` removes one (librrd rewrites the file).
    public static func tune(path: String, arguments: [String]) throws(RRDError) {
        try call("rrd_tune", path) {
            withCStringArray(["tune", path] + arguments) { argv, argc in
                rrd_tune(argc, UnsafeMutableRawPointer(argv).assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self)) == 0
            }
        }
    }

    /// Sets a data source's min/max (`nil` = no limit). Wraps `rrd_tune -i/-a`.
    public static func setLimits(path: String, dataSource: String, minimum: Double?, maximum: Double?) throws(RRDError) {
        try tune(path: path, arguments: ["-i", "\(dataSource):\(RRDNumber.text(minimum))",
                                         "-a", "\(dataSource):\(RRDNumber.text(maximum))"])
    }

    /// Adds a data source to an existing file (history of the others is
    /// kept; the new one is unknown before now). Wraps `rrd_tune DS:…`.
    public static func addDataSource(path: String, _ dataSource: RRDDataSource) throws(RRDError) {
        try addDataSources(path: path, [dataSource])
    }

    /// Adds data sources to an existing file in one rewrite. librrd writes
    /// the new file under a temporary name (mode 0600, from `mkstemp`) and
    /// renames it over the old one: the old file's permission bits are put
    /// back, so that readers of the old file (check_baseline as `nagios`,
    /// vigil-analytics) can still read it.
    public static func addDataSources(path: String, _ dataSources: [RRDDataSource]) throws(RRDError) {
        guard !dataSources.isEmpty else { return }
        var before = stat()
        let known = stat(path, &before) == 0
        try tune(path: path, arguments: dataSources.map(\.definition))
        var after = stat()
        if known, stat(path, &after) == 0, after.st_mode & 0o7777 != before.st_mode & 0o7777 {
            _ = chmod(path, before.st_mode & 0o7777)
        }
    }

    // MARK: durability

    /// Writes every modified page of the file system holding `path` (RRD
    /// files written by librrd sit in the page cache until then). Wraps
    /// `syncfs(2)`; the error's message ends with the errno number.
    public static func syncFileSystem(containing path: String) throws(RRDError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            throw RRDError(.system, operation: "open", path: path, message: "\(errnoText(e)) \(e)")
        }
        defer { close(fd) }
        while syncfs(fd) != 0 {
            let e = errno
            if e == EINTR { continue }
            throw RRDError(.system, operation: "syncfs", path: path, message: "\(errnoText(e)) \(e)")
        }
    }

    // MARK: error plumbing

    /// clear → call → read, on this thread, with nothing in between.
    static func call(_ operation: String, _ path: String, _ body: () -> Bool) throws(RRDError) {
        rrd_clear_error()
        let ok = body()
        if ok { return }
        let message = rrd_get_error().map { String(cString: $0) } ?? ""
        rrd_clear_error()
        let kind: RRDError.Kind = message.contains("illegal attempt to update using time") ? .notAfterLastUpdate : .library
        throw RRDError(kind, operation: operation, path: path, message: message.isEmpty ? "failed" : message)
    }
}

/// What `RRDFile.fetch` read.
public struct RRDFetchResult: Sendable, Equatable {
    /// The instant before the first row (aligned to `step`).
    public var start: Int
    public var end: Int
    /// Seconds per row.
    public var step: Int
    public var dsNames: [String]
    /// One array per row, one value per data source; NaN = unknown.
    public var rows: [[Double]]

    public init(start: Int, end: Int, step: Int, dsNames: [String], rows: [[Double]]) {
        self.start = start
        self.end = end
        self.step = step
        self.dsNames = dsNames
        self.rows = rows
    }

    /// End of the interval row `i` covers.
    public func time(ofRow i: Int) -> Int { start + (i + 1) * step }

    /// The column of one data source (NaN = unknown), `nil` if absent.
    public func column(_ dsName: String) -> [Double]? {
        guard let k = dsNames.firstIndex(of: dsName) else { return nil }
        return rows.map { $0[k] }
    }

    public static func == (a: RRDFetchResult, b: RRDFetchResult) -> Bool {
        a.start == b.start && a.end == b.end && a.step == b.step && a.dsNames == b.dsNames
            && a.rows.count == b.rows.count
            && zip(a.rows, b.rows).allSatisfy { r in
                r.0.count == r.1.count && zip(r.0, r.1).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
            }
    }
}
