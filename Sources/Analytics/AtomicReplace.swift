import CGlibcExtras
import Foundation
import NagiosPlugin

/// A file operation that failed, naming the call and the path.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var path: String
    public var errno: Int32
    public var description: String { "\(call) \(path): \(String(cString: strerror(errno)))" }
}

/// Replaces files so that a reader sees either the old or the new version
/// whole: the new text goes to a temporary file in the same directory
/// (same file system), is flushed, optionally validated, and renamed over
/// the old one; if anything fails the old file stays as it was.
public enum AtomicReplace {
    public enum Outcome: Sendable, Equatable {
        case replaced
        /// The validator refused the new text; the old file is untouched.
        case rejected(reasons: [String])
    }

    /// Writes `contents` to `path`. `validate` sees the temporary file's
    /// path and returns `nil` to accept or the reasons to refuse.
    /// With `durable`, the new text is on disk (`fsync`) before the rename,
    /// so that a crash cannot leave an empty file where the old one was.
    public static func replace(path: String, contents: String, mode: mode_t = 0o644, durable: Bool = true,
                               validate: ((String) throws(FileError) -> [String]?)? = nil) throws(FileError) -> Outcome {
        let temp = try writeTemporary(beside: path, contents: contents, mode: mode, durable: durable)
        var keepTemp = false
        defer { if !keepTemp { unlink(temp) } }
        if let validate, let reasons = try validate(temp) {
            return .rejected(reasons: reasons)
        }
        guard rename(temp, path) == 0 else { throw FileError(call: "rename", path: path, errno: errno) }
        keepTemp = true
        return .replaced
    }

    /// Writes and flushes a new file named `.NAME.XXXXXX.tmp` next to
    /// `path`; returns its path. The suffix keeps it out of Nagios'
    /// `cfg_dir` scans (which read `*.cfg`) and Icinga's `*.conf` includes.
    public static func writeTemporary(beside path: String, contents: String, mode: mode_t = 0o644,
                                      durable: Bool = true) throws(FileError) -> String {
        let dir = parentDirectory(path)
        let base = path.split(separator: "/").last.map(String.init) ?? "file"
        var template = Array("\(dir)/.\(base).XXXXXX.tmp".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buf -> Int32 in
            guard let p = buf.baseAddress else { return -1 }
            return mkstemps(p, 4)
        }
        let temp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard fd >= 0 else { throw FileError(call: "mkstemps", path: temp, errno: errno) }
        defer { close(fd) }
        do throws(FileError) {
            try writeAll(fd, contents, path: temp)
            guard fchmod(fd, mode) == 0 else { throw FileError(call: "fchmod", path: temp, errno: errno) }
            guard !durable || fsync(fd) == 0 else { throw FileError(call: "fsync", path: temp, errno: errno) }
        } catch {
            unlink(temp)
            throw error
        }
        return temp
    }

    /// Writes a whole string, retrying short writes and `EINTR`.
    static func writeAll(_ fd: Int32, _ text: String, path: String) throws(FileError) {
        var copy = text
        let failure: Int32? = copy.withUTF8 { buf -> Int32? in
            guard var p = buf.baseAddress else { return nil }
            var left = buf.count
            while left > 0 {
                let n = Glibc.write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                left -= n
                p += n
            }
            return nil
        }
        if let failure { throw FileError(call: "write", path: path, errno: failure) }
    }

    /// Writes `contents` to `path` atomically without validation.
    public static func write(path: String, contents: String, mode: mode_t = 0o644, durable: Bool = true) throws(FileError) {
        _ = try replace(path: path, contents: contents, mode: mode, durable: durable)
    }

    /// The spare file `writeKeepingSpare` keeps beside `path`: `.NAME.spare`.
    public static func sparePath(for path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? "file"
        return "\(parentDirectory(path))/.\(base)\(spareSuffix)"
    }

    public static let spareSuffix = ".spare"

