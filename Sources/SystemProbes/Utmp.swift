/// One record of the utmp file, glibc's `struct utmp` on 64-bit Linux
/// (384 bytes, little-endian on x86-64 and arm64):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 2 | `ut_type` (+2 padding) |
/// | 4 | 4 | `ut_pid` |
/// | 8 | 32 | `ut_line` |
/// | 40 | 4 | `ut_id` |
/// | 44 | 32 | `ut_user` |
/// | 76 | 256 | `ut_host` |
/// | 332 | 4 | `ut_exit` |
/// | 336 | 4 | `ut_session` |
/// | 340 | 8 | `ut_tv` (32-bit seconds, microseconds) |
/// | 348 | 16 | `ut_addr_v6` |
/// | 364 | 20 | reserved |
public struct UtmpRecord: Sendable, Equatable {
    public enum Kind: Int16, Sendable {
        case empty = 0, runLevel = 1, bootTime = 2, newTime = 3, oldTime = 4
        case initProcess = 5, loginProcess = 6, userProcess = 7, deadProcess = 8, accounting = 9
    }

    public var type: Int16
    public var pid: Int32
    public var line: String
    public var id: String
    public var user: String
    public var host: String
    public var seconds: Int32

    public init(type: Int16, pid: Int32, line: String, id: String, user: String, host: String, seconds: Int32) {
        self.type = type
        self.pid = pid
        self.line = line
        self.id = id
        self.user = user
        self.host = host
        self.seconds = seconds
    }

    public var kind: Kind? { Kind(rawValue: type) }

    /// A session of a logged-in user (`USER_PROCESS`), what check_users counts.
    public var isUserProcess: Bool { type == Kind.userProcess.rawValue }

    /// The record in glibc's layout (text fields cut to their size), as
    /// `login`/`sshd` write it; for building utmp files such as fixtures.
    public var bytes: [UInt8] {
        var b = [UInt8](repeating: 0, count: Utmp.recordSize)
        func put<T: FixedWidthInteger>(_ v: T, _ o: Int) {
            for i in 0..<MemoryLayout<T>.size { b[o + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) }
        }
        func put(_ s: String, _ o: Int, _ size: Int) {
            for (i, c) in s.utf8.prefix(size).enumerated() { b[o + i] = c }
        }
        put(type, 0)
        put(pid, 4)
        put(line, 8, 32)
        put(id, 40, 4)
        put(user, 44, 32)
        put(host, 76, 256)
        put(seconds, 340)
        return b
    }
}

/// Reads utmp files the way glibc's `getutxent()` does: whole 384-byte
/// records from the start, a short record at the end ignored, and no
/// file at all read as no records.
public enum Utmp {
    /// `_PATH_UTMP`, where glibc's `getutxent()` reads by default.
    public static let path = "/var/run/utmp"
    public static let recordSize = 384

    /// Every whole record in `bytes`.
    public static func parse(_ bytes: [UInt8]) -> [UtmpRecord] {
        var records: [UtmpRecord] = []
        var offset = 0
        while offset + recordSize <= bytes.count {
            records.append(record(bytes, at: offset))
            offset += recordSize
        }
        return records
    }

    /// The records of the utmp file at `path` under `root`; a file that
    /// cannot be opened reads as empty, as `getutxent()` then returns none.
    public static func read(_ root: SystemRoot, path: String = Utmp.path) -> [UtmpRecord] {
        parse((try? root.read(path)) ?? [])
    }

    private static func record(_ b: [UInt8], at o: Int) -> UtmpRecord {
        UtmpRecord(type: int16(b, o), pid: int32(b, o + 4), line: text(b, o + 8, 32), id: text(b, o + 40, 4),
                   user: text(b, o + 44, 32), host: text(b, o + 76, 256), seconds: int32(b, o + 340))
    }

    private static func int16(_ b: [UInt8], _ o: Int) -> Int16 {
        Int16(bitPattern: UInt16(b[o]) | UInt16(b[o + 1]) << 8)
    }

    private static func int32(_ b: [UInt8], _ o: Int) -> Int32 {
        Int32(bitPattern: UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24)
    }

    /// A fixed-size, NUL-padded (not necessarily terminated) text field.
    private static func text(_ b: [UInt8], _ o: Int, _ size: Int) -> String {
        var end = o
        while end < o + size, b[end] != 0 { end += 1 }
        return String(decoding: b[o..<end], as: UTF8.self)
    }
}
