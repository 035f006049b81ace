#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin

/// Reads the latest consolidated value of one data source straight from an
/// RRD file's on-disk layout (`rrd_format.h`, versions 0003–0005 as
/// librrd 1.7 writes them on this machine's architecture), so that
/// check_baseline stays a small static binary without librrd.
///
/// Layout: `stat_head_t` (128 bytes), `ds_def_t` × ds (120), `rra_def_t`
/// × rra (120), `live_head_t` (16), `pdp_prep_t` × ds (112), `cdp_prep_t`
/// × rra × ds (80), `rra_ptr_t` × rra (8), then each archive's rows of ds
/// doubles. The AVERAGE archive of the resolution asked for (the one the
/// metric was learned at), else the finest AVERAGE archive (else the
/// finest MIN/MAX/LAST), is read at its current row, the interval ending
/// at `last_up - last_up % (pdp_cnt × step)`, going back over unknown rows.
public enum RRDLatestValue {
    public struct Reading: Sendable, Equatable {
        /// End of the interval the value covers.
        public var time: Int64
        public var value: Double
        /// Seconds per row of the archive read.
        public var step: Int64
    }

    static let floatCookie = 8.642135E130

    /// The latest known value not older than `oldest`, or `nil` if every
    /// row back to then is unknown.
    public static func read(path: String, dataSource: String, oldest: Int64, resolution: Int64? = nil)
        throws(PluginError) -> Reading?
    {
        try readRecent(path: path, dataSource: dataSource, oldest: oldest, rows: 1, resolution: resolution).last
    }