    /// Replaces `path` atomically, as `write` does (not durable), without
    /// creating a file and deleting one every time: the new text goes into
    /// a spare file beside it (`sparePath`, created on first use), and the
    /// two are swapped in one step (`renameat2` RENAME_EXCHANGE), so that
    /// the spare holds the old text, to be overwritten next time. A reader
    /// sees the old or the new file whole, as with a rename. Rewriting
    /// 10,000 profiles a night, the temporary-file way cost ext4 several
    /// seconds of system time: each new inode is searched for among the
    /// ones the same run had just freed (`recently_deleted`). Where the
    /// file system cannot swap, or `path` does not exist yet, the spare is
    /// renamed over it. One writer per path at a time (analyze holds a lock
    /// on its profile directory).
    public static func writeKeepingSpare(path: String, contents: String, mode: mode_t = 0o644) throws(FileError) {
        let spare = sparePath(for: path)
        // Overwritten from the start and cut to length, not opened with
        // O_TRUNC: emptying a file frees its blocks, and ext4 then writes
        // the new ones out at close (`auto_da_alloc`) — a third of the
        // remaining system time of a night's run.
        let fd = open(spare, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError(call: "open", path: spare, errno: errno) }
        do throws(FileError) {
            try writeAll(fd, contents, path: spare)
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw FileError(call: "fstat", path: spare, errno: errno) }
            let length = off_t(contents.utf8.count)
            if st.st_size > length, ftruncate(fd, length) != 0 {
                throw FileError(call: "ftruncate", path: spare, errno: errno)
            }
            if st.st_mode & 0o7777 != mode, fchmod(fd, mode) != 0 {
                throw FileError(call: "fchmod", path: spare, errno: errno)
            }
        } catch {
            close(fd)
            unlink(spare)
            throw error
        }
        close(fd)
        if renameat2(AT_FDCWD, spare, AT_FDCWD, path, renameExchange) == 0 { return }
        // ENOENT: no old file yet; EINVAL or ENOSYS: this file system cannot swap.
        guard rename(spare, path) == 0 else {
            let e = errno
            unlink(spare)
            throw FileError(call: "rename", path: path, errno: e)
        }
    }

    /// `RENAME_EXCHANGE` of <linux/fs.h>.
    static let renameExchange: UInt32 = 1 << 1
}

/// Checks a new generated object file inside the user's *whole* Nagios
/// configuration with `nagios4 -v`, before it replaces the old one.
///
/// The main configuration is copied next to the generated file with the
/// generated file's entry pointing at the candidate instead: a
/// `cfg_file=` naming it is rewritten, and a `cfg_dir=` containing it is
/// expanded into the `cfg_file=` lines of every other `*.cfg` below it (as
/// Nagios would read them) plus the candidate. Relative paths are made
/// absolute against the main file's directory. If the main configuration
/// does not include the generated file at all, the candidate is added and
/// ``note`` says so.
public struct NagiosValidator: Sendable {
    public var nagiosBinary: String
    public var mainConfig: String
    /// The path the generated file is installed under.
    public var target: String

    public init(nagiosBinary: String = "/usr/sbin/nagios4", mainConfig: String, target: String) {
        self.nagiosBinary = nagiosBinary
        self.mainConfig = mainConfig
        self.target = target
    }

    public struct Rewritten: Sendable {
        public var text: String
        /// Set when the main configuration did not include the target.
        public var note: String?
    }

