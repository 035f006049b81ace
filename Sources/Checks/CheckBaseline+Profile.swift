#if canImport(Glibc)
import Glibc
#endif
import NagiosPlugin
import SystemProbes

/// A time-of-week profile written by `vigil-analytics analyze --profiles`
/// (format versions 1 and 2, described in docs/plugins/check_baseline.md and in
/// the Analytics module's `ProfileStore`): the warning/critical ranges for
/// each hour of the week, a static pair for hours without their own, and
/// where the metric's RRD is.
public struct BaselineProfile: Sendable, Equatable {
    public var path: String
    public var host = ""
    public var service = ""
    public var label = ""
    public var uom = ""
    public var direction = ""
    public var generated: Int64 = 0
    public var utcOffsetSeconds = 0
    public var rrdPath: String?
    public var dataSource: String?
    public var step: Int?
    public var staticBand = Band(warning: nil, critical: nil)
    /// How far beyond the critical limit (in warning-to-critical gaps)
    /// normal one-check spikes went, above and below (`spike` line): the
    /// spike latch holds only larger ones. `nil`: none.
    public var spikeHigh: Double?
    public var spikeLow: Double?
    /// The shift check (`shift K H L` line): the mean of the last
    /// `shiftChecks` residuals may lie up to `shiftHigh` above and
    /// `shiftLow` below the expected value. `nil`: not checked.
    public var shiftChecks = 0
    public var shiftHigh: Double?
    public var shiftLow: Double?
    /// The burst check (`burst N K` line): more than `burstLimit` of the
    /// last `burstChecks` checks beyond a warning limit latch like a spike.
    public var burstChecks = 0
    public var burstLimit: Int?
    /// 168 entries, hour 0 = Monday 00:00–00:59 at `utcOffsetSeconds`.
    public var hours: [Band?] = Array(repeating: nil, count: 168)

    /// Ranges as written (Nagios syntax), `nil` for none.
    public struct Band: Sendable, Equatable {
        public var warning: String?
        public var critical: String?
        /// The value the band is centred on (version 2), for the shift check.
        public var expected: Double? = nil
    }

    /// The ranges in force at a Unix time, and the hour-of-week they come
    /// from (`nil` when the static pair applies).
    public func band(at time: Int64) -> (band: Band, hour: Int?) {
        let h = Self.hourOfWeek(time, utcOffsetSeconds: utcOffsetSeconds)
        if let b = hours[h] { return (b, h) }
        return (staticBand, nil)
    }

    /// 0 = Monday 00:00–00:59 (1970-01-01 was a Thursday).
    public static func hourOfWeek(_ time: Int64, utcOffsetSeconds: Int) -> Int {
        let t = time + Int64(utcOffsetSeconds) + 3 * 86_400
        return Int(((t / 3600) % 168 + 168) % 168)
    }

