#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

extension BaselineProfile {
    /// `Mon 16:05` at a UTC offset (as `hourText`).
    public static func minuteText(_ time: Int64, utcOffsetSeconds: Int) -> String {
        let t = time + Int64(utcOffsetSeconds)
        let minuteOfDay = Int(((t % 86_400) + 86_400) % 86_400) / 60
        let hour = Self.hourOfWeek(time, utcOffsetSeconds: utcOffsetSeconds)
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[(hour / 24) % 7]) \(two(minuteOfDay / 60)):\(two(minuteOfDay % 60))"
    }
}

/// The spike latch's memory between two runs of check_baseline in wrapping
/// mode (`--state-file`): for each perfdata label, the extreme value in
/// force and the start of a held CRITICAL, with the checks since. One small
/// text file, replaced atomically (write a temporary file next to it, then
/// `rename`):
///
///     vigil-baseline-state 1
///     spike CHECKS_AGO TIME STATUS VALUE LIMIT LABEL
///     critical CHECKS_AGO TIME STATUS VALUE LIMIT LABEL
///     problem OK_CHECKS TIME STATUS VALUE LIMIT LABEL
///     run N LABEL
///     residuals N R1 … RN LABEL
///     outside BITS LABEL
///
/// (`problem`: the hard problem whose recovery is held, with the OK checks
/// since; `run`: the non-OK checks in a row; `residuals`: the last checks'
/// value − expected, oldest first, for the shift check; `outside`: which of
/// the last checks were beyond a warning limit, bit 0 the latest, for the
/// burst check.)
///
/// STATUS is the exit code (2 = CRITICAL); LABEL is the rest of the line
/// (`\` written `\\`, a line break `\n`). A missing file is an empty state;
/// a damaged one is ignored (the latch starts afresh).
public enum BaselineLatchState {
    public static let header = "vigil-baseline-state 1"

    /// What the latch remembers of one label.
    public struct Memory: Sendable, Hashable {
        public var spike: SpikeLatch.Spike?
        public var criticalSince: SpikeLatch.Spike?
        public var problem: SpikeLatch.Spike?
        public var nonOKRun: Int
        public var residuals: [Double]
        public var outside: UInt64

        public init(spike: SpikeLatch.Spike? = nil, criticalSince: SpikeLatch.Spike? = nil,
                    problem: SpikeLatch.Spike? = nil, nonOKRun: Int = 0, residuals: [Double] = [],
                    outside: UInt64 = 0) {
            self.spike = spike
            self.criticalSince = criticalSince
            self.problem = problem
            self.nonOKRun = nonOKRun
            self.residuals = residuals
            self.outside = outside
        }

        public var isEmpty: Bool {
            spike == nil && criticalSince == nil && problem == nil && nonOKRun == 0 && residuals.isEmpty && outside == 0
        }
    }

    public static func parse(_ text: String) -> [String: Memory] {
        var result: [String: Memory] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard lines.first.map({ $0 == Substring(header) }) == true else { return [:] }
        lines = lines.dropFirst()
        func update(_ label: Substring, _ change: (inout Memory) -> Void) {
            let key = BaselineProfile.unescape(label)
            var m = result[key] ?? Memory()
            change(&m)
            result[key] = m
        }
        for line in lines {
            if line.hasPrefix("run ") || line.hasPrefix("outside ") {
                // KEY NUMBER LABEL
                let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3, let n = UInt64(parts[1]) else { return [:] }
                if parts[0] == "run" {
                    guard n <= UInt64(Int.max) else { return [:] }
                    update(parts[2]) { $0.nonOKRun = Int(n) }
                } else {
                    update(parts[2]) { $0.outside = n }
                }
                continue
            }
            if line.hasPrefix("residuals ") {
                let head = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                guard head.count == 3, let n = Int(head[1]), n >= 0, n <= 1000 else { return [:] }
                let parts = line.split(separator: " ", maxSplits: n + 2, omittingEmptySubsequences: false)
                guard parts.count == n + 3 else { return [:] }
                var residuals: [Double] = []
                for t in parts[2..<(n + 2)] {
                    guard let r = NumberFormat.parseStrict(t), r.isFinite else { return [:] }
                    residuals.append(r)
                }
                update(parts[n + 2]) { $0.residuals = residuals }
                continue
            }
            let parts = line.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: false)
            guard parts.count == 7, parts[0] == "spike" || parts[0] == "critical" || parts[0] == "problem", let ago = Int(parts[1]), ago >= 0,
                let time = Int64(parts[2]), let code = Int32(parts[3]), let status = Status(rawValue: code),
                let value = NumberFormat.parseStrict(parts[4]), let limit = NumberFormat.parseStrict(parts[5])
            else { return [:] }
            let entry = SpikeLatch.Spike(time: time, value: value, status: status, limit: limit, checksAgo: ago)
            update(parts[6]) { m in
                switch parts[0] {
                case "spike": m.spike = entry
                case "critical": m.criticalSince = entry
                default: m.problem = entry
                }
            }
        }
        return result
    }

    public static func render(_ memories: [String: Memory]) -> String {
        var s = header + "\n"
        for label in memories.keys.sorted() {
            guard let m = memories[label] else { continue }
            let escaped = label.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n")
                .replacingAll("\r", with: "\\r")
            for (key, entry) in [("spike", m.spike), ("critical", m.criticalSince), ("problem", m.problem)] {
                guard let p = entry else { continue }
                s += "\(key) \(p.checksAgo) \(p.time) \(p.status.rawValue) \(NumberFormat.shortest(p.value)) "
                s += "\(NumberFormat.shortest(p.limit)) \(escaped)\n"
            }
            if m.nonOKRun > 0 { s += "run \(m.nonOKRun) \(escaped)\n" }
            if !m.residuals.isEmpty {
                s += "residuals \(m.residuals.count) "
                for r in m.residuals { s += NumberFormat.shortest(r) + " " }
                s += escaped + "\n"
            }
            if m.outside != 0 { s += "outside \(m.outside) \(escaped)\n" }
        }
        return s
    }

    /// The state in `path`; empty when the file does not exist or is damaged.
    public static func load(_ path: String) -> [String: Memory] {
        guard let bytes = try? readFile(path) else { return [:] }
        return parse(String(decoding: bytes, as: UTF8.self))
    }

    /// Replaces `path` with the state (atomically).
    public static func save(_ memories: [String: Memory], to path: String) throws(PluginError) {
        func fail(_ call: String) -> PluginError {
            .unknown("Cannot write state file \(path): \(call): \(String(cString: strerror(errno)))")
        }
        // One temporary name per process: two checks sharing a state file
        // (a misconfiguration) then lose an update at worst, never mix bytes.
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw fail("open") }
        var bytes = Array(render(memories).utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                Glibc.write(fd, raw.baseAddress.map { $0 + done }, raw.count - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let error = fail("write")
                close(fd)
                unlink(temporary)
                throw error
            }
            done += n
        }
        bytes.removeAll()
        guard close(fd) == 0 else {
            unlink(temporary)
            throw fail("close")
        }
        guard rename(temporary, path) == 0 else {
            let error = fail("rename")
            unlink(temporary)
            throw error
        }
    }
}
