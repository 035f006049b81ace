#if canImport(Glibc)
import Glibc
#endif

/// What this process last read from or wrote to each sidecar, so that a
/// later batch (spool files, a long input, `--watch`) need not read the
/// file again: an entry is used only while the sidecar is the same file,
/// unchanged (same device, inode, size, modification and change times, one
/// `fstatat`), so a sidecar rewritten by another collector, by hand or
/// deleted is read again. (An edit in place of the same size within one
/// tick of the file system's clock after the last write cannot be told
/// apart; the collector itself always replaces sidecars by rename.)
/// Bounded: when full it is emptied (and refilled by the reads that
/// follow). Thread-safe.
final class SidecarCache: @unchecked Sendable {
    struct Entry {
        var identity: FileIdentity
        /// `MetricMetadata.descriptionText()` of what the file says.
        var description: [UInt8]
        var firstSeen: Double
        var lastSeen: Double
        /// A service sidecar whose text is not what the perfdata would
        /// write (more labels, another order): the file as parsed.
        var service: ServiceMetadata? = nil
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]
    private var lock = pthread_mutex_t()

    init(capacity: Int = 200_000) {
        self.capacity = capacity
        pthread_mutex_init(&lock, nil)
    }

    deinit { pthread_mutex_destroy(&lock) }

    func entry(_ base: String) -> Entry? {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return entries[base]
    }

    func store(_ base: String, _ entry: Entry) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if entries.count >= capacity, entries[base] == nil { entries.removeAll(keepingCapacity: true) }
        entries[base] = entry
    }

    func remove(_ base: String) {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        entries[base] = nil
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

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modified = st.st_mtim
        changed = st.st_ctim
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