    /// The latest known value not older than `oldest` and the known values
    /// of the `rows − 1` archive rows before it, oldest first (the checks
    /// check_baseline's spike latch looks back over); empty if every row
    /// back to `oldest` is unknown. With `resolution` (seconds), an AVERAGE
    /// archive of exactly that row length is read when the file has one:
    /// vigil-analytics learns each metric at one resolution (5-minute rows
    /// from the collector's files, whose finest rows are 1 minute), and the
    /// rows must be the checks the shift, burst and latch windows counted.
    public static func readRecent(path: String, dataSource: String, oldest: Int64, rows wanted: Int,
                                  resolution: Int64? = nil) throws(PluginError) -> [Reading]
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unknown("Cannot open RRD \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        func fail(_ why: String) -> PluginError { .unknown("Cannot read RRD \(path): \(why)") }
        func bytes(_ offset: Int, _ count: Int) throws(PluginError) -> [UInt8] {
            var buf = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let n = buf.withUnsafeMutableBytes { raw in
                    pread(fd, raw.baseAddress.map { $0 + done }, count - done, off_t(offset + done))
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw fail(String(cString: strerror(errno)))
                }
                if n == 0 { throw fail("file is truncated") }
                done += n
            }
            return buf
        }
        let head = try bytes(0, 128)
        guard head[0..<4] == [0x52, 0x52, 0x44, 0x00] else { throw fail("not an RRD file") }
        let version = String(decoding: head[4..<8], as: UTF8.self)
        guard ["0003", "0004", "0005"].contains(version) else { throw fail("RRD format \(version) is not supported") }
        guard double(head, 16) == floatCookie else { throw fail("written on another architecture") }
        let dsCount = Int(word(head, 24))
        let rraCount = Int(word(head, 32))
        let pdpStep = Int64(word(head, 40))
        guard dsCount > 0, dsCount < 10_000, rraCount > 0, rraCount < 10_000, pdpStep > 0 else { throw fail("bad header") }
        let defs = try bytes(128, 120 * dsCount + 120 * rraCount)
        var dsIndex: Int?
        for k in 0..<dsCount where cString(defs, 120 * k, 20) == dataSource { dsIndex = k }
        guard let dsIndex else { throw fail("no data source '\(dataSource)'") }
        struct Archive { var cf: String; var rows: Int; var pdpCount: Int }
        var archives: [Archive] = []
        for r in 0..<rraCount {
            let o = 120 * dsCount + 120 * r
            archives.append(Archive(cf: cString(defs, o, 20), rows: Int(word(defs, o + 24)), pdpCount: Int(word(defs, o + 32))))
        }
        let liveOffset = 128 + defs.count
        let live = try bytes(liveOffset, 16)
        let lastUpdate = Int64(bitPattern: word(live, 0))
        let pointerOffset = liveOffset + 16 + 112 * dsCount + 80 * dsCount * rraCount
        let pointers = try bytes(pointerOffset, 8 * rraCount)
        var dataOffset = pointerOffset + 8 * rraCount
        var best: (index: Int, offset: Int)?
        if let resolution {
            var offset = dataOffset
            for (i, a) in archives.enumerated() {
                if best == nil, a.cf == "AVERAGE", a.rows > 0, Int64(a.pdpCount) * pdpStep == resolution {
                    best = (i, offset)
                }
                offset += a.rows * dsCount * 8
            }
        }
        for preferAverage in [true, false] where best == nil {
            var offset = dataOffset
            for (i, a) in archives.enumerated() {
                let usable = preferAverage ? a.cf == "AVERAGE" : ["MIN", "MAX", "LAST"].contains(a.cf)
                if usable, a.rows > 0, a.pdpCount > 0, best.map({ archives[$0.index].pdpCount > a.pdpCount }) ?? true {
                    best = (i, offset)
                }
                offset += a.rows * dsCount * 8
            }
        }
        guard let best else { throw fail("no AVERAGE, MIN, MAX or LAST archive") }
        dataOffset = best.offset
        let archive = archives[best.index]
        let rowStep = Int64(archive.pdpCount) * pdpStep
        var row = Int(word(pointers, 8 * best.index))
        guard row < archive.rows else { throw fail("bad current row") }
        var time = lastUpdate - ((lastUpdate % rowStep) + rowStep) % rowStep
        var found: [Reading] = []
        var remaining = max(1, wanted)
        for _ in 0..<archive.rows {
            if found.isEmpty && time < oldest { break }
            let v = double(try bytes(dataOffset + (row * dsCount + dsIndex) * 8, 8), 0)
            if !v.isNaN { found.append(Reading(time: time, value: v, step: rowStep)) }
            if !found.isEmpty {
                // Counted from the latest known row: unknown rows before it
                // are checks without a value.
                remaining -= 1
                if remaining == 0 { break }
            }
            row = row == 0 ? archive.rows - 1 : row - 1
            time -= rowStep
        }
        return found.reversed()
    }

    private static func word(_ b: [UInt8], _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(b[at + k]) << (8 * UInt64(k)) }
        return UInt64(littleEndian: v)
    }

    private static func double(_ b: [UInt8], _ at: Int) -> Double {
        Double(bitPattern: word(b, at))
    }

    private static func cString(_ b: [UInt8], _ at: Int, _ max: Int) -> String {
        String(decoding: b[at..<(at + max)].prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// Asks rrdcached to write a file's pending updates (`FLUSH path`), over
/// a unix socket (`unix:/path` or `/path`) or TCP (`host[:port]`, default
/// port 42217), before the file is read.
public enum RRDCachedFlush {
    public static func flush(address: String, path: String, timeoutSeconds: Int = 10) throws(PluginError) {
        func fail(_ why: String) -> PluginError { .unknown("rrdcached \(address): \(why)") }
        let fd: Int32
        if address.hasPrefix("unix:") || address.hasPrefix("/") {
            let socketPath = address.hasPrefix("unix:") ? String(address.dropFirst(5)) : address
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw fail(String(cString: strerror(errno))) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(socketPath.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
                close(fd)
                throw fail("socket path too long")
            }
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in bytes.enumerated() { raw[i] = b }
            }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if rc != 0 {
                let e = errno
                close(fd)
                throw fail(String(cString: strerror(e)))
            }
        } else {
            var host = address
            var port = "42217"
            if let colon = address.lastIndex(of: ":"), !address.hasPrefix("[") || address[..<colon].hasSuffix("]") {
                host = String(address[..<colon])
                port = String(address[address.index(after: colon)...])
            }
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let rc = getaddrinfo(host, port, &hints, &list)
            guard rc == 0, let first = list else { throw fail(String(cString: gai_strerror(rc))) }
            defer { freeaddrinfo(list) }
            var connected: Int32 = -1
            var node: UnsafeMutablePointer<addrinfo>? = first
            while let n = node, connected < 0 {
                let s = socket(n.pointee.ai_family, n.pointee.ai_socktype, n.pointee.ai_protocol)
                if s >= 0 {
                    if connect(s, n.pointee.ai_addr, n.pointee.ai_addrlen) == 0 { connected = s } else { close(s) }
                }
                node = n.pointee.ai_next
            }
            guard connected >= 0 else { throw fail("cannot connect") }
            fd = connected
        }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var request = Array("FLUSH \(path)\n".utf8)
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeMutableBytes { send(fd, $0.baseAddress.map { $0 + sent }, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail(String(cString: strerror(errno)))
            }
            sent += n
        }
        request.removeAll()
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = recv(fd, &byte, 1, 0)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw fail("no answer to FLUSH") }
            if byte == 0x0A { break }
            line.append(byte)
        }
        let reply = String(decoding: line, as: UTF8.self)
        // `0 Successfully flushed …`; a negative status is an error. A file
        // the daemon has nothing pending for is fine.
        if reply.hasPrefix("-") && !reply.contains("No such file") { throw fail("FLUSH \(path): \(reply)") }
    }
}
