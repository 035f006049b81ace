#if canImport(Glibc)
import Glibc
#endif

/// Where rrdcached listens: `unix:/path`, `/path`, `host:port`, `[v6]:port`
/// or `host` (port 42217), as `rrdtool --daemon` reads it.
public enum RRDCachedAddress: Sendable, Hashable, CustomStringConvertible {
    case unix(String)
    case tcp(host: String, port: Int)

    public static let defaultPort = 42217

    public init(parsing text: String) throws(RRDError) {
        func bad(_ why: String) -> RRDError { RRDError(.connection, operation: "address", path: "", message: "'\(text)': \(why)") }
        if text.hasPrefix("unix:") {
            let p = String(text.dropFirst(5))
            guard !p.isEmpty else { throw bad("empty socket path") }
            self = .unix(p)
        } else if text.hasPrefix("/") {
            self = .unix(text)
        } else if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad("missing ']'") }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            var port = RRDCachedAddress.defaultPort
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (1...65535).contains(p) else { throw bad("bad port") }
                port = p
            }
            self = .tcp(host: host, port: port)
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard let first = parts.first, !first.isEmpty else { throw bad("empty host") }
            if parts.count == 1 {
                self = .tcp(host: text, port: RRDCachedAddress.defaultPort)
            } else if parts.count == 2, let p = Int(parts[1]), (1...65535).contains(p) {
                self = .tcp(host: String(first), port: p)
            } else {
                throw bad("expected unix:PATH, HOST or HOST:PORT")
            }
        }
    }

    public var description: String {
        switch self {
        case .unix(let p): return "unix:\(p)"
        case .tcp(let h, let p): return h.contains(":") ? "[\(h)]:\(p)" : "\(h):\(p)"
        }
    }
}

/// A reply of rrdcached: status (negative = error), message, and the
/// lines that follow a positive status.
public struct RRDCachedReply: Sendable, Equatable {
    public var status: Int
    public var message: String
    public var lines: [String]
}

/// An error rrdcached reported for one command of a `BATCH`.
public struct RRDCachedBatchError: Sendable, Equatable {
    /// Index of the command in the array given to `batch` (0-based).
    public var index: Int
    public var message: String
}

/// The commands of one `BATCH`, written straight into the bytes that go
/// on the wire (no String per command).
public struct RRDCachedBatch: Sendable {
    /// Commands appended so far (sent ones included).
    public private(set) var count = 0
    /// The command lines not sent yet, each ending in a newline.
    public private(set) var bytes: [UInt8] = []
    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Forgets the bytes already sent (`RRDCachedClient.sendBatch`); the
    /// count goes on.
    mutating func removeSentBytes() { bytes.removeAll(keepingCapacity: true) }

    /// Appends one command line (without its newline).
    public mutating func append(_ command: String) throws(RRDError) {
        if command.utf8.contains(0x0A) {
            throw RRDError(.connection, operation: "BATCH", path: "", message: "command contains a newline")
        }
        bytes.append(contentsOf: command.utf8)
        bytes.append(0x0A)
        count += 1
    }

    /// Appends one `UPDATE path time:value` per value (`U` for nil or
    /// non-finite), in order: as `update` would send them, one command
    /// each, so that rrdcached reports each refused value on its own.
    /// Throws when `path` is empty or contains white space.
    public mutating func appendUpdates<S: Sequence>(path: String, _ values: S) throws(RRDError) where S.Element == (Double, Double?) {
        var p = path
        let ok = p.withUTF8 { u in !u.isEmpty && !u.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) }
        guard ok else {
            throw RRDError(.connection, operation: "UPDATE", path: path, message: "file name empty or contains white space")
        }
        p.withUTF8 { u in
            for (t, v) in values {
                bytes.append(contentsOf: RRDCachedBatch.update)
                bytes.append(contentsOf: u)
                bytes.append(0x20)
                RRDFile.appendTime(t, to: &bytes)
                bytes.append(0x3A)
                RRDNumber.append(v, to: &bytes)
                bytes.append(0x0A)
                count += 1
            }
        }
    }

    /// Appends `count` commands `UPDATE path VALUES`, the VALUES of the
    /// i-th (`time:v1:v2…`, in the file's data-source order) written by
    /// `values(i, &bytes)` straight into the batch. Throws when `path` is
    /// empty or contains white space.
    public mutating func appendUpdates(path: String, count n: Int, _ values: (Int, inout [UInt8]) -> Void) throws(RRDError) {
        var p = path
        let ok = p.withUTF8 { u in !u.isEmpty && !u.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) }
        guard ok else {
            throw RRDError(.connection, operation: "UPDATE", path: path, message: "file name empty or contains white space")
        }
        p.withUTF8 { u in
            for i in 0..<n {
                bytes.append(contentsOf: RRDCachedBatch.update)
                bytes.append(contentsOf: u)
                bytes.append(0x20)
                values(i, &bytes)
                bytes.append(0x0A)
                count += 1
            }
        }
    }

    private static let update = Array("UPDATE ".utf8)
}

