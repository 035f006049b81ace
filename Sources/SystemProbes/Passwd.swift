import NagiosPlugin

/// A user account, one line of `/etc/passwd` (`name:x:uid:gid:gecos:home:shell`).
public struct PasswdEntry: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    public var home: String
    public var shell: String

    public init(name: String, uid: UInt32, gid: UInt32, home: String = "", shell: String = "") {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.home = home
        self.shell = shell
    }

    /// One passwd line, or `nil` when it is not one (comments, blanks,
    /// `+`/`-` NIS entries, non-numeric ids).
    public init?(line: ArraySlice<UInt8>) {
        let f = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard f.count >= 7, !f[0].isEmpty, let uid = Passwd.number(f[2]), let gid = Passwd.number(f[3]) else { return nil }
        let text = { (b: ArraySlice<UInt8>) in String(decoding: b, as: UTF8.self) }
        self.init(name: text(f[0]), uid: uid, gid: gid, home: text(f[5]), shell: text(f[6]))
    }
}

/// User look-ups for plugins. The plugins are static executables, where
/// glibc's `getpwnam()` must load NSS modules (libnss_systemd …) and
/// crashes doing so for a name that is not in /etc/passwd. So the file is
/// read directly, and only a name or id not found there is asked of NSS
/// through `getent passwd` (LDAP, sssd, systemd dynamic users …).
public enum Passwd {
    public static let path = "/etc/passwd"
    public static let getentPath = "/usr/bin/getent"

    /// Every account line of a passwd file.
    public static func parse(_ bytes: [UInt8]) -> [PasswdEntry] {
        bytes.split(separator: 0x0A).compactMap { PasswdEntry(line: $0) }
    }

    /// The first account of a passwd file called `name`, or else with
    /// `uid`; only the line that matches is decoded (plugins start fast).
    public static func find(name: String? = nil, uid: UInt32? = nil, in bytes: [UInt8]) -> PasswdEntry? {
        let key = name.map { Array($0.utf8) }
        for line in bytes.split(separator: 0x0A) {
            let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
            if let key {
                guard line[line.startIndex..<colon].elementsEqual(key) else { continue }
            } else if let uid {
                let rest = line[colon...].dropFirst().split(separator: UInt8(ascii: ":"), maxSplits: 2,
                                                            omittingEmptySubsequences: false)
                guard rest.count > 1, number(rest[1]) == uid else { continue }
            } else {
                return nil
            }
            if let entry = PasswdEntry(line: line) { return entry }
        }
        return nil
    }

    /// Decimal digits as a uid/gid.
    static func number(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var v: UInt64 = 0
        for d in digits {
            guard d >= 0x30 && d <= 0x39 else { return nil }
            v = v * 10 + UInt64(d - 0x30)
        }
        return UInt32(exactly: v)
    }

    /// Looks `name` up in /etc/passwd under `root`, then through NSS.
    public static func user(named name: String, root: SystemRoot = .live) -> PasswdEntry? {
        return find(name: name, in: (try? root.read(path)) ?? []) ?? getent(name)
    }

    /// Looks `uid` up in /etc/passwd under `root`, then through NSS.
    public static func user(id uid: UInt32, root: SystemRoot = .live) -> PasswdEntry? {
        return find(uid: uid, in: (try? root.read(path)) ?? []) ?? getent(String(uid))
    }

    /// `getent passwd KEY`: the entry NSS knows, or `nil` (getent exits 2
    /// for an unknown key; a missing getent is the same as not found).
    static func getent(_ key: String) -> PasswdEntry? {
        guard !key.isEmpty, !key.hasPrefix("-"),
              let out = try? Command(path: getentPath, arguments: ["passwd", key]).run(killOnTimeout: false),
              out.exitCode == 0, let line = out.stdout.lines.first else { return nil }
        return PasswdEntry(line: Array(line.utf8)[...])
    }
}
