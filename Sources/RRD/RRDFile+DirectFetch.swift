import CRRD
#if canImport(Glibc)
import Glibc
#endif

extension RRDFile {
    /// librrd's unknown value (its NaN, whose sign bit is set), for rows
    /// outside an archive: the same bits as `rrd_fetch_r` gives.
    static let unknown = rrd_set_to_DNAN()

    /// `rrd_fetch_r` for a local file in the format librrd writes on this
    /// machine (versions 3–5, this architecture's floats), read with
    /// `pread` into columns: the same archive choice, alignment and values
    /// as librrd 1.7's `rrd_fetch_fn`, and the same shared `fcntl` read
    /// lock, but without mapping the file. librrd maps each file it opens
    /// and unmaps it at close, which in a process with several threads
    /// interrupts the other CPUs to flush their TLBs, and it copies the
    /// rows one at a time: reading 10,000 files, that was about a tenth of
    /// `vigil-analytics analyze`.
    ///
    /// `nil` when the file is not one it reads itself (another version or
    /// architecture, a short file, a lock held by a writer, an error): the
    /// caller then asks librrd, which reports the error if there is one.
    static func directColumns(path: String, cf: RRDConsolidation, start: Int, end: Int, resolution: Int?)
        -> RRDFetchColumns?
    {
        guard start >= 0, end >= start else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_RDLCK)
        lock.l_whence = Int16(SEEK_SET)
        guard fcntl(fd, F_SETLK, &lock) == 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        let fileLength = Int(st.st_size)