/// A client of rrdcached speaking its documented line protocol (`man
/// rrdcached`): UPDATE, BATCH, FLUSH, FLUSHALL, PENDING, FORGET, STATS,
/// PING, LAST, INFO, CREATE, QUIT. librrd's own client API is not used
/// (parts of it are missing from Debian's librrd.so.8, and it has no BATCH).
///
/// File names are sent as given: rrdcached resolves relative names against
/// its `-b` directory; names may not contain white space or newlines.
/// One connection, not thread-safe: use one client per task.
public final class RRDCachedClient {
    public let address: RRDCachedAddress
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private var bufferStart = 0

    /// Connects. Throws `.connection` when the daemon cannot be reached.
    public init(address: RRDCachedAddress) throws(RRDError) {
        self.address = address
        try connect()
    }

    public convenience init(_ text: String) throws(RRDError) {
        try self.init(address: RRDCachedAddress(parsing: text))
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Sends `QUIT` and closes the connection.
    public func close() {
        if fd >= 0 {
            _ = try? writeAll(Array("QUIT\n".utf8))
            Glibc.close(fd)
            fd = -1
        }
    }

    // MARK: commands

    /// `UPDATE file values…`: queues values (`time:v…`, absolute times only).
    public func update(_ path: String, values: [String]) throws(RRDError) {
        try checkName(path, "UPDATE")
        _ = try command("UPDATE \(path) \(values.joined(separator: " "))", path: path)
    }

    /// `BATCH`: sends every command (e.g. `UPDATE f 1700000000:1`) in one
    /// write and returns the errors rrdcached reported, by command index.
    /// An empty result means every command was accepted.
    public func batch(_ commands: [String]) throws(RRDError) -> [RRDCachedBatchError] {
        var b = RRDCachedBatch(capacity: commands.count * 64)
        for c in commands { try b.append(c) }
        return try batch(b)
    }

    /// `BATCH` of prebuilt commands: one round trip for the go-ahead, then
    /// every line in as few writes as the socket takes, then the summary.
    /// Returns the errors rrdcached reported, by command index (0-based,
    /// in the order the commands were appended).
    public func batch(_ commands: RRDCachedBatch) throws(RRDError) -> [RRDCachedBatchError] {
        guard commands.count > 0 else { return [] }
        var b = commands
        try beginBatch()
        try sendBatch(&b)
        return try finishBatch()
    }

    /// Starts a `BATCH` that is sent while it is being built, so that
    /// rrdcached works through the first commands while the caller
    /// prepares the next: `beginBatch`, then `sendBatch` as often as
    /// wanted, then `finishBatch` for the errors. rrdcached answers only
    /// at the end, so nothing needs reading in between. No other command
    /// may be sent on this connection until `finishBatch` (use another
    /// client for them).
    public func beginBatch() throws(RRDError) {
        _ = try command("BATCH", path: "")
    }

    /// Sends the commands appended to `commands` since its last send and
    /// empties its bytes (its `count` keeps counting, so error indexes stay
    /// those of the whole batch).
    public func sendBatch(_ commands: inout RRDCachedBatch) throws(RRDError) {
        guard !commands.bytes.isEmpty else { return }
        try writeAll(commands.bytes, operation: "BATCH", path: "")
        commands.removeSentBytes()
    }

    /// Ends the batch begun by `beginBatch` and returns the errors
    /// rrdcached reported, by command index (0-based).
    public func finishBatch() throws(RRDError) -> [RRDCachedBatchError] {
        try writeAll([0x2E, 0x0A], operation: "BATCH", path: "")
        let reply = try readReply(operation: "BATCH", path: "")
        var errors: [RRDCachedBatchError] = []
        errors.reserveCapacity(reply.lines.count)
        for line in reply.lines {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let n = parts.first.flatMap({ Int($0) }) else { continue }
            errors.append(RRDCachedBatchError(index: n - 1, message: parts.count > 1 ? String(parts[1]) : ""))
        }
        return errors
    }

    /// `FLUSH file`: returns once pending values of the file are on disk.
    public func flush(_ path: String) throws(RRDError) {
        try checkName(path, "FLUSH")
        let reply = try send("FLUSH \(path)", path: path)
        // "no such file" only means nothing was pending for it.
        if reply.status < 0, !reply.message.lowercased().contains("no such file") {
            throw RRDError(.daemon, operation: "FLUSH", path: path, message: reply.message)
        }
    }

    /// `FLUSHALL`: starts writing every pending value (returns at once).
    public func flushAll() throws(RRDError) { _ = try command("FLUSHALL", path: "") }

    /// `PENDING file`: updates not yet written, oldest first.
    public func pending(_ path: String) throws(RRDError) -> [String] {
        try checkName(path, "PENDING")
        let reply = try send("PENDING \(path)", path: path)
        if reply.status < 0 {
            if reply.message.lowercased().contains("no such file") { return [] }
            throw RRDError(.daemon, operation: "PENDING", path: path, message: reply.message)
        }
        return reply.lines
    }

    /// `FORGET file`: drops the file from the cache (pending values are lost).
    public func forget(_ path: String) throws(RRDError) {
        try checkName(path, "FORGET")
        _ = try command("FORGET \(path)", path: path)
    }

    /// `STATS`: the daemon's counters (`UpdatesReceived`, `QueueLength` …).
    public func stats() throws(RRDError) -> [String: UInt64] {
        let reply = try command("STATS", path: "")
        var result: [String: UInt64] = [:]
        for line in reply.lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let v = UInt64(parts[1].drop(while: { $0 == " " })) { result[String(parts[0])] = v }
        }
        return result
    }

