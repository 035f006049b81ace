import Collector
#if canImport(Glibc)
import Glibc
#endif

/// Where the RRD a metric was read from lives, written into its profile so
/// that `check_baseline` can read the latest value itself.
public struct RRDLocation: Sendable, Hashable {
    public var path: String
    public var dataSource: String
    /// Seconds per value, as read and learned from (check_baseline's RRD
    /// mode reads the archive of this resolution).
    public var step: Int

    public init(path: String, dataSource: String, step: Int) {
        self.path = path
        self.dataSource = dataSource
        self.step = step
    }
}

/// The time-of-week profiles `check_baseline` reads: one small text file
/// per metric, `DIR/<host>/<service>/<label>.profile` (host perfdata:
/// `DIR/<host>/@host/<label>.profile`), names encoded as in the
/// collector's tree (bytes other than `A-Z a-z 0-9 . _ -` and a leading
/// `.` written `%XX`).
///
/// The format (version 1) is line based so that a plugin parses it
/// without Foundation in microseconds:
///
///     vigil-profile 2
///     host web01
///     service Load
///     label load1
///     uom
///     direction high
///     generated 1764000000
///     utc-offset 0
///     rrd /var/lib/vigil/rrd/web01/Load/load1.rrd
///     ds value
///     step 300
///     warn ~:3.2
///     crit ~:4.8
///     spike 2.5 -
///     shift 3 0.42 -
///     burst 16 2
///     expected 1.05
///     hour 0 ~:2.1 ~:3 0.9
///     …
///     end
///
/// `warn`/`crit` are the static ranges (Nagios syntax, `-` for none),
/// used for hours that have no line of their own; `spike H L` (optional)
/// how far beyond the critical limit, in warning-to-critical gaps, single
/// checks went in the metric's normal history above and below (`-` for
/// within it): check_baseline's spike latch holds only larger spikes;
/// `shift K H L` (optional) how far the mean of K consecutive residuals
/// (value − expected) went above and below 0 in normal behaviour (`-`:
/// not checked on that side); `burst N K` (optional) the most of N
/// consecutive checks that were beyond a warning limit; `expected E` the
/// expected value of hours without a line of their own (absent for a
/// seasonal metric); `hour H W C E` gives the ranges and the expected
/// value for hour-of-week H (0 = Monday 00:00–00:59 at `utc-offset`).
/// Version 2 added `shift`, `burst`, `expected` and the hours' E.
/// Text values escape `\` as `\\` and a line break as `\n`; `end` marks a
/// complete file.
public enum ProfileStore {
    public static let formatVersion = 2
    public static let fileSuffix = ".profile"

    /// The path of a metric's profile below `directory`.
    public static func path(for id: MetricID, in directory: String) -> String {
        let service = id.service.isEmpty ? "@host" : encode(id.service)
        return "\(directory)/\(encode(id.host))/\(service)/\(encode(id.label))\(fileSuffix)"
    }

    /// A path component: the collector's reversible encoding (`MetricPath`).
    public static func encode(_ name: String) -> String {
        MetricPath.encode(Array(name.utf8))
    }