        func read(_ buffer: UnsafeMutableRawPointer, _ count: Int, at offset: Int) -> Bool {
            var done = 0
            while done < count {
                let n = pread(fd, buffer + done, count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        let headSize = MemoryLayout<stat_head_t>.size
        var head = stat_head_t()
        guard withUnsafeMutableBytes(of: &head, { b in b.baseAddress.map { read($0, headSize, at: 0) } ?? false })
        else { return nil }
        // (Versions 1 and 2 have another live header: librrd reads those.)
        guard let version = formatVersion(head), version >= 3,
              head.ds_cnt >= 1, head.ds_cnt <= 10_000, head.rra_cnt >= 1, head.rra_cnt <= 10_000, head.pdp_step >= 1
        else { return nil }
        let dsCount = Int(head.ds_cnt)
        let rraCount = Int(head.rra_cnt)
        let pdpStep = Int(head.pdp_step)
        // The header as `rrd_open` reads it, struct after struct.
        let dsSize = MemoryLayout<ds_def_t>.stride
        let rraSize = MemoryLayout<rra_def_t>.stride
        let rest = dsCount * dsSize + rraCount * rraSize + MemoryLayout<live_head_t>.stride
            + dsCount * MemoryLayout<pdp_prep_t>.stride + rraCount * dsCount * MemoryLayout<cdp_prep_t>.stride
            + rraCount * MemoryLayout<rra_ptr_t>.stride
        let headerLength = headSize + rest
        guard headerLength <= fileLength else { return nil }
        return withUnsafeTemporaryAllocation(byteCount: rest, alignment: 16) { raw -> RRDFetchColumns? in
            guard let base = raw.baseAddress, read(base, rest, at: headSize) else { return nil }
            let bytes = UnsafeRawBufferPointer(raw)
            func ds(_ k: Int) -> ds_def_t { bytes.loadUnaligned(fromByteOffset: k * dsSize, as: ds_def_t.self) }
            func rra(_ i: Int) -> rra_def_t {
                bytes.loadUnaligned(fromByteOffset: dsCount * dsSize + i * rraSize, as: rra_def_t.self)
            }
            let liveOffset = dsCount * dsSize + rraCount * rraSize
            let live = bytes.loadUnaligned(fromByteOffset: liveOffset, as: live_head_t.self)
            let pointerOffset = rest - rraCount * MemoryLayout<rra_ptr_t>.stride
            func currentRow(_ i: Int) -> Int {
                Int(bytes.loadUnaligned(fromByteOffset: pointerOffset + i * MemoryLayout<rra_ptr_t>.stride,
                                        as: rra_ptr_t.self).cur_row)
            }
            var names: [String] = []
            names.reserveCapacity(dsCount)
            for k in 0..<dsCount {
                guard let name = cString(ds(k).ds_nam) else { return nil }
                names.append(name)
            }
            var totalRows = 0
            var archives: [(cf: String, rows: Int, pdpCount: Int)] = []
            archives.reserveCapacity(rraCount)
            for i in 0..<rraCount {
                let def = rra(i)
                guard let name = cString(def.cf_nam), def.row_cnt >= 1, def.row_cnt <= 1 << 32, def.pdp_cnt >= 1
                else { return nil }
                archives.append((name, Int(def.row_cnt), Int(def.pdp_cnt)))
                totalRows += Int(def.row_cnt)
            }
            guard headerLength + totalRows * dsCount * 8 <= fileLength else { return nil }
            let lastUpdate = Int(live.last_up)
            // The archive `rrd_fetch_fn` chooses: one of the CF asked (or,
            // among MIN, MAX, AVERAGE and LAST, one of one step) that covers
            // `start`, with the step nearest `resolution`; else the one that
            // covers most of the period.
            let plain = ["MIN", "MAX", "AVERAGE", "LAST"]
            let wanted = cf.rawValue
            let wantedStep = max(resolution ?? 1, 1)
            var bestFull: (index: Int, diff: Int)?
            var bestPart: (index: Int, match: Int, diff: Int)?
            for (i, a) in archives.enumerated()
            where a.cf == wanted || (a.pdpCount == 1 && plain.contains(wanted) && plain.contains(a.cf)) {
                let rowStep = a.pdpCount * pdpStep
                let calEnd = lastUpdate - lastUpdate % rowStep
                let calStart = calEnd - rowStep * a.rows
                let diff = abs(wantedStep - rowStep)
                if calStart <= start {
                    if bestFull.map({ diff < $0.diff }) ?? true { bestFull = (i, diff) }
                } else {
                    let match = end - start - (calStart - start)
                    if bestPart.map({ $0.match < match || ($0.match == match && diff < $0.diff) }) ?? true {
                        bestPart = (i, match, diff)
                    }
                }
            }
            guard let chosen = bestFull?.index ?? bestPart?.index else { return nil }
            let archive = archives[chosen]
            let step = archive.pdpCount * pdpStep
            let first = start - start % step
            let last = end + (step - end % step)
            let rowCount = (last - first) / step
            var rraBase = headerLength
            for i in 0..<chosen { rraBase += dsCount * archives[i].rows * 8 }
            let rraEnd = lastUpdate - lastUpdate % step
            let rraStart = rraEnd - step * (archive.rows - 1)
            let startOffset = (first + step - rraStart) / step
            let endOffset = (rraEnd - last) / step
            // Row r of the result is archive row `startOffset + r` counted
            // from the oldest; those before 0 or from `archive.rows` on are
            // unknown. The oldest row follows the current one.
            let lower = max(0, startOffset)
            let known = lower..<max(lower, min(archive.rows, archive.rows - endOffset))
            let before = max(0, min(rowCount, known.lowerBound - startOffset))
            let count = min(known.count, rowCount - before)
            let oldest = (currentRow(chosen) + 1) % archive.rows
            let from = (oldest + known.lowerBound) % archive.rows
            let firstPart = min(count, archive.rows - from)
            let rowBytes = dsCount * 8
            /// Reads the `count` known rows (row-major) to `out`: at most two
            /// reads, up to the archive's end and then from its start.
            func readKnown(_ out: UnsafeMutablePointer<Double>) -> Bool {
                guard count > 0 else { return true }
                guard read(UnsafeMutableRawPointer(out), firstPart * rowBytes, at: rraBase + from * rowBytes)
                else { return false }
                return firstPart == count
                    || read(UnsafeMutableRawPointer(out + firstPart * dsCount), (count - firstPart) * rowBytes, at: rraBase)
            }
            var ok = true
            var columns: [[Double]] = []
            columns.reserveCapacity(dsCount)
            if dsCount == 1 {
                // One data source: the rows are the column.
                columns.append([Double](unsafeUninitializedCapacity: rowCount) { column, initialized in
                    guard let out = column.baseAddress else { return }
                    out.initialize(repeating: unknown, count: rowCount)
                    ok = readKnown(out + before)
                    initialized = rowCount
                })
            } else {
                ok = withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, count * dsCount)) { rows in
                    guard let out = rows.baseAddress, readKnown(out) else { return false }
                    for k in 0..<dsCount {
                        columns.append([Double](unsafeUninitializedCapacity: rowCount) { column, initialized in
                            for r in 0..<rowCount { column[r] = unknown }
                            for j in 0..<count { column[before + j] = out[j * dsCount + k] }
                            initialized = rowCount
                        })
                    }
                    return true
                }
            }
            guard ok else { return nil }
            return RRDFetchColumns(start: first, end: last, step: step, dsNames: names, columns: columns)
        }
    }
}