    /// `PING`: `true` when the daemon answers PONG.
    public func ping() throws(RRDError) -> Bool {
        let reply = try command("PING", path: "")
        return reply.message.uppercased().hasPrefix("PONG")
    }

    /// `LAST file`: time of the last update the daemon knows (cached values
    /// included).
    public func last(_ path: String) throws(RRDError) -> Int {
        try checkName(path, "LAST")
        let reply = try command("LAST \(path)", path: path)
        guard let t = Int(reply.message.split(separator: " ").first ?? "") else {
            throw RRDError(.connection, operation: "LAST", path: path, message: "unreadable reply '\(reply.message)'")
        }
        return t
    }

    /// `CREATE file -s step -b start [-O] DS… RRA…`. With `overwrite: false`
    /// (`-O`) an existing file is an error of kind `.alreadyExists`.
    public func create(_ path: String, step: Int, start: Int, dataSources: [RRDDataSource], archives: [RRDArchive],
                       overwrite: Bool = false) throws(RRDError) {
        try checkName(path, "CREATE")
        var parts = ["CREATE", path, "-s", String(step), "-b", String(start)]
        if !overwrite { parts.append("-O") }
        parts += dataSources.map(\.definition) + archives.map(\.definition)
        let reply = try send(parts.joined(separator: " "), path: path)
        if reply.status < 0 {
            let exists = reply.message.lowercased().contains("exist")
            throw RRDError(exists ? .alreadyExists : .daemon, operation: "CREATE", path: path, message: reply.message)
        }
    }

    /// Sends one command line and returns the reply, whatever its status.
    public func send(_ line: String, path: String = "") throws(RRDError) -> RRDCachedReply {
        let op = String(line.split(separator: " ", maxSplits: 1).first ?? "")
        try writeAll(Array(line.utf8) + [0x0A], operation: op, path: path)
        return try readReply(operation: op, path: path)
    }

    // MARK: plumbing

    /// `send`, throwing `.daemon` on a negative status.
    private func command(_ line: String, path: String) throws(RRDError) -> RRDCachedReply {
        let reply = try send(line, path: path)
        if reply.status < 0 {
            let op = String(line.split(separator: " ", maxSplits: 1).first ?? "")
            let kind: RRDError.Kind = reply.message.contains("illegal attempt to update") ? .notAfterLastUpdate : .daemon
            throw RRDError(kind, operation: op, path: path, message: reply.message)
        }
        return reply
    }