    /// The file's text, or `nil` when there is nothing to evaluate (a
    /// cold start, or neither a static band nor any hourly band).
    ///
    /// Built as bytes: a seasonal profile has 168 hour lines of up to five
    /// numbers, and appending them to a `String` piece by piece (a string
    /// per number and per range) was most of the cost of writing profiles.
    /// (The tests compare it with the same text built as a string.)
    public static func render(_ analysis: MetricAnalysis, rrd: RRDLocation?, generated: Int64) -> String? {
        guard case .thresholds = analysis.outcome else { return nil }
        let hours = analysis.profile?.buckets ?? []
        guard analysis.band != nil || hours.contains(where: { $0 != nil }) else { return nil }
        var t = [UInt8]()
        t.reserveCapacity(512 + 64 * hours.count)
        func text(_ s: String) { t.append(contentsOf: s.utf8) }
        func byte(_ c: Unicode.Scalar) { t.append(UInt8(ascii: c)) }
        func number(_ v: Double?) {
            if let v { ConfigNumber.append(v, to: &t) } else { byte("-") }
        }
        text("vigil-profile \(formatVersion)\nhost ")
        text(escape(analysis.id.host))
        text("\nservice ")
        text(escape(analysis.id.service))
        text("\nlabel ")
        text(escape(analysis.id.label))
        text("\nuom ")
        text(escape(analysis.uom))
        text("\ndirection \(analysis.direction.rawValue)\ngenerated \(generated)\n")
        text("utc-offset \(analysis.profile?.utcOffsetSeconds ?? 0)\n")
        if let rrd {
            text("rrd ")
            text(escape(rrd.path))
            text("\nds ")
            text(escape(rrd.dataSource))
            text("\nstep \(rrd.step)\n")
        }
        let band = analysis.band
        text("warn ")
        ConfigNumber.appendRange(low: band?.warningLow, high: band?.warningHigh, none: "-", to: &t)
        text("\ncrit ")
        ConfigNumber.appendRange(low: band?.criticalLow, high: band?.criticalHigh, none: "-", to: &t)
        byte("\n")
        // The size of normal one-check spikes (same for every hour: the
        // bands differ only by their offset).
        let spikes = band ?? hours.compactMap { $0 }.first
        if let b = spikes, b.spikeHigh != nil || b.spikeLow != nil {
            text("spike ")
            number(b.spikeHigh)
            byte(" ")
            number(b.spikeLow)
            byte("\n")
        }
        // The shift limits are the same for every band that has an expected
        // value: the static band of a seasonal metric has none.
        let shifts = ([band] + hours).lazy.compactMap { $0 }.first { $0.shiftHigh != nil || $0.shiftLow != nil }
        if let b = shifts, analysis.shiftChecks > 0 {
            text("shift \(analysis.shiftChecks) ")
            number(b.shiftHigh)
            byte(" ")
            number(b.shiftLow)
            byte("\n")
        }
        if let b = spikes, analysis.burstChecks > 0, let k = b.burstLimit {
            text("burst \(analysis.burstChecks) \(k)\n")
        }
        if let e = band?.expected {
            text("expected ")
            number(e)
            byte("\n")
        }
        if hours.count == TimeOfWeekProfile.bucketsPerWeek {
            for (h, band) in hours.enumerated() {
                guard let band else { continue }
                text("hour ")
                // h < 168: up to three digits.
                if h >= 100 { t.append(UInt8(ascii: "0") + UInt8(h / 100)) }
                if h >= 10 { t.append(UInt8(ascii: "0") + UInt8(h / 10 % 10)) }
                t.append(UInt8(ascii: "0") + UInt8(h % 10))
                byte(" ")
                ConfigNumber.appendRange(low: band.warningLow, high: band.warningHigh, none: "-", to: &t)
                byte(" ")
                ConfigNumber.appendRange(low: band.criticalLow, high: band.criticalHigh, none: "-", to: &t)
                if let e = band.expected {
                    byte(" ")
                    number(e)
                }
                byte("\n")
            }
        }
        text("end\n")
        return String(decoding: t, as: UTF8.self)
    }

    /// Writes the profile atomically (creating directories); returns its
    /// path, or `nil` when there was nothing to write.
    @discardableResult
    public static func write(_ analysis: MetricAnalysis, rrd: RRDLocation?, generated: Int64,
                             into directory: String) throws(FileError) -> String? {
        guard let text = render(analysis, rrd: rrd, generated: generated) else { return nil }
        let path = path(for: analysis.id, in: directory)
        try makeDirectories(parentDirectory(path))
        // Many small files: atomic (swapped with a spare) but not fsync'ed
        // one by one; after a crash the next run rewrites them.
        try AtomicReplace.writeKeepingSpare(path: path, contents: text)
        return path
    }

    static func escape(_ text: String) -> String {
        text.escaping(escapes)
    }

    /// Built once: a dictionary literal at the call would be rebuilt
    /// (and its keys hashed) for every field of every profile.
    private static let escapes: [Character: String] = ["\\": "\\\\", "\n": "\\n", "\r": "\\r"]
}

/// `mkdir -p`. The whole path is tried first: writing one profile per
/// metric, its directory (or its parent) usually exists already, so one
/// or two `mkdir` calls do instead of one per component.
public func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(FileError) {
    func made(_ p: String) -> Bool { mkdir(p, mode) == 0 || errno == EEXIST }
    if made(path) { return }
    if errno == ENOENT {
        let parent = parentDirectory(path)
        if parent != path && made(parent) && made(path) { return }
    }
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, mode) != 0 && errno != EEXIST {
            throw FileError(call: "mkdir", path: current, errno: errno)
        }
    }
}