    /// `Tue 14:00-15:00`.
    public static func hourText(_ hour: Int) -> String {
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let h = hour % 24
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[(hour / 24) % 7]) \(two(h)):00-\(two((h + 1) % 24)):00"
    }

    public init(path: String) { self.path = path }

    /// Parses a profile file's text; every line is checked, so a damaged
    /// or truncated file is an error rather than a silently wrong band.
    public init(parsing text: String, path: String) throws(PluginError) {
        self.path = path
        func fail(_ why: String) -> PluginError { .unknown("Cannot read profile \(path): \(why)") }
        var sawHeader = false
        var sawEnd = false
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if raw.isEmpty || raw.hasPrefix("#") { continue }
            if sawEnd { throw fail("text after 'end' on line \(number + 1)") }
            let key: Substring
            let value: Substring
            if let space = raw.firstIndex(of: " ") {
                key = raw[..<space]
                value = raw[raw.index(after: space)...]
            } else {
                key = raw
                value = ""
            }
            if !sawHeader {
                guard key == "vigil-profile" else { throw fail("not a vigil-analytics profile") }
                guard value == "1" || value == "2" else {
                    throw fail("format version \(value) is not supported (1 and 2 are)")
                }
                sawHeader = true
                continue
            }
            switch key {
            case "host": host = Self.unescape(value)
            case "service": service = Self.unescape(value)
            case "label": label = Self.unescape(value)
            case "uom": uom = Self.unescape(value)
            case "direction": direction = String(value)
            case "generated":
                guard let g = Int64(value) else { throw fail("bad 'generated' on line \(number + 1)") }
                generated = g
            case "utc-offset":
                guard let o = Int(value) else { throw fail("bad 'utc-offset' on line \(number + 1)") }
                utcOffsetSeconds = o
            case "rrd": rrdPath = Self.unescape(value)
            case "ds": dataSource = Self.unescape(value)
            case "step":
                guard let s = Int(value), s > 0 else { throw fail("bad 'step' on line \(number + 1)") }
                step = s
            case "warn": staticBand.warning = try Self.range(value, line: number + 1, fail)
            case "crit": staticBand.critical = try Self.range(value, line: number + 1, fail)
            case "spike":
                let parts = value.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, let h = Self.amount(parts[0]), let l = Self.amount(parts[1]) else {
                    throw fail("bad 'spike' line \(number + 1)")
                }
                spikeHigh = h
                spikeLow = l
            case "shift":
                let parts = value.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 3, let k = Int(parts[0]), k > 0, k <= 1000, let h = Self.amount(parts[1]),
                    let l = Self.amount(parts[2])
                else { throw fail("bad 'shift' line \(number + 1)") }
                shiftChecks = k
                shiftHigh = h
                shiftLow = l
            case "burst":
                let parts = value.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, let n = Int(parts[0]), n > 0, n <= 64, let k = Int(parts[1]), k >= 0 else {
                    throw fail("bad 'burst' line \(number + 1)")
                }
                burstChecks = n
                burstLimit = k
            case "expected":
                guard let e = NumberFormat.parseStrict(value), e.isFinite else {
                    throw fail("bad 'expected' on line \(number + 1)")
                }
                staticBand.expected = e
            case "hour":
                let parts = value.split(separator: " ")
                guard parts.count == 3 || parts.count == 4, let h = Int(parts[0]), h >= 0, h < 168 else {
                    throw fail("bad 'hour' line \(number + 1)")
                }
                var expected: Double? = nil
                if parts.count == 4 {
                    guard let e = NumberFormat.parseStrict(parts[3]), e.isFinite else {
                        throw fail("bad 'hour' line \(number + 1)")
                    }
                    expected = e
                }
                hours[h] = Band(warning: try Self.range(parts[1], line: number + 1, fail),
                                critical: try Self.range(parts[2], line: number + 1, fail), expected: expected)
            case "end": sawEnd = true
            default: break // later versions may add keys
            }
        }
        guard sawHeader else { throw fail("empty file") }
        guard sawEnd else { throw fail("incomplete (no 'end' line)") }
        guard !label.isEmpty else { throw fail("no label") }
    }

    /// A finite amount ≥ 0, or `-` for none (`.some(nil)`); `nil` when malformed.
    private static func amount(_ text: Substring) -> Double?? {
        if text == "-" { return .some(nil) }
        guard let v = NumberFormat.parseStrict(text), v.isFinite, v >= 0 else { return nil }
        return .some(v)
    }

    private static func range(_ text: Substring, line: Int, _ fail: (String) -> PluginError) throws(PluginError) -> String? {
        if text == "-" { return nil }
        do { _ = try ThresholdRange(parsing: String(text)) } catch { throw fail("bad range '\(text)' on line \(line)") }
        return String(text)
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var out = ""
        var escaped = false
        for ch in text {
            if escaped {
                switch ch {
                case "n": out.append("\n")
                case "r": out.append("\r")
                default: out.append(ch)
                }
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// Reads profiles: a file, or every `*.profile` file in a directory.
    /// With `missingIsEmpty`, a path that does not exist gives no profile
    /// (vigil-analytics deletes the profiles of metrics it cannot judge).
    public static func load(_ path: String, missingIsEmpty: Bool = false) throws(PluginError) -> [BaselineProfile] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if missingIsEmpty && errno == ENOENT { return [] }
            throw .unknown("Cannot read profile \(path): \(String(cString: strerror(errno)))")
        }
        if (st.st_mode & S_IFMT) != S_IFDIR {
            return [try BaselineProfile(parsing: try readText(path), path: path)]
        }
        guard let dir = opendir(path) else {
            throw .unknown("Cannot read profile directory \(path): \(String(cString: strerror(errno)))")
        }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".profile") && !name.hasPrefix(".") { names.append(name) }
        }
        closedir(dir)
        var result: [BaselineProfile] = []
        for name in names.sorted() {
            let file = path + "/" + name
            result.append(try BaselineProfile(parsing: try readText(file), path: file))
        }
        return result
    }

    static func readText(_ path: String) throws(PluginError) -> String {
        do {
            return String(decoding: try readFile(path), as: UTF8.self)
        } catch {
            throw .unknown("Cannot read profile \(path): \(String(cString: strerror(error.errno)))")
        }
    }
}