    /// The main configuration with `candidate` in the target's place.
    public func rewrite(mainText: String, candidate: String) -> Rewritten {
        let base = parentDirectory(absolute(mainConfig, relativeTo: FileManager.default.currentDirectoryPath))
        let targetAbs = normalized(absolute(target, relativeTo: FileManager.default.currentDirectoryPath))
        var out: [String] = []
        var included = false
        for rawLine in mainText.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard let eq = trimmed.firstIndex(of: "="), !trimmed.hasPrefix("#"), !trimmed.hasPrefix(";") else {
                out.append(line)
                continue
            }
            let key = trimmed[..<eq].trimmingCharacters(in: .whitespacesAndNewlines)
            let value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespacesAndNewlines)
            switch key {
            case "cfg_file":
                let path = normalized(absolute(value, relativeTo: base))
                if path == targetAbs {
                    out.append("cfg_file=\(candidate)")
                    included = true
                } else {
                    out.append("cfg_file=\(path)")
                }
            case "cfg_dir":
                let dir = normalized(absolute(value, relativeTo: base))
                if targetAbs.hasPrefix(dir.hasSuffix("/") ? dir : dir + "/") {
                    for file in Self.configFiles(under: dir) where normalized(file) != targetAbs {
                        out.append("cfg_file=\(file)")
                    }
                    out.append("cfg_file=\(candidate)")
                    included = true
                } else {
                    out.append("cfg_dir=\(dir)")
                }
            case "resource_file":
                out.append("resource_file=\(absolute(value, relativeTo: base))")
            default:
                out.append(line)
            }
        }
        var note: String?
        if !included {
            out.append("cfg_file=\(candidate)")
            note = "\(mainConfig) does not include \(target) (no cfg_file= or cfg_dir= names it): validated it added to that configuration"
        }
        return Rewritten(text: out.joined(separator: "\n"), note: note)
    }

    /// Runs `nagios -v` on the configuration with `candidate` in place of
    /// the target. Returns `nil` when Nagios accepts it, else the lines of
    /// its output that explain why (errors, with the candidate's temporary
    /// name replaced by the target's).
    public func validate(candidate: String, note: ((String) -> Void)? = nil) throws(FileError) -> [String]? {
        let mainText = try readFile(mainConfig)
        let rewritten = rewrite(mainText: mainText, candidate: candidate)
        if let n = rewritten.note { note?(n) }
        let tempMain = try AtomicReplace.writeTemporary(beside: target + ".nagios", contents: rewritten.text + "\n")
        defer { unlink(tempMain) }
        let output: Command.Output
        do {
            output = try Command(path: nagiosBinary, arguments: ["-v", tempMain]).run(killOnTimeout: false)
        } catch {
            return ["cannot run \(nagiosBinary): \(error)"]
        }
        if output.exitCode == 0 { return nil }
        let lines = (output.stdout + output.stderr).lines.map {
            $0.replacingOccurrences(of: candidate, with: target).replacingOccurrences(of: tempMain, with: mainConfig)
        }
        var reasons = lines.filter { $0.contains("Error") }.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if reasons.isEmpty { reasons = lines.filter { !$0.isEmpty }.suffix(10).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } }
        return ["\(nagiosBinary) -v exited \(output.exitCode)"] + reasons
    }

    /// Every `*.cfg` below `dir`, recursively, in sorted order.
    static func configFiles(under dir: String) -> [String] {
        var result: [String] = []
        guard let d = opendir(dir) else { return [] }
        var names: [String] = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        closedir(d)
        for name in names.sorted() {
            let path = dir + "/" + name
            var st = stat()
            guard stat(path, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                result += configFiles(under: path)
            } else if name.hasSuffix(".cfg") {
                result.append(path)
            }
        }
        return result
    }
}

/// Reads a whole file as UTF-8 text.
public func readFile(_ path: String) throws(FileError) -> String {
    String(decoding: try readFileBytes(path), as: UTF8.self)
}

/// Reads a whole file's bytes.
public func readFileBytes(_ path: String) throws(FileError) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw FileError(call: "read", path: path, errno: errno == 0 ? EIO : errno)
    }
    return [UInt8](data)
}

func absolute(_ path: String, relativeTo base: String) -> String {
    path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base : base + "/") + path
}

/// `a/./b//c/../d` → `/a/b/d` (textually, without resolving links).
func normalized(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
        if part == "." || part.isEmpty { continue }
        if part == "..", !parts.isEmpty { parts.removeLast(); continue }
        parts.append(part)
    }
    return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
}
