#if canImport(Glibc)
import Glibc
#endif

/// One mounted file system, as gnulib's `read_file_system_list()` reports it
/// to check_disk (a `struct mount_entry`).
public struct MountEntry: Sendable, Equatable {
    /// What was mounted: `/dev/vda`, `tmpfs`, `server:/export`.
    public var device: String
    /// Where it is mounted: `/`, `/dev/shm`.
    public var mountPoint: String
    /// The file system type: `ext4`, `tmpfs`, `nfs`.
    public var type: String
    /// The mount options field as written (`rw,relatime`).
    public var options: String
    /// A pseudo file system (`proc`, `sysfs`, `devpts` …) by gnulib's list.
    public var isDummy: Bool
    /// A network file system by gnulib's rule (a `:` in the device name,
    /// `//host/share` for smbfs/cifs).
    public var isRemote: Bool

    public init(device: String, mountPoint: String, type: String, options: String = "") {
        self.device = device
        self.mountPoint = mountPoint
        self.type = type
        self.options = options
        isDummy = MountTable.isDummy(type: type, options: options)
        isRemote = MountTable.isRemote(device: device, type: type)
    }
}

/// The mount table of `/etc/mtab` (on Linux a link to `/proc/self/mounts`),
/// read the way 2.3.3's check_disk reads it: glibc's `getmntent()` through
/// gnulib's mountlist module, in file order.
public enum MountTable {
    /// The file 2.3.3's check_disk opens.
    public static let path = "/etc/mtab"

    /// Reads and parses the table below `root`.
    public static func read(root: SystemRoot = .live) throws(SystemError) -> [MountEntry] {
        parse(try readSmallFile(root.resolve(path)))
    }

    /// The whole file, read into uninitialised storage: check_disk reads the
    /// table once per `-p`, and zero-filling a large buffer each time would
    /// cost more than parsing the table.
    static func readSmallFile(_ file: String) throws(SystemError) -> [UInt8] {
        let fd = try retryingEINTR("open", file) { open(file, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var out: [UInt8] = []
        var capacity = 4096
        while true {
            var failure: Int32 = 0
            let before = out.count
            out.reserveCapacity(before + capacity)
            out = [UInt8](unsafeUninitializedCapacity: before + capacity) { buffer, count in
                for k in 0..<before { buffer[k] = out[k] }
                var n = -1
                repeat { n = Glibc.read(fd, buffer.baseAddress.map { $0 + before }, capacity) } while n < 0 && errno == EINTR
                if n < 0 { failure = errno; n = 0 }
                count = before + n
            }
            if failure != 0 { throw SystemError(call: "read", path: file, errno: failure) }
            if out.count == before { return out }
            capacity *= 2
        }
    }

    /// Parses mtab text like `getmntent()`: fields separated by blanks or
    /// tabs, `#` comment and blank lines skipped, `\040` `\011` `\012`
    /// `\134` and `\\` decoded in every field, missing fields empty.
    ///
    /// Works on the raw buffer (memchr for line ends, no slices): check_disk
    /// parses the table once per `-p`, and on a host with many mounts the
    /// per-line cost decides whether it stays under the C plugin's.
    public static func parse(_ bytes: [UInt8]) -> [MountEntry] {
        var entries: [MountEntry] = []
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = buffer.count
            var start = 0
            while start < count {
                let end = memchr(base + start, 0x0A, count - start)
                    .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? count
                if let entry = parseLine(UnsafeBufferPointer(start: base + start, count: end - start)) {
                    entries.append(entry)
                }
                start = end + 1
            }
        }
        return entries
    }

    /// One line of the table, or `nil` for a blank or comment line.
    static func parseLine(_ line: UnsafeBufferPointer<UInt8>) -> MountEntry? {
        var i = 0
        let end = line.count
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        while i < end && isBlank(line[i]) { i += 1 }
        if i == end || line[i] == UInt8(ascii: "#") { return nil }
        func field() -> String {
            var j = i
            while j < end && !isBlank(line[j]) { j += 1 }
            let text = decode(UnsafeBufferPointer(rebasing: line[i..<j]))
            i = j
            while i < end && isBlank(line[i]) { i += 1 }
            return text
        }
        let device = field(), mountPoint = field(), type = field(), options = field()
        return MountEntry(device: device, mountPoint: mountPoint, type: type, options: options)
    }

    /// glibc's `decode_name()`, byte by byte.
    static func decode(_ field: UnsafeBufferPointer<UInt8>) -> String {
        guard let base = field.baseAddress, memchr(base, 0x5C, field.count) != nil else {
            return String(decoding: field, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(field.count)
        var i = 0
        let end = field.count
        func at(_ k: Int) -> UInt8 { k < end ? field[k] : 0 }
        while i < end {
            let b = field[i]
            if b == 0x5C {
                let (c1, c2, c3) = (at(i + 1), at(i + 2), at(i + 3))
                var decoded: UInt8?
                if c1 == 0x30 && c2 == 0x34 && c3 == 0x30 { decoded = 0x20 }        // \040
                else if c1 == 0x30 && c2 == 0x31 && c3 == 0x31 { decoded = 0x09 }   // \011
                else if c1 == 0x30 && c2 == 0x31 && c3 == 0x32 { decoded = 0x0A }   // \012
                else if c1 == 0x31 && c2 == 0x33 && c3 == 0x34 { decoded = 0x5C }   // \134
                if let decoded {
                    out.append(decoded)
                    i += 4
                    continue
                }
                if c1 == 0x5C {                                                   // \\
                    out.append(0x5C)
                    i += 2
                    continue
                }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// gnulib's `ME_DUMMY` as built into 2.3.3: pseudo file system types,
    /// and type `none` unless bind-mounted.
    public static func isDummy(type: String, options: String) -> Bool {
        // autofs proc subfs debugfs devpts fusectl mqueue rpc_pipefs sysfs
        // devfs kernfs ignore, and none: grouped by length so that a type
        // is compared with two or three names, not thirteen.
        switch type.utf8.count {
        case 4:
            if type == "proc" { return true }
            return type == "none" && !options.split(separator: ",").contains("bind")
        case 5: return type == "subfs" || type == "sysfs" || type == "devfs"
        case 6: return type == "autofs" || type == "devpts" || type == "mqueue" || type == "kernfs" || type == "ignore"
        case 7: return type == "debugfs" || type == "fusectl"
        case 10: return type == "rpc_pipefs"
        default: return false
        }
    }

    /// gnulib's `ME_REMOTE` as built into 2.3.3.
    public static func isRemote(device: String, type: String) -> Bool {
        var device = device
        if device.withUTF8({ b in b.baseAddress.map { memchr($0, 0x3A, b.count) != nil } ?? false }) { return true }
        return device.hasPrefix("//") && (type == "smbfs" || type == "cifs")
    }
}
