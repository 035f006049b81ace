import CRRD

/// What `RRDFile.fetchColumns` read: one contiguous array per data source
/// (no per-row arrays), for readers that process whole series.
public struct RRDFetchColumns: Sendable {
    /// The instant before the first row (aligned to `step`).
    public var start: Int
    public var end: Int
    /// Seconds per row.
    public var step: Int
    public var dsNames: [String]
    /// `columns[k][i]`: data source k at row i; NaN = unknown.
    public var columns: [[Double]]

    public var rowCount: Int { columns.first?.count ?? 0 }
    /// End of the interval row `i` covers.
    public func time(ofRow i: Int) -> Int { start + (i + 1) * step }
}

extension RRDFile {
    /// Reads consolidated values as columns. Wraps `rrd_fetch_r`, with the
    /// same archive choice, alignment and daemon `FLUSH` as ``fetch(path:cf:start:end:resolution:daemon:)``,
    /// but copies librrd's row-major buffer straight into one array per data
    /// source: analysing 10,000 files this saves ~16,000 small allocations
    /// per file (added for vigil-analytics).
    ///
    /// A local file in the format librrd writes here is read directly
    /// (`directColumns`: the same result, without mapping the file); any
    /// other goes through `rrd_fetch_r`.
    public static func fetchColumns(path: String, cf: RRDConsolidation = .average, start: Int, end: Int,
                                    resolution: Int? = nil, daemon: RRDCachedClient? = nil) throws(RRDError) -> RRDFetchColumns {
        if let daemon { try daemon.flush(path) }
        if let direct = directColumns(path: path, cf: cf, start: start, end: end, resolution: resolution) {
            return direct
        }
        return try librrdColumns(path: path, cf: cf, start: start, end: end, resolution: resolution)
    }

    /// `fetchColumns` through `rrd_fetch_r` (no daemon: flushed by the caller).
    static func librrdColumns(path: String, cf: RRDConsolidation = .average, start: Int, end: Int,
                              resolution: Int? = nil) throws(RRDError) -> RRDFetchColumns {
        try withFetched(path: path, cf: cf, start: start, end: end, resolution: resolution, daemon: nil) { f in
            let n = f.dsNames.count, rows = f.rowCount
            var columns: [[Double]] = []
            columns.reserveCapacity(n)
            for k in 0..<n {
                columns.append([Double](unsafeUninitializedCapacity: rows) { buffer, count in
                    if let data = f.data, n == 1, let out = buffer.baseAddress {
                        // One data source: the rows are the column (a memcpy).
                        out.update(from: data, count: rows)
                    } else if let data = f.data {
                        for r in 0..<rows { buffer[r] = data[r * n + k] }
                    } else {
                        for r in 0..<rows { buffer[r] = .nan }
                    }
                    count = rows
                })
            }
            return RRDFetchColumns(start: f.start, end: f.end, step: f.step, dsNames: f.dsNames, columns: columns)
        }
    }
}

extension RRDFile {
    /// For a process that fetches file after file: serve allocations up
    /// to 4 MB from the heap and trim it only above 16 MB. Wraps glibc's
    /// `mallopt(M_MMAP_THRESHOLD)` and `mallopt(M_TRIM_THRESHOLD)`.
    ///
    /// librrd's fetch buffer and the columns copied from it (~130 KB each
    /// for 8 weeks at 5 minutes) sit just above glibc's default mmap
    /// threshold, and once freed at the top of a thread's heap glibc gives
    /// the pages back: either way every file paid for fresh pages (page
    /// faults, munmap). With this the same pages are reused file after
    /// file; memory stays bounded by the largest file's buffers.
    public static func keepLargeBuffersInHeap() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 4 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 16 << 20)
        #endif
    }
}