    private func checkName(_ path: String, _ op: String) throws(RRDError) {
        if path.isEmpty || path.utf8.contains(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            throw RRDError(.connection, operation: op, path: path, message: "file name empty or contains white space")
        }
    }

    private func connect() throws(RRDError) {
        func fail(_ what: String, _ code: Int32) -> RRDError {
            RRDError(.connection, operation: "connect", path: "", message: "\(address): \(what): \(errnoText(code))")
        }
        switch address {
        case .unix(let path):
            var sa = sockaddr_un()
            sa.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            let capacity = MemoryLayout.size(ofValue: sa.sun_path)
            guard bytes.count < capacity else {
                throw RRDError(.connection, operation: "connect", path: "", message: "\(address): socket path too long")
            }
            withUnsafeMutableBytes(of: &sa.sun_path) { raw in
                for (i, b) in bytes.enumerated() { raw[i] = b }
                raw[bytes.count] = 0
            }
            let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard s >= 0 else { throw fail("socket", errno) }
            let r = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if r != 0 {
                let e = errno
                Glibc.close(s)
                throw fail("connect", e)
            }
            fd = s
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let g = getaddrinfo(host, String(port), &hints, &list)
            guard g == 0 else {
                throw RRDError(.connection, operation: "connect", path: "",
                               message: "\(address): \(String(cString: gai_strerror(g)))")
            }
            defer { freeaddrinfo(list) }
            var lastErr: Int32 = ECONNREFUSED
            var node = list
            while let ai = node {
                let s = socket(ai.pointee.ai_family, ai.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), ai.pointee.ai_protocol)
                if s >= 0 {
                    if Glibc.connect(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 {
                        var one: Int32 = 1
                        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                        fd = s
                        return
                    }
                    lastErr = errno
                    Glibc.close(s)
                } else {
                    lastErr = errno
                }
                node = ai.pointee.ai_next
            }
            throw fail("connect", lastErr)
        }
    }

    private func writeAll(_ bytes: [UInt8], operation: String = "write", path: String = "") throws(RRDError) {
        let failure: RRDError? = bytes.withUnsafeBytes { raw -> RRDError? in
            do throws(RRDError) { try writeAll(raw, operation: operation, path: path) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    private func writeAll(_ raw: UnsafeRawBufferPointer, operation: String, path: String) throws(RRDError) {
        guard fd >= 0 else { throw RRDError(.connection, operation: operation, path: path, message: "not connected") }
        var offset = 0
        while offset < raw.count {
            let n = Glibc.send(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
            if n < 0 {
                if errno == EINTR { continue }
                throw RRDError(.connection, operation: operation, path: path, message: "send: \(errnoText(errno))")
            }
            offset += n
        }
    }

    private func readLine(operation: String, path: String) throws(RRDError) -> String {
        while true {
            if let nl = buffer[bufferStart...].firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[bufferStart..<nl], as: UTF8.self)
                bufferStart = nl + 1
                if bufferStart == buffer.count {
                    buffer.removeAll(keepingCapacity: true)
                    bufferStart = 0
                } else if bufferStart > 65536 {
                    buffer.removeFirst(bufferStart)
                    bufferStart = 0
                }
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RRDError(.connection, operation: operation, path: path, message: "recv: \(errnoText(errno))")
            }
            if n == 0 {
                throw RRDError(.connection, operation: operation, path: path, message: "connection closed by rrdcached")
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    private func readReply(operation: String, path: String) throws(RRDError) -> RRDCachedReply {
        let first = try readLine(operation: operation, path: path)
        let trimmed = first.drop(while: { $0 == " " })
        let head = trimmed.prefix(while: { $0 != " " })
        guard let status = Int(head) else {
            throw RRDError(.connection, operation: operation, path: path, message: "unreadable reply '\(first)'")
        }
        let message = String(trimmed.dropFirst(head.count).drop(while: { $0 == " " }))
        var lines: [String] = []
        if status > 0 {
            for _ in 0..<status { lines.append(try readLine(operation: operation, path: path)) }
        }
        return RRDCachedReply(status: status, message: message, lines: lines)
    }
}
