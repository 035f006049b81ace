import CRRD
#if canImport(Glibc)
import Glibc
#endif

extension RRDFile {
    /// The data sources of a file, the same as `info(path:).dataSources`,
    /// read from the file's header with one `pread` (the `stat_head_t` and
    /// `ds_def_t` structs of librrd's `rrd_format.h`).
    ///
    /// `rrd_info_r` opens the whole file as librrd does for any access
    /// (`mmap`, three `madvise`s, locks, page faults, `munmap`, which in a
    /// multi-threaded process also interrupts the other CPUs to flush their
    /// TLBs) and builds a list of every header field: for a reader that
    /// only needs the limits, after it fetched the same file, that was as
    /// much system time again as the fetch.
    ///
    /// Only the header is read: unlike `rrd_info_r` this does not check
    /// that the rest of the file is there. A header this does not know
    /// (another cookie or version, floats of another architecture, a
    /// `COMPUTE` or unknown data-source type) is left to `rrd_info_r`.
    public static func dataSources(path: String) throws(RRDError) -> [RRDDataSource] {
        if let known = headerDataSources(path: path) { return known }
        return try info(path: path).dataSources
    }

    /// `nil` when the header is not one `dataSources(path:)` reads itself.
    static func headerDataSources(path: String) -> [RRDDataSource]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let headSize = MemoryLayout<stat_head_t>.size
        let defStride = MemoryLayout<ds_def_t>.stride
        // One page holds the header of up to 33 data sources.
        return withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 16) { buffer -> [RRDDataSource]? in
            guard let base = buffer.baseAddress else { return nil }
            var got = 0
            // Reads on (as much as fits) until `needed` bytes are there.
            func fill(_ needed: Int) -> Bool {
                while got < needed {
                    let n = pread(fd, base + got, buffer.count - got, off_t(got))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return false }
                    got += n
                }
                return true
            }
            guard fill(headSize) else { return nil }
            let head = UnsafeRawBufferPointer(buffer).loadUnaligned(as: stat_head_t.self)
            guard let version = formatVersion(head), version >= 1,
                  head.ds_cnt >= 1, head.ds_cnt <= UInt((buffer.count - headSize) / defStride)
            else { return nil }
            let count = Int(head.ds_cnt)
            guard fill(headSize + count * defStride) else { return nil }
            var result: [RRDDataSource] = []
            result.reserveCapacity(count)
            for k in 0..<count {
                let def = UnsafeRawBufferPointer(buffer).loadUnaligned(fromByteOffset: headSize + k * defStride,
                                                                       as: ds_def_t.self)
                guard let name = cString(def.ds_nam), !name.isEmpty, let type = cString(def.dst),
                      let kind = RRDDataSource.Kind(rawValue: type)
                else { return nil }
                let (heartbeat, minimum, maximum) = withUnsafeBytes(of: def.par) { par in
                    let size = MemoryLayout<unival>.stride
                    return (par.loadUnaligned(fromByteOffset: Int(DS_mrhb_cnt.rawValue) * size, as: UInt.self),
                            par.loadUnaligned(fromByteOffset: Int(DS_min_val.rawValue) * size, as: Double.self),
                            par.loadUnaligned(fromByteOffset: Int(DS_max_val.rawValue) * size, as: Double.self))
                }
                // As `RRDInfo.dataSources` converts them (via Double; NaN = `U`).
                result.append(RRDDataSource(name: name, kind: kind, heartbeat: Int(clamping: UInt64(heartbeat)),
                                            minimum: minimum.isNaN ? nil : minimum,
                                            maximum: maximum.isNaN ? nil : maximum))
            }
            return result
        }
    }

    /// The format version (1–5) of a header librrd wrote on this machine's
    /// architecture (its cookie, version text and float cookie); `nil` for
    /// anything else.
    static func formatVersion(_ head: stat_head_t) -> Int? {
        let cookie = withUnsafeBytes(of: head.cookie) { Array($0) }
        let version = withUnsafeBytes(of: head.version) { Array($0) }
        guard cookie == Array("RRD\0".utf8), version.count == 5, version[4] == 0,
              Array(version[0..<3]) == Array("000".utf8),
              (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(version[3]),
              head.float_cookie == 8.642135E130
        else { return nil }
        return Int(version[3] - UInt8(ascii: "0"))
    }

    /// A fixed-size C `char` array as a string; `nil` without a terminating NUL.
    static func cString<T>(_ chars: T) -> String? {
        withUnsafeBytes(of: chars) { raw in
            guard let end = raw.firstIndex(of: 0) else { return nil }
            return String(decoding: raw[..<end], as: UTF8.self)
        }
    }
}
