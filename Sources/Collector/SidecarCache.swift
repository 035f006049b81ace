#if canImport(Glibc)
import Glibc
#endif

/// What the collector last read from or wrote to each sidecar, kept across
/// runs in a small file in the RRD directory, so that a run need not read
/// a sidecar again: an entry is used only while the sidecar is the same
/// file, unchanged (same device, inode, size, modification and change
/// times: one `fstatat`), so a sidecar rewritten by another program, edited
/// or deleted is read again. (An edit in place of the same size within one
/// tick of the file system's clock after the last write cannot be told
/// apart; the collector itself always replaces sidecars by rename.)
///
/// The file (`.vigil-sidecars-I-of-N`, one per writer process, hidden so
/// that readers of the tree skip it) is only a shortcut: a missing, stale or
/// damaged one costs reads, never data. Bounded: when full it is emptied
/// (and refilled by the reads that follow). Not thread-safe.
final class SidecarCache {
    struct Entry: Equatable {
        var identity: FileIdentity
        /// `SidecarCache.hash` of the description text of what the file says
        /// (`MetricMetadata` / `ServiceMetadata.descriptionText()`).
        var description: UInt64
        var firstSeen: Double
        var lastSeen: Double
        /// A service sidecar whose text is not what the perfdata would
        /// write (more labels, another order): the file as parsed (not
        /// kept across runs).
        var service: ServiceMetadata? = nil
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]
    /// Whether `entries` differ from the file they were loaded from.
    private(set) var changed = false

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    func entry(_ base: String) -> Entry? { entries[base] }

    func store(_ base: String, _ entry: Entry) {
        if entries.count >= capacity, entries[base] == nil { entries.removeAll(keepingCapacity: true) }
        var kept = entry
        kept.service = nil
        if entries[base].map({ var e = $0; e.service = nil; return e }) != kept { changed = true }
        entries[base] = entry
    }

    func remove(_ base: String) {
        if entries.removeValue(forKey: base) != nil { changed = true }
    }

    /// FNV-1a, 64 bits: equal descriptions have equal hashes; a different
    /// one has the same hash with a chance of 2⁻⁶⁴.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    // MARK: the file

    /// Format: this header, then per entry the base's length (UInt16), its
    /// bytes and ten 64-bit words (identity, description hash, seen times),
    /// little-endian as on this machine: the file is never moved to another.
    private static let header = Array("vigil-collector sidecar cache 2\n".utf8)
    private static let words = 10

    /// Adds the entries of `path` (relative to `directoryFD`); a missing,
    /// unreadable or damaged file (from where it is damaged on) is ignored.
    func load(_ path: String, relativeTo directoryFD: Int32) {
        guard let bytes = try? FileIO.readIfExists(path, relativeTo: directoryFD, limit: 256 << 20),
              bytes.starts(with: SidecarCache.header) else { return }
        bytes.withUnsafeBytes { raw in
            var k = SidecarCache.header.count
            while k + 2 <= raw.count, entries.count < capacity {
                let length = Int(raw.loadUnaligned(fromByteOffset: k, as: UInt16.self))
                let end = k + 2 + length + 8 * SidecarCache.words
                guard length > 0, end <= raw.count else { return }
                let base = String(decoding: raw[(k + 2)..<(k + 2 + length)], as: UTF8.self)
                var n = [UInt64](repeating: 0, count: SidecarCache.words)
                for i in 0..<SidecarCache.words { n[i] = raw.loadUnaligned(fromByteOffset: k + 2 + length + 8 * i, as: UInt64.self) }
                let identity = FileIdentity(device: n[0], inode: n[1], size: Int64(bitPattern: n[2]),
                                            modified: timespec(tv_sec: Int(Int64(bitPattern: n[3])), tv_nsec: Int(Int64(bitPattern: n[4]))),
                                            changed: timespec(tv_sec: Int(Int64(bitPattern: n[5])), tv_nsec: Int(Int64(bitPattern: n[6]))))
                entries[base] = Entry(identity: identity, description: n[7], firstSeen: Double(bitPattern: n[8]),
                                      lastSeen: Double(bitPattern: n[9]))
                k = end
            }
        }
    }

    /// Replaces `path` in `directory` with the entries, when they changed
    /// since loading.
    func save(_ path: String, in directory: String) throws(SystemError) {
        guard changed else { return }
        var out = SidecarCache.header
        out.reserveCapacity(out.count + entries.count * 128)
        for (base, e) in entries {
            let b = Array(base.utf8)
            guard b.count <= Int(UInt16.max) else { continue }
            withUnsafeBytes(of: UInt16(b.count)) { out += $0 }
            out += b
            for n in [e.identity.device, e.identity.inode, UInt64(bitPattern: e.identity.size),
                      UInt64(bitPattern: Int64(e.identity.modified.tv_sec)), UInt64(bitPattern: Int64(e.identity.modified.tv_nsec)),
                      UInt64(bitPattern: Int64(e.identity.changed.tv_sec)), UInt64(bitPattern: Int64(e.identity.changed.tv_nsec)),
                      e.description, e.firstSeen.bitPattern, e.lastSeen.bitPattern] {
                withUnsafeBytes(of: n) { out += $0 }
            }
        }
        try FileIO.replace("\(directory)/\(path)", with: out, sync: false)
        changed = false
    }
}

/// Which file a path names and whether it changed: `stat`'s device, inode,
/// size, modification and change times (a file replaced by rename is
/// another inode; a rename or write changes the change time).
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: timespec
    var changed: timespec

    init(device: UInt64, inode: UInt64, size: Int64, modified: timespec, changed: timespec) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }

    init(_ st: stat) {
        self.init(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size), modified: st.st_mtim,
                  changed: st.st_ctim)
    }

    static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
            && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
    }

    /// The identity of `path` (relative to `directoryFD`), `nil` if it cannot be stat'ed.
    static func of(_ path: String, relativeTo directoryFD: Int32) -> FileIdentity? {
        var st = stat()
        guard fstatat(directoryFD, path, &st, 0) == 0 else { return nil }
        return FileIdentity(st)
    }
}
